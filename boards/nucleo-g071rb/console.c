/*
 * console.c — nucleo-g071rb's console (board_hooks.h): USART2 transmitting on PA2
 * (alternate function 1), wired to the ST-LINK's virtual COM port; 115200 baud from the
 * 16 MHz PCLK after reset. Registers by RM0444: the USART2 (APBENR1) and GPIOA (IOPENR)
 * clocks are enabled in RCC, PA2 is switched to its alternate function (GPIOA sits on
 * the IOPORT bus at 0x50000000).
 */
#include "board_hooks.h"
#include "gpio_stm32.h"
#include "mmio.h"
#include "rp_board.h"
#include "usart_stm32g0.h"

#define RCC 0x40021000u
#define RCC_IOPENR 0x34u
#define RCC_APBENR1 0x3Cu
#define RCC_IOPENR_GPIOAEN (1u << 0)
#define RCC_APBENR1_USART2EN (1u << 17)

#define GPIOA 0x50000000u
#define TX_PIN 2u
#define TX_AF 1u

#define USART2 0x40004400u

void rp_board_init(void)
{
    RP_MMIO(RCC, RCC_IOPENR) |= RCC_IOPENR_GPIOAEN;
    RP_MMIO(RCC, RCC_APBENR1) |= RCC_APBENR1_USART2EN;
    (void)RP_MMIO(RCC, RCC_APBENR1); /* the reference manual's delay after enabling a clock */
    rp_stm32_gpio_alternate(GPIOA, TX_PIN, TX_AF);
    rp_usart_stm32g0_init(USART2, RP_BOARD_CPU_HZ, 115200u);
}

void rp_board_console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rp_usart_stm32g0_putc(USART2, s[i]);
}
