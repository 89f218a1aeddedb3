/* usart_stm32f4.c — the STM32F4 USART driver (usart_stm32f4.h). Offsets from the
 * STM32F405/F401 reference manuals (RM0090, RM0368), USART register map. */
#include "usart_stm32f4.h"
#include "mmio.h"

#define SR 0x00u
#define DR 0x04u
#define BRR 0x08u
#define CR1 0x0Cu
#define SR_TXE (1u << 7)
#define CR1_UE (1u << 13)
#define CR1_TE (1u << 3)

/* With 16x oversampling BRR is USARTDIV in 12.4 fixed point, which is pclk / baud
 * rounded: the mantissa and fraction fields line up with the integer's bits. */
void rp_usart_stm32f4_init(uintptr_t base, uint32_t pclk_hz, uint32_t baud)
{
    RP_MMIO(base, BRR) = (pclk_hz + baud / 2u) / baud;
    RP_MMIO(base, CR1) = CR1_UE;
    RP_MMIO(base, CR1) = CR1_UE | CR1_TE;
}

void rp_usart_stm32f4_putc(uintptr_t base, char c)
{
    while (!(RP_MMIO(base, SR) & SR_TXE))
        ;
    RP_MMIO(base, DR) = (uint8_t)c;
}
