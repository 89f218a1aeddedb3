/*
 * rp_port_inline.h — the Cortex-M critical section, inline (the contract is in rp_port.h,
 * the choice of mask in critical.c). Three instructions in all: the allocator's entry
 * points use these rather than calls.
 *
 * PRIMASK (RP_PORT_BASEPRI 0, the default): the token is PRIMASK before entering (0 or
 * 1); cpsid masks; exit writes the token back.
 * BASEPRI (RP_PORT_BASEPRI nonzero, cm_config.h): the token is BASEPRI before entering;
 * "msr basepri_max" raises BASEPRI to the threshold unless it is already at or above it
 * (a lower nonzero value), so sections nest; exit writes the token back. Like cpsid, an
 * MSR that raises the execution priority takes effect for the next instruction.
 */
#ifndef RP_PORT_INLINE_H
#define RP_PORT_INLINE_H

#include <stdint.h>

/* The board's options (this header is installed with the public ones, cm_config.h is
 * not): RP_PORT_BASEPRI as cm_config.h documents it, with the same default. */
#ifdef RP_BOARD_CONFIG
#include RP_BOARD_CONFIG
#endif
#ifndef RP_PORT_BASEPRI
#define RP_PORT_BASEPRI 0
#endif

#if RP_PORT_BASEPRI
static inline __attribute__((always_inline)) uint32_t rp_port_critical_enter_inline(void)
{
    uint32_t basepri, threshold = RP_PORT_BASEPRI;
    __asm volatile("mrs %0, basepri" : "=r"(basepri)::"memory");
    __asm volatile("msr basepri_max, %0" : : "r"(threshold) : "memory");
    return basepri;
}

static inline __attribute__((always_inline)) void rp_port_critical_exit_inline(uint32_t token)
{
    __asm volatile("msr basepri, %0" : : "r"(token) : "memory");
}
#else
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

#endif
