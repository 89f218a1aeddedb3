/* uart_nrf.c — the nRF UART driver (uart_nrf.h). Offsets from the nRF51 Series
 * Reference Manual, UART chapter; the nRF52840 Product Specification's UART has the same. */
#include "uart_nrf.h"
#include "mmio.h"

#define TASKS_STARTTX 0x008u
#define EVENTS_TXDRDY 0x11Cu
#define ENABLE 0x500u
#define PSELTXD 0x50Cu
#define TXD 0x51Cu
#define BAUDRATE 0x524u
#define ENABLE_UART 4u

/* GPIO port 0: OUTSET and DIRSET. */
#define GPIO_OUTSET 0x508u
#define GPIO_DIRSET 0x518u

/* The TXD pin is made an output driven high (the line's idle level) in GPIO first, as
 * the reference manuals ask, so the line does not glitch before the UART takes it. */
void rp_uart_nrf_init(uintptr_t base, uintptr_t gpio_base, unsigned txd_pin, uint32_t baud_code)
{
    RP_MMIO(gpio_base, GPIO_OUTSET) = 1u << txd_pin;
    RP_MMIO(gpio_base, GPIO_DIRSET) = 1u << txd_pin;
    RP_MMIO(base, PSELTXD) = txd_pin;
    RP_MMIO(base, BAUDRATE) = baud_code;
    RP_MMIO(base, ENABLE) = ENABLE_UART;
    RP_MMIO(base, TASKS_STARTTX) = 1u;
}

void rp_uart_nrf_putc(uintptr_t base, char c)
{
    RP_MMIO(base, EVENTS_TXDRDY) = 0u;
    RP_MMIO(base, TXD) = (uint8_t)c;
    while (RP_MMIO(base, EVENTS_TXDRDY) == 0u)
        ;
}
