/* gpio_stm32.c — alternate-function pins (gpio_stm32.h). The function is written first,
 * so the pin never drives another function's signal when its mode switches. */
#include "gpio_stm32.h"
#include "mmio.h"

#define GPIO_MODER 0x00u
#define GPIO_AFRL 0x20u
#define MODE_ALTERNATE 2u

void rp_stm32_gpio_alternate(uintptr_t port, unsigned pin, unsigned af)
{
    uintptr_t afr = GPIO_AFRL + 4u * (pin / 8u);
    unsigned shift = 4u * (pin % 8u);
    RP_MMIO(port, afr) = (RP_MMIO(port, afr) & ~(0xFu << shift)) | af << shift;
    RP_MMIO(port, GPIO_MODER) = (RP_MMIO(port, GPIO_MODER) & ~(3u << 2u * pin)) | MODE_ALTERNATE << 2u * pin;
}
