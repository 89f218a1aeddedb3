/*
 * gc_internal.h — the collector's state and list primitives, shared by object.c
 * (tracking, the refzero queue) and gc.c (collections).
 *
 * Lists are circular and doubly linked through the objects' prev/next links, each with a
 * sentinel allocated from the heap so that it has a compressed address too. A list
 * primitive never needs to know which list a node is on.
 *
 * Invariants between calls (checked by rp_gc_check):
 *   G1 every list is well linked: next(prev(x)) == x for every node.
 *   G2 a node of generation list g is TRACKED, of a GC type, with generation bits g, and
 *      without UNREACHABLE; it carries COLLECTING iff g is 0 (so a young collection
 *      needs no pass to mark the objects it examines).
 *   G3 an object is TRACKED iff it is on exactly one generation, permanent or garbage list.
 *   G4 no collection or deallocation is running. The refzero queue holds only objects
 *      left pending by a bounded deallocation (RP_CFG_FREE_BUDGET): GC objects with count
 *      0, untracked, without scratch flags, refzero_depth of them.
 */
#ifndef RP_GC_INTERNAL_H
#define RP_GC_INTERNAL_H

#include "rp_gc.h"

enum rp_list_id {
    RP_LIST_GEN0 = 0,
    RP_LIST_GEN1 = 1,
    RP_LIST_GEN2 = 2,
    RP_LIST_PERMANENT = 3,
    RP_LIST_GARBAGE = 4,
    RP_LIST_REFZERO = 5,
    RP_LIST_UNREACHABLE = 6,
    RP_LIST_SCRATCH = 7,
    RP_NLISTS = 8,
};

typedef struct rp_gc_state {
    rp_gchead_t *lists[RP_NLISTS];
    uint32_t count[RP_GC_GENERATIONS];
    uint32_t threshold[RP_GC_GENERATIONS];
    uint32_t long_lived_total, long_lived_pending;
    uint32_t freeze_count;
    uint8_t enabled, collecting, due, dealloc_running;
    unsigned debug;
    rp_gc_stats_t stats;
    rp_gc_callback_t callbacks[RP_GC_MAX_CALLBACKS];
    void *callback_args[RP_GC_MAX_CALLBACKS];
    void (*oom_hook)(size_t);
    uint32_t refzero_depth, refzero_peak;   /* objects on the refzero queue; its peak */
    uint32_t destroyed;   /* objects destroy() has run for, ever (wraps): budgets count it */
} rp_gc_state_t;

extern rp_gc_state_t rp_gc;
extern uint16_t rp_slot_count[RP_CFG_MAX_TYPES];   /* object.c, by type number */
/* What a collection must know of each type, by type number (object.c, rp_type_ready),
 * so that its passes read one byte rather than the descriptor:
 *   rp_gc_types.bits RP_TGC_FINALIZER  a finalizer, or legacy finalizer semantics
 *                    RP_TGC_HOOKS      its own traverse or clear hook
 *                    RP_TGC_UNTRACKABLE an untrackable hook
 *                    RP_TGC_TRAVERSE   traversal calls rp_obj_traverse (its own hook, or
 *                                      more slots than .slots holds)
 *                    RP_TGC_RELEASE    a release hook
 *                    RP_TGC_CLEAR      a clear hook that garbage must always go through
 *                                      (no RP_TYPE_CLEAR_DROPS_ONLY)
 *                    RP_TGC_GC         set for every GC type, so that the OR of the bits of
 *                                      the objects a pass met is 0 iff it met none
 *   rp_gc_types.slots the reference slots the default traversal visits; 0 with
 *                    RP_TGC_TRAVERSE, and for types without RP_TYPE_GC (no slots). */
enum {
    RP_TGC_FINALIZER = 1u,
    RP_TGC_HOOKS = 2u,
    RP_TGC_UNTRACKABLE = 4u,
    RP_TGC_TRAVERSE = 8u,
    RP_TGC_RELEASE = 16u,
    RP_TGC_CLEAR = 32u,
    RP_TGC_GC = 128u,
};
typedef struct rp_gc_types {   /* one base address for both tables in the passes' loops */
    uint8_t bits[RP_CFG_MAX_TYPES];
    uint8_t slots[RP_CFG_MAX_TYPES];
} rp_gc_types_t;
extern rp_gc_types_t rp_gc_types;
extern uintptr_t rp_link_base;

static inline rp_gchead_t *rp_gch(const rp_obj_t *o) { return (rp_gchead_t *)(uintptr_t)o; }
static inline rp_gchead_t *rp_unlink_ptr(rp_link_t l) { return (rp_gchead_t *)(rp_link_base + ((uintptr_t)l << 3)); }
static inline rp_link_t rp_link_of(const void *p) { return (rp_link_t)(((uintptr_t)p - rp_link_base) >> 3); }

/* The same with the base in a local: the core is built with -fno-strict-aliasing, so a
 * loop that stores through objects would otherwise reload rp_link_base at every step. */
static inline rp_gchead_t *rp_link_at(uintptr_t base, rp_link_t l) { return (rp_gchead_t *)(base + ((uintptr_t)l << 3)); }

static inline rp_link_t rp_link_from(uintptr_t base, const void *p) { return (rp_link_t)(((uintptr_t)p - base) >> 3); }

static inline rp_gchead_t *rp_next(const rp_gchead_t *n) { return rp_unlink_ptr(n->next); }
static inline rp_gchead_t *rp_prev(const rp_gchead_t *n) { return rp_unlink_ptr(n->prev); }

static inline void rp_gclist_init(rp_gchead_t *s) { s->prev = s->next = rp_link_of(s); }
static inline int rp_gclist_empty(const rp_gchead_t *s) { return s->next == rp_link_of(s); }

static inline void rp_gclist_append(rp_gchead_t *n, rp_gchead_t *s)
{
    rp_gchead_t *tail = rp_prev(s);
    n->prev = s->prev;
    n->next = rp_link_of(s);
    tail->next = rp_link_of(n);
    s->prev = rp_link_of(n);
}

/* rp_gclist_append with the base in a local. */
static inline void rp_gclist_append_at(uintptr_t base, rp_gchead_t *n, rp_gchead_t *s)
{
    rp_link_t tail = s->prev, self = rp_link_from(base, n);
    n->prev = tail;
    n->next = rp_link_from(base, s);
    rp_link_at(base, tail)->next = self;
    s->prev = self;
}

static inline void rp_gclist_remove(rp_gchead_t *n)
{
    rp_prev(n)->next = n->next;
    rp_next(n)->prev = n->prev;
}

static inline void rp_gclist_move(rp_gchead_t *n, rp_gchead_t *to)
{
    rp_gclist_remove(n);
    rp_gclist_append(n, to);
}

/* Appends all of `from` to `to`, leaving `from` empty. O(1). */
static inline void rp_gclist_merge(rp_gchead_t *from, rp_gchead_t *to)
{
    if (rp_gclist_empty(from))
        return;
    rp_gchead_t *first = rp_next(from), *last = rp_prev(from), *tail = rp_prev(to);
    tail->next = rp_link_of(first);
    first->prev = rp_link_of(tail);
    last->next = rp_link_of(to);
    to->prev = rp_link_of(last);
    rp_gclist_init(from);
}

static inline void rp_set_gen(rp_obj_t *o, unsigned gen)
{
    o->head = (o->head & ~RP_HEAD_GEN_MASK) | (gen << RP_HEAD_GEN_SHIFT);
}


/* gc.c */
rp_err_t rp_gc_state_init(void);
void rp_gc_over_threshold(void);   /* count0 passed threshold 0: collect if allowed */

/* A GC object is being allocated: count it, maybe collect (the test that is nearly always
 * false inline; enabled, threshold 0 and the rest are checked out of line). */
static inline void rp_gc_on_alloc(void)
{
    if (++rp_gc.count[0] > rp_gc.threshold[0])
        rp_gc_over_threshold();
}

/* A GC object was freed. */
static inline void rp_gc_on_free(void)
{
    if (rp_gc.count[0] > 0)
        rp_gc.count[0]--;
}
void rp_gc_emergency(size_t request);

/* object.c: an object is being allocated while frees are pending: a few of them
 * (RP_CFG_FREE_PER_ALLOC) in thread mode, outside any running deallocation. */
void rp_obj_free_on_alloc(void);

/* Weak-reference hooks, set by the weak-reference module when linked in (NULL if not):
 * death clears and calls back for one object; collect clears references to a list of
 * garbage before finalizers run (step 7 of rp_gc.h); the garbage still carries
 * RP_HEAD_UNREACHABLE while it runs. */
extern void (*rp_weakref_on_death)(rp_obj_t *o);
extern void (*rp_weakref_on_collect)(rp_gchead_t *unreachable);

#endif
