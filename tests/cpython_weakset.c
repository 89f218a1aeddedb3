/* cpython_weakset.c — CPython's Lib/test/test_weakset.py translated: the behaviour of each
 * case refpool's WeakSet API (add, contains, discard, len, next) can express, named
 * test_weakset__<CPython test>. docs/cpython-tests.md maps the rest (set algebra, copy,
 * pop, update, ... have no API).
 *
 * UserString becomes ustr: a weak-referenceable object around a str, hashing and
 * comparing as its str. setUp's fixtures are rebuilt by each test on a fresh heap. */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"
#include "rp_weakref.h"

static int is_ustr(const rp_obj_t *o);
static uint32_t ustr_hash(rp_obj_t *o)
{
    uint32_t h = 0;
    rp_hash(rp_slot(o, 0), &h);
    return h;
}

static int ustr_equal(rp_obj_t *a, rp_obj_t *b) { return is_ustr(b) && rp_equal(rp_slot(a, 0), rp_slot(b, 0)) == 1; }

static uint8_t RP_TYPE_NUMBER(ustr);
static const char *const ustr_names[] = {"data"};
static const rp_type_t ustr_type = {
    .name = "UserString", .number = &ustr_number, .slot_names = ustr_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF, .hash = ustr_hash, .equal = ustr_equal,
};

static int is_ustr(const rp_obj_t *o) { return rp_type_of(o) == &ustr_type; }

static uint8_t RP_TYPE_NUMBER(foo);
static const rp_type_t foo_type = {.name = "Foo", .number = &foo_number, .flags = RP_TYPE_GC | RP_TYPE_WEAKREF};

static uint8_t RP_TYPE_NUMBER(refcycle);
static const char *const refcycle_names[] = {"cycle", "sub", "set"};
static const rp_type_t refcycle_type = {
    .name = "RefCycle", .number = &refcycle_number, .slot_names = refcycle_names, .nslots = 3,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF,
};

/* ustr(text): a new reference. */
static rp_obj_t *ustr_n(const char *text, size_t n)
{
    rp_obj_t *u = rp_new(&ustr_type), *s = rp_str_new(text, n);
    rp_slot_set(u, 0, s);
    RP_DECREF(s);
    return u;
}

static rp_obj_t *ustr(const char *text)
{
    rp_obj_t *u = rp_new(&ustr_type), *s = rp_str_from_cstr(text);
    rp_slot_set(u, 0, s);
    RP_DECREF(s);
    return u;
}

static rp_obj_t *new_refcycle(void)
{
    rp_obj_t *o = rp_new(&refcycle_type);
    rp_slot_set(o, 0, o);
    return o;
}

static void drop_all(rp_obj_t **objs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        RP_XDECREF(objs[i]);
        objs[i] = 0;
    }
}

/* At most n, fewer on a small heap: each round needs about `each` bytes. */
static unsigned scaled(unsigned n, unsigned each)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    unsigned fit = s.arena_bytes / (2u * each);
    return fit < 2u ? 2u : fit < n ? fit : n;
}

/* ---- setUp ---- */

static const char letters_text[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
enum { NLETTERS = 52 };
static struct {
    rp_obj_t *items[3], *items2[3], *letters[NLETTERS];
    rp_obj_t *s, *d, *obj, *fs;
} t;

static rp_obj_t *weakset_of(rp_obj_t **items, unsigned n)
{
    rp_obj_t *s = rp_weakset_new();
    for (unsigned i = 0; i < n; i++)
        rp_weakset_add(s, items[i]);
    return s;
}

static void set_up(void)
{
    rp_test_fresh_objects();
    for (unsigned i = 0; i < 3; i++) {
        t.items[i] = ustr_n(&"abc"[i], 1);
        t.items2[i] = ustr_n(&"xyz"[i], 1);
    }
    for (unsigned i = 0; i < NLETTERS; i++)
        t.letters[i] = ustr_n(&letters_text[i], 1);
    t.s = weakset_of(t.items, 3);
    t.d = rp_dict_new();   /* dict.fromkeys(items): the oracle */
    for (unsigned i = 0; i < 3; i++)
        rp_dict_set(t.d, t.items[i], rp_none());
    t.obj = ustr("F");
    t.fs = weakset_of(&t.obj, 1);
}

static void tear_down(void)
{
    drop_all(t.items, 3);
    drop_all(t.items2, 3);
    drop_all(t.letters, NLETTERS);
    RP_XDECREF(t.s);
    RP_XDECREF(t.d);
    RP_XDECREF(t.obj);
    RP_XDECREF(t.fs);
    t.s = t.d = t.obj = t.fs = 0;
    RP_ALL_BACK();
}

static int in_dict(rp_obj_t *d, rp_obj_t *k)
{
    rp_obj_t *v;
    return rp_dict_get(d, k, &v) == RP_E_OK;
}

/* ---- the cases ---- */

static void test_weakset__test_len(void)
{
    set_up();
    RP_CHECK_EQ(rp_weakset_len(t.s), rp_dict_len(t.d));
    RP_CHECK_EQ(rp_weakset_len(t.fs), 1);
    RP_DECREF(t.obj);
    t.obj = 0;
    RP_CHECK_EQ(rp_weakset_len(t.fs), 0);
    tear_down();
}

static void test_weakset__test_contains(void)
{
    set_up();
    for (unsigned i = 0; i < NLETTERS; i++)
        RP_CHECK_EQ(rp_weakset_contains(t.s, t.letters[i]), in_dict(t.d, t.letters[i]));
    rp_obj_t *one = rp_int_from_i32(1);   /* not weak-referenceable: simply not in */
    RP_CHECK(!rp_weakset_contains(t.s, one));
    RP_DECREF(one);
    RP_CHECK(rp_weakset_contains(t.fs, t.obj));
    RP_DECREF(t.obj);
    t.obj = 0;
    rp_obj_t *f = ustr("F");
    RP_CHECK(!rp_weakset_contains(t.fs, f));
    RP_DECREF(f);
    tear_down();
}

/* A nest of cycles through weak sets: each element refers to the set, to itself and to a
 * weak set of its own. As in CPython, the elements die as the set is made (only the set
 * refers to them, weakly), so the loop meets none; the elements made here stay alive to
 * give the nest something to hold. */
static void test_weakset__test_gc(void)
{
    set_up();
    unsigned n = scaled(1000, 160);
    rp_obj_t *s = rp_weakset_new();
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *foo = rp_new(&foo_type);
        rp_weakset_add(s, foo);
        RP_DECREF(foo);
    }
    RP_CHECK_EQ(rp_weakset_len(s), 0);
    rp_obj_t *elems[8];
    for (unsigned i = 0; i < 8; i++) {
        rp_obj_t *elem = elems[i] = rp_new(&refcycle_type);
        rp_weakset_add(s, elem);
        rp_slot_set(elem, 0, s);      /* elem.cycle = s */
        rp_slot_set(elem, 1, elem);   /* elem.sub = elem */
        rp_obj_t *own = weakset_of(&elem, 1);
        rp_slot_set(elem, 2, own);    /* elem.set = WeakSet([elem]) */
        RP_DECREF(own);
    }
    RP_CHECK_EQ(rp_weakset_len(s), 8);
    RP_DECREF(s);
    drop_all(elems, 8);
    RP_CHECK(rp_gc_collect(2) > 0);
    tear_down();
}

static void test_weakset__test_hash(void)
{
    set_up();
    uint32_t h;
    RP_CHECK_EQ(rp_hash(t.s, &h), RP_E_TYPE);
    tear_down();
}

static void test_weakset__test_add(void)
{
    set_up();
    rp_obj_t *x = ustr("Q");
    RP_CHECK_EQ(rp_weakset_add(t.s, x), RP_E_OK);
    RP_CHECK(rp_weakset_contains(t.s, x));
    int32_t n = rp_weakset_len(t.s);
    RP_CHECK_EQ(rp_weakset_add(t.s, x), RP_E_OK);
    RP_CHECK_EQ(rp_weakset_len(t.s), n);   /* == dup */
    rp_obj_t *list = rp_list_new();
    RP_CHECK_EQ(rp_weakset_add(t.s, list), RP_E_TYPE);
    RP_DECREF(list);
    rp_obj_t *foo = rp_new(&foo_type);
    rp_weakset_add(t.fs, foo);
    RP_DECREF(foo);   /* fs.add(Foo()): gone at once */
    RP_CHECK_EQ(rp_weakset_len(t.fs), 1);
    rp_weakset_add(t.fs, t.obj);
    RP_CHECK_EQ(rp_weakset_len(t.fs), 1);
    RP_DECREF(x);
    tear_down();
}

/* remove: refpool's discard reports a missing item (RP_E_KEY) as remove's KeyError. */
static void test_weakset__test_remove(void)
{
    set_up();
    rp_obj_t *x = ustr("a"), *list = rp_list_new();
    RP_CHECK_EQ(rp_weakset_discard(t.s, x), RP_E_OK);
    RP_CHECK(!rp_weakset_contains(t.s, x));
    RP_CHECK_EQ(rp_weakset_discard(t.s, x), RP_E_KEY);
    RP_CHECK_EQ(rp_weakset_discard(t.s, list), RP_E_TYPE);
    RP_DECREF(list);
    RP_DECREF(x);
    tear_down();
}

static void test_weakset__test_discard(void)
{
    set_up();
    rp_obj_t *a = ustr("a"), *q = ustr("Q"), *list = rp_list_new();
    rp_weakset_discard(t.s, a);
    RP_CHECK(!rp_weakset_contains(t.s, a));
    RP_CHECK_EQ(rp_weakset_len(t.s), 2);
    rp_weakset_discard(t.s, q);   /* missing: nothing changes */
    RP_CHECK_EQ(rp_weakset_len(t.s), 2);
    RP_CHECK_EQ(rp_weakset_discard(t.s, list), RP_E_TYPE);
    RP_DECREF(list);
    RP_DECREF(a);
    RP_DECREF(q);
    tear_down();
}

/* Issue #7105: an item dies while an iteration is under way. */
static void test_weakset__test_weak_destroy_while_iterating(void)
{
    set_up();
    rp_obj_t *items[3];
    for (unsigned i = 0; i < 3; i++)
        items[i] = ustr_n(&"abc"[i], 1);
    rp_obj_t *s = weakset_of(items, 3);
    uint32_t pos = 0;
    RP_CHECK_EQ(rp_weakset_next(s, &pos, 0), RP_E_OK);
    RP_DECREF(items[2]);
    items[2] = 0;
    rp_gc_collect(2);
    unsigned rest = 0;
    while (rp_weakset_next(s, &pos, 0) == RP_E_OK)
        rest++;
    RP_CHECK(rest == 2 || rest == 1);
    RP_CHECK_EQ(rp_weakset_len(s), 2);
    drop_all(items, 3);
    RP_DECREF(s);
    tear_down();
}

/* testcontext: an item is scheduled for removal mid-iteration and recreated as u. */
static void test_weakset__test_weak_destroy_and_mutate_while_iterating(void)
{
    set_up();
    rp_obj_t *items[NLETTERS] = {0};
    unsigned n = scaled(NLETTERS, 320), live = n;
    for (unsigned i = 0; i < n; i++)
        items[i] = ustr_n(&letters_text[i], 1);
    rp_obj_t *s = weakset_of(items, n);
    RP_CHECK_EQ(rp_weakset_len(s), n);
    for (int step = 0; step < 3; step++) {
        uint32_t pos = 0;
        rp_weakset_next(s, &pos, 0);
        rp_obj_t *u = ustr_n(&letters_text[live - 1], 1);   /* ustr(str(items.pop())) */
        RP_DECREF(items[--live]);
        items[live] = 0;
        rp_gc_collect(2);
        if (step == 0) {
            RP_CHECK(!rp_weakset_contains(s, u));
        } else if (step == 1) {
            RP_CHECK_EQ(rp_weakset_discard(s, u), RP_E_KEY);
            RP_CHECK(!rp_weakset_contains(s, u));
        } else {
            RP_CHECK_EQ(rp_weakset_add(s, u), RP_E_OK);
            RP_CHECK(rp_weakset_contains(s, u));
            RP_CHECK_EQ(rp_weakset_len(s), live + 1);
        }
        RP_DECREF(u);
    }
    RP_CHECK_EQ(rp_weakset_len(s), live);
    drop_all(items, NLETTERS);
    RP_DECREF(s);
    tear_down();
}

/* No iterator keeps an item alive here (iteration is by position), so n1 is 0. */
static void test_weakset__test_len_cycles(void)
{
    set_up();
    enum { N = 20 };
    rp_obj_t *items[N];
    for (unsigned i = 0; i < N; i++)
        items[i] = new_refcycle();
    rp_obj_t *s = weakset_of(items, N);
    drop_all(items, N);
    uint32_t pos = 0;
    (void)rp_weakset_next(s, &pos, 0);
    rp_gc_collect(2);
    int32_t n1 = rp_weakset_len(s);
    rp_gc_collect(2);
    int32_t n2 = rp_weakset_len(s);
    RP_CHECK(n1 == 0 || n1 == 1);
    RP_CHECK_EQ(n2, 0);
    RP_DECREF(s);
    tear_down();
}

static void test_weakset__test_len_race(void)
{
    set_up();
    enum { N = 20 };
    uint32_t th[RP_GC_GENERATIONS];
    rp_gc_get_threshold(th);
    unsigned rounds = scaled(99, 60);
    for (unsigned k = 1; k <= rounds; k++) {
        rp_gc_collect(0);
        rp_gc_set_threshold(k, k, k);
        rp_obj_t *items[N];
        for (unsigned i = 0; i < N; i++)
            items[i] = new_refcycle();
        rp_obj_t *s = weakset_of(items, N);
        drop_all(items, N);
        uint32_t pos = 0;
        (void)rp_weakset_next(s, &pos, 0);
        int32_t n1 = rp_weakset_len(s), n2 = rp_weakset_len(s);
        RP_CHECK(n1 >= 0 && n1 <= N);
        RP_CHECK(n2 >= 0 && n2 <= n1);
        RP_DECREF(s);
    }
    rp_gc_set_threshold(th[0], th[1], th[2]);
    rp_gc_collect(2);
    tear_down();
}

int main(void)
{
    rp_test_begin("cpython_weakset");
    RP_RUN(test_weakset__test_len);
    RP_RUN(test_weakset__test_contains);
    RP_RUN(test_weakset__test_gc);
    RP_RUN(test_weakset__test_hash);
    RP_RUN(test_weakset__test_add);
    RP_RUN(test_weakset__test_remove);
    RP_RUN(test_weakset__test_discard);
    RP_RUN(test_weakset__test_weak_destroy_while_iterating);
    RP_RUN(test_weakset__test_weak_destroy_and_mutate_while_iterating);
    RP_RUN(test_weakset__test_len_cycles);
    RP_RUN(test_weakset__test_len_race);
    return rp_test_end();
}
