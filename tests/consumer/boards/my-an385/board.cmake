# my-an385: a board that lives outside refpool's boards/, as an application's own board
# folder would (docs/porting.md): the same machine as mps2-an385, described here. Chosen
# with -DRP_BOARD_DIR=<this folder>. It may use refpool's shared UART drivers
# (RP_BOARDS_COMMON) or sources of its own.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m3 -mthumb -mfloat-abi=soft)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${RP_BOARDS_COMMON}/console_cmsdk.c ${RP_BOARDS_COMMON}/uart_cmsdk.c)
set(RP_BOARD_EMULATOR ${RP_QEMU_ARM} -M mps2-an385 ${RP_QEMU_ARGS} -kernel)
