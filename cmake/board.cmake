# Applies the board RP_BOARD names (boards/<RP_BOARD>/board.cmake) to the whole build,
# and provides rp_add_firmware_test().
#
# A board.cmake sets:
#   RP_BOARD_CPU_FLAGS       compiler and linker flags of its CPU (-mcpu, float ABI)
#   RP_BOARD_LINKER_SCRIPT   its memory map, which INCLUDEs linker/sections.ld
#   RP_BOARD_SOURCES         its console and anything else the port needs from it
#   RP_BOARD_EMULATOR        the command that runs an image, ending in the option that
#                            takes the image's path (QEMU: ... -kernel); empty if the
#                            board is build-only. Used as CMAKE_CROSSCOMPILING_EMULATOR.
#   RP_BOARD_TEST_DEFINITIONS  compile definitions for test suites (e.g. RP_TEST_STEPS)
#   RP_BOARD_OPENOCD         openocd arguments selecting probe and target, for `flash`
# Its rp_board.h (core and port option overrides, board facts) is passed as
# RP_BOARD_CONFIG to every file that links refpool_core, the consumer's included.
set(RP_BOARD_DIR ${PROJECT_SOURCE_DIR}/boards/${RP_BOARD})
set(RP_BOARDS_COMMON ${PROJECT_SOURCE_DIR}/boards/common)

# QEMU as every board.cmake of an emulated board uses it: no display, no monitor, the
# first UART appended to stdout, semihosting serviced (exit status and SYS_WRITE0
# console). The UART goes to a file chardev on /dev/stdout rather than to "stdio", which
# would put a terminal on stdin into raw mode: ctest hands its own terminal to tests, and
# two QEMUs under ctest -j could leave it raw. append=on keeps a redirected log intact.
find_program(RP_QEMU_ARM qemu-system-arm)
set(RP_QEMU_ARGS -display none -monitor none -chardev file,id=console,path=/dev/stdout,append=on
    -serial chardev:console -semihosting-config enable=on,target=native)

set(RP_BOARD_CPU_FLAGS "")
set(RP_BOARD_LINKER_SCRIPT "")
set(RP_BOARD_SOURCES "")
set(RP_BOARD_EMULATOR "")
set(RP_BOARD_TEST_DEFINITIONS "")
set(RP_BOARD_OPENOCD "")
include(${RP_BOARD_DIR}/board.cmake)

# A board QEMU models runs its tests there: without QEMU the preset cannot test, and says
# so at once rather than passing with no tests.
if(RP_BOARD_EMULATOR AND NOT RP_QEMU_ARM)
    message(FATAL_ERROR "board ${RP_BOARD}: qemu-system-arm not found, so its tests cannot run: "
        "install qemu-system-arm (tools/setup.sh does)")
endif()

# How refpool's own files are built for a board (a consumer chooses its own): each
# function and object in its section, so --gc-sections drops what an image does not use;
# -g: line tables in the ELF (for addr2line and the debugger); nothing changes in flash.
# What a consumer's files need to agree with the library (the CPU flags, the board's
# configuration, the inline critical section) is no directory setting: it travels with
# the refpool_core target as usage requirements (core/CMakeLists.txt).
add_compile_options(-ffunction-sections -fdata-sections -g)
set(CMAKE_CROSSCOMPILING_EMULATOR ${RP_BOARD_EMULATOR})

# build/<preset>/run-firmware <image>: runs an image of this build the way the tests do
# (tools/run-demo.sh uses it). Exit status: the image's.
if(RP_BOARD_EMULATOR)
    list(JOIN RP_BOARD_EMULATOR "\" \"" emulator)
    file(WRITE ${CMAKE_BINARY_DIR}/run-firmware
        "#!/bin/sh\n# Runs a firmware image of this build (board ${RP_BOARD}) in QEMU; exits with its status.\n"
        "[ $# -eq 1 ] || { echo \"usage: $0 <image.elf>\" >&2; exit 2; }\n"
        "exec \"${emulator}\" \"$1\" </dev/null\n")
    file(CHMOD ${CMAKE_BINARY_DIR}/run-firmware PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endif()

# Registers image TARGET as test NAME, run in the board's emulator; on a build-only
# board it does nothing (the image is still built). Pass/fail: the exit status (the
# image's failure count through semihosting), and also any output line starting with
# "FAIL" or a fault report, so that a result cannot pass by mistake of the exit path.
function(rp_add_firmware_test name target)
    if(NOT RP_BOARD_EMULATOR)
        return()
    endif()
    add_test(NAME ${name} COMMAND ${target})
    set_tests_properties(${name} PROPERTIES TIMEOUT 120
        FAIL_REGULAR_EXPRESSION "(^|\n)FAIL;(^|\n)(HardFault|MemManage|BusFault|UsageFault|SecureFault|Fault) \\(exception")
endfunction()
