/*
 * rp_port_inline.h — the Cortex-M critical section, inline (the contract and the choice of
 * PRIMASK are in rp_port.h and critical.c). Three instructions in all: the allocator's
 * entry points use these rather than calls.
 */
#ifndef RP_PORT_INLINE_H
#define RP_PORT_INLINE_H

#include <stdint.h>

static inline __attribute__((always_inline)) uint32_t rp_port_critical_enter_inline(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask" : "=r"(primask)::"memory");
    __asm volatile("cpsid i" ::: "memory");
    return primask;
}

static inline __attribute__((always_inline)) void rp_port_critical_exit_inline(uint32_t token)
{
    __asm volatile("msr primask, %0" : : "r"(token) : "memory");
}

#endif
