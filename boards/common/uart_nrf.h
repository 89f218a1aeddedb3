/*
 * uart_nrf.h — the Nordic nRF51/nRF52 UART (the legacy, non-DMA one; same registers on
 * both families), transmit only, polled. init routes TXD to a pin of port 0, sets the
 * baud rate register (a Nordic code, not a divisor: NRF_UART_BAUD_115200), enables the
 * UART and starts the transmitter; putc hands over a byte and waits for TXDRDY.
 */
#ifndef RP_UART_NRF_H
#define RP_UART_NRF_H

#include <stdint.h>

#define NRF_UART_BAUD_115200 0x01D7E000u

void rp_uart_nrf_init(uintptr_t base, uintptr_t gpio_base, unsigned txd_pin, uint32_t baud_code);
void rp_uart_nrf_putc(uintptr_t base, char c);

#endif
