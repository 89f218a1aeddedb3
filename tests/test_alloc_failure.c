/* test_alloc_failure.c — allocation failure at every site (issue 15).
 *
 * Each scenario builds objects (every built-in type, slot and dict types), collects,
 * makes weak references and finalizers, and traces. The walk runs it again and again on
 * a fresh heap with the Nth allocation failing (rp_heap_fail_nth), N = 1, 2, ... until
 * a run reaches its end with no failure: so every allocation the scenario makes, the
 * runtime's own included, fails once. After each run every checker must hold (RP_ALL_OK)
 * and, once the scenario's roots are dropped and a full collection has run, every block
 * must be back (RP_ALL_BACK). A second walk makes every allocation from the Nth on fail
 * (a heap that stays full), a third fails without the emergency collection.
 * Scenarios check what an operation that failed must leave behind: RP_E_NOMEM (or NULL)
 * and its container unchanged. */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"
#include "rp_trace.h"
#include "rp_weakref.h"

#if RP_CFG_FAULT_INJECT

/* ---- roots: what a scenario keeps, dropped by the walk ---- */

#define MAX_ROOTS 24
static rp_obj_t *roots[MAX_ROOTS];
static unsigned nroots;
#define MAX_RAW 8
static void *raw_blocks[MAX_RAW];
static unsigned nraw;

/* Takes over the caller's reference (NULL is ignored). */
static rp_obj_t *keep(rp_obj_t *o)
{
    if (o && nroots < MAX_ROOTS)
        roots[nroots++] = o;
    else if (o)
        RP_DECREF(o);
    return o;
}

static void keep_raw(void *p)
{
    if (p && nraw < MAX_RAW)
        raw_blocks[nraw++] = p;
    else
        rp_free(p);
}

/* ---- types ---- */

static uint8_t RP_TYPE_NUMBER(node);
static const char *const node_names[] = {"a", "b"};
static const rp_type_t node_type = {
    .name = "Node", .number = &node_number, .slot_names = node_names, .nslots = 2, .nbytes = 8,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF,
};

/* A slot type with a __dict__, derived from node. */
static uint8_t RP_TYPE_NUMBER(dnode);
static const char *const dnode_names[] = {"c"};
static const rp_type_t dnode_type = {
    .name = "DNode", .number = &dnode_number, .base = &node_type, .slot_names = dnode_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF | RP_TYPE_DICT,
};

/* PEP 442 finalizer that allocates, and resurrects its object once into `saved`. */
static rp_obj_t *saved;
static unsigned finalized;
static void fin_finalize(rp_obj_t *o)
{
    finalized++;
    rp_obj_t *l = rp_list_new();   /* an allocation inside a finalizer may fail too */
    if (l) {
        if (rp_list_append(l, o) == RP_E_OK && !saved) {
            saved = o;
            RP_INCREF(o);
        }
        RP_DECREF(l);
    }
}
static uint8_t RP_TYPE_NUMBER(fin);
static const char *const fin_names[] = {"next"};
static const rp_type_t fin_type = {
    .name = "Fin", .number = &fin_number, .slot_names = fin_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF, .finalize = fin_finalize,
};

/* Legacy finalizer: a cycle through it is uncollectable (gc.garbage). */
static void legacy_finalize(rp_obj_t *o) { (void)o; }
static uint8_t RP_TYPE_NUMBER(legacy);
static const char *const legacy_names[] = {"next"};
static const rp_type_t legacy_type = {
    .name = "Legacy", .number = &legacy_number, .slot_names = legacy_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_LEGACY_FINALIZER, .finalize = legacy_finalize,
};

/* A non-GC type with raw bytes. */
static uint8_t RP_TYPE_NUMBER(blob);
static const rp_type_t blob_type = {.name = "Blob", .number = &blob_number, .nbytes = 20};

/* ---- helpers that check the failure contract ---- */

static void append(rp_obj_t *l, rp_obj_t *v)
{
    if (!l || !v)
        return;
    int32_t before = rp_list_len(l);
    rp_err_t e = rp_list_append(l, v);
    RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
    RP_CHECK_EQ(rp_list_len(l), before + (e == RP_E_OK));
}

/* Appends and drops the caller's reference. */
static void append_steal(rp_obj_t *l, rp_obj_t *v)
{
    append(l, v);
    if (v)
        RP_DECREF(v);
}

static void dict_set(rp_obj_t *d, rp_obj_t *k, rp_obj_t *v)
{
    if (!d || !k || !v)
        return;
    rp_obj_t *old = 0;
    int had = rp_dict_get(d, k, &old) == RP_E_OK;
    int32_t before = rp_dict_len(d);
    rp_err_t e = rp_dict_set(d, k, v);
    RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
    RP_CHECK_EQ(rp_dict_len(d), before + (e == RP_E_OK && !had));
    rp_obj_t *now = 0;
    if (e == RP_E_OK)
        RP_CHECK(rp_dict_get(d, k, &now) == RP_E_OK && now == v);
    else if (had)
        RP_CHECK(rp_dict_get(d, k, &now) == RP_E_OK && now == old);
}

static void setattr(rp_obj_t *o, const char *name, rp_obj_t *v)
{
    if (!o || !v)
        return;
    rp_err_t e = rp_setattr(o, name, v);
    RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
    rp_obj_t *got = 0;
    if (e == RP_E_OK)
        RP_CHECK(rp_getattr(o, name, &got) == RP_E_OK && got == v);
}

/* ---- scenarios ---- */

/* Every built-in type: ints (cached, 32- and 64-bit), strs (interned too), tuples,
 * lists, dicts, plain instances, slot objects with and without __dict__, a non-GC type. */
static void scenario_builtins(void)
{
    rp_obj_t *l = keep(rp_list_new());
    for (int i = 0; i < 12; i++)
        append_steal(l, rp_int_from_i64(i % 3 == 0 ? (int64_t)i << 40 : 1000 + i));
    append_steal(l, rp_str_new("a string of some length", 23));
    append_steal(l, rp_str_from_cstr("short"));
    rp_obj_t *s = rp_str_new("interned-name", 13);
    if (s) {
        rp_obj_t *in = rp_str_intern(s);
        RP_DECREF(s);
        append_steal(l, in);
    }
    append_steal(l, rp_str_intern_cstr("another-name"));

    rp_obj_t *big = rp_int_from_i64(123456789012345);
    rp_obj_t *str = rp_str_from_cstr("item");
    if (big && str) {
        rp_obj_t *t = rp_tuple_pack(3, big, str, rp_none());
        if (t) {
            uint32_t h = 0;
            RP_CHECK_EQ(rp_hash(t, &h), RP_E_OK);
            append(l, t);
            rp_obj_t *t2 = rp_tuple_pack(2, t, l);   /* tracked: holds a list */
            if (t2)
                RP_CHECK(rp_gc_is_tracked(t2));
            append_steal(l, t2);
            RP_DECREF(t);
        }
    }

    rp_obj_t *d = keep(rp_dict_new());
    for (int i = 0; i < 10; i++) {
        rp_obj_t *k = rp_int_from_i64(5000 + i);
        dict_set(d, k, str);
        dict_set(d, k, big);   /* an existing key */
        if (k)
            RP_DECREF(k);
    }
    dict_set(d, str, l);   /* now tracked: holds a list */
    if (d && str && rp_dict_get(d, str, &(rp_obj_t *){0}) == RP_E_OK)
        RP_CHECK(rp_gc_is_tracked(d));
    if (d) {
        rp_err_t e = rp_dict_set_cstr(d, "cstr-key", rp_true());
        RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
        rp_obj_t *k = rp_int_from_i64(5003);
        if (k) {
            rp_err_t e2 = rp_dict_del(d, k);
            RP_CHECK(e2 == RP_E_OK || e2 == RP_E_KEY);
            RP_DECREF(k);
        }
    }
    if (big)
        RP_DECREF(big);
    if (str)
        RP_DECREF(str);

    rp_obj_t *inst = keep(rp_instance_new());
    setattr(inst, "x", rp_true());
    setattr(inst, "y", l);
    setattr(inst, "z", d);
    rp_obj_t *dn = keep(rp_new(&dnode_type));
    if (dn) {
        rp_slot_set(dn, 0, inst);
        setattr(dn, "c", l);          /* a named slot: no allocation */
        setattr(dn, "extra", inst);   /* the __dict__ */
        setattr(dn, "more", rp_none());
    }
    rp_obj_t *b = keep(rp_new(&blob_type));
    if (b)
        RP_CHECK(rp_sys_getsizeof(b) >= 20);

    if (l) {   /* insert, set, pop */
        rp_obj_t *v = rp_int_from_i64(77777);
        if (v) {
            int32_t before = rp_list_len(l);
            rp_err_t e = rp_list_insert(l, 0, v);
            RP_CHECK_EQ(rp_list_len(l), before + (e == RP_E_OK));
            if (rp_list_len(l) > 1)
                RP_CHECK_EQ(rp_list_set(l, 1, v), RP_E_OK);
            RP_DECREF(v);
        }
        while (rp_list_len(l) > 4) {
            rp_obj_t *out = 0;
            RP_CHECK_EQ(rp_list_pop(l, -1, &out), RP_E_OK);
            RP_DECREF(out);
        }
    }
}

/* Cycles of slot objects, lists and dicts; finalizers that allocate and resurrect; a
 * legacy finalizer in a cycle (gc.garbage); collections of each generation, a low
 * threshold so that allocations collect, freeze and unfreeze. */
static void scenario_cycles(void)
{
    rp_gc_set_threshold(7, 2, 2);
    rp_obj_t *keepl = keep(rp_list_new());
    for (int i = 0; i < 6; i++) {
        rp_obj_t *a = rp_new(i % 2 ? &fin_type : &node_type);
        rp_obj_t *b = rp_new(&node_type);
        rp_obj_t *l = rp_list_new();
        rp_obj_t *d = rp_dict_new();
        if (a && b) {
            rp_slot_set(a, 0, b);
            rp_slot_set(b, 0, a);   /* a <-> b */
            rp_slot_set(b, 1, l);
        }
        append(l, a);
        if (d && a) {
            rp_obj_t *k = rp_int_from_i64(i);
            dict_set(d, k, l);
            if (k)
                RP_DECREF(k);
            append(l, d);   /* l <-> d */
        }
        if (i == 2)
            append(keepl, a);   /* one cycle stays reachable */
        if (a)
            RP_DECREF(a);
        if (b)
            RP_DECREF(b);
        if (l)
            RP_DECREF(l);
        if (d)
            RP_DECREF(d);
        if (i == 1)
            rp_gc_collect(0);
        if (i == 3)
            rp_gc_freeze();
    }
    rp_obj_t *x = rp_new(&legacy_type), *y = rp_new(&legacy_type);
    if (x && y) {
        rp_slot_set(x, 0, y);
        rp_slot_set(y, 0, x);
    }
    if (x)
        RP_DECREF(x);
    if (y)
        RP_DECREF(y);
    rp_gc_collect(1);
    rp_gc_unfreeze();
    rp_gc_collect(2);
    RP_CHECK(rp_gc_collect(2) == 0 || saved != 0);
}

/* Weak references whose callbacks allocate, drop references and make weak references;
 * finalize (with an argument); WeakValueDictionary, WeakKeyDictionary, WeakSet. */
static rp_obj_t *cb_target;
static unsigned callbacks;
static void allocating_callback(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)ref;
    callbacks++;
    rp_obj_t *l = rp_list_new();
    append(l, arg);
    if (cb_target) {   /* a weak reference made by a callback */
        rp_obj_t *w = rp_weakref_new(cb_target, 0, 0);
        append(l, w);
        if (w)
            RP_DECREF(w);
    }
    if (l)
        RP_DECREF(l);
}

static unsigned fin_ran;
static void finalize_fn(rp_obj_t *arg)
{
    fin_ran++;
    rp_obj_t *t = arg ? rp_tuple_pack(1, arg) : 0;   /* allocates */
    if (t)
        RP_DECREF(t);
}

static void scenario_weakrefs(void)
{
    rp_obj_t *keepl = keep(rp_list_new());
    cb_target = keep(rp_new(&node_type));
    rp_obj_t *wvd = keep(rp_weakvaluedict_new());
    rp_obj_t *wkd = keep(rp_weakkeydict_new());
    rp_obj_t *ws = keep(rp_weakset_new());
    for (int i = 0; i < 6; i++) {
        rp_obj_t *o = rp_new(i % 3 == 2 ? &dnode_type : &node_type);
        if (!o)
            continue;
        rp_obj_t *arg = rp_int_from_i64(100000 + i);
        rp_obj_t *w1 = rp_weakref_new(o, allocating_callback, arg);
        rp_obj_t *w2 = rp_weakref_new(o, 0, 0);
        if (w1)
            RP_CHECK(rp_weakref_get(w1) == o);
        if (w2)
            RP_CHECK(rp_weakref_get(w2) == o);
        append(keepl, w1);
        append(keepl, w2);
        rp_obj_t *f = rp_finalize_new(o, finalize_fn, arg);
        if (f)
            RP_CHECK(rp_finalize_alive(f));
        if (wvd && arg) {
            rp_err_t e = rp_weakdict_set(wvd, arg, o);
            RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
            rp_obj_t *got = 0;
            if (e == RP_E_OK)
                RP_CHECK(rp_weakdict_get(wvd, arg, &got) == RP_E_OK && got == o);
        }
        if (wkd && arg) {
            rp_err_t e = rp_weakdict_set(wkd, o, arg);
            RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
        }
        if (ws) {
            /* (a failure's emergency collection may take earlier, cyclic members out) */
            rp_err_t e = rp_weakset_add(ws, o);
            RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
            RP_CHECK_EQ(rp_weakset_contains(ws, o), e == RP_E_OK);
            RP_CHECK(e != RP_E_OK || rp_weakset_len(ws) >= 1);
        }
        if (i % 2) {   /* half of them in a cycle: they die in a collection */
            rp_slot_set(o, 0, o);
        }
        if (arg)
            RP_DECREF(arg);
        RP_DECREF(o);   /* the acyclic ones die here: callbacks run */
        if (w2)
            RP_CHECK(i % 2 || rp_weakref_get(w2) == 0);
        if (w1)
            RP_DECREF(w1);
        if (w2)
            RP_DECREF(w2);
    }
    rp_gc_collect(2);   /* the cyclic ones: weak references cleared, callbacks run */
    if (wvd)
        RP_CHECK_EQ(rp_weakdict_len(wvd), 0);
    if (ws)
        RP_CHECK_EQ(rp_weakset_len(ws), 0);
}

/* Tracing over allocations: start, snapshots by site and by type, compare_to, stop. */
static rp_trace_stat_t stats_a[32], stats_b[32];
static rp_trace_diff_t diffs[64];
static void scenario_trace(void)
{
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
    rp_obj_t *l = keep(rp_list_new());
    for (int i = 0; i < 8; i++)
        append_steal(l, rp_int_from_i64(70000 + i));
    rp_trace_snapshot_t a, b;
    rp_trace_take_snapshot(&a, stats_a, 32, RP_TRACE_BY_TYPE, 0, 0);
    rp_obj_t *d = keep(rp_dict_new());
    for (int i = 0; i < 8; i++) {
        rp_obj_t *k = rp_int_from_i64(80000 + i);
        dict_set(d, k, l);
        if (k)
            RP_DECREF(k);
    }
    rp_trace_take_snapshot(&b, stats_b, 32, RP_TRACE_BY_TYPE, 0, 0);
    uint32_t total = 0;
    uint32_t n = rp_trace_compare_to(&b, &a, diffs, 64, &total);
    RP_CHECK(n <= 64 && n <= total);
    rp_trace_take_snapshot(&b, stats_b, 32, RP_TRACE_BY_SITE, 0, 0);
    size_t cur = 0, peak = 0;
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK(cur <= peak);
    RP_CHECK_EQ(b.total_size, cur);
}

/* Raw blocks: malloc, calloc (and its overflow), realloc growing and shrinking. */
static void scenario_raw(void)
{
    unsigned char *p = rp_malloc(24);
    if (p) {
        for (int i = 0; i < 24; i++)
            p[i] = (unsigned char)i;
        unsigned char *q = rp_realloc(p, 200);   /* pool to chunk: moves */
        if (q)
            p = q;
        for (int i = 0; i < 24; i++)
            RP_CHECK_EQ(p[i], i);   /* kept after a move, and after a failure */
        q = rp_realloc(p, 3000);
        if (q)
            p = q;
        for (int i = 0; i < 24; i++)
            RP_CHECK_EQ(p[i], i);
        keep_raw(p);
    }
    uint32_t *z = rp_calloc(40, 4);
    if (z) {
        for (int i = 0; i < 40; i++)
            RP_CHECK_EQ(z[i], 0);
        keep_raw(z);
    }
    RP_CHECK(rp_calloc((size_t)-1 / 2u, 4) == 0);
    keep_raw(rp_malloc(0));
    keep_raw(rp_malloc(5000));
}

/* All of them in one run, with tracing on. */
static void scenario_all(void)
{
    scenario_trace();
    scenario_raw();
    scenario_builtins();
    scenario_cycles();
    scenario_weakrefs();
}

/* ---- the walk ---- */

static void reset_scenario_state(void)
{
    nroots = nraw = 0;
    saved = cb_target = 0;
    finalized = callbacks = fin_ran = 0;
}

/* Drops everything the scenario kept, and what it left in gc.garbage, then collects. */
static void drop_everything(void)
{
    for (unsigned i = 0; i < nroots; i++)
        RP_DECREF(roots[i]);
    for (unsigned i = 0; i < nraw; i++)
        rp_free(raw_blocks[i]);
    nroots = nraw = 0;
    cb_target = 0;
    if (saved) {
        rp_obj_t *s = saved;
        saved = 0;
        RP_DECREF(s);
    }
    rp_gc_collect(2);
    /* gc.garbage's legacy cycles: broken by hand, as a program would (del x.next) */
    rp_obj_t *g[16];
    size_t ng = rp_gc_garbage(g, 16, 0);
    for (size_t i = 0; i < ng; i++)
        if (rp_type_of(g[i]) == &legacy_type)
            rp_slot_set(g[i], 0, 0);
    rp_gc_garbage_clear();
    rp_gc_collect(2);
    rp_trace_stop();
}

/* Runs `scenario` with allocation 1, 2, ... failing (with `flags`) until a run ends
 * with no failure. Returns the allocations the scenario makes. */
static uint32_t walk(void (*scenario)(void), unsigned flags, const char *name)
{
    uint32_t n;
    for (n = 1; n < 20000u; n++) {
        rp_test_fresh_objects();
        reset_scenario_state();
        rp_heap_fail_nth(n, flags);
        scenario();
        int fired = rp_heap_fail_pending() == 0;
        rp_heap_fail_nth(0, 0);
        int ok = RP_ALL_OK();
        drop_everything();
        ok = RP_ALL_BACK() && ok;
        if (!ok)
            rp_printf("FAIL %s: with allocation %u failing (flags %u)\n", name, (unsigned)n, flags);
        if (!fired)
            break;
        RP_CHECK(rp_heap_failures_injected() >= 1);
    }
    rp_printf("%s (flags %u): %u allocations, each failed once\n", name, flags, (unsigned)(n - 1));
    return n - 1;
}

static void walk_all_modes(void (*scenario)(void), const char *name)
{
    uint32_t a = walk(scenario, 0, name);
    RP_CHECK(a > 0);   /* the scenario allocates */
    /* the run that no failure reaches is the same in every mode */
    RP_CHECK_EQ(walk(scenario, RP_FAIL_STICKY, name), a);
    RP_CHECK_EQ(walk(scenario, RP_FAIL_NO_HANDLER, name), a);
}

/* ---- the hook itself ---- */

static void test_hook_fails_the_nth_allocation(void)
{
    rp_test_fresh_objects();
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    uint32_t failed = s.failed_allocs;
    rp_heap_fail_nth(3, 0);
    void *a = rp_malloc(8), *b = rp_malloc(100);
    RP_CHECK(a && b);
    RP_CHECK_EQ(rp_heap_fail_pending(), 1);
    RP_CHECK(rp_malloc(8) == 0);   /* the third */
    RP_CHECK_EQ(rp_heap_fail_pending(), 0);
    void *c = rp_malloc(8);        /* one failure only */
    RP_CHECK(c != 0);
    rp_heap_stats(&s);
    RP_CHECK_EQ(s.failed_allocs, failed + 1);
    RP_CHECK_EQ(rp_heap_failures_injected(), 1);

    rp_heap_fail_nth(1, 0);        /* realloc fails and leaves its block */
    RP_CHECK(rp_realloc(b, 5000) == 0);
    RP_CHECK_EQ(rp_usable_size(b) >= 100, 1);
    rp_heap_fail_nth(2, RP_FAIL_STICKY);
    void *e = rp_calloc(2, 8);   /* the first passes */
    RP_CHECK(e != 0);
    RP_CHECK(rp_malloc(8) == 0);
    RP_CHECK(rp_malloc(3000) == 0);   /* sticky: every one from the second */
    RP_CHECK(rp_realloc(b, 10) == 0);
    rp_heap_fail_nth(0, 0);
    RP_CHECK(rp_heap_check().rule == 0);   /* the gates are back (G1) */
    rp_free(a);
    rp_free(b);
    rp_free(c);
    rp_free(e);
    RP_ALL_BACK();
}

static unsigned handler_calls;
static void count_oom(size_t request)
{
    (void)request;
    handler_calls++;
}

static void test_hook_runs_the_oom_handler(void)
{
    rp_test_fresh_heap();
    handler_calls = 0;
    rp_heap_set_oom_handler(count_oom);
    rp_heap_fail_nth(1, 0);
    RP_CHECK(rp_malloc(16) == 0);
    RP_CHECK_EQ(handler_calls, 1);
    rp_heap_fail_nth(1, RP_FAIL_NO_HANDLER);
    RP_CHECK(rp_malloc(16) == 0);
    RP_CHECK_EQ(handler_calls, 1);
    rp_heap_set_oom_handler(0);
    RP_HEAP_OK();
}

static void test_fail_builtins(void) { walk_all_modes(scenario_builtins, "builtins"); }
static void test_fail_cycles(void) { walk_all_modes(scenario_cycles, "cycles"); }
static void test_fail_weakrefs(void) { walk_all_modes(scenario_weakrefs, "weakrefs"); }
static void test_fail_trace(void) { walk_all_modes(scenario_trace, "trace"); }
static void test_fail_raw(void) { walk_all_modes(scenario_raw, "raw"); }
static void test_fail_all(void) { walk(scenario_all, 0, "all"); }

int main(void)
{
    rp_test_begin("alloc_failure");
    RP_RUN(test_hook_fails_the_nth_allocation);
    RP_RUN(test_hook_runs_the_oom_handler);
    RP_RUN(test_fail_raw);
    RP_RUN(test_fail_builtins);
    RP_RUN(test_fail_cycles);
    RP_RUN(test_fail_weakrefs);
    RP_RUN(test_fail_trace);
    RP_RUN(test_fail_all);
    return rp_test_end();
}

#else

int main(void)
{
    rp_test_begin("alloc_failure");
    rp_printf("RP_CFG_FAULT_INJECT is off in this build: nothing to run\n");
    return rp_test_end();
}

#endif
