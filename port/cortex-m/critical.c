/*
 * critical.c — the core's critical section: rp_port_critical_enter/exit (rp_port.h).
 *
 * Why PRIMASK by default rather than BASEPRI: PRIMASK exists on every M-profile core,
 * ARMv6-M (Cortex-M0/M0+) and ARMv8-M Baseline included, which have no BASEPRI. And the
 * heap's promise is that any interrupt handler may allocate; BASEPRI leaves the handlers
 * above its threshold running inside the section, and those must then not call refpool
 * at all, a rule nothing checks. The cost is that a critical section delays every
 * configurable interrupt, not just some: the allocator's sections are short (rp_heap.h;
 * `RT irq_masked_max`, tools/bench/README-target.md), apart from rp_heap_check,
 * rp_heap_stats and rp_trace_check, which walk the heap and are diagnostics. NMI and
 * HardFault still run inside a section; they must not allocate.
 *
 * BASEPRI (RP_PORT_BASEPRI, a board option: cm_config.h): on ARMv7-M and ARMv8-M
 * Mainline, for firmware with interrupts whose latency must not include refpool's
 * sections. The section masks the priorities at or below the threshold; handlers more
 * urgent than it are never delayed by refpool, and must not call it. rp_critical_init
 * gives every configurable exception but the faults the threshold's priority at reset,
 * so the default is as safe as PRIMASK's; the application then makes its urgent
 * interrupts more urgent (NVIC_SetPriority below the threshold). SysTick stays at the
 * threshold: rp_port_cycles relies on the section holding it off.
 *
 * Nesting: the token is PRIMASK (or BASEPRI) before entering, and exit writes it back, so
 * an inner exit leaves an outer section masked, and a section entered from an interrupt
 * handler restores exactly what the handler ran with.
 */
#include "cm_config.h"
#include "cm_port.h"
#include "cm_regs.h"
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

void rp_critical_init(void)
{
#if RP_PORT_BASEPRI
    uint32_t p = RP_PORT_BASEPRI & 0xFFu;
    RP_SCB_SHPR2 = p << 24;              /* SVCall */
    RP_SCB_SHPR3 = (p << 24) | (p << 16); /* SysTick, PendSV */
    for (unsigned irq = 0; irq < (unsigned)RP_PORT_IRQS; irq++)
        RP_NVIC_IPR(irq) = (uint8_t)p;
#endif
}
