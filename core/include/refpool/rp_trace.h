/*
 * rp_trace.h — allocation tracing, with Python's tracemalloc as the model: which site
 * allocated what, how much is traced now and at the peak, and what grew between two
 * snapshots.
 *
 * A site is the return address of the call into the allocator (rp_malloc's caller;
 * rp_new's caller for objects), which needs no string in flash. RP_TRACE_HERE() before an
 * allocation names it by file:line instead. A caller that tail-calls the allocator is
 * skipped (its caller is named), as any return-address profiler would. Records live in a
 * table outside the traced heap: the board's, RP_CFG_TRACE_RECORDS slots of static RAM
 * (RP_TRACE_RECORD_BYTES each: 16 on 32-bit targets), or, where the board gives none
 * (RP_CFG_TRACE_RECORDS 0, the default), one the application hands over with
 * rp_trace_set_table: tracing then costs no RAM until it is used. When the table is
 * full, new allocations are counted as dropped and nothing else changes. Tracing off
 * costs one predictable branch per allocation and free.
 *
 * Snapshots are grouped statistics, in a buffer the caller provides: grouped by site or by
 * object type, sorted by size, largest first, as tracemalloc's statistics('lineno').
 * Costs: start/stop O(records); alloc and free hooks O(1) expected; a snapshot
 * O(records x groups); compare_to O(groups^2). Nothing here allocates from the heap.
 *
 * Output for the host: rp_trace_print_snapshot and rp_trace_print_diff print lines that
 * tools/trace_symbolize.py turns into file:line statistics using the firmware's ELF.
 *
 * Interrupts: the hooks run inside interrupt handlers' allocations and frees, in the
 * allocator's critical section, so records stay consistent; a handler's block is recorded
 * at its own site (for rp_calloc and rp_realloc: inside them), as no object, and the
 * names thread mode set for its next allocation (RP_TRACE_HERE, rp_new's type and caller)
 * are neither taken nor cleared by it. A handler may call the five O(1) getters
 * (rp_trace_is_tracing, rp_trace_get_traced_memory, rp_trace_reset_peak,
 * rp_trace_get_tracemalloc_memory, rp_trace_dropped); every other call of this header is
 * thread mode only. Debug builds report a call from a handler and refuse it at the entry of
 * rp_trace_set_table, rp_trace_start, rp_trace_stop, rp_trace_clear_traces,
 * rp_trace_take_snapshot and RP_TRACE_HERE (rp_trace_name_next). A snapshot reads each
 * record slot in its own masked window, and while it walks, a handler's free leaves its
 * record in place (dead) rather than shifting others: a block that lives throughout the
 * snapshot is counted exactly once, one a handler allocates or frees meanwhile may be in
 * it or not. rp_trace_get_object_traceback probes in the critical section.
 * rp_trace_check holds interrupts off for its walk (O(records)).
 */
#ifndef RP_TRACE_H
#define RP_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "rp_heap.h"
#include "rp_object.h"

typedef struct rp_trace_site {
    const char *file;
    uint32_t line;
} rp_trace_site_t;

typedef enum rp_trace_group {
    RP_TRACE_BY_SITE = 0,
    RP_TRACE_BY_TYPE = 1,
} rp_trace_group_t;

/* One group of traces. key: the site (a return address, or an rp_trace_site_t* when
 * named) or the type number (0: memory that is not an object). */
typedef struct rp_trace_stat {
    uintptr_t key;
    uint32_t size;
    uint32_t count;
    uint8_t named;   /* key is an rp_trace_site_t* */
} rp_trace_stat_t;

typedef struct rp_trace_snapshot {
    rp_trace_stat_t *stats;
    uint32_t n, cap;
    rp_trace_group_t group;
    uint32_t total_size, total_count;
    uint32_t ungrouped;   /* traces that found no room in the buffer */
} rp_trace_snapshot_t;

typedef struct rp_trace_diff {
    uintptr_t key;
    uint8_t named;
    uint32_t size, count;   /* in the newer snapshot */
    int32_t size_diff, count_diff;
} rp_trace_diff_t;

/* Include (inclusive = 1) or exclude traces whose site lies in [lo, hi), or, with
 * type >= 0, whose object type is `type`. As tracemalloc.Filter, by address range
 * (deliberate difference: no file name patterns, no line numbers; the type plays
 * tracemalloc.DomainFilter's domain). */
typedef struct rp_trace_filter {
    uint8_t inclusive;
    int16_t type;
    uintptr_t lo, hi;
} rp_trace_filter_t;

/* Bytes of one record, and of a table of n records (rp_trace_set_table). */
#define RP_TRACE_RECORD_BYTES (2u * sizeof(void *) + 8u)
#define RP_TRACE_TABLE_BYTES(n) ((n) * RP_TRACE_RECORD_BYTES)

/* Gives tracing `bytes` of RAM at `table` (aligned to a pointer) for its records, in
 * place of the board's table: the largest power of two of records that fits, at least 8.
 * The memory stays tracing's until another call replaces it; (NULL, 0) goes back to the
 * board's table (or to none). RP_E_ARG while tracing, for a misaligned table, or for room
 * under 8 records. O(1); nothing is cleared until rp_trace_start. Thread mode. */
rp_err_t rp_trace_set_table(void *table, size_t bytes);

/* Starts tracing with traceback depth nframes; only 1 is supported (deliberate difference:
 * one frame needs no unwinder on Cortex-M; tracemalloc takes 1..65535). RP_E_ARG
 * otherwise; RP_E_NOMEM if there is no record table (the board gives none and
 * rp_trace_set_table was not called); RP_E_REFUSED if tracing is compiled out
 * (RP_CFG_TRACE 0). Clears nothing if already tracing. */
rp_err_t rp_trace_start(unsigned nframes);
/* Stops tracing and clears every trace, as tracemalloc.stop does. */
void rp_trace_stop(void);
/* Forgets every trace and zeroes the traced and peak memory, tracing on (tracemalloc's
 * clear_traces). O(records), without holding interrupts off: a handler's allocation while
 * it wipes the table is not traced (as one before rp_trace_start), and its free is then
 * ignored. Thread mode. */
void rp_trace_clear_traces(void);
/* Whether tracing is on. O(1), one load; thread mode or a handler. */
int rp_trace_is_tracing(void);
/* The traced memory now and at its peak (tracemalloc.get_traced_memory): both of one
 * moment, read in the allocator's critical section, so current <= peak. O(1): 5
 * instructions masked on the Cortex-M3 (-O2 and -Os). Thread mode or a handler. */
void rp_trace_get_traced_memory(size_t *current, size_t *peak);
/* Sets the peak to the traced memory now (tracemalloc.reset_peak), in the critical
 * section: a handler's traced allocation cannot slip between the read and the store.
 * O(1): 5 instructions masked on the Cortex-M3. Thread mode or a handler. */
void rp_trace_reset_peak(void);
/* Bytes of the record table (what tracing costs in RAM). O(1), no critical section (only
 * thread mode changes the table); thread mode or a handler. */
size_t rp_trace_get_tracemalloc_memory(void);
/* Allocations not traced because the table was full, since rp_trace_start. O(1), one load
 * of a word the hooks change in the critical section; thread mode or a handler. */
uint32_t rp_trace_dropped(void);
/* The site that allocated p, or 0 if untraced or tracing is off (the table is then not
 * read); *named tells an rp_trace_site_t*.
 * O(probe length) in the record table: O(1) expected, O(records) at worst, in the
 * critical section (a handler's free meanwhile could shift p's record behind the probe).
 * Thread mode. */
uintptr_t rp_trace_get_object_traceback(const void *p, int *named);

/* Groups the current traces, with filters applied (at least one inclusive filter must
 * match if there are any, and no exclusive one may: tracemalloc's filter_traces), into
 * buf[cap], sorted by size, largest first. snap->n groups are
 * written (at most cap); traces of the groups that found no room are counted in
 * snap->ungrouped (and in the totals). buf NULL is taken as cap 0, filters NULL as none.
 * RP_E_ARG if snap is NULL, or if tracing is off (tracemalloc raises RuntimeError): the
 * snapshot is then empty. O(records x groups), interrupts masked one record slot at a
 * time (and for each removal of a record a handler freed meanwhile, O(probe length));
 * a block that lives throughout is counted once (Interrupts, above). Thread mode. */
rp_err_t rp_trace_take_snapshot(rp_trace_snapshot_t *snap, rp_trace_stat_t *buf, uint32_t cap,
                            rp_trace_group_t group, const rp_trace_filter_t *filters, unsigned nfilters);
/* Differences now - old (same grouping), one per group in either snapshot (unchanged ones
 * too, as tracemalloc's compare_to), sorted by |size_diff|, then size, then |count_diff|:
 * the first min(cap, groups) of that order go into out. Returns how many it wrote (at
 * most cap); *total (if not NULL) receives how many groups there are. out NULL is taken as
 * cap 0; a NULL snapshot gives 0 groups. O(groups^2 + groups x cap). */
uint32_t rp_trace_compare_to(const rp_trace_snapshot_t *now, const rp_trace_snapshot_t *old,
                             rp_trace_diff_t *out, uint32_t cap, uint32_t *total);

/* Prints the first min(snap->n, limit) groups, one line each, after an anchor line.
 * O(lines printed), each an rp_printf (rp_print.h: O(its length), a named site's file
 * name included) and so the time the console or the sink takes to write it. */
void rp_trace_print_snapshot(const rp_trace_snapshot_t *snap, unsigned limit);
/* Prints the first min(n, limit) entries: n is what rp_trace_compare_to returned. Same
 * cost as rp_trace_print_snapshot. */
void rp_trace_print_diff(const rp_trace_diff_t *diff, uint32_t n, unsigned limit);

/* Names the site of the next allocation on this path by file and line. */
#define RP_TRACE_HERE()                                                  \
    do {                                                                 \
        static const rp_trace_site_t rp_trace_site_ = {__FILE__, __LINE__}; \
        rp_trace_name_next(&rp_trace_site_);                             \
    } while (0)
/* O(1): one store, which the next thread-mode allocation takes (and clears). */
void rp_trace_name_next(const rp_trace_site_t *site);

/* Records agree with the table's counts and the traced total (tests call it). */
rp_fault_t rp_trace_check(void);

/* ---- for the runtime's constructors (not for applications) ----
 * The allocator and the object layer report to tracing through the hook it installs
 * (rp_heap_tracer, heap_internal.h); the built-in types, a layer above tracing, call it. */

extern uint8_t rp_trace_on;
/* For the next allocation: the object type (0: none), and the user's site if no hint
 * has named one yet (rp_new's caller, not rp_new). Cleared by that allocation. O(1).
 * Called in a handler (the allocator's hook may be), it does nothing: the hints are
 * thread mode's. */
void rp_trace_hint(uint8_t type, const void *site);

/* At the top of a runtime function that allocates for its caller (a constructor):
 * attributes the allocation to the caller's call site. */
#if RP_CFG_TRACE
#define RP_TRACE_CALLER()                                          \
    do {                                                           \
        if (rp_trace_on)                                           \
            rp_trace_hint(0, __builtin_return_address(0));        \
    } while (0)
#else
#define RP_TRACE_CALLER() ((void)0)
#endif

#endif
