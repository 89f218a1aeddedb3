/* test_gc.c — the cycle collector: the seeds' examples, finalizers, thresholds, the gc
 * module's functions, and a randomized test against a reference reachability model. */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_port.h"
#include "rp_test.h"
#include "rp_trace.h"
#include "rp_weakref.h"

/* gc.get_objects(generation) and gc.garbage as counts: buf NULL counts (rp_gc.h). */
static size_t count_objects(int generation)
{
    size_t n;
    rp_gc_get_objects(generation, 0, 0, &n);
    return n;
}

static size_t count_garbage(void)
{
    size_t n;
    rp_gc_garbage(0, 0, &n);
    return n;
}

static uint8_t RP_TYPE_NUMBER(node);
static const char *const node_names[] = {"ref", "prev", "next"};
static const rp_type_t node_type = {
    .name = "Node", .number = &node_number, .slot_names = node_names, .nslots = 3, .flags = RP_TYPE_GC,
};
enum { REF = 0, PREV = 1, NEXT = 2 };

static unsigned finalized;
static rp_obj_t *resurrected;
static int resurrect, make_cycle_in_finalizer;

static rp_obj_t *node(void) { return rp_new(&node_type); }

static void link_pair(rp_obj_t *a, rp_obj_t *b)
{
    rp_slot_set(a, REF, b);
    rp_slot_set(b, REF, a);
}

static void del_finalize(rp_obj_t *o)
{
    finalized++;
    if (resurrect && !resurrected) {
        RP_INCREF(o);
        resurrected = o;
    }
    if (make_cycle_in_finalizer) {
        make_cycle_in_finalizer = 0;
        rp_obj_t *a = node(), *b = node();
        link_pair(a, b);
        RP_DECREF(a);
        RP_DECREF(b);
    }
}

static uint8_t RP_TYPE_NUMBER(del);
static const rp_type_t del_type = {
    .name = "WithDel", .number = &del_number, .slot_names = node_names, .nslots = 1, .flags = RP_TYPE_GC,
    .finalize = del_finalize,
};

static uint8_t RP_TYPE_NUMBER(legacy);
static const rp_type_t legacy_type = {
    .name = "Legacy", .number = &legacy_number, .slot_names = node_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_LEGACY_FINALIZER,
};

/* A tuple-like type: untrackable when it holds no tracked object. */
static int holds_only_untracked(rp_obj_t *o)
{
    for (unsigned i = 0; i < 3; i++) {
        rp_obj_t *c = rp_slot(o, i);
        if (c && rp_gc_is_tracked(c))
            return 0;
    }
    return 1;
}

static uint8_t RP_TYPE_NUMBER(tup);
static const rp_type_t tup_type = {
    .name = "Tup", .number = &tup_number, .slot_names = node_names, .nslots = 3, .flags = RP_TYPE_GC,
    .untrackable = holds_only_untracked,
};

/* A clear hook that keeps the reference while the object lives (CPython's tuples have
 * no tp_clear at all): such an object survives the collector's clear, and drops its
 * reference only in its own deallocation. */
static void keeper_clear(rp_obj_t *o)
{
    if (rp_refcnt(o) == 0)
        rp_slot_set(o, REF, 0);
}

static uint8_t RP_TYPE_NUMBER(keeper);
static const rp_type_t keeper_type = {
    .name = "Keeper", .number = &keeper_number, .slot_names = node_names, .nslots = 1, .flags = RP_TYPE_GC,
    .clear = keeper_clear,
};

/* A node with its own traverse and clear hooks, doing what the defaults do. */
static void hooks_traverse(rp_obj_t *o, rp_visit_t visit, void *arg)
{
    for (unsigned i = 0; i < 3; i++)
        if (rp_slot(o, i))
            visit(rp_slot(o, i), arg);
}

static void hooks_clear(rp_obj_t *o)
{
    for (unsigned i = 0; i < 3; i++)
        rp_slot_set(o, i, 0);
}

static uint8_t RP_TYPE_NUMBER(hnode);
static const rp_type_t hnode_type = {
    .name = "HNode", .number = &hnode_number, .slot_names = node_names, .nslots = 3, .flags = RP_TYPE_GC,
    .traverse = hooks_traverse, .clear = hooks_clear,
};

static void fresh(void)
{
    rp_test_fresh_objects();
    finalized = 0;
    resurrect = 0;
    resurrected = 0;
    make_cycle_in_finalizer = 0;
}

#define all_back() RP_ALL_BACK()
#define blocks() rp_test_blocks()
#define baseline rp_test_baseline()

/* Seed: a.ref = b; b.ref = a; del a, b — counts stay 1, only the collector frees them. */
static void test_two_node_cycle(void)
{
    fresh();
    rp_obj_t *a = node(), *b = node();
    link_pair(a, b);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 3);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_CHECK_EQ(blocks(), baseline + 2);
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    all_back();
    RP_CHECK_EQ(rp_gc_collect(2), 0);
}

/* Seed: three nodes in a ring through prev/next. */
static void test_three_node_ring(void)
{
    fresh();
    rp_obj_t *n[3];
    for (int i = 0; i < 3; i++)
        n[i] = node();
    for (int i = 0; i < 3; i++) {
        rp_slot_set(n[i], NEXT, n[(i + 1) % 3]);
        rp_slot_set(n[(i + 1) % 3], PREV, n[i]);
    }
    RP_CHECK_EQ(rp_sys_getrefcount(n[0]), 4);
    RP_CHECK_EQ(rp_gc_collect(2), 0);   /* still referenced from here */
    for (int i = 0; i < 3; i++)
        RP_DECREF(n[i]);
    RP_CHECK_EQ(rp_gc_collect(2), 3);
    all_back();
}

static void test_reachable_from_outside_survives(void)
{
    fresh();
    rp_obj_t *root = node(), *a = node(), *b = node();
    link_pair(a, b);
    rp_slot_set(root, NEXT, a);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_CHECK_EQ(rp_gc_collect(0), 0);
    RP_CHECK_EQ(rp_gc_collect(2), 0);
    RP_CHECK_EQ(blocks(), baseline + 3);
    rp_slot_set(root, NEXT, 0);
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    RP_DECREF(root);
    all_back();
}

/* Objects the collector sets aside before it meets the object that reaches them: a chain
 * c3 <- c2 <- c1 <- head, created in that order so that all three come before head in
 * the young list, and a garbage pair in between. Only the pair is collected; the chain
 * comes back whole, and dies by reference counting when head does. */
static void test_set_aside_then_reached(void)
{
    fresh();
    rp_obj_t *c3 = node(), *c2 = node(), *g1 = node(), *g2 = node(), *c1 = node(), *head = node();
    rp_slot_set(c2, REF, c3);
    rp_slot_set(c1, REF, c2);
    rp_slot_set(head, REF, c1);
    rp_slot_set(c3, NEXT, c1);   /* a cycle inside the chain, so counting alone frees nothing */
    link_pair(g1, g2);
    RP_DECREF(c3);
    RP_DECREF(c2);
    RP_DECREF(c1);
    RP_DECREF(g1);
    RP_DECREF(g2);
    RP_CHECK_EQ(rp_gc_collect(0), 2);
    RP_CHECK(!rp_gc_check().rule);
    RP_HEAP_OK();
    RP_CHECK_EQ(blocks(), baseline + 4);
    RP_CHECK(rp_slot(head, REF) == c1 && rp_slot(c1, REF) == c2 && rp_slot(c2, REF) == c3);
    RP_CHECK_EQ(rp_refcnt(c1), 2);
    RP_CHECK_EQ(rp_refcnt(c3), 1);
    rp_obj_t *gen1[8];
    RP_CHECK_EQ(rp_gc_get_objects(1, gen1, 8, 0), 4);   /* survivors moved on, as a list */
    RP_CHECK_EQ(rp_gc_get_objects(0, gen1, 8, 0), 0);
    RP_DECREF(head);
    RP_CHECK_EQ(rp_gc_collect(2), 3);   /* c1, c2, c3: a cycle once head is gone */
    all_back();
}

/* Garbage spread over several pools and the chunk heap (objects larger than the pool
 * classes), collected with and without tracing: the collector frees pool blocks in runs
 * per pool and everything else one by one, and the heap holds its invariants after. */
static uint8_t RP_TYPE_NUMBER(big);
static const char *const big_names[] = {"ref"};
static const rp_type_t big_type = {
    .name = "Big", .number = &big_number, .slot_names = big_names, .nslots = 1, .nbytes = 96,
    .flags = RP_TYPE_GC,
};

static void drop_mixed_rings(unsigned rings)
{
    for (unsigned r = 0; r < rings; r++) {
        rp_obj_t *a = node(), *b = rp_new(&big_type), *c = node();
        rp_slot_set(a, REF, b);
        rp_slot_set(b, 0, c);
        rp_slot_set(c, REF, a);
        RP_DECREF(a);
        RP_DECREF(b);
        RP_DECREF(c);
    }
}

static uint32_t free_bytes(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s.free_bytes;
}

static void test_garbage_in_runs(void)
{
    fresh();
    rp_gc_disable();
    /* Rings until half the free chunk space is taken (pools included), so that the test
     * fits whatever heap a board leaves (24 rings, about 4 KB, once filled the micro:bit's
     * and 512 more bytes of test data broke it), at most 1000 so that it stays quick. */
    uint32_t start = free_bytes();
    unsigned rings = 0;
    while (rings < 1000u && free_bytes() > start / 2u) {
        drop_mixed_rings(1);
        rings++;
    }
    RP_CHECK(rings >= 4u);
    RP_CHECK_EQ(rp_gc_collect(0), 3u * rings);
    all_back();
    RP_CHECK(rp_trace_start(1) == RP_E_OK);
    unsigned traced = rings < 8u ? rings : 8u;   /* 24 records: the micro:bit's table holds 48 */
    drop_mixed_rings(traced);
    size_t cur, peak, before;
    rp_trace_get_traced_memory(&cur, &peak);
    before = cur;
    RP_CHECK(cur > 0);
    RP_CHECK_EQ(rp_gc_collect(0), 3u * traced);
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK_EQ(cur, 0u);   /* every free was traced */
    RP_CHECK(peak >= before);
    rp_trace_stop();
    rp_gc_enable();
    all_back();
}

/* Two objects with finalizers referring to each other, dropped: garbage in a cycle. */
static void drop_del_cycle(void)
{
    rp_obj_t *a = rp_new(&del_type), *b = rp_new(&del_type);
    rp_slot_set(a, 0, b);
    rp_slot_set(b, 0, a);
    RP_DECREF(a);
    RP_DECREF(b);
}

/* Seed: objects with __del__ in a cycle are collected (PEP 442), each finalized once. */
static void test_finalizers_in_a_cycle(void)
{
    fresh();
    drop_del_cycle();
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    RP_CHECK_EQ(finalized, 2);
    all_back();
}

static void test_resurrection(void)
{
    fresh();
    resurrect = 1;
    drop_del_cycle();
    rp_gc_collect(2);
    RP_CHECK_EQ(finalized, 2);
    RP_CHECK(resurrected != 0);
    /* The resurrected object and everything it reaches survive. */
    RP_CHECK_EQ(blocks(), baseline + 2);
    RP_CHECK(rp_gc_is_finalized(resurrected));
    RP_CHECK(rp_gc_is_tracked(resurrected));
    RP_CHECK(!rp_gc_check().rule);
    rp_obj_t *r = resurrected;
    RP_DECREF(r);   /* back to a garbage cycle; finalizers do not run again */
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    RP_CHECK_EQ(finalized, 2);
    all_back();
}

static void test_finalizer_creates_new_cycle(void)
{
    fresh();
    make_cycle_in_finalizer = 1;
    drop_del_cycle();
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    RP_CHECK_EQ(blocks(), baseline + 2);   /* the new cycle */
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    all_back();
}

/* Objects a finalizer makes are young, outside the set the collection is examining: the
 * recount after the finalizers (step 9) must not count references to them into their
 * links, and they die with the garbage that holds them. */
static rp_obj_t *adopted[2];
static unsigned nadopted;

static void adopt_finalize(rp_obj_t *o)
{
    rp_obj_t *c = node();
    rp_slot_set(o, NEXT, c);   /* the garbage refers to it */
    adopted[nadopted++] = c;   /* and so do we: it outlives the garbage */
}

static uint8_t RP_TYPE_NUMBER(adopter);
static const rp_type_t adopter_type = {
    .name = "Adopter", .number = &adopter_number, .slot_names = node_names, .nslots = 3, .flags = RP_TYPE_GC,
    .finalize = adopt_finalize,
};

static void test_finalizer_adopts_new_objects(void)
{
    fresh();
    nadopted = 0;
    rp_obj_t *a = rp_new(&adopter_type), *b = rp_new(&adopter_type);
    link_pair(a, b);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_CHECK_EQ(rp_gc_collect(0), 2);
    RP_CHECK_EQ(nadopted, 2);
    RP_CHECK(!rp_gc_check().rule);
    for (unsigned i = 0; i < nadopted; i++) {
        RP_CHECK(rp_gc_is_tracked(adopted[i]) && rp_refcnt(adopted[i]) == 1);
        RP_DECREF(adopted[i]);
    }
    all_back();
}


/* A finalizer that makes a young object and then lets another garbage object die: the
 * one that dies had its collector flags cleared already (finalize_garbage clears them as
 * it goes) but is no member of generation 0, so with incremental collection its untracking
 * must not count generation 0 down (count 0 is generation 0's length, rp_gc_check; it
 * did, and the collection left count 0 at 0 with the new object in generation 0). */
static rp_obj_t *made_in_finalizer;

static void make_then_drop_finalize(rp_obj_t *o)
{
    made_in_finalizer = node();   /* young and tracked */
    rp_slot_set(o, REF, 0);       /* the other garbage object's last reference */
}

static uint8_t RP_TYPE_NUMBER(dropper);
static const rp_type_t dropper_type = {
    .name = "Dropper", .number = &dropper_number, .slot_names = node_names, .nslots = 1, .flags = RP_TYPE_GC,
    .finalize = make_then_drop_finalize,
};

static void test_finalizer_drop_keeps_young_count(void)
{
    fresh();
    made_in_finalizer = 0;
    rp_obj_t *a = node(), *b = rp_new(&dropper_type);   /* a first: finalized (flags cleared) first */
    link_pair(a, b);
    RP_DECREF(a);
    RP_DECREF(b);
    (void)rp_gc_collect(0);
    RP_CHECK(made_in_finalizer != 0);
    rp_fault_t f = rp_gc_check();
    RP_CHECK(f.rule == 0);
    if (f.rule)
        rp_printf("  checker: %s\n", f.rule);
    RP_CHECK(rp_gc_is_tracked(made_in_finalizer));
    RP_DECREF(made_in_finalizer);
    all_back();
}

/* Defect 4 (issue 15): an object that dies in a refzero cascade (dropped by another
 * object's deallocation, so it waits on the queue, off its generation list) and whose
 * finalizer resurrects it is tracked again, as CPython re-tracks it around tp_finalize:
 * a cycle made through it later is collected. An untracked one stays untracked. */
static void test_cascade_resurrection_stays_tracked(void)
{
    fresh();
    resurrect = 1;
    rp_obj_t *holder = node(), *d = rp_new(&del_type);
    rp_slot_set(holder, REF, d);
    RP_DECREF(d);
    RP_DECREF(holder);   /* holder dies first; d dies in the cascade and resurrects */
    RP_CHECK_EQ(finalized, 1);
    RP_CHECK(resurrected == d);
    RP_CHECK(rp_gc_is_tracked(d));
    RP_ALL_OK();
    rp_slot_set(d, 0, d);   /* a self-cycle through the resurrected object */
    resurrected = 0;
    RP_DECREF(d);
    RP_CHECK_EQ(rp_gc_collect(2), 1);
    RP_CHECK_EQ(finalized, 1);   /* PEP 442: not again */
    all_back();

    /* Untracked before it died: untracked after. */
    holder = node();
    d = rp_new(&del_type);
    rp_gc_untrack(d);
    rp_slot_set(holder, REF, d);
    RP_DECREF(d);
    RP_DECREF(holder);
    RP_CHECK(resurrected == d);
    RP_CHECK(!rp_gc_is_tracked(d));
    RP_ALL_OK();
    resurrected = 0;
    RP_DECREF(d);
    all_back();
}

/* Defect 5 (issue 15), CPython's test_weakref FinalizeTestCase.test_atexit: a finalize
 * registered by a finalizer that runs at shutdown runs next; one with atexit off does not
 * run; the rest run newest first. */
static char exit_order[8];
static unsigned exit_n;
static rp_obj_t *exit_obj;

static void record_exit(rp_obj_t *tag)
{
    int64_t v = 0;
    rp_int_as_i64(tag, &v);
    if (exit_n < sizeof exit_order - 1)
        exit_order[exit_n++] = (char)('0' + v);
}

static void register_at_exit(rp_obj_t *tag)
{
    record_exit(tag);
    RP_CHECK(rp_finalize_new(exit_obj, record_exit, rp_int_from_i32(5)) != 0);   /* g1 */
}

static void test_finalize_registered_at_shutdown_runs(void)
{
    fresh();
    exit_n = 0;
    exit_obj = rp_instance_new();
    rp_obj_t *f1 = rp_finalize_new(exit_obj, record_exit, rp_int_from_i32(1));
    rp_obj_t *f2 = rp_finalize_new(exit_obj, record_exit, rp_int_from_i32(2));
    rp_obj_t *f3 = rp_finalize_new(exit_obj, register_at_exit, rp_int_from_i32(3));
    rp_obj_t *f4 = rp_finalize_new(exit_obj, record_exit, rp_int_from_i32(4));
    RP_CHECK(f1 && f2 && f3 && f4);
    rp_finalize_set_atexit(f2, 0);
    rp_finalize_shutdown();
    exit_order[exit_n] = 0;
    RP_CHECK_STR(exit_order, "4351");
    RP_CHECK_EQ(exit_n, 4);
    RP_CHECK(rp_finalize_alive(f2));
    RP_CHECK(rp_finalize_call(f2));
    RP_DECREF(exit_obj);
    all_back();
}

/* Defect 14 (issue 15): deallocation never recurses, for every kind of object. A chain in
 * which each object's death drops the next one — from its finalizer, or as the argument
 * of a weak reference's callback — is freed with constant stack. Objects that run code
 * when they die must be GC objects (their links queue them): untracked ones stand for
 * CPython's non-GC objects, and a type that is not a GC type but has a finalizer or is
 * weak-referenceable is refused. */
static uintptr_t stack_lo, stack_hi;
static unsigned chain_deaths;

static void note_stack(void)
{
    volatile uint8_t here = 0;
    uintptr_t a = (uintptr_t)&here;
    if (!stack_lo || a < stack_lo)
        stack_lo = a;
    if (a > stack_hi)
        stack_hi = a;
    chain_deaths++;
}

static rp_obj_t **chain;
static uint32_t chain_len;

static void drop_next(rp_obj_t *o)
{
    note_stack();
    uint32_t i = *(uint32_t *)rp_body(o);
    if (i + 1 < chain_len && chain[i + 1]) {
        rp_obj_t *next = chain[i + 1];
        chain[i + 1] = 0;
        RP_DECREF(next);
    }
}

static void chain_callback(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)ref;
    (void)arg;
    note_stack();   /* arg, the next object, dies when the callback returns */
}

static uint8_t RP_TYPE_NUMBER(chainfin);
static const rp_type_t chainfin_type = {
    .name = "ChainFin", .number = &chainfin_number, .nbytes = 4, .flags = RP_TYPE_GC, .finalize = drop_next,
};
static uint8_t RP_TYPE_NUMBER(chainweak);
static const rp_type_t chainweak_type = {
    .name = "ChainWeak", .number = &chainweak_number, .nbytes = 4, .flags = RP_TYPE_GC | RP_TYPE_WEAKREF,
};
static uint8_t RP_TYPE_NUMBER(nongcfin);
static const rp_type_t nongcfin_type = {
    .name = "NonGCFin", .number = &nongcfin_number, .nbytes = 4, .finalize = drop_next,
};
static uint8_t RP_TYPE_NUMBER(nongcweak);
static const rp_type_t nongcweak_type = {
    .name = "NonGCWeak", .number = &nongcweak_number, .nbytes = 4, .flags = RP_TYPE_WEAKREF,
};

/* Links that fit the heap: at most 5000, at least 16 (microbit). */
static uint32_t chain_links(size_t per_link)
{
    size_t mem;
    (void)rp_test_memory(&mem);
    size_t n = mem / 2 / per_link;
    return n > 5000 ? 5000 : (uint32_t)n;
}

static void run_chain(const rp_type_t *t, int weak)
{
    fresh();
    uint32_t n = chain_links(weak ? 96 : 48);
    RP_CHECK(n >= 16);
    chain = rp_malloc(n * sizeof *chain);
    rp_obj_t **refs = weak ? rp_malloc(n * sizeof *refs) : 0;
    RP_CHECK(chain && (refs || !weak));
    if (!chain || (weak && !refs))
        return;
    chain_len = n;
    for (uint32_t i = 0; i < n; i++) {
        chain[i] = rp_obj_alloc(t, 4);   /* untracked */
        RP_CHECK(chain[i] != 0);
        if (!chain[i])
            return;
        *(uint32_t *)rp_body(chain[i]) = i;
    }
    if (weak) {   /* the weak reference to i holds i+1 as its callback's argument */
        for (uint32_t i = 0; i < n; i++) {
            refs[i] = rp_weakref_new(chain[i], chain_callback, i + 1 < n ? chain[i + 1] : 0);
            RP_CHECK(refs[i] != 0);
        }
        for (uint32_t i = 1; i < n; i++) {
            RP_DECREF(chain[i]);
            chain[i] = 0;
        }
    }
    stack_lo = stack_hi = 0;
    chain_deaths = 0;
    rp_obj_t *first = chain[0];
    chain[0] = 0;
    RP_DECREF(first);
    (void)rp_gc_free_pending(0);   /* what the bounded DECREF left pending (RP_CFG_FREE_BUDGET) */
    RP_CHECK_EQ(chain_deaths, n);
    rp_printf("  %s chain of %u: %u bytes of stack\n", t->name, (unsigned)n, (unsigned)(stack_hi - stack_lo));
    RP_CHECK(stack_hi - stack_lo < 512);
    if (weak)
        for (uint32_t i = 0; i < n; i++)
            RP_DECREF(refs[i]);
    rp_free(refs);
    rp_free(chain);
    all_back();
}

static void test_chain_release_constant_stack(void)
{
    run_chain(&chainfin_type, 0);
    run_chain(&chainweak_type, 1);
    fresh();
    RP_CHECK_EQ(rp_type_ready(&nongcfin_type), RP_E_ARG);
    RP_CHECK_EQ(rp_type_ready(&nongcweak_type), RP_E_ARG);
    if (rp_type_ready(&nongcfin_type) == RP_E_OK)
        run_chain(&nongcfin_type, 0);
    if (rp_type_ready(&nongcweak_type) == RP_E_OK)
        run_chain(&nongcweak_type, 1);
}


/* Re-entrancy (rp_gc.h): what a gc callback and a finalizer may do. Each does all of it:
 * allocate (with threshold 1, so that an allocation would start a collection), free
 * (drop an object it made and one the test left for it), create and drop weak
 * references, and call rp_gc_collect, which returns 0 and collects nothing inside a
 * collection (CPython's gc.collect there) and collects outside one. */
static rp_obj_t *victim;
static uint32_t nested_result;
static unsigned nested_calls;
static int in_gc_callback, in_dealloc;
static rp_obj_t *late_wr;

static int freed_at_once(void) { return !in_dealloc; }

/* The weak reference the last do_everything made: its referent is dead by now. */
static void check_late_wr(void)
{
    RP_CHECK(late_wr && rp_weakref_get(late_wr) == 0);
    if (late_wr)
        RP_DECREF(late_wr);
    late_wr = 0;
}

static void do_everything(void)
{
    nested_calls++;
    rp_obj_t *made = node(), *other = rp_instance_new();
    RP_CHECK(made && other);
    rp_slot_set(made, REF, other);
    rp_obj_t *wr = rp_weakref_new(other, 0, 0);
    RP_CHECK(wr && rp_weakref_get(wr) == other);
    RP_DECREF(other);
    RP_DECREF(made);
    /* Freed at once in a collection; inside a deallocation (a finalizer run by a count
     * reaching zero) once that returns to its loop: checked by the test afterwards. */
    if (freed_at_once())
        RP_CHECK(rp_weakref_get(wr) == 0);
    if (late_wr)
        RP_DECREF(late_wr);
    late_wr = wr;
    if (victim) {
        rp_obj_t *v = victim;
        victim = 0;
        RP_DECREF(v);
    }
    rp_gc_stats_t before, after;
    rp_gc_get_stats(&before);
    nested_result = rp_gc_collect(2);
    rp_gc_get_stats(&after);
    if (in_gc_callback || nested_result == 0)
        RP_CHECK_EQ(after.gen[2].collections, before.gen[2].collections);   /* refused: no collection */
}

static void busy_callback(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable, void *arg)
{
    (void)phase;
    (void)gen;
    (void)collected;
    (void)uncollectable;
    (void)arg;
    in_gc_callback = 1;
    do_everything();
    RP_CHECK_EQ(nested_result, 0);
    in_gc_callback = 0;
}

static void busy_finalize(rp_obj_t *o)
{
    (void)o;
    do_everything();
}

static uint8_t RP_TYPE_NUMBER(busy);
static const rp_type_t busy_type = {
    .name = "Busy", .number = &busy_number, .slot_names = node_names, .nslots = 1, .flags = RP_TYPE_GC,
    .finalize = busy_finalize,
};

static void test_reentrancy_gc_callback(void)
{
    fresh();
    rp_obj_t *a = node(), *b = node();
    link_pair(a, b);
    victim = node();
    RP_DECREF(a);
    RP_DECREF(b);
    rp_gc_set_threshold(1, 10, 10);
    RP_CHECK_EQ(rp_gc_callback_add(busy_callback, 0), 0);
    nested_calls = 0;
    RP_CHECK_EQ(rp_gc_collect(2), 2);   /* the pair; the callback's own objects died by count */
    RP_CHECK_EQ(nested_calls, 2);       /* start and stop */
    RP_CHECK(victim == 0);
    check_late_wr();
    RP_CHECK_EQ(rp_gc_callback_remove(busy_callback, 0), 0);
    rp_gc_collect(2);
    all_back();
}

static void test_reentrancy_finalizer(void)
{
    /* In a collection: the nested collect is refused. */
    fresh();
    rp_obj_t *a = rp_new(&busy_type), *b = rp_new(&busy_type);
    rp_slot_set(a, 0, b);
    rp_slot_set(b, 0, a);
    victim = node();
    RP_DECREF(a);
    RP_DECREF(b);
    rp_gc_set_threshold(1, 10, 10);
    nested_calls = 0;
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    RP_CHECK_EQ(nested_calls, 2);
    RP_CHECK_EQ(nested_result, 0);
    RP_CHECK(victim == 0);
    check_late_wr();
    rp_gc_collect(2);
    all_back();

    /* Run by a count reaching zero, outside any collection: the collect runs, and finds
     * the garbage cycle waiting. */
    fresh();
    nested_calls = 0;
    rp_gc_disable();
    rp_obj_t *x = node(), *y = node();
    link_pair(x, y);
    RP_DECREF(x);
    RP_DECREF(y);
    a = rp_new(&busy_type);
    in_dealloc = 1;
    RP_DECREF(a);
    in_dealloc = 0;
    RP_CHECK_EQ(nested_calls, 1);
    RP_CHECK_EQ(nested_result, 2);
    check_late_wr();
    rp_gc_enable();
    all_back();
}

/* rp_gc_collect returns 0 for "nothing found" and for "refused" alike (CPython's nested
 * gc.collect returns 0); the stats tell them apart. */
static void test_collect_refused_returns_zero(void)
{
    fresh();
    rp_gc_stats_t st;
    RP_CHECK_EQ(rp_gc_collect(2), 0);   /* nothing found: a collection counted */
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(st.gen[2].collections, 1);
    RP_CHECK_EQ(rp_gc_collect(3), 0);   /* refused: no such generation */
    RP_CHECK_EQ(rp_gc_collect(-1), 0);
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(st.gen[2].collections, 1);
    all_back();
}

static int in_either(rp_obj_t **g, rp_obj_t *a, rp_obj_t *b)
{
    return (g[0] == a && g[1] == b) || (g[0] == b && g[1] == a);
}

static void test_legacy_finalizer_goes_to_garbage(void)
{
    fresh();
    rp_obj_t *a = rp_new(&legacy_type), *b = node();
    rp_slot_set(a, 0, b);
    rp_slot_set(b, REF, a);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_CHECK_EQ(rp_gc_collect(2), 2);   /* collected + uncollectable */
    rp_gc_stats_t st;
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(st.gen[2].uncollectable, 2);
    RP_CHECK_EQ(st.gen[2].collected, 0);
    rp_obj_t *g[4];
    RP_CHECK_EQ(rp_gc_garbage(g, 4, 0), 1);   /* only the object with the legacy finalizer (CPython) */
    RP_CHECK(g[0] == a);
    RP_CHECK(rp_gc_is_tracked(b) && rp_gc_get_objects(2, g, 4, 0) == 1 && g[0] == b);   /* kept, by a */
    RP_CHECK(!rp_gc_check().rule);
    rp_slot_set(b, REF, 0);   /* the program breaks the cycle by hand, then clears gc.garbage */
    rp_gc_garbage_clear();
    RP_CHECK_EQ(rp_gc_garbage(g, 4, 0), 0);
    all_back();

    /* With DEBUG_SAVEALL, gc.garbage takes everything the legacy finalizer keeps. */
    a = rp_new(&legacy_type);
    b = node();
    rp_slot_set(a, 0, b);
    rp_slot_set(b, REF, a);
    RP_DECREF(a);
    RP_DECREF(b);
    rp_gc_set_debug(RP_GC_DEBUG_SAVEALL);
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    rp_gc_set_debug(0);
    RP_CHECK_EQ(rp_gc_garbage(g, 4, 0), 2);
    RP_CHECK(in_either(g, a, b));
    RP_CHECK(!rp_gc_check().rule);
    rp_slot_set(b, REF, 0);
    rp_gc_garbage_clear();
    all_back();
}

/* count0 counts tracked allocations minus deallocations; generation 0 is collected on
 * the allocation that takes it past threshold 0. */
/* Garbage that survives its clear moves to the oldest generation, still counted as
 * collected (CPython's delete_garbage); garbage that dies is freed whatever the order of
 * the clears. */
static void test_garbage_surviving_its_clear(void)
{
    fresh();
    rp_obj_t *a = rp_new(&keeper_type), *b = rp_new(&keeper_type);
    link_pair(a, b);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_CHECK_EQ(rp_gc_collect(0), 2);
    RP_CHECK(rp_gc_is_tracked(a) && rp_gc_is_tracked(b));
    rp_obj_t *objs[4];
    RP_CHECK_EQ(rp_gc_get_objects(1, objs, 4, 0), 2);
    RP_CHECK(!rp_gc_check().rule);
    RP_INCREF(a);
    rp_slot_set(a, REF, 0);   /* the program breaks the cycle: b dies, dropping a */
    RP_CHECK_EQ(rp_sys_getrefcount(a), 2);
    RP_DECREF(a);
    all_back();

    for (int keeper_first = 0; keeper_first < 2; keeper_first++) {
        rp_obj_t *k = keeper_first ? rp_new(&keeper_type) : 0, *x = node();
        if (!k)
            k = rp_new(&keeper_type);
        link_pair(k, x);
        RP_DECREF(k);
        RP_DECREF(x);
        RP_CHECK_EQ(rp_gc_collect(2), 2);
        all_back();
    }
}

/* Garbage drops every reference it holds to what is not garbage: an older object, a
 * young reachable one, an immortal, and an object only the garbage held (which dies, and
 * drops its own reference in turn); with default hooks (the collector's shorter path)
 * and with the type's own. */
static void test_garbage_drops_its_references(void)
{
    for (int hooks = 0; hooks < 2; hooks++) {
        fresh();
        const rp_type_t *t = hooks ? &hnode_type : &node_type;
        rp_obj_t *old = node();
        rp_gc_collect(2);
        rp_obj_t *young = node(), *only = node();
        rp_slot_set(only, REF, young);
        rp_obj_t *a = rp_new(t), *b = rp_new(t);
        link_pair(a, b);
        rp_slot_set(a, PREV, old);
        rp_slot_set(a, NEXT, young);
        rp_slot_set(b, PREV, only);
        rp_slot_set(b, NEXT, rp_none());
        RP_DECREF(only);
        RP_DECREF(a);
        RP_DECREF(b);
        RP_CHECK_EQ(rp_sys_getrefcount(young), 4);
        RP_CHECK_EQ(rp_gc_collect(0), 3);   /* a, b, and `only`, which they alone held */
        RP_CHECK_EQ(rp_sys_getrefcount(old), 2);
        RP_CHECK_EQ(rp_sys_getrefcount(young), 2);
        RP_CHECK(!rp_gc_check().rule);
        RP_DECREF(old);
        RP_DECREF(young);
        all_back();
    }
    /* The one reference leaving the garbage goes to a young object that is referred to
     * from outside as well: only its count, above its gc_refs, shows that. */
    fresh();
    rp_obj_t *young = node(), *a = node(), *b = node();
    link_pair(a, b);
    rp_slot_set(a, PREV, young);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_CHECK_EQ(rp_gc_collect(0), 2);
    RP_CHECK_EQ(rp_sys_getrefcount(young), 2);
    /* ... or to one that only a reachable young object refers to besides. */
    rp_obj_t *holder = node();
    a = node();
    b = node();
    link_pair(a, b);
    rp_slot_set(holder, REF, young);
    rp_slot_set(a, PREV, young);
    RP_DECREF(young);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_CHECK_EQ(rp_gc_collect(0), 2);
    RP_CHECK_EQ(rp_sys_getrefcount(young), 2);
    RP_DECREF(holder);
    all_back();
}

static void test_thresholds_fire_at_documented_counts(void)
{
    fresh();
    uint32_t t[3], c[3];
    rp_gc_get_threshold(t);
    RP_CHECK(t[0] == 700 && t[1] == 10 && t[2] == 10);
    rp_gc_set_threshold(10, 2, 2);
    rp_obj_t *keep[12];
    for (int i = 0; i < 10; i++)
        keep[i] = node();
    rp_gc_get_count(c);
    RP_CHECK_EQ(c[0], 10);
    rp_gc_stats_t st;
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(st.gen[0].collections, 0);
    keep[10] = node();   /* the 11th: count 11 > 10, so it collects before allocating */
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(st.gen[0].collections, 1);
    rp_gc_get_count(c);
    /* With incremental collection count 0 counts generation 0, which holds the 11th
     * (rp_gc.h); CPython's count is of allocations since the collection. */
    const uint32_t young = RP_CFG_GC_INCREMENTAL;
    RP_CHECK_EQ(c[0], young);
    RP_CHECK_EQ(c[1], 1);
    /* The survivors were promoted; the new object is young. */
    RP_CHECK_EQ(count_objects(1), 10);
    RP_CHECK_EQ(count_objects(0), 1);
    keep[11] = node();
    rp_gc_get_count(c);
    RP_CHECK_EQ(c[0], young + 1);
    RP_DECREF(keep[0]);
    rp_gc_get_count(c);
#if RP_CFG_GC_INCREMENTAL   /* count 0 counts generation 0: keep[0] was promoted (rp_gc.h) */
    RP_CHECK_EQ(c[0], 2);
#else
    RP_CHECK_EQ(c[0], 0);   /* deallocation counts down */
#endif
    /* Threshold 0 disables automatic collection. */
    rp_gc_set_threshold(0, 2, 2);
    rp_obj_t *more[30];
    for (int i = 0; i < 30; i++)
        more[i] = node();
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(st.gen[0].collections, 1);
    for (int i = 0; i < 30; i++)
        RP_DECREF(more[i]);
    for (int i = 1; i < 12; i++)
        RP_DECREF(keep[i]);
    all_back();
}

static void test_disable_enable(void)
{
    fresh();
    rp_gc_set_threshold(5, 10, 10);
    rp_gc_disable();
    RP_CHECK(!rp_gc_isenabled());
    for (int i = 0; i < 20; i++) {
        rp_obj_t *a = node(), *b = node();
        link_pair(a, b);
        RP_DECREF(a);
        RP_DECREF(b);
    }
    RP_CHECK_EQ(blocks(), baseline + 40);
    rp_gc_enable();
    RP_CHECK(rp_gc_isenabled());
    rp_obj_t *x = node();   /* the next allocation collects */
    RP_CHECK_EQ(blocks(), baseline + 1);
    RP_DECREF(x);
    all_back();
}

/* No collection with interrupts masked: only marked as due, then run from thread mode. */
static void test_collection_deferred_in_critical_section(void)
{
    fresh();
    rp_gc_set_threshold(5, 10, 10);
    rp_obj_t *a = node(), *b = node();
    link_pair(a, b);
    RP_DECREF(a);
    RP_DECREF(b);
    rp_critical_t t = rp_port_critical_enter();
    rp_obj_t *k[8];
    for (int i = 0; i < 8; i++)
        k[i] = node();
    RP_CHECK(rp_gc_is_due());
    RP_CHECK_EQ(rp_gc_collect(2), 0);   /* refused there too */
    rp_port_critical_exit(t);
    RP_CHECK_EQ(blocks(), baseline + 10);
    rp_gc_poll();
    RP_CHECK(!rp_gc_is_due());
    RP_CHECK_EQ(blocks(), baseline + 8);
    for (int i = 0; i < 8; i++)
        RP_DECREF(k[i]);
    all_back();
}

static void test_freeze(void)
{
    fresh();
    rp_obj_t *a = node(), *b = node();
    link_pair(a, b);
    RP_DECREF(a);
    RP_DECREF(b);
    rp_gc_freeze();
    RP_CHECK_EQ(rp_gc_get_freeze_count(), 2);
    RP_CHECK_EQ(rp_gc_collect(2), 0);
    RP_CHECK(!rp_gc_check().rule);
    rp_gc_unfreeze();
    RP_CHECK_EQ(rp_gc_get_freeze_count(), 0);
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    all_back();
}

/* Full collections wait until objects pending promotion to the oldest generation exceed
 * 25 % of the long-lived ones (CPython's rule against quadratic builds). */
static void test_full_collection_25_percent_rule(void)
{
    fresh();
    /* 200 long-lived objects, or what a small heap holds with room for the rest. */
    size_t mem;
    rp_test_memory(&mem);
    enum { MAXLONG = 200 };
    unsigned nlong = (unsigned)(mem / 4u / (RP_GC_HEAD_SIZE + 3u * sizeof(void *) + 16u * RP_CFG_DEBUG));
    if (nlong > MAXLONG)
        nlong = MAXLONG;
    unsigned nyoung = nlong * 2u / 5u;   /* past a quarter of the long-lived */
    rp_obj_t *old[MAXLONG], *young[MAXLONG];
    for (unsigned i = 0; i < nlong; i++)
        old[i] = node();
    rp_gc_collect(2);   /* long_lived_total = nlong */
    rp_gc_set_threshold(4, 1, 1);
    rp_gc_stats_t st0, st;
    rp_gc_get_stats(&st0);
    /* Young garbage cycles: generation 1 keeps collecting, nothing survives, pending stays 0. */
    for (int i = 0; i < 100; i++) {
        rp_obj_t *a = node(), *b = node();
        link_pair(a, b);
        RP_DECREF(a);
        RP_DECREF(b);
    }
    rp_gc_get_stats(&st);
#if RP_CFG_GC_INCREMENTAL
    /* Young collections promote straight to the old generation, so a pair split by a
     * collection (one half made, the other not yet) counts as pending: on a small heap
     * that alone may pass 25 % of the long-lived. Only the young collections are checked. */
    RP_CHECK(st.gen[0].collections > st0.gen[0].collections + 10);
#else
    RP_CHECK(st.gen[1].collections > st0.gen[1].collections + 10);
    RP_CHECK_EQ(st.gen[2].collections, st0.gen[2].collections);
#endif
    st0 = st;
    /* Survivors pile up: once pending >= nlong / 4, a full collection runs. */
    for (unsigned i = 0; i < nyoung; i++)
        young[i] = node();
    rp_gc_get_stats(&st);
#if RP_CFG_GC_INCREMENTAL
    /* Cycles run in steps, which allocations drive: objects that live for 8 allocations
     * keep promoting, so cycles keep coming, and a full one is due (pending >= 25 %). */
    rp_obj_t *recent[8] = {0};
    for (unsigned i = 0; i < 4000u && st.gen[2].collections == st0.gen[2].collections; i++) {
        RP_XDECREF(recent[i % 8u]);
        recent[i % 8u] = node();
        rp_gc_get_stats(&st);
    }
    for (unsigned i = 0; i < 8u; i++)
        RP_XDECREF(recent[i]);
#endif
    RP_CHECK(st.gen[2].collections > st0.gen[2].collections);
    for (unsigned i = 0; i < nyoung; i++)
        RP_DECREF(young[i]);
    for (unsigned i = 0; i < nlong; i++)
        RP_DECREF(old[i]);
    all_back();
}

static void test_referrers_and_referents(void)
{
    fresh();
    rp_obj_t *a = node(), *b = node(), *c = node();
    rp_slot_set(a, NEXT, c);
    rp_slot_set(b, PREV, c);
    rp_slot_set(c, REF, a);
    rp_obj_t *buf[4];
    RP_CHECK_EQ(rp_gc_get_referrers(c, buf, 4, 0), 2);
    RP_CHECK((buf[0] == a && buf[1] == b) || (buf[0] == b && buf[1] == a));
    RP_CHECK_EQ(rp_gc_get_referents(c, buf, 4, 0), 1);
    RP_CHECK(buf[0] == a);
    RP_CHECK_EQ(rp_gc_get_referents(b, buf, 4, 0), 1);
    RP_CHECK(buf[0] == c);
    RP_CHECK(rp_gc_is_tracked(a));
    rp_gc_untrack(a);
    RP_CHECK(!rp_gc_is_tracked(a));
    RP_CHECK_EQ(count_objects(-1), 2);
    rp_gc_track(a);
    RP_CHECK_EQ(rp_gc_get_objects(-1, buf, 4, 0), 3);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(c);
    RP_CHECK_EQ(rp_gc_collect(2), 2);   /* a <-> c */
    all_back();
}

/* Containers untracked during the walk, right before garbage: the walk takes the
 * garbage's counts against the object before the one that left. */
static void test_untracked_next_to_garbage(void)
{
    fresh();
    rp_obj_t *t1 = rp_new(&tup_type), *t2 = rp_new(&tup_type);   /* empty: untrackable */
    rp_obj_t *a = node(), *b = node();
    link_pair(a, b);
    rp_obj_t *t3 = rp_new(&tup_type);
    rp_slot_set(t3, 0, t1);   /* untrackable once t1 has left */
    rp_obj_t *c = node(), *d = node();
    link_pair(c, d);
    rp_obj_t *e = node();      /* reachable, after the last garbage */
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(c);
    RP_DECREF(d);
    RP_CHECK_EQ(rp_gc_collect(0), 4);
    RP_CHECK(!rp_gc_is_tracked(t1) && !rp_gc_is_tracked(t2) && !rp_gc_is_tracked(t3));
    RP_CHECK(rp_gc_is_tracked(e));
    RP_CHECK(!rp_gc_check().rule);
    RP_DECREF(t3);
    RP_DECREF(t2);
    RP_DECREF(t1);
    RP_DECREF(e);
    all_back();
}

/* Containers of untracked objects stop costing the collector anything. */
static void test_untracking_of_atomic_containers(void)
{
    fresh();
    rp_obj_t *leaf = rp_new(&tup_type);           /* empty: untrackable */
    rp_obj_t *holder = rp_new(&tup_type), *keeper = rp_new(&tup_type), *n = node();
    rp_slot_set(holder, 0, leaf);
    rp_slot_set(keeper, 0, n);                    /* holds a tracked node */
    RP_CHECK(rp_gc_is_tracked(leaf) && rp_gc_is_tracked(holder));
    rp_gc_collect(0);
    RP_CHECK(!rp_gc_is_tracked(leaf));
    RP_CHECK(rp_gc_is_tracked(keeper));
    RP_CHECK(rp_gc_is_tracked(n));
    RP_CHECK(!rp_gc_check().rule);
    rp_gc_collect(1);   /* holder's only child is now untracked: holder goes too */
    RP_CHECK(!rp_gc_is_tracked(holder));
    RP_CHECK_EQ(count_objects(-1), 2);
    /* A cycle through an untracked container is still found once it is tracked again. */
    rp_gc_track(holder);
    rp_slot_set(holder, 1, holder);
    RP_DECREF(holder);
    RP_DECREF(keeper);
    RP_DECREF(n);
    RP_DECREF(leaf);
    RP_CHECK_EQ(rp_gc_collect(2), 1);
    all_back();
}

static unsigned starts, stops, last_collected;
static void on_gc(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable, void *arg)
{
    (void)uncollectable;
    (void)arg;
    if (phase == RP_GC_START) {
        starts++;
        RP_CHECK_EQ(gen, 2);
    } else {
        stops++;
        last_collected = collected;
    }
}

static void test_callbacks_and_debug_flags(void)
{
    fresh();
    starts = stops = last_collected = 0;
    RP_CHECK_EQ(rp_gc_callback_add(on_gc, 0), 0);
    rp_obj_t *a = node(), *b = node();
    link_pair(a, b);
    RP_DECREF(a);
    RP_DECREF(b);
    rp_gc_set_debug(RP_GC_DEBUG_STATS | RP_GC_DEBUG_COLLECTABLE);
    RP_CHECK_EQ(rp_gc_get_debug(), RP_GC_DEBUG_STATS | RP_GC_DEBUG_COLLECTABLE);
    rp_test_capture_start();
    rp_gc_collect(2);
    const char *captured = rp_test_capture_stop();
    rp_gc_set_debug(0);
    RP_CHECK(starts == 1 && stops == 1 && last_collected == 2);
    RP_CHECK_STR(captured, "gc: collecting generation 2...");
    RP_CHECK_STR(captured, "gc: objects in each generation: 2 0 0");
    RP_CHECK_STR(captured, "gc: collectable <Node 0x");
    RP_CHECK_STR(captured, "gc: done, 2 unreachable, 0 uncollectable");
    RP_CHECK_EQ(rp_gc_callback_remove(on_gc, 0), 0);
    RP_CHECK_EQ(rp_gc_callback_remove(on_gc, 0), -1);
    /* SAVEALL keeps every unreachable object in gc.garbage instead of freeing it. */
    a = node();
    b = node();
    link_pair(a, b);
    RP_DECREF(a);
    RP_DECREF(b);
    rp_gc_set_debug(RP_GC_DEBUG_SAVEALL);
    rp_gc_collect(2);
    rp_gc_set_debug(0);
    RP_CHECK_EQ(count_garbage(), 2);
    rp_gc_garbage_clear();
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    all_back();
}

static unsigned hook_calls;
static void oom_hook(size_t n)
{
    (void)n;
    hook_calls++;
}

static void test_emergency_collection(void)
{
    size_t mem;
    rp_region_t r = {rp_test_memory(&mem), 8192};
    if (r.size > mem)
        r.size = mem;
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    rp_test_mark_baseline();
    rp_gc_disable();
    rp_gc_set_oom_hook(oom_hook);
    hook_calls = 0;
    /* Fill the heap with garbage cycles until an allocation fails: it runs the hook and
     * a full collection, then succeeds on the retry. */
    unsigned pairs = 0;
    rp_obj_t *a = 0, *b = 0;
    uint32_t before = 0;
    while (hook_calls == 0 && pairs < 100000) {
        before = blocks();
        a = node();
        b = node();
        RP_CHECK(a && b);
        if (!a || !b)
            return;
        if (hook_calls)
            break;
        link_pair(a, b);
        RP_DECREF(a);
        RP_DECREF(b);
        pairs++;
    }
    RP_CHECK(pairs > 10);
    RP_CHECK_EQ(hook_calls, 1);
    rp_gc_stats_t st;
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(st.gen[2].collections, 1);
    RP_CHECK(st.gen[2].collected >= 2 * (pairs - 2));
    RP_CHECK(blocks() < before);
    rp_heap_stats_t hs;
    rp_heap_stats(&hs);
    RP_CHECK(hs.failed_allocs == 0);   /* the retry succeeded: nothing failed */
    RP_DECREF(a);
    RP_DECREF(b);
    rp_gc_enable();
    rp_gc_set_oom_hook(0);
    rp_gc_collect(2);
    all_back();
}

/* ---- randomized: random graphs, random roots dropped, random generations collected,
 * checked against a reachability computation over a model of the graph ---- */

enum { MAXN = 160, ROOTS = 12, K = 3 };
typedef struct model {
    rp_obj_t *obj[MAXN];
    int16_t edge[MAXN][K];   /* model of the slots: node index or -1 */
    uint8_t alive[MAXN];     /* per the allocator: set while not freed */
    int16_t root[ROOTS];
    unsigned n;
} model_t;
static model_t m;

static void model_release(rp_obj_t *o)
{
    uint32_t id = *(uint32_t *)rp_raw(o);
    m.alive[id] = 0;
}

static uint8_t RP_TYPE_NUMBER(mnode);
static const rp_type_t mnode_type = {
    .name = "MNode", .number = &mnode_number, .slot_names = node_names, .nslots = K, .nbytes = 4,
    .flags = RP_TYPE_GC, .release = model_release,
};

/* The same node with its own traverse and clear hooks (doing what the defaults do): a
 * collection whose garbage holds one takes the collector's general deletion path, one
 * of plain nodes only its shorter one; the random runs mix both. */
static void mnode_traverse(rp_obj_t *o, rp_visit_t visit, void *arg)
{
    for (unsigned k = 0; k < K; k++)
        if (rp_slot(o, k))
            visit(rp_slot(o, k), arg);
}

static void mnode_clear(rp_obj_t *o)
{
    for (unsigned k = 0; k < K; k++)
        rp_slot_set(o, k, 0);
}

static uint8_t RP_TYPE_NUMBER(mnode_hooks);
static const rp_type_t mnode_hooks_type = {
    .name = "MNodeHooks", .number = &mnode_hooks_number, .slot_names = node_names, .nslots = K, .nbytes = 4,
    .flags = RP_TYPE_GC, .release = model_release, .traverse = mnode_traverse, .clear = mnode_clear,
};

/* The same node, untracked by a collection that finds it holding no tracked object (as
 * CPython's tuples), and tracked again when a slot is set (as its dicts). */
static int mnode_holds_only_untracked(rp_obj_t *o)
{
    for (unsigned k = 0; k < K; k++)
        if (rp_slot(o, k) && rp_gc_is_tracked(rp_slot(o, k)))
            return 0;
    return 1;
}

static uint8_t RP_TYPE_NUMBER(mnode_tup);
static const rp_type_t mnode_tup_type = {
    .name = "MNodeTup", .number = &mnode_tup_number, .slot_names = node_names, .nslots = K, .nbytes = 4,
    .flags = RP_TYPE_GC, .release = model_release, .untrackable = mnode_holds_only_untracked,
};

static const rp_type_t *const mnode_types[4] = {&mnode_hooks_type, &mnode_tup_type, &mnode_type, &mnode_type};

static void reachable(uint8_t *mark)
{
    int16_t stack[MAXN];
    unsigned sp = 0;
    for (unsigned i = 0; i < m.n; i++)
        mark[i] = 0;
    for (unsigned r = 0; r < ROOTS; r++)
        if (m.root[r] >= 0 && !mark[m.root[r]]) {
            mark[m.root[r]] = 1;
            stack[sp++] = m.root[r];
        }
    while (sp) {
        int16_t v = stack[--sp];
        for (unsigned k = 0; k < K; k++) {
            int16_t w = m.edge[v][k];
            if (w >= 0 && !mark[w]) {
                mark[w] = 1;
                stack[sp++] = w;
            }
        }
    }
}

static void random_run(uint32_t seed)
{
    fresh();
    rp_gc_set_threshold(25, 3, 3);   /* automatic collections happen too */
    uint32_t x = seed;
    m.n = 0;
    for (unsigned r = 0; r < ROOTS; r++)
        m.root[r] = -1;
    uint8_t mark[MAXN];
    for (unsigned step = 0; step < 1500; step++) {
        uint32_t op = rp_rand_range(&x, 0, 99);
        if (op < 30 && m.n < MAXN) {   /* new node, held by a root */
            rp_obj_t *o = rp_new(mnode_types[rp_rand_range(&x, 0, 3)]);
            if (!o)
                break;
            unsigned id = m.n++;
            *(uint32_t *)rp_raw(o) = id;
            m.obj[id] = o;
            m.alive[id] = 1;
            for (unsigned k = 0; k < K; k++)
                m.edge[id][k] = -1;
            unsigned r = rp_rand_range(&x, 0, ROOTS - 1);
            if (m.root[r] >= 0)
                RP_DECREF(m.obj[m.root[r]]);
            m.root[r] = (int16_t)id;
        } else if (op < 75 && m.n) {   /* set a slot of a reachable node to a reachable node or NULL */
            reachable(mark);
            unsigned a = rp_rand_range(&x, 0, m.n - 1), b = rp_rand_range(&x, 0, m.n);
            if (!mark[a] || (b < m.n && !mark[b]))
                continue;
            unsigned k = rp_rand_range(&x, 0, K - 1);
            rp_slot_set(m.obj[a], k, b < m.n ? m.obj[b] : 0);
            if (b < m.n)
                rp_gc_track(m.obj[a]);   /* an untracked container that may now close a cycle */
            m.edge[a][k] = b < m.n ? (int16_t)b : -1;
        } else if (op < 90) {   /* drop a root */
            unsigned r = rp_rand_range(&x, 0, ROOTS - 1);
            if (m.root[r] >= 0)
                RP_DECREF(m.obj[m.root[r]]);
            m.root[r] = -1;
        } else {
            int gen = (int)rp_rand_range(&x, 0, 2);
            rp_gc_collect(gen);
        }
        /* Safety: nothing reachable was ever freed; freed nodes leave the model. */
        reachable(mark);
        for (unsigned i = 0; i < m.n; i++) {
            if (mark[i] && !m.alive[i]) {
                RP_CHECK(!"a reachable object was freed");
                return;
            }
            if (!m.alive[i])
                for (unsigned k = 0; k < K; k++)
                    m.edge[i][k] = -1;
        }
        if (!RP_HEAP_OK() || !RP_CHECK(!rp_gc_check().rule)) {
            rp_printf("seed %u step %u\n", (unsigned)seed, step);
            return;
        }
        /* Liveness: after a full collection exactly the unreachable objects are gone. */
        if (op >= 90 || step % 97 == 0) {
            rp_gc_collect(2);
            reachable(mark);
            unsigned wrong = 0;
            for (unsigned i = 0; i < m.n; i++)
                wrong += mark[i] != m.alive[i];
            if (!RP_CHECK_EQ(wrong, 0))
                return;
        }
    }
    for (unsigned r = 0; r < ROOTS; r++)
        if (m.root[r] >= 0)
            RP_DECREF(m.obj[m.root[r]]);
    rp_gc_collect(2);
    all_back();
}

static void test_random_graphs(void)
{
    for (uint32_t seed = 1; seed <= 4; seed++)
        random_run(seed * 2246822519u);
}

#if RP_CFG_GC_INCREMENTAL
/* 1, with a line saying why, where this build collects whole (16-bit links past 128 KiB,
 * host-m32), or, for a test of the young-window rule (`rule` 1), examines every window. */
static int skipped_without_incremental(int rule)
{
    if (rp_gc_is_incremental() && (!rule || RP_CFG_GC_YOUNG_MIN_YIELD))
        return 0;
    rp_printf("skipped: incremental collection unavailable%s\n", rule ? ", or every window examined" : "");
    return 1;
}

/* A ring of old objects (a cycle longer than any step's budget) dropped: rp_gc_step alone
 * collects it, over several steps, while a live ring beside it survives, and a count
 * change between steps (an INCREF and DECREF of a ring object held by a C variable) keeps
 * what it reaches. Every checker passes after every step. */
static unsigned ring_len(void)
{
    size_t mem;
    rp_test_memory(&mem);
    unsigned n = (unsigned)(mem / 8u / (RP_GC_HEAD_SIZE + 3u * sizeof(void *) + 16u * RP_CFG_DEBUG));
    return n > 400u ? 400u : n;
}

static rp_obj_t *ring(unsigned n)
{
    rp_obj_t *first = node(), *last = first;
    RP_CHECK(first != 0);
    for (unsigned i = 1; i < n && last; i++) {
        rp_obj_t *x = node();
        RP_CHECK(x != 0);
        rp_slot_set(last, NEXT, x);
        RP_DECREF(x);
        last = x;
    }
    rp_slot_set(last, NEXT, first);
    return first;
}

static unsigned steps_until_idle(uint32_t budget)
{
    unsigned steps = 0;
    while (rp_gc_step(budget) && steps < 100000u) {
        steps++;
        rp_fault_t f = rp_check_all();
        if (f.rule)
            rp_printf("step %u: %s at %p\n", steps, f.rule, f.addr);
        RP_CHECK(!f.rule);
    }
    RP_CHECK(steps < 100000u);
    return steps;
}

static void test_incremental_steps_collect_an_old_ring(void)
{
    fresh();
    if (skipped_without_incremental(0))
        return;
    unsigned n = ring_len();
    rp_obj_t *dead = ring(n), *live = ring(n);
    rp_gc_collect(0);   /* both promoted: old objects */
    uint32_t with_both = blocks();
    RP_DECREF(dead);
    unsigned steps = steps_until_idle(16);
    RP_CHECK(steps > 2);   /* a ring longer than a budget: more than one step */
    RP_CHECK_EQ(blocks(), with_both - n);
    /* A count change between steps keeps the object and what it reaches. */
    rp_obj_t *held = rp_slot(live, NEXT);
    RP_INCREF(held);
    RP_DECREF(live);   /* the ring lives on through `held` */
    RP_CHECK_EQ(rp_gc_step(8), 1u);   /* a cycle started */
    rp_obj_t *tmp = rp_slot(held, NEXT);
    RP_INCREF(tmp);
    RP_DECREF(tmp);
    (void)steps_until_idle(8);
    RP_CHECK_EQ(blocks(), with_both - n);   /* nothing of the live ring freed */
    RP_DECREF(held);
    (void)steps_until_idle(8);
    (void)steps_until_idle(8);
    all_back();
}

/* rp_gc_free_pending(0) frees the deaths a running cycle deferred by ending the cycle. A
 * main loop that calls it every time round, while old objects keep dying, must still see
 * cycles end: an old garbage ring is freed while the loop runs, without rp_gc_collect. */
#define VICTIMS 12u
static void test_incremental_free_pending_lets_cycles_end(void)
{
    fresh();
    if (skipped_without_incremental(0))
        return;
    uint32_t b0 = blocks();
    rp_obj_t *old[VICTIMS];
    for (unsigned i = 0; i < VICTIMS; i++) {
        old[i] = node();
        RP_CHECK(old[i] != 0);
    }
    unsigned n = ring_len() / 2u;
    rp_obj_t *dead = ring(n);
    rp_gc_collect(0);   /* all old: a cycle watches the victims first, the ring after */
    RP_DECREF(dead);
    RP_CHECK_EQ(blocks(), b0 + VICTIMS + n);
    /* Each time round: a step of the cycle (starting one if none runs), an old object
     * dies (its death deferred once the cycle watches it), the pending frees drained. */
    for (unsigned i = 0; i < VICTIMS; i++) {
        (void)rp_gc_step(4);
        RP_DECREF(old[i]);
        (void)rp_gc_free_pending(0);
        RP_CHECK(!rp_check_all().rule);
    }
    RP_CHECK_EQ(blocks(), b0);   /* the ring too */
    rp_gc_collect(2);
    all_back();
}
#undef VICTIMS

/* One buffer of objects for the young-window tests below (RAM: the microbit's heap is
 * what its 16 KiB leave). */
#if RP_CFG_CHUNK_MAX_LOG2 <= 15
#define YOUNG_BUF 144u
#else
#define YOUNG_BUF 176u
#endif
static rp_obj_t *young_buf[YOUNG_BUF];
/* Windows of 16 objects (threshold 0), 8 on a small board, where 144 live objects do not
 * fit (the microbit's heap). */
#if RP_CFG_CHUNK_MAX_LOG2 <= 15
#define YOUNG_WIN 8u
#else
#define YOUNG_WIN 16u
#endif

/* n objects that live: buf[0..n). */
static void live_nodes(rp_obj_t **buf, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        buf[i] = node();
        RP_CHECK(buf[i] != 0);
    }
}

static void drop_nodes(rp_obj_t **buf, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        RP_DECREF(buf[i]);
}

/* n young garbage cycles (pairs), every checker after each. */
static void garbage_pairs(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *a = node(), *b = node();
        RP_CHECK(a && b);
        link_pair(a, b);
        RP_DECREF(a);
        RP_DECREF(b);
        RP_ALL_OK();
    }
}

/* Automatic young windows that free little are promoted unexamined, 2, 4, 8 ... of them
 * after each poor window in a row (RP_CFG_GC_YOUNG_MIN_YIELD); a window that frees
 * enough brings examination back. A window examined counts as a collection of generation
 * 0; a promoted one does not. */
#define WIN YOUNG_WIN
#define LIVE_WINDOWS 9u
static void test_incremental_young_windows_that_free_little_are_promoted(void)
{
    fresh();
    if (skipped_without_incremental(1))
        return;
    rp_obj_t **live = young_buf;
    _Static_assert(WIN * LIVE_WINDOWS <= YOUNG_BUF, "young_buf holds the live objects");
    rp_gc_set_threshold(WIN, 10, 10);
    rp_gc_stats_t st0, st;
    rp_gc_get_stats(&st0);
    live_nodes(live, WIN * LIVE_WINDOWS);   /* live only: every window examined would free nothing */
    rp_gc_get_stats(&st);
    uint32_t examined = st.gen[0].collections - st0.gen[0].collections;
    /* 1 examined, 2 promoted, 1, 4, 1: 3 of the 9 windows (4 if one more began). */
    RP_CHECK(examined >= 1u);
    RP_CHECK(examined <= 4u);
    for (unsigned i = 0; i < WIN * LIVE_WINDOWS; i++)
        RP_CHECK(rp_gc_is_tracked(live[i]));
    RP_CHECK(!rp_check_all().rule);
    drop_nodes(live, WIN * LIVE_WINDOWS);
    /* Young garbage cycles: once a window is examined again (8 more at most), every
     * window is, one a window's worth of allocations. */
    garbage_pairs(WIN * 10u);
    rp_gc_get_stats(&st0);
    garbage_pairs(WIN * 4u);
    rp_gc_get_stats(&st);
    /* 8 windows' worth of objects, give or take the one under way. */
    RP_CHECK(st.gen[0].collections - st0.gen[0].collections >= 7u);
    RP_CHECK(!rp_check_all().rule);
    rp_gc_set_threshold(700, 10, 10);
    rp_gc_collect(2);
    all_back();
}

#undef WIN
#undef LIVE_WINDOWS

/* A window that promotes for overflow (generation 0 held more than one window takes,
 * here after rp_gc_disable) examines nothing, so it says nothing of what windows free:
 * the garbage-only windows after it are examined, each a collection of generation 0. */
#define HELD (RP_CFG_GC_STEP_BUDGET / 8u + 1u)
#define WIN 16u
static void test_incremental_overflow_window_is_not_judged(void)
{
    fresh();
    if (skipped_without_incremental(1))
        return;
    rp_obj_t **held = young_buf;
    _Static_assert(HELD <= YOUNG_BUF, "young_buf holds the held objects");
    rp_gc_set_threshold(WIN, 10, 10);
    rp_gc_disable();
    live_nodes(held, HELD);
    rp_gc_enable();
    rp_gc_stats_t st0, st;
    rp_gc_get_stats(&st0);
    /* The first allocation's step promotes all but one held object for overflow; then
     * young garbage cycles only, a window every WIN objects. */
    uint32_t before = blocks();
    garbage_pairs(WIN * 4u);
    rp_gc_get_stats(&st);
    /* 128 objects, 8 windows after the overflow's (7, give or take the one under way):
     * every one examined, no garbage left but the window under way's. Judged as a poor
     * window, the overflow had the next 2 promoted: 6 collections, 44 objects left. */
    RP_CHECK(st.gen[0].collections - st0.gen[0].collections >= 7u);
    RP_CHECK(blocks() <= before + WIN);
    drop_nodes(held, HELD);
    rp_gc_set_threshold(700, 10, 10);
    rp_gc_collect(2);
    all_back();
}
#undef HELD
#undef WIN

/* Garbage collected by automatic steps alone, at any threshold 0 (windows of 1, 2, 3
 * objects included): rings of 1 to 49 objects, every third with a finalizer, built across
 * windows between allocations of live objects that die a while later (a rotating
 * buffer), so that windows free little and are promoted; then those allocations alone,
 * until the rings are freed (the blocks as with the buffer alone). Every checker after
 * each allocation. */
#if RP_CFG_CHUNK_MAX_LOG2 <= 15   /* a small board (microbit: about 8 KiB of heap) */
#define CHURN 40u
#define RING_MAX 13u
#else
#define CHURN 150u
#define RING_MAX 49u
#endif
#define RINGS 24u
static rp_obj_t **const churn = young_buf;
_Static_assert(CHURN <= YOUNG_BUF, "young_buf holds the churn");
static unsigned churn_at;

static void churn_one(void)
{
    rp_obj_t *o = node();
    RP_CHECK(o != 0);
    if (churn[churn_at])
        RP_DECREF(churn[churn_at]);
    churn[churn_at] = o;
    churn_at = (churn_at + 1u) % CHURN;
    rp_fault_t f = rp_check_all();
    if (f.rule)
        rp_printf("check: %s at %p\n", f.rule, f.addr);
    RP_CHECK(!f.rule);
}

static void automatic_steps_alone(uint32_t t0)
{
    fresh();
    churn_at = 0;
    for (unsigned i = 0; i < CHURN; i++)
        churn[i] = 0;
    rp_gc_set_threshold(t0, 2, 2);
    for (unsigned i = 0; i < CHURN; i++)
        churn_one();
    (void)rp_gc_free_pending(0);
    uint32_t with_churn = blocks();
    unsigned with_finalizer = 0;
    for (unsigned g = 0; g < RINGS; g++) {
        unsigned n = 1u + (g * 7u) % RING_MAX;
        with_finalizer += g % 3u == 0;
        rp_obj_t *first = g % 3u == 0 ? rp_new(&del_type) : node(), *last = first;
        RP_CHECK(first != 0);
        for (unsigned i = 1; i < n; i++) {
            rp_obj_t *x = node();
            RP_CHECK(x != 0);
            rp_slot_set(last, REF, x);
            RP_DECREF(x);
            last = x;
            if (i % 2u == 0)
                churn_one();
        }
        rp_slot_set(last, REF, first);
        RP_DECREF(first);
        churn_one();
    }
    unsigned allocations = 0;
    /* Not rp_gc_free_pending(0) in this loop: it would end each cycle that deferred a
     * death (every one here) before it decides. The churn's deferred deaths are pending. */
    for (; allocations < 200000u && blocks() != with_churn + rp_gc_pending(0); allocations++)
        churn_one();
    rp_printf("threshold %u: rings freed after %u more allocations (%u blocks over)\n", (unsigned)t0,
              allocations, (unsigned)(blocks() - with_churn - rp_gc_pending(0)));
    RP_CHECK_EQ(blocks(), with_churn + rp_gc_pending(0));
    RP_CHECK_EQ(finalized, with_finalizer);
    for (unsigned i = 0; i < CHURN; i++)
        RP_DECREF(churn[i]);
    rp_gc_set_threshold(700, 10, 10);
    rp_gc_collect(2);
    all_back();
}

static void test_incremental_garbage_collected_by_automatic_steps_alone(void)
{
    if (skipped_without_incremental(0))
        return;
    /* Windows of 1, 2, 3 ... objects; 700 (windows of RP_CFG_GC_STEP_BUDGET / 8) where the
     * churn outlives a window. */
    static const uint32_t t0s[] = {1, 2, 3, 8, 16, 700};
    for (unsigned i = 0; i < sizeof t0s / sizeof t0s[0]; i++)
        if ((t0s[i] < RP_CFG_GC_STEP_BUDGET / 8u ? t0s[i] : RP_CFG_GC_STEP_BUDGET / 8u) < CHURN)
            automatic_steps_alone(t0s[i]);
}
#undef CHURN
#undef RING_MAX
#undef RINGS

/* Garbage with finalizers (or weak references, or hooks) goes through a whole
 * collection's path in one step, as long as that garbage (rp_gc.h): a young window
 * bounds it to a window's worth, a cycle to what it examines. Windows whose garbage is
 * such are therefore examined, however little they free: promoted, that garbage would
 * pile up in generation 1 and be finalized all in one of the cycle's steps (threshold 1
 * of 40: a cycle every 640 objects promoted). Here a fifth of each window is pairs with
 * a finalizer, the rest live a few windows: no automatic step may run more finalizers
 * than a window holds objects. */
#define WIN 16u
#define LIVE 64u
static unsigned fin_at_start, fin_most;

static void count_finalizers(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable, void *arg)
{
    (void)gen;
    (void)collected;
    (void)uncollectable;
    (void)arg;
    if (phase == RP_GC_START)
        fin_at_start = finalized;
    else if (finalized - fin_at_start > fin_most)
        fin_most = finalized - fin_at_start;
}

static void test_incremental_finalizer_garbage_stays_in_windows(void)
{
    fresh();
    if (skipped_without_incremental(0))
        return;
    rp_obj_t **live = young_buf;
    _Static_assert(LIVE <= YOUNG_BUF, "young_buf holds the live objects");
    for (unsigned i = 0; i < LIVE; i++)
        live[i] = 0;
    unsigned at = 0;
    fin_most = 0;
    rp_gc_set_threshold(WIN, 40, 10);
    RP_CHECK_EQ(rp_gc_callback_add(count_finalizers, 0), 0);
    for (unsigned it = 0; it < 2000u; it++) {
        for (unsigned j = 0; j < 4u; j++) {
            rp_obj_t *o = node();
            RP_CHECK(o != 0);
            if (live[at])
                RP_DECREF(live[at]);
            live[at] = o;
            at = (at + 1u) % LIVE;
        }
        if (it % 2u == 0) {
            rp_obj_t *a = rp_new(&del_type), *b = node();
            RP_CHECK(a && b);
            rp_slot_set(a, REF, b);
            rp_slot_set(b, REF, a);
            RP_DECREF(a);
            RP_DECREF(b);
        }
    }
    rp_printf("finalizers: %u, at most %u in one automatic step\n", finalized, fin_most);
    RP_CHECK(finalized > 0u);
    RP_CHECK(fin_most <= WIN);
    rp_gc_callback_remove(count_finalizers, 0);
    for (unsigned i = 0; i < LIVE; i++)
        RP_DECREF(live[i]);
    rp_gc_set_threshold(700, 10, 10);
    rp_gc_collect(2);
    all_back();
}
#undef WIN
#undef LIVE

/* Windows promoted unexamined, then the gc module's calls between them, each checked:
 * rp_gc_collect(0), freeze and unfreeze, thresholds 1, 2, 3 and 0, disable with more
 * than a window made meanwhile, enable; and rp_gc_step from idle, whose two loops free
 * every object that was garbage before them, promoted unexamined or not (rp_gc.h). */
#define WIN YOUNG_WIN
#define LIVE (WIN * 4u + 1u)   /* the fourth window examined as the last is made */

static void test_incremental_promoted_windows_and_the_gc_module(void)
{
    fresh();
    if (skipped_without_incremental(0))
        return;
    rp_obj_t **live = young_buf;
    _Static_assert(LIVE <= YOUNG_BUF && RP_CFG_GC_STEP_BUDGET / 8u <= YOUNG_BUF, "young_buf holds the live objects");
    const unsigned more = RP_CFG_GC_STEP_BUDGET / 8u;   /* more than a window */
    rp_gc_set_threshold(WIN, 10, 10);
    live_nodes(live, LIVE);   /* 4 windows: examined, 2 promoted, examined; 4 promoted next */
    rp_gc_stats_t st0, st;
    rp_gc_get_stats(&st0);
    garbage_pairs(WIN / 2u);
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(st.gen[0].collections, st0.gen[0].collections);   /* promoted, not examined */
    (void)rp_gc_collect(0);
    RP_ALL_OK();
    garbage_pairs(WIN);
    rp_gc_freeze();
    RP_ALL_OK();
    garbage_pairs(WIN);
    rp_gc_unfreeze();
    RP_ALL_OK();
    for (uint32_t t = 1; t <= 3u; t++) {
        rp_gc_set_threshold(t, 10, 10);
        garbage_pairs(WIN);
    }
    rp_gc_set_threshold(0, 10, 10);
    garbage_pairs(WIN);
    rp_gc_set_threshold(WIN, 10, 10);
    drop_nodes(live, LIVE);   /* room for what follows on a small board */
    rp_gc_disable();
    live_nodes(live, more);
    garbage_pairs(WIN);
    rp_gc_enable();
    garbage_pairs(WIN * 2u);
    /* From idle, two loops of steps: every pair made above is freed, whatever promoted it. */
    (void)steps_until_idle(8);
    (void)steps_until_idle(8);
    RP_CHECK_EQ(blocks(), baseline + more);
    drop_nodes(live, more);
    rp_gc_set_threshold(700, 10, 10);
    rp_gc_collect(2);
    all_back();
}
#undef WIN
#undef LIVE
#undef YOUNG_BUF
#endif

int main(void)
{
    rp_test_begin("gc");
    RP_RUN(test_two_node_cycle);
    RP_RUN(test_three_node_ring);
    RP_RUN(test_reachable_from_outside_survives);
    RP_RUN(test_set_aside_then_reached);
    RP_RUN(test_garbage_in_runs);
    RP_RUN(test_finalizers_in_a_cycle);
    RP_RUN(test_resurrection);
    RP_RUN(test_finalizer_creates_new_cycle);
    RP_RUN(test_finalizer_adopts_new_objects);
    RP_RUN(test_finalizer_drop_keeps_young_count);
    RP_RUN(test_legacy_finalizer_goes_to_garbage);
    RP_RUN(test_garbage_surviving_its_clear);
    RP_RUN(test_garbage_drops_its_references);
    RP_RUN(test_thresholds_fire_at_documented_counts);
    RP_RUN(test_disable_enable);
    RP_RUN(test_collection_deferred_in_critical_section);
    RP_RUN(test_freeze);
    RP_RUN(test_full_collection_25_percent_rule);
#if RP_CFG_GC_INCREMENTAL
    RP_RUN(test_incremental_steps_collect_an_old_ring);
    RP_RUN(test_incremental_free_pending_lets_cycles_end);
    RP_RUN(test_incremental_young_windows_that_free_little_are_promoted);
    RP_RUN(test_incremental_overflow_window_is_not_judged);
    RP_RUN(test_incremental_garbage_collected_by_automatic_steps_alone);
    RP_RUN(test_incremental_finalizer_garbage_stays_in_windows);
    RP_RUN(test_incremental_promoted_windows_and_the_gc_module);
#endif
    RP_RUN(test_referrers_and_referents);
    RP_RUN(test_untracked_next_to_garbage);
    RP_RUN(test_untracking_of_atomic_containers);
    RP_RUN(test_callbacks_and_debug_flags);
    RP_RUN(test_emergency_collection);
    RP_RUN(test_cascade_resurrection_stays_tracked);
    RP_RUN(test_finalize_registered_at_shutdown_runs);
    RP_RUN(test_chain_release_constant_stack);
    RP_RUN(test_reentrancy_gc_callback);
    RP_RUN(test_reentrancy_finalizer);
    RP_RUN(test_collect_refused_returns_zero);
    RP_RUN(test_random_graphs);
    return rp_test_end();
}
