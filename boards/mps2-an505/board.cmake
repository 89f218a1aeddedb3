# mps2-an505: Arm MPS2+ board with the AN505 FPGA image (SSE-200 IoT kit), a Cortex-M33
# with FPU and the Security Extension at 20 MHz, as QEMU models it (-M mps2-an505). The
# image runs in Secure state, where the core resets, using the Secure aliases of memory
# and peripherals. Console: CMSDK APB UART0.
set(RP_BOARD_CPU_FLAGS -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16)
set(RP_BOARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/memory.ld)
set(RP_BOARD_SOURCES ${RP_BOARDS_COMMON}/console_cmsdk.c ${RP_BOARDS_COMMON}/uart_cmsdk.c)
set(RP_BOARD_EMULATOR ${RP_QEMU_ARM} -M mps2-an505 ${RP_QEMU_ARGS} -kernel)
