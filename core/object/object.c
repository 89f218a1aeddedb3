/*
 * object.c — object creation, the type table, slots, and deallocation.
 *
 * Deallocation never recurses with the data. The first object whose count reaches zero
 * is destroyed here; any GC object that dies while that runs (a child dropped by its
 * parent's clear) is appended to the refzero queue through its own links, and the loop
 * below drains the queue. Stack use is constant however long the chain (workload W5).
 * Non-GC objects hold no references and run no code when they die (rp_type_ready refuses
 * a non-GC type with a finalizer, a clear hook or weak references: the code those run
 * may drop the next object of a chain), so freeing them at once cannot recurse.
 */
#include "gc_internal.h"
#include "heap_internal.h"
#include "rp_mem.h"
#include "rp_port.h"
#include "rp_print.h"
#include "thread_only.h"

const rp_type_t *rp_type_table[RP_CFG_MAX_TYPES];
/* Reference slots and body bytes of each type's instances, by type number: allocation and
 * traversal are hot, and both otherwise need a walk along the base chain. Filled by
 * rp_type_ready. */
uint16_t rp_slot_count[RP_CFG_MAX_TYPES];
static uint16_t body_bytes[RP_CFG_MAX_TYPES];
rp_gc_types_t rp_gc_types;
void (*rp_weakref_on_death)(rp_obj_t *o);

/* Numbers below this are reserved for the built-in types, which have fixed numbers so
 * that their immortal instances can be const initializers in flash. */
#define RP_FIRST_USER_TYPE 16u

static int names_equal(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

int rp_slot_index(const rp_type_t *t, const char *name)
{
    /* Slots of the base come first, so count the chain's slots below each type. */
    for (const rp_type_t *c = t; c; c = c->base) {
        unsigned below = 0;
        for (const rp_type_t *b = c->base; b; b = b->base)
            below += b->nslots;
        for (unsigned i = 0; i < c->nslots; i++)
            if (names_equal(c->slot_names[i], name))
                return (int)(below + i);
    }
    return -1;
}

static int has_dict(const rp_type_t *t)
{
    for (; t; t = t->base)
        if (t->flags & RP_TYPE_DICT)
            return 1;
    return 0;
}

int rp_type_dict_slot(const rp_type_t *t)
{
    return has_dict(t) ? (int)rp_type_slots(t) - 1 : -1;
}

unsigned rp_type_slots(const rp_type_t *t)
{
    unsigned n = (unsigned)has_dict(t);
    for (; t; t = t->base)
        n += t->nslots;
    return n;
}

rp_err_t rp_type_ready(const rp_type_t *t)
{
    if (!t || !t->number)
        return RP_E_ARG;
    uint8_t n = *t->number;
    if (n && rp_type_table[n] == t)
        return RP_E_OK;
    if (rp_type_slots(t) && !(t->flags & RP_TYPE_GC))
        return RP_E_ARG;   /* objects holding references must be GC objects */
    if (!(t->flags & RP_TYPE_GC) && (t->finalize || t->clear || (t->flags & RP_TYPE_WEAKREF)))
        return RP_E_ARG;   /* so must objects that run code when they die: see rp_obj_dealloc */
    for (unsigned i = 0; i < t->nslots; i++) {
        for (unsigned j = 0; j < i; j++)
            if (names_equal(t->slot_names[i], t->slot_names[j]))
                return RP_E_DUPLICATE;
        if (t->base && rp_slot_index(t->base, t->slot_names[i]) >= 0)
            return RP_E_DUPLICATE;
    }
    if (t->base) {
        rp_err_t e = rp_type_ready(t->base);
        if (e != RP_E_OK)
            return e;
        if ((t->base->flags & RP_TYPE_GC) && !(t->flags & RP_TYPE_GC))
            return RP_E_ARG;
    }
    if (n) {   /* a built-in type with its fixed number */
        if (rp_type_table[n] && rp_type_table[n] != t)
            return RP_E_ARG;
    } else {
        for (unsigned k = RP_FIRST_USER_TYPE; k < RP_CFG_MAX_TYPES && !n; k++)
            if (!rp_type_table[k])
                n = (uint8_t)k;
        if (!n) {
            /* The type table is full: say so, since the caller may only see a NULL that
             * reads like out of memory (rp_new). */
            rp_report("type table full (RP_CFG_MAX_TYPES): type not registered", t);
            return RP_E_FULL;
        }
        *t->number = n;
    }
    /* The body's size is kept in 16 bits (body_bytes), and the slot count in 16 too. */
    if ((size_t)rp_type_slots(t) * sizeof(rp_obj_t *) + t->nbytes > UINT16_MAX)
        return RP_E_ARG;
    rp_type_table[n] = t;
    rp_slot_count[n] = (uint16_t)rp_type_slots(t);
    body_bytes[n] = (uint16_t)(rp_slot_count[n] * sizeof(rp_obj_t *) + t->nbytes);
    int hooked = t->traverse || rp_slot_count[n] > 255u;
    rp_gc_types.bits[n] = (uint8_t)(((t->finalize || (t->flags & RP_TYPE_LEGACY_FINALIZER)) ? RP_TGC_FINALIZER : 0u) |
                                   ((t->traverse || t->clear) ? RP_TGC_HOOKS : 0u) |
                                   (t->untrackable ? RP_TGC_UNTRACKABLE : 0u) | (hooked ? RP_TGC_TRAVERSE : 0u) |
                                   (t->release ? RP_TGC_RELEASE : 0u) | ((t->flags & RP_TYPE_GC) ? RP_TGC_GC : 0u) |
                                   ((t->clear && !(t->flags & RP_TYPE_CLEAR_DROPS_ONLY)) ? RP_TGC_CLEAR : 0u));
    rp_gc_types.slots[n] = (uint8_t)(hooked ? 0u : rp_slot_count[n]);
    return RP_E_OK;
}

/* ---- creation ---- */

static inline int is_ready(const rp_type_t *t)
{
    uint8_t n = *t->number;
    return n && rp_type_table[n] == t;
}

/* Objects are 8-aligned: clear them a word at a time. */
static inline void zero(void *o, size_t size)
{
    uintptr_t *w = o;
    for (size_t i = 0; i < size / sizeof(uintptr_t); i++)
        w[i] = 0;
    if (size % sizeof(uintptr_t))
        rp_memset((uint8_t *)o + size - size % sizeof(uintptr_t), 0, size % sizeof(uintptr_t));
}

/* The one way objects are made (rp_obj_alloc, rp_new), t ready: count a GC object for the
 * collector (which may collect first), allocate, zero the body, write the header; with
 * `track`, put a GC object on generation 0 as rp_gc_track would (a new object is on no
 * list). `site` is the caller of the public function, for tracing. */
static inline __attribute__((always_inline)) rp_obj_t *make(const rp_type_t *t, size_t body, int track,
                                                           const void *site)
{
    uint32_t num = *t->number;
    int gc = (t->flags & RP_TYPE_GC) != 0;
    size_t head = gc ? RP_GC_HEAD_SIZE : RP_HEAD_SIZE;
    if (rp_gc.refzero_depth)   /* frees left pending by a bounded DECREF: a few now */
        rp_obj_free_on_alloc();
    if (gc)
        rp_gc_on_alloc();
#if RP_CFG_TRACE
    if (rp_heap_tracer)
        rp_heap_tracer->hint((uint8_t)num, site);
#else
    (void)site;
#endif
    rp_obj_t *o = rp_obj_malloc(head + body);
    if (!o)
        return 0;
    if (gc && track) {
        zero(rp_slots(o), body);   /* RP_GC_HEAD_SIZE keeps the body pointer-aligned */
        o->head = num | RP_RC_ONE | RP_HEAD_TRACKED | RP_HEAD_COLLECTING | ((uint32_t)RP_GEN_YOUNG << RP_HEAD_GEN_SHIFT);
        rp_gclist_append_at(rp_link_base, rp_gch(o), rp_gc.lists[RP_LIST_GEN0]);
        rp_gc_joined_young();
        return o;
    }
    zero(o, head + body);
    o->head = num | RP_RC_ONE;
    return o;
}

rp_obj_t *rp_obj_alloc(const rp_type_t *t, size_t body)
{
    if (RP_FROM_HANDLER("rp_obj_alloc", t))
        return 0;
    if (!t || (!is_ready(t) && rp_type_ready(t) != RP_E_OK))
        return 0;
    if (body > SIZE_MAX - RP_GC_HEAD_SIZE)   /* header + body would wrap */
        return 0;
    return make(t, body, 0, __builtin_return_address(0));
}

void *rp_obj_malloc(size_t n)
{
    if (RP_FROM_HANDLER("rp_obj_malloc", 0))
        return 0;
    return rp_malloc(n);   /* the heap's OOM handler runs the emergency collection */
}

static size_t layout_body(const rp_type_t *t)
{
    return rp_type_slots(t) * sizeof(rp_obj_t *) + t->nbytes;
}

rp_obj_t *rp_new(const rp_type_t *t)
{
    if (RP_FROM_HANDLER("rp_new", t))
        return 0;
    if (!t || (t->flags & RP_TYPE_VAR))
        return 0;
    if (!is_ready(t) && rp_type_ready(t) != RP_E_OK)
        return 0;
    return make(t, body_bytes[*t->number], 1, __builtin_return_address(0));
}

/* After the body's slots: a non-GC type has none, and its body starts after the 4-byte
 * header, not after GC links it does not have. */
void *rp_raw(rp_obj_t *o)
{
    return (uint8_t *)rp_body(o) + rp_slot_count[o->head & RP_HEAD_TYPE_MASK] * sizeof(rp_obj_t *);
}

/* ---- default hooks ---- */

static void clear_slots(rp_obj_t *o)
{
    unsigned n = rp_slot_count[o->head & RP_HEAD_TYPE_MASK];
    rp_obj_t **s = rp_slots(o);
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *v = s[i];
        s[i] = 0;
        if (v)
            rp_decref(v);
    }
}

void rp_obj_traverse(rp_obj_t *o, rp_visit_t visit, void *arg)
{
    const rp_type_t *t = rp_type_of(o);
    if (t->traverse) {
        t->traverse(o, visit, arg);
        return;
    }
    rp_obj_t **s = rp_slots(o);
    for (unsigned i = 0, n = rp_slot_count[o->head & RP_HEAD_TYPE_MASK]; i < n; i++)
        if (s[i])
            visit(s[i], arg);
}

void rp_obj_clear(rp_obj_t *o)
{
    const rp_type_t *t = rp_type_of(o);
    if (t->clear)
        t->clear(o);
    else if (t->flags & RP_TYPE_GC)
        clear_slots(o);
}

/* ---- deallocation ---- */

/* Runs o's finalizer if it has one that has not run; 1 if o is still dead after it. */
static int finalize(rp_obj_t *o)
{
    const rp_type_t *t = rp_type_of(o);
    if (!t->finalize || (o->head & RP_HEAD_FINALIZED))
        return 1;
    o->head = (o->head | RP_HEAD_FINALIZED) + RP_RC_ONE;   /* alive while it runs */
    t->finalize(o);
    if (rp_head_watched(o->head)) {
        /* The steps its allocations ran watch o now (still on its generation list): the
         * count goes down through the cycle, which destroys o at SORT if it reached 0. */
        rp_gc_touch(o, -1);
        return 0;
    }
    o->head -= RP_RC_ONE;
    return rp_refcnt(o) == 0;
}

static void destroy(rp_obj_t *o)
{
    const rp_type_t *t = rp_type_of(o);
    rp_gc.destroyed++;   /* what a budget counts (resurrected or not: the work was done) */
    if (!finalize(o))
        return;   /* resurrected: the finalizer stored a reference somewhere */
    /* Off the generation lists before any weak-reference callback runs: a callback may
     * collect, and a collection that saw o (count 0, tracked) would free it under us
     * (CPython's subtype_dealloc untracks first too). */
    if (o->head & RP_HEAD_TRACKED)
        rp_gc_untrack(o);
    if ((o->head & RP_HEAD_WEAKREFS) && rp_weakref_on_death)
        rp_weakref_on_death(o);
    rp_obj_clear(o);
    if (t->release)
        t->release(o);
    if (t->flags & RP_TYPE_GC)
        rp_gc_on_free();
    rp_free_known(o);
}

/* A GC object waiting on the refzero queue is on no generation list (its links hold the
 * queue). Its generation bits, meaningless while it is untracked, say whether it was
 * tracked: if its finalizer is to run, it is tracked again first, as CPython re-tracks
 * an object around tp_finalize, so that one the finalizer resurrects stays tracked. */
#define QUEUED_WAS_TRACKED RP_GEN_MIDDLE

static void queue(rp_obj_t *o)
{
    unsigned was = (o->head & RP_HEAD_TRACKED) ? QUEUED_WAS_TRACKED : RP_GEN_YOUNG;
    if (o->head & RP_HEAD_TRACKED)
        rp_gc_untrack(o);
    rp_set_gen(o, was);
    rp_gclist_append(rp_gch(o), rp_gc.lists[RP_LIST_REFZERO]);
    if (++rp_gc.refzero_depth > rp_gc.refzero_peak)
        rp_gc.refzero_peak = rp_gc.refzero_depth;
}

/* Off the queue, into destroy(): tracked again if it was and a finalizer is to run. */
static rp_obj_t *dequeue(rp_gchead_t *n)
{
    rp_obj_t *o = (rp_obj_t *)n;
    rp_gclist_remove(n);
    rp_gc.refzero_depth--;
    if (((o->head & RP_HEAD_GEN_MASK) >> RP_HEAD_GEN_SHIFT) == QUEUED_WAS_TRACKED && rp_type_of(o)->finalize &&
        !(o->head & RP_HEAD_FINALIZED))
        rp_gc_track(o);
    return o;
}

/* Destroys queued objects, oldest first, until the queue is empty or `budget` objects
 * (0: no limit) have been destroyed since `start` (a reading of rp_gc.destroyed): each
 * destroy may queue more (the objects it held), which this loop takes too. Re-entrant: a
 * finalizer run here may drain (an allocation that fails, rp_gc_step); each pass of the
 * loop takes the queue's head afresh. Returns how many objects were destroyed. */
static uint32_t drain(uint32_t start, uint32_t budget)
{
    uint8_t was = rp_gc.dealloc_running;
    rp_gc.dealloc_running = 1;
    rp_gchead_t *q = rp_gc.lists[RP_LIST_REFZERO];
    while (!rp_gclist_empty(q) && (!budget || rp_gc.destroyed - start < budget))
        destroy(dequeue(rp_next(q)));
    rp_gc.dealloc_running = was;
    return rp_gc.destroyed - start;
}

void rp_obj_dealloc(rp_obj_t *o)
{
    if (o->head & RP_HEAD_UNREACHABLE)
        return;   /* garbage of a running collection: the collector frees it */
    if (rp_gc.dealloc_running && rp_is_gc(o)) {
        queue(o);
        return;
    }
    if (rp_gc.dealloc_running) {
        destroy(o);
        return;
    }
    /* The outermost deallocation: o, then the queue (the objects o held, and any left
     * pending by earlier ones) up to the budget; the rest stay pending (rp_gc.h). */
    uint32_t start = rp_gc.destroyed;
    rp_gc.dealloc_running = 1;
    destroy(o);
    (void)drain(start, RP_CFG_FREE_BUDGET);
    rp_gc.dealloc_running = 0;
}

/* Pending objects run finalizers and weak-reference callbacks when destroyed: not in an
 * interrupt handler nor with interrupts masked, as collections. */
uint32_t rp_gc_free_pending(uint32_t budget)
{
    if (!rp_gc.lists[0] || rp_port_in_interrupt())
        return 0;
    uint32_t start = rp_gc.destroyed;
    for (;;) {
        if (!rp_gclist_empty(rp_gc.lists[RP_LIST_REFZERO]))
            (void)drain(start, budget);
        if (budget || !rp_gc.inc_deferred || rp_gc.collecting || rp_gc.dealloc_running)
            return rp_gc.destroyed - start;
        /* All of them: the deaths a running cycle deferred too (rp_gc.h), by finishing
         * the cycle (what they free may queue more). Not by undoing it: a main loop that
         * drains every time round while old objects die would see no cycle end, and
         * its old garbage would stay (test_gc: test_incremental_free_pending_lets_cycles_end). */
        rp_gc.collecting = 1;
        (void)rp_inc_work(0);
        rp_gc.collecting = 0;
    }
}

void rp_obj_free_on_alloc(void)
{
    if (!rp_gc.dealloc_running)   /* else the running deallocation drains */
        (void)rp_gc_free_pending(RP_CFG_FREE_PER_ALLOC);
}

uint32_t rp_gc_pending(size_t *bytes)
{
    if (bytes) {
        size_t k = 0;
        if (rp_gc.lists[0]) {
            const rp_gchead_t *q = rp_gc.lists[RP_LIST_REFZERO];
            for (const rp_gchead_t *n = rp_next(q); n != q; n = rp_next(n))
                k += rp_usable_size(n);
            if (rp_gc.inc_deferred) {   /* deaths a running cycle deferred, on its snapshot */
                const rp_gchead_t *s = rp_gc.lists[RP_LIST_SNAPSHOT];
                for (const rp_gchead_t *n = rp_next(s); n != s; n = rp_next(n))
                    if (rp_inc_watched(n->head) && rp_refcnt((const rp_obj_t *)n) == 0)
                        k += rp_usable_size(n);
            }
        }
        *bytes = k;
    }
    return rp_gc.refzero_depth + rp_gc.inc_deferred;
}

void rp_obj_underflow(rp_obj_t *o)
{
    rp_printf("refpool: DECREF below zero on a '%s' object at %p\n", rp_type_of(o)->name, (void *)o);
    rp_report("reference count below zero", o);
}

#if RP_CFG_DEBUG
int rp_obj_debug_live(const rp_obj_t *o)
{
    if (RP_FROM_HANDLER("RP_INCREF/RP_DECREF", o))
        return 0;
    if (!rp_heap_debug_freed(o))
        return 1;
    rp_printf("refpool: reference count change on a freed object at %p\n", (const void *)o);
    rp_report("use after free: reference count change on a freed object", o);
    return 0;
}
#endif

uint32_t rp_obj_refzero_peak(void)
{
    return rp_gc.refzero_peak;
}

/* ---- sys ---- */

size_t rp_sys_getsizeof(const rp_obj_t *o)
{
    if (!o)
        return 0;
    const rp_type_t *t = rp_type_of(o);
    if (t->size)
        return t->size(o);
    return ((t->flags & RP_TYPE_GC) ? RP_GC_HEAD_SIZE : RP_HEAD_SIZE) + layout_body(t);
}

uint32_t rp_sys_getrefcount(const rp_obj_t *o)
{
    if (!o)
        return 0;
    return rp_is_immortal(o) ? RP_RC_MAX + 1u : rp_refcnt(o) + 1u;
}

