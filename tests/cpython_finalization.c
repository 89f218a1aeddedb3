/* cpython_finalization.c — CPython's Lib/test/test_finalization.py (PEP 442), translated:
 * each test is named test_finalization__<CPython test> (with the class's name where two
 * classes share a test name) and checks what CPython's checks, through refpool's public
 * API (docs/cpython-tests.md maps every CPython test).
 *
 * CPython's classes become slot types sharing one layout: slots ref, left, right; raw
 * bytes id (the object's address when made: check_sanity), suicided, shape (plain,
 * self-cycle, chained). The finalizer records its call, checks the object is sane, then
 * runs its class's side effect: none, resurrect (append self to `survivors`), or break
 * its own cycle. CPython's non-GC classes become untracked objects. */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"

/* How many objects gc.garbage holds, and how many generation g tracks (the buffer APIs
 * count through their total). */
static size_t garbage_len(void)
{
    size_t n;
    rp_gc_garbage(0, 0, &n);
    return n;
}
#include "rp_weakref.h"

enum { REF = 0, LEFT = 1, RIGHT = 2 };
enum { PLAIN = 0, SELF_CYCLE = 1, CHAINED = 2 };
enum side_effect { NONE, RESURRECT, SUICIDE };

typedef struct raw {
    uint32_t id, suicided, shape;
} raw_t;

static rp_obj_t *survivors;          /* SimpleBase.survivors */
static uintptr_t del_calls[16];      /* ids, in call order */
static unsigned ndel, errors;
static int cleaning;

static raw_t *raw(rp_obj_t *o) { return (raw_t *)rp_raw(o); }
static uint32_t id_of(rp_obj_t *o) { return (uint32_t)(uintptr_t)o; }

static int sane(rp_obj_t *o)
{
    raw_t *r = raw(o);
    if (r->id != id_of(o))
        return 0;
    if (r->shape == SELF_CYCLE)
        return rp_slot(o, REF) == o;
    if (r->shape != CHAINED)
        return 1;
    if (r->suicided)
        return !rp_slot(o, LEFT) && !rp_slot(o, RIGHT);
    rp_obj_t *left = rp_slot(o, LEFT), *right = rp_slot(o, RIGHT);
    if (!left || !right)
        return 0;
    if (raw(left)->suicided ? rp_slot(left, RIGHT) != 0 : rp_slot(left, RIGHT) != o)
        return 0;
    return raw(right)->suicided ? rp_slot(right, LEFT) == 0 : rp_slot(right, LEFT) == o;
}

static void finalize_with(rp_obj_t *o, enum side_effect e)
{
    if (cleaning)
        return;
    if (ndel < 16)
        del_calls[ndel] = (uintptr_t)o;
    ndel++;
    if (!sane(o))
        errors++;
    if (e == RESURRECT) {
        rp_list_append(survivors, o);
    } else if (e == SUICIDE) {   /* break the reference cycle explicitly */
        raw(o)->suicided = 1;
        rp_slot_set(o, REF, 0);
        rp_slot_set(o, LEFT, 0);
        rp_slot_set(o, RIGHT, 0);
    }
}

static void simple_del(rp_obj_t *o) { finalize_with(o, NONE); }
static void resurrector_del(rp_obj_t *o) { finalize_with(o, RESURRECT); }
static void suicidal_del(rp_obj_t *o) { finalize_with(o, SUICIDE); }

static const char *const names[] = {"ref", "left", "right"};
#define FIN_TYPE(var, pyname, fin, extra)                                                                   \
    static uint8_t RP_TYPE_NUMBER(var);                                                                      \
    static const rp_type_t var##_type = {                                                                    \
        .name = pyname, .number = &var##_number, .slot_names = names, .nslots = 3, .nbytes = sizeof(raw_t), \
        .flags = RP_TYPE_GC | RP_TYPE_WEAKREF | (extra), .finalize = fin,                                    \
    }

FIN_TYPE(simple, "Simple", simple_del, 0);
FIN_TYPE(resurrector, "SimpleResurrector", resurrector_del, 0);
FIN_TYPE(suicidal, "Suicidal", suicidal_del, 0);
FIN_TYPE(legacy, "LegacySelfCycle", simple_del, RP_TYPE_LEGACY_FINALIZER);

static rp_obj_t *make(const rp_type_t *t, unsigned shape)
{
    rp_obj_t *o = rp_new(t);
    RP_CHECK(o != 0);
    raw(o)->id = id_of(o);
    raw(o)->shape = shape;
    if (shape == SELF_CYCLE)
        rp_slot_set(o, REF, o);
    return o;
}

/* NonGC, NonGCResurrector: untracked objects with a finalizer. */
static rp_obj_t *make_untracked(const rp_type_t *t)
{
    rp_obj_t *o = rp_obj_alloc(t, 3 * sizeof(rp_obj_t *) + sizeof(raw_t));
    RP_CHECK(o != 0);
    raw(o)->id = id_of(o);
    return o;
}

/* SimpleBase.test(): automatic collection off, calls forgotten; at the end survivors
 * and gc.garbage dropped, a collection, and no error recorded. */
static void begin(void)
{
    rp_test_fresh_objects();
    rp_gc_disable();
    survivors = rp_list_new();
    ndel = errors = 0;
    cleaning = 0;
}

static void end(void)
{
    cleaning = 1;
    RP_DECREF(survivors);
    survivors = 0;
    rp_gc_garbage_clear();
    rp_gc_collect(2);
    RP_CHECK_EQ(errors, 0);
    RP_CHECK_EQ(garbage_len(), 0);   /* TestBase.tearDown: nothing left in gc.garbage */
    rp_gc_enable();
}

/* sorted(del_calls) == sorted(ids): the same multiset. */
static int del_calls_are(rp_obj_t *const *ids, unsigned n)
{
    if (ndel != n || n > 16)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned want = 0, got = 0;
        for (unsigned j = 0; j < n; j++) {
            want += ids[j] == ids[i];
            got += del_calls[j] == (uintptr_t)ids[i];
        }
        if (want != got)
            return 0;
    }
    return 1;
}

static int survivors_are(rp_obj_t *const *ids, unsigned n)
{
    if (rp_list_len(survivors) != (int32_t)n)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        int found = 0;
        for (int32_t j = 0; j < (int32_t)n; j++) {
            rp_obj_t *s = 0;
            rp_list_get(survivors, j, &s);
            found |= s == ids[i];
        }
        if (!found)
            return 0;
    }
    return 1;
}

static void clear_survivors(void)
{
    rp_obj_t *s = 0;
    while (rp_list_len(survivors) > 0 && rp_list_pop(survivors, -1, &s) == RP_E_OK)
        RP_DECREF(s);
}

/* ---- SimpleFinalizationTest: no cycles ---- */

static void test_finalization__SimpleFinalizationTest__test_simple(void)
{
    begin();
    rp_obj_t *s = make(&simple_type, PLAIN), *ids[1] = {s};
    rp_obj_t *wr = rp_weakref_new(s, 0, 0);
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    RP_CHECK(rp_weakref_get(wr) == 0);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    RP_DECREF(wr);
    end();
    RP_ALL_BACK();
}

static void test_finalization__SimpleFinalizationTest__test_simple_resurrect(void)
{
    begin();
    rp_obj_t *s = make(&resurrector_type, PLAIN), *ids[1] = {s};
    rp_obj_t *wr = rp_weakref_new(s, 0, 0);
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(ids, 1));
    RP_CHECK(rp_weakref_get(wr) == s);   /* died by its count: resurrected before any clearing */
    clear_survivors();
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    end();
    RP_CHECK(rp_weakref_get(wr) == 0);
    RP_DECREF(wr);
    RP_ALL_BACK();
}

static void test_finalization__test_non_gc(void)
{
    begin();
    rp_obj_t *s = make_untracked(&simple_type), *ids[1] = {s};
    RP_CHECK(!rp_gc_is_tracked(s));
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    end();
    RP_ALL_BACK();
}

/* Deliberate difference (rp_gc.h): an untracked object's finalizer runs once, as any
 * other's; CPython calls a non-GC object's __del__ again when it dies again, and it
 * resurrects again. Here the second death frees it. */
static void test_finalization__test_non_gc_resurrect(void)
{
    begin();
    rp_obj_t *s = make_untracked(&resurrector_type), *ids[1] = {s};
    RP_CHECK(!rp_gc_is_tracked(s));
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(ids, 1));
    RP_CHECK(!rp_gc_is_tracked(s) && rp_gc_is_finalized(s));
    clear_survivors();
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));   /* CPython: ids * 2 */
    RP_CHECK(survivors_are(0, 0));     /* CPython: ids */
    end();
    RP_ALL_BACK();
}

/* ---- SelfCycleFinalizationTest ---- */

static void test_finalization__SelfCycleFinalizationTest__test_simple(void)
{
    begin();
    rp_obj_t *s = make(&simple_type, SELF_CYCLE), *ids[1] = {s};
    rp_obj_t *wr = rp_weakref_new(s, 0, 0);
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    RP_CHECK(rp_weakref_get(wr) == 0);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    RP_DECREF(wr);
    end();
    RP_ALL_BACK();
}

static void test_finalization__SelfCycleFinalizationTest__test_simple_resurrect(void)
{
    begin();
    rp_obj_t *s = make(&resurrector_type, SELF_CYCLE), *ids[1] = {s};
    rp_obj_t *wr = rp_weakref_new(s, 0, 0);
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(ids, 1));
    RP_CHECK(rp_weakref_get(wr) == 0);   /* cleared before finalizers ran */
    clear_survivors();                   /* not finalized again, not resurrected */
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    RP_CHECK(rp_weakref_get(wr) == 0);
    RP_DECREF(wr);
    end();
    RP_ALL_BACK();
}

static void test_finalization__test_simple_suicide(void)
{
    begin();
    rp_obj_t *s = make(&suicidal_type, SELF_CYCLE), *ids[1] = {s};
    rp_obj_t *wr = rp_weakref_new(s, 0, 0);
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    RP_CHECK(rp_weakref_get(wr) == 0);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    RP_CHECK(rp_weakref_get(wr) == 0);
    RP_DECREF(wr);
    end();
    RP_ALL_BACK();
}

/* ---- CycleChainFinalizationTest: a ring of n through left/right ---- */

#define MAX_CHAIN 6

static void build_chain(const rp_type_t *const *classes, unsigned n, rp_obj_t **nodes)
{
    for (unsigned i = 0; i < n; i++)
        nodes[i] = make(classes[i], CHAINED);
    for (unsigned i = 0; i < n; i++) {   /* nodes[i].chain(nodes[i-1]) */
        rp_obj_t *left = nodes[(i + n - 1) % n];
        rp_slot_set(nodes[i], LEFT, left);
        rp_slot_set(left, RIGHT, nodes[i]);
    }
}

static void check_chain(const rp_type_t *const *classes, unsigned n, int resurrecting)
{
    begin();
    rp_obj_t *nodes[MAX_CHAIN], *wrs[MAX_CHAIN], *surv[MAX_CHAIN];
    unsigned nsurv = 0;
    build_chain(classes, n, nodes);
    for (unsigned i = 0; i < n; i++) {
        wrs[i] = rp_weakref_new(nodes[i], 0, 0);
        if (classes[i] == &resurrector_type)
            surv[nsurv++] = nodes[i];
    }
    for (unsigned i = 0; i < n; i++)
        RP_DECREF(nodes[i]);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(nodes, n));
    RP_CHECK(survivors_are(surv, resurrecting ? nsurv : 0));
    for (unsigned i = 0; i < n; i++)
        RP_CHECK(rp_weakref_get(wrs[i]) == 0);
    clear_survivors();
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(nodes, n));
    RP_CHECK(survivors_are(0, 0));
    for (unsigned i = 0; i < n; i++)
        RP_DECREF(wrs[i]);
    end();
    RP_ALL_BACK();
}

#define S &simple_type
#define R &resurrector_type
#define X &suicidal_type

static void test_finalization__test_homogenous(void)
{
    const rp_type_t *c[] = {S, S, S};
    check_chain(c, 3, 0);
}

static void test_finalization__test_homogenous_resurrect(void)
{
    const rp_type_t *c[] = {R, R, R};
    check_chain(c, 3, 1);
}

static void test_finalization__test_homogenous_suicidal(void)
{
    const rp_type_t *c[] = {X, X, X};
    check_chain(c, 3, 0);
}

static void test_finalization__test_heterogenous_suicidal_one(void)
{
    const rp_type_t *c[] = {X, S, X, S};
    check_chain(c, 4, 0);
}

static void test_finalization__test_heterogenous_suicidal_two(void)
{
    const rp_type_t *c[] = {X, X, S, S};
    check_chain(c, 4, 0);
}

static void test_finalization__test_heterogenous_resurrect_one(void)
{
    const rp_type_t *c[] = {R, S, R, S};
    check_chain(c, 4, 1);
}

static void test_finalization__test_heterogenous_resurrect_two(void)
{
    const rp_type_t *c[] = {R, S, X, R, S, X};
    check_chain(c, 6, 1);
}

static void test_finalization__test_heterogenous_resurrect_three(void)
{
    const rp_type_t *c[] = {R, R, S, S, X, X};
    check_chain(c, 6, 1);
}

/* ---- LegacyFinalizationTest ---- */

/* A legacy-finalizer object outside any cycle dies by its count and its finalizer runs
 * once. CPython's Legacy has two hooks, __del__ (tp_finalize) and __tp_del__ (tp_del),
 * and counts both; refpool has one finalizer hook (RP_TYPE_LEGACY_FINALIZER only keeps
 * cycles out of collection), so the tp_del half has no counterpart. */
static void test_finalization__test_legacy(void)
{
    begin();
    rp_obj_t *s = make(&legacy_type, PLAIN), *ids[1] = {s};
    rp_obj_t *wr = rp_weakref_new(s, 0, 0);
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_CHECK(survivors_are(0, 0));
    RP_CHECK(rp_weakref_get(wr) == 0);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(ids, 1));
    RP_DECREF(wr);
    end();
    RP_ALL_BACK();
}

/* A self-cycle with a legacy finalizer ends in gc.garbage: no finalizer runs, its weak
 * reference is not cleared; once the program breaks the cycle and empties gc.garbage, it
 * dies. */
static void test_finalization__test_legacy_self_cycle(void)
{
    begin();
    rp_obj_t *s = make(&legacy_type, SELF_CYCLE), *ids[1] = {s};
    rp_obj_t *wr = rp_weakref_new(s, 0, 0);
    RP_DECREF(s);
    rp_gc_collect(2);
    RP_CHECK(del_calls_are(0, 0));
    RP_CHECK(survivors_are(0, 0));
    rp_obj_t *g[2];
    RP_CHECK_EQ(rp_gc_garbage(g, 2, 0), 1);
    RP_CHECK(g[0] == ids[0]);
    RP_CHECK(rp_weakref_get(wr) == s);
    rp_slot_set(g[0], REF, 0);   /* gc.garbage[0].ref = None */
    end();
    RP_CHECK(rp_weakref_get(wr) == 0);
    RP_DECREF(wr);
    RP_ALL_BACK();
}

int main(void)
{
    rp_test_begin("cpython_finalization");
    RP_RUN(test_finalization__SimpleFinalizationTest__test_simple);
    RP_RUN(test_finalization__SimpleFinalizationTest__test_simple_resurrect);
    RP_RUN(test_finalization__test_non_gc);
    RP_RUN(test_finalization__test_non_gc_resurrect);
    RP_RUN(test_finalization__SelfCycleFinalizationTest__test_simple);
    RP_RUN(test_finalization__SelfCycleFinalizationTest__test_simple_resurrect);
    RP_RUN(test_finalization__test_simple_suicide);
    RP_RUN(test_finalization__test_homogenous);
    RP_RUN(test_finalization__test_homogenous_resurrect);
    RP_RUN(test_finalization__test_homogenous_suicidal);
    RP_RUN(test_finalization__test_heterogenous_suicidal_one);
    RP_RUN(test_finalization__test_heterogenous_suicidal_two);
    RP_RUN(test_finalization__test_heterogenous_resurrect_one);
    RP_RUN(test_finalization__test_heterogenous_resurrect_two);
    RP_RUN(test_finalization__test_heterogenous_resurrect_three);
    RP_RUN(test_finalization__test_legacy);
    RP_RUN(test_finalization__test_legacy_self_cycle);
    return rp_test_end();
}
