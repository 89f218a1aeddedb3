/*
 * thread_only.h — internal: debug builds' check that a call the public headers declare
 * thread mode only (their "Interrupts:" paragraphs) was not made from an interrupt
 * handler.
 *
 * Why only debug builds: the check is one port call (rp_port_in_handler: an MRS of IPSR
 * on Cortex-M) at the entry of every checked call, INCREF and DECREF included; release
 * builds keep their fast paths as they are, and a handler that breaks the rule there
 * races with thread mode on plain read-modify-writes (undefined, as the headers say).
 *
 * A call from a handler is reported through rp_report (counted, rp_heap_last_report,
 * then rp_port_report) with the call's name and the object's address, inside the
 * critical section since the report's counters are shared with the allocator, and the
 * call is refused: it returns its failure value (NULL, RP_E_ARG, 0) having changed
 * nothing.
 */
#ifndef RP_THREAD_ONLY_H
#define RP_THREAD_ONLY_H

#include "heap_internal.h"
#include "rp_config.h"
#include "rp_port.h"

#if RP_CFG_DEBUG
static inline int rp_from_handler(const char *rule, const void *addr)
{
    if (!rp_port_in_handler())
        return 0;
    rp_critical_t t = enter();
    rp_report(rule, addr);
    leave(t);
    return 1;
}
#else
static inline int rp_from_handler(const char *rule, const void *addr)
{
    (void)rule;
    (void)addr;
    return 0;
}
#endif

/* 1 (reported) if `call`, a string literal naming the public call, runs in a handler. */
#define RP_FROM_HANDLER(call, addr) \
    rp_from_handler(call " called from an interrupt handler (thread mode only)", (addr))

#endif
