/*
 * console_cmsdk.c — the console of the MPS2 boards (board_hooks.h): the CMSDK APB UART
 * at RP_BOARD_CONSOLE_UART (UART0 of the FPGA image, which QEMU connects to its first
 * serial port), clocked at RP_BOARD_CPU_HZ, 115200 baud. The board's rp_board.h gives
 * both.
 */
#include "board_hooks.h"
#include "rp_board.h"
#include "uart_cmsdk.h"

void rp_board_init(void)
{
    rp_uart_cmsdk_init(RP_BOARD_CONSOLE_UART, RP_BOARD_CPU_HZ, 115200u);
}

void rp_board_console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rp_uart_cmsdk_putc(RP_BOARD_CONSOLE_UART, s[i]);
}
