# mps2-an386: Arm MPS2 board with the AN386 FPGA image, a Cortex-M4 with FPU at 25 MHz,
# as QEMU models it (-M mps2-an386). Console: CMSDK APB UART0.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${RP_BOARDS_COMMON}/console_cmsdk.c ${RP_BOARDS_COMMON}/uart_cmsdk.c)
set(RP_BOARD_EMULATOR ${RP_QEMU_ARM} -M mps2-an386 ${RP_QEMU_ARGS} -kernel)
