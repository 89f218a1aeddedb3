/*
 * weakref.c — weak references and weakref.finalize (contract in rp_weakref.h).
 *
 * Structures
 * - The side table: an rp_ptrmap of entries {object, newest weak reference}, grown
 *   from the heap and freed when its last entry goes.
 * - Each weak reference: slot 0 holds the callback argument (a strong reference, traced
 *   by the collector); its raw part holds the referent (borrowed), the callback, and the
 *   prev/next links of its referent's chain.
 * Invariants between calls (rp_weakref_check):
 *   W1 an object has RP_HEAD_WEAKREFS iff it has a table entry, and the entry's chain is
 *      non-empty, doubly linked, and every weak reference on it names that object.
 *   W2 a weak reference whose referent is NULL is on no chain.
 * Callbacks never run while a chain is being changed: clearing first moves the weak
 * references that will be called onto a pending chain of their own (through the same
 * links), holding a reference to each, and only then calls them.
 */
#include "rp_weakref.h"
#include "gc_internal.h"
#include "heap_internal.h"
#include "rp_mem.h"
#include "rp_ptrmap.h"
#include "rp_builtins.h"
#include "thread_only.h"

#if RP_CFG_WEAKREF   /* weak references: rp_config.h */

typedef struct wr_raw {
    rp_obj_t *referent;
    rp_weakref_cb_t callback;
    rp_obj_t *prev, *next;
    uint32_t hash;       /* the referent's, taken at creation (it may die later) */
    uint32_t hashable;
} wr_raw_t;

typedef struct wr_entry {
    rp_obj_t *obj;
    rp_obj_t *head;
} wr_entry_t;

static rp_ptrmap_t table = {0, 0, 0, sizeof(wr_entry_t)};
/* Weak reference objects alive: with none, a collection has nothing to clear. */
static uint32_t live_weakrefs;

static void wr_release(rp_obj_t *o);
static uint32_t wr_hash(rp_obj_t *o);
static int wr_equal(rp_obj_t *a, rp_obj_t *b);
static rp_obj_t *live_referent(rp_obj_t *wr);

static uint8_t rp_weakref_type_number = RP_TN_WEAKREF;
static const char *const wr_slot_names[] = {"__callback_arg__"};
const rp_type_t rp_weakref_type = {
    .name = "weakref",
    .number = &rp_weakref_type_number,
    .slot_names = wr_slot_names,
    .nslots = 1,
    .nbytes = sizeof(wr_raw_t),
    .flags = RP_TYPE_GC,
    .release = wr_release,
    .hash = wr_hash,
    .equal = wr_equal,
};

static inline wr_raw_t *raw(rp_obj_t *wr) { return (wr_raw_t *)(rp_slots(wr) + 1); }
static inline int is_weakref(const rp_obj_t *o) { return rp_type_of(o) == &rp_weakref_type; }

/* As CPython's weakref: hashes as its referent, and two weak references are equal when
 * their referents are (or, once either has died, when they are the same reference). A
 * reference to an unhashable object hashes by identity here rather than failing later. */
static uint32_t wr_hash(rp_obj_t *o)
{
    return raw(o)->hashable ? raw(o)->hash : (uint32_t)(((uintptr_t)o >> 3) * 2654435761u);
}

static int wr_equal(rp_obj_t *a, rp_obj_t *b)
{
    if (!is_weakref(b))
        return 0;
    rp_obj_t *x = live_referent(a), *y = live_referent(b);
    if (!x || !y)
        return a == b;
    /* Held while compared, as CPython's weakref_richcompare holds them: the equality hook
     * may drop the last other reference to either. */
    rp_incref(x);
    rp_incref(y);
    int r = rp_equal(x, y) == 1;
    rp_decref(x);
    rp_decref(y);
    return r;
}

/* ---- the side table ---- */

static wr_entry_t *lookup(const rp_obj_t *o) { return rp_ptrmap_find(&table, o); }

/* Room for one more entry; 0 if memory ran out (nothing changed then). The allocation
 * may run an emergency collection whose callbacks and finalizers add entries (growing
 * the table themselves) or remove them (freeing it): so the table is read again after
 * it, and the step starts over if the new array no longer fits what is there now. */
static int reserve(void)
{
    while (rp_ptrmap_full(&table)) {
        uint32_t cap = table.cap ? table.cap * 2u : 8u;
        if (cap > UINT32_MAX / 4u / (uint32_t)sizeof(wr_entry_t))
            return 0;
        void *slots = rp_malloc(cap * sizeof(wr_entry_t));
        if (!slots)
            return 0;
        if (!rp_ptrmap_full(&table) || (table.used + 1u) * 4u > cap * 3u) {
            rp_free(slots);   /* the table changed under the allocation: size again */
            continue;
        }
        rp_ptrmap_t bigger = {slots, cap, 0, sizeof(wr_entry_t)};
        rp_memset(bigger.slots, 0, cap * sizeof(wr_entry_t));
        rp_ptrmap_move_all(&bigger, &table);
        rp_free(table.slots);
        table = bigger;
    }
    return 1;
}

static void remove_entry(wr_entry_t *e)
{
    rp_ptrmap_remove(&table, e);
    if (table.used == 0) {   /* no weak references left: the table costs nothing */
        rp_free(table.slots);
        table.slots = 0;
        table.cap = 0;
    }
}

/* ---- chains ---- */

static void detach(rp_obj_t *wr)
{
    wr_raw_t *r = raw(wr);
    rp_obj_t *o = r->referent;
    wr_entry_t *e = lookup(o);
    if (r->prev)
        raw(r->prev)->next = r->next;
    else if (e)
        e->head = r->next;
    if (r->next)
        raw(r->next)->prev = r->prev;
    if (e && !e->head) {
        remove_entry(e);
        o->head &= ~RP_HEAD_WEAKREFS;
    }
    r->referent = 0;
    r->prev = r->next = 0;
}

static void wr_release(rp_obj_t *wr)
{
    live_weakrefs--;
    if (raw(wr)->referent)
        detach(wr);
}

typedef struct pending {
    rp_obj_t *first, *last;
} pending_t;

/* Clears every weak reference to o (its entry is removed); those that `call` accepts
 * are appended, held, to the pending chain, newest first. */
static void clear_all(rp_obj_t *o, pending_t *p, int (*call)(rp_obj_t *wr))
{
    wr_entry_t *e = lookup(o);
    o->head &= ~RP_HEAD_WEAKREFS;
    if (!e)
        return;
    rp_obj_t *wr = e->head;
    remove_entry(e);
    while (wr) {
        wr_raw_t *r = raw(wr);
        rp_obj_t *next = r->next;
        r->referent = 0;
        r->prev = r->next = 0;
        if (r->callback && call(wr)) {
            rp_incref(wr);
            if (p->last)
                raw(p->last)->next = wr;
            else
                p->first = wr;
            p->last = wr;
        }
        wr = next;
    }
}

static void run_pending(pending_t *p)
{
    for (rp_obj_t *wr = p->first, *next; wr; wr = next) {
        wr_raw_t *r = raw(wr);
        next = r->next;
        r->next = 0;
        rp_weakref_cb_t cb = r->callback;
        rp_obj_t *arg = rp_slot(wr, 0);
        r->callback = 0;
        RP_XINCREF(arg);
        cb(wr, arg);
        rp_slot_set(wr, 0, 0);
        RP_XDECREF(arg);
        rp_decref(wr);
    }
}

/* Weak references whose callbacks run when their referent dies. Not one whose own count
 * reached 0 (it waits on the refzero queue: calling it back would INCREF and DECREF it
 * from 0 and queue it a second time), nor, in a collection, one that is garbage itself,
 * nor, outside one, one an incremental cycle decided is garbage (rp_inc_doomed: the
 * callback would keep a reference to what the cycle frees next). */
static int alive(rp_obj_t *wr) { return rp_refcnt(wr) > 0 && !rp_inc_doomed(wr); }
static int not_garbage(rp_obj_t *wr) { return rp_refcnt(wr) > 0 && !rp_head_garbage(wr->head); }

static void on_death(rp_obj_t *o)
{
    pending_t p = {0, 0};
    clear_all(o, &p, alive);
    run_pending(&p);
}

static void on_collect(rp_gchead_t *unreachable)
{
    if (!live_weakrefs)
        return;
    pending_t p = {0, 0};
    for (rp_gchead_t *n = rp_next(unreachable); n != unreachable; n = rp_next(n)) {
        rp_obj_t *o = (rp_obj_t *)n;
        if (is_weakref(o) && raw(o)->referent) {
            raw(o)->callback = 0;   /* garbage itself: cleared, never called */
            detach(o);
        }
        if (o->head & RP_HEAD_WEAKREFS)
            clear_all(o, &p, not_garbage);
    }
    run_pending(&p);
}

/* ---- the API ---- */

/* obj's callback-less weak reference without argument, which is shared, or NULL. Not a
 * dead one (alive(): count 0, waiting on the refzero queue or on a cycle's SORT, or
 * garbage a cycle decided on): the caller's reference would not keep it. */
static rp_obj_t *shared_ref(const rp_obj_t *obj)
{
    wr_entry_t *e = lookup(obj);
    for (rp_obj_t *wr = e ? e->head : 0; wr; wr = raw(wr)->next)
        if (!raw(wr)->callback && !rp_slot(wr, 0) && alive(wr))
            return wr;
    return 0;
}

rp_obj_t *rp_weakref_new(rp_obj_t *obj, rp_weakref_cb_t callback, rp_obj_t *arg)
{
    if (RP_FROM_HANDLER("rp_weakref_new", obj))
        return 0;
    if (!obj || !(rp_type_of(obj)->flags & RP_TYPE_WEAKREF))
        return 0;
    rp_obj_t *shared = !callback && !arg ? shared_ref(obj) : 0;
    if (shared) {
        rp_incref(shared);
        return shared;
    }
    rp_obj_t *wr = rp_obj_alloc(&rp_weakref_type, sizeof(rp_obj_t *) + sizeof(wr_raw_t));
    if (!wr)
        return 0;
    live_weakrefs++;   /* from here on its release counts it down */
    wr_raw_t *r = raw(wr);
    r->hashable = rp_hash(obj, &r->hash) == RP_E_OK;   /* a hook: before any entry is held */
    wr_entry_t *e = lookup(obj);
    if (!e) {
        if (!reserve()) {
            rp_decref(wr);
            return 0;
        }
        /* reserve may have collected, and a callback may have entered obj meanwhile */
        if (!(e = lookup(obj)))
            e = rp_ptrmap_insert(&table, obj);
    }
    /* The allocations may have run code that made the shared reference (CPython's
     * PyWeakref_NewRef looks again too): ref(o) is ref(o) still. */
    if (!callback && !arg && (shared = shared_ref(obj)) != 0) {
        rp_decref(wr);
        rp_incref(shared);
        return shared;
    }
    r->referent = obj;
    r->callback = callback;
    r->next = e->head;
    if (e->head)
        raw(e->head)->prev = wr;
    e->head = wr;
    obj->head |= RP_HEAD_WEAKREFS;
    rp_slot_set(wr, 0, arg);
    rp_gc_track(wr);
    return wr;
}

/* The referent while it lives. One whose count reached 0 is dead even while its weak
 * references are not cleared yet (it waits on the refzero queue): handing it out would
 * let the caller's INCREF/DECREF queue it a second time (CPython issue 16602). */
static rp_obj_t *live_referent(rp_obj_t *wr)
{
    rp_obj_t *o = raw(wr)->referent;
    return o && rp_refcnt(o) > 0 && !rp_inc_doomed(o) ? o : 0;   /* doomed: garbage, cleared soon */
}

rp_obj_t *rp_weakref_get(rp_obj_t *ref)
{
    if (RP_FROM_HANDLER("rp_weakref_get", ref))
        return 0;
    return ref && is_weakref(ref) ? live_referent(ref) : 0;
}

uint32_t rp_weakref_getweakrefcount(rp_obj_t *obj)
{
    if (RP_FROM_HANDLER("rp_weakref_getweakrefcount", obj))
        return 0;
    size_t n;
    rp_weakref_getweakrefs(obj, 0, 0, &n);
    return (uint32_t)n;
}

size_t rp_weakref_getweakrefs(rp_obj_t *obj, rp_obj_t **buf, size_t cap, size_t *total)
{
    if (RP_FROM_HANDLER("rp_weakref_getweakrefs", obj))
        return 0;
    if (!buf)
        cap = 0;
    wr_entry_t *e = (obj && (obj->head & RP_HEAD_WEAKREFS)) ? lookup(obj) : 0;
    size_t k = 0;
    for (rp_obj_t *wr = e ? e->head : 0; wr; wr = raw(wr)->next, k++)
        if (k < cap)
            buf[k] = wr;
    if (total)
        *total = k;
    return k < cap ? k : cap;
}

/* ---- finalize ---- */

/* A finalizer: slot 0 the argument, slot 1 the weak reference to the object (whose
 * callback argument is the finalizer itself). Pending finalizers sit on the registry,
 * which owns a reference to each; running or detaching one takes it off. */
typedef struct fin_raw {
    rp_finalize_fn_t fn;
    rp_obj_t *prev, *next;   /* registry, oldest first */
    uint32_t atexit;
} fin_raw_t;

static uint8_t rp_finalize_type_number = RP_TN_FINALIZE;
static const char *const fin_slot_names[] = {"__arg__", "__ref__"};
static const rp_type_t rp_finalize_type = {
    .name = "finalize",
    .number = &rp_finalize_type_number,
    .slot_names = fin_slot_names,
    .nslots = 2,
    .nbytes = sizeof(fin_raw_t),
    .flags = RP_TYPE_GC,
};

static struct {
    rp_obj_t *first, *last;
} registry;

static inline fin_raw_t *fraw(rp_obj_t *f) { return (fin_raw_t *)(rp_slots(f) + 2); }
static inline int is_finalize(const rp_obj_t *f) { return f && rp_type_of(f) == &rp_finalize_type; }

static int pending_fin(rp_obj_t *f)
{
    return registry.first == f || fraw(f)->prev != 0;
}

/* Takes f off the registry and breaks its cycle with its weak reference; returns the
 * argument (a new reference) and leaves the registry's reference to the caller. */
static rp_obj_t *unregister(rp_obj_t *f)
{
    fin_raw_t *r = fraw(f);
    if (r->prev)
        fraw(r->prev)->next = r->next;
    else
        registry.first = r->next;
    if (r->next)
        fraw(r->next)->prev = r->prev;
    else
        registry.last = r->prev;
    r->prev = r->next = 0;
    rp_obj_t *arg = rp_slot(f, 0);
    RP_XINCREF(arg);
    rp_slot_set(f, 0, 0);
    rp_slot_set(f, 1, 0);
    return arg;
}

static void run_finalizer(rp_obj_t *f)
{
    rp_finalize_fn_t fn = fraw(f)->fn;
    rp_obj_t *arg = unregister(f);
    fn(arg);
    RP_XDECREF(arg);
    rp_decref(f);   /* the registry's reference */
}

static void finalize_callback(rp_obj_t *ref, rp_obj_t *f)
{
    (void)ref;
    if (f && pending_fin(f))
        run_finalizer(f);
}

rp_obj_t *rp_finalize_new(rp_obj_t *obj, rp_finalize_fn_t fn, rp_obj_t *arg)
{
    if (RP_FROM_HANDLER("rp_finalize_new", obj))
        return 0;
    if (!fn || !obj || !(rp_type_of(obj)->flags & RP_TYPE_WEAKREF))
        return 0;
    rp_obj_t *f = rp_new(&rp_finalize_type);
    if (!f)
        return 0;
    rp_obj_t *wr = rp_weakref_new(obj, finalize_callback, f);
    if (!wr) {
        rp_decref(f);
        return 0;
    }
    rp_slot_set(f, 0, arg);
    rp_slot_set(f, 1, wr);
    rp_decref(wr);
    fin_raw_t *r = fraw(f);
    r->fn = fn;
    r->atexit = 1;
    r->prev = registry.last;
    if (registry.last)
        fraw(registry.last)->next = f;
    else
        registry.first = f;
    registry.last = f;
    return f;   /* the reference from rp_new now belongs to the registry */
}

int rp_finalize_call(rp_obj_t *f)
{
    if (RP_FROM_HANDLER("rp_finalize_call", f))
        return 0;
    if (!is_finalize(f) || !pending_fin(f))
        return 0;
    run_finalizer(f);
    return 1;
}

int rp_finalize_detach(rp_obj_t *f)
{
    if (RP_FROM_HANDLER("rp_finalize_detach", f))
        return 0;
    if (!is_finalize(f) || !pending_fin(f))
        return 0;
    RP_XDECREF(unregister(f));
    rp_decref(f);
    return 1;
}

int rp_finalize_alive(rp_obj_t *f)
{
    return is_finalize(f) && pending_fin(f);
}

void rp_finalize_set_atexit(rp_obj_t *f, int atexit)
{
    if (is_finalize(f))
        fraw(f)->atexit = atexit != 0;
}

/* The newest pending finalizer whose atexit is set, or NULL. */
static rp_obj_t *newest_atexit(void)
{
    rp_obj_t *f = registry.last;
    while (f && !fraw(f)->atexit)
        f = fraw(f)->prev;
    return f;
}

/* As CPython's finalize._exitfunc: one at a time, the newest first, looking again after
 * each, since a finalizer may register another (which then runs next) or detach others.
 * Loops until none is left. */
void rp_finalize_shutdown(void)
{
    if (RP_FROM_HANDLER("rp_finalize_shutdown", 0))
        return;
    for (rp_obj_t *f; (f = newest_atexit()) != 0;)
        run_finalizer(f);
}

rp_err_t rp_weakref_init(void)
{
    table.slots = 0;
    table.cap = table.used = 0;   /* the old heap, and the table in it, are gone */
    live_weakrefs = 0;
    registry.first = registry.last = 0;
    rp_weakref_on_death = on_death;
    rp_weakref_on_collect = on_collect;
    rp_err_t e = rp_type_ready(&rp_weakref_type);
    if (e == RP_E_OK)
        e = rp_type_ready(&rp_finalize_type);
    return e != RP_E_OK ? e : rp_weakcontainers_ready();
}

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f = {rule, addr};
    return f;
}

rp_fault_t rp_weakref_check(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < table.cap; i++) {
        wr_entry_t *e = rp_ptrmap_at(&table, i);
        if (!e->obj)
            continue;
        n++;
        if (!(e->obj->head & RP_HEAD_WEAKREFS))
            return fault("object in the weakref table without its WEAKREFS flag", e->obj);
        if (!e->head)
            return fault("weakref table entry with an empty chain", e->obj);
        if (lookup(e->obj) != e)
            return fault("weakref table entry not found from its own hash (probe chain broken)", e->obj);
        rp_obj_t *prev = 0;
        uint32_t k = 0;
        for (rp_obj_t *wr = e->head; wr; prev = wr, wr = raw(wr)->next) {
            if (!is_weakref(wr) || raw(wr)->referent != e->obj || raw(wr)->prev != prev)
                return fault("weak reference chain broken or naming another object", wr);
            if (++k > rp_heap.arena_bytes / 8u)
                return fault("weak reference chain has a cycle", wr);
        }
    }
    if (n != table.used)
        return fault("weakref table count disagrees with its entries", (void *)table.slots);
    return fault(0, 0);
}

#endif /* RP_CFG_WEAKREF */
