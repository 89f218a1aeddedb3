/*
 * cycles.c — rp_port_cycles (rp_port.h): processor clock cycles, from SysTick.
 *
 * SysTick is a 24-bit down counter on every M-profile core; QEMU models it, while it
 * does not model the DWT cycle counter (and ARMv6-M has none). With reload 0xFFFFFF its
 * period is 2^24 clocks, and its exception, raised each time it reaches 0, counts
 * periods. The value is periods * 2^24 + clocks into the current period, truncated to
 * 32 bits: it wraps like any free-running counter (subtract two readings as uint32_t).
 * One exception every 2^24 cycles costs nothing measurable.
 *
 * In QEMU SysTick runs on the host's clock at the board's nominal frequency, not on
 * instructions executed: differences are time, not cycle counts.
 */
#include "cm_port.h"
#include "cm_regs.h"
#include "rp_port.h"

#define RELOAD 0xFFFFFFu

static volatile uint32_t periods_ended;

void rp_cycles_start(void)
{
    RP_SYST_RVR = RELOAD;
    RP_SYST_CVR = 0; /* any write clears it; the count restarts at RELOAD */
    RP_SYST_CSR = RP_SYST_CSR_ENABLE | RP_SYST_CSR_TICKINT | RP_SYST_CSR_CLKSOURCE;
}

void rp_systick_handler(void)
{
    periods_ended++;
}
/* CMSIS's name for it: an application (an RTOS port) may define its own. */
void SysTick_Handler(void) RP_WEAK_ALIAS(rp_systick_handler);

/* The counter reads 0 right after the start and then at the end of every period (the
 * exception fires as it reaches 0), RELOAD one clock into a period, RELOAD - k + 1 after
 * k clocks: so clocks into the period = (2^24 - value) mod 2^24.
 * With interrupts masked the period count cannot change under us (with a BASEPRI
 * section, SysTick keeps the threshold's priority: critical.c); a period that ended
 * but whose exception is still pending (we may be inside another critical section, or
 * it just ended) shows in ICSR.PENDSTSET: then count it and re-read the counter, which
 * is certain to be past that end. */
uint32_t rp_port_cycles(void)
{
    rp_critical_t t = rp_port_critical_enter();
    uint32_t periods = periods_ended, now = RP_SYST_CVR;
    if (RP_SCB_ICSR & RP_SCB_ICSR_PENDSTSET) {
        periods++;
        now = RP_SYST_CVR;
    }
    rp_port_critical_exit(t);
    return (periods << 24) + ((RELOAD + 1u - now) & RELOAD);
}
