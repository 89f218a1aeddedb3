/*
 * mmio.h — memory-mapped register access for the board drivers: a 32-bit volatile
 * access at base + offset, so drivers name registers by their reference-manual offsets.
 */
#ifndef RP_MMIO_H
#define RP_MMIO_H

#include <stdint.h>

#define RP_MMIO(base, offset) (*(volatile uint32_t *)((uintptr_t)(base) + (offset)))

#endif
