# microbit: BBC micro:bit v1, an nRF51822 (Cortex-M0 at 16 MHz, 256 KiB flash, 16 KiB
# RAM), as QEMU models it (-M microbit). Console: UART0 on P0.24, which the board wires
# to its USB serial bridge and QEMU to its first serial port.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m0 -mthumb -mfloat-abi=soft)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${RP_BOARDS_COMMON}/console_nrf.c ${RP_BOARDS_COMMON}/uart_nrf.c)
set(RP_BOARD_EMULATOR ${RP_QEMU_ARM} -M microbit ${RP_QEMU_ARGS} -kernel)
