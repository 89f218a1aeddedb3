# mps2-an385: Arm MPS2 board with the AN385 FPGA image, a Cortex-M3 at 25 MHz, as QEMU
# models it (-M mps2-an385). The default board. Console: CMSDK APB UART0.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m3 -mthumb -mfloat-abi=soft)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${RP_BOARDS_COMMON}/console_cmsdk.c ${RP_BOARDS_COMMON}/uart_cmsdk.c)
set(RP_BOARD_EMULATOR ${RP_QEMU_ARM} -M mps2-an385 ${RP_QEMU_ARGS} -kernel)
# test_port_cm takes IRQ 8 (CMSDK TIMER0) by its CMSIS name, from rp_board.h's list.
set(RP_BOARD_TEST_DEFINITIONS RP_TEST_NAMED_IRQ=8 RP_TEST_NAMED_IRQ_HANDLER=TIMER0_Handler)
