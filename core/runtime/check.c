/* check.c — every checker of the runtime in one call, for tests and for applications
 * that want to verify the heap after a suspicious event (a fault, a watchdog). */
#include "rp_gc.h"
#include "rp_trace.h"
#include "rp_weakref.h"

rp_fault_t rp_check_all(void)
{
    rp_fault_t f = rp_heap_check();
    if (!f.rule)
        f = rp_gc_check();
#if RP_CFG_WEAKREF
    if (!f.rule)
        f = rp_weakref_check();
#endif
    if (!f.rule)
        f = rp_trace_check();
    return f;
}
