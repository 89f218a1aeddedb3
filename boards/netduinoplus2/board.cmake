# netduinoplus2: Netduino Plus 2, an STM32F405RG (Cortex-M4 with FPU, 1 MiB flash,
# 128 KiB SRAM + 64 KiB CCM), as QEMU models it (-M netduinoplus2). Console: USART1
# (PA9), which QEMU connects to its first serial port.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${CMAKE_CURRENT_LIST_DIR}/console.c ${RP_BOARDS_COMMON}/gpio_stm32.c ${RP_BOARDS_COMMON}/usart_stm32f4.c)
set(RP_BOARD_EMULATOR ${RP_QEMU_ARM} -M netduinoplus2 ${RP_QEMU_ARGS} -kernel)
