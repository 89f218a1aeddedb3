/* usart_stm32g0.c — the STM32G0 USART driver (usart_stm32g0.h). Offsets from the
 * STM32G0x1 reference manual (RM0444), USART register map. */
#include "usart_stm32g0.h"
#include "mmio.h"

#define CR1 0x00u
#define BRR 0x0Cu
#define ISR 0x1Cu
#define TDR 0x28u
#define CR1_UE (1u << 0)
#define CR1_TE (1u << 3)
#define ISR_TXE (1u << 7)

/* With 16x oversampling BRR = pclk / baud, rounded. */
void rp_usart_stm32g0_init(uintptr_t base, uint32_t pclk_hz, uint32_t baud)
{
    RP_MMIO(base, BRR) = (pclk_hz + baud / 2u) / baud;
    RP_MMIO(base, CR1) = CR1_UE;
    RP_MMIO(base, CR1) = CR1_UE | CR1_TE;
}

void rp_usart_stm32g0_putc(uintptr_t base, char c)
{
    while (!(RP_MMIO(base, ISR) & ISR_TXE))
        ;
    RP_MMIO(base, TDR) = (uint8_t)c;
}
