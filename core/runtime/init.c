/*
 * init.c — rp_objects_init (rp_object.h): sets up every layer above the allocator on the
 * heap rp_heap_init made, lowest first: the collector's lists, weak references (which
 * give the object layer its hooks), then the built-in types. The one place that knows
 * every layer, so that no lower layer needs to know a higher one.
 */
#include "gc_internal.h"
#include "rp_builtins.h"
#include "rp_weakref.h"

rp_err_t rp_objects_init(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    if (s.arena_bytes == 0)
        return RP_E_ARG;
    rp_err_t e = rp_gc_state_init();
    if (e != RP_E_OK)
        return e;
#if RP_CFG_WEAKREF
    e = rp_weakref_init();
    if (e != RP_E_OK)
        return e;
#endif
#if RP_CFG_BUILTINS
    e = rp_builtin_types_ready();
#endif
    return e;
}
