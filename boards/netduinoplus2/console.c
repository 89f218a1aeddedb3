/*
 * console.c — netduinoplus2's console (board_hooks.h): USART1 transmitting on PA9
 * (alternate function 7), 115200 baud from the 16 MHz APB2 clock after reset. Registers
 * by RM0090: the USART and GPIOA clocks are enabled in RCC, PA9 is switched to its
 * alternate function. QEMU models only the USART; the RCC and GPIO writes go to
 * unimplemented, harmless regions there.
 */
#include "board_hooks.h"
#include "gpio_stm32.h"
#include "mmio.h"
#include "rp_board.h"
#include "usart_stm32f4.h"

#define RCC 0x40023800u
#define RCC_AHB1ENR 0x30u
#define RCC_APB2ENR 0x44u
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB2ENR_USART1EN (1u << 4)

#define GPIOA 0x40020000u
#define TX_PIN 9u
#define TX_AF 7u

#define USART1 0x40011000u

void rp_board_init(void)
{
    RP_MMIO(RCC, RCC_AHB1ENR) |= RCC_AHB1ENR_GPIOAEN;
    RP_MMIO(RCC, RCC_APB2ENR) |= RCC_APB2ENR_USART1EN;
    (void)RP_MMIO(RCC, RCC_APB2ENR); /* the reference manual's delay after enabling a clock */
    rp_stm32_gpio_alternate(GPIOA, TX_PIN, TX_AF);
    rp_usart_stm32f4_init(USART1, RP_BOARD_CPU_HZ, 115200u);
}

void rp_board_console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rp_usart_stm32f4_putc(USART1, s[i]);
}
