# nucleo-g071rb: ST NUCLEO-G071RB, an STM32G071RB (Cortex-M0+ at 16 MHz after reset,
# 128 KiB flash, 36 KiB SRAM). Build only: QEMU does not model it. Console: USART2
# (PA2), which the on-board ST-LINK offers as a USB virtual COM port. `--target flash`
# writes the demo through the ST-LINK with openocd.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m0plus -mthumb -mfloat-abi=soft)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${CMAKE_CURRENT_LIST_DIR}/console.c ${RP_BOARDS_COMMON}/gpio_stm32.c ${RP_BOARDS_COMMON}/usart_stm32g0.c)
set(RP_BOARD_OPENOCD -f interface/stlink.cfg -f target/stm32g0x.cfg)
