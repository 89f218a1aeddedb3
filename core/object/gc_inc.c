/*
 * gc_inc.c — the incremental collection of the old generation (contract in rp_gc.h,
 * "Incremental collection"; why it is correct, in docs/gc.md).
 *
 * State: rp_gc.inc_* (gc_internal.h) and the lists SNAPSHOT and DOOMED.
 *
 * A cycle takes the old generation (lists GEN1 and GEN2) as its snapshot S in O(1) and
 * then works through it in steps, the application running between them:
 *   MARK   watches each object of S: bit 31 of its head set, generation bits 3 and
 *          UNREACHABLE (rp_object.h), its count still in bits 15..30. From then on every
 *          INCREF and DECREF of it calls rp_gc_touch, which applies the change and
 *          *rejects* the object: its count moved, so the cycle takes it as live.
 *   COUNT  counts into each watched object's prev the references to it from the
 *          objects of S not rejected, their slots as they are when each is counted.
 *   CHECK  an object whose count equals what was counted becomes a *candidate*; any
 *          other is rejected, and what a rejected object refers to is rejected in turn
 *          (a stack through prev). Touches go on rejecting meanwhile.
 *   SORT   starts once the walk is over and the stack empty, within one step: the
 *          candidates are garbage from that moment on (docs/gc.md gives the argument:
 *          a candidate's count has not moved since it was checked, so every reference
 *          to it comes from a candidate). Each object leaves S in turn: candidates to
 *          DOOMED, the rest back to generation 2; a death or an untracking deferred
 *          while the object was watched happens now.
 *   DROP   plain garbage (no finalizer, weak reference, legacy finalizer, clear or
 *          traverse hook, debug flag) drops its references to live objects, in steps;
 *   FREE   then is freed, in steps. Other garbage goes at once through the
 *          stop-the-world path (rp_gc_take_garbage): its finalizers and weak-reference
 *          callbacks keep CPython's order, at the cost of one step as long as it is.
 * Nothing the application does between steps needs a barrier: references it stores
 * change counts, and changed counts reject. What it must not do is keep a borrowed
 * pointer (no count of its own) to an object across a step and use it afterwards, which
 * is the rule for borrowed references anyway (rp_gc.h).
 *
 * Invariants between calls (rp_inc_check):
 *   I1 IDLE or YOUNG: SNAPSHOT and DOOMED empty, no object watched, the stack empty.
 *   I2 MARK to SORT: SNAPSHOT is a chain through next from its sentinel back to it; its
 *      prev links mean nothing, save in MARK for the objects from the cursor on, which
 *      are not watched yet and are linked both ways. Every other object on it is
 *      watched, and no watched object is anywhere else.
 *   I3 a watched object's prev holds REJECT with a stack link (CHECK) or with a count;
 *      CAND alone (a candidate); or a count (VALUE saturates).
 *   I4 SORT to FREE: DOOMED is well linked and its objects carry COLLECTING and
 *      UNREACHABLE; before the cursor (DROP) their references to live objects are
 *      dropped already.
 *   I5 inc_deferred is the number of watched objects with count 0 (deaths SORT, or an
 *      abort, carries out, tracked or not); 0 outside MARK to SORT.
 */
#include "gc_internal.h"
#include "heap_internal.h"
#include "rp_port.h"
#include "rp_print.h"

#define LINK_BITS (8u * (unsigned)sizeof(rp_link_t))
#define REJECT ((rp_link_t)(1u << (LINK_BITS - 1u)))
#define CAND ((rp_link_t)(1u << (LINK_BITS - 2u)))
#define VALUE ((rp_link_t)(CAND - 1u))   /* a count, or a stack link */
/* Counts watched: at most this (a count near RP_RC_MAX is never watched, so that a
 * touch cannot carry it into bit 31). */
#define WATCH_MAX ((RP_RC_MAX / 2u) < (uint32_t)VALUE ? (RP_RC_MAX / 2u) : (uint32_t)VALUE - 1u)

static inline rp_gchead_t *list(enum rp_list_id id) { return rp_gc.lists[id]; }
static inline uint32_t count_of(uint32_t h) { return (h >> RP_RC_SHIFT) & RP_RC_MAX; }
static inline rp_link_t stack_end(void) { return rp_link_of(list(RP_LIST_SNAPSHOT)); }

void rp_inc_init(uintptr_t largest_link)
{
    /* Marks share prev with a link: every link must stay below CAND. */
    rp_gc.inc_usable = RP_CFG_GC_INCREMENTAL && largest_link < (uintptr_t)CAND;
    rp_gc.inc_phase = RP_INC_IDLE;
    rp_gc.inc_stack = stack_end();
}

int rp_inc_active(void)
{
    return rp_gc.inc_phase >= RP_INC_MARK && rp_gc.inc_phase <= RP_INC_SORT;
}

/* ---- watching ---- */

static void watch(rp_obj_t *o)
{
    o->head = (o->head & ~RP_HEAD_GEN_MASK) | RP_HEAD_WATCHED | RP_RC_SPECIAL;
    rp_gch(o)->prev = 0;
}

/* A candidate leaves the snapshot as garbage (its count, even a saturated one, no longer
 * matters: it is freed). */
static void unwatch_doomed(rp_obj_t *o)
{
    o->head = (o->head & ~(RP_RC_SPECIAL | RP_HEAD_WATCH_MASK)) | ((uint32_t)RP_GEN_OLD << RP_HEAD_GEN_SHIFT) |
              RP_HEAD_COLLECTING | RP_HEAD_UNREACHABLE;
}

/* Any other object leaves it live. A count that saturated while watched (rp_gc_touch)
 * makes it immortal, as one more INCREF would have unwatched. Apart from unwatch_doomed:
 * the test on every candidate cost W2-target 0.47 M of 59.1 M instructions (tb_rt, -O2). */
static void unwatch(rp_obj_t *o)
{
    uint32_t h = (o->head & ~(RP_RC_SPECIAL | RP_HEAD_WATCH_MASK)) | ((uint32_t)RP_GEN_OLD << RP_HEAD_GEN_SHIFT);
    if (count_of(h) == RP_RC_MAX)
        h |= RP_RC_SPECIAL;
    o->head = h;
}

static void push(rp_gchead_t *n)
{
    n->prev = REJECT | rp_gc.inc_stack;
    rp_gc.inc_stack = rp_link_of(n);
}

/* o is live as far as this cycle knows. A candidate rejected after its check goes on the
 * stack, so that what it refers to is rejected too; one not checked yet only takes the
 * mark, which its check sees. */
static void reject(rp_obj_t *o)
{
    rp_gchead_t *n = rp_gch(o);
    rp_link_t p = n->prev;
    if (p & REJECT)
        return;
    if (!(p & CAND)) {
        n->prev = p | REJECT;
        return;
    }
    if (rp_gc.inc_phase >= RP_INC_SORT) {
        /* Decided garbage, reached again: only an uncounted (borrowed) pointer kept across
         * a step can do that. Kept alive; what it refers to may be freed already. */
        rp_printf("refpool: object at %p reached after the collection found it garbage\n", (void *)o);
        rp_report("garbage reached through a borrowed pointer kept across a collection step", o);
        n->prev = REJECT;
        return;
    }
    push(n);
}

void rp_gc_touch(rp_obj_t *o, int delta)
{
    uint32_t h = o->head;
    if (count_of(h) == RP_RC_MAX) {
        /* Saturated: unwatched, one more INCREF would make o immortal (rp_object.h); the
         * INCREFs past it are not counted, so no DECREF may count down either. The count
         * stays and unwatch makes o immortal (at worst one that reached RP_RC_MAX exactly
         * and would have gone down again: kept for ever, never freed early). */
        reject(o);
        return;
    }
    if (delta > 0) {
        if (count_of(h) == 0)
            rp_gc.inc_deferred--;   /* handed out again before SORT (a shared weak reference): alive, I5 */
        h += RP_RC_ONE;
    } else if (count_of(h) == 0) {
        rp_obj_underflow(o);
        return;
    } else if ((h -= RP_RC_ONE) < RP_RC_SPECIAL + RP_RC_ONE)
        rp_gc.inc_deferred++;   /* its death waits for SORT (I5): it is on the snapshot */
    o->head = h;
    reject(o);
}

int rp_inc_track(rp_obj_t *o)
{
    if (!rp_inc_watched(o->head))
        return 0;
    o->head |= RP_HEAD_TRACKED;   /* it never left the snapshot */
    return 1;
}

int rp_inc_untrack(rp_obj_t *o)
{
    if (rp_inc_watched(o->head)) {
        /* Deferred to SORT; its references are from outside from now on. */
        o->head &= ~RP_HEAD_TRACKED;
        reject(o);
        return 1;
    }
    if (rp_gc.inc_phase == RP_INC_MARK && rp_link_of(o) == rp_gc.inc_cursor)
        rp_gc.inc_cursor = rp_gch(o)->next;   /* not watched yet: unlinked as usual */
    return 0;
}

int rp_inc_doomed(const rp_obj_t *o)
{
    uint32_t h = o->head;
    if (rp_inc_watched(h))
        return rp_gc.inc_phase == RP_INC_SORT && rp_gch(o)->prev == CAND;
    return rp_head_garbage(h);
}

/* ---- referents ---- */

typedef void (*each_fn)(rp_obj_t *c);

static inline void count_one(rp_obj_t *c)
{
    if (!rp_inc_watched(c->head))
        return;
    rp_gchead_t *n = rp_gch(c);
    rp_link_t p = n->prev;
    if (p < VALUE)   /* neither REJECT nor CAND (both above VALUE), and not saturated */
        n->prev = p + 1u;
}

static inline void reject_one(rp_obj_t *c)
{
    if (rp_inc_watched(c->head))
        reject(c);
}

static void visit_each(rp_obj_t *c, void *arg) { (*(each_fn *)arg)(c); }

/* Calls fn for each reference o holds; returns the work units it took. Always inlined, so
 * that fn is a constant at each of its two callers and the default layout's loop calls
 * nothing (an indirect call per slot doubled COUNT's time on the Cortex-M3). */
static inline __attribute__((always_inline)) uint32_t each_referent(rp_obj_t *o, each_fn fn)
{
    unsigned type = o->head & RP_HEAD_TYPE_MASK, k = rp_gc_types.slots[type];
    if (!k) {
        if (rp_gc_types.bits[type] & RP_TGC_TRAVERSE)
            rp_obj_traverse(o, visit_each, &fn);
        return 4u;
    }
    rp_obj_t **s = rp_slots(o);
    for (unsigned i = 0; i < k; i++)
        if (s[i])
            fn(s[i]);
    return k;
}

/* ---- the phases ---- */

static void begin_delete(void);

static void begin(enum rp_inc_phase phase)
{
    rp_gc.inc_phase = (uint8_t)phase;
    rp_gc.inc_cursor = list(RP_LIST_SNAPSHOT)->next;
}

/* The snapshot: generation 1 (what young collections promoted since the last cycle), and
 * for a full cycle generation 2 too. A cycle of generation 1 alone takes references from
 * generation 2 as from outside: garbage spanning both waits for a full cycle, as it
 * waits for a collection of generation 2 in CPython. */
static void begin_mark(void)
{
    rp_gchead_t *s = list(RP_LIST_SNAPSHOT);
    rp_gclist_merge(list(RP_LIST_GEN1), s);
    if (rp_gc.inc_full)
        rp_gclist_merge(list(RP_LIST_GEN2), s);
    rp_gc.inc_stack = stack_end();
    rp_gc.inc_attention = 0;
    rp_gc.inc_heads = 0;
    rp_gc.inc_freed = 0;
    rp_gc.inc_kept = 0;
    rp_gc.inc_promoted = 0;
    begin(RP_INC_MARK);
    if (rp_gclist_empty(s))
        begin_delete();
}

void rp_inc_start(int full, int young_first)
{
    if (!rp_gc.inc_usable || rp_gc.inc_phase != RP_INC_IDLE)
        return;
    rp_gc.inc_full = (uint8_t)full;
    if (!young_first) {
        begin_mark();
        return;
    }
    /* Asked for: generation 0 first, as much as count 0 says it holds (O(1)), in windows,
     * so that every object garbage now is in the snapshot or freed before it. */
    rp_gc.inc_young_left = rp_gc.count[0];
    rp_gc.inc_phase = RP_INC_YOUNG;
}

static uint32_t young_some(uint32_t budget)
{
    uint32_t want = rp_gc.inc_young_left, examined = 0, taken = 0;
    if (budget && budget / RP_GC_UNITS_YOUNG < want)
        want = budget < RP_GC_UNITS_YOUNG ? 1u : budget / RP_GC_UNITS_YOUNG;
    if (want)
        (void)rp_gc_young_window(want, &examined, &taken);
    rp_gc.inc_young_left -= taken < rp_gc.inc_young_left ? taken : rp_gc.inc_young_left;
    if (!rp_gc.inc_young_left || !taken)
        begin_mark();
    return examined * RP_GC_UNITS_YOUNG + 1u;
}

/* The walks keep the cursor and the link base in locals (the core is built with
 * -fno-strict-aliasing, so each store through an object would reload the globals: a
 * third of COUNT's instructions on the Cortex-M3) and store the cursor back at the end;
 * nothing a walk calls moves it. */
static uint32_t mark_some(uint32_t budget)
{
    rp_gchead_t *s = list(RP_LIST_SNAPSHOT);
    const uintptr_t base = rp_link_base;
    const rp_link_t end = rp_link_from(base, s);
    rp_link_t cur = rp_gc.inc_cursor;
    uint32_t used = 0;
    while (cur != end && used < budget) {
        rp_gchead_t *n = rp_link_at(base, cur);
        rp_obj_t *o = (rp_obj_t *)n;
        cur = n->next;
        used++;
        /* The count with bit 31 above it, in one compare: immortal (a count that
         * saturated, rp_object.h: bit 31 is not the cycle's) or near it. Two tests cost
         * W2-target 0.26 M instructions more (tb_rt, -O2). */
        if ((o->head >> RP_RC_SHIFT) > WATCH_MAX) {
            /* Out of this cycle, as a live object: still linked both ways. */
            rp_gclist_remove(n);
            rp_set_gen(o, RP_GEN_OLD);
            rp_gclist_append(n, list(RP_LIST_GEN2));
            continue;
        }
        watch(o);
    }
    rp_gc.inc_cursor = cur;
    if (cur == end)
        begin(RP_INC_COUNT);
    return used;
}

static uint32_t count_some(uint32_t budget)
{
    const uintptr_t base = rp_link_base;
    const rp_link_t end = rp_link_from(base, list(RP_LIST_SNAPSHOT));
    rp_link_t cur = rp_gc.inc_cursor;
    uint32_t used = 0;
    while (cur != end && used < budget) {
        rp_gchead_t *n = rp_link_at(base, cur);
        cur = n->next;
        used++;
        /* A rejected object's references make their targets live anyway (CHECK). */
        if (n->prev & REJECT)
            continue;
        /* The default layout's loop written here rather than through each_referent: with
         * `base` in a register across it, W2-target takes 0.58 M fewer instructions of
         * 67.0 M on the Cortex-M3 (tb_rt, -O2). */
        rp_obj_t *o = (rp_obj_t *)n;
        unsigned k = rp_gc_types.slots[o->head & RP_HEAD_TYPE_MASK];
        if (!k) {
            used += each_referent(o, count_one);
            continue;
        }
        rp_obj_t **sl = rp_slots(o);
        used += k;
        do {
            rp_obj_t *c = *sl++;
            if (c)
                count_one(c);
        } while (--k);
    }
    rp_gc.inc_cursor = cur;
    if (cur == end)
        begin(RP_INC_CHECK);
    return used;
}

static uint32_t close_some(uint32_t budget, uint32_t used)
{
    const uintptr_t base = rp_link_base;
    const rp_link_t end = stack_end();
    while (rp_gc.inc_stack != end && used < budget) {
        rp_gchead_t *n = rp_link_at(base, rp_gc.inc_stack);
        rp_gc.inc_stack = n->prev & VALUE;   /* global: reject_one pushes onto it */
        n->prev = REJECT;
        used += 1u + each_referent((rp_obj_t *)n, reject_one);
    }
    return used;
}

static uint32_t check_some(uint32_t budget)
{
    const rp_link_t end = stack_end();
    uint32_t used = close_some(budget, 0);
    while (rp_gc.inc_cursor != end && used < budget) {
        rp_gchead_t *n = rp_unlink_ptr(rp_gc.inc_cursor);
        rp_obj_t *o = (rp_obj_t *)n;
        rp_gc.inc_cursor = n->next;   /* global: close_some's rejections push meanwhile */
        rp_link_t p = n->prev;
        uint32_t h = o->head;
        used += 2u;
        if (!(p & REJECT) && p < VALUE && p == count_of(h) && (h & RP_HEAD_TRACKED)) {
            n->prev = CAND;
            continue;
        }
        push(n);
        used = close_some(budget, used);
    }
    /* The decision: nothing left to check or to reject, within this step. */
    if (rp_gc.inc_cursor == end && rp_gc.inc_stack == end)
        begin(RP_INC_SORT);
    return used;
}

/* Plain garbage can be deleted in steps (docs/gc.md); other garbage at once. */
static int plain(void)
{
    return !(rp_gc.inc_attention & (RP_TGC_FINALIZER | RP_TGC_HOOKS)) && !(rp_gc.inc_heads & RP_HEAD_WEAKREFS) &&
           !(rp_gc.debug & (RP_GC_DEBUG_COLLECTABLE | RP_GC_DEBUG_SAVEALL));
}

/* CPython's bookkeeping: what a collection of generation 1 keeps is pending for the
 * next full one; a full one counts the long-lived afresh. */
static void end_cycle(uint32_t collected, uint32_t uncollectable)
{
    rp_gc_gen_stats_t *s = &rp_gc.stats.gen[rp_gc.inc_full ? RP_GEN_OLD : RP_GEN_MIDDLE];
    s->collections++;
    s->collected += collected;
    s->uncollectable += uncollectable;
    if (rp_gc.inc_full) {
        rp_gc.long_lived_total = rp_gc.inc_kept;
        rp_gc.long_lived_pending = 0;
        rp_gc.count[2] = 0;
    } else {
        rp_gc.long_lived_pending += rp_gc.inc_kept;
        rp_gc.count[2]++;
    }
    rp_gc.inc_phase = RP_INC_IDLE;
    rp_gc_pace();   /* the cycle's steps stop (rp_gc_free_pending may end it) */
}

static void begin_delete(void)
{
    rp_gchead_t *d = list(RP_LIST_DOOMED);
    if (rp_gclist_empty(d)) {
        end_cycle(0, 0);
        return;
    }
    if (plain()) {
        rp_gc.inc_phase = RP_INC_DROP;
        rp_gc.inc_cursor = d->next;
        return;
    }
    uint32_t garbage = 0, collected = 0, uncollectable = 0;
    for (rp_gchead_t *n = rp_next(d); n != d; n = rp_next(n))
        garbage++;
    rp_gc_take_garbage(d, garbage, rp_gc.inc_attention, 0, list(RP_LIST_GEN2), RP_GEN_OLD, &collected,
                       &uncollectable);
    rp_gclist_init(d);   /* take_garbage emptied it into its own lists */
    rp_gc.inc_freed += collected;
    end_cycle(collected, uncollectable);
}

static uint32_t sort_some(uint32_t budget)
{
    rp_gchead_t *s = list(RP_LIST_SNAPSHOT), *doomed = list(RP_LIST_DOOMED), *old = list(RP_LIST_GEN2);
    const uintptr_t base = rp_link_base;
    const rp_link_t end = rp_link_from(base, s);
    uint32_t used = 0, kept = 0, heads = 0;
    uint8_t attention = 0;
    while (s->next != end && used < budget) {
        rp_gchead_t *n = rp_link_at(base, s->next);
        rp_obj_t *o = (rp_obj_t *)n;
        s->next = n->next;
        used += 2u;
        uint32_t h = o->head;
        if (n->prev == CAND) {
            unwatch_doomed(o);
            attention |= rp_gc_types.bits[h & RP_HEAD_TYPE_MASK];
            heads |= h;
            rp_gclist_append_at(base, n, doomed);
            continue;
        }
        unwatch(o);
        if (h & RP_HEAD_TRACKED)
            rp_gclist_append_at(base, n, old);   /* else untracked while watched: on no list */
        if (count_of(h) == 0) {
            rp_gc.inc_deferred--;
            rp_obj_dealloc(o);   /* died while watched, tracked or not; moves nothing of the snapshot */
            continue;
        }
        kept += (h & RP_HEAD_TRACKED) != 0;
    }
    rp_gc.inc_kept += kept;
    rp_gc.inc_attention |= attention;
    rp_gc.inc_heads |= heads;
    if (s->next == end) {
        rp_gclist_init(s);
        begin_delete();
    }
    return used;
}

static uint32_t drop_some(uint32_t budget)
{
    rp_gchead_t *d = list(RP_LIST_DOOMED);
    const rp_link_t end = rp_link_of(d);
    uint32_t used = 0;
    while (rp_gc.inc_cursor != end && used < budget) {
        rp_obj_t *o = (rp_obj_t *)rp_unlink_ptr(rp_gc.inc_cursor);
        rp_gc.inc_cursor = rp_gch(o)->next;
        rp_obj_t **s = rp_slots(o);
        unsigned k = rp_slot_count[o->head & RP_HEAD_TYPE_MASK];
        for (unsigned i = 0; i < k; i++) {
            rp_obj_t *v = s[i];
            if (v && !rp_head_garbage(v->head)) {
                s[i] = 0;
                rp_decref(v);   /* a live object: may free it, through the bounded frees */
            }
        }
        used += 1u + k;
    }
    if (rp_gc.inc_cursor == end)
        rp_gc.inc_phase = RP_INC_FREE;
    return used;
}

static uint32_t free_some(uint32_t budget)
{
    rp_gchead_t *d = list(RP_LIST_DOOMED);
    uint32_t used = 0;
    rp_free_run_t run;
    rp_free_run_init(&run);
    while (!rp_gclist_empty(d) && used < budget) {
        rp_gchead_t *n = rp_next(d), *next = rp_next(n);
        rp_obj_t *o = (rp_obj_t *)n;
        /* n leaves from the front, its own links not rewritten: 0.24 M of W2-target's
         * 58.2 M instructions fewer than rp_gclist_remove (tb_rt, -O2) */
        d->next = n->next;
        next->prev = rp_link_of(d);
        const rp_type_t *t = rp_type_of(o);
        if (t->release)
            t->release(o);
        rp_free_run_add(&run, o);
        used += 3u;
    }
    rp_free_run_end(&run);
    rp_gc.inc_freed += run.freed;
    if (rp_gclist_empty(d))
        end_cycle(rp_gc.inc_freed, 0);
    return used;
}

uint32_t rp_inc_work(uint32_t budget)
{
    uint32_t used = 0;
    const uint32_t limit = budget ? budget : UINT32_MAX;
    while (rp_gc.inc_phase != RP_INC_IDLE && used < limit) {
        uint32_t left = limit - used;
        switch ((enum rp_inc_phase)rp_gc.inc_phase) {
        case RP_INC_YOUNG: used += young_some(budget ? left : 0); break;
        case RP_INC_MARK: used += mark_some(left); break;
        case RP_INC_COUNT: used += count_some(left); break;
        case RP_INC_CHECK: used += check_some(left); break;
        case RP_INC_SORT: used += sort_some(left); break;
        case RP_INC_DROP: used += drop_some(left); break;
        case RP_INC_FREE: used += free_some(left); break;
        case RP_INC_IDLE: break;
        }
    }
    return used;
}

/* Before a whole collection, which must see every tracked object on its generation
 * list: a cycle that has not decided yet is undone (O(snapshot)); one that has is
 * finished. */
void rp_inc_finish_or_abort(void)
{
    if (rp_gc.inc_phase == RP_INC_IDLE)
        return;
    if (rp_gc.inc_phase == RP_INC_YOUNG) {
        rp_gc.inc_phase = RP_INC_IDLE;
        return;
    }
    if (rp_gc.inc_phase >= RP_INC_SORT) {
        (void)rp_inc_work(0);
        return;
    }
    rp_gchead_t *s = list(RP_LIST_SNAPSHOT), *dead = list(RP_LIST_HOLD), *last = s;
    for (rp_gchead_t *n = rp_next(s), *next; n != s; n = next) {
        next = rp_next(n);
        rp_obj_t *o = (rp_obj_t *)n;
        uint32_t h = o->head;
        if (!rp_inc_watched(h)) {
            rp_set_gen(o, RP_GEN_OLD);   /* from MARK's cursor on: bit 31, if set, is immortality */
        } else {
            unwatch(o);
            if (count_of(h) == 0) {   /* died while watched, tracked or not: freed below */
                rp_gclist_append(n, dead);
                continue;
            }
        }
        if (!(h & RP_HEAD_TRACKED))
            continue;
        n->prev = rp_link_of(last);
        last->next = rp_link_of(n);
        last = n;
    }
    last->next = rp_link_of(s);
    s->prev = rp_link_of(last);
    rp_gclist_merge(s, list(RP_LIST_GEN2));
    rp_gc.inc_stack = stack_end();
    rp_gc.inc_phase = RP_INC_IDLE;
    rp_gc_pace();
    rp_gc.inc_deferred = 0;
    while (!rp_gclist_empty(dead)) {
        rp_gchead_t *n = rp_next(dead);
        rp_gclist_remove(n);
        if (n->head & RP_HEAD_TRACKED)   /* where destroy() untracks it from */
            rp_gclist_append(n, list(RP_LIST_GEN2));
        rp_obj_dealloc((rp_obj_t *)n);
    }
}

uint32_t rp_inc_snapshot_into(rp_obj_t **buf, size_t cap, size_t *k)
{
    const rp_gchead_t *s = list(RP_LIST_SNAPSHOT);
    uint32_t added = 0;
    for (const rp_gchead_t *n = rp_next(s); n != s; n = rp_next(n)) {
        if (!(n->head & RP_HEAD_TRACKED) || rp_inc_dead(n->head) || rp_inc_doomed((const rp_obj_t *)n))
            continue;   /* untracked, dead (a caller would INCREF it from 0), or garbage SORT decided on */
        if (*k < cap)
            buf[*k] = (rp_obj_t *)(uintptr_t)n;
        (*k)++;
        added++;
    }
    return added;
}

/* ---- the checker ---- */

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f = {rule, addr};
    return f;
}

static rp_fault_t check_snapshot(uint32_t limit)
{
    const rp_gchead_t *s = list(RP_LIST_SNAPSHOT);
    int before_cursor = 1;
    uint32_t k = 0, dead = 0;
    for (const rp_gchead_t *n = rp_next(s); n != s; n = rp_next(n)) {
        const rp_obj_t *o = (const rp_obj_t *)(uintptr_t)n;
        if (++k > limit)
            return fault("snapshot longer than the heap's blocks (cycle in links)", n);
        if (!rp_region_of((uintptr_t)n) || !rp_head_names_gc_type(o))
            return fault("snapshot link to no GC object of the heap", n);
        if (rp_gc.inc_phase == RP_INC_MARK && rp_link_of(n) == rp_gc.inc_cursor)
            before_cursor = 0;
        if (before_cursor != rp_inc_watched(o->head))
            return fault("snapshot object watched after the cursor, or not watched before it", n);
        if (!before_cursor && rp_prev(rp_unlink_ptr(n->next)) != n)
            return fault("snapshot object after the cursor not linked both ways", n);
        if (!before_cursor && (o->head & (RP_HEAD_COLLECTING | RP_HEAD_UNREACHABLE)))
            return fault("snapshot object not watched yet carries collector flags", n);
        rp_link_t p = n->prev;
        if (before_cursor && (p & CAND) && (p != CAND || rp_gc.inc_phase < RP_INC_CHECK))
            return fault("candidate mark with other bits, or before CHECK", n);
        dead += before_cursor && count_of(o->head) == 0;
    }
    if (dead != rp_gc.inc_deferred)
        return fault("deferred deaths differ from the watched objects with count 0", s);
    if (rp_gc.inc_phase == RP_INC_MARK && before_cursor && rp_gc.inc_cursor != rp_link_of(s))
        return fault("MARK cursor is on no snapshot object", s);
    return fault(0, 0);
}

rp_fault_t rp_inc_check(uint32_t limit)
{
    const rp_gchead_t *s = list(RP_LIST_SNAPSHOT), *d = list(RP_LIST_DOOMED);
    if (s->head != RP_RC_IMMORTAL || d->head != RP_RC_IMMORTAL)
        return fault("list sentinel overwritten", s);
    enum rp_inc_phase ph = (enum rp_inc_phase)rp_gc.inc_phase;
    if (ph > RP_INC_FREE)
        return fault("incremental phase out of range", &rp_gc);
    if ((ph <= RP_INC_YOUNG || ph >= RP_INC_DROP) && !rp_gclist_empty(s))
        return fault("snapshot not empty outside a cycle's MARK to SORT", s);
    if (ph < RP_INC_SORT && !rp_gclist_empty(d))
        return fault("doomed objects before SORT", d);
    if (ph != RP_INC_CHECK && rp_gc.inc_stack != stack_end())
        return fault("rejection stack not empty outside CHECK", s);
    if ((ph < RP_INC_MARK || ph > RP_INC_SORT) && rp_gc.inc_deferred)
        return fault("deferred deaths outside a cycle's MARK to SORT", &rp_gc);
    if (ph >= RP_INC_MARK && ph <= RP_INC_SORT) {
        rp_fault_t f = check_snapshot(limit);
        if (f.rule)
            return f;
    }
    uint32_t k = 0;
    for (const rp_gchead_t *n = rp_next(d), *p = d; n != d; p = n, n = rp_next(n)) {
        if (++k > limit)
            return fault("doomed list longer than the heap's blocks (cycle in links)", n);
        if (rp_prev(n) != p)
            return fault("doomed list back link broken", n);
        if (!rp_head_garbage(n->head))
            return fault("doomed object without COLLECTING and UNREACHABLE", n);
    }
    return fault(0, 0);
}
