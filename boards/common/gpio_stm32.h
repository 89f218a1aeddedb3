/*
 * gpio_stm32.h — one pin to an alternate function, on STM32 GPIO ports. The port's
 * register layout (MODER at 0x00, AFRL at 0x20, AFRH at 0x24) is the same on the F4 and
 * G0 families (RM0090, RM0368, RM0444). The port's clock must already be on.
 */
#ifndef RP_GPIO_STM32_H
#define RP_GPIO_STM32_H

#include <stdint.h>

void rp_stm32_gpio_alternate(uintptr_t port, unsigned pin, unsigned af);

#endif
