/*
 * critical.c — the core's critical section: rp_port_critical_enter/exit (rp_port.h).
 *
 * Why PRIMASK rather than BASEPRI: PRIMASK exists on every M-profile core, ARMv6-M
 * (Cortex-M0/M0+) and ARMv8-M Baseline included, which have no BASEPRI. And the heap's
 * promise is that any interrupt handler may allocate; BASEPRI would leave the handlers
 * above its threshold running inside the section, and those would then have to be
 * forbidden from allocating, a rule nothing could check. The cost is that a critical
 * section delays every configurable interrupt, not just some: the allocator's sections
 * are O(1) (rp_heap.h), apart from rp_heap_check and rp_heap_stats, which walk the heap
 * and are diagnostics. NMI and HardFault still run inside a section; they must not
 * allocate.
 *
 * Nesting: the token is the PRIMASK value before entering (0: interrupts were enabled,
 * 1: already masked), and exit writes it back, so an inner exit leaves an outer section
 * masked, and a section entered from an interrupt handler that runs with PRIMASK clear
 * restores exactly that.
 */
#include "rp_port.h"
#include "rp_port_inline.h"

rp_critical_t rp_port_critical_enter(void)
{
    return rp_port_critical_enter_inline();
}

void rp_port_critical_exit(rp_critical_t token)
{
    rp_port_critical_exit_inline(token);
}
