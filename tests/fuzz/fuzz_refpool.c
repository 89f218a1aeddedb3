/*
 * fuzz_refpool.c — a model-based fuzz target over refpool's public API (issue 15).
 *
 * One source, two entries:
 *  - LLVMFuzzerTestOneInput (FUZZ_LIBFUZZER): the input bytes choose the operations of one
 *    session; a violation aborts, so libFuzzer keeps the input.
 *  - main (otherwise): a seeded standalone driver that needs no clang. It runs sessions of
 *    operations drawn from a PRNG until --ops N operations or --seconds S have passed, and
 *    prints the operations executed and the violations found.
 *
 * A session is a fresh heap (a size drawn per session, so that real out-of-memory, the
 * emergency collection and its finalizers happen too) with objects set up, then a stream
 * of operations: raw malloc/calloc/realloc/free of random sizes (0, huge, overflowing),
 * objects of every built-in type and of slot and dict types linked into random graphs
 * with cycles, references dropped, weak references whose callbacks allocate, drop
 * references, make weak references and collect; finalize, weak dicts and sets;
 * collections of random generations, thresholds, freeze and unfreeze, rp_gc_step with
 * random budgets (FUZZ_STEP_OPS; a cycle left running between operations); tracing start,
 * stop, snapshots and compare_to; injected allocation failures (rp_heap_fail_nth); and,
 * switched on and off by an operation, an interrupt handler that allocates, moves and
 * frees raw blocks of its own between any two of the allocator's masked windows.
 *
 * The shadow model, checked after every operation:
 *  - raw blocks hold the fill pattern written into them (a realloc keeps the prefix);
 *  - the model's entities (objects) and the references between them: an entity reachable
 *    from the model's roots must be alive — its weak reference returns it, its slots,
 *    items, keys and attributes are what the model says;
 *  - an entity that is not reachable must be dead after a full collection (no frozen
 *    objects): its weak reference returns NULL and its finalize has run;
 *  - weak dicts and sets hold exactly the live entries the model expects;
 *  - every checker (rp_check_all: heap, collector, weak references, trace records);
 *  - at the end of a session, once everything is dropped, every block is back.
 *
 * Known defects not fixed yet are kept out by FUZZ_KNOWN_DEFECT_xx switches (below).
 */
#define _POSIX_C_SOURCE 200809L
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_heap.h"
#include "rp_object.h"
#include "rp_print.h"
#include "rp_trace.h"
#include "rp_weakref.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Known defects are kept out by FUZZ_KNOWN_DEFECT_xx switches here until their fixes are
 * merged. Issue 15's defects 1, 3, 7, 9 and 11 had one; none is open now. Defect 12 is
 * a limit rp_heap.h states (a release build cannot refuse every interior pointer into a
 * chunk), so op_bad_free tries those in debug builds only. */

/* ---------------------------------------------------------------------------------- */
/* The byte source: libFuzzer's input, or a PRNG. */

static const uint8_t *in_data;
static size_t in_left;
static int in_prng;
static uint64_t prng_state;
static int in_exhausted;

static uint32_t next32(void)
{
    if (in_prng) {   /* xorshift64* */
        prng_state ^= prng_state >> 12;
        prng_state ^= prng_state << 25;
        prng_state ^= prng_state >> 27;
        return (uint32_t)((prng_state * 2685821657736338717ull) >> 32);
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        v <<= 8;
        if (in_left) {
            v |= *in_data++;
            in_left--;
        } else {
            in_exhausted = 1;
        }
    }
    return v;
}

static uint32_t pick(uint32_t n) { return n ? next32() % n : 0; }   /* 0..n-1 */
static int chance(uint32_t percent) { return pick(100) < percent; }

/* ---------------------------------------------------------------------------------- */
/* Violations */

static unsigned long long ops_total, violations, sessions, injected_total;
static unsigned long long deaths_verified, objects_verified;
static unsigned long long session_ops;
static int trace_ops;   /* --trace: each operation's name on stderr (for a replay) */
#define TRACEF(...)                           \
    do {                                      \
        if (trace_ops)                        \
            fprintf(stderr, "  " __VA_ARGS__); \
    } while (0)
static uint64_t session_seed;
static const char *current_op = "?";

static void violation(const char *what, const void *addr, long a, long b)
{
    violations++;
    fprintf(stderr, "VIOLATION in session %llu (seed 0x%llx) after op %llu (%s): %s at %p (%ld, %ld)\n",
            sessions, (unsigned long long)session_seed, session_ops, current_op, what, addr, a, b);
#ifdef FUZZ_LIBFUZZER
    abort();
#endif
}

#define EXPECT(cond, what, addr, a, b)              \
    do {                                            \
        if (!(cond))                                \
            violation((what), (addr), (a), (b));    \
    } while (0)

/* ---------------------------------------------------------------------------------- */
/* Types */

static uint8_t RP_TYPE_NUMBER(fz_node);
static const char *const fz_node_names[] = {"s0", "s1", "s2"};
static const rp_type_t fz_node_type = {
    .name = "FzNode", .number = &fz_node_number, .slot_names = fz_node_names, .nslots = 3, .nbytes = 12,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF,
};

/* A PEP 442 finalizer that allocates (and throws away) a list. */
static unsigned long long type_finalizers;
static void fz_dnode_finalize(rp_obj_t *o)
{
    type_finalizers++;
    rp_obj_t *l = rp_list_new();
    if (l) {
        rp_list_append(l, o);
        RP_DECREF(l);
    }
}
static uint8_t RP_TYPE_NUMBER(fz_dnode);
static const char *const fz_dnode_names[] = {"s0", "s1"};
static const rp_type_t fz_dnode_type = {
    .name = "FzDNode", .number = &fz_dnode_number, .slot_names = fz_dnode_names, .nslots = 2,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF | RP_TYPE_DICT, .finalize = fz_dnode_finalize,
};

static void fz_legacy_finalize(rp_obj_t *o) { (void)o; }
static uint8_t RP_TYPE_NUMBER(fz_legacy);
static const char *const fz_legacy_names[] = {"next"};
static const rp_type_t fz_legacy_type = {
    .name = "FzLegacy", .number = &fz_legacy_number, .slot_names = fz_legacy_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_LEGACY_FINALIZER, .finalize = fz_legacy_finalize,
};

static uint8_t RP_TYPE_NUMBER(fz_blob);
static const rp_type_t fz_blob_type = {.name = "FzBlob", .number = &fz_blob_number, .nbytes = 24};

/* ---------------------------------------------------------------------------------- */
/* The model */

enum kind { K_NODE, K_DNODE, K_LIST, K_DICT, K_TUPLE, K_INST, K_INT, K_STR, K_BLOB, K_KINDS };

#define MAX_ENT 64
#define MAX_EDGE 8
#define NO_ENT (-1)

typedef struct ent {
    uint8_t used, kind, root;
    uint8_t nedge;           /* list: its length; others: MAX_EDGE positions used as named */
    rp_obj_t *o;             /* valid while used (the model says it is alive) */
    rp_obj_t *wr;            /* the model's weak reference to it (a strong ref to the weakref) */
    rp_obj_t *fin;           /* a finalize registered on it (the model holds a ref), or NULL */
    int16_t edge[MAX_EDGE];
    int64_t value;           /* int: its value; str: the seed of its bytes */
} ent_t;

static ent_t ents[MAX_ENT];

/* Edge positions per kind: node s0..s2; dnode s0, s1 and attributes x0..x3 (its
 * __dict__) at 2..5; list items in order; dict keys (small ints) 0..7; tuple items;
 * instance attributes a0..a3. */
static const char *const dnode_attr[4] = {"x0", "x1", "x2", "x3"};
static const char *const inst_attr[4] = {"a0", "a1", "a2", "a3"};

/* Dead-or-dying entities: their weak reference and finalize, checked after a full
 * collection. */
#define MAX_GRAVE 128
typedef struct grave {
    rp_obj_t *wr, *fin;
    int id;
} grave_t;
static grave_t graves[MAX_GRAVE];
static unsigned ngraves;

/* Raw blocks */
#define MAX_RAW 48
typedef struct rawblk {
    uint8_t *p;
    size_t size;
    uint8_t fill;
} rawblk_t;
static rawblk_t raws[MAX_RAW];

/* Weak containers, held by the model; their expected live entries. */
static rp_obj_t *wvd, *wkd, *wset;
static int16_t wvd_val[8];        /* wvd[int k] = entity (NO_ENT: none) */
static uint8_t wset_has[MAX_ENT]; /* entity in the WeakSet */
static int8_t wkd_val[MAX_ENT];   /* wkd[entity] = int k, or -1 */

/* Weak references with callbacks, held by the model until their callback has run. */
#define MAX_CBREF 16
static rp_obj_t *cbrefs[MAX_CBREF];
static unsigned long long callbacks_run;
static int in_callback;

static int frozen;
static int tracing;
static rp_trace_stat_t snap_buf[2][48];
static rp_trace_snapshot_t snaps[2];
static int have_snap[2];
static rp_trace_diff_t diff_buf[128];

/* A model-held strong reference: the entity is a root. */
static int live(int i) { return i >= 0 && i < MAX_ENT && ents[i].used; }

static rp_obj_t *ptr(int i) { return live(i) ? ents[i].o : 0; }

static int weakrefable_kind(unsigned k) { return k == K_NODE || k == K_DNODE; }

static int free_ent(void)
{
    for (int i = 0; i < MAX_ENT; i++)
        if (!ents[i].used)
            return i;
    return NO_ENT;
}

/* A live entity chosen at random, or NO_ENT. */
static int any_ent(void)
{
    int start = (int)pick(MAX_ENT);
    for (int k = 0; k < MAX_ENT; k++) {
        int i = (start + k) % MAX_ENT;
        if (ents[i].used)
            return i;
    }
    return NO_ENT;
}

static int any_ent_of(unsigned kind)
{
    int start = (int)pick(MAX_ENT);
    for (int k = 0; k < MAX_ENT; k++) {
        int i = (start + k) % MAX_ENT;
        if (ents[i].used && ents[i].kind == kind)
            return i;
    }
    return NO_ENT;
}

static void str_bytes(int64_t seed, char *buf, size_t *len)
{
    size_t n = (size_t)(seed % 40);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + (seed + (int64_t)i * 7) % 26);
    buf[n] = 0;
    *len = n;
}

/* Registers a new entity for o (the model takes over the caller's reference as a root).
 * Makes the model's weak reference for weak-referenceable kinds. NO_ENT if o is NULL
 * (dropped) or the model is full. */
static int adopt(rp_obj_t *o, unsigned kind, int64_t value)
{
    if (!o)
        return NO_ENT;
    int i = free_ent();
    if (i == NO_ENT) {
        RP_DECREF(o);
        return NO_ENT;
    }
    ent_t *e = &ents[i];
    memset(e, 0, sizeof *e);
    for (int k = 0; k < MAX_EDGE; k++)
        e->edge[k] = NO_ENT;
    e->used = 1;
    e->kind = (uint8_t)kind;
    e->o = o;
    e->value = value;
    /* not yet a root: a callback run by this allocation cannot drop the only reference */
    if (weakrefable_kind(kind))
        e->wr = rp_weakref_new(o, 0, 0);   /* may fail: then unobserved */
    e->root = 1;
    TRACEF("new %d kind %u (%p)\n", i, kind, (void *)o);
    return i;
}

/* A reference held across a call that may allocate: its emergency collection runs
 * callbacks, which may drop the model's roots. */
static rp_obj_t *hold(int i)
{
    rp_obj_t *o = ptr(i);
    if (o)
        RP_INCREF(o);
    return o;
}
static void unhold(rp_obj_t *o)
{
    if (o)
        RP_DECREF(o);
}

/* ---------------------------------------------------------------------------------- */
/* Callbacks: what a weak-reference callback or finalize function does comes from its
 * argument, an int: action in the low byte, a parameter above. */

enum cb_action { CB_NOTHING, CB_ALLOCATE, CB_DROP_ROOT, CB_WEAKREF, CB_COLLECT, CB_ACTIONS };

/* Collections running (gc.callbacks START/STOP), so that callbacks know where they run;
 * 0 between operations. */
static int gc_depth;
static unsigned long long gc_callbacks_run;
static void gc_callback(enum rp_gc_phase phase, int generation, uint32_t collected, uint32_t uncollectable,
                        void *arg)
{
    (void)collected;
    (void)uncollectable;
    (void)arg;
    gc_callbacks_run++;
    EXPECT(generation >= 0 && generation < RP_GC_GENERATIONS, "gc callback generation", 0, generation, phase);
    if (phase == RP_GC_START) {
        gc_depth++;
        rp_obj_t *l = rp_list_new();   /* gc.callbacks may allocate (nested collection: refused) */
        if (l)
            RP_DECREF(l);
    } else {
        gc_depth--;
    }
}

static void weak_callback(rp_obj_t *ref, rp_obj_t *arg);

static void run_action(rp_obj_t *arg)
{
    int64_t v = 0;
    if (!arg || rp_int_as_i64(arg, &v) != RP_E_OK)
        return;
    unsigned action = (unsigned)(v & 0xFF) % CB_ACTIONS;
    unsigned param = (unsigned)(v >> 8);
    if (in_callback > 3)
        return;   /* callbacks that make callbacks: bounded */
    in_callback++;
    switch (action) {
    case CB_ALLOCATE: {
        rp_obj_t *l = rp_list_new();
        for (unsigned k = 0; l && k < param % 6; k++) {
            rp_obj_t *x = rp_int_from_i64(100000 + k);
            if (x) {
                rp_list_append(l, x);
                RP_DECREF(x);
            }
        }
        if (l)
            RP_DECREF(l);
        break;
    }
    case CB_DROP_ROOT: {
        int i = (int)(param % MAX_ENT);
        if (ents[i].used && ents[i].root) {
            ents[i].root = 0;   /* the model first: the decref may run more callbacks */
            RP_DECREF(ents[i].o);
        }
        break;
    }
    case CB_WEAKREF: {
        int i = (int)(param % MAX_ENT);
        if (ents[i].used && ents[i].root && weakrefable_kind(ents[i].kind)) {
            unsigned slot = (param >> 8) % MAX_CBREF;
            if (!cbrefs[slot]) {
                rp_obj_t *o = hold(i);
                rp_obj_t *a = rp_int_from_i64((int64_t)(param >> 12) << 8 | CB_NOTHING);
                rp_obj_t *w = rp_weakref_new(o, weak_callback, a);
                if (a)
                    RP_DECREF(a);
                if (cbrefs[slot])
                    unhold(w);   /* taken meanwhile by a nested callback */
                else
                    cbrefs[slot] = w;
                unhold(o);
            }
        }
        break;
    }
    case CB_COLLECT:
        EXPECT(rp_gc_collect((int)(param % 3)) == 0 || gc_depth == 0, "a collection inside a collection ran", 0,
                   gc_depth, 0);
        break;
    default:
        break;
    }
    in_callback--;
}

static void weak_callback(rp_obj_t *ref, rp_obj_t *arg)
{
    callbacks_run++;
    EXPECT(rp_weakref_get(ref) == 0, "a callback sees its weak reference alive", ref, 0, 0);
    run_action(arg);
}

static void finalize_fn(rp_obj_t *arg)
{
    run_action(arg);
}

/* ---------------------------------------------------------------------------------- */
/* Reachability and checks */

static uint8_t reach[MAX_ENT];

static void compute_reach(void)
{
    int stack[MAX_ENT * MAX_EDGE + MAX_ENT];
    int sp = 0;
    memset(reach, 0, sizeof reach);
    for (int i = 0; i < MAX_ENT; i++)
        if (ents[i].used && ents[i].root) {
            reach[i] = 1;
            stack[sp++] = i;
        }
    while (sp) {
        int i = stack[--sp];
        for (int k = 0; k < MAX_EDGE; k++) {
            int j = ents[i].edge[k];
            if (live(j) && !reach[j]) {
                reach[j] = 1;
                stack[sp++] = j;
            }
        }
    }
}

/* Entities no longer reachable leave the model; their weak references go to the graves.
 * Nothing of theirs is touched: they may be freed already. */
static void bury_unreachable(void)
{
    compute_reach();
    for (int i = 0; i < MAX_ENT; i++) {
        ent_t *e = &ents[i];
        if (!e->used || reach[i])
            continue;
        e->used = 0;
        TRACEF("buried %d (%p)\n", i, (void *)e->o);
        if (e->wr || e->fin) {
            if (ngraves < MAX_GRAVE) {
                graves[ngraves].wr = e->wr;
                graves[ngraves].fin = e->fin;
                graves[ngraves].id = i;
                ngraves++;
            } else {   /* no room to watch it: drop the observers */
                if (e->wr)
                    RP_DECREF(e->wr);
                if (e->fin)
                    RP_DECREF(e->fin);
            }
        }
        wset_has[i] = 0;
        wkd_val[i] = -1;
        for (int k = 0; k < 8; k++)
            if (wvd_val[k] == i)
                wvd_val[k] = NO_ENT;
        /* references to it from the model are gone with the entities holding them */
    }
    /* an edge to a buried entity is impossible: the holder would be unreachable too */
}


static void check_entity(int i)
{
    ent_t *e = &ents[i];
    rp_obj_t *o = e->o;
    objects_verified++;
    if (e->wr)
        EXPECT(rp_weakref_get(e->wr) == o, "a reachable object's weak reference does not return it", o, i, 0);
    EXPECT(rp_sys_getrefcount(o) >= 2, "a reachable object has no reference", o, i, 0);
    switch (e->kind) {
    case K_NODE:
        for (int k = 0; k < 3; k++)
            EXPECT(rp_slot(o, (unsigned)k) == ptr(e->edge[k]), "node slot differs from the model", o, i, k);
        break;
    case K_DNODE: {
        for (int k = 0; k < 2; k++)
            EXPECT(rp_slot(o, (unsigned)k) == ptr(e->edge[k]), "dnode slot differs from the model", o, i, k);
        for (int k = 0; k < 4; k++) {
            rp_obj_t *got = 0;
            rp_err_t r = rp_getattr(o, dnode_attr[k], &got);
            if (live(e->edge[2 + k]))
                EXPECT(r == RP_E_OK && got == ptr(e->edge[2 + k]), "dnode attribute differs from the model", o, i, k);
            else
                EXPECT(r == RP_E_KEY, "dnode has an attribute the model lacks", o, i, r);
        }
        break;
    }
    case K_LIST:
        EXPECT(rp_list_len(o) == e->nedge, "list length differs from the model", o, rp_list_len(o), e->nedge);
        for (int k = 0; k < e->nedge && k < rp_list_len(o); k++) {
            rp_obj_t *got = 0;
            EXPECT(rp_list_get(o, k, &got) == RP_E_OK && got == ptr(e->edge[k]), "list item differs", o, i, k);
        }
        break;
    case K_DICT: {
        int n = 0;
        for (int k = 0; k < 8; k++) {
            rp_obj_t *got = 0;
            rp_err_t r = rp_dict_get(o, rp_int_from_i64(k), &got);   /* small ints: immortal */
            if (live(e->edge[k])) {
                n++;
                EXPECT(r == RP_E_OK && got == ptr(e->edge[k]), "dict value differs from the model", o, i, k);
            } else {
                EXPECT(r == RP_E_KEY, "dict has a key the model lacks", o, i, k);
            }
        }
        EXPECT(rp_dict_len(o) == n, "dict length differs from the model", o, rp_dict_len(o), n);
        break;
    }
    case K_TUPLE:
        EXPECT(rp_tuple_len(o) == e->nedge, "tuple length differs", o, rp_tuple_len(o), e->nedge);
        for (int k = 0; k < e->nedge; k++) {
            rp_obj_t *got = 0;
            EXPECT(rp_tuple_get(o, k, &got) == RP_E_OK && got == ptr(e->edge[k]), "tuple item differs", o, i, k);
        }
        break;
    case K_INST:
        for (int k = 0; k < 4; k++) {
            rp_obj_t *got = 0;
            rp_err_t r = rp_getattr(o, inst_attr[k], &got);
            if (live(e->edge[k]))
                EXPECT(r == RP_E_OK && got == ptr(e->edge[k]), "instance attribute differs", o, i, k);
            else
                EXPECT(r == RP_E_KEY, "instance has an attribute the model lacks", o, i, r);
        }
        break;
    case K_INT: {
        int64_t v = 0;
        EXPECT(rp_int_as_i64(o, &v) == RP_E_OK && v == e->value, "int value changed", o, i, (long)v);
        break;
    }
    case K_STR: {
        char buf[48];
        size_t n;
        str_bytes(e->value, buf, &n);
        const char *d = rp_str_data(o);
        EXPECT(d && rp_str_len(o) == (int32_t)n && memcmp(d, buf, n + 1) == 0, "str bytes changed", o, i, 0);
        break;
    }
    default:
        break;
    }
}

/* The fill pattern: byte k of a block with fill f is (uint8_t)(f + k) = pattern[f + k]. */
#define MAX_RAW_SIZE 70000u
static uint8_t pattern[MAX_RAW_SIZE + 256u];

static void check_raw_range(const rawblk_t *r, size_t from, size_t to)
{
    if (from >= to || !memcmp(r->p + from, pattern + r->fill + from, to - from))
        return;
    size_t k = from;
    while (r->p[k] == pattern[r->fill + k])
        k++;
    violation("raw block content differs from its fill pattern", r->p + k, (long)k, (long)r->size);
}

/* Every block's first and last 64 bytes (where a neighbour's overrun or the allocator's
 * own metadata would land) after each step, and one block in full, in turn; all of them
 * in full with check_raw_full. */
static unsigned raw_turn;
static void check_raw(void)
{
    for (int i = 0; i < MAX_RAW; i++) {
        rawblk_t *r = &raws[i];
        if (!r->p)
            continue;
        size_t n = r->size;
        check_raw_range(r, 0, n < 64 ? n : 64);
        check_raw_range(r, n > 64 ? n - 64 : 0, n);
        EXPECT(rp_usable_size(r->p) >= n, "raw block smaller than asked", r->p, (long)rp_usable_size(r->p), (long)n);
    }
    rawblk_t *r = &raws[raw_turn++ % MAX_RAW];
    if (r->p)
        check_raw_range(r, 0, r->size);
}

static void check_raw_full(void)
{
    for (int i = 0; i < MAX_RAW; i++)
        if (raws[i].p)
            check_raw_range(&raws[i], 0, raws[i].size);
}

static void check_weak_containers(void)
{
    for (int k = 0; k < 8; k++) {
        rp_obj_t *got = 0;
        if (wvd && live(wvd_val[k]))
            EXPECT(rp_weakdict_get(wvd, rp_int_from_i64(k), &got) == RP_E_OK && got == ptr(wvd_val[k]),
                   "WeakValueDictionary lost a live value", wvd, k, 0);
    }
    /* a lookup in a WeakKeyDictionary or WeakSet makes the key's shared weak reference
     * if it has none: only entities that have one (the model's) are looked up */
    for (int i = 0; i < MAX_ENT; i++) {
        if (!ents[i].used || !ents[i].wr)
            continue;
        if (wset)
            EXPECT(rp_weakset_contains(wset, ents[i].o) == wset_has[i], "WeakSet membership differs from the model",
                   ents[i].o, i, wset_has[i]);
        if (wkd) {
            rp_obj_t *got = 0;
            int64_t v = -1;
            rp_err_t r = rp_weakdict_get(wkd, ents[i].o, &got);
            if (r == RP_E_OK)
                rp_int_as_i64(got, &v);
            EXPECT(wkd_val[i] < 0 ? r == RP_E_KEY : (r == RP_E_OK && v == wkd_val[i]),
                   "WeakKeyDictionary entry differs from the model", ents[i].o, i, (long)v);
        }
    }
}

/* After a full collection with nothing frozen, the first `upto` graves, those that were
 * unreachable when it began, must be dead; they leave the list. The rest became
 * unreachable during the collection (a callback or finalizer dropped a root): CPython
 * leaves such new garbage to the next collection. With no grave left, the weak
 * containers must hold exactly the live entries. */
static void check_graves_dead(unsigned upto)
{
    for (unsigned g = 0; g < upto; g++) {
        deaths_verified++;
        if (graves[g].wr) {
            rp_obj_t *o = rp_weakref_get(graves[g].wr);
            if (o) {
                rp_obj_t *refs[8];
                size_t total = 0, n = rp_gc_get_referrers(o, refs, 8, &total);
                fprintf(stderr, "survivor %p: %s, count %u, tracked %d, frozen %u, enabled %d, referrers %zu:", (void *)o,
                        rp_type_of(o)->name, (unsigned)rp_sys_getrefcount(o) - 1u, rp_gc_is_tracked(o),
                        (unsigned)rp_gc_get_freeze_count(), rp_gc_isenabled(), total);
                for (size_t k = 0; k < n; k++)
                    fprintf(stderr, " %s(%p)", rp_type_of(refs[k])->name, (void *)refs[k]);
                fprintf(stderr, "\n");
            }
            EXPECT(!o, "an unreachable object survived a full collection", o, (long)g, 0);
            RP_DECREF(graves[g].wr);
        }
        if (graves[g].fin) {
            EXPECT(!rp_finalize_alive(graves[g].fin), "the finalize of a dead object did not run", graves[g].fin,
                   (long)g, 0);
            RP_DECREF(graves[g].fin);
        }
    }
    for (unsigned g = upto; g < ngraves; g++)
        graves[g - upto] = graves[g];
    ngraves -= upto;
    bury_unreachable();   /* what the collection's callbacks made unreachable */
    if (ngraves)
        return;
    for (int k = 0; k < 8; k++)
        if (wvd && !live(wvd_val[k])) {
            rp_obj_t *got = 0;
            EXPECT(rp_weakdict_get(wvd, rp_int_from_i64(k), &got) == RP_E_KEY,
                   "WeakValueDictionary kept a dead value", wvd, k, 0);
        }
    if (wset) {
        int n = 0;
        for (int i = 0; i < MAX_ENT; i++)
            n += ents[i].used && wset_has[i];
        EXPECT(rp_weakset_len(wset) == n, "WeakSet length differs from its live members", wset, rp_weakset_len(wset), n);
    }
    if (wkd) {
        int n = 0;
        for (int i = 0; i < MAX_ENT; i++)
            n += ents[i].used && wkd_val[i] >= 0;
        EXPECT(rp_weakdict_len(wkd) == n, "WeakKeyDictionary length differs from its live keys", wkd,
               rp_weakdict_len(wkd), n);
    }
}

static void check_all(void)
{
    rp_fault_t f = rp_check_all();
    if (f.rule)
        violation(f.rule, f.addr, 0, 0);
    EXPECT(gc_depth == 0, "gc callbacks START and STOP unbalanced", 0, gc_depth, 0);
    bury_unreachable();
    for (int i = 0; i < MAX_ENT; i++)
        if (ents[i].used)
            check_entity(i);
    check_raw();
    check_weak_containers();
}

/* ---------------------------------------------------------------------------------- */
/* Operations */

static size_t raw_size(void)
{
    switch (pick(10)) {
    case 0: return 0;
    case 1: case 2: case 3: return 1 + pick(64);
    case 4: case 5: return 65 + pick(1000);
    case 6: return 1 + pick(8192);
    case 7: return 1 + pick(MAX_RAW_SIZE);
    case 8: {
        static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 7u, SIZE_MAX / 2u, (size_t)1 << 31, (size_t)1 << 30,
                                      ((size_t)1 << 26) + 1u};
        return huge[pick(sizeof huge / sizeof huge[0])];
    }
    default: return 8u * (1 + pick(8));
    }
}

static void fill(rawblk_t *r, size_t from)
{
    if (from < r->size)
        memcpy(r->p + from, pattern + r->fill + from, r->size - from);
}

static void op_malloc(void)
{
    rawblk_t *r = &raws[pick(MAX_RAW)];
    if (r->p)
        return;
    size_t n = raw_size();
    void *p;
    if (chance(30)) {
        size_t count = chance(10) ? SIZE_MAX / 2u + pick(8) : 1 + pick(16);
        size_t each = count > 16 ? 2u + pick(8) : (n > MAX_RAW_SIZE ? n : n / 16u);
        p = rp_calloc(count, each);
        if (count > 16) {
            EXPECT(!p, "calloc with an overflowing size succeeded", p, (long)count, (long)each);
            return;
        }
        n = count * each;
        for (size_t k = 0; p && k < n; k++)
            if (((uint8_t *)p)[k]) {
                violation("calloc block not zeroed", p, (long)k, (long)n);
                break;
            }
    } else {
        p = rp_malloc(n);
    }
    if (n > ((size_t)1 << 27)) {
        EXPECT(!p, "a request larger than the heap succeeded", p, (long)n, 0);
        rp_free(p);
        return;
    }
    if (!p)
        return;
    EXPECT(((uintptr_t)p & 7u) == 0, "block not 8-byte aligned", p, 0, 0);
    r->p = p;
    r->size = n;
    r->fill = (uint8_t)next32();
    fill(r, 0);
}

/* r's block after rp_realloc gave q for n bytes: the prefix kept, the rest filled. */
static void moved(rawblk_t *r, uint8_t *q, size_t n)
{
    r->p = q;
    size_t keep = r->size < n ? r->size : n;
    r->size = keep;
    check_raw_range(r, 0, keep);   /* realloc kept the content */
    r->size = n;
    fill(r, keep);
}

static void op_realloc(void)
{
    rawblk_t *r = &raws[pick(MAX_RAW)];
    if (!r->p)
        return;
    size_t n = raw_size();
    uint8_t *q = rp_realloc(r->p, n);
    if (n > ((size_t)1 << 27)) {
        EXPECT(!q, "a realloc larger than the heap succeeded", q, (long)n, 0);
        if (q) {
            r->p = q;
            r->size = 0;
        }
        return;
    }
    if (q)   /* else the old block stays, unchanged: check_raw verifies */
        moved(r, q, n);
}

static void op_free(void)
{
    rawblk_t *r = &raws[pick(MAX_RAW)];
    if (!r->p)
        return;
    rp_free(r->p);
    r->p = 0;
}

/* An interrupt handler between any two masked windows. While it is on, the host port
 * runs fuzz_handler at one end of a critical section in four (rp_host_unmasked), as an
 * interrupt pending there would run on a board, with the port saying that a handler runs:
 * anywhere in thread mode's calls, collections and snapshots included. It makes the calls
 * the interrupt rules allow (rp_heap.h) on blocks of its own, with their own fill, checked
 * before each is moved or freed. Its choices come from its own PRNG, seeded by the
 * operation that switches it on, so that the input's bytes stay the operations'. */
extern void (*rp_host_unmasked)(void);
#define MAX_HRAW 8
static rawblk_t hraws[MAX_HRAW];
static uint32_t hrng;
static unsigned long long handler_calls;   /* the allocator calls it made */

static uint32_t handler_next(void)
{
    hrng ^= hrng << 13;
    hrng ^= hrng >> 17;
    hrng ^= hrng << 5;
    return hrng;
}

static void fuzz_handler(void)
{
    uint32_t r = handler_next();
    if (r & 3u)
        return;
    rawblk_t *b = &hraws[(r >> 2) % MAX_HRAW];
    size_t n = (r >> 8) % 600u;
    handler_calls++;
    if (!b->p) {
        uint8_t *p = (r & 0x100000u) ? rp_calloc(1, n) : rp_malloc(n);
        if (!p)
            return;
        b->p = p;
        b->size = n;
        b->fill = (uint8_t)(r >> 24);
        fill(b, 0);
        return;
    }
    check_raw_range(b, 0, b->size);
    if (r & 0x200000u) {
        uint8_t *q = rp_realloc(b->p, n);
        if (q)
            moved(b, q, n);
        return;
    }
    rp_free(b->p);
    b->p = 0;
}

static void handler_off(void)
{
    rp_host_unmasked = 0;
    for (int i = 0; i < MAX_HRAW; i++) {
        if (hraws[i].p) {
            check_raw_range(&hraws[i], 0, hraws[i].size);
            rp_free(hraws[i].p);
        }
        hraws[i].p = 0;
    }
}

static void op_handler(void)
{
    if (rp_host_unmasked) {
        handler_off();
        return;
    }
    hrng = next32() | 1u;
    rp_host_unmasked = fuzz_handler;
}

/* Misuse: interior, misaligned, foreign pointers and double frees are refused, reported,
 * and change nothing. */
static uint64_t foreign_words[4];
static void bad_free(void)
{
    rawblk_t *r = &raws[pick(MAX_RAW)];
    rp_heap_stats_t before, after;
    rp_heap_stats(&before);
    switch (pick(4)) {
    case 0:
        rp_free((uint8_t *)foreign_words + 8);
        break;
    case 1:
        if (!r->p)
            return;
        rp_free(r->p + 1 + pick(7));   /* misaligned */
        break;
    case 2: {
        if (!r->p || r->size < 16)
            return;
#if !RP_CFG_DEBUG
        if (r->size > RP_CFG_SMALL_MAX)   /* a chunk: not every interior pointer is refused (rp_heap.h) */
            return;
#endif
        rp_free(r->p + 8 * (1 + pick((uint32_t)(r->size / 8u - 1u))));
        break;
    }
    default: {   /* double free, with nothing allocated in between */
        if (!r->p)
            return;
        uint8_t *p = r->p;
        rp_free(p);
        r->p = 0;
        rp_heap_stats(&before);
        rp_free(p);
        break;
    }
    }
    rp_heap_stats(&after);
    EXPECT(after.blocks_in_use == before.blocks_in_use, "a refused free changed the heap", 0,
           (long)before.blocks_in_use, (long)after.blocks_in_use);
}

/* With the handler paused: its blocks would change the count, and a block it got at a
 * freed address would turn the double free into a free of its block. */
static void op_bad_free(void)
{
    void (*handler)(void) = rp_host_unmasked;
    rp_host_unmasked = 0;
    bad_free();
    rp_host_unmasked = handler;
}

static void op_new_object(void)
{
    unsigned kind = pick(K_KINDS);
    rp_obj_t *o = 0;
    int64_t value = 0;
    switch (kind) {
    case K_NODE: o = rp_new(&fz_node_type); break;
    case K_DNODE: o = rp_new(&fz_dnode_type); break;
    case K_LIST: o = rp_list_new(); break;
    case K_DICT: o = rp_dict_new(); break;
    case K_INST: o = rp_instance_new(); break;
    case K_BLOB: o = rp_new(&fz_blob_type); break;
    case K_INT:
        value = chance(50) ? (int64_t)pick(600) - 50 : ((int64_t)next32() << 20) ^ next32();
        o = rp_int_from_i64(value);
        break;
    case K_STR: {
        char buf[48];
        size_t n;
        value = pick(1u << 20);
        str_bytes(value, buf, &n);
        o = chance(30) ? rp_str_intern_cstr(buf) : rp_str_new(buf, n);
        break;
    }
    case K_TUPLE: {
        int items[4];
        rp_obj_t *ptrs[4];
        unsigned n = pick(5), k;
        for (k = 0; k < n; k++) {
            items[k] = any_ent();
            if (items[k] == NO_ENT)
                break;
            ptrs[k] = ents[items[k]].o;
        }
        if (k < n)
            return;
        for (k = 0; k < n; k++)
            RP_INCREF(ptrs[k]);
        o = rp_tuple_new(n, ptrs);
        for (k = 0; k < n; k++)
            RP_DECREF(ptrs[k]);
        if (!o)
            return;
        for (k = 0; k < n; k++)
            if (!live(items[k])) {   /* a callback dropped an item's last model reference */
                RP_DECREF(o);
                return;
            }
        int i = adopt(o, K_TUPLE, 0);
        if (i == NO_ENT)
            return;
        ents[i].nedge = (uint8_t)n;
        for (k = 0; k < n; k++)
            ents[i].edge[k] = (int16_t)items[k];
        return;
    }
    default:
        break;
    }
    adopt(o, kind, value);
}

/* Stores entity `v` (or nothing) at position k of container `c`, in refpool and in the
 * model. Both are referenced for the duration: callbacks may drop roots meanwhile. */
static void op_link(void)
{
    int c = any_ent(), v = chance(85) ? any_ent() : NO_ENT;
    if (c == NO_ENT)
        return;
    ent_t *ce = &ents[c];
    rp_obj_t *co = ce->o, *vo = ptr(v);
    unsigned k = pick(MAX_EDGE);
    RP_INCREF(co);
    if (vo)
        RP_INCREF(vo);
    rp_err_t r = RP_E_OK;
    switch (ce->kind) {
    case K_NODE:
        k %= 3;
        ce->edge[k] = (int16_t)v;
        rp_slot_set(co, k, vo);
        break;
    case K_DNODE:
        k %= 6;
        if (k < 2) {
            ce->edge[k] = (int16_t)v;
            rp_slot_set(co, k, vo);
        } else if (vo) {
            r = rp_setattr(co, dnode_attr[k - 2], vo);
            if (r == RP_E_OK)
                ce->edge[k] = (int16_t)v;
        } else {
            r = rp_delattr(co, dnode_attr[k - 2]);
            EXPECT(r == (live(ce->edge[k]) ? RP_E_OK : RP_E_KEY), "delattr result", co, r, 0);
            ce->edge[k] = NO_ENT;
        }
        break;
    case K_LIST:
        if (!vo) {   /* pop */
            if (ce->nedge) {
                k %= ce->nedge;
                for (unsigned j = k; j + 1u < ce->nedge; j++)
                    ce->edge[j] = ce->edge[j + 1];
                ce->edge[--ce->nedge] = NO_ENT;
                r = rp_list_pop(co, (int32_t)k, 0);
                EXPECT(r == RP_E_OK, "list pop failed", co, r, 0);
            }
        } else if (ce->nedge < MAX_EDGE && chance(70)) {
            int ins = chance(30);
            k %= ce->nedge + 1u;
            r = ins ? rp_list_insert(co, (int32_t)k, vo) : rp_list_append(co, vo);
            if (r == RP_E_OK) {
                if (!ins)
                    k = ce->nedge;
                for (unsigned j = ce->nedge; j > k; j--)
                    ce->edge[j] = ce->edge[j - 1];
                ce->edge[k] = (int16_t)v;
                ce->nedge++;
            }
        } else if (ce->nedge) {
            k %= ce->nedge;
            ce->edge[k] = (int16_t)v;
            r = rp_list_set(co, (int32_t)k, vo);
            EXPECT(r == RP_E_OK, "list set failed", co, r, 0);
        }
        break;
    case K_DICT:
        if (vo) {
            r = rp_dict_set(co, rp_int_from_i64(k), vo);
            if (r == RP_E_OK)
                ce->edge[k] = (int16_t)v;
        } else {
            r = rp_dict_del(co, rp_int_from_i64(k));
            EXPECT(r == (live(ce->edge[k]) ? RP_E_OK : RP_E_KEY), "dict del result", co, r, 0);
            ce->edge[k] = NO_ENT;
        }
        break;
    case K_INST:
        k %= 4;
        if (vo) {
            r = rp_setattr(co, inst_attr[k], vo);
            if (r == RP_E_OK)
                ce->edge[k] = (int16_t)v;
        } else {
            r = rp_delattr(co, inst_attr[k]);
            EXPECT(r == (live(ce->edge[k]) ? RP_E_OK : RP_E_KEY), "instance delattr result", co, r, 0);
            ce->edge[k] = NO_ENT;
        }
        break;
    default:
        break;
    }
    TRACEF("link %d (kind %u) [%u] = %d: %d\n", c, ce->kind, k, v, r);
    EXPECT(r == RP_E_OK || r == RP_E_NOMEM || r == RP_E_KEY, "container operation error", co, r, ce->kind);
    if (vo)
        RP_DECREF(vo);
    RP_DECREF(co);
}

static void op_drop_root(void)
{
    int i = any_ent();
    if (i == NO_ENT || !ents[i].root)
        return;
    ents[i].root = 0;
    TRACEF("drop root %d\n", i);
    RP_DECREF(ents[i].o);
}

static void op_take_root(void)
{
    int i = any_ent();
    if (i == NO_ENT || ents[i].root)
        return;
    ents[i].root = 1;
    TRACEF("take root %d\n", i);
    RP_INCREF(ents[i].o);
}

static void op_weakref_callback(void)
{
    int i = any_ent_of(pick(2) ? K_NODE : K_DNODE);
    unsigned slot = pick(MAX_CBREF);
    if (i == NO_ENT || cbrefs[slot])
        return;
    rp_obj_t *o = hold(i);
    rp_obj_t *arg = rp_int_from_i64((int64_t)pick(1u << 16) << 8 | pick(CB_ACTIONS));
    rp_obj_t *w = rp_weakref_new(o, weak_callback, arg);
    if (w)
        EXPECT(rp_weakref_get(w) == o, "new weak reference does not return its object", w, i, 0);
    if (arg)
        RP_DECREF(arg);
    if (cbrefs[slot])
        unhold(w);
    else
        cbrefs[slot] = w;
    unhold(o);
}

static void op_drop_weakref(void)
{
    unsigned slot = pick(MAX_CBREF);
    rp_obj_t *w = cbrefs[slot];
    if (!w)
        return;
    cbrefs[slot] = 0;
    RP_DECREF(w);
}

static void op_finalize(void)
{
    int i = any_ent_of(pick(2) ? K_NODE : K_DNODE);
    if (i == NO_ENT)
        return;
    ent_t *e = &ents[i];
    switch (pick(3)) {
    case 0:
        if (!e->fin) {
            rp_obj_t *o = hold(i);
            rp_obj_t *arg = chance(70) ? rp_int_from_i64((int64_t)pick(1u << 16) << 8 | pick(CB_ACTIONS)) : 0;
            rp_obj_t *f = rp_finalize_new(o, finalize_fn, arg);
            if (arg)
                RP_DECREF(arg);
            if (f) {
                RP_INCREF(f);
                EXPECT(rp_finalize_alive(f), "new finalize is not alive", f, i, 0);
                if (e->fin)   /* a callback made one meanwhile? (none do) */
                    RP_DECREF(f);
                else
                    e->fin = f;
            }
            unhold(o);
        }
        break;
    case 1:
        if (e->fin) {
            rp_obj_t *f = e->fin;
            e->fin = 0;
            int was = rp_finalize_alive(f);
            EXPECT(rp_finalize_detach(f) == was, "finalize detach result", f, was, 0);
            EXPECT(!rp_finalize_alive(f), "finalize alive after its detach", f, 0, 0);
            RP_DECREF(f);
        }
        break;
    default:
        if (e->fin) {
            int was = rp_finalize_alive(e->fin);
            EXPECT(rp_finalize_call(e->fin) == was, "finalize call result", e->fin, was, 0);
            EXPECT(!rp_finalize_alive(e->fin), "finalize alive after its call", e->fin, 0, 0);
        }
        break;
    }
}

static void op_weak_container_on(int i, rp_obj_t *o);
static void op_weak_container(void)
{
    int i = any_ent_of(pick(2) ? K_NODE : K_DNODE);
    rp_obj_t *o = hold(i);
    op_weak_container_on(i, o);
    unhold(o);
}

static void op_weak_container_on(int i, rp_obj_t *o)
{
    unsigned k = pick(8);
    rp_err_t r;
    switch (pick(5)) {
    case 4:
        if (!wset || i == NO_ENT || !ents[i].wr)
            return;
        r = rp_weakset_discard(wset, o);
        EXPECT(r == (wset_has[i] ? RP_E_OK : RP_E_KEY), "WeakSet discard result", wset, r, wset_has[i]);
        wset_has[i] = 0;
        break;
    case 0:
        if (!wvd || i == NO_ENT)
            return;
        r = rp_weakdict_set(wvd, rp_int_from_i64(k), o);
        if (r == RP_E_OK)
            wvd_val[k] = (int16_t)i;
        else
            EXPECT(r == RP_E_NOMEM, "WeakValueDictionary set", wvd, r, 0);
        break;
    case 1:
        if (!wvd)
            return;
        r = rp_weakdict_del(wvd, rp_int_from_i64(k));
        EXPECT(r == RP_E_OK || r == RP_E_KEY, "WeakValueDictionary del", wvd, r, 0);
        wvd_val[k] = NO_ENT;
        break;
    case 2:
        if (!wset || i == NO_ENT)
            return;
        r = rp_weakset_add(wset, o);
        if (r == RP_E_OK)
            wset_has[i] = 1;
        else
            EXPECT(r == RP_E_NOMEM, "WeakSet add", wset, r, 0);
        break;
    default:
        if (!wkd || i == NO_ENT)
            return;
        r = rp_weakdict_set(wkd, o, rp_int_from_i64(k));
        if (r == RP_E_OK)
            wkd_val[i] = (int8_t)k;
        else
            EXPECT(r == RP_E_NOMEM, "WeakKeyDictionary set", wkd, r, 0);
        break;
    }
}

static void op_collect(void)
{
    int gen = (int)pick(3), full = gen == 2 && !frozen;
    unsigned before = 0;
    if (full) {
        bury_unreachable();
        before = ngraves;
    }
    rp_gc_collect(gen);
    if (full)
        check_graves_dead(before);
}

/* A bounded step of collector work (rp_gc_step): with RP_CFG_GC_INCREMENTAL a cycle left
 * running between operations, which mutate the graph under it; budget 0 ends it. Steps
 * also leave frees pending between operations (how seeds 1 and 4004 found the dead weak
 * references called back and shared again: test_weakref's regressions). A quarter of
 * them drain the pending frees alone (rp_gc_free_pending), which with budget 0 must
 * leave none. -DFUZZ_STEP_OPS=0 leaves the operation out. */
#ifndef FUZZ_STEP_OPS
#define FUZZ_STEP_OPS 1
#endif
static void op_step(void)
{
    if (pick(4)) {
        (void)rp_gc_step(pick(8) ? 1u + pick(200) : 0u);
        return;
    }
    /* The pending frees alone: all of them (budget 0 finishes a cycle that deferred
     * deaths, so that nothing is left pending) or a few. */
    uint32_t budget = pick(2) ? 0u : 1u + pick(16);
    (void)rp_gc_free_pending(budget);
    uint32_t left = rp_gc_pending(0);
    if (!budget && left)
        violation("rp_gc_free_pending(0) left objects pending", 0, (long)left, 0);
}

static void op_gc_control(void)
{
    switch (pick(8)) {
    case 0: rp_gc_set_threshold(pick(3) ? 1 + pick(40) : 700, 1 + pick(10), 1 + pick(10)); break;
    case 1: rp_gc_set_threshold(0, 10, 10); break;
    case 2: rp_gc_freeze(); frozen = 1; break;
    case 3: rp_gc_unfreeze(); frozen = 0; break;
    case 4: if (chance(30)) rp_gc_disable(); else rp_gc_enable(); break;
    case 5: {
        static rp_obj_t *buf[64];
        int i = any_ent();
        size_t cap = pick(65), total = 0, n;
        n = rp_gc_get_objects((int)pick(5) - 2, buf, cap, &total);
        EXPECT(n == (total < cap ? total : cap), "get_objects wrote other than min(cap, total)", 0, (long)n, (long)total);
        for (size_t k = 0; k < n; k++)   /* gc.get_objects() takes references to what it lists */
            RP_INCREF(buf[k]);
        for (size_t k = 0; k < n; k++)
            RP_DECREF(buf[k]);
        if (i != NO_ENT) {
            n = rp_gc_get_referrers(ents[i].o, buf, cap, &total);
            EXPECT(n == (total < cap ? total : cap), "get_referrers wrote other than min(cap, total)", 0, (long)n,
                   (long)total);
            n = rp_gc_get_referents(ents[i].o, buf, cap, &total);
            EXPECT(n == (total < cap ? total : cap), "get_referents wrote other than min(cap, total)", 0, (long)n,
                   (long)total);
        }
        break;
    }
    case 6: {   /* a legacy cycle: gc.garbage, broken by hand and cleared */
        rp_obj_t *x = rp_new(&fz_legacy_type), *y = rp_new(&fz_legacy_type);
        if (x && y) {
            rp_slot_set(x, 0, y);
            rp_slot_set(y, 0, x);
        }
        if (x)
            RP_DECREF(x);
        if (y)
            RP_DECREF(y);
        rp_gc_collect(2);
        rp_obj_t *g[16];
        size_t n = rp_gc_garbage(g, 16, 0);
        for (size_t k = 0; k < n; k++)
            if (rp_type_of(g[k]) == &fz_legacy_type)
                rp_slot_set(g[k], 0, 0);
        rp_gc_garbage_clear();
        break;
    }
    default: {   /* hash, equality, sizes of whatever lives */
        int a = any_ent(), b = any_ent();
        if (a == NO_ENT || b == NO_ENT)
            return;
        uint32_t h;
        rp_hash(ents[a].o, &h);
        int eq = rp_equal(ents[a].o, ents[b].o);
        EXPECT(eq == 0 || eq == 1 || eq == RP_E_ARG, "rp_equal result", ents[a].o, eq, 0);
        if (a == b)
            EXPECT(eq == 1, "an object not equal to itself", ents[a].o, eq, 0);
        EXPECT(rp_sys_getsizeof(ents[a].o) >= RP_HEAD_SIZE, "getsizeof", ents[a].o, 0, 0);
        EXPECT(rp_gc_is_tracked(ents[a].o) == 0 || rp_is_gc(ents[a].o), "non-GC object tracked", ents[a].o, 0, 0);
        break;
    }
    }
}

static void discard_output(const char *text, unsigned n)
{
    (void)text;
    (void)n;
}

static void op_trace(void)
{
    switch (pick(4)) {
    case 0:
        if (tracing && chance(50)) {
            rp_trace_stop();
            tracing = 0;
            have_snap[0] = have_snap[1] = 0;
        } else {
            EXPECT(rp_trace_start(1) == RP_E_OK, "trace start", 0, 0, 0);
            tracing = 1;
        }
        break;
    case 1:
    case 2: {
        if (!tracing)
            return;
        unsigned s = pick(2);
        rp_trace_group_t g = have_snap[s ^ 1u] ? snaps[s ^ 1u].group : (rp_trace_group_t)pick(2);
        rp_trace_take_snapshot(&snaps[s], snap_buf[s], 48, g, 0, 0);
        have_snap[s] = 1;
        size_t cur, peak;
        rp_trace_get_traced_memory(&cur, &peak);
        EXPECT(cur <= peak, "traced memory above its peak", 0, (long)cur, (long)peak);
        /* The handler's blocks come and go during the snapshot and after it. */
        EXPECT(rp_host_unmasked || snaps[s].total_size == cur, "snapshot total differs from traced memory", 0,
               (long)snaps[s].total_size, (long)cur);
        break;
    }
    default: {
        if (!have_snap[0] || !have_snap[1] || snaps[0].group != snaps[1].group)
            return;
        uint32_t cap = pick(129), total = 0;
        uint32_t n = rp_trace_compare_to(&snaps[1], &snaps[0], diff_buf, cap, &total);
        EXPECT(n <= cap && n == (total < cap ? total : cap), "compare_to wrote other than min(cap, groups)", 0,
               (long)n, (long)total);
        EXPECT(total <= snaps[0].n + snaps[1].n, "compare_to: more groups than two snapshots hold", 0, (long)total,
               (long)cap);
        rp_sink_t before = rp_print_set_sink(discard_output);   /* reads every entry written */
        rp_trace_print_diff(diff_buf, n, n);
        rp_print_set_sink(before);
        break;
    }
    }
}

static void op_inject(void)
{
    if (rp_heap_fail_pending())
        return;
    rp_heap_fail_nth(1 + pick(30), pick(4) == 0 ? RP_FAIL_STICKY : (pick(3) == 0 ? RP_FAIL_NO_HANDLER : 0u));
}

typedef struct op {
    const char *name;
    void (*fn)(void);
    unsigned weight;
} op_t;

static const op_t ops[] = {
    {"malloc", op_malloc, 8},       {"realloc", op_realloc, 5},
    {"free", op_free, 6},           {"bad_free", op_bad_free, 1},
    {"new_object", op_new_object, 14}, {"link", op_link, 20},
    {"drop_root", op_drop_root, 8}, {"take_root", op_take_root, 3},
    {"weakref_callback", op_weakref_callback, 5}, {"drop_weakref", op_drop_weakref, 3},
    {"finalize", op_finalize, 4},   {"weak_container", op_weak_container, 5},
    {"collect", op_collect, 4},     {"gc_control", op_gc_control, 4},
    {"trace", op_trace, 3},         {"inject", op_inject, 3},
    {"step", op_step, FUZZ_STEP_OPS ? 4u : 0u}, {"handler", op_handler, 2},
};
#define NOPS (sizeof ops / sizeof ops[0])

static const op_t *choose_op(void)
{
    static unsigned total;
    if (!total)
        for (unsigned k = 0; k < NOPS; k++)
            total += ops[k].weight;
    unsigned r = pick(total);
    for (unsigned k = 0; k < NOPS; k++) {
        if (r < ops[k].weight)
            return &ops[k];
        r -= ops[k].weight;
    }
    return &ops[0];
}

/* ---------------------------------------------------------------------------------- */
/* Sessions */

static uint64_t arena[(2u << 20) / 8u];   /* 2 MiB; a session uses part of it */
static uint32_t baseline_blocks;

static uint32_t blocks_in_use(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s.blocks_in_use;
}

static int session_begin(void)
{
    /* With 16-bit GC links a heap must end within 512 KiB of its start (rp_config.h):
     * rp_objects_init refuses a larger one, so those sessions stop at 256 KiB. */
    static const size_t sizes[] = {24u << 10, 48u << 10, 96u << 10, 256u << 10, 1u << 20, 2u << 20};
    size_t nsizes = sizeof sizes / sizeof sizes[0] - (RP_CFG_GC_LINK16 ? 2u : 0u);
    rp_region_t r = {arena, sizes[pick((uint32_t)nsizes)]};
    if (rp_heap_init(&r, 1) != RP_OK || rp_objects_init() != RP_E_OK) {
        violation("heap or objects set-up failed", arena, (long)r.size, 0);
        return 0;
    }
    memset(ents, 0, sizeof ents);
    memset(raws, 0, sizeof raws);
    memset(cbrefs, 0, sizeof cbrefs);
    memset(wset_has, 0, sizeof wset_has);
    memset(wkd_val, -1, sizeof wkd_val);
    for (int k = 0; k < 8; k++)
        wvd_val[k] = NO_ENT;
    ngraves = 0;
    frozen = tracing = 0;
    have_snap[0] = have_snap[1] = 0;
    in_callback = 0;
    gc_depth = 0;
    if (rp_gc_callback_add(gc_callback, 0) != 0)
        violation("gc callback registration failed", 0, 0, 0);
    baseline_blocks = blocks_in_use();
    wvd = rp_weakvaluedict_new();
    wkd = rp_weakkeydict_new();
    wset = rp_weakset_new();
    return 1;
}

/* Drops everything; every block must come back. */
static void session_end(void)
{
    current_op = "teardown";
    handler_off();
    check_raw_full();
    rp_heap_fail_nth(0, 0);
    if (frozen)
        rp_gc_unfreeze();
    frozen = 0;
    rp_gc_enable();
    /* callbacks run by these drops may take new weak references (CB_WEAKREF) and roots
     * may only die in the collection: until nothing is left */
    for (int again = 1; again;) {
        again = 0;
        for (unsigned s = 0; s < MAX_CBREF; s++)
            if (cbrefs[s]) {
                rp_obj_t *w = cbrefs[s];
                cbrefs[s] = 0;
                RP_DECREF(w);
                again = 1;
            }
        for (int i = 0; i < MAX_ENT; i++)
            if (ents[i].used && ents[i].root) {
                ents[i].root = 0;
                RP_DECREF(ents[i].o);
                again = 1;
            }
        rp_gc_collect(2);
    }
    for (int k = 0; k < 2; k++) {   /* the second for garbage made during the first */
        bury_unreachable();
        unsigned before = ngraves;
        rp_gc_collect(2);
        check_graves_dead(before);
    }
    EXPECT(ngraves == 0, "garbage left after two collections with nothing to make more", 0, (long)ngraves, 0);
    for (int i = 0; i < MAX_RAW; i++)
        if (raws[i].p) {
            rp_free(raws[i].p);
            raws[i].p = 0;
        }
    rp_obj_t *w[3] = {wvd, wkd, wset};
    wvd = wkd = wset = 0;
    for (int k = 0; k < 3; k++)
        if (w[k])
            RP_DECREF(w[k]);
    rp_gc_collect(2);
    rp_finalize_shutdown();
    rp_gc_collect(2);
    if (tracing)
        rp_trace_stop();
    tracing = 0;
    injected_total += rp_heap_failures_injected();
    rp_fault_t f = rp_check_all();
    if (f.rule)
        violation(f.rule, f.addr, 0, 0);
    uint32_t now = blocks_in_use();
    EXPECT(now == baseline_blocks, "blocks not given back once everything was dropped", 0, (long)now,
           (long)baseline_blocks);
}

/* Runs up to max_ops operations (or until the input ends); returns those run. */
static unsigned long long run_session(unsigned long long max_ops)
{
    sessions++;
    session_ops = 0;
    if (!pattern[1])
        for (size_t k = 0; k < sizeof pattern; k++)
            pattern[k] = (uint8_t)k;
    if (!session_begin())
        return 0;
    while (session_ops < max_ops && !in_exhausted) {
        const op_t *op = choose_op();
        if (in_exhausted)
            break;
        current_op = op->name;
        if (trace_ops)
            fprintf(stderr, "op %llu: %s\n", session_ops + 1u, op->name);
        op->fn();
        session_ops++;
        check_all();
    }
    session_end();
    ops_total += session_ops;
    return session_ops;
}

#ifdef FUZZ_LIBFUZZER

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        setenv("RP_QUIET_REPORTS", "1", 1);
        quiet = 1;
    }
    in_data = data;
    in_left = size;
    in_prng = 0;
    in_exhausted = 0;
    session_seed = 0;
    run_session(100000);
    return 0;
}

#else

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void usage(void)
{
    fprintf(stderr, "usage: fuzz_refpool [--ops N] [--seconds S] [--seed S] [--session-ops N] [--session K] [--trace]\n"
                    "  runs sessions of random operations against a shadow model until N operations or\n"
                    "  S seconds; --session K replays only session K of the seed (as a violation names it)\n");
}

int main(int argc, char **argv)
{
    unsigned long long max_ops = 0, session_len = 2000, only_session = 0;
    double seconds = 0;
    uint64_t seed = 1;
    for (int a = 1; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : 0;
        if (!strcmp(argv[a], "--ops") && v)
            max_ops = strtoull(v, 0, 0), a++;
        else if (!strcmp(argv[a], "--seconds") && v)
            seconds = strtod(v, 0), a++;
        else if (!strcmp(argv[a], "--seed") && v)
            seed = strtoull(v, 0, 0), a++;
        else if (!strcmp(argv[a], "--session-ops") && v)
            session_len = strtoull(v, 0, 0), a++;
        else if (!strcmp(argv[a], "--trace"))
            trace_ops = 1;
        else if (!strcmp(argv[a], "--session") && v)
            only_session = strtoull(v, 0, 0), a++;
        else {
            usage();
            return 2;
        }
    }
    if (!max_ops && !seconds)
        max_ops = 100000;
    if (!session_len)
        session_len = 1;
    setenv("RP_QUIET_REPORTS", "1", 1);   /* the misuse operations report by design */
    in_prng = 1;
    double t0 = now_seconds(), last_report = t0;
    unsigned long long k = 0;
    for (;;) {
        k++;
        /* each session's own seed, so that a violation can be replayed alone */
        session_seed = seed * 0x9E3779B97F4A7C15ull + k * 0xD1B54A32D192ED03ull;
        if (!session_seed)
            session_seed = 1;
        if (only_session && k != only_session)
            continue;
        prng_state = session_seed;
        unsigned long long len = session_len;
        if (max_ops && max_ops - ops_total < len)
            len = max_ops - ops_total;
        run_session(len);
        double t = now_seconds();
        if (violations || only_session || (max_ops && ops_total >= max_ops) || (seconds && t - t0 >= seconds))
            break;
        if (t - last_report >= 60.0) {
            printf("fuzz: %llu operations, %llu sessions, %llu violations, %.0f s\n", ops_total, sessions, violations,
                   t - t0);
            fflush(stdout);
            last_report = t;
        }
    }
    double dt = now_seconds() - t0;
    printf("fuzz: seed %llu: %llu operations in %llu sessions, %.1f s (%.0f operations/s), "
           "%llu callbacks (%llu gc), %llu finalizers, %llu failures injected, %llu live-object checks, "
           "%llu deaths verified, %llu handler calls; %llu violations\n",
           (unsigned long long)seed, ops_total, sessions, dt, dt > 0 ? (double)ops_total / dt : 0.0, callbacks_run,
           gc_callbacks_run, type_finalizers, injected_total, objects_verified, deaths_verified, handler_calls,
           violations);
    if (violations)
        printf("fuzz: replay with --seed %llu --session %llu --session-ops %llu\n", (unsigned long long)seed,
               sessions, session_len);
    return violations ? 1 : 0;
}

#endif
