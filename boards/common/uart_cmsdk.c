/* uart_cmsdk.c — the CMSDK APB UART driver (uart_cmsdk.h). Registers by the offsets of
 * the Cortex-M System Design Kit Technical Reference Manual. */
#include "uart_cmsdk.h"
#include "mmio.h"

#define DATA 0x000u
#define STATE 0x004u
#define CTRL 0x008u
#define BAUDDIV 0x010u
#define STATE_TX_FULL (1u << 0)
#define CTRL_TX_EN (1u << 0)

void rp_uart_cmsdk_init(uintptr_t base, uint32_t pclk_hz, uint32_t baud)
{
    uint32_t div = pclk_hz / baud;
    RP_MMIO(base, BAUDDIV) = div < 16u ? 16u : div;
    RP_MMIO(base, CTRL) = CTRL_TX_EN;
}

void rp_uart_cmsdk_putc(uintptr_t base, char c)
{
    while (RP_MMIO(base, STATE) & STATE_TX_FULL)
        ;
    RP_MMIO(base, DATA) = (uint8_t)c;
}
