/*
 * usart_stm32f4.h — the STM32F2/F4 USART (SR/DR register layout), transmit only,
 * polled. The caller enables the USART's clock and routes its TX pin first. init sets
 * the baud rate from the bus clock (16x oversampling) and enables the transmitter; putc
 * waits for TXE and writes DR.
 */
#ifndef RP_USART_STM32F4_H
#define RP_USART_STM32F4_H

#include <stdint.h>

void rp_usart_stm32f4_init(uintptr_t base, uint32_t pclk_hz, uint32_t baud);
void rp_usart_stm32f4_putc(uintptr_t base, char c);

#endif
