/* cpython_weakref.c — CPython's Lib/test/test_weakref.py translated: the behaviour of each
 * case refpool's API can express, named test_weakref__<CPython test>. docs/cpython-tests.md
 * maps every CPython test to its translation here or says why there is none.
 *
 * Python classes become slot types: C (three attributes), Object (hash and equality by
 * its `arg`), RefCycle (a C whose first attribute is itself). A bound method used as a
 * callback becomes a C callback whose argument is the instance. Loop counts shrink with
 * the heap (scaled) so that the suite fits the 16 KiB microbit. */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"
#include "rp_weakref.h"

#define fresh() rp_test_fresh_objects()
#define all_back() RP_ALL_BACK()

/* ---- the classes ---- */

static uint8_t RP_TYPE_NUMBER(c);
static const char *const c_names[] = {"a", "b", "c"};
static const rp_type_t c_type = {
    .name = "C", .number = &c_number, .slot_names = c_names, .nslots = 3, .flags = RP_TYPE_GC | RP_TYPE_WEAKREF,
};

static uint8_t RP_TYPE_NUMBER(d);
static const rp_type_t d_type = {.name = "D", .number = &d_number, .flags = RP_TYPE_GC | RP_TYPE_WEAKREF};

static int is_object(const rp_obj_t *o);
static uint32_t object_hash(rp_obj_t *o)
{
    uint32_t h = 0;
    rp_hash(rp_slot(o, 0), &h);
    return h;
}

static int object_equal(rp_obj_t *a, rp_obj_t *b)
{
    return is_object(b) && rp_equal(rp_slot(a, 0), rp_slot(b, 0)) == 1;
}

static uint8_t RP_TYPE_NUMBER(object);
static const char *const object_names[] = {"arg"};
static const rp_type_t object_type = {
    .name = "Object", .number = &object_number, .slot_names = object_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF, .hash = object_hash, .equal = object_equal,
};

static void del_nothing(rp_obj_t *o) { (void)o; }
static uint8_t RP_TYPE_NUMBER(object_with_del);
static const rp_type_t object_with_del_type = {
    .name = "ObjectWithDel", .number = &object_with_del_number, .base = &object_type,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF, .hash = object_hash, .equal = object_equal, .finalize = del_nothing,
};

static int is_object(const rp_obj_t *o)
{
    const rp_type_t *t = rp_type_of(o);
    return t == &object_type || t == &object_with_del_type;
}

static rp_obj_t *new_c(void) { return rp_new(&c_type); }

/* Object(v): a new reference. */
static rp_obj_t *new_object_of(const rp_type_t *t, int32_t v)
{
    rp_obj_t *o = rp_new(t), *arg = rp_int_from_i32(v);
    rp_slot_set(o, 0, arg);
    RP_DECREF(arg);
    return o;
}

static rp_obj_t *new_object(int32_t v) { return new_object_of(&object_type, v); }

static rp_obj_t *new_refcycle(void)
{
    rp_obj_t *o = new_c();
    rp_slot_set(o, 0, o);
    return o;
}

static int32_t int_of(rp_obj_t *o)
{
    int64_t v = -1;
    rp_int_as_i64(o, &v);
    return (int32_t)v;
}

static uint32_t hash_of(rp_obj_t *o)
{
    uint32_t h = 0;
    return rp_hash(o, &h) == RP_E_OK ? h : 0xDEADu;
}

/* At most n, fewer on a small heap: each round needs about `each` bytes. */
static unsigned scaled(unsigned n, unsigned each)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    unsigned fit = s.arena_bytes / (2u * each);
    return fit < 2u ? 2u : fit < n ? fit : n;
}

/* ---- callbacks and what they saw ---- */

static unsigned cbcalled;
static void callback(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)ref;
    (void)arg;
    cbcalled++;
}

#define MAX_EVENTS 16
static const char *events[MAX_EVENTS];
static unsigned nevents;
static void note(const char *e)
{
    if (nevents < MAX_EVENTS)
        events[nevents] = e;
    nevents++;
}

static int events_are(const char *const *want, unsigned n)
{
    if (nevents != n)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        const char *a = events[i], *b = want[i];
        while (*a && *a == *b)
            a++, b++;
        if (*a != *b)
            return 0;
    }
    return 1;
}

/* ---- ReferencesTestCase ---- */

static void test_weakref__test_basic_ref(void)
{
    fresh();
    rp_obj_t *o = new_c(), *ref = rp_weakref_new(o, 0, 0);
    RP_CHECK(rp_weakref_get(ref) != 0);   /* live object: live reference */
    RP_CHECK(rp_weakref_get(ref) == o);   /* ref() is o */
    RP_DECREF(o);
    RP_CHECK(rp_weakref_get(ref) == 0);
    RP_DECREF(ref);
    all_back();
}

static void test_weakref__test_basic_callback(void)
{
    fresh();
    cbcalled = 0;
    rp_obj_t *o = new_c(), *ref = rp_weakref_new(o, callback, 0);
    RP_DECREF(o);
    RP_CHECK_EQ(cbcalled, 1);
    RP_CHECK(rp_weakref_get(ref) == 0);
    RP_DECREF(ref);
    all_back();
}

static void test_weakref__test_multiple_callbacks(void)
{
    fresh();
    cbcalled = 0;
    rp_obj_t *o = new_c();
    rp_obj_t *ref1 = rp_weakref_new(o, callback, 0), *ref2 = rp_weakref_new(o, callback, 0);
    RP_DECREF(o);
    RP_CHECK(rp_weakref_get(ref1) == 0);
    RP_CHECK(rp_weakref_get(ref2) == 0);
    RP_CHECK_EQ(cbcalled, 2);
    RP_DECREF(ref1);
    RP_DECREF(ref2);
    all_back();
}

/* Every reference is invalidated before any callback runs: the callback of the newer
 * reference reads the older one. */
static rp_obj_t *self_ref;
static unsigned selfref_alive_seen;
static void read_self_ref(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)ref;
    (void)arg;
    cbcalled++;
    if (rp_weakref_get(self_ref))
        selfref_alive_seen++;
}

static void test_weakref__test_multiple_selfref_callbacks(void)
{
    fresh();
    cbcalled = selfref_alive_seen = 0;
    rp_obj_t *c = new_c();
    self_ref = rp_weakref_new(c, read_self_ref, 0);
    rp_obj_t *ref1 = rp_weakref_new(c, read_self_ref, 0);
    RP_DECREF(c);
    RP_CHECK_EQ(cbcalled, 2);
    RP_CHECK_EQ(selfref_alive_seen, 0);
    RP_DECREF(ref1);
    RP_DECREF(self_ref);
    all_back();
}

/* The proxy of CPython's test (a reference between the two) becomes a reference with a
 * callback, which is never shared. */
static void test_weakref__test_ref_reuse(void)
{
    fresh();
    rp_obj_t *o = new_c();
    rp_obj_t *ref1 = rp_weakref_new(o, 0, 0), *between = rp_weakref_new(o, callback, 0);
    rp_obj_t *ref2 = rp_weakref_new(o, 0, 0);
    RP_CHECK(ref1 == ref2);   /* reference without callback re-used */
    RP_CHECK(between != ref1);
    RP_DECREF(ref1);
    RP_DECREF(ref2);
    RP_DECREF(between);
    RP_DECREF(o);

    o = new_c();
    between = rp_weakref_new(o, callback, 0);
    ref1 = rp_weakref_new(o, 0, 0);
    ref2 = rp_weakref_new(o, 0, 0);
    RP_CHECK(ref1 == ref2);
    RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 2);
    RP_DECREF(between);
    RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 1);
    RP_DECREF(ref1);
    RP_DECREF(ref2);
    RP_DECREF(o);
    all_back();
}

/* C has one way to say "no callback" (NULL), where the C API has NULL and None. */
static void test_weakref__test_shared_ref_without_callback(void)
{
    fresh();
    rp_obj_t *o = new_object(1);
    for (int round = 0; round < 2; round++) {
        rp_obj_t *p1 = rp_weakref_new(o, 0, 0), *p2 = rp_weakref_new(o, 0, 0);
        RP_CHECK(p1 == p2);
        RP_DECREF(p1);
        RP_DECREF(p2);   /* the next round makes a new one */
    }
    RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 0);
    RP_DECREF(o);
    all_back();
}

/* The two proxies become two more references with callbacks. */
static void test_weakref__test_getweakrefcount(void)
{
    fresh();
    rp_obj_t *o = new_c();
    rp_obj_t *ref1 = rp_weakref_new(o, 0, 0), *ref2 = rp_weakref_new(o, callback, 0);
    RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 2);
    rp_obj_t *ref3 = rp_weakref_new(o, 0, 0), *ref4 = rp_weakref_new(o, callback, 0);
    RP_CHECK(ref3 == ref1);   /* the shared one: no new reference */
    rp_obj_t *ref5 = rp_weakref_new(o, callback, 0);
    RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 4);
    RP_DECREF(ref1);
    RP_DECREF(ref2);
    RP_DECREF(ref3);
    RP_DECREF(ref4);
    RP_DECREF(ref5);
    RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 0);
    rp_obj_t *one = rp_int_from_i32(1);   /* ints do not support weak references */
    RP_CHECK_EQ(rp_weakref_getweakrefcount(one), 0);
    RP_DECREF(one);
    RP_DECREF(o);
    all_back();
}

/* getweakrefs(o) == [ref]: the one reference left is counted and still names o. */
static void test_weakref__test_getweakrefs(void)
{
    fresh();
    for (int drop_newer = 0; drop_newer < 2; drop_newer++) {
        rp_obj_t *o = new_c();
        rp_obj_t *ref1 = rp_weakref_new(o, callback, 0), *ref2 = rp_weakref_new(o, callback, 0);
        rp_obj_t *kept = drop_newer ? ref1 : ref2;
        RP_DECREF(drop_newer ? ref2 : ref1);
        RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 1);
        RP_CHECK(rp_weakref_get(kept) == o);
        RP_DECREF(kept);
        RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 0);
        RP_DECREF(o);
    }
    rp_obj_t *one = rp_int_from_i32(1);
    RP_CHECK_EQ(rp_weakref_getweakrefcount(one), 0);
    RP_DECREF(one);
    all_back();
}

/* A callback runs while its caller is returning an error (Python: with an exception set);
 * the error reaches the caller unchanged and the callback still does its work. */
#define BOGUS_ERROR RP_E_INDEX
static void remove_from_data(rp_obj_t *ref, rp_obj_t *data)
{
    rp_dict_del(data, ref);
}

static rp_err_t encapsulate(rp_obj_t *data)
{
    rp_obj_t *f = new_c();
    rp_obj_t *k = rp_weakref_new(f, remove_from_data, data);
    rp_dict_set(data, k, rp_none());
    RP_DECREF(k);
    RP_DECREF(f);   /* f dies as the function returns its error */
    return BOGUS_ERROR;
}

static void test_weakref__test_callbacks_protected(void)
{
    fresh();
    rp_obj_t *data = rp_dict_new();
    RP_CHECK_EQ(encapsulate(data), BOGUS_ERROR);
    RP_CHECK_EQ(rp_dict_len(data), 0);
    RP_CHECK_EQ(encapsulate(data), BOGUS_ERROR);
    RP_CHECK_EQ(rp_dict_len(data), 0);
    RP_DECREF(data);
    all_back();
}

static void collect_callback(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)ref;
    (void)arg;
    cbcalled++;
    rp_gc_collect(2);
}

/* "weakref callbacks and gc corrupt memory": a callback that collects must not expose the
 * instance being deallocated to the collector. */
static void test_weakref__test_sf_bug_840829(void)
{
    fresh();
    cbcalled = 0;
    rp_obj_t *c = new_c(), *wr = rp_weakref_new(c, collect_callback, 0);
    RP_DECREF(c);
    RP_CHECK_EQ(cbcalled, 1);
    RP_DECREF(wr);
    RP_ALL_OK();

    rp_obj_t *c1 = new_c(), *i = new_c();
    rp_slot_set(c1, 0, i);
    wr = rp_weakref_new(i, collect_callback, 0);
    RP_DECREF(i);
    rp_obj_t *c2 = new_c();
    rp_slot_set(c2, 0, c1);
    RP_DECREF(c1);   /* still alive: c2 points to it */
    RP_DECREF(c2);   /* c2, c1, then i die; i's callback collects */
    RP_CHECK_EQ(cbcalled, 2);
    RP_DECREF(wr);
    all_back();
}

/* A callback that reads its instance's attributes; the weak reference is part of the
 * cyclic trash, so it is cleared without being called. */
static unsigned acallback_calls;
static void read_self(rp_obj_t *ref, rp_obj_t *self)
{
    (void)ref;
    acallback_calls++;
    for (unsigned k = 0; k < 3; k++)
        (void)rp_slot(self, k);
}

static void test_weakref__test_callback_in_cycle(void)
{
    fresh();
    acallback_calls = 0;
    rp_obj_t *j = new_refcycle();   /* the class J: in a self-cycle, as classes are */
    rp_obj_t *inst = new_c();       /* I */
    rp_slot_set(inst, 0, j);        /* I.J = J */
    rp_obj_t *wr = rp_weakref_new(j, read_self, inst);   /* I.wr = ref(J, I.acallback) */
    rp_slot_set(inst, 1, wr);
    RP_DECREF(wr);
    RP_DECREF(inst);
    RP_DECREF(j);
    RP_CHECK(rp_gc_collect(2) >= 3);
    RP_CHECK_EQ(acallback_calls, 0);
    all_back();
}

static void reachable_one_way(const rp_type_t *c1_type)
{
    fresh();
    acallback_calls = 0;
    rp_obj_t *c1 = rp_new(c1_type), *c2 = new_c();
    rp_slot_set(c2, 0, c2);   /* c2.me = c2 */
    rp_slot_set(c2, 1, c1);   /* c2.c1 = c1 */
    rp_obj_t *wr = rp_weakref_new(c1, read_self, c2);   /* c2.wr = ref(c1, c2.cb) */
    rp_slot_set(c2, 2, wr);
    RP_DECREF(wr);
    RP_DECREF(c1);
    RP_DECREF(c2);
    RP_CHECK_EQ(rp_gc_collect(2), 3);
    RP_CHECK_EQ(acallback_calls, 0);
    all_back();
}

static void test_weakref__test_callback_reachable_one_way(void) { reachable_one_way(&c_type); }
static void test_weakref__test_callback_different_classes(void) { reachable_one_way(&d_type); }

/* Weak references that are cyclic trash are cleared without their callbacks, so nothing
 * is resurrected; the one to the class, held from outside, is called. */
static void append_partner(rp_obj_t *ref, rp_obj_t *self)
{
    (void)ref;
    (void)self;
    note("acallback");
}

static void c_went_away(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)ref;
    (void)arg;
    note("C went away");
}

static void test_weakref__test_callback_in_cycle_resurrection(void)
{
    fresh();
    nevents = 0;
    rp_obj_t *klass = new_refcycle();   /* C, which its instances refer to */
    rp_obj_t *c1 = new_c(), *c2 = new_c();
    rp_slot_set(c1, 2, klass);
    rp_slot_set(c2, 2, klass);
    rp_slot_set(c1, 0, c2);
    rp_slot_set(c2, 0, c1);
    rp_obj_t *w1 = rp_weakref_new(c2, append_partner, c1), *w2 = rp_weakref_new(c1, append_partner, c2);
    rp_slot_set(c1, 1, w1);
    rp_slot_set(c2, 1, w2);
    RP_DECREF(w1);
    RP_DECREF(w2);
    rp_obj_t *wr = rp_weakref_new(klass, c_went_away, 0);
    RP_DECREF(c1);
    RP_DECREF(c2);
    RP_DECREF(klass);
    RP_CHECK_EQ(nevents, 0);   /* del is not enough to reclaim anything */
    rp_gc_collect(2);
    static const char *const want[] = {"C went away"};
    RP_CHECK(events_are(want, 1));
    RP_CHECK(rp_weakref_get(wr) == 0);
    nevents = 0;
    rp_gc_collect(2);
    RP_CHECK_EQ(nevents, 0);
    RP_DECREF(wr);
    all_back();
}

static void cb_called(rp_obj_t *ref, rp_obj_t *self)
{
    (void)ref;
    (void)self;
    note("cb called");
}

static void safe_callback(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)ref;
    (void)arg;
    note("safe_callback called");
}

/* Callbacks on callbacks: the bound method c.cb is an object holding c; it is part of
 * the trash, and so are the weak references attached to c and d. */
static void test_weakref__test_callbacks_on_callback(void)
{
    fresh();
    nevents = 0;
    rp_obj_t *c = new_c(), *d = new_c();
    rp_slot_set(c, 0, d);
    rp_slot_set(d, 0, c);
    rp_obj_t *bound = new_c();   /* callback = c.cb */
    rp_slot_set(bound, 0, c);
    rp_obj_t *cw = rp_weakref_new(d, cb_called, bound);   /* c.wr = ref(d, callback) */
    rp_obj_t *dw = rp_weakref_new(bound, cb_called, d);   /* d.wr = ref(callback, d.cb) */
    rp_slot_set(c, 1, cw);
    rp_slot_set(d, 1, dw);
    RP_DECREF(cw);
    RP_DECREF(dw);
    rp_obj_t *external_wr = rp_weakref_new(bound, safe_callback, 0);
    RP_CHECK(rp_weakref_get(external_wr) == bound);
    RP_DECREF(bound);
    RP_DECREF(c);
    RP_DECREF(d);
    RP_CHECK_EQ(nevents, 0);
    rp_gc_collect(2);
    static const char *const want[] = {"safe_callback called"};
    RP_CHECK(events_are(want, 1));
    RP_CHECK(rp_weakref_get(external_wr) == 0);
    nevents = 0;
    rp_gc_collect(2);
    RP_CHECK_EQ(nevents, 0);
    RP_DECREF(external_wr);
    all_back();
}

/* With thresholds 1, creating a weak reference collects: the trash being collected holds
 * the shared reference to the same object. */
static void test_weakref__test_gc_during_ref_creation(void)
{
    fresh();
    uint32_t th[RP_GC_GENERATIONS];
    rp_gc_get_threshold(th);
    rp_gc_set_threshold(1, 1, 1);
    rp_gc_collect(2);
    rp_obj_t *referenced = new_c(), *a = new_c();
    rp_slot_set(a, 0, a);
    rp_obj_t *wr = rp_weakref_new(referenced, 0, 0);   /* a.wr = ref(referenced) */
    rp_slot_set(a, 1, wr);
    RP_DECREF(wr);
    RP_DECREF(a);   /* a and its reference are cyclic trash now */
    rp_obj_t *a2 = new_c();
    rp_obj_t *r = rp_weakref_new(referenced, callback, 0);
    RP_CHECK(r != 0);
    RP_CHECK(rp_weakref_get(r) == referenced);
    RP_ALL_OK();
    rp_gc_set_threshold(th[0], th[1], th[2]);
    RP_DECREF(r);
    RP_DECREF(a2);
    RP_DECREF(referenced);
    rp_gc_collect(2);
    all_back();
}

/* A weak reference made in __del__ is cleared when the object is freed. */
static rp_obj_t *ref_from_del;
static void make_ref_from_del(rp_obj_t *self) { ref_from_del = rp_weakref_new(self, 0, 0); }
static uint8_t RP_TYPE_NUMBER(target);
static const rp_type_t target_type = {
    .name = "Target", .number = &target_number, .flags = RP_TYPE_GC | RP_TYPE_WEAKREF, .finalize = make_ref_from_del,
};

static void test_weakref__test_ref_created_during_del(void)
{
    fresh();
    ref_from_del = 0;
    rp_obj_t *w = rp_new(&target_type);
    RP_DECREF(w);
    RP_CHECK(ref_from_del != 0);
    RP_CHECK(rp_weakref_get(ref_from_del) == 0);
    RP_XDECREF(ref_from_del);
    all_back();
}

/* Alive references compare as their referents; dead ones by identity. (ALWAYS_EQ has no
 * counterpart: equality is the referent type's hook.) */
static void test_weakref__test_equality(void)
{
    fresh();
    rp_obj_t *x = new_object(1), *y = new_object(1), *z = new_object(2);
    rp_obj_t *a = rp_weakref_new(x, 0, 0), *b = rp_weakref_new(y, 0, 0), *c = rp_weakref_new(z, 0, 0);
    rp_obj_t *d = rp_weakref_new(x, 0, 0);
    RP_CHECK_EQ(rp_equal(a, b), 1);
    RP_CHECK_EQ(rp_equal(a, c), 0);
    RP_CHECK_EQ(rp_equal(a, d), 1);
    RP_CHECK_EQ(rp_equal(a, x), 0);   /* a reference is not its referent */
    RP_DECREF(x);
    RP_DECREF(y);
    RP_DECREF(z);
    rp_gc_collect(2);
    RP_CHECK(!rp_weakref_get(a) && !rp_weakref_get(b) && !rp_weakref_get(c));
    RP_CHECK_EQ(rp_equal(a, b), 0);
    RP_CHECK_EQ(rp_equal(a, c), 0);
    RP_CHECK_EQ(rp_equal(a, d), a == d);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(c);
    RP_DECREF(d);
    all_back();
}

/* Alive references hash as their referent, and keep that hash once dead. Deliberate
 * difference: the hash is taken at creation, so b, never hashed while alive, still
 * hashes as its referent did (CPython raises TypeError). */
static void test_weakref__test_hashing(void)
{
    fresh();
    rp_obj_t *x = new_object(42), *y = new_object(42), *fortytwo = rp_int_from_i32(42);
    rp_obj_t *a = rp_weakref_new(x, 0, 0), *b = rp_weakref_new(y, 0, 0);
    RP_CHECK_EQ(hash_of(a), hash_of(fortytwo));
    RP_DECREF(x);
    RP_DECREF(y);
    rp_gc_collect(2);
    RP_CHECK_EQ(hash_of(a), hash_of(fortytwo));
    RP_CHECK_EQ(hash_of(b), hash_of(fortytwo));
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(fortytwo);
    all_back();
}

/* Issue 16602: the target of a weak reference, dying in a long deallocation chain, is
 * not visible from outside once its count reached 0. Each C holds wparent = ref(parent,
 * cb), whose argument is wself = ref(self); cb does o = wself(), then drops o. The chain
 * runs through a WeakKeyDictionary: d[parent] = child. */
static void take_and_drop(rp_obj_t *wparent, rp_obj_t *wself)
{
    (void)wparent;
    rp_obj_t *o = rp_weakref_get(wself);
    if (o) {
        RP_INCREF(o);
        RP_DECREF(o);
    }
}

static rp_obj_t *new_chained_c(rp_obj_t *parent)
{
    rp_obj_t *self = new_c();
    if (!parent)
        return self;
    rp_obj_t *wself = rp_weakref_new(self, 0, 0);
    rp_obj_t *wparent = rp_weakref_new(parent, take_and_drop, wself);
    rp_slot_set(self, 0, wparent);
    RP_DECREF(wparent);
    RP_DECREF(wself);
    return self;
}

static void test_weakref__test_trashcan_16602(void)
{
    fresh();
    rp_obj_t *d = rp_weakkeydict_new();
    rp_obj_t *root = new_chained_c(0), *c = root;
    RP_INCREF(c);
    unsigned n = scaled(100, 240);
    for (unsigned k = 0; k < n; k++) {
        rp_obj_t *child = new_chained_c(c);
        RP_CHECK_EQ(rp_weakdict_set(d, c, child), RP_E_OK);   /* d[c] = c = C(c) */
        RP_DECREF(c);
        c = child;
    }
    RP_CHECK_EQ(rp_weakdict_len(d), n);
    RP_DECREF(root);   /* the whole chain but the last goes */
    rp_gc_collect(2);
    RP_CHECK_EQ(rp_weakdict_len(d), 0);
    RP_ALL_OK();
    RP_DECREF(c);
    RP_DECREF(d);
    all_back();
}

static void test_weakref__test_callback_gcs(void)
{
    fresh();
    cbcalled = 0;
    rp_obj_t *x = new_object_of(&object_with_del_type, 1);
    rp_obj_t *ref1 = rp_weakref_new(x, collect_callback, 0);
    RP_DECREF(x);
    rp_gc_collect(2);
    RP_CHECK_EQ(cbcalled, 1);
    RP_DECREF(ref1);
    all_back();
}

/* Clearing weak references allocates nothing: with the heap full, every callback runs. */
static void *filler;
static void fill_heap(void)
{
    filler = 0;
    for (size_t n = 1024; n >= 8; n /= 2)
        for (void **p; (p = rp_malloc(n)) != 0;) {
            *p = filler;
            filler = p;
        }
}

static void free_filler(void)
{
    while (filler) {
        void *next = *(void **)filler;
        rp_free(filler);
        filler = next;
    }
}

static void test_weakref__test_no_memory_when_clearing(void)
{
    fresh();
    cbcalled = 0;
    enum { MAXN = 50 };
    rp_obj_t *obj = new_c(), *wrs[MAXN];
    unsigned n = scaled(MAXN, 200);
    for (unsigned i = 0; i < n; i++)
        wrs[i] = rp_weakref_new(obj, callback, 0);
    fill_heap();
    RP_CHECK(rp_malloc(8) == 0);
    RP_DECREF(obj);
    RP_CHECK_EQ(cbcalled, n);
    free_filler();
    RP_ALL_OK();
    for (unsigned i = 0; i < n; i++)
        RP_DECREF(wrs[i]);
    all_back();
}

/* ---- SubclassableWeakrefTestCase (the parts without a subclass) ---- */

static void other_callback(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)ref;
    (void)arg;
}

static void test_weakref__test_subclass_refs_dont_conflate_callbacks(void)
{
    fresh();
    rp_obj_t *o = new_object(42);
    rp_obj_t *r1 = rp_weakref_new(o, callback, 0), *r2 = rp_weakref_new(o, other_callback, 0);
    RP_CHECK(r1 != r2);
    RP_CHECK_EQ(rp_weakref_getweakrefcount(o), 2);
    RP_DECREF(r1);
    RP_DECREF(r2);
    RP_DECREF(o);
    all_back();
}

/* bpo-3100: a weak reference that holds the only strong reference to its referent (here
 * through its callback argument, the subclass attribute of the original) is deleted; the
 * referent dies with it and the dying reference's callback is not called. */
static void test_weakref__test_subclass_refs_with_cycle(void)
{
    fresh();
    cbcalled = 0;
    rp_obj_t *o = new_c();
    rp_obj_t *r1 = rp_weakref_new(o, callback, o);   /* r1.o = o */
    RP_DECREF(o);
    RP_DECREF(r1);
    RP_CHECK_EQ(cbcalled, 0);
    RP_ALL_OK();

    o = new_c();
    rp_obj_t *r2 = rp_weakref_new(o, callback, o);   /* r2.o = o */
    r1 = rp_weakref_new(o, callback, r2);            /* r1.r = r2 */
    RP_DECREF(o);
    RP_DECREF(r2);
    RP_DECREF(r1);
    RP_CHECK_EQ(cbcalled, 0);
    all_back();
}

/* ---- MappingTestCase ---- */

enum { COUNT = 10 };

static rp_obj_t *make_weak_valued_dict(rp_obj_t **objects)
{
    rp_obj_t *d = rp_weakvaluedict_new();
    for (int i = 0; i < COUNT; i++) {
        objects[i] = new_object(i);
        rp_weakdict_set(d, rp_slot(objects[i], 0), objects[i]);   /* dict[o.arg] = o */
    }
    return d;
}

static rp_obj_t *make_weak_keyed_dict(rp_obj_t **objects)
{
    rp_obj_t *d = rp_weakkeydict_new();
    for (int i = 0; i < COUNT; i++) {
        objects[i] = new_object(i);
        rp_weakdict_set(d, objects[i], rp_slot(objects[i], 0));   /* dict[o] = o.arg */
    }
    return d;
}

static void drop_all(rp_obj_t **objects, int n)
{
    for (int i = 0; i < n; i++)
        RP_XDECREF(objects[i]);
}

/* No iterator keeps an item alive here (iteration is by position), so n1 is 0. */
static void check_len_cycles(rp_obj_t *(*make)(void), int keyed)
{
    fresh();
    enum { N = 20 };
    rp_obj_t *items[N], *one = rp_int_from_i32(1);
    rp_obj_t *dct = make();
    for (int i = 0; i < N; i++) {
        items[i] = new_refcycle();
        rp_weakdict_set(dct, keyed ? items[i] : one, keyed ? one : items[i]);
    }
    uint32_t pos = 0;
    (void)rp_weakdict_next(dct, &pos, 0, 0);   /* it = dct.items(); next(it) */
    drop_all(items, N);
    rp_gc_collect(2);
    int32_t n1 = rp_weakdict_len(dct);
    rp_gc_collect(2);
    int32_t n2 = rp_weakdict_len(dct);
    RP_CHECK(n1 == 0 || n1 == 1);
    RP_CHECK_EQ(n2, 0);
    RP_DECREF(dct);
    RP_DECREF(one);
    all_back();
}

static void test_weakref__test_weak_keyed_len_cycles(void) { check_len_cycles(rp_weakkeydict_new, 1); }
static void test_weakref__test_weak_valued_len_cycles(void) { check_len_cycles(rp_weakvaluedict_new, 0); }

static void check_len_race(rp_obj_t *(*make)(void), int keyed)
{
    fresh();
    enum { N = 20 };
    uint32_t th[RP_GC_GENERATIONS];
    rp_gc_get_threshold(th);
    rp_obj_t *one = rp_int_from_i32(1);
    unsigned rounds = scaled(99, 60);
    for (unsigned t = 1; t <= rounds; t++) {
        rp_gc_collect(0);
        rp_gc_set_threshold(t, t, t);
        rp_obj_t *items[N], *dct = make();
        for (int i = 0; i < N; i++) {
            items[i] = new_refcycle();
            rp_weakdict_set(dct, keyed ? items[i] : one, keyed ? one : items[i]);
        }
        drop_all(items, N);   /* all go at the next collection */
        uint32_t pos = 0;
        (void)rp_weakdict_next(dct, &pos, 0, 0);
        int32_t n1 = rp_weakdict_len(dct), n2 = rp_weakdict_len(dct);
        RP_CHECK(n1 >= 0 && n1 <= N);
        RP_CHECK(n2 >= 0 && n2 <= n1);
        RP_DECREF(dct);
    }
    rp_gc_set_threshold(th[0], th[1], th[2]);
    rp_gc_collect(2);
    RP_DECREF(one);
    all_back();
}

static void test_weakref__test_weak_keyed_len_race(void) { check_len_race(rp_weakkeydict_new, 1); }
static void test_weakref__test_weak_valued_len_race(void) { check_len_race(rp_weakvaluedict_new, 0); }

/* Every live entry is met once by iteration (items, keys and values alike: rp_weakdict_next
 * gives both); `objects` holds what must be met. */
static void check_iters(rp_obj_t *dict, rp_obj_t **objects, int n, int keyed)
{
    unsigned seen = 0;
    uint32_t pos = 0;
    rp_obj_t *k, *v;
    int met[COUNT] = {0};
    while (rp_weakdict_next(dict, &pos, &k, &v) == RP_E_OK) {
        rp_obj_t *o = keyed ? k : v, *arg = keyed ? v : k;
        for (int i = 0; i < n; i++)
            if (objects[i] == o) {
                met[i]++;
                RP_CHECK_EQ(rp_equal(rp_slot(o, 0), arg), 1);
            }
        seen++;
    }
    RP_CHECK_EQ(seen, n);
    for (int i = 0; i < n; i++)
        RP_CHECK_EQ(met[i], 1);
}

static void test_weakref__test_weak_values(void)
{
    fresh();
    rp_obj_t *objects[COUNT], *out = 0;
    rp_obj_t *dict = make_weak_valued_dict(objects);
    for (int i = 0; i < COUNT; i++) {
        RP_CHECK_EQ(rp_weakref_getweakrefcount(objects[i]), 1);
        RP_CHECK(rp_weakdict_get(dict, rp_slot(objects[i], 0), &out) == RP_E_OK && out == objects[i]);
    }
    check_iters(dict, objects, COUNT, 0);
    RP_CHECK_EQ(rp_weakdict_len(dict), COUNT);
    RP_DECREF(objects[0]);
    objects[0] = 0;
    RP_CHECK_EQ(rp_weakdict_len(dict), COUNT - 1);
    drop_all(objects, COUNT);
    RP_CHECK_EQ(rp_weakdict_len(dict), 0);
    RP_DECREF(dict);
    /* SF bug #447152 */
    dict = rp_weakvaluedict_new();
    rp_obj_t *one = rp_int_from_i32(1), *two = rp_int_from_i32(2), *c = new_c();
    RP_CHECK_EQ(rp_weakdict_get(dict, one, &out), RP_E_KEY);
    rp_weakdict_set(dict, two, c);
    RP_DECREF(c);   /* dict[2] = C() */
    RP_CHECK_EQ(rp_weakdict_get(dict, two, &out), RP_E_KEY);
    RP_DECREF(one);
    RP_DECREF(two);
    RP_DECREF(dict);
    all_back();
}

static void test_weakref__test_weak_keys(void)
{
    fresh();
    rp_obj_t *objects[COUNT], *out = 0;
    rp_obj_t *dict = make_weak_keyed_dict(objects);
    for (int i = 0; i < COUNT; i++) {
        RP_CHECK_EQ(rp_weakref_getweakrefcount(objects[i]), 1);
        RP_CHECK(rp_weakdict_get(dict, objects[i], &out) == RP_E_OK && out == rp_slot(objects[i], 0));
    }
    check_iters(dict, objects, COUNT, 1);
    RP_CHECK_EQ(rp_weakdict_len(dict), COUNT);
    RP_DECREF(objects[0]);
    objects[0] = 0;
    RP_CHECK_EQ(rp_weakdict_len(dict), COUNT - 1);
    drop_all(objects, COUNT);
    RP_CHECK_EQ(rp_weakdict_len(dict), 0);
    rp_obj_t *o = new_object(42), *meaning = rp_str_from_cstr("What is the meaning of the universe?");
    rp_obj_t *thirtyfour = rp_int_from_i32(34);
    RP_CHECK_EQ(rp_weakdict_set(dict, o, meaning), RP_E_OK);
    RP_CHECK_EQ(rp_weakdict_get(dict, o, 0), RP_E_OK);       /* o in dict */
    RP_CHECK(rp_weakdict_get(dict, thirtyfour, 0) != RP_E_OK);   /* 34 not in dict */
    RP_DECREF(thirtyfour);
    RP_DECREF(meaning);
    RP_DECREF(o);
    RP_DECREF(dict);
    all_back();
}

static void test_weakref__test_weak_keyed_iters(void)
{
    fresh();
    rp_obj_t *objects[COUNT];
    rp_obj_t *dict = make_weak_keyed_dict(objects);
    check_iters(dict, objects, COUNT, 1);
    drop_all(objects, COUNT);
    RP_DECREF(dict);
    all_back();
}

static void test_weakref__test_weak_valued_iters(void)
{
    fresh();
    rp_obj_t *objects[COUNT];
    rp_obj_t *dict = make_weak_valued_dict(objects);
    check_iters(dict, objects, COUNT, 0);
    drop_all(objects, COUNT);
    RP_DECREF(dict);
    all_back();
}

/* Issue #7105: an entry removed by its referent's death while an iteration is under way;
 * then explicit changes while an entry is scheduled for removal (the parts of CPython's
 * testcontext the API has: `in`, del, set). */
static unsigned rest_of(rp_obj_t *dict, uint32_t pos)
{
    unsigned n = 0;
    while (rp_weakdict_next(dict, &pos, 0, 0) == RP_E_OK)
        n++;
    return n;
}

static void destroy_while_iterating(int keyed)
{
    fresh();
    rp_obj_t *objects[COUNT], *out = 0;
    rp_obj_t *dict = keyed ? make_weak_keyed_dict(objects) : make_weak_valued_dict(objects);
    int live = COUNT;
    for (int round = 0; round < 3; round++) {   /* keys, items, values */
        int32_t n = rp_weakdict_len(dict);
        uint32_t pos = 0;
        RP_CHECK_EQ(rp_weakdict_next(dict, &pos, 0, 0), RP_E_OK);
        RP_DECREF(objects[--live]);
        objects[live] = 0;
        rp_gc_collect(2);
        unsigned rest = rest_of(dict, pos);
        RP_CHECK(rest == (unsigned)live || rest == (unsigned)live - 1u);
        RP_CHECK_EQ(rp_weakdict_len(dict), n - 1);
    }
    /* testcontext: an entry is scheduled for removal and recreated as (k, v). */
    for (int step = 0; step < 3; step++) {
        uint32_t pos = 0;
        rp_weakdict_next(dict, &pos, 0, 0);
        int32_t arg = int_of(rp_slot(objects[live - 1], 0));
        RP_DECREF(objects[--live]);
        objects[live] = 0;
        rp_gc_collect(2);
        rp_obj_t *o = new_object(arg), *k = keyed ? o : rp_slot(o, 0), *v = keyed ? rp_slot(o, 0) : o;
        if (step == 0) {
            RP_CHECK_EQ(rp_weakdict_get(dict, k, 0), RP_E_KEY);   /* k not in dict */
        } else if (step == 1) {
            RP_CHECK_EQ(rp_weakdict_del(dict, k), RP_E_KEY);
            RP_CHECK_EQ(rp_weakdict_get(dict, k, 0), RP_E_KEY);
        } else {
            RP_CHECK_EQ(rp_weakdict_set(dict, k, v), RP_E_OK);
            RP_CHECK(rp_weakdict_get(dict, k, &out) == RP_E_OK && out == v);
            RP_CHECK_EQ(rp_weakdict_len(dict), live + 1);
        }
        RP_DECREF(o);
    }
    RP_ALL_OK();
    drop_all(objects, live);
    RP_DECREF(dict);
    all_back();
}

static void test_weakref__test_weak_keys_destroy_while_iterating(void) { destroy_while_iterating(1); }
static void test_weakref__test_weak_values_destroy_while_iterating(void) { destroy_while_iterating(0); }

/* WeakKeyDictionary({o: 364}) and WeakValueDictionary({364: o}): made from a dict. */
static rp_obj_t *weak_from_dict(rp_obj_t *(*make)(void), rp_obj_t *src)
{
    rp_obj_t *w = make(), *k, *v;
    uint32_t pos = 0;
    while (rp_dict_next(src, &pos, &k, &v) == RP_E_OK)
        rp_weakdict_set(w, k, v);
    return w;
}

static void make_from_dict(int keyed)
{
    fresh();
    rp_obj_t *o = new_object(3), *n364 = rp_int_from_i32(364), *src = rp_dict_new(), *out = 0;
    rp_dict_set(src, keyed ? o : n364, keyed ? n364 : o);
    rp_obj_t *dict = weak_from_dict(keyed ? rp_weakkeydict_new : rp_weakvaluedict_new, src);
    RP_CHECK(rp_weakdict_get(dict, keyed ? o : n364, &out) == RP_E_OK && out == (keyed ? n364 : o));
    RP_DECREF(src);
    RP_DECREF(dict);
    RP_DECREF(n364);
    RP_DECREF(o);
    all_back();
}

static void test_weakref__test_make_weak_keyed_dict_from_dict(void) { make_from_dict(1); }
static void test_weakref__test_make_weak_valued_dict_from_dict(void) { make_from_dict(0); }

static void test_weakref__test_weak_keyed_delitem(void)
{
    fresh();
    rp_obj_t *d = rp_weakkeydict_new(), *s1 = rp_str_from_cstr("1"), *s2 = rp_str_from_cstr("2");
    rp_obj_t *o1 = rp_new(&object_type), *o2 = rp_new(&object_type), *something = rp_str_from_cstr("something");
    rp_slot_set(o1, 0, s1);
    rp_slot_set(o2, 0, s2);
    rp_weakdict_set(d, o1, something);
    rp_weakdict_set(d, o2, something);
    RP_CHECK_EQ(rp_weakdict_len(d), 2);
    RP_CHECK_EQ(rp_weakdict_del(d, o1), RP_E_OK);
    RP_CHECK_EQ(rp_weakdict_len(d), 1);
    uint32_t pos = 0;
    rp_obj_t *k = 0;
    RP_CHECK(rp_weakdict_next(d, &pos, &k, 0) == RP_E_OK && k == o2);
    RP_CHECK(rp_weakdict_next(d, &pos, &k, 0) != RP_E_OK);
    RP_DECREF(d);
    RP_DECREF(o1);
    RP_DECREF(o2);
    RP_DECREF(s1);
    RP_DECREF(s2);
    RP_DECREF(something);
    all_back();
}

static void test_weakref__test_weak_valued_delitem(void)
{
    fresh();
    rp_obj_t *d = rp_weakvaluedict_new(), *k1 = rp_str_from_cstr("something"), *k2 = rp_str_from_cstr("something else");
    rp_obj_t *o1 = new_object(1), *o2 = new_object(2);
    rp_weakdict_set(d, k1, o1);
    rp_weakdict_set(d, k2, o2);
    RP_CHECK_EQ(rp_weakdict_len(d), 2);
    RP_CHECK_EQ(rp_weakdict_del(d, k1), RP_E_OK);
    RP_CHECK_EQ(rp_weakdict_len(d), 1);
    uint32_t pos = 0;
    rp_obj_t *k = 0, *v = 0;
    RP_CHECK(rp_weakdict_next(d, &pos, &k, &v) == RP_E_OK && k == k2 && v == o2);
    RP_DECREF(d);
    RP_DECREF(o1);
    RP_DECREF(o2);
    RP_DECREF(k1);
    RP_DECREF(k2);
    all_back();
}

/* A missing key is KeyError; a key that cannot be weakly referenced is TypeError for
 * get, set and del alike. */
static void test_weakref__test_weak_keyed_bad_delitem(void)
{
    fresh();
    rp_obj_t *d = rp_weakkeydict_new(), *o = new_object(1), *thirteen = rp_int_from_i32(13), *out = 0;
    RP_CHECK_EQ(rp_weakdict_del(d, o), RP_E_KEY);
    RP_CHECK_EQ(rp_weakdict_get(d, o, &out), RP_E_KEY);
    RP_CHECK_EQ(rp_weakdict_del(d, thirteen), RP_E_TYPE);
    RP_CHECK_EQ(rp_weakdict_get(d, thirteen, &out), RP_E_TYPE);
    RP_CHECK_EQ(rp_weakdict_set(d, thirteen, thirteen), RP_E_TYPE);
    RP_DECREF(thirteen);
    RP_DECREF(o);
    RP_DECREF(d);
    all_back();
}

/* SF bug 742860: the keys' equality drops the last strong reference to another key while
 * an entry is being deleted. */
static rp_obj_t *cascade_objs[4];
static int cascade_n, cascade_mutate;
/* One hash for all: refpool compares two references to the same key by identity, without
 * the equality hook (a deliberate difference, rp_weakref.h), so only colliding keys make
 * the hook, and its deletion, run. */
static uint32_t cascade_hash(rp_obj_t *o)
{
    (void)o;
    return 7u;
}

static uint32_t cascade_value(rp_obj_t *o) { return *(uint32_t *)rp_raw(o); }
static int cascade_equal(rp_obj_t *a, rp_obj_t *b);
static uint8_t RP_TYPE_NUMBER(cascade);
static const rp_type_t cascade_type = {
    .name = "C", .number = &cascade_number, .nbytes = sizeof(uint32_t), .flags = RP_TYPE_GC | RP_TYPE_WEAKREF,
    .hash = cascade_hash, .equal = cascade_equal,
};

static int cascade_equal(rp_obj_t *a, rp_obj_t *b)
{
    if (cascade_mutate && cascade_n > 0) {
        rp_obj_t *last = cascade_objs[--cascade_n];   /* del objs[-1] */
        cascade_objs[cascade_n] = 0;
        RP_DECREF(last);
    }
    return rp_type_of(b) == &cascade_type && cascade_value(a) == cascade_value(b);
}

static void test_weakref__test_weak_keyed_cascading_deletes(void)
{
    fresh();
    rp_obj_t *d = rp_weakkeydict_new();
    cascade_mutate = 0;
    for (int i = 0; i < 4; i++) {
        rp_obj_t *o = rp_new(&cascade_type), *v = rp_int_from_i32(i);
        *(uint32_t *)rp_raw(o) = (uint32_t)i;
        rp_weakdict_set(d, o, v);
        RP_DECREF(v);
        cascade_objs[i] = o;
    }
    /* objs = list(d.keys()), reversed */
    rp_obj_t *k;
    uint32_t pos = 0;
    cascade_n = 4;
    while (rp_weakdict_next(d, &pos, &k, 0) == RP_E_OK)
        cascade_objs[--cascade_n] = k;   /* the same objects, in reverse key order */
    cascade_n = 4;
    cascade_mutate = 1;
    int count = 0;
    for (int i = 0; i < cascade_n; i++) {
        rp_obj_t *o = cascade_objs[i];
        RP_INCREF(o);   /* the loop variable */
        count++;
        rp_weakdict_del(d, o);
        RP_DECREF(o);
    }
    cascade_mutate = 0;
    drop_all(cascade_objs, cascade_n);
    rp_gc_collect(2);
    RP_CHECK_EQ(rp_weakdict_len(d), 0);
    RP_CHECK(count >= 1 && count < 4);   /* keys went while deleting (CPython: 2 of 4) */
    RP_DECREF(d);
    all_back();
}

/* Issue #28427: the death of a replaced value must not remove the entry of its key. */
static void test_weakref__test_weak_valued_consistency(void)
{
    fresh();
    rp_gc_disable();
    rp_obj_t *d = rp_weakvaluedict_new(), *ten = rp_int_from_i32(10);
    rp_obj_t *old = new_refcycle();
    rp_weakdict_set(d, ten, old);
    RP_DECREF(old);   /* cyclic garbage */
    rp_obj_t *o = new_refcycle();
    rp_weakdict_set(d, ten, o);
    rp_gc_collect(2);
    RP_CHECK_EQ(rp_weakdict_len(d), 1);
    rp_gc_enable();
    RP_DECREF(o);
    rp_gc_collect(2);
    RP_CHECK_EQ(rp_weakdict_len(d), 0);
    RP_DECREF(ten);
    RP_DECREF(d);
    all_back();
}

/* mapping_tests.BasicTestMappingProtocol's read and write checks, over the reference
 * mapping of each class ({"key1": Object(1), ...} and {Object("key1"): 1, ...}). */
static void basic_mapping(int keyed)
{
    fresh();
    static const char *const names[3] = {"key1", "key2", "key3"};
    rp_obj_t *strs[3], *objs[3], *ints[3], *out = 0;
    rp_obj_t *d = keyed ? rp_weakkeydict_new() : rp_weakvaluedict_new();
    RP_CHECK_EQ(rp_weakdict_len(d), 0);   /* empty: bool(d) is False */
    for (int i = 0; i < 3; i++) {
        strs[i] = rp_str_from_cstr(names[i]);
        ints[i] = rp_int_from_i32(i + 1);
        objs[i] = rp_new(&object_type);
        rp_slot_set(objs[i], 0, keyed ? strs[i] : ints[i]);
        RP_CHECK_EQ(rp_weakdict_set(d, keyed ? objs[i] : strs[i], keyed ? ints[i] : objs[i]), RP_E_OK);
    }
    RP_CHECK_EQ(rp_weakdict_len(d), 3);
    for (int i = 0; i < 3; i++) {
        rp_obj_t *key = keyed ? objs[i] : strs[i], *want = keyed ? ints[i] : objs[i];
        RP_CHECK(rp_weakdict_get(d, key, &out) == RP_E_OK && out == want);
    }
    /* write: replace, then delete each; a missing key is KeyError */
    RP_CHECK_EQ(rp_weakdict_set(d, keyed ? objs[0] : strs[0], keyed ? ints[1] : objs[1]), RP_E_OK);
    RP_CHECK(rp_weakdict_get(d, keyed ? objs[0] : strs[0], &out) == RP_E_OK && out == (keyed ? ints[1] : objs[1]));
    RP_CHECK_EQ(rp_weakdict_len(d), 3);
    for (int i = 0; i < 3; i++) {
        RP_CHECK_EQ(rp_weakdict_del(d, keyed ? objs[i] : strs[i]), RP_E_OK);
        RP_CHECK_EQ(rp_weakdict_del(d, keyed ? objs[i] : strs[i]), RP_E_KEY);
    }
    RP_CHECK_EQ(rp_weakdict_len(d), 0);
    RP_DECREF(d);
    drop_all(objs, 3);
    drop_all(strs, 3);
    drop_all(ints, 3);
    all_back();
}

static void test_weakref__WeakValueDictionaryTestCase(void) { basic_mapping(0); }
static void test_weakref__WeakKeyDictionaryTestCase(void) { basic_mapping(1); }

/* ---- FinalizeTestCase ---- */

static int32_t res[8];
static unsigned nres;
static void add(rp_obj_t *xyz)
{
    int32_t sum = 0;
    for (int i = 0; i < 3; i++) {
        rp_obj_t *v = 0;
        rp_tuple_get(xyz, i, &v);
        sum += int_of(v);
    }
    if (nres < 8)
        res[nres] = sum;
    nres++;
}

static rp_obj_t *pack_ints(int32_t x, int32_t y, int32_t z)
{
    rp_obj_t *a = rp_int_from_i32(x), *b = rp_int_from_i32(y), *c = rp_int_from_i32(z);
    rp_obj_t *t = rp_tuple_pack(3, a, b, c);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(c);
    return t;
}

/* Each finalizer is kept with a reference of the test's own (f = finalize(...)). */
static rp_obj_t *kept_finalize(rp_obj_t *obj, rp_finalize_fn_t fn, rp_obj_t *arg)
{
    rp_obj_t *f = rp_finalize_new(obj, fn, arg);
    RP_XINCREF(f);
    return f;
}

static void test_weakref__test_finalize(void)
{
    fresh();
    rp_obj_t *a = new_c(), *args = pack_ints(67, 43, 89);
    nres = 0;
    rp_obj_t *f = kept_finalize(a, add, args);
    RP_CHECK(rp_finalize_alive(f));
    RP_CHECK_EQ(rp_finalize_call(f), 1);   /* f() == 199 */
    RP_CHECK_EQ(rp_finalize_call(f), 0);   /* f() is None */
    RP_CHECK_EQ(rp_finalize_call(f), 0);
    RP_CHECK_EQ(rp_finalize_detach(f), 0);
    RP_CHECK(!rp_finalize_alive(f));
    RP_CHECK(nres == 1 && res[0] == 199);
    RP_DECREF(f);

    nres = 0;
    f = kept_finalize(a, add, args);
    RP_CHECK_EQ(rp_finalize_detach(f), 1);
    RP_CHECK_EQ(rp_finalize_call(f), 0);
    RP_CHECK_EQ(rp_finalize_call(f), 0);
    RP_CHECK_EQ(rp_finalize_detach(f), 0);
    RP_CHECK(!rp_finalize_alive(f));
    RP_CHECK_EQ(nres, 0);
    RP_DECREF(f);

    nres = 0;
    f = kept_finalize(a, add, args);
    RP_DECREF(a);
    RP_CHECK_EQ(rp_finalize_call(f), 0);
    RP_CHECK_EQ(rp_finalize_call(f), 0);
    RP_CHECK_EQ(rp_finalize_detach(f), 0);
    RP_CHECK(!rp_finalize_alive(f));
    RP_CHECK(nres == 1 && res[0] == 199);
    RP_DECREF(f);
    RP_DECREF(args);
    all_back();
}

/* The argument checks C has: a function and a weak-referenceable object are needed. */
static void test_weakref__test_arg_errors(void)
{
    fresh();
    rp_obj_t *a = new_c(), *one = rp_int_from_i32(1);
    RP_CHECK(rp_finalize_new(a, 0, 0) == 0);
    RP_CHECK(rp_finalize_new(0, add, 0) == 0);
    RP_CHECK(rp_finalize_new(one, add, 0) == 0);
    RP_DECREF(one);
    RP_DECREF(a);
    all_back();
}

static const char *const fin_names[5] = {"f1", "f2", "f3", "f4", "f5"};
/* res.append(name): the static copy of the name (the str dies after the call). */
static void append_name(rp_obj_t *name)
{
    const char *s = rp_str_data(name);
    for (int i = 0; i < 5; i++)
        if (s[0] == fin_names[i][0] && s[1] == fin_names[i][1] && !s[2])
            note(fin_names[i]);
}

static void test_weakref__test_order(void)
{
    fresh();
    nevents = 0;
    rp_obj_t *a = new_c(), *f[5];
    for (int i = 0; i < 5; i++) {
        rp_obj_t *s = rp_str_from_cstr(fin_names[i]);
        f[i] = kept_finalize(a, append_name, s);
        RP_DECREF(s);
    }
    RP_DECREF(f[0]);   /* del f1, f4: finalizers keep themselves alive */
    RP_DECREF(f[3]);
    RP_CHECK(rp_finalize_alive(f[1]) && rp_finalize_alive(f[2]) && rp_finalize_alive(f[4]));
    RP_CHECK_EQ(rp_finalize_detach(f[4]), 1);
    RP_CHECK(!rp_finalize_alive(f[4]));
    RP_CHECK_EQ(rp_finalize_call(f[4]), 0);   /* nothing: unregistered */
    note("A");
    RP_CHECK_EQ(rp_finalize_call(f[2]), 1);
    RP_CHECK(!rp_finalize_alive(f[2]));
    note("B");
    RP_CHECK_EQ(rp_finalize_call(f[2]), 0);
    note("C");
    RP_DECREF(a);   /* f4, f2, f1 */
    RP_CHECK(!rp_finalize_alive(f[1]));
    note("D");
    RP_CHECK_EQ(rp_finalize_call(f[1]), 0);
    static const char *const want[] = {"A", "f3", "B", "C", "f4", "f2", "f1", "D"};
    RP_CHECK(events_are(want, 8));
    RP_DECREF(f[1]);
    RP_DECREF(f[2]);
    RP_DECREF(f[4]);
    all_back();
}

/* Once the object dies, the finalizer and what it held are freed (the finalizer type
 * cannot be subclassed into a weak-referenceable one: its registration is checked). */
static void append_123(rp_obj_t *arg)
{
    (void)arg;
    nres < 8 ? (void)(res[nres] = 123) : (void)0;
    nres++;
}

static void test_weakref__test_all_freed(void)
{
    fresh();
    nres = 0;
    rp_obj_t *a = new_c(), *cb_state = new_c();
    rp_obj_t *f = rp_finalize_new(a, append_123, cb_state);
    rp_obj_t *wr_callback = rp_weakref_new(cb_state, 0, 0);
    RP_DECREF(cb_state);
    RP_CHECK(rp_weakref_get(wr_callback) != 0);
    RP_CHECK(rp_finalize_alive(f));
    RP_DECREF(a);
    RP_CHECK(rp_weakref_get(wr_callback) == 0);
    RP_CHECK(nres == 1 && res[0] == 123);
    RP_DECREF(wr_callback);
    all_back();   /* the finalizer itself is freed too */
}

/* ---- the library reference's examples (libreftest) ---- */

static void test_weakref__libreftest(void)
{
    fresh();
    rp_obj_t *o = new_c(), *r = rp_weakref_new(o, 0, 0);
    rp_obj_t *o2 = rp_weakref_get(r);
    RP_CHECK(o == o2);
    RP_DECREF(o);
    RP_CHECK(rp_weakref_get(r) == 0);
    RP_DECREF(r);
    /* _id2obj_dict: remember(obj) / id2obj(oid) */
    rp_obj_t *id2obj = rp_weakvaluedict_new(), *a = new_c(), *out = 0;
    rp_obj_t *oid = rp_int_from_i64((int64_t)(uintptr_t)a);
    rp_weakdict_set(id2obj, oid, a);
    RP_CHECK(rp_weakdict_get(id2obj, oid, &out) == RP_E_OK && out == a);
    RP_DECREF(a);
    RP_CHECK_EQ(rp_weakdict_get(id2obj, oid, &out), RP_E_KEY);
    RP_DECREF(oid);
    RP_DECREF(id2obj);
    all_back();
}

int main(void)
{
    rp_test_begin("cpython_weakref");
    RP_RUN(test_weakref__test_basic_ref);
    RP_RUN(test_weakref__test_basic_callback);
    RP_RUN(test_weakref__test_multiple_callbacks);
    RP_RUN(test_weakref__test_multiple_selfref_callbacks);
    RP_RUN(test_weakref__test_ref_reuse);
    RP_RUN(test_weakref__test_shared_ref_without_callback);
    RP_RUN(test_weakref__test_getweakrefcount);
    RP_RUN(test_weakref__test_getweakrefs);
    RP_RUN(test_weakref__test_callbacks_protected);
    RP_RUN(test_weakref__test_sf_bug_840829);
    RP_RUN(test_weakref__test_callback_in_cycle);
    RP_RUN(test_weakref__test_callback_reachable_one_way);
    RP_RUN(test_weakref__test_callback_different_classes);
    RP_RUN(test_weakref__test_callback_in_cycle_resurrection);
    RP_RUN(test_weakref__test_callbacks_on_callback);
    RP_RUN(test_weakref__test_gc_during_ref_creation);
    RP_RUN(test_weakref__test_ref_created_during_del);
    RP_RUN(test_weakref__test_equality);
    RP_RUN(test_weakref__test_hashing);
    RP_RUN(test_weakref__test_trashcan_16602);
    RP_RUN(test_weakref__test_callback_gcs);
    RP_RUN(test_weakref__test_no_memory_when_clearing);
    RP_RUN(test_weakref__test_subclass_refs_dont_conflate_callbacks);
    RP_RUN(test_weakref__test_subclass_refs_with_cycle);
    RP_RUN(test_weakref__test_weak_keyed_len_cycles);
    RP_RUN(test_weakref__test_weak_valued_len_cycles);
    RP_RUN(test_weakref__test_weak_keyed_len_race);
    RP_RUN(test_weakref__test_weak_valued_len_race);
    RP_RUN(test_weakref__test_weak_values);
    RP_RUN(test_weakref__test_weak_keys);
    RP_RUN(test_weakref__test_weak_keyed_iters);
    RP_RUN(test_weakref__test_weak_valued_iters);
    RP_RUN(test_weakref__test_weak_keys_destroy_while_iterating);
    RP_RUN(test_weakref__test_weak_values_destroy_while_iterating);
    RP_RUN(test_weakref__test_make_weak_keyed_dict_from_dict);
    RP_RUN(test_weakref__test_make_weak_valued_dict_from_dict);
    RP_RUN(test_weakref__test_weak_keyed_delitem);
    RP_RUN(test_weakref__test_weak_valued_delitem);
    RP_RUN(test_weakref__test_weak_keyed_bad_delitem);
    RP_RUN(test_weakref__test_weak_keyed_cascading_deletes);
    RP_RUN(test_weakref__test_weak_valued_consistency);
    RP_RUN(test_weakref__WeakValueDictionaryTestCase);
    RP_RUN(test_weakref__WeakKeyDictionaryTestCase);
    RP_RUN(test_weakref__test_finalize);
    RP_RUN(test_weakref__test_arg_errors);
    RP_RUN(test_weakref__test_order);
    RP_RUN(test_weakref__test_all_freed);
    RP_RUN(test_weakref__libreftest);
    return rp_test_end();
}
