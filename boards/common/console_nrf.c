/*
 * console_nrf.c — the console of the nRF51/nRF52 boards (board_hooks.h): UART0 at
 * 0x40002000 transmitting on port-0 pin RP_BOARD_CONSOLE_TXD (the pin wired to the
 * board's USB serial bridge), 115200 baud. The board's rp_board.h gives the pin.
 * The nRF clocks need no set-up: the UART runs from the 16 MHz clock that starts itself
 * on demand.
 */
#include "board_hooks.h"
#include "rp_board.h"
#include "uart_nrf.h"

#define UART0 0x40002000u
#define GPIO_P0 0x50000000u

void rp_board_init(void)
{
    rp_uart_nrf_init(UART0, GPIO_P0, RP_BOARD_CONSOLE_TXD, NRF_UART_BAUD_115200);
}

void rp_board_console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rp_uart_nrf_putc(UART0, s[i]);
}
