# Applies the board in RP_BOARD_DIR (boards/<RP_BOARD>/, or a folder of the application's)
# to the build,
# and provides rp_add_firmware() and rp_add_firmware_test() (cmake/firmware.cmake).
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
# RP_BOARD_DIR: the board's folder, in boards/ or anywhere (cmake/targets.cmake).
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
    file(WRITE ${PROJECT_BINARY_DIR}/run-firmware
        "#!/bin/sh\n# Runs a firmware image of this build (board ${RP_BOARD}) in QEMU; exits with its status.\n"
        "[ $# -eq 1 ] || { echo \"usage: $0 <image.elf>\" >&2; exit 2; }\n"
        "exec \"${emulator}\" \"$1\" </dev/null\n")
    file(CHMOD ${PROJECT_BINARY_DIR}/run-firmware PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endif()

# The board's facts that an application's images need (rp_add_firmware), kept as global
# properties so that they reach a consumer's directory too; an installed package sets the
# same from its configuration file.
set_property(GLOBAL PROPERTY RP_BOARD_NAME ${RP_BOARD})
set_property(GLOBAL PROPERTY RP_BOARD_EMULATOR "${RP_BOARD_EMULATOR}")
set_property(GLOBAL PROPERTY RP_BOARD_OPENOCD "${RP_BOARD_OPENOCD}")
include(${CMAKE_CURRENT_LIST_DIR}/firmware.cmake)
