/*
 * console.c — nucleo-f401re's console (board_hooks.h): USART2 transmitting on PA2
 * (alternate function 7), wired to the ST-LINK's virtual COM port; 115200 baud from the
 * 16 MHz APB1 clock after reset. Registers by RM0368: the USART2 and GPIOA clocks are
 * enabled in RCC, PA2 is switched to its alternate function.
 */
#include "board_hooks.h"
#include "gpio_stm32.h"
#include "mmio.h"
#include "rp_board.h"
#include "usart_stm32f4.h"

#define RCC 0x40023800u
#define RCC_AHB1ENR 0x30u
#define RCC_APB1ENR 0x40u
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB1ENR_USART2EN (1u << 17)

#define GPIOA 0x40020000u
#define TX_PIN 2u
#define TX_AF 7u

#define USART2 0x40004400u

void rp_board_init(void)
{
    RP_MMIO(RCC, RCC_AHB1ENR) |= RCC_AHB1ENR_GPIOAEN;
    RP_MMIO(RCC, RCC_APB1ENR) |= RCC_APB1ENR_USART2EN;
    (void)RP_MMIO(RCC, RCC_APB1ENR); /* the reference manual's delay after enabling a clock */
    rp_stm32_gpio_alternate(GPIOA, TX_PIN, TX_AF);
    rp_usart_stm32f4_init(USART2, RP_BOARD_CPU_HZ, 115200u);
}

void rp_board_console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rp_usart_stm32f4_putc(USART2, s[i]);
}
