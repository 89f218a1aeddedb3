# Host builds: can this machine run what the build makes? Decided once, at configure
# time, by building and running a tiny program with the build's own flags. A 32-bit
# build (host-m32) on an x86-64 kernel without IA-32 support cannot run natively; its
# tests then run under QEMU's user-mode emulator, qemu-i386 (Debian package qemu-user),
# so the 32-bit suite still runs rather than being skipped.
#
# Sets RP_HOST_EMULATOR: the command prefix that runs a host executable of this build
# (empty when it runs natively). Every host test is registered through it.
set(RP_HOST_EMULATOR "")
set(probe_dir ${CMAKE_BINARY_DIR}/CMakeFiles/rp_host_probe)
file(WRITE ${probe_dir}/probe.c "int main(void) { return sizeof(void *) == ${CMAKE_SIZEOF_VOID_P} ? 0 : 1; }\n")
try_run(run_rc compile_ok ${probe_dir}/build ${probe_dir}/probe.c
    COMPILE_OUTPUT_VARIABLE compile_log
    COPY_FILE ${probe_dir}/probe)
if(NOT compile_ok)
    message(FATAL_ERROR "host: the C compiler cannot build a ${CMAKE_SIZEOF_VOID_P}-byte-pointer program "
        "with these flags; for -m32, install gcc-multilib (tools/setup.sh does).\n${compile_log}")
endif()
if(run_rc STREQUAL "0")
    message(STATUS "host: tests run natively (${CMAKE_SIZEOF_VOID_P}-byte pointers)")
    return()
endif()
if(CMAKE_SIZEOF_VOID_P EQUAL 4 AND CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
    find_program(RP_QEMU_I386 qemu-i386)
    if(NOT RP_QEMU_I386)
        message(FATAL_ERROR "host: this kernel cannot run 32-bit x86 programs and qemu-i386 is "
            "missing: install qemu-user (tools/setup.sh does)")
    endif()
    execute_process(COMMAND ${RP_QEMU_I386} ${probe_dir}/probe RESULT_VARIABLE emu_rc)
    if(NOT emu_rc EQUAL 0)
        message(FATAL_ERROR "host: this kernel cannot run 32-bit x86 programs, and ${RP_QEMU_I386} "
            "could not run one either (status ${emu_rc})")
    endif()
    set(RP_HOST_EMULATOR ${RP_QEMU_I386})
    message(STATUS "host: this kernel cannot run 32-bit x86 programs; tests run under ${RP_QEMU_I386}")
    return()
endif()
message(FATAL_ERROR "host: a program built with these flags does not run on this machine "
    "(status ${run_rc}) and no emulator is known for it")
