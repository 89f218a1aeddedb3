/*
 * rp_gc.h — the generational cycle collector, with Python's gc module as its interface.
 *
 * Reference counting frees everything but cycles. The collector finds unreachable
 * cycles by trial deletion over a generation, as CPython does: count the references the
 * generation's objects hold to each other (subtract_refs); an object with fewer of those
 * than its count is referenced from outside, and everything it reaches survives
 * (move_unreachable); the rest is garbage. Unlike CPython no pass copies the counts first
 * (gc.c says how).
 *
 * Order of a collection (the weak-reference hook has its fixed place, step 7):
 *   1 merge younger generations into the one collected
 *   2 mark the older generations' objects as examined (generation 0's always are),
 *   3 subtract_refs, 4 move_unreachable, 5 promote survivors
 *   6 move objects with legacy finalizers, and what they reach, to gc.garbage
 *   7 clear weak references to the garbage, before any finalizer runs (no callbacks
 *     for weak references that are themselves garbage): rp_weakref_on_collect
 *   8 run finalizers (PEP 442: each object's once)
 *   9 recount the garbage: objects a finalizer resurrected, and all they reach, survive
 *  10 clear the rest through their types' clear hooks, then free those no longer
 *     referenced (a dying garbage object waits for this, rather than being freed under
 *     the clears); any still referenced survive into the older generation
 *
 * Guarantees
 * - No allocation, and no recursion whose depth depends on the data: every pass walks
 *   lists; traversal visits one object's references at a time.
 * - A young collection costs O(young objects + their references), not O(heap).
 * - Collections run only at safe points: never inside an interrupt handler or with
 *   interrupts masked. A threshold crossed there only marks a collection as due;
 *   rp_gc_poll() (the application's main loop, or the next allocation in thread mode)
 *   runs it.
 * - Automatic collection as CPython 3.11: count0 = tracked allocations - deallocations
 *   against threshold 0; collections of generation n counted against threshold n+1;
 *   a full collection only once long-lived pending objects exceed 25 % of long-lived.
 * - With RP_CFG_GC_LINK16, an object with a count above 65535 is treated as referenced
 *   from outside (the 16-bit link counts the inside references modulo 65536).
 *   Conservative, never unsafe.
 */
#ifndef RP_GC_H
#define RP_GC_H

#include <stddef.h>
#include <stdint.h>
#include "rp_heap.h"
#include "rp_object.h"

#define RP_GC_GENERATIONS 3

enum rp_gc_debug {
    RP_GC_DEBUG_STATS = 1,
    RP_GC_DEBUG_COLLECTABLE = 2,
    RP_GC_DEBUG_UNCOLLECTABLE = 4,
    RP_GC_DEBUG_SAVEALL = 32,
    RP_GC_DEBUG_LEAK = RP_GC_DEBUG_COLLECTABLE | RP_GC_DEBUG_UNCOLLECTABLE | RP_GC_DEBUG_SAVEALL,
};

enum rp_gc_phase { RP_GC_START = 0, RP_GC_STOP = 1 };

typedef struct rp_gc_gen_stats {
    uint32_t collections;
    uint32_t collected;
    uint32_t uncollectable;
} rp_gc_gen_stats_t;

typedef struct rp_gc_stats {
    rp_gc_gen_stats_t gen[RP_GC_GENERATIONS];
    uint32_t longest_pause;   /* in rp_port_cycles() units */
    uint32_t longest_pause_generation;
    uint32_t total_pause;     /* of every collection, in rp_port_cycles() units (wraps) */
} rp_gc_stats_t;

typedef void (*rp_gc_callback_t)(enum rp_gc_phase phase, int generation, uint32_t collected,
                                 uint32_t uncollectable, void *arg);

void rp_gc_enable(void);
void rp_gc_disable(void);
int rp_gc_isenabled(void);

/* Collects generations 0..generation (2 = full). Returns collected + uncollectable.
 * Does nothing and returns 0 inside an interrupt handler or a running collection. */
uint32_t rp_gc_collect(int generation);

void rp_gc_get_count(uint32_t count[RP_GC_GENERATIONS]);
void rp_gc_get_threshold(uint32_t threshold[RP_GC_GENERATIONS]);
/* Threshold 0 for generation 0 disables automatic collection. */
void rp_gc_set_threshold(uint32_t t0, uint32_t t1, uint32_t t2);
void rp_gc_get_stats(rp_gc_stats_t *out);
/* Prints the state per generation (count, threshold, collections, collected,
 * uncollectable), then the collections, the longest and total pause, the frozen count,
 * gc.garbage's length and whether collection is enabled, through rp_printf
 * (core/gc_print.c). O(generations); allocates nothing. */
void rp_gc_print_stats(void);

/* Objects tracked in `generation` (-1: all, permanent included). Up to cap go into buf;
 * returns how many there are. Borrowed references. O(objects). */
size_t rp_gc_get_objects(int generation, rp_obj_t **buf, size_t cap);
/* Tracked objects that refer to target. O(tracked objects and their references). */
size_t rp_gc_get_referrers(rp_obj_t *target, rp_obj_t **buf, size_t cap);
/* Objects o refers to, through its type's traverse. */
size_t rp_gc_get_referents(rp_obj_t *o, rp_obj_t **buf, size_t cap);

int rp_gc_is_tracked(const rp_obj_t *o);
int rp_gc_is_finalized(const rp_obj_t *o);
/* Put a GC object on generation 0 / take it off. O(1). Idempotent. */
void rp_gc_track(rp_obj_t *o);
void rp_gc_untrack(rp_obj_t *o);

/* gc.freeze: every tracked object moves to the permanent generation, ignored by
 * collections until rp_gc_unfreeze moves them back to the oldest generation. */
void rp_gc_freeze(void);
void rp_gc_unfreeze(void);
uint32_t rp_gc_get_freeze_count(void);

/* gc.garbage: uncollectable objects (legacy finalizers in cycles), and with
 * RP_GC_DEBUG_SAVEALL every unreachable object. The list owns a reference to each. */
size_t rp_gc_garbage(rp_obj_t **buf, size_t cap);
/* Drops gc.garbage's references (gc.garbage.clear()). */
void rp_gc_garbage_clear(void);

/* gc.callbacks. Up to RP_GC_MAX_CALLBACKS; returns 0 on success. */
#define RP_GC_MAX_CALLBACKS 4
int rp_gc_callback_add(rp_gc_callback_t cb, void *arg);
int rp_gc_callback_remove(rp_gc_callback_t cb, void *arg);

void rp_gc_set_debug(unsigned flags);
unsigned rp_gc_get_debug(void);

/* Runs a collection marked as due, if any; call from thread mode (main loop). */
void rp_gc_poll(void);
/* 1 if a collection is due (threshold crossed where collecting was not allowed). */
int rp_gc_is_due(void);

/* Called on allocation failure before the emergency collection, to free caches. */
void rp_gc_set_oom_hook(void (*hook)(size_t request));

/* Verifies the collector's invariants (see core/gc.c): every list well linked, every
 * object on the list of its generation, counts equal to list lengths, no scratch flag
 * left set between collections. Returns the first violation. O(tracked objects). */
rp_fault_t rp_gc_check(void);

/* Every checker: the heap (rp_heap_check), the collector (rp_gc_check), the weak
 * references (rp_weakref_check) and the trace records (rp_trace_check), in that order;
 * the first violation. O(heap). */
rp_fault_t rp_check_all(void);

#endif
