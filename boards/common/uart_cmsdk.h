/*
 * uart_cmsdk.h — the Arm CMSDK APB UART (the UARTs of the MPS2 FPGA images), transmit
 * only, polled. init sets the baud divisor (at least 16, as the UART requires) and
 * enables the transmitter; putc waits while the one-byte transmit buffer is full.
 */
#ifndef RP_UART_CMSDK_H
#define RP_UART_CMSDK_H

#include <stdint.h>

void rp_uart_cmsdk_init(uintptr_t base, uint32_t pclk_hz, uint32_t baud);
void rp_uart_cmsdk_putc(uintptr_t base, char c);

#endif
