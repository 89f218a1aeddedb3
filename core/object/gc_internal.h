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
    RP_LIST_HOLD = 8,        /* scratch of an incremental cycle's abort (gc_inc.c) */
    RP_LIST_SNAPSHOT = 9,    /* the old generation an incremental cycle examines (gc_inc.c) */
    RP_LIST_DOOMED = 10,     /* its garbage, being deleted in steps */
    RP_NLISTS = 11,
};

/* The phases of an incremental collection of the old generation (gc_inc.c). */
enum rp_inc_phase {
    RP_INC_IDLE = 0,
    RP_INC_YOUNG,    /* an explicit cycle (rp_gc_step) first takes generation 0 through windows */
    RP_INC_MARK,     /* watching the snapshot's objects, one by one */
    RP_INC_COUNT,    /* counting the references between them */
    RP_INC_CHECK,    /* comparing counts; what is reached from a rejected object is rejected */
    RP_INC_SORT,     /* the decision is made: survivors back to generation 2, garbage doomed */
    RP_INC_DROP,     /* plain doomed objects drop their references to live ones, in steps */
    RP_INC_FREE,     /* and are freed, in steps */
};

typedef struct rp_gc_state {
    rp_gchead_t *lists[RP_NLISTS];
    uint32_t count[RP_GC_GENERATIONS];
    uint32_t threshold[RP_GC_GENERATIONS];
    uint32_t trigger;   /* count 0 past which an allocation runs a collection (rp_gc_pace) */
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
    /* The incremental cycle (gc_inc.c). */
    uint8_t inc_phase;        /* enum rp_inc_phase */
    uint8_t inc_usable;       /* 1 if every heap link leaves room for the marks in prev */
    uint8_t inc_full;         /* the cycle takes generation 2 too, not only generation 1 */
    uint32_t inc_promoted;    /* objects young collections promoted since the last cycle began */
    uint32_t inc_kept;        /* objects the running cycle sent back to generation 2 */
    uint8_t inc_attention;    /* rp_gc_types.bits of every doomed object (0: none) */
    uint32_t inc_heads;       /* the OR of their heads' flags */
    rp_link_t inc_cursor;     /* the next snapshot object a walk takes */
    rp_link_t inc_stack;      /* rejected objects whose referents are still to reject */
    uint32_t inc_young_left;  /* RP_INC_YOUNG: generation 0 objects still to examine */
    uint32_t inc_freed;       /* objects the cycle freed so far */
    uint32_t inc_deferred;    /* watched objects whose count reached 0, waiting for SORT */
    uint8_t young_skip;       /* automatic young windows still to promote unexamined */
    uint8_t young_backoff;    /* how many the next poor window has promoted (1 after a good one) */
    uint8_t young_whole;      /* the last young collection set aside garbage that needs the whole path */
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


/* For the checkers: o's header names a ready GC type. Reads no table entry past the
 * type table's end, whatever the word holds (a freed block's fill, say). */
static inline int rp_head_names_gc_type(const rp_obj_t *o)
{
    uint32_t type = o->head & RP_HEAD_TYPE_MASK;
    return type < RP_CFG_MAX_TYPES && rp_type_table[type] && (rp_type_table[type]->flags & RP_TYPE_GC);
}

/* gc.c */
rp_err_t rp_gc_state_init(void);
/* Objects that are garbage of a running collection: examined and set aside (COLLECTING
 * and UNREACHABLE: a young collection's, or the doomed of an incremental one). */
static inline int rp_head_garbage(uint32_t h)
{
    return (h & (RP_HEAD_COLLECTING | RP_HEAD_UNREACHABLE)) == (RP_HEAD_COLLECTING | RP_HEAD_UNREACHABLE);
}
/* The whole of a collection after trial deletion: the garbage on `unreachable` (scratch
 * flags set) through legacy finalizers, weak references, finalizers, resurrection and
 * deletion (rp_gc.h, steps 6 to 10); survivors go to `old` with generation old_gen.
 * `attention` and `heads`: the OR of the garbage's type bits and head flags; `closed`: no
 * reference leaves the garbage. */
void rp_gc_take_garbage(rp_gchead_t *unreachable, uint32_t garbage, uint8_t attention, int closed,
                        rp_gchead_t *old, unsigned old_gen, uint32_t *collected, uint32_t *uncollectable);
/* A young collection of all of generation 0 if it holds at most `max` objects (0: any
 * number); else its oldest `max` promoted to generation 1 unexamined. *examined: the
 * objects' worth of work done; *taken: the objects that left generation 0. Returns the
 * objects collected. O(max). */
uint32_t rp_gc_young_window(uint32_t max, uint32_t *examined, uint32_t *taken);
void rp_gc_run_callbacks(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable);

/* A head an incremental cycle watches (rp_object.h: bit 31 with generation bits 3 and
 * UNREACHABLE). */
static inline int rp_inc_watched(uint32_t h) { return h >= RP_RC_SPECIAL && rp_head_watched(h); }
/* A watched object whose count reached 0: dead, its destruction deferred to the cycle's
 * SORT (gc_inc.c, I5). Tracked still, but no getter may hand it out. */
static inline int rp_inc_dead(uint32_t h) { return rp_inc_watched(h) && !((h >> RP_RC_SHIFT) & RP_RC_MAX); }

/* gc_inc.c: the incremental collection of the old generation. */
void rp_inc_init(uintptr_t largest_link);   /* the largest link the heap needs */
int rp_inc_active(void);                 /* watched objects exist (MARK to SORT) */
int rp_inc_doomed(const rp_obj_t *o);    /* garbage the running cycle decided on */
uint32_t rp_inc_work(uint32_t budget);   /* cycle work; returns the units used */
void rp_inc_start(int full, int young_first);
void rp_inc_finish_or_abort(void);       /* before a whole collection: no cycle after it */
int rp_inc_untrack(rp_obj_t *o);         /* 1 if it took care of untracking o */
int rp_inc_track(rp_obj_t *o);           /* 1 if it took care of tracking o */
rp_fault_t rp_inc_check(uint32_t limit);
uint32_t rp_inc_snapshot_into(rp_obj_t **buf, size_t cap, size_t *k);
void rp_gc_over_threshold(void);   /* count 0 reached rp_gc.trigger: collect if allowed */

/* Work units (rp_gc_step's budget): about 20 instructions each on the Cortex-M3 at -O2
 * (measured per phase with tools/bench/run-rt-bench.sh: docs/gc.md). An object a young
 * collection examines costs RP_GC_UNITS_YOUNG; an automatic step's young collection takes
 * at most RP_GC_WINDOW objects, its whole budget. */
#define RP_GC_UNITS_YOUNG 8u
#define RP_GC_WINDOW (RP_CFG_GC_STEP_BUDGET / RP_GC_UNITS_YOUNG)
/* While a cycle runs, a step of the cycle's alone comes every RP_GC_CYCLE_GAP objects
 * generation 0 gains between young windows (rp_gc_pace): a sixteenth of a window, 6
 * objects and 17 steps a window at the default budget, some 136 units per object against
 * the 11 or so a promoted object costs the cycle, so that it ends soon after it starts
 * (fewer let garbage float longer: docs/gc.md, pacing; Lua paces its collector by
 * allocation the same way, its step multiplier). */
#define RP_GC_CYCLE_GAP (RP_GC_WINDOW >= 16u ? RP_GC_WINDOW / 16u : 1u)

/* At most this many young windows in a row are promoted unexamined (gc.c, young_judge);
 * 8 took W2-target 1.0 M instructions more (tb_rt, -O2). Doubled in a uint8_t. */
#define RP_GC_YOUNG_SKIP_MAX 64u
_Static_assert(RP_GC_YOUNG_SKIP_MAX <= 128u, "young_backoff doubles in 8 bits");

void rp_gc_pace(void);   /* sets rp_gc.trigger after a step or a change of what it depends on */

/* A GC object is being allocated: count it, maybe collect (the test that is nearly always
 * false inline; enabled, threshold 0 and the rest are checked out of line). With
 * incremental collection count 0 counts generation 0 (rp_gc_on_free), so the object is
 * counted as it joins it (rp_gc_joined_young), and the collection runs when it would
 * take count 0 above the trigger. */
static inline void rp_gc_on_alloc(void)
{
#if RP_CFG_GC_INCREMENTAL
    if (rp_gc.count[0] >= rp_gc.trigger)
#else
    if (++rp_gc.count[0] > rp_gc.trigger)
#endif
        rp_gc_over_threshold();
}

/* A new object was put on generation 0 (make, rp_gc_track). */
static inline void rp_gc_joined_young(void)
{
    if (RP_CFG_GC_INCREMENTAL)
        rp_gc.count[0]++;
}

/* A GC object was freed. With incremental collection count 0 counts the objects of
 * generation 0 instead (rp_gc_untrack takes them off as they leave it), so that a young
 * window keeps up with it however many old objects die meanwhile. */
static inline void rp_gc_on_free(void)
{
    if (!RP_CFG_GC_INCREMENTAL && rp_gc.count[0] > 0)
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
