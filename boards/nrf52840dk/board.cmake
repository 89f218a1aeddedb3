# nrf52840dk: Nordic nRF52840 DK (PCA10056), an nRF52840 (Cortex-M4 with FPU at 64 MHz,
# 1 MiB flash, 256 KiB RAM). Build only: QEMU does not model it. Console: UART0 on P0.06,
# which the on-board J-Link offers as a USB virtual COM port. `--target flash` writes the
# demo through the J-Link with openocd.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${RP_BOARDS_COMMON}/console_nrf.c ${RP_BOARDS_COMMON}/uart_nrf.c)
set(RP_BOARD_OPENOCD -f interface/jlink.cfg -c "transport select swd" -f target/nrf52.cfg)
