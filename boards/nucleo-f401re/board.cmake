# nucleo-f401re: ST NUCLEO-F401RE, an STM32F401RE (Cortex-M4 with FPU, 512 KiB flash,
# 96 KiB SRAM). Build only: QEMU does not model it. Console: USART2 (PA2), which the
# on-board ST-LINK offers as a USB virtual COM port. `--target flash` writes the demo
# through the ST-LINK with openocd.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${CMAKE_CURRENT_LIST_DIR}/console.c ${RP_BOARDS_COMMON}/gpio_stm32.c ${RP_BOARDS_COMMON}/usart_stm32f4.c)
set(RP_BOARD_OPENOCD -f board/st_nucleo_f4.cfg)
