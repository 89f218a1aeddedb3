/*
 * gc.c — the cycle collector (contract and order of phases in rp_gc.h; list invariants
 * in gc_internal.h).
 *
 * Which objects a collection examines: those with COLLECTING. Every object of generation
 * 0 carries it from the moment it is tracked until it is promoted, untracked or freed
 * (G2), so a young collection starts with no pass at all; an older one sets it on the
 * older generations it takes in (`examine`).
 *
 * Trial deletion without a copy of the counts: subtract_refs adds one to the prev link
 * of an examined object for each reference from another examined object, so that when
 * move_unreachable meets it, prev minus the back link it had (the link of the object
 * before it, which the walk knows) is the number of references from inside; equal to the
 * count, nothing outside refers to it (CPython's gc_refs 0). The lists are walked through
 * next only meanwhile, and the back links are rebuilt afterwards. The UNREACHABLE flag
 * lives in the header rather than in a link bit, so the unreachable list keeps ordinary
 * links throughout.
 * No phase allocates or recurses: a traversal visits one object's references, and the
 * objects it finds are appended to a list that the same loop walks later.
 */
#include "gc_internal.h"
#include "heap_internal.h"
#include "rp_mem.h"
#include "rp_port.h"
#include "rp_print.h"
#include "thread_only.h"

rp_gc_state_t rp_gc;
uintptr_t rp_link_base;
void (*rp_weakref_on_collect)(rp_gchead_t *unreachable);

static inline rp_gchead_t *list(enum rp_list_id id) { return rp_gc.lists[id]; }

/* With 32-bit links, bit 31 of an examined object's prev marks it as reached by
 * move_unreachable; links stay below 2^28 (a heap of up to 2 GiB), so a back link plus
 * the references counted into it never reaches that bit. 16-bit links have no bit to
 * spare: a reached object loses COLLECTING instead, at the cost of one more test per
 * object in the walk. */
#if RP_CFG_GC_LINK16
#define LINK_LIMIT ((uintptr_t)UINT16_MAX)
#else
#define LINK_LIMIT (((uintptr_t)1 << 28) - 1u)
#define REACHED 0x80000000u
#endif

/* ---- set-up ---- */

/* Sets rp_link_base to the lowest heap address; returns the largest link the heap needs. */
static uintptr_t largest_link(void)
{
    uintptr_t lo = (uintptr_t)-1, hi = 0;
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        if (rp_heap.regions[i].grid < lo)
            lo = rp_heap.regions[i].grid;
        if (rp_heap.regions[i].end > hi)
            hi = rp_heap.regions[i].end;
    }
    rp_link_base = lo;
    return (hi - lo) >> 3;
}

/* RP_E_ARG if the links cannot name every heap address, RP_E_NOMEM if the list heads do
 * not fit; either way nothing stays allocated, and the OOM handler (the emergency
 * collection, which needs the lists) is installed only once they exist. */
rp_err_t rp_gc_state_init(void)
{
    rp_memset(&rp_gc, 0, sizeof rp_gc);
    rp_gc.threshold[0] = 700;
    rp_gc.threshold[1] = 10;
    rp_gc.threshold[2] = 10;
    rp_gc.enabled = 1;
    rp_gc.young_backoff = 1;
    rp_heap_set_oom_handler(0);
    uintptr_t links = largest_link();
    if (links > LINK_LIMIT)
        return RP_E_ARG;
    for (unsigned i = 0; i < RP_NLISTS; i++) {
        rp_gchead_t *s = rp_malloc(sizeof(rp_gchead_t));
        if (!s) {
            while (i > 0) {
                rp_free(rp_gc.lists[--i]);
                rp_gc.lists[i] = 0;   /* no lists: nothing collects (rp_gc_check too) */
            }
            return RP_E_NOMEM;
        }
        s->head = RP_RC_IMMORTAL;
        rp_gclist_init(s);
        rp_gc.lists[i] = s;
    }
    rp_inc_init(links);
    rp_gc_pace();
    rp_heap_set_oom_handler(rp_gc_emergency);
    return RP_E_OK;
}

/* ---- tracking ---- */

void rp_gc_track(rp_obj_t *o)
{
    if (RP_FROM_HANDLER("rp_gc_track", o))
        return;
    if ((o->head & RP_HEAD_TRACKED) || !rp_is_gc(o))
        return;
    if (rp_inc_track(o))
        return;
    o->head |= RP_HEAD_TRACKED | RP_HEAD_COLLECTING;
    rp_set_gen(o, RP_GEN_YOUNG);
    rp_gclist_append(rp_gch(o), list(RP_LIST_GEN0));
    rp_gc_joined_young();
}

void rp_gc_untrack(rp_obj_t *o)
{
    if (RP_FROM_HANDLER("rp_gc_untrack", o))
        return;
    if (!(o->head & RP_HEAD_TRACKED))
        return;
    if (rp_inc_untrack(o))
        return;
    /* Count 0 counts generation 0 (rp_gc_on_free), whose members are the objects with
     * generation bits 0 and COLLECTING alone (G2): a collection's garbage, which a
     * finalizer may let die, has left it, flags cleared or not. */
    const uint32_t flags = RP_HEAD_GEN_MASK | RP_HEAD_COLLECTING | RP_HEAD_UNREACHABLE;
    if (RP_CFG_GC_INCREMENTAL && (o->head & flags) == RP_HEAD_COLLECTING && rp_gc.count[0])
        rp_gc.count[0]--;
    rp_gclist_remove(rp_gch(o));
    o->head &= ~(RP_HEAD_TRACKED | RP_HEAD_COLLECTING);
}

int rp_gc_is_tracked(const rp_obj_t *o) { return (o->head & RP_HEAD_TRACKED) != 0; }
int rp_gc_is_finalized(const rp_obj_t *o) { return (o->head & RP_HEAD_FINALIZED) != 0; }

/* ---- the phases ---- */

/* Puts l's objects in the set being examined (generation 0's are in it already), or takes
 * them out. */
static void examine(rp_gchead_t *l, int on)
{
    for (rp_gchead_t *n = rp_next(l); n != l; n = rp_next(n))
        n->head = on ? n->head | RP_HEAD_COLLECTING : n->head & ~RP_HEAD_COLLECTING;
}

/* One reference from an examined object to c: counted into c's prev if c is examined too.
 * Returns 1 if the reference leaves the set for a mortal object. */
static inline unsigned count_in(rp_obj_t *c)
{
    uint32_t h = c->head;
    if (h & RP_HEAD_COLLECTING) {
        rp_gch(c)->prev++;
        return 0;
    }
    return h < RP_RC_SPECIAL;
}

static void visit_count(rp_obj_t *c, void *arg) { *(uint8_t *)arg |= (uint8_t)count_in(c); }

/* Counts the references between l's objects into their prev links (all of l's objects
 * and nothing else carry COLLECTING). Returns 1 if some object of l refers to a mortal
 * object outside l. Default layouts are walked here, with the visit inline (traversal is
 * most of a collection's work). */
static int subtract_refs(rp_gchead_t *l)
{
    const uintptr_t base = rp_link_base;
    unsigned leaves = 0;
    uint8_t hooked = 0;   /* what visits through a traverse hook found */
    const uint8_t *slots = rp_gc_types.slots;
    for (rp_gchead_t *n = rp_link_at(base, l->next); n != l; n = rp_link_at(base, n->next)) {
        rp_obj_t *o = (rp_obj_t *)n;
        unsigned type = o->head & RP_HEAD_TYPE_MASK, k = slots[type];
        if (!k) {
            if (rp_gc_types.bits[type] & RP_TGC_TRAVERSE)
                rp_obj_traverse(o, visit_count, &hooked);
            continue;
        }
        rp_obj_t **s = rp_slots(o);
        do {
            rp_obj_t *c = *s++;
            if (c)
                leaves |= count_in(c);
        } while (--k);
    }
    return (leaves | hooked) != 0;
}

/* How move_unreachable split a list. */
typedef struct split {
    uint32_t kept;        /* reachable, left on the list */
    uint8_t attention;    /* rp_gc_types.bits of everything ever set aside (a superset), so 0
                           * iff nothing was: then the back links are all right already */
    uint8_t inward;       /* 0: no reachable object is referred to from inside the list */
    uint32_t heads;       /* the OR of the flags (not the counts) of everything ever set aside */
} split_t;

/* The objects move_unreachable set aside and then found reachable after all, waiting for
 * their referents to be visited: a stack linked through prev (their back links are
 * rebuilt afterwards, see move_unreachable), ended by the list's sentinel. */
typedef struct reach_stack {
    rp_link_t top, end;
    uint32_t dest_bits;
} reach_stack_t;

/* Set aside earlier, reached now: reachable, with the generation it is moving to; its
 * referents are visited when the stack is drained. */
static __attribute__((noinline)) void bring_back(rp_obj_t *c, reach_stack_t *st)
{
    rp_gchead_t *n = rp_gch(c);
    c->head = (c->head & ~(RP_HEAD_COLLECTING | RP_HEAD_UNREACHABLE | RP_HEAD_GEN_MASK)) | st->dest_bits;
    n->prev = st->top;
    st->top = rp_link_of(n);
}

/* A referent of a reachable object is reachable: one not visited yet is marked so (see
 * REACHED); one set aside already comes back. */
static inline void reach(rp_obj_t *c, reach_stack_t *st)
{
    uint32_t h = c->head;
    if (!(h & RP_HEAD_COLLECTING))
        return;
    if (h & RP_HEAD_UNREACHABLE) {
        bring_back(c, st);
        return;
    }
#if RP_CFG_GC_LINK16
    c->head = h & ~RP_HEAD_COLLECTING;
#else
    rp_gch(c)->prev |= REACHED;
#endif
}

/* Whether an object the walk meets, with head h and prev p and whose back link was b
 * before subtract_refs, has all its references from inside the set. */
static inline int refs_all_inside(uint32_t h, rp_link_t p, rp_link_t b)
{
#if RP_CFG_GC_LINK16
    return (h & RP_HEAD_COLLECTING) && (rp_link_t)(p - b) == h >> RP_RC_SHIFT;
#else
    return p - b == h >> RP_RC_SHIFT;
#endif
}

/* Whether a reachable object the walk meets may be referred to from inside the set: some
 * reference counted, reached from another object, or (16-bit links) a count too large
 * for the link to tell. */
static inline int refs_from_inside(uint32_t h, rp_link_t p, rp_link_t b)
{
#if RP_CFG_GC_LINK16
    return p != b || !(h & RP_HEAD_COLLECTING) || (h >> RP_RC_SHIFT) > UINT16_MAX;
#else
    (void)h;
    return p != b;
#endif
}

static void visit_reachable(rp_obj_t *c, void *arg) { reach(c, arg); }

static inline void reach_referents(rp_obj_t *o, uint32_t h, reach_stack_t *st)
{
    unsigned type = h & RP_HEAD_TYPE_MASK, k = rp_gc_types.slots[type];
    if (!k) {
        if (rp_gc_types.bits[type] & RP_TGC_TRAVERSE)
            rp_obj_traverse(o, visit_reachable, st);
        return;
    }
    rp_obj_t **s = rp_slots(o);
    do {
        rp_obj_t *c = *s++;
        if (c)
            reach(c, st);
    } while (--k);
}

/*
 * Splits `young` into reachable objects (generation set to dest, COLLECTING cleared) and
 * unreachable ones (COLLECTING and UNREACHABLE set), leaving both where they are:
 * CPython moves each unreachable object to another list, which costs a list removal and
 * insertion per garbage object, the commonest case of a collection that finds any.
 * Instead an object set aside stays in place, and if a later object reaches it after
 * all, it goes on a stack whose objects' referents are visited once the list walk ends.
 * Reachable objects whose type says they refer only to untracked objects are untracked
 * on the way (CPython's untrack_tuples).
 *
 * Afterwards every next link is right; the back links are right too if nothing was set
 * aside (attention 0), else only for reachable objects that never were, and the pass
 * that follows (split_out or free_in_place) rebuilds them.
 */
static void move_unreachable(rp_gchead_t *young, unsigned dest, split_t *sp)
{
    const uintptr_t base = rp_link_base;
    /* b: the link of the object before n in the list as subtract_refs saw it, so n's back
     * link then; also where a reachable n's back link now points. */
    rp_link_t b = rp_link_from(base, young);
    /* For each object set aside, its type's bits in the low byte and its head's flags
     * (the 15 bits below the count) shifted to the top: one register for both. */
    uint32_t kept = 0, aside = 0;
    unsigned inward = 0;
    reach_stack_t st;
    st.top = st.end = b;
    st.dest_bits = dest << RP_HEAD_GEN_SHIFT;
    const rp_link_t end = b;
    const uint8_t *bits = rp_gc_types.bits;
    rp_link_t l = young->next;
    while (l != end) {
        /* A run of objects that nothing outside the set refers to, so far: set aside. The
         * commonest case in a collection that finds garbage, so its own loop. */
        rp_gchead_t *n = rp_link_at(base, l);
        uint32_t h = n->head;
        rp_link_t p = n->prev;
        while (refs_all_inside(h, p, b)) {
            n->head = h | RP_HEAD_UNREACHABLE;
            aside |= h << (32u - RP_RC_SHIFT) | bits[h & RP_HEAD_TYPE_MASK];
            b = l;
            l = n->next;
            if (l == end)
                goto walked;
            n = rp_link_at(base, l);
            h = n->head;
            p = n->prev;
        }
        rp_obj_t *o = (rp_obj_t *)n;
        rp_link_t next = n->next;
        inward |= (unsigned)refs_from_inside(h, p, b);
        reach_referents(o, h, &st);
        l = next;
        if ((bits[h & RP_HEAD_TYPE_MASK] & RP_TGC_UNTRACKABLE) && rp_type_of(o)->untrackable(o)) {
            /* Out of the list: the next object's count is taken against b from now on. */
            rp_link_at(base, b)->next = next;
            rp_link_at(base, next)->prev += (rp_link_t)(b - rp_link_from(base, n));
            o->head &= ~(RP_HEAD_COLLECTING | RP_HEAD_TRACKED);
            continue;
        }
        n->prev = b;
        o->head = (o->head & ~(RP_HEAD_COLLECTING | RP_HEAD_GEN_MASK)) | st.dest_bits;
        b = rp_link_from(base, n);
        kept++;
    }
walked:
    young->prev = b;
    while (st.top != st.end) {   /* what was brought back, and what it reaches */
        rp_obj_t *o = (rp_obj_t *)rp_link_at(base, st.top);
        st.top = rp_gch(o)->prev;
        reach_referents(o, o->head, &st);
        inward = 1;
        kept++;
    }
    sp->kept = kept;
    sp->inward = (uint8_t)inward;
    sp->attention = (uint8_t)aside;
    sp->heads = aside >> (32u - RP_RC_SHIFT);
}

/* After move_unreachable: the objects set aside leave for `unreachable` (keeping their
 * scratch flags), and the back links of what stays are rebuilt. Returns how many left. */
static uint32_t split_out(rp_gchead_t *young, rp_gchead_t *unreachable)
{
    const uintptr_t base = rp_link_base;
    rp_gchead_t *last = young;
    uint32_t k = 0;
    for (rp_gchead_t *n = rp_link_at(base, young->next), *next; n != young; n = next) {
        next = rp_link_at(base, n->next);
        if (n->head & RP_HEAD_UNREACHABLE) {
            rp_gclist_append_at(base, n, unreachable);
            k++;
            continue;
        }
        n->prev = rp_link_from(base, last);
        last->next = rp_link_from(base, n);
        last = n;
    }
    last->next = rp_link_from(base, young);
    young->prev = rp_link_from(base, last);
    return k;
}

static uint32_t list_size(const rp_gchead_t *l)
{
    uint32_t k = 0;
    for (const rp_gchead_t *n = rp_next(l); n != l; n = rp_next(n))
        k++;
    return k;
}

static void visit_to_finalizers(rp_obj_t *c, void *arg)
{
    if (rp_head_garbage(c->head)) {
        c->head &= ~RP_HEAD_UNREACHABLE;
        rp_gclist_move(rp_gch(c), arg);
    }
}

#define SCRATCH_FLAGS (RP_HEAD_COLLECTING | RP_HEAD_UNREACHABLE)

/* What one pass over the garbage found. */
typedef struct garbage_scan {
    uint32_t count;       /* collectable objects */
    uint8_t finalizers;   /* some have a finalizer still to run */
    uint8_t legacy;       /* some had legacy finalizers (moved to `fin`) */
} garbage_scan_t;

/* One pass: objects with legacy finalizers go to `fin`, the rest are counted. The
 * scratch flags stay set (the weak-reference hook reads UNREACHABLE); the passes that
 * follow clear them as they visit each object anyway. */
static void scan_garbage(rp_gchead_t *unreachable, rp_gchead_t *fin, garbage_scan_t *sc)
{
    for (rp_gchead_t *n = rp_next(unreachable), *next; n != unreachable; n = next) {
        next = rp_next(n);
        rp_obj_t *o = (rp_obj_t *)n;
        const rp_type_t *t = rp_type_of(o);
        if (t->flags & RP_TYPE_LEGACY_FINALIZER) {
            o->head &= ~RP_HEAD_UNREACHABLE;
            rp_gclist_move(n, fin);
            sc->legacy = 1;
            continue;
        }
        sc->count++;
        if (t->finalize && !(o->head & RP_HEAD_FINALIZED))
            sc->finalizers = 1;
    }
}

/* Objects with legacy finalizers, and everything they reach, are uncollectable (CPython's
 * move_legacy_finalizer_reachable); the list walk picks up what the visits append. Only
 * those with legacy finalizers go to gc.garbage, which takes a reference to each (all of
 * them with DEBUG_SAVEALL, CPython's handle_legacy_finalizers); the rest survive into the
 * older generation, kept alive by them. Returns how many are uncollectable; rescans what
 * is left. */
static uint32_t move_legacy(rp_gchead_t *unreachable, rp_gchead_t *fin, rp_gchead_t *old, unsigned old_gen,
                            garbage_scan_t *sc)
{
    uint32_t k = 0;
    for (rp_gchead_t *n = rp_next(fin); n != fin; n = rp_next(n), k++) {
        rp_obj_t *o = (rp_obj_t *)n;
        rp_obj_traverse(o, visit_to_finalizers, fin);
        o->head &= ~SCRATCH_FLAGS;
        if (rp_gc.debug & RP_GC_DEBUG_UNCOLLECTABLE)
            rp_printf("gc: uncollectable <%s %p>\n", rp_type_of(o)->name, (void *)o);
    }
    int save_all = (rp_gc.debug & RP_GC_DEBUG_SAVEALL) != 0;
    while (!rp_gclist_empty(fin)) {
        rp_gchead_t *n = rp_next(fin);
        rp_obj_t *o = (rp_obj_t *)n;
        if (save_all || (rp_type_of(o)->flags & RP_TYPE_LEGACY_FINALIZER)) {
            rp_incref(o);   /* gc.garbage's reference */
            rp_set_gen(o, RP_GEN_OLD);
            rp_gclist_move(n, list(RP_LIST_GARBAGE));
        } else {
            rp_set_gen(o, old_gen);
            rp_gclist_move(n, old);
        }
    }
    sc->count = 0;   /* field by field: a struct copy may become a memcpy call */
    sc->finalizers = 0;
    sc->legacy = 0;
    scan_garbage(unreachable, fin, sc);
    return k;
}

/* PEP 442: every finalizer once, each object parked on `seen` while its own runs.
 * Returns how many ran: with none, nothing can have been resurrected. */
static uint32_t finalize_garbage(rp_gchead_t *unreachable)
{
    uint32_t ran = 0;
    rp_gchead_t *seen = list(RP_LIST_SCRATCH);
    while (!rp_gclist_empty(unreachable)) {
        rp_gchead_t *n = rp_next(unreachable);
        rp_obj_t *o = (rp_obj_t *)n;
        const rp_type_t *t = rp_type_of(o);
        rp_gclist_move(n, seen);
        o->head &= ~SCRATCH_FLAGS;
        if (t->finalize && !(o->head & RP_HEAD_FINALIZED)) {
            o->head |= RP_HEAD_FINALIZED;
            rp_incref(o);
            t->finalize(o);
            rp_decref(o);
            ran++;
        }
    }
    rp_gclist_merge(seen, unreachable);
    return ran;
}

/* Objects a finalizer made reachable again survive, with all they reach. Returns how
 * many are still garbage (moved to `still`): those, not the resurrected, are collected
 * (bpo-38379). */
static uint32_t handle_resurrected(rp_gchead_t *unreachable, rp_gchead_t *still, rp_gchead_t *old, unsigned old_gen)
{
    split_t sp;
    rp_gchead_t *young = list(RP_LIST_GEN0);   /* what the finalizers made, out of the set meanwhile */
    examine(young, 0);
    examine(unreachable, 1);
    (void)subtract_refs(unreachable);
    move_unreachable(unreachable, old_gen, &sp);
    uint32_t k = split_out(unreachable, still);
    rp_gclist_merge(unreachable, old);
    examine(young, 1);
    return k;
}

/* gc.garbage keeps every object, with a reference each (DEBUG_SAVEALL). */
static void save_all(rp_gchead_t *still)
{
    for (rp_gchead_t *n = rp_next(still); n != still; n = rp_next(n)) {
        rp_obj_t *o = (rp_obj_t *)n;
        o->head &= ~SCRATCH_FLAGS;
        rp_incref(o);
        rp_set_gen(o, RP_GEN_OLD);
    }
    rp_gclist_merge(still, list(RP_LIST_GARBAGE));
}

/* n objects of the collected generations were freed: rp_gc_on_free for each. */
static inline void uncount(uint32_t n)
{
    if (!RP_CFG_GC_INCREMENTAL)   /* with it, count 0 counts generation 0: freeing is no matter */
        rp_gc.count[0] = rp_gc.count[0] > n ? rp_gc.count[0] - n : 0;
}

/* Drops one reference held by a garbage object: as rp_decref, except that a garbage
 * object reaching zero stays where it is (rp_obj_dealloc would leave it too; this only
 * saves the call). */
static inline void drop_ref(rp_obj_t *v)
{
    uint32_t h = v->head;
    if (h >= RP_RC_SPECIAL || (RP_CFG_DEBUG && h < RP_RC_ONE)) {
        rp_decref(v);   /* immortal: nothing; below zero: reported */
        return;
    }
    h -= RP_RC_ONE;
    v->head = h;
    if (h < RP_RC_ONE && !rp_head_garbage(h))
        rp_obj_dealloc(v);
}

/* Frees garbage whose objects all have the default traverse and clear (no hooks) when no
 * finalizer has run: then every reference to a garbage object comes from another garbage
 * object (gc_refs 0, and nothing reachable refers to it), no code has run since that
 * could have added one, and a default clear drops every reference an object has; so once
 * all are cleared, every one is dead. Clearing references between garbage objects would
 * only count them down to zero: the first pass drops just the references that leave the
 * garbage (which may free other objects, never garbage), the second frees every object,
 * without reading another (an object the second pass reads is not yet freed). With
 * `closed`, the collection found no reference from the generation to a mortal object
 * outside it (subtract_refs) and none to a reachable object (move_unreachable): no
 * reference leaves the garbage, and the first pass has nothing to do. */
static uint32_t free_plain_garbage(rp_gchead_t *still, int closed)
{
    const uintptr_t base = rp_link_base;
    for (rp_gchead_t *n = rp_link_at(base, still->next); !closed && n != still; n = rp_link_at(base, n->next)) {
        rp_obj_t *o = (rp_obj_t *)n;
        rp_obj_t **s = rp_slots(o), **end = s + rp_slot_count[o->head & RP_HEAD_TYPE_MASK];
        for (; s < end; s++) {
            rp_obj_t *v = *s;
            if (v && !rp_head_garbage(v->head))
                rp_decref(v);
        }
    }
    uint32_t freed = 0;
    rp_free_run_t run;
    rp_free_run_init(&run);
    for (rp_gchead_t *n = rp_link_at(base, still->next), *next; n != still; n = next, freed++) {
        next = rp_link_at(base, n->next);
        rp_obj_t *o = (rp_obj_t *)n;
        uint32_t h = o->head;
        if ((h & RP_HEAD_WEAKREFS) && rp_weakref_on_death)
            rp_weakref_on_death(o);   /* none expected: step 7 cleared them, no finalizer ran */
        const rp_type_t *t = rp_type_table[h & RP_HEAD_TYPE_MASK];
        if (t->release)
            t->release(o);
        rp_free_run_add(&run, o);
    }
    rp_free_run_end(&run);
    return freed;
}

/* Breaks every cycle through the types' clear hooks, in two passes. Garbage objects keep
 * UNREACHABLE meanwhile, so one whose count reaches zero is not freed by rp_obj_dealloc:
 * it stays on `still`, and nothing can reach it (no references, and weak references to
 * it were cleared at step 7). The first pass clears every object; none leaves the list,
 * and the clear of one cannot free another under it. The second frees what is dead, as
 * destroy() would, less what is already done or is about to be done for all at once: the
 * finalizer has run (step 8) or there is none, the default clear has emptied the slots,
 * and the list is dropped whole instead of unlinking each object. An object something
 * still refers to (a clear hook that keeps a reference while the object lives) survives
 * into the older generation. Returns how many objects were freed. */
static uint32_t delete_garbage(rp_gchead_t *still, rp_gchead_t *old, unsigned old_gen, int plain, int closed)
{
    if (rp_gc.debug & RP_GC_DEBUG_SAVEALL) {
        save_all(still);
        return 0;
    }
    uint32_t freed = 0;
    if (plain) {
        freed = free_plain_garbage(still, closed);
        goto done;
    }
    const uintptr_t base = rp_link_base;
    for (rp_gchead_t *n = rp_link_at(base, still->next); n != still; n = rp_link_at(base, n->next)) {
        rp_obj_t *o = (rp_obj_t *)n;
        uint32_t h = o->head;
        const rp_type_t *t = rp_type_table[h & RP_HEAD_TYPE_MASK];
        if (t->clear) {
            t->clear(o);
            continue;
        }
        rp_obj_t **s = rp_slots(o), **end = s + rp_slot_count[h & RP_HEAD_TYPE_MASK];
        for (; s < end; s++) {
            rp_obj_t *v = *s;
            if (v) {
                *s = 0;
                drop_ref(v);
            }
        }
    }
    for (rp_gchead_t *n = rp_link_at(base, still->next), *next; n != still; n = next) {
        next = rp_link_at(base, n->next);
        rp_obj_t *o = (rp_obj_t *)n;
        uint32_t h = o->head;
        if (h >= RP_RC_ONE) {   /* still referenced */
            o->head = h & ~SCRATCH_FLAGS;
            rp_set_gen(o, old_gen);
            rp_gclist_append(n, old);
            continue;
        }
        if ((h & RP_HEAD_WEAKREFS) && rp_weakref_on_death)
            rp_weakref_on_death(o);   /* weak references a finalizer made since step 7 */
        const rp_type_t *t = rp_type_table[h & RP_HEAD_TYPE_MASK];
        if (t->clear)
            t->clear(o);   /* again, as destroy() runs it: a hook may keep references while o lives */
        if (t->release)
            t->release(o);
        rp_free_known(o);
        freed++;
    }
done:
    rp_gclist_init(still);
    uncount(freed);
    return freed;
}

/* The quick deletion (see collect): frees the objects move_unreachable set aside where
 * they lie, in runs per pool (rp_free_run_add), and rebuilds the back links of what
 * stays. Nothing else delete_garbage does applies: there is no finalizer, no weak
 * reference to the garbage, and no reference leaves it, so a clear would only drop
 * references between objects about to be freed (types whose clear does more are kept
 * out, RP_TGC_CLEAR); what a type owns besides, its release hook frees. `release` is a constant in
 * each of the two copies free_in_place makes, so the loop tests it nowhere. */
static inline __attribute__((always_inline)) uint32_t free_where_they_lie(rp_gchead_t *young, int release)
{
    const uintptr_t base = rp_link_base;
    const rp_link_t end = rp_link_from(base, young);
    rp_link_t last = end, l = young->next;
    rp_free_run_t run;
    rp_free_run_init(&run);
    while (l != end) {
        rp_gchead_t *n = rp_link_at(base, l);
        uint32_t h = n->head;
        while (h & RP_HEAD_UNREACHABLE) {   /* a run of garbage: its own loop, as in move_unreachable */
            rp_obj_t *o = (rp_obj_t *)n;
            if (release) {
                const rp_type_t *t = rp_type_table[h & RP_HEAD_TYPE_MASK];
                if (t->release)
                    t->release(o);
            }
            l = n->next;
            rp_free_run_add(&run, o);
            if (l == end)
                goto walked;
            n = rp_link_at(base, l);
            h = n->head;
        }
        n->prev = last;
        rp_link_at(base, last)->next = l;
        last = l;
        l = n->next;
    }
walked:
    rp_link_at(base, last)->next = end;
    young->prev = last;
    rp_free_run_end(&run);
    return run.freed;
}

/* Returns how many objects were freed. */
static uint32_t free_in_place(rp_gchead_t *young, int release)
{
    return release ? free_where_they_lie(young, 1) : free_where_they_lie(young, 0);
}

static void print_generations(void)
{
    rp_printf("gc: objects in each generation: %u %u %u\n", (unsigned)list_size(list(RP_LIST_GEN0)),
              (unsigned)list_size(list(RP_LIST_GEN1)), (unsigned)list_size(list(RP_LIST_GEN2)));
    rp_printf("gc: objects in permanent generation: %u\n", (unsigned)list_size(list(RP_LIST_PERMANENT)));
}

static void collect(int gen, uint32_t *collected, uint32_t *uncollectable)
{
    if (rp_gc.debug & RP_GC_DEBUG_STATS) {
        rp_printf("gc: collecting generation %d...\n", gen);
        print_generations();
    }
    if (gen + 1 < RP_GC_GENERATIONS)
        rp_gc.count[gen + 1]++;
    for (int i = 0; i <= gen; i++)
        rp_gc.count[i] = 0;
    rp_gchead_t *young = list((enum rp_list_id)gen);
    for (int i = 1; i <= gen; i++)
        examine(list((enum rp_list_id)i), 1);
    for (int i = 0; i < gen; i++)
        rp_gclist_merge(list((enum rp_list_id)i), young);
    unsigned old_gen = gen < RP_GEN_OLD ? (unsigned)gen + 1u : RP_GEN_OLD;
    rp_gchead_t *old = list((enum rp_list_id)old_gen);
    /* A watched object (an incremental cycle's) looks immortal to count_in, but its count
     * must still be dropped: while any is watched, references are taken to leave. */
    int leaves = subtract_refs(young) | rp_inc_active();
    split_t sp;
    move_unreachable(young, old_gen, &sp);
    uint32_t survivors = sp.kept, garbage;
    if (gen == 0)   /* young_judge */
        rp_gc.young_whole = (sp.attention & (RP_TGC_FINALIZER | RP_TGC_HOOKS)) || (sp.heads & RP_HEAD_WEAKREFS);
    if (gen == 1)
        rp_gc.long_lived_pending += survivors;
    if (gen == 0)
        rp_gc.inc_promoted += survivors;   /* what the next incremental cycle takes */
    if (gen == 2) {
        rp_gc.long_lived_pending = 0;
        rp_gc.long_lived_total = survivors;
    }
    /* The common case, garbage that nothing outside it refers to and that asks for no
     * finalizer, clear hook of its own, weak reference or debug output: freed where it
     * lies. */
    if (sp.attention && !(sp.attention & (RP_TGC_FINALIZER | RP_TGC_CLEAR)) && !(sp.heads & RP_HEAD_WEAKREFS) &&
        !leaves && !sp.inward && !(rp_gc.debug & (RP_GC_DEBUG_COLLECTABLE | RP_GC_DEBUG_SAVEALL))) {
        garbage = free_in_place(young, sp.attention & RP_TGC_RELEASE);
        uncount(garbage);
        if (young != old)
            rp_gclist_merge(young, old);
        *collected = garbage;
        *uncollectable = 0;
        return;
    }
    rp_gchead_t *unreachable = list(RP_LIST_UNREACHABLE);
    garbage = sp.attention ? split_out(young, unreachable) : 0;
    if (young != old)
        rp_gclist_merge(young, old);
    rp_gc_take_garbage(unreachable, garbage, sp.attention, !leaves && !sp.inward, old, old_gen, collected,
                       uncollectable);
}

void rp_gc_take_garbage(rp_gchead_t *unreachable, uint32_t garbage, uint8_t attention, int closed,
                        rp_gchead_t *old, unsigned old_gen, uint32_t *collected, uint32_t *uncollectable)
{
    rp_gchead_t *scratch = list(RP_LIST_SCRATCH);
    garbage_scan_t sc = {garbage, 0, 0};
    if (attention & RP_TGC_FINALIZER) {   /* some garbage may have a finalizer: look closer */
        sc.count = 0;
        scan_garbage(unreachable, scratch, &sc);
    }
    *uncollectable = sc.legacy ? move_legacy(unreachable, scratch, old, old_gen, &sc) : 0;
    *collected = sc.count;
    if (rp_gc.debug & RP_GC_DEBUG_COLLECTABLE)
        for (rp_gchead_t *n = rp_next(unreachable); n != unreachable; n = rp_next(n))
            rp_printf("gc: collectable <%s %p>\n", rp_type_of((rp_obj_t *)n)->name, (void *)n);

    /* UNREACHABLE still marks the garbage here, so the hook can tell weak references
     * that are garbage themselves (cleared without callback) from live ones. */
    if (rp_weakref_on_collect)
        rp_weakref_on_collect(unreachable);
    /* Without finalizers nothing can have been resurrected: straight to deletion, which
     * clears the scratch flags as it goes. */
    int ran = sc.finalizers && finalize_garbage(unreachable);
    if (ran) {
        *collected = handle_resurrected(unreachable, scratch, old, old_gen);
        /* Weak references the finalizers made to what is still garbage: cleared now,
         * before any clear runs, or code that a clear sets off (the finalizer of an
         * object the garbage alone held) could reach a cleared object through one
         * (CPython gh-91636). The garbage still carries UNREACHABLE. */
        if (rp_weakref_on_collect)
            rp_weakref_on_collect(scratch);
    } else
        rp_gclist_merge(unreachable, scratch);
    int plain = !ran && !(attention & RP_TGC_HOOKS);
    (void)delete_garbage(scratch, old, old_gen, plain, plain && closed);
}

void rp_gc_run_callbacks(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable)
{
    for (unsigned i = 0; i < RP_GC_MAX_CALLBACKS; i++)
        if (rp_gc.callbacks[i])
            rp_gc.callbacks[i](phase, gen, collected, uncollectable, rp_gc.callback_args[i]);
}

/* Caller has checked that collecting is allowed and set rp_gc.collecting. */
/* The end of a pause (a collection, or an incremental step): statistics, the debug line
 * tools/heapmap.py reads, the callbacks. */
static void account_pause(int gen, uint32_t collected, uint32_t uncollectable, uint32_t pause)
{
    rp_gc.stats.total_pause += pause;
    if (pause > rp_gc.stats.longest_pause) {
        rp_gc.stats.longest_pause = pause;
        rp_gc.stats.longest_pause_generation = (uint32_t)gen;
    }
    if (rp_gc.debug & RP_GC_DEBUG_STATS)
        rp_printf("gc: done, %u unreachable, %u uncollectable, %u cycles elapsed\n", (unsigned)collected,
                  (unsigned)uncollectable, (unsigned)pause);
    rp_gc_run_callbacks(RP_GC_STOP, gen, collected, uncollectable);
}

static uint32_t collect_with_callback(int gen)
{
    uint32_t collected = 0, uncollectable = 0;
    rp_gc_run_callbacks(RP_GC_START, gen, 0, 0);
    uint32_t t0 = rp_port_cycles();
    collect(gen, &collected, &uncollectable);
    rp_gc_gen_stats_t *s = &rp_gc.stats.gen[gen];
    s->collections++;
    s->collected += collected;
    s->uncollectable += uncollectable;
    rp_gc_pace();
    account_pause(gen, collected, uncollectable, rp_port_cycles() - t0);
    return collected + uncollectable;
}

static int may_collect(void)
{
    return !rp_gc.collecting && rp_gc.lists[0] && !rp_port_in_interrupt();
}

/* CPython's collect_generations: the oldest generation over its threshold, with the
 * 25 % rule holding back full collections. `coming` as in threshold_crossed. */
static void collect_generations(uint32_t coming)
{
    rp_gc.due = 0;
    for (int i = RP_GC_GENERATIONS - 1; i >= 0; i--) {
        if (rp_gc.count[i] + (i ? 0u : coming) <= rp_gc.threshold[i])
            continue;
        if (i == RP_GC_GENERATIONS - 1 && rp_gc.long_lived_pending < rp_gc.long_lived_total / 4u)
            continue;
        rp_gc.collecting = 1;
        collect_with_callback(i);
        rp_gc.collecting = 0;
        break;
    }
}

/* The oldest objects of generation 0, `max` at most, go to generation 1 unexamined, which
 * is always safe: the cycle of generation 1 examines them. Some 10 instructions each,
 * charged a work unit with the step's share of it. Returns how many went. */
static uint32_t promote_oldest(uint32_t max)
{
    rp_gchead_t *young = list(RP_LIST_GEN0), *old = list(RP_LIST_GEN1);
    uint32_t i = 0;
    for (; i < max && !rp_gclist_empty(young); i++) {
        rp_gchead_t *m = rp_next(young);
        m->head &= ~RP_HEAD_COLLECTING;
        rp_set_gen((rp_obj_t *)m, RP_GEN_MIDDLE);
        rp_gclist_move(m, old);
    }
    rp_gc.inc_promoted += i;
    rp_gc.count[0] = rp_gc.count[0] > i ? rp_gc.count[0] - i : 0;
    return i;
}

uint32_t rp_gc_young_window(uint32_t max, uint32_t *examined, uint32_t *taken)
{
    rp_gchead_t *young = list(RP_LIST_GEN0);
    uint32_t k = rp_gc.count[0], collected = 0, uncollectable = 0;
    rp_gchead_t *n = young;
    if (max && k > max) {
        /* Count 0 is at least generation 0's length (rp_gc_check), often equal: only
         * when it is above max is the list walked to see (some 8 instructions each). */
        k = 0;
        n = rp_next(young);
        while (n != young && k < max) {
            n = rp_next(n);
            k++;
        }
    }
    if (n != young) {
        /* More than a step can examine (collections were held off, or objects tracked in
         * bulk). */
        *taken = promote_oldest(max);
        *examined = (max + 7u) / 8u;
        return 0;
    }
    collect(0, &collected, &uncollectable);
    rp_gc_gen_stats_t *s = &rp_gc.stats.gen[0];
    s->collections++;
    s->collected += collected;
    s->uncollectable += uncollectable;
    *examined = k;
    *taken = k;
    return collected + uncollectable;
}

/* `coming`: 1 for an object about to join generation 0 that count 0 does not count yet
 * (rp_gc_on_alloc with incremental collection). */
static int threshold_crossed(uint32_t coming)
{
    return rp_gc.enabled && rp_gc.threshold[0] && rp_gc.count[0] + coming > rp_gc.trigger;
}

#if RP_CFG_GC_INCREMENTAL
/* Count 0 above which an automatic young collection runs: threshold 0, as in CPython,
 * but never above what one window takes (RP_GC_WINDOW objects). */
static uint32_t young_trigger(void)
{
    return rp_gc.threshold[0] < RP_GC_WINDOW ? rp_gc.threshold[0] : RP_GC_WINDOW - 1u;
}
#endif

/* The count 0 past which the next automatic collection runs (kept in rp_gc.trigger, so
 * that rp_new compares with one load). Threshold 0, as in CPython; with incremental
 * collection a young window (young_trigger) at most, and while a cycle runs, the cycle's
 * own steps in between, every RP_GC_CYCLE_GAP objects. */
void rp_gc_pace(void)
{
    uint32_t t = rp_gc.threshold[0] ? rp_gc.threshold[0] : UINT32_MAX;
#if RP_CFG_GC_INCREMENTAL
    if (rp_gc.inc_usable && rp_gc.threshold[0]) {
        t = young_trigger();
        uint32_t next = rp_gc.count[0] + RP_GC_CYCLE_GAP;
        if (rp_gc.inc_phase != RP_INC_IDLE && next < t)
            t = next;
    }
#endif
    rp_gc.trigger = t;
}

#if RP_CFG_GC_INCREMENTAL
/* The kind of cycle due, as CPython's collect_generations chooses a generation: 0 none;
 * 1 (generation 1 alone) once young collections promoted threshold 0 x threshold 1 objects
 * since the last cycle (what threshold 1 young collections of threshold 0 objects each
 * would); 2 (generations 1 and 2) once threshold 2 such cycles ran and what they kept is
 * at least 25 % of the long-lived objects. */
static int old_due(void)
{
    if (!rp_gc.inc_usable || rp_gc.inc_promoted <= rp_gc.threshold[0] * rp_gc.threshold[1])
        return 0;
    return rp_gc.count[2] >= rp_gc.threshold[2] && rp_gc.long_lived_pending >= rp_gc.long_lived_total / 4u ? 2 : 1;
}

/* Whether this step's young window is examined or promoted unexamined. A window is too
 * small for garbage larger than itself (a tree of 2,047 nodes built across twenty
 * windows): examining it costs some 117 instructions an object on the Cortex-M3 and
 * frees little, while the cycle, which examines what is promoted anyway, frees it
 * whole. A window that frees under RP_CFG_GC_YOUNG_MIN_YIELD percent of what it examined
 * has the next ones promoted, 2, then 4, up to RP_GC_YOUNG_SKIP_MAX after each such
 * window in a row; one that frees more brings examination back for every window. So does
 * one whose garbage has finalizers, weak references or hooks, however little it frees:
 * such garbage goes through the whole path in one step (rp_gc.h), a window's worth in a
 * window, but all that the cycle finds at once if promoted (test_gc:
 * test_incremental_finalizer_garbage_stays_in_windows, 30 finalizers in a step of the
 * cycle against 2). */
static int young_worth_examining(void)
{
    if (!rp_gc.young_skip)
        return 1;
    rp_gc.young_skip--;
    return 0;
}

static void young_judge(uint32_t examined, uint32_t freed)
{
    if (rp_gc.young_whole || (uint64_t)freed * 100u >= (uint64_t)examined * RP_CFG_GC_YOUNG_MIN_YIELD) {
        rp_gc.young_backoff = 1;
        return;
    }
    if (rp_gc.young_backoff < RP_GC_YOUNG_SKIP_MAX)
        rp_gc.young_backoff *= 2u;
    rp_gc.young_skip = rp_gc.young_backoff;
}

/* One pause of bounded length: a young window once generation 0 holds one (young_trigger),
 * with what is left of `budget` for the old cycle, if one runs; the cycle's steps alone
 * in between (rp_gc_pace). Reported to the callbacks as one collection (of generation 2
 * if the cycle took part) and timed in the statistics. */
static void step(uint32_t budget, uint32_t coming)
{
    rp_gc.collecting = 1;
    int due = rp_gc.inc_phase == RP_INC_IDLE ? old_due() : 0;
    int cycle = rp_gc.inc_phase != RP_INC_IDLE || due;
    int gen = !cycle ? RP_GEN_YOUNG : (due == 2 || (!due && rp_gc.inc_full)) ? RP_GEN_OLD : RP_GEN_MIDDLE;
    uint32_t found = 0, examined = 0;
    rp_gc_run_callbacks(RP_GC_START, gen, 0, 0);
    uint32_t t0 = rp_port_cycles();
    if (!cycle || rp_gc.count[0] + coming > young_trigger()) {
        if (young_worth_examining()) {
            uint32_t taken;
            found = rp_gc_young_window(RP_GC_WINDOW, &examined, &taken);
            if (examined == taken)   /* else generation 0 overflowed: promoted, not judged */
                young_judge(examined, found);
            examined *= RP_GC_UNITS_YOUNG;
        } else
            examined = promote_oldest(RP_GC_WINDOW);   /* a unit each: some 20 instructions */
    }
    if (cycle) {
        if (due)
            rp_inc_start(due == 2, 0);
        uint32_t freed0 = rp_gc.inc_freed;
        (void)rp_inc_work(budget > examined ? budget - examined : 1u);
        found += rp_gc.inc_freed - freed0;
    }
    rp_gc_pace();
    account_pause(gen, found, 0, rp_port_cycles() - t0);
    rp_gc.collecting = 0;
}

/* Whole collections where the links leave no room for the marks (rp_gc.h). */
static void collect_automatically(uint32_t coming)
{
    if (!rp_gc.inc_usable) {
        collect_generations(coming);
        return;
    }
    rp_gc.due = 0;
    step(RP_CFG_GC_STEP_BUDGET, coming);
}
#else
static void collect_automatically(uint32_t coming) { collect_generations(coming); }
#endif

void rp_gc_over_threshold(void)
{
    const uint32_t coming = RP_CFG_GC_INCREMENTAL;   /* rp_gc_on_alloc */
    if (!threshold_crossed(coming) || rp_gc.collecting)
        return;
    if (rp_port_in_interrupt())
        rp_gc.due = 1;
    else
        collect_automatically(coming);
}

void rp_gc_poll(void)
{
    if (rp_gc.due && may_collect() && threshold_crossed(0))
        collect_automatically(0);
    else if (may_collect())
        rp_gc.due = 0;
    if (!rp_gc.dealloc_running)
        (void)rp_gc_free_pending(RP_CFG_FREE_BUDGET);
}

static uint32_t work_left(void)
{
    return rp_gc.refzero_depth + (rp_gc.inc_phase != RP_INC_IDLE);
}

uint32_t rp_gc_step(uint32_t budget)
{
    if (!may_collect() || rp_gc.dealloc_running)
        return work_left();
    uint32_t used = rp_gc_free_pending(budget);
    if (budget && used >= budget)
        return work_left();
#if RP_CFG_GC_INCREMENTAL
    if (!rp_gc.inc_usable)
        return work_left();
    rp_gc.collecting = 1;
    if (rp_gc.inc_phase == RP_INC_IDLE)
        rp_inc_start(1, 1);
    (void)rp_inc_work(budget ? budget - used : 0);
    rp_gc.collecting = 0;
    if (!budget)
        (void)rp_gc_free_pending(0);
    rp_gc_pace();
#endif
    return work_left();
}

int rp_gc_is_due(void) { return rp_gc.due; }
int rp_gc_is_incremental(void) { return rp_gc.inc_usable; }

void rp_gc_emergency(size_t request)
{
    /* A running cycle undone (or ended, if it has decided) first: the whole collection
     * below redoes its work, so rp_gc_free_pending need not finish it to reach the
     * deaths it deferred. */
    if (may_collect()) {
        rp_gc.collecting = 1;
        rp_inc_finish_or_abort();
        rp_gc.collecting = 0;
    }
    /* Pending frees next (the heap calls this in thread mode only): the memory they
     * hold is the cheapest to get back, and the objects they keep alive would keep the
     * garbage below them from the collection. */
    (void)rp_gc_free_pending(0);
    if (!may_collect())
        return;
    if (rp_gc.oom_hook)
        rp_gc.oom_hook(request);
    rp_gc.collecting = 1;
    collect_with_callback(RP_GEN_OLD);
    rp_gc.collecting = 0;
}

/* ---- the gc module ---- */

void rp_gc_enable(void) { rp_gc.enabled = 1; }
void rp_gc_disable(void) { rp_gc.enabled = 0; }
int rp_gc_isenabled(void) { return rp_gc.enabled; }
void rp_gc_set_debug(unsigned flags) { rp_gc.debug = flags; }
unsigned rp_gc_get_debug(void) { return rp_gc.debug; }
void rp_gc_set_oom_hook(void (*hook)(size_t)) { rp_gc.oom_hook = hook; }

rp_err_t rp_gc_try_collect(int generation, uint32_t *found)
{
    if (found)
        *found = 0;
    if (generation < 0 || generation >= RP_GC_GENERATIONS)
        return RP_E_ARG;
    if (!may_collect())
        return RP_E_REFUSED;
    rp_gc.collecting = 1;
    /* A whole collection when asked: the pending frees first, so that what a bounded
     * DECREF left pending, and the cycles only it kept alive, are gone after it, as
     * after gc.collect(). Their code runs as a collection's finalizers do (rp_gc.h,
     * re-entrancy): a nested rp_gc_collect returns 0. */
    (void)rp_gc_free_pending(0);
    if (generation > 0)
        rp_inc_finish_or_abort();
    uint32_t n = collect_with_callback(generation);
    rp_gc.collecting = 0;
    if (found)
        *found = n;
    return RP_E_OK;
}

uint32_t rp_gc_collect(int generation)
{
    uint32_t found;
    rp_gc_try_collect(generation, &found);
    return found;
}

void rp_gc_get_count(uint32_t count[RP_GC_GENERATIONS])
{
    for (unsigned i = 0; i < RP_GC_GENERATIONS; i++)
        count[i] = rp_gc.count[i];
}

void rp_gc_get_threshold(uint32_t threshold[RP_GC_GENERATIONS])
{
    for (unsigned i = 0; i < RP_GC_GENERATIONS; i++)
        threshold[i] = rp_gc.threshold[i];
}

void rp_gc_set_threshold(uint32_t t0, uint32_t t1, uint32_t t2)
{
    rp_gc.threshold[0] = t0;
    rp_gc.threshold[1] = t1;
    rp_gc.threshold[2] = t2;
    rp_gc_pace();
}

void rp_gc_get_stats(rp_gc_stats_t *out) { *out = rp_gc.stats; }

/* Puts l's objects into buf from index *k on, while below cap; *k counts them all. */
static void list_into(const rp_gchead_t *l, rp_obj_t **buf, size_t cap, size_t *k)
{
    for (const rp_gchead_t *n = rp_next(l); n != l; n = rp_next(n), (*k)++)
        if (*k < cap)
            buf[*k] = (rp_obj_t *)(uintptr_t)n;
}

/* What a buffer API returns: the entries written; *total (if asked) all there were. */
static size_t written(size_t all, size_t cap, size_t *total)
{
    if (total)
        *total = all;
    return all < cap ? all : cap;
}

size_t rp_gc_get_objects(int generation, rp_obj_t **buf, size_t cap, size_t *total)
{
    if (RP_FROM_HANDLER("rp_gc_get_objects", buf))
        return 0;
    size_t k = 0;
    if (!buf)
        cap = 0;
    if (generation >= RP_GC_GENERATIONS || generation < -1)
        return written(0, cap, total);
    if (generation >= 0) {
        list_into(list((enum rp_list_id)generation), buf, cap, &k);
        if (generation == RP_GEN_OLD)   /* what a running cycle examines is old too */
            (void)rp_inc_snapshot_into(buf, cap, &k);
        return written(k, cap, total);
    }
    for (unsigned i = RP_LIST_GEN0; i <= RP_LIST_PERMANENT; i++)
        list_into(list((enum rp_list_id)i), buf, cap, &k);
    (void)rp_inc_snapshot_into(buf, cap, &k);
    return written(k, cap, total);
}

typedef struct referrer_search {
    rp_obj_t *target;
    int found;
} referrer_search_t;

static void visit_find(rp_obj_t *c, void *arg)
{
    referrer_search_t *s = arg;
    if (c == s->target)
        s->found = 1;
}

size_t rp_gc_get_referrers(rp_obj_t *target, rp_obj_t **buf, size_t cap, size_t *total)
{
    if (RP_FROM_HANDLER("rp_gc_get_referrers", target))
        return 0;
    size_t k = 0;
    if (!buf)
        cap = 0;
    for (unsigned i = RP_LIST_GEN0; i <= RP_LIST_SNAPSHOT; i++) {
        if (i > RP_LIST_GARBAGE && i != RP_LIST_SNAPSHOT)
            continue;
        rp_gchead_t *l = list((enum rp_list_id)i);   /* the snapshot is walked through next only */
        for (rp_gchead_t *n = rp_next(l); n != l; n = rp_next(n)) {
            if (!(n->head & RP_HEAD_TRACKED) || rp_inc_dead(n->head) || rp_inc_doomed((rp_obj_t *)n))
                continue;   /* dead (a death a cycle deferred), or garbage its SORT decided on */
            referrer_search_t s = {target, 0};
            rp_obj_traverse((rp_obj_t *)n, visit_find, &s);
            if (s.found && k++ < cap)
                buf[k - 1] = (rp_obj_t *)n;
        }
    }
    return written(k, cap, total);
}

typedef struct referent_list {
    rp_obj_t **buf;
    size_t cap, k;
} referent_list_t;

static void visit_collect(rp_obj_t *c, void *arg)
{
    referent_list_t *r = arg;
    if (r->k < r->cap)
        r->buf[r->k] = c;
    r->k++;
}

size_t rp_gc_get_referents(rp_obj_t *o, rp_obj_t **buf, size_t cap, size_t *total)
{
    if (RP_FROM_HANDLER("rp_gc_get_referents", o))
        return 0;
    referent_list_t r = {buf, buf ? cap : 0, 0};
    if (o)
        rp_obj_traverse(o, visit_collect, &r);
    return written(r.k, r.cap, total);
}

/* Gives l's objects generation gen, which is not 0 (so none is examined: G2). */
static void set_gens(rp_gchead_t *l, unsigned gen)
{
    for (rp_gchead_t *n = rp_next(l); n != l; n = rp_next(n)) {
        n->head &= ~RP_HEAD_COLLECTING;
        rp_set_gen((rp_obj_t *)n, gen);
    }
}

void rp_gc_freeze(void)
{
    if (RP_FROM_HANDLER("rp_gc_freeze", 0))
        return;
    if (!rp_gc.collecting) {
        rp_gc.collecting = 1;
        rp_inc_finish_or_abort();
        rp_gc.collecting = 0;
    }
    for (unsigned i = RP_LIST_GEN0; i <= RP_LIST_GEN2; i++)
        rp_gclist_merge(list((enum rp_list_id)i), list(RP_LIST_PERMANENT));
    set_gens(list(RP_LIST_PERMANENT), RP_GEN_PERMANENT);
    rp_gc.count[0] = 0;
    rp_gc_pace();
}

void rp_gc_unfreeze(void)
{
    if (RP_FROM_HANDLER("rp_gc_unfreeze", 0))
        return;
    set_gens(list(RP_LIST_PERMANENT), RP_GEN_OLD);
    rp_gclist_merge(list(RP_LIST_PERMANENT), list(RP_LIST_GEN2));
}

uint32_t rp_gc_get_freeze_count(void) { return list_size(list(RP_LIST_PERMANENT)); }

size_t rp_gc_garbage(rp_obj_t **buf, size_t cap, size_t *total)
{
    if (RP_FROM_HANDLER("rp_gc_garbage", buf))
        return 0;
    size_t k = 0;
    if (!buf)
        cap = 0;
    list_into(list(RP_LIST_GARBAGE), buf, cap, &k);
    return written(k, cap, total);
}

void rp_gc_garbage_clear(void)
{
    if (RP_FROM_HANDLER("rp_gc_garbage_clear", 0))
        return;
    rp_gchead_t *g = list(RP_LIST_GARBAGE);
    while (!rp_gclist_empty(g)) {
        rp_gchead_t *n = rp_next(g);
        rp_gclist_move(n, list(RP_LIST_GEN2));
        rp_decref((rp_obj_t *)n);
    }
}

int rp_gc_callback_add(rp_gc_callback_t cb, void *arg)
{
    if (RP_FROM_HANDLER("rp_gc_callback_add", arg))
        return -1;
    for (unsigned i = 0; i < RP_GC_MAX_CALLBACKS; i++) {
        if (!rp_gc.callbacks[i]) {
            rp_gc.callbacks[i] = cb;
            rp_gc.callback_args[i] = arg;
            return 0;
        }
    }
    return -1;
}

int rp_gc_callback_remove(rp_gc_callback_t cb, void *arg)
{
    if (RP_FROM_HANDLER("rp_gc_callback_remove", arg))
        return -1;
    for (unsigned i = 0; i < RP_GC_MAX_CALLBACKS; i++) {
        if (rp_gc.callbacks[i] == cb && rp_gc.callback_args[i] == arg) {
            rp_gc.callbacks[i] = 0;
            return 0;
        }
    }
    return -1;
}

/* ---- the checker ---- */

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f = {rule, addr};
    return f;
}

static rp_fault_t check_list(enum rp_list_id id, uint32_t limit)
{
    const rp_gchead_t *l = list(id);
    uint32_t k = 0;
    if (l->head != RP_RC_IMMORTAL)
        return fault("list sentinel overwritten", l);
    for (const rp_gchead_t *n = rp_next(l), *p = l; n != l; p = n, n = rp_next(n)) {
        const rp_obj_t *o = (const rp_obj_t *)(uintptr_t)n;
        if (++k > limit)
            return fault("generation list longer than the heap's blocks (cycle in links)", n);
        if (!rp_region_of((uintptr_t)n))
            return fault("generation list link points outside the heap", n);
        if (rp_prev(n) != p)
            return fault("generation list back link broken", n);
        if (!(o->head & RP_HEAD_TRACKED) || !rp_head_names_gc_type(o))
            return fault("untracked or non-GC object on a generation list", n);
        if (o->head & RP_HEAD_UNREACHABLE)
            return fault("collector scratch flag left set between collections", n);
        if (!(o->head & RP_HEAD_COLLECTING) != (id != RP_LIST_GEN0))
            return fault("COLLECTING set outside generation 0, or missing in it", n);
        unsigned gen = (o->head & RP_HEAD_GEN_MASK) >> RP_HEAD_GEN_SHIFT;
        if (id <= RP_LIST_PERMANENT && gen != (unsigned)id)
            return fault("object's generation bits differ from its list", n);
    }
    return fault(0, 0);
}

/* G4: the refzero queue holds the frees a bounded DECREF left pending, and only those. */
static rp_fault_t check_pending(uint32_t limit)
{
    const rp_gchead_t *q = list(RP_LIST_REFZERO);
    uint32_t k = 0;
    if (q->head != RP_RC_IMMORTAL)
        return fault("list sentinel overwritten", q);
    for (const rp_gchead_t *n = rp_next(q), *p = q; n != q; p = n, n = rp_next(n)) {
        const rp_obj_t *o = (const rp_obj_t *)(uintptr_t)n;
        if (++k > limit)
            return fault("refzero queue longer than the heap's blocks (cycle in links)", n);
        if (!rp_region_of((uintptr_t)n))
            return fault("refzero queue link points outside the heap", n);
        if (rp_prev(n) != p)
            return fault("refzero queue back link broken", n);
        if (!rp_head_names_gc_type(o) || (o->head & (RP_HEAD_TRACKED | SCRATCH_FLAGS)))
            return fault("tracked, non-GC or flagged object on the refzero queue", n);
        if (rp_refcnt(o) != 0)
            return fault("object with a reference count on the refzero queue", n);
    }
    if (k != rp_gc.refzero_depth)
        return fault("refzero queue length differs from its count", q);
    return fault(0, 0);
}

rp_fault_t rp_gc_check(void)
{
    if (!rp_gc.lists[0])
        return fault(0, 0);
    if (rp_gc.collecting || rp_gc.dealloc_running)
        return fault("collection or deallocation still marked as running", &rp_gc);
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    for (unsigned i = RP_LIST_GEN0; i <= RP_LIST_GARBAGE; i++) {
        rp_fault_t f = check_list((enum rp_list_id)i, s.blocks_in_use);
        if (f.rule)
            return f;
    }
    rp_fault_t f = check_pending(s.blocks_in_use);
    if (f.rule)
        return f;
    /* rp_gc_young_window relies on it to skip its walk */
    if (RP_CFG_GC_INCREMENTAL && list_size(list(RP_LIST_GEN0)) > rp_gc.count[0])
        return fault("count 0 below generation 0's length", list(RP_LIST_GEN0));
    if (rp_gc.young_backoff < 1u || rp_gc.young_backoff > RP_GC_YOUNG_SKIP_MAX || rp_gc.young_skip > rp_gc.young_backoff)
        return fault("young windows to promote unexamined out of their bounds", &rp_gc);
    for (unsigned i = RP_LIST_UNREACHABLE; i <= RP_LIST_HOLD; i++)
        if (!rp_gclist_empty(list((enum rp_list_id)i)) || list((enum rp_list_id)i)->head != RP_RC_IMMORTAL)
            return fault("a collector work list is not empty between calls", list((enum rp_list_id)i));
    return rp_inc_check(s.blocks_in_use);
}
