/*
 * usart_stm32g0.h — the STM32G0 USART (ISR/TDR register layout, as on G0/G4/L4/H7),
 * transmit only, polled, FIFO off. The caller enables the USART's clock and routes its
 * TX pin first. init sets the baud rate (16x oversampling) and enables the transmitter;
 * putc waits for TXE and writes TDR.
 */
#ifndef RP_USART_STM32G0_H
#define RP_USART_STM32G0_H

#include <stdint.h>

void rp_usart_stm32g0_init(uintptr_t base, uint32_t pclk_hz, uint32_t baud);
void rp_usart_stm32g0_putc(uintptr_t base, char c);

#endif
