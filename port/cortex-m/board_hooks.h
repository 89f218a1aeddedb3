/*
 * board_hooks.h — what a board (boards/<name>/) supplies to the Cortex-M port.
 *
 * - rp_board_init runs once from the reset handler, after .data and .bss are set up and
 *   before main: it brings up whatever clocks and pins the console needs, and the
 *   console itself. Interrupts are enabled but none is configured yet.
 * - rp_board_console_write sends n bytes to the board's console, polling (no interrupts,
 *   no buffer), so it works from fault handlers and with interrupts masked. It returns
 *   when the last byte is handed to the UART.
 */
#ifndef RP_BOARD_HOOKS_H
#define RP_BOARD_HOOKS_H

#include <stddef.h>

void rp_board_init(void);
void rp_board_console_write(const char *s, size_t n);

#endif
