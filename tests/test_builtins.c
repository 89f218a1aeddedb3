/*
 * test_builtins.c — the built-in types (None, bool, int, str, tuple, list, dict, plain
 * instance) and attribute access: one behaviour per test, bad input included; the seed
 * tutorials' examples (refcount walk-through, list growth, instance vs __slots__ memory);
 * and a randomized model-based test of acyclic object graphs that must leave the heap as
 * it found it. Sizes scale with the board's memory (firmware heaps may be ~8 KB).
 */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_test.h"

#define P ((unsigned)sizeof(void *))

static uint32_t blocks_at_start;

static uint32_t blocks_now(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s.blocks_in_use;
}

static size_t memory_size(void)
{
    size_t n;
    rp_test_memory(&n);
    return n;
}

static void fresh(void)
{
    rp_test_fresh_heap();
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    blocks_at_start = blocks_now();
}

/* Everything dropped: the heap holds what rp_objects_init left, and is sound. */
static void back_to_start(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    RP_CHECK_EQ(s.reports, 0);   /* no double free, no foreign pointer, no guard overwritten */
    RP_CHECK_EQ(blocks_now(), blocks_at_start);
    RP_CHECK_EQ(rp_str_interned_count(), 0);
    RP_HEAP_OK();
    RP_CHECK(rp_gc_check().rule == 0);
}

static int64_t int_value(const rp_obj_t *o)
{
    int64_t v = -999999;
    RP_CHECK_EQ(rp_int_as_i64(o, &v), RP_E_OK);
    return v;
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* A slot type with two named slots, as Python's class with __slots__ = ('x', 'y'). */
static uint8_t RP_TYPE_NUMBER(point);
static const char *const point_names[] = {"x", "y"};
static const rp_type_t point_type = {
    .name = "Point", .number = &point_number, .slot_names = point_names, .nslots = 2, .flags = RP_TYPE_GC,
};

/* Slots and a __dict__, as a class with __slots__ = ('x', '__dict__'). */
static uint8_t RP_TYPE_NUMBER(mixed);
static const char *const mixed_names[] = {"x"};
static const rp_type_t mixed_type = {
    .name = "Mixed", .number = &mixed_number, .slot_names = mixed_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_DICT,
};

/* ---- registry and singletons ---- */

static void test_type_numbers(void)
{
    fresh();
    static const rp_type_t *const types[] = {&rp_none_type, &rp_bool_type, &rp_int_type, &rp_str_type,
                                             &rp_tuple_type, &rp_list_type, &rp_dict_type, &rp_instance_type};
    static const unsigned numbers[] = {RP_TN_NONE, RP_TN_BOOL, RP_TN_INT, RP_TN_STR,
                                       RP_TN_TUPLE, RP_TN_LIST, RP_TN_DICT, RP_TN_INSTANCE};
    for (unsigned i = 0; i < 8; i++) {
        RP_CHECK_EQ(numbers[i], i + 1);
        RP_CHECK_EQ(*types[i]->number, numbers[i]);
        RP_CHECK(rp_type_table[numbers[i]] == types[i]);
    }
    /* A user type gets a number from 16 up. */
    RP_CHECK_EQ(rp_type_ready(&point_type), RP_E_OK);
    RP_CHECK(point_number >= RP_TN_FIRST_USER);
    /* Types whose objects only the constructors make refuse rp_new. */
    RP_CHECK(rp_new(&rp_none_type) == 0);
    RP_CHECK(rp_new(&rp_bool_type) == 0);
    RP_CHECK(rp_new(&rp_int_type) == 0);
    RP_CHECK(rp_new(&rp_str_type) == 0);
    RP_CHECK(rp_new(&rp_tuple_type) == 0);
    back_to_start();
}

static void test_singletons(void)
{
    fresh();
    rp_obj_t *n = rp_none(), *t = rp_true(), *f = rp_false();
    RP_CHECK(n == rp_none() && t == rp_bool(1) && f == rp_bool(0) && t != f);
    RP_CHECK(rp_is_none(n) && rp_is_bool(t) && rp_is_bool(f) && !rp_is_bool(n));
    RP_CHECK(rp_is_immortal(n) && rp_is_immortal(t) && rp_is_immortal(f));
    uint32_t head = n->head;
    RP_INCREF(n);
    RP_DECREF(n);
    RP_DECREF(n);   /* immortal: never written (it is const, in flash) */
    RP_CHECK_EQ(n->head, head);
    RP_CHECK_EQ(rp_sys_getrefcount(n), RP_RC_MAX + 1u);
    RP_CHECK_EQ(rp_sys_getsizeof(n), 4);
    RP_CHECK_STR(rp_type_of(n)->name, "NoneType");
    RP_CHECK_STR(rp_type_of(t)->name, "bool");
    uint32_t h = 0;
    RP_CHECK_EQ(rp_hash(t, &h), RP_E_OK);
    RP_CHECK_EQ(h, 1);
    RP_CHECK_EQ(rp_hash(f, &h), RP_E_OK);
    RP_CHECK_EQ(h, 0);
    RP_CHECK_EQ(rp_hash(n, &h), RP_E_OK);
    RP_CHECK_EQ(rp_equal(n, n), 1);
    RP_CHECK_EQ(rp_equal(n, f), 0);
    RP_CHECK_EQ(blocks_now(), blocks_at_start);
    back_to_start();
}

/* ---- int ---- */

static void test_int_small_cache(void)
{
    fresh();
    /* a = 100; b = 100; a is b  -> True: the cache, no allocation at all. */
    rp_obj_t *a = rp_int_from_i64(100), *b = rp_int_from_i64(100);
    RP_CHECK(a && a == b && rp_is_immortal(a));
    RP_CHECK(rp_int_from_i64(-5) == rp_int_from_i64(-5));
    RP_CHECK(rp_int_from_i64(256) == rp_int_from_i64(256));
    RP_CHECK_EQ(int_value(rp_int_from_i64(-5)), -5);
    RP_CHECK_EQ(int_value(rp_int_from_i64(256)), 256);
    RP_CHECK_EQ(blocks_now(), blocks_at_start);
    /* a = 1000; b = 1000; a is b -> False: boxed, mortal. */
    rp_obj_t *c = rp_int_from_i64(1000), *d = rp_int_from_i64(1000);
    rp_obj_t *lo = rp_int_from_i64(-6), *hi = rp_int_from_i64(257);
    RP_CHECK(c && d && c != d && !rp_is_immortal(c));
    RP_CHECK(lo && hi && !rp_is_immortal(lo) && !rp_is_immortal(hi));
    RP_CHECK_EQ(rp_refcnt(c), 1);
    RP_CHECK_EQ(rp_equal(c, d), 1);
    RP_CHECK_EQ(blocks_now(), blocks_at_start + 4);
    RP_DECREF(c);
    RP_DECREF(d);
    RP_DECREF(lo);
    RP_DECREF(hi);
    back_to_start();
}

static void test_int_values_and_sizes(void)
{
    fresh();
    static const int64_t values[] = {0, 1, -1, 257, -6, 100000, INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1,
                                     (int64_t)INT32_MIN - 1, (int64_t)1 << 40, -((int64_t)1 << 40), INT64_MAX,
                                     INT64_MIN};
    for (unsigned i = 0; i < sizeof values / sizeof values[0]; i++) {
        rp_obj_t *o = rp_int_from_i64(values[i]);
        RP_CHECK(o && rp_is_int(o));
        RP_CHECK(int_value(o) == values[i]);
        int fits = values[i] > INT32_MIN && values[i] <= INT32_MAX;
        RP_CHECK_EQ(rp_sys_getsizeof(o), fits ? 8 : 16);
        rp_obj_t *again = rp_int_from_i64(values[i]);
        uint32_t h1 = 0, h2 = 1;
        RP_CHECK_EQ(rp_hash(o, &h1), RP_E_OK);
        RP_CHECK_EQ(rp_hash(again, &h2), RP_E_OK);
        RP_CHECK_EQ(h1, h2);
        RP_CHECK_EQ(rp_equal(o, again), 1);
        RP_DECREF(o);
        RP_DECREF(again);
    }
    rp_obj_t *big = rp_int_from_i64(INT64_MAX), *other = rp_int_from_i64(INT64_MAX - 1);
    rp_obj_t *thousand = rp_int_from_i64(1000), *small = rp_int_from_i64(7);
    RP_CHECK_EQ(rp_equal(big, other), 0);
    rp_printf("int: getsizeof(7) = %u (cached, flash), getsizeof(1000) = %u, getsizeof(2**63-1) = %u "
              "(CPython 64-bit: 28, 28, 36)\n", (unsigned)rp_sys_getsizeof(small),
              (unsigned)rp_sys_getsizeof(thousand), (unsigned)rp_sys_getsizeof(big));
    RP_DECREF(big);
    RP_DECREF(other);
    RP_DECREF(thousand);
    back_to_start();
}

static void test_int_errors_and_bool(void)
{
    fresh();
    int64_t v = 42;
    rp_obj_t *s = rp_str_from_cstr("7");
    RP_CHECK_EQ(rp_int_as_i64(0, &v), RP_E_ARG);
    RP_CHECK_EQ(rp_int_as_i64(rp_int_from_i64(3), 0), RP_E_ARG);
    RP_CHECK_EQ(rp_int_as_i64(s, &v), RP_E_TYPE);
    RP_CHECK_EQ(rp_int_as_i64(rp_none(), &v), RP_E_TYPE);
    RP_CHECK_EQ(v, 42);   /* untouched on error */
    /* bool is an int: True == 1, False == 0, same hash. */
    RP_CHECK_EQ(rp_int_as_i64(rp_true(), &v), RP_E_OK);
    RP_CHECK_EQ(v, 1);
    RP_CHECK_EQ(rp_int_as_i64(rp_false(), &v), RP_E_OK);
    RP_CHECK_EQ(v, 0);
    RP_CHECK_EQ(rp_equal(rp_true(), rp_int_from_i64(1)), 1);
    RP_CHECK_EQ(rp_equal(rp_int_from_i64(0), rp_false()), 1);
    RP_CHECK_EQ(rp_equal(rp_int_from_i64(2), rp_true()), 0);
    RP_CHECK_EQ(rp_equal(rp_int_from_i64(7), s), 0);
    RP_CHECK_EQ(rp_equal(0, s), RP_E_ARG);
    RP_DECREF(s);
    back_to_start();
}

/* ---- str ---- */

RP_STR_STATIC(hello_static, "hello");

static void test_str_basics(void)
{
    fresh();
    rp_obj_t *s = rp_str_new("hello", 5);
    RP_CHECK(s && rp_is_str(s));
    RP_CHECK_EQ(rp_str_len(s), 5);
    RP_CHECK(streq(rp_str_data(s), "hello"));
    RP_CHECK_EQ(rp_sys_getsizeof(s), 12 + 5 + 1);
    /* Bytes, not text: embedded NULs and any byte values are kept. */
    rp_obj_t *b = rp_str_new("a\0b\xff", 4);
    RP_CHECK_EQ(rp_str_len(b), 4);
    RP_CHECK_EQ((uint8_t)rp_str_data(b)[3], 0xFF);
    RP_CHECK_EQ(rp_str_data(b)[4], 0);
    /* The empty string is an immortal singleton. */
    rp_obj_t *e1 = rp_str_new("", 0), *e2 = rp_str_new(0, 0), *e3 = rp_str_from_cstr("");
    RP_CHECK(e1 && e1 == e2 && e2 == e3 && rp_is_immortal(e1));
    RP_CHECK_EQ(rp_str_len(e1), 0);
    RP_CHECK_EQ(rp_sys_getsizeof(e1), 13);
    /* Equality and hash by content. */
    rp_obj_t *s2 = rp_str_from_cstr("hello");
    uint32_t h1 = 0, h2 = 1, h3 = 2;
    RP_CHECK(s2 != s);
    RP_CHECK_EQ(rp_equal(s, s2), 1);
    RP_CHECK_EQ(rp_hash(s, &h1), RP_E_OK);
    RP_CHECK_EQ(rp_hash(s2, &h2), RP_E_OK);
    RP_CHECK_EQ(h1, h2);
    RP_CHECK_EQ(rp_equal(s, b), 0);
    RP_CHECK_EQ(rp_equal(s, rp_int_from_i64(5)), 0);
    /* A static str lives in flash and equals the heap one. */
    rp_obj_t *st = RP_STR(hello_static);
    RP_CHECK(rp_is_str(st) && rp_is_immortal(st));
    RP_CHECK_EQ(rp_str_len(st), 5);
    RP_CHECK(streq(rp_str_data(st), "hello"));
    RP_CHECK_EQ(rp_hash(st, &h3), RP_E_OK);
    RP_CHECK_EQ(h3, h1);
    RP_CHECK_EQ(rp_equal(st, s), 1);
    RP_CHECK_EQ(rp_equal(s, st), 1);
    /* Bad input. */
    RP_CHECK(rp_str_new(0, 3) == 0);
    RP_CHECK(rp_str_from_cstr(0) == 0);
    RP_CHECK(rp_str_data(rp_none()) == 0);
    RP_CHECK(rp_str_data(0) == 0);
    RP_CHECK_EQ(rp_str_len(0), (unsigned long)(long)RP_E_ARG);
    RP_CHECK_EQ(rp_str_len(rp_int_from_i64(1)), (unsigned long)(long)RP_E_TYPE);
    RP_DECREF(s);
    RP_DECREF(s2);
    RP_DECREF(b);
    RP_DECREF(e1);
    back_to_start();
}

static void test_str_intern(void)
{
    fresh();
    /* s3 = "".join(...) is not s1; sys.intern gives the one canonical string. */
    rp_obj_t *a = rp_str_from_cstr("hello"), *b = rp_str_from_cstr("hello");
    RP_CHECK(a != b);
    rp_obj_t *ia = rp_str_intern(a);
    RP_CHECK(ia == a);
    RP_CHECK_EQ(rp_refcnt(a), 2);
    rp_obj_t *ib = rp_str_intern(b);
    RP_CHECK(ib == a);
    RP_CHECK_EQ(rp_refcnt(a), 3);
    RP_CHECK_EQ(rp_refcnt(b), 1);
    RP_CHECK(rp_str_is_interned(a));
    RP_CHECK(!rp_str_is_interned(b));
    RP_CHECK_EQ(rp_str_interned_count(), 1);
    rp_obj_t *ic = rp_str_intern_cstr("hello");
    RP_CHECK(ic == a);
    rp_obj_t *id = rp_str_intern_cstr("world");
    RP_CHECK(id && id != a && rp_str_is_interned(id));
    RP_CHECK_EQ(rp_str_interned_count(), 2);
    /* The table holds borrowed pointers: dropping every reference frees the str and
     * takes it out of the table. */
    RP_DECREF(id);
    RP_CHECK_EQ(rp_str_interned_count(), 1);
    RP_DECREF(b);
    RP_DECREF(ib);
    RP_DECREF(ic);
    RP_DECREF(ia);
    RP_CHECK_EQ(rp_refcnt(a), 1);
    RP_DECREF(a);
    RP_CHECK_EQ(rp_str_interned_count(), 0);
    RP_CHECK(rp_str_intern(0) == 0);
    RP_CHECK(rp_str_intern(rp_int_from_i64(3)) == 0);
    RP_CHECK(rp_str_intern_cstr(0) == 0);
    RP_CHECK(!rp_str_is_interned(rp_none()));
    back_to_start();
    /* A static str can be interned (it never dies): heap copies then resolve to it. */
    rp_obj_t *st = rp_str_intern(RP_STR(hello_static));
    rp_obj_t *h = rp_str_from_cstr("hello");
    RP_CHECK(st == RP_STR(hello_static));
    RP_CHECK(rp_str_intern(h) == st);
    RP_DECREF(h);
}

/* Many interned strings dying in random order: the table grows, deletes without
 * tombstones, and is gone once the last one dies. */
static void test_intern_table_grows_and_empties(void)
{
    fresh();
    static rp_obj_t *strs[200];
    unsigned n = memory_size() < 65536 ? 60 : 200;
    char name[8] = "k000";
    for (unsigned i = 0; i < n; i++) {
        name[1] = (char)('0' + i / 100);
        name[2] = (char)('0' + i / 10 % 10);
        name[3] = (char)('0' + i % 10);
        strs[i] = rp_str_intern_cstr(name);
        RP_CHECK(strs[i] && rp_str_is_interned(strs[i]));
    }
    RP_CHECK_EQ(rp_str_interned_count(), n);
    uint32_t x = 12345;
    for (unsigned left = n; left > 0; left--) {
        unsigned k = rp_rand_range(&x, 0, left - 1);
        RP_DECREF(strs[k]);
        strs[k] = strs[left - 1];
        /* Every survivor is still found. */
        if (left % 16 == 0)
            for (unsigned j = 0; j + 1 < left; j++)
                RP_CHECK(rp_str_intern_cstr(rp_str_data(strs[j])) == strs[j] && (RP_DECREF(strs[j]), 1));
    }
    back_to_start();
}

/* ---- tuple ---- */

static void test_tuple(void)
{
    fresh();
    rp_obj_t *one = rp_int_from_i64(1), *s = rp_str_from_cstr("x"), *big = rp_int_from_i64(1000);
    rp_obj_t *items[3] = {one, s, big};
    rp_obj_t *t = rp_tuple_new(3, items);
    RP_CHECK(t && rp_is_tuple(t));
    RP_CHECK_EQ(rp_tuple_len(t), 3);
    RP_CHECK_EQ(rp_refcnt(s), 2);
    rp_obj_t *out = 0;
    RP_CHECK_EQ(rp_tuple_get(t, 1, &out), RP_E_OK);
    RP_CHECK(out == s);
    RP_CHECK_EQ(rp_tuple_get(t, -1, &out), RP_E_OK);
    RP_CHECK(out == big);
    RP_CHECK_EQ(rp_tuple_get(t, 3, &out), RP_E_INDEX);
    RP_CHECK_EQ(rp_tuple_get(t, -4, &out), RP_E_INDEX);
    RP_CHECK_EQ(rp_tuple_get(t, 0, 0), RP_E_ARG);
    RP_CHECK_EQ(rp_tuple_get(0, 0, &out), RP_E_ARG);
    RP_CHECK_EQ(rp_tuple_get(s, 0, &out), RP_E_TYPE);
    RP_CHECK_EQ(rp_tuple_len(s), (unsigned long)(long)RP_E_TYPE);
    RP_CHECK_EQ(rp_sys_getsizeof(t), RP_GC_HEAD_SIZE + 8 + 3 * P);
    /* Only atomic items: not tracked (CPython's tuple untracking). */
    RP_CHECK(!rp_gc_is_tracked(t));
    /* The empty tuple is an immortal singleton. */
    rp_obj_t *e = rp_tuple_new(0, 0);
    RP_CHECK(e && e == rp_tuple_pack(0) && rp_is_immortal(e));
    RP_CHECK_EQ(rp_tuple_len(e), 0);
    RP_CHECK_EQ(rp_sys_getsizeof(e), RP_GC_HEAD_SIZE + 8);
    /* Bad input. */
    rp_obj_t *withnull[2] = {one, 0};
    RP_CHECK(rp_tuple_new(2, withnull) == 0);
    RP_CHECK(rp_tuple_new(2, 0) == 0);
    RP_CHECK(rp_tuple_pack(2, one, (rp_obj_t *)0) == 0);
    /* Equal tuples hash equal, whatever objects hold the values. */
    rp_obj_t *big2 = rp_int_from_i64(1000), *s2 = rp_str_from_cstr("x");
    rp_obj_t *u = rp_tuple_pack(3, rp_true(), s2, big2);   /* True == 1 */
    uint32_t h1 = 0, h2 = 1;
    RP_CHECK_EQ(rp_hash(t, &h1), RP_E_OK);
    RP_CHECK_EQ(rp_hash(u, &h2), RP_E_OK);
    RP_CHECK_EQ(h1, h2);
    RP_CHECK_EQ(rp_equal(t, u), 1);
    rp_obj_t *v = rp_tuple_pack(2, one, s);
    RP_CHECK_EQ(rp_equal(t, v), 0);
    RP_DECREF(v);
    RP_DECREF(u);
    RP_DECREF(big2);
    RP_DECREF(s2);
    RP_DECREF(t);
    RP_CHECK_EQ(rp_refcnt(s), 1);
    RP_DECREF(s);
    RP_DECREF(big);
    back_to_start();
}

static void test_tuple_tracking(void)
{
    fresh();
    rp_obj_t *l = rp_list_new(), *d = rp_dict_new(), *i = rp_int_from_i64(5000);
    rp_obj_t *atomic = rp_tuple_pack(2, i, rp_none());
    rp_obj_t *nested = rp_tuple_pack(2, atomic, i);      /* holds only an untracked tuple */
    rp_obj_t *withlist = rp_tuple_pack(2, i, l);
    rp_obj_t *withdict = rp_tuple_pack(1, d);           /* an untracked dict may be tracked later */
    rp_obj_t *outer = rp_tuple_pack(1, withlist);
    RP_CHECK(rp_gc_is_tracked(l));
    RP_CHECK(!rp_gc_is_tracked(d));
    RP_CHECK(!rp_gc_is_tracked(atomic));
    RP_CHECK(!rp_gc_is_tracked(nested));
    RP_CHECK(rp_gc_is_tracked(withlist));
    RP_CHECK(rp_gc_is_tracked(withdict));
    RP_CHECK(rp_gc_is_tracked(outer));
    RP_CHECK(rp_gc_check().rule == 0);
    /* The collector sees what a tracked tuple holds. */
    rp_obj_t *refs[4];
    RP_CHECK_EQ(rp_gc_get_referents(withlist, refs, 4, 0), 2);
    RP_CHECK(refs[0] == i && refs[1] == l);
    /* A tuple holding a list is unhashable, as in Python. */
    uint32_t h;
    RP_CHECK_EQ(rp_hash(withlist, &h), RP_E_TYPE);
    RP_CHECK_EQ(rp_hash(outer, &h), RP_E_TYPE);
    RP_CHECK_EQ(rp_hash(nested, &h), RP_E_OK);
    RP_DECREF(outer);
    RP_DECREF(withdict);
    RP_DECREF(withlist);
    RP_DECREF(nested);
    RP_DECREF(atomic);
    RP_DECREF(i);
    RP_DECREF(d);
    RP_DECREF(l);
    back_to_start();
}

static rp_obj_t *nest(rp_obj_t *leaf, unsigned depth)
{
    rp_obj_t *t = rp_tuple_pack(1, leaf);
    for (unsigned k = 1; k < depth && t; k++) {
        rp_obj_t *u = rp_tuple_pack(1, t);
        RP_DECREF(t);
        t = u;
    }
    return t;
}

static void test_nested_tuple_equality(void)
{
    fresh();
    rp_obj_t *x = rp_int_from_i64(77777), *y = rp_int_from_i64(77777);
    rp_obj_t *a = nest(x, RP_EQUAL_DEPTH), *b = nest(y, RP_EQUAL_DEPTH);
    RP_CHECK(a && b && a != b);
    RP_CHECK_EQ(rp_equal(a, b), 1);
    rp_obj_t *c = nest(x, RP_EQUAL_DEPTH + 1), *d = nest(y, RP_EQUAL_DEPTH + 1);
    RP_CHECK_EQ(rp_equal(c, d), RP_E_ARG);   /* deeper than the fixed stack: an error */
    rp_obj_t *dict = rp_dict_new();
    RP_CHECK_EQ(rp_dict_set(dict, a, rp_true()), RP_E_OK);
    rp_obj_t *out = 0;
    RP_CHECK_EQ(rp_dict_get(dict, b, &out), RP_E_OK);
    RP_CHECK(out == rp_true());
    RP_CHECK_EQ(rp_dict_set(dict, c, rp_true()), RP_E_OK);
    RP_CHECK_EQ(rp_dict_get(dict, d, &out), RP_E_ARG);
    RP_DECREF(dict);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(c);
    RP_DECREF(d);
    RP_DECREF(x);
    RP_DECREF(y);
    back_to_start();
}

/* ---- list ---- */

static void test_list_operations(void)
{
    fresh();
    rp_obj_t *l = rp_list_new(), *out = 0;
    rp_obj_t *a = rp_int_from_i64(1000), *b = rp_str_from_cstr("b"), *c = rp_int_from_i64(3);
    RP_CHECK(l && rp_is_list(l) && rp_gc_is_tracked(l));
    RP_CHECK_EQ(rp_list_len(l), 0);
    RP_CHECK_EQ(rp_list_append(l, a), RP_E_OK);
    RP_CHECK_EQ(rp_list_append(l, b), RP_E_OK);
    RP_CHECK_EQ(rp_refcnt(a), 2);   /* appending takes a reference, steals none */
    RP_CHECK_EQ(rp_list_insert(l, 0, c), RP_E_OK);      /* [c, a, b] */
    RP_CHECK_EQ(rp_list_insert(l, 100, c), RP_E_OK);    /* clamped: [c, a, b, c] */
    RP_CHECK_EQ(rp_list_insert(l, -100, b), RP_E_OK);   /* clamped: [b, c, a, b, c] */
    RP_CHECK_EQ(rp_list_insert(l, -1, a), RP_E_OK);     /* before the last: [b, c, a, b, a, c] */
    RP_CHECK_EQ(rp_list_len(l), 6);
    static const unsigned want[] = {1, 2, 0, 1, 0, 2};
    rp_obj_t *objs[3] = {a, b, c};
    for (int i = 0; i < 6; i++) {
        RP_CHECK_EQ(rp_list_get(l, i, &out), RP_E_OK);
        RP_CHECK(out == objs[want[i]]);
    }
    RP_CHECK_EQ(rp_list_get(l, -6, &out), RP_E_OK);
    RP_CHECK(out == b);
    RP_CHECK_EQ(rp_refcnt(a), 3);
    /* set replaces and drops the old item. */
    RP_CHECK_EQ(rp_list_set(l, 2, b), RP_E_OK);   /* [b, c, b, b, a, c] */
    RP_CHECK_EQ(rp_refcnt(a), 2);
    RP_CHECK_EQ(rp_list_set(l, -1, c), RP_E_OK);
    /* pop hands the list's reference to the caller; NULL out deletes. */
    RP_CHECK_EQ(rp_list_pop(l, 4, &out), RP_E_OK);
    RP_CHECK(out == a);
    RP_CHECK_EQ(rp_refcnt(a), 2);
    RP_DECREF(out);
    RP_CHECK_EQ(rp_list_pop(l, 0, 0), RP_E_OK);      /* [c, b, b, c] */
    RP_CHECK_EQ(rp_list_pop(l, -1, &out), RP_E_OK);
    RP_CHECK(out == c);
    RP_DECREF(out);
    RP_CHECK_EQ(rp_list_len(l), 3);
    RP_CHECK_EQ(rp_list_get(l, 0, &out), RP_E_OK);
    RP_CHECK(out == c);
    /* Bad input. */
    RP_CHECK_EQ(rp_list_get(l, 3, &out), RP_E_INDEX);
    RP_CHECK_EQ(rp_list_get(l, -4, &out), RP_E_INDEX);
    RP_CHECK_EQ(rp_list_set(l, 3, a), RP_E_INDEX);
    RP_CHECK_EQ(rp_list_pop(l, 3, &out), RP_E_INDEX);
    RP_CHECK_EQ(rp_list_get(l, 0, 0), RP_E_ARG);
    RP_CHECK_EQ(rp_list_append(l, 0), RP_E_ARG);
    RP_CHECK_EQ(rp_list_set(l, 0, 0), RP_E_ARG);
    RP_CHECK_EQ(rp_list_insert(l, 0, 0), RP_E_ARG);
    RP_CHECK_EQ(rp_list_append(0, a), RP_E_ARG);
    RP_CHECK_EQ(rp_list_append(a, a), RP_E_TYPE);
    RP_CHECK_EQ(rp_list_get(rp_none(), 0, &out), RP_E_TYPE);
    RP_CHECK_EQ(rp_list_pop(b, 0, &out), RP_E_TYPE);
    RP_CHECK_EQ(rp_list_len(0), (unsigned long)(long)RP_E_ARG);
    RP_CHECK_EQ(rp_list_len(b), (unsigned long)(long)RP_E_TYPE);
    RP_CHECK_EQ(rp_list_len(l), 3);
    /* Emptying it: pop from an empty list is an index error. */
    while (rp_list_len(l) > 0)
        RP_CHECK_EQ(rp_list_pop(l, 0, 0), RP_E_OK);
    RP_CHECK_EQ(rp_list_pop(l, 0, 0), RP_E_INDEX);
    RP_CHECK_EQ(rp_sys_getsizeof(l), RP_GC_HEAD_SIZE + 8 + P);   /* the array is freed at size 0 */
    RP_CHECK_EQ(rp_refcnt(a), 1);
    RP_DECREF(l);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(c);
    back_to_start();
}

/* lst = []; for i in range(n): lst.append(i); print(len(lst), sys.getsizeof(lst)) —
 * capacities as CPython 3.11 prints them (56 + 8 * capacity on 64-bit). */
static void test_list_getsizeof_growth(void)
{
    fresh();
    static const unsigned cpython_capacity[][2] = {
        {0, 0}, {1, 4}, {5, 8}, {9, 16}, {17, 24}, {25, 32}, {33, 40}, {41, 52}, {53, 64}, {65, 76}, {77, 92},
    };
    const unsigned base = RP_GC_HEAD_SIZE + 8 + P;
    rp_obj_t *l = rp_list_new();
    unsigned row = 0;
    rp_printf("list growth: len  refpool getsizeof  (capacity)  CPython 3.11 64-bit getsizeof\n");
    for (unsigned n = 0; n <= 80; n++) {
        if (row + 1 < sizeof cpython_capacity / sizeof cpython_capacity[0] && n == cpython_capacity[row + 1][0])
            row++;
        unsigned cap = cpython_capacity[row][1];
        RP_CHECK_EQ(rp_sys_getsizeof(l), base + cap * P);
        if (n == cpython_capacity[row][0])
            rp_printf("list growth: %3u  %5u  (%2u)  %4u\n", n, (unsigned)rp_sys_getsizeof(l), cap, 56 + 8 * cap);
        RP_CHECK_EQ(rp_list_append(l, rp_int_from_i64(n % 200)), RP_E_OK);
    }
    /* Shrinking follows list_resize too: pops keep the array while at least half is used,
     * then shrink it (CPython: 46 items 792 bytes, 45 items 504, capacity 56). */
    for (unsigned n = 81; n > 46; n--)
        RP_CHECK_EQ(rp_list_pop(l, -1, 0), RP_E_OK);
    RP_CHECK_EQ(rp_sys_getsizeof(l), base + 92 * P);
    RP_CHECK_EQ(rp_list_pop(l, -1, 0), RP_E_OK);
    RP_CHECK_EQ(rp_sys_getsizeof(l), base + 56 * P);
    RP_DECREF(l);
    back_to_start();
}

/* ---- dict ---- */

static void test_dict_operations(void)
{
    fresh();
    rp_obj_t *d = rp_dict_new(), *out = 0;
    rp_obj_t *k1 = rp_str_from_cstr("one"), *k2 = rp_int_from_i64(2000), *k3 = rp_tuple_pack(2, k1, k2);
    rp_obj_t *v = rp_str_from_cstr("value");
    RP_CHECK(d && rp_is_dict(d));
    RP_CHECK_EQ(rp_dict_len(d), 0);
    RP_CHECK_EQ(rp_dict_get(d, k1, &out), RP_E_KEY);
    RP_CHECK_EQ(rp_dict_set(d, k1, v), RP_E_OK);
    RP_CHECK_EQ(rp_dict_set(d, k2, rp_none()), RP_E_OK);
    RP_CHECK_EQ(rp_dict_set(d, k3, v), RP_E_OK);
    RP_CHECK_EQ(rp_refcnt(v), 3);
    RP_CHECK_EQ(rp_refcnt(k1), 3);   /* d's key, k3's item, ours */
    RP_CHECK_EQ(rp_dict_len(d), 3);
    /* Lookups by equal, not identical, keys. */
    rp_obj_t *k2b = rp_int_from_i64(2000), *k1b = rp_str_from_cstr("one");
    rp_obj_t *k3b = rp_tuple_pack(2, k1b, k2b);
    RP_CHECK_EQ(rp_dict_get(d, k2b, &out), RP_E_OK);
    RP_CHECK(out == rp_none());
    RP_CHECK_EQ(rp_dict_get(d, k3b, &out), RP_E_OK);
    RP_CHECK(out == v);
    RP_CHECK_EQ(rp_dict_get_cstr(d, "one", &out), RP_E_OK);
    RP_CHECK(out == v);
    RP_CHECK_EQ(rp_dict_get_cstr(d, "two", &out), RP_E_KEY);
    /* Overwriting keeps the key's place and its first key object. */
    RP_CHECK_EQ(rp_dict_set(d, k1b, rp_true()), RP_E_OK);
    RP_CHECK_EQ(rp_dict_len(d), 3);
    RP_CHECK_EQ(rp_refcnt(v), 2);
    RP_CHECK_EQ(rp_refcnt(k1b), 2);   /* ours and k3b's: the dict kept k1 */
    uint32_t pos = 0;
    rp_obj_t *key = 0, *val = 0;
    RP_CHECK_EQ(rp_dict_next(d, &pos, &key, &val), RP_E_OK);
    RP_CHECK(key == k1 && val == rp_true());
    RP_CHECK_EQ(rp_dict_next(d, &pos, &key, &val), RP_E_OK);
    RP_CHECK(key == k2);
    RP_CHECK_EQ(rp_dict_next(d, &pos, &key, 0), RP_E_OK);
    RP_CHECK(key == k3);
    RP_CHECK_EQ(rp_dict_next(d, &pos, &key, &val), RP_E_INDEX);
    RP_CHECK_EQ(rp_dict_next(d, &pos, &key, &val), RP_E_INDEX);
    /* True and 1 are one key, as in Python. */
    RP_CHECK_EQ(rp_dict_set(d, rp_int_from_i64(1), k2), RP_E_OK);
    RP_CHECK_EQ(rp_dict_get(d, rp_true(), &out), RP_E_OK);
    RP_CHECK(out == k2);
    RP_CHECK_EQ(rp_dict_set(d, rp_true(), k1), RP_E_OK);
    RP_CHECK_EQ(rp_dict_len(d), 4);
    /* Deleting keeps the others in order. */
    RP_CHECK_EQ(rp_dict_del(d, k2b), RP_E_OK);
    RP_CHECK_EQ(rp_dict_del(d, k2b), RP_E_KEY);
    RP_CHECK_EQ(rp_dict_del_cstr(d, "one"), RP_E_OK);
    RP_CHECK_EQ(rp_dict_del_cstr(d, "one"), RP_E_KEY);
    RP_CHECK_EQ(rp_dict_len(d), 2);
    pos = 0;
    RP_CHECK_EQ(rp_dict_next(d, &pos, &key, &val), RP_E_OK);
    RP_CHECK(key == k3);
    RP_CHECK_EQ(rp_dict_next(d, &pos, &key, &val), RP_E_OK);
    RP_CHECK(key == rp_int_from_i64(1) && val == k1);
    RP_CHECK_EQ(rp_dict_next(d, &pos, &key, &val), RP_E_INDEX);
    /* cstr keys are stored as interned strs. */
    RP_CHECK_EQ(rp_dict_set_cstr(d, "name", v), RP_E_OK);
    RP_CHECK_EQ(rp_dict_get(d, k1b, &out), RP_E_KEY);
    RP_CHECK_EQ(rp_str_interned_count(), 1);
    /* Bad input. */
    rp_obj_t *lst = rp_list_new();
    RP_CHECK_EQ(rp_dict_set(d, lst, v), RP_E_TYPE);   /* unhashable */
    RP_CHECK_EQ(rp_dict_get(d, lst, &out), RP_E_TYPE);
    RP_CHECK_EQ(rp_dict_del(d, d), RP_E_TYPE);
    RP_CHECK_EQ(rp_dict_set(d, 0, v), RP_E_ARG);
    RP_CHECK_EQ(rp_dict_set(d, k1, 0), RP_E_ARG);
    RP_CHECK_EQ(rp_dict_get(d, k1, 0), RP_E_ARG);
    RP_CHECK_EQ(rp_dict_get_cstr(d, 0, &out), RP_E_ARG);
    RP_CHECK_EQ(rp_dict_set_cstr(d, 0, v), RP_E_ARG);
    RP_CHECK_EQ(rp_dict_next(d, 0, &key, &val), RP_E_ARG);
    RP_CHECK_EQ(rp_dict_set(lst, k1, v), RP_E_TYPE);
    RP_CHECK_EQ(rp_dict_get(0, k1, &out), RP_E_ARG);
    RP_CHECK_EQ(rp_dict_next(lst, &pos, &key, &val), RP_E_TYPE);
    RP_CHECK_EQ(rp_dict_len(lst), (unsigned long)(long)RP_E_TYPE);
    RP_CHECK_EQ(rp_dict_len(d), 3);
    RP_DECREF(lst);
    RP_DECREF(d);
    RP_CHECK_EQ(rp_refcnt(v), 1);
    RP_CHECK_EQ(rp_refcnt(k1), 2);
    RP_DECREF(k3);
    RP_DECREF(k3b);
    RP_DECREF(k1);
    RP_DECREF(k1b);
    RP_DECREF(k2);
    RP_DECREF(k2b);
    RP_DECREF(v);
    back_to_start();
}

/* Growth, deletions and reinsertion over many keys; insertion order survives resizes. */
static void test_dict_many_keys(void)
{
    fresh();
    size_t mem = memory_size();
    unsigned n = mem < 16384 ? 30 : mem < 262144 ? 100 : 2000;
    rp_obj_t *d = rp_dict_new(), *out;
    const unsigned empty = (unsigned)rp_sys_getsizeof(d);
    RP_CHECK_EQ(empty, RP_GC_HEAD_SIZE + (P == 8 ? 24 : 16));
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *k = rp_int_from_i64((int64_t)i * 7919), *v = rp_int_from_i64(i);
        RP_CHECK_EQ(rp_dict_set(d, k, v), RP_E_OK);
        RP_DECREF(k);
        RP_DECREF(v);
        if (i == 0)   /* the first table: 8 int8 indexes and 5 entries of 3 words */
            RP_CHECK_EQ(rp_sys_getsizeof(d), empty + 8 + 5 * 3 * P);
    }
    RP_CHECK_EQ(rp_dict_len(d), n);
    for (unsigned i = 0; i < n; i += 2) {
        rp_obj_t *k = rp_int_from_i64((int64_t)i * 7919);
        RP_CHECK_EQ(rp_dict_del(d, k), RP_E_OK);
        RP_DECREF(k);
    }
    RP_CHECK_EQ(rp_dict_len(d), n / 2);
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *k = rp_int_from_i64((int64_t)i * 7919);
        rp_err_t e = rp_dict_get(d, k, &out);
        RP_CHECK_EQ(e, i % 2 ? RP_E_OK : RP_E_KEY);
        if (e == RP_E_OK)
            RP_CHECK_EQ(int_value(out), i);
        RP_DECREF(k);
    }
    /* Reinsert the deleted ones: they come after the survivors. */
    for (unsigned i = 0; i < n; i += 2) {
        rp_obj_t *k = rp_int_from_i64((int64_t)i * 7919);
        RP_CHECK_EQ(rp_dict_set(d, k, k), RP_E_OK);
        RP_DECREF(k);
    }
    uint32_t pos = 0;
    rp_obj_t *key, *val;
    unsigned seen = 0, in_order = 1;
    while (rp_dict_next(d, &pos, &key, &val) == RP_E_OK) {
        unsigned want = seen < n / 2 ? 2 * seen + 1 : 2 * (seen - n / 2);
        in_order &= int_value(key) == (int64_t)want * 7919;
        seen++;
    }
    RP_CHECK_EQ(seen, n);
    RP_CHECK(in_order);
    rp_printf("dict: getsizeof {} = %u, with %u int keys = %u bytes\n", empty, n, (unsigned)rp_sys_getsizeof(d));
    RP_DECREF(d);
    back_to_start();
}

static void test_dict_tracking(void)
{
    fresh();
    rp_obj_t *d = rp_dict_new(), *inner = rp_dict_new(), *l = rp_list_new();
    rp_obj_t *t = rp_tuple_pack(1, rp_int_from_i64(3));
    RP_CHECK(!rp_gc_is_tracked(d));
    RP_CHECK_EQ(rp_dict_set_cstr(d, "a", rp_int_from_i64(1)), RP_E_OK);
    RP_CHECK_EQ(rp_dict_set(d, t, t), RP_E_OK);   /* an untracked tuple is atomic */
    RP_CHECK(!rp_gc_is_tracked(d));
    RP_CHECK_EQ(rp_dict_set_cstr(d, "b", inner), RP_E_OK);   /* may be tracked later */
    RP_CHECK(rp_gc_is_tracked(d));
    RP_CHECK(!rp_gc_is_tracked(inner));
    RP_CHECK_EQ(rp_dict_set_cstr(inner, "x", rp_none()), RP_E_OK);
    RP_CHECK_EQ(rp_dict_set_cstr(inner, "x", l), RP_E_OK);   /* overwrite counts too */
    RP_CHECK(rp_gc_is_tracked(inner));
    RP_CHECK(rp_gc_check().rule == 0);
    /* Once its list is gone, a collection untracks inner (CPython's _PyDict_MaybeUntrack);
     * d holds a dict, which may be tracked again, so d stays tracked. */
    RP_CHECK_EQ(rp_dict_set_cstr(inner, "x", rp_int_from_i64(4)), RP_E_OK);
    rp_gc_collect(0);
    RP_CHECK(!rp_gc_is_tracked(inner));
    RP_CHECK(rp_gc_is_tracked(d));
    RP_CHECK_EQ(rp_dict_set_cstr(inner, "again", l), RP_E_OK);   /* and is tracked again */
    RP_CHECK(rp_gc_is_tracked(inner));
    RP_CHECK(rp_gc_check().rule == 0);
    RP_DECREF(d);
    RP_DECREF(inner);
    RP_DECREF(l);
    RP_DECREF(t);
    back_to_start();
}

/* ---- instances and attributes ---- */

static void test_plain_instance(void)
{
    fresh();
    rp_obj_t *o = rp_instance_new(), *out = 0, *d = 0;
    RP_CHECK(o && rp_is_instance(o) && rp_gc_is_tracked(o));
    RP_CHECK_EQ(rp_sys_getsizeof(o), RP_GC_HEAD_SIZE + P);
    RP_CHECK_EQ(rp_getattr(o, "x", &out), RP_E_KEY);
    RP_CHECK_EQ(rp_delattr(o, "x"), RP_E_KEY);
    RP_CHECK_EQ(blocks_now(), blocks_at_start + 1);   /* no dict yet */
    rp_obj_t *v = rp_int_from_i64(12345);
    RP_CHECK_EQ(rp_setattr(o, "x", v), RP_E_OK);
    RP_CHECK_EQ(rp_setattr(o, "y", rp_int_from_i64(2)), RP_E_OK);
    RP_CHECK_EQ(rp_refcnt(v), 2);
    RP_CHECK_EQ(rp_getattr(o, "x", &out), RP_E_OK);
    RP_CHECK(out == v);
    RP_CHECK_EQ(rp_getattr(o, "__dict__", &d), RP_E_OK);
    RP_CHECK(rp_is_dict(d));
    RP_CHECK_EQ(rp_dict_len(d), 2);
    RP_CHECK_EQ(rp_dict_get_cstr(d, "y", &out), RP_E_OK);
    RP_CHECK_EQ(int_value(out), 2);
    RP_CHECK_EQ(rp_setattr(o, "x", rp_none()), RP_E_OK);
    RP_CHECK_EQ(rp_refcnt(v), 1);
    RP_CHECK_EQ(rp_delattr(o, "x"), RP_E_OK);
    RP_CHECK_EQ(rp_getattr(o, "x", &out), RP_E_KEY);
    RP_CHECK_EQ(rp_delattr(o, "x"), RP_E_KEY);
    /* Instances hash by identity. */
    rp_obj_t *o2 = rp_instance_new(), *map = rp_dict_new();
    RP_CHECK_EQ(rp_dict_set(map, o, rp_true()), RP_E_OK);
    RP_CHECK_EQ(rp_dict_get(map, o2, &out), RP_E_KEY);
    RP_CHECK_EQ(rp_dict_get(map, o, &out), RP_E_OK);
    /* Bad input. */
    RP_CHECK_EQ(rp_getattr(0, "x", &out), RP_E_ARG);
    RP_CHECK_EQ(rp_getattr(o, 0, &out), RP_E_ARG);
    RP_CHECK_EQ(rp_getattr(o, "y", 0), RP_E_ARG);
    RP_CHECK_EQ(rp_setattr(o, "y", 0), RP_E_ARG);
    RP_CHECK_EQ(rp_delattr(o, 0), RP_E_ARG);
    RP_DECREF(map);
    RP_DECREF(o2);
    RP_DECREF(o);
    RP_DECREF(v);
    back_to_start();
}

static void test_attributes_on_any_object(void)
{
    fresh();
    rp_obj_t *p = rp_new(&point_type), *out = 0;
    rp_obj_t *v = rp_int_from_i64(300);
    /* Slots: named only; unset slots are missing attributes; no __dict__. */
    RP_CHECK_EQ(rp_getattr(p, "x", &out), RP_E_KEY);
    RP_CHECK_EQ(rp_setattr(p, "x", v), RP_E_OK);
    RP_CHECK_EQ(rp_getattr(p, "x", &out), RP_E_OK);
    RP_CHECK(out == v);
    RP_CHECK(rp_slot(p, 0) == v);
    RP_CHECK_EQ(rp_setattr(p, "z", v), RP_E_KEY);
    RP_CHECK_EQ(rp_getattr(p, "__dict__", &out), RP_E_KEY);
    RP_CHECK_EQ(rp_delattr(p, "y"), RP_E_KEY);
    RP_CHECK_EQ(rp_delattr(p, "x"), RP_E_OK);
    RP_CHECK(rp_slot(p, 0) == 0);
    RP_CHECK_EQ(rp_refcnt(v), 1);
    /* Slots first, then the __dict__ slot after them. */
    rp_obj_t *m = rp_new(&mixed_type), *d = 0;
    RP_CHECK_EQ(rp_setattr(m, "x", v), RP_E_OK);
    RP_CHECK_EQ(rp_setattr(m, "extra", v), RP_E_OK);
    RP_CHECK(rp_slot(m, 0) == v);
    RP_CHECK_EQ(rp_getattr(m, "__dict__", &d), RP_E_OK);
    RP_CHECK(rp_slot(m, 1) == d && rp_is_dict(d));
    RP_CHECK_EQ(rp_dict_len(d), 1);
    RP_CHECK_EQ(rp_getattr(m, "extra", &out), RP_E_OK);
    RP_CHECK(out == v);
    RP_CHECK_EQ(rp_delattr(m, "extra"), RP_E_OK);
    RP_CHECK_EQ(rp_getattr(m, "extra", &out), RP_E_KEY);
    /* Built-in objects have no attributes. */
    rp_obj_t *l = rp_list_new();
    RP_CHECK_EQ(rp_getattr(l, "x", &out), RP_E_KEY);
    RP_CHECK_EQ(rp_setattr(l, "x", v), RP_E_KEY);
    RP_CHECK_EQ(rp_setattr(v, "x", v), RP_E_KEY);
    RP_CHECK_EQ(rp_setattr(rp_none(), "x", v), RP_E_KEY);
    rp_obj_t *s = rp_str_new("s", 1);
    RP_CHECK_EQ(rp_delattr(s, "x"), RP_E_KEY);
    RP_CHECK_EQ(rp_getattr(rp_int_from_i64(3), "x", &out), RP_E_KEY);
    RP_DECREF(s);
    RP_DECREF(l);
    RP_DECREF(m);
    RP_DECREF(p);
    RP_CHECK_EQ(rp_refcnt(v), 1);
    RP_DECREF(v);
    back_to_start();
}

/* ---- the seeds' examples ---- */

/* Seed 002's demonstrate_ref_count, as sys.getrefcount shows it in CPython 3.11:
 * 2, 3, 4, 5 (inside the call), 5 (result kept), 4, 3. */
static void test_refcount_walkthrough(void)
{
    fresh();
    rp_obj_t *a = rp_list_new();
    for (int i = 1; i <= 3; i++)
        RP_CHECK_EQ(rp_list_append(a, rp_int_from_i64(i)), RP_E_OK);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 2);
    rp_printf("refcount: a = [1, 2, 3]        -> %u\n", (unsigned)rp_sys_getrefcount(a));
    rp_obj_t *b = a;
    RP_INCREF(b);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 3);
    rp_printf("refcount: b = a                -> %u\n", (unsigned)rp_sys_getrefcount(a));
    rp_obj_t *container = rp_list_new();
    RP_CHECK_EQ(rp_list_append(container, a), RP_E_OK);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 4);
    rp_printf("refcount: container = [a]      -> %u\n", (unsigned)rp_sys_getrefcount(a));
    rp_obj_t *param = a;   /* func(a): the parameter is one more reference */
    RP_INCREF(param);
    RP_CHECK_EQ(rp_sys_getrefcount(param), 5);
    rp_printf("refcount: inside func(param)   -> %u\n", (unsigned)rp_sys_getrefcount(param));
    rp_obj_t *result = param;   /* return param: the reference moves to result */
    RP_CHECK_EQ(rp_sys_getrefcount(a), 5);
    rp_printf("refcount: result = func(a)     -> %u\n", (unsigned)rp_sys_getrefcount(a));
    RP_DECREF(b);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 4);
    rp_printf("refcount: del b                -> %u\n", (unsigned)rp_sys_getrefcount(a));
    RP_CHECK_EQ(rp_list_pop(container, 0, 0), RP_E_OK);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 3);
    rp_printf("refcount: del container[0]     -> %u\n", (unsigned)rp_sys_getrefcount(a));
    RP_DECREF(a);
    RP_CHECK_EQ(rp_sys_getrefcount(result), 2);
    /* Seed 004: x = []; y = x; z = x; del y; del z -> 2, 3, 4, 3, 2. */
    rp_obj_t *x = rp_list_new();
    static const unsigned want[] = {2, 3, 4, 3, 2};
    RP_CHECK_EQ(rp_sys_getrefcount(x), want[0]);
    RP_INCREF(x);
    RP_CHECK_EQ(rp_sys_getrefcount(x), want[1]);
    RP_INCREF(x);
    RP_CHECK_EQ(rp_sys_getrefcount(x), want[2]);
    RP_DECREF(x);
    RP_CHECK_EQ(rp_sys_getrefcount(x), want[3]);
    RP_DECREF(x);
    RP_CHECK_EQ(rp_sys_getrefcount(x), want[4]);
    /* When the count reaches 0 the object is freed at once, its items with it. */
    RP_DECREF(x);
    RP_DECREF(container);
    RP_DECREF(result);
    back_to_start();
}

/* Seeds 002/004: a Point with x and y as a plain class (attributes in __dict__) and with
 * __slots__ = ('x', 'y'). */
static void test_instance_vs_slots_memory(void)
{
    fresh();
    rp_obj_t *one = rp_int_from_i64(1), *two = rp_int_from_i64(2), *d = 0;
    rp_obj_t *plain = rp_instance_new(), *slots = rp_new(&point_type);
    RP_CHECK_EQ(rp_setattr(plain, "x", one), RP_E_OK);
    RP_CHECK_EQ(rp_setattr(plain, "y", two), RP_E_OK);
    RP_CHECK_EQ(rp_setattr(slots, "x", one), RP_E_OK);
    RP_CHECK_EQ(rp_setattr(slots, "y", two), RP_E_OK);
    RP_CHECK_EQ(rp_getattr(plain, "__dict__", &d), RP_E_OK);
    unsigned obj = (unsigned)rp_sys_getsizeof(plain), dict = (unsigned)rp_sys_getsizeof(d);
    unsigned slot = (unsigned)rp_sys_getsizeof(slots);
    RP_CHECK_EQ(slot, RP_GC_HEAD_SIZE + 2 * P);
    RP_CHECK_EQ(obj, RP_GC_HEAD_SIZE + P);
    RP_CHECK(obj + dict > 3 * slot);
    rp_printf("instance with x, y: plain %u + __dict__ %u = %u bytes; __slots__ %u bytes "
              "(CPython 3.11 64-bit: 56 + 296 = 352; 48)\n", obj, dict, obj + dict, slot);
    RP_DECREF(plain);
    RP_DECREF(slots);
    back_to_start();
}

/* ---- collection and deallocation ---- */

static void test_cycles_are_collected(void)
{
    fresh();
    /* a.next = b; b.next = a; del a, b — then gc.collect(). */
    rp_obj_t *a = rp_instance_new(), *b = rp_instance_new();
    RP_CHECK_EQ(rp_setattr(a, "next", b), RP_E_OK);
    RP_CHECK_EQ(rp_setattr(b, "next", a), RP_E_OK);
    rp_obj_t *l = rp_list_new(), *d = rp_dict_new();
    RP_CHECK_EQ(rp_list_append(l, l), RP_E_OK);       /* l.append(l) */
    RP_CHECK_EQ(rp_dict_set_cstr(d, "self", d), RP_E_OK);   /* d['self'] = d */
    RP_CHECK(rp_gc_is_tracked(d));
    rp_obj_t *t = rp_tuple_pack(1, l);                 /* a tuple in the list's cycle */
    RP_CHECK_EQ(rp_list_append(l, t), RP_E_OK);
    RP_DECREF(t);
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(l);
    RP_DECREF(d);
    RP_CHECK(blocks_now() > blocks_at_start);
    uint32_t n = rp_gc_collect(2);
    RP_CHECK_EQ(n, 7);   /* a, b, their two dicts, l, t, d */
    back_to_start();
}

/* Lists and dicts whose references all stay inside the garbage are freed without their
 * clear hooks (RP_TYPE_CLEAR_DROPS_ONLY), their item arrays and tables by release. */
static void test_closed_container_cycles(void)
{
    fresh();
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 8; i++) {
            rp_obj_t *l1 = rp_list_new(), *l2 = rp_list_new(), *d = rp_dict_new();
            RP_CHECK_EQ(rp_list_append(l1, l2), RP_E_OK);   /* l1 = [l2, d]; l2 = [l1, 7] */
            RP_CHECK_EQ(rp_list_append(l1, d), RP_E_OK);
            RP_CHECK_EQ(rp_list_append(l2, l1), RP_E_OK);
            rp_obj_t *seven = rp_int_from_i64(7);           /* a small int: immortal */
            RP_CHECK_EQ(rp_list_append(l2, seven), RP_E_OK);
            RP_CHECK_EQ(rp_dict_set(d, seven, l1), RP_E_OK); /* d = {7: l1} */
            RP_DECREF(seven);
            RP_DECREF(l1);
            RP_DECREF(l2);
            RP_DECREF(d);
        }
        RP_CHECK_EQ(rp_gc_collect(round ? 2 : 0), 24);
        RP_CHECK(!rp_gc_check().rule);
    }
    back_to_start();
}

/* A chain of any length is freed in bounded stack (the refzero queue), through every
 * container type: list -> dict -> instance -> tuple -> list ... */
static void test_long_chain_dealloc(void)
{
    fresh();
    unsigned n = (unsigned)(memory_size() / 2u / 160u);
    if (n > 20000)
        n = 20000;
    rp_obj_t *cur = rp_none();
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *next = 0;
        switch (i % 4) {
        case 0:
            next = rp_list_new();
            RP_CHECK(next && rp_list_append(next, cur) == RP_E_OK);
            break;
        case 1:
            next = rp_dict_new();
            RP_CHECK(next && rp_dict_set_cstr(next, "k", cur) == RP_E_OK);
            break;
        case 2:
            next = rp_instance_new();
            RP_CHECK(next && rp_setattr(next, "next", cur) == RP_E_OK);
            break;
        default:
            next = rp_tuple_pack(1, cur);
            RP_CHECK(next != 0);
            break;
        }
        RP_DECREF(cur);
        cur = next;
        if (!cur)
            break;
    }
    RP_CHECK(rp_gc_check().rule == 0);
    RP_XDECREF(cur);
    (void)rp_gc_free_pending(0);   /* what the bounded DECREF left pending (RP_CFG_FREE_BUDGET) */
    rp_printf("chain of %u containers freed; refzero queue peak %u\n", n, (unsigned)rp_obj_refzero_peak());
    back_to_start();
}

/* Out of memory: operations fail with RP_E_NOMEM and leave their object as it was. */
static void test_out_of_memory(void)
{
    size_t size;
    uint8_t *m = rp_test_memory(&size);
    rp_region_t r = {m, size < 8192 ? size : 8192};
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    blocks_at_start = blocks_now();
    rp_obj_t *l = rp_list_new(), *d = rp_dict_new();
    rp_err_t e = RP_E_OK;
    int32_t n = 0;
    for (int i = 0; e == RP_E_OK && i < 100000; i++) {
        rp_obj_t *v = rp_int_from_i64(100000 + i);
        if (!v)
            break;
        e = i % 2 ? rp_list_append(l, v) : rp_dict_set(d, v, v);
        if (e == RP_E_OK)
            n++;
        RP_DECREF(v);
    }
    RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
    RP_CHECK_EQ(rp_list_len(l) + rp_dict_len(d), n);
    RP_HEAP_OK();
    RP_CHECK(rp_gc_check().rule == 0);
    RP_CHECK(rp_str_new("x", 100000) == 0);   /* bytes are read only once it is allocated */
    RP_DECREF(l);
    RP_DECREF(d);
    back_to_start();
}

/* A failed allocation runs one emergency collection: cyclic garbage filling the heap is
 * collected and a list's item array then fits. */
static void test_emergency_collection(void)
{
    size_t size;
    uint8_t *m = rp_test_memory(&size);
    rp_region_t r = {m, size < 16384 ? size : 16384};
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    blocks_at_start = blocks_now();
    rp_gc_disable();
    rp_obj_t *l = rp_list_new();
    rp_heap_stats_t s;
    rp_gc_stats_t before, after;
    rp_gc_get_stats(&before);
    rp_heap_stats(&s);
    for (int i = 0; i < 10000 && s.largest_free > 2048; i++) {
        rp_obj_t *a = rp_list_new();
        if (!a)
            break;
        rp_list_append(a, a);   /* garbage once dropped: only a collection frees it */
        RP_DECREF(a);
        rp_heap_stats(&s);
    }
    /* The item array outgrows the largest free chunk: only the collection makes room. */
    int32_t n = (int32_t)(r.size / (4u * P));   /* an array over 2048 bytes: old and new fit */
    if (n > 700)
        n = 700;
    rp_err_t e = RP_E_OK;
    for (int32_t i = 0; i < n && e == RP_E_OK; i++)
        e = rp_list_append(l, rp_none());
    RP_CHECK_EQ(e, RP_E_OK);
    rp_gc_get_stats(&after);
    RP_CHECK(after.gen[2].collections > before.gen[2].collections);   /* gc disabled: emergency only */
    RP_CHECK_EQ(rp_list_len(l), n);
    rp_gc_enable();
    RP_DECREF(l);
    rp_gc_collect(2);
    back_to_start();
}

/* Finalizers run inside the emergency collection of a container's own growth, and change
 * that same container: the growth must build on the container as the finalizers left it. */
static rp_obj_t *victim_list, *victim_dict;
static unsigned fin_list_ok, fin_dict_ok, fin_calls;

static void appender_finalize(rp_obj_t *o)
{
    (void)o;
    fin_calls++;
    if (victim_list && rp_list_append(victim_list, rp_false()) == RP_E_OK)
        fin_list_ok++;
    if (victim_dict) {
        rp_obj_t *k = rp_int_from_i64(-1000000 - (int64_t)fin_calls);
        if (k && rp_dict_set(victim_dict, k, rp_false()) == RP_E_OK)
            fin_dict_ok++;
        RP_XDECREF(k);
    }
}

static uint8_t RP_TYPE_NUMBER(appender);
static const char *const appender_names[] = {"me"};
static const rp_type_t appender_type = {
    .name = "Appender", .number = &appender_number, .slot_names = appender_names, .nslots = 1,
    .flags = RP_TYPE_GC, .finalize = appender_finalize,
};

/* Cyclic garbage with finalizers until the largest free chunk is under `limit`. */
static void fill_with_appenders(uint32_t limit)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    for (int i = 0; i < 10000 && s.largest_free > limit; i++) {
        rp_obj_t *a = rp_new(&appender_type);
        if (!a)
            break;
        rp_slot_set(a, 0, a);
        RP_DECREF(a);
        rp_heap_stats(&s);
    }
}

static void test_finalizers_change_container_during_growth(void)
{
    size_t size;
    uint8_t *m = rp_test_memory(&size);
    rp_region_t r = {m, size < 16384 ? size : 16384};
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    blocks_at_start = blocks_now();
    rp_gc_disable();
    fin_list_ok = fin_dict_ok = fin_calls = 0;
    victim_list = rp_list_new();
    fill_with_appenders(768);
    int32_t ours = 0, want = (int32_t)(1024u / P);   /* an array over 768 bytes, and small */
    while (ours < want && rp_list_append(victim_list, rp_true()) == RP_E_OK)
        ours++;
    RP_CHECK_EQ(ours, want);
    RP_CHECK(fin_calls > 0);
    RP_CHECK_EQ(rp_list_len(victim_list), ours + (int32_t)fin_list_ok);
    int32_t trues = 0;
    for (int32_t i = 0; i < rp_list_len(victim_list); i++) {
        rp_obj_t *v = 0;
        RP_CHECK_EQ(rp_list_get(victim_list, i, &v), RP_E_OK);
        RP_CHECK(v == rp_true() || v == rp_false());
        trues += v == rp_true();
    }
    RP_CHECK_EQ(trues, ours);
    RP_HEAP_OK();
    RP_CHECK(rp_gc_check().rule == 0);
    /* The same for a dict's table. */
    RP_DECREF(victim_list);
    victim_list = 0;
    victim_dict = rp_dict_new();
    fill_with_appenders(1024);
    int32_t keys = 0;
    for (; keys < 200; keys++) {
        rp_obj_t *k = rp_int_from_i64(1000 + keys);
        rp_err_t e = k ? rp_dict_set(victim_dict, k, rp_true()) : RP_E_NOMEM;
        RP_XDECREF(k);
        if (e != RP_E_OK)
            break;
    }
    RP_CHECK(fin_calls > 0);
    RP_CHECK_EQ(rp_dict_len(victim_dict), keys + (int32_t)fin_dict_ok);
    for (int32_t i = 0; i < keys; i++) {
        rp_obj_t *k = rp_int_from_i64(1000 + i), *v = 0;
        RP_CHECK_EQ(rp_dict_get(victim_dict, k, &v), RP_E_OK);
        RP_CHECK(v == rp_true());
        RP_XDECREF(k);
    }
    rp_printf("finalizers during growth: list %u + %u, dict %u + %u items\n", (unsigned)ours,
              fin_list_ok, (unsigned)keys, fin_dict_ok);
    RP_DECREF(victim_dict);
    victim_dict = 0;
    rp_gc_enable();
    rp_gc_collect(2);
    back_to_start();
}

/* ---- the randomized model-based test ---- */

enum kind { K_INT, K_STR, K_TUPLE, K_LIST, K_DICT, K_INST, K_KINDS };

#define MAX_ROOTS 32
#define NAMES 4
static const char *const attr_names[NAMES] = {"alpha", "beta", "gamma", "delta"};

/* A root: an owned reference and what the model knows about the object. Objects only
 * ever get references to roots created before them (smaller id): the graph stays acyclic,
 * so reference counting alone must free everything. */
typedef struct root {
    rp_obj_t *o;
    uint32_t id;
    enum kind kind;
    int64_t value;   /* int value; str, tuple and list length */
    uint32_t keys;   /* dict: bitmask of small int keys 0..31; instance: of attr_names */
} root_t;

static root_t roots[MAX_ROOTS];
static uint32_t next_id, nomem_ops;

static unsigned popcount(uint32_t x)
{
    unsigned n = 0;
    for (; x; x &= x - 1u)
        n++;
    return n;
}

/* A root older than `id`, or NULL. */
static root_t *older(uint32_t *x, uint32_t id, unsigned nroots)
{
    for (unsigned tries = 0; tries < 4; tries++) {
        root_t *r = &roots[rp_rand_range(x, 0, nroots - 1)];
        if (r->o && r->id < id)
            return r;
    }
    return 0;
}

static void model_check(const root_t *r)
{
    switch (r->kind) {
    case K_INT:
        RP_CHECK(int_value(r->o) == r->value);
        break;
    case K_STR:
        RP_CHECK_EQ(rp_str_len(r->o), r->value);
        break;
    case K_TUPLE:
        RP_CHECK_EQ(rp_tuple_len(r->o), r->value);
        break;
    case K_LIST:
        RP_CHECK_EQ(rp_list_len(r->o), r->value);
        break;
    case K_DICT: {
        RP_CHECK_EQ(rp_dict_len(r->o), popcount(r->keys));
        for (unsigned k = 0; k < 32; k += 5) {
            rp_obj_t *out;
            rp_err_t e = rp_dict_get(r->o, rp_int_from_i64(k), &out);
            RP_CHECK_EQ(e, (r->keys >> k) & 1u ? RP_E_OK : RP_E_KEY);
        }
        break;
    }
    default:
        for (unsigned k = 0; k < NAMES; k++) {
            rp_obj_t *out;
            RP_CHECK_EQ(rp_getattr(r->o, attr_names[k], &out), (r->keys >> k) & 1u ? RP_E_OK : RP_E_KEY);
        }
        break;
    }
}

static void make_root(uint32_t *x, root_t *r, unsigned nroots)
{
    static char buf[24];
    r->id = next_id++;
    r->kind = (enum kind)rp_rand_range(x, 0, K_KINDS - 1);
    r->keys = 0;
    r->value = 0;
    switch (r->kind) {
    case K_INT: {
        uint32_t pick = rp_rand_range(x, 0, 2);
        int64_t v = pick == 0 ? (int64_t)rp_rand_range(x, 0, 300) - 10
                    : pick == 1 ? (int32_t)rp_rand_next(x)
                    : (int64_t)(((uint64_t)rp_rand_next(x) << 32) | rp_rand_next(x));
        r->value = v;
        r->o = rp_int_from_i64(v);
        break;
    }
    case K_STR: {
        unsigned n = rp_rand_range(x, 0, sizeof buf - 1);
        for (unsigned i = 0; i < n; i++)
            buf[i] = (char)('a' + rp_rand_range(x, 0, 3));   /* few letters: repeats intern */
        r->value = n;
        r->o = rp_str_new(buf, n);
        if (r->o && rp_rand_range(x, 0, 1)) {
            rp_obj_t *c = rp_str_intern(r->o);
            RP_DECREF(r->o);
            r->o = c;
        }
        break;
    }
    case K_TUPLE: {
        rp_obj_t *items[4];
        unsigned n = 0, want = rp_rand_range(x, 0, 4);
        for (unsigned i = 0; i < want; i++) {
            root_t *c = older(x, r->id, nroots);
            if (c)
                items[n++] = c->o;
        }
        r->value = n;
        r->o = rp_tuple_new(n, items);
        break;
    }
    case K_LIST:
        r->o = rp_list_new();
        break;
    case K_DICT:
        r->o = rp_dict_new();
        break;
    default:
        r->o = rp_instance_new();
        break;
    }
}

/* One mutation of a container root, with references only to older roots. */
static void mutate(uint32_t *x, root_t *r, unsigned nroots)
{
    root_t *c = older(x, r->id, nroots);
    rp_obj_t *v = c ? c->o : rp_none();
    uint32_t op = rp_rand_range(x, 0, 3);
    rp_err_t e;
    switch (r->kind) {
    case K_LIST:
        if (op == 0 && r->value > 0) {
            rp_obj_t *out = 0;
            int32_t i = (int32_t)rp_rand_range(x, 0, (uint32_t)r->value - 1u);
            if (rp_rand_range(x, 0, 1))
                i -= (int32_t)r->value;   /* the same item, counted from the end */
            RP_CHECK_EQ(rp_list_pop(r->o, i, &out), RP_E_OK);
            RP_CHECK(out != 0);
            RP_XDECREF(out);
            r->value--;
        } else if (op == 1 && r->value > 0) {
            RP_CHECK_EQ(rp_list_set(r->o, (int32_t)rp_rand_range(x, 0, (uint32_t)r->value - 1u), v), RP_E_OK);
        } else if (r->value < 24) {
            e = op == 2 ? rp_list_insert(r->o, (int32_t)rp_rand_range(x, 0, 30) - 15, v) : rp_list_append(r->o, v);
            RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
            nomem_ops += e == RP_E_NOMEM;
            r->value += e == RP_E_OK;
        }
        break;
    case K_DICT: {
        unsigned k = rp_rand_range(x, 0, 31);
        rp_obj_t *key = rp_int_from_i64(k);
        if (op == 0) {
            RP_CHECK_EQ(rp_dict_del(r->o, key), (r->keys >> k) & 1u ? RP_E_OK : RP_E_KEY);
            r->keys &= ~(1u << k);
        } else {
            e = rp_dict_set(r->o, key, v);
            RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
            nomem_ops += e == RP_E_NOMEM;
            if (e == RP_E_OK)
                r->keys |= 1u << k;
        }
        break;
    }
    case K_INST: {
        unsigned k = rp_rand_range(x, 0, NAMES - 1);
        if (op == 0) {
            RP_CHECK_EQ(rp_delattr(r->o, attr_names[k]), (r->keys >> k) & 1u ? RP_E_OK : RP_E_KEY);
            r->keys &= ~(1u << k);
        } else {
            e = rp_setattr(r->o, attr_names[k], v);
            RP_CHECK(e == RP_E_OK || e == RP_E_NOMEM);
            nomem_ops += e == RP_E_NOMEM;
            if (e == RP_E_OK)
                r->keys |= 1u << k;
        }
        break;
    }
    default:
        break;   /* int, str and tuple do not change */
    }
}

static void random_graphs(size_t mem, uint32_t x)
{
    unsigned nroots = mem < 65536 ? 12 : MAX_ROOTS;
    unsigned steps = mem < 65536 ? 1500 : 6000;
    next_id = 1;
    nomem_ops = 0;
    for (unsigned i = 0; i < MAX_ROOTS; i++)
        roots[i].o = 0;
    unsigned failures = 0, created = 0;
    for (unsigned step = 0; step < steps; step++) {
        root_t *r = &roots[rp_rand_range(&x, 0, nroots - 1)];
        uint32_t op = rp_rand_range(&x, 0, 9);
        if (!r->o) {
            make_root(&x, r, nroots);
            created++;
            failures += !r->o;
        } else if (op < 2) {
            RP_DECREF(r->o);   /* drop it: whatever only it held goes too */
            r->o = 0;
        } else if (op < 8) {
            mutate(&x, r, nroots);
        }
        if (r->o)
            model_check(r);
        if (!RP_HEAP_OK() || !RP_CHECK(rp_gc_check().rule == 0))
            break;
        if (step % 500 == 0)
            for (unsigned i = 0; i < nroots; i++)
                if (roots[i].o)
                    model_check(&roots[i]);
    }
    for (unsigned i = 0; i < nroots; i++) {
        RP_XDECREF(roots[i].o);
        roots[i].o = 0;
    }
    rp_printf("random graphs over %u bytes: %u steps, %u objects created; out of memory: %u creations, "
              "%u changes\n", (unsigned)mem, steps, created, failures, (unsigned)nomem_ops);
    /* Acyclic: reference counting alone gave everything back. */
    back_to_start();
    RP_CHECK_EQ(rp_gc_collect(2), 0);
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    RP_CHECK_EQ(s.reports, 0);
}

static void test_random_acyclic_graphs(void)
{
    fresh();
    random_graphs(memory_size(), 0x9E3779B9u);
}

/* The same over a heap so small that operations run out of memory: every failure must
 * leave the object, the model and the heap as they were. */
static void test_random_graphs_small_heap(void)
{
    size_t size;
    uint8_t *m = rp_test_memory(&size);
    rp_region_t r = {m, size < 4096 ? size : 4096};
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    blocks_at_start = blocks_now();
    random_graphs(r.size, 0x2545F491u);
}

/* A key's equality hook that changes the dict being searched (issue 15: found by
 * test_weakref__test_weak_keyed_cascading_deletes): it deletes the stored key it is
 * compared with (its last reference) and grows the table. The lookup must hold the key
 * and start over, as CPython's lookdict does, not read the freed key or table. */
static rp_obj_t *meddled;
static int meddle_armed, meddle_died, died_while_compared;
static void meddle_finalize(rp_obj_t *o)
{
    (void)o;
    meddle_died++;
}
static uint32_t meddle_hash(rp_obj_t *o)
{
    (void)o;
    return 5u;   /* every key collides: each lookup meets the hook */
}

static int meddle_equal(rp_obj_t *a, rp_obj_t *b);
static uint8_t RP_TYPE_NUMBER(meddle);
static const rp_type_t meddle_type = {
    .name = "Meddle", .number = &meddle_number, .nbytes = sizeof(uint32_t), .flags = RP_TYPE_GC,
    .hash = meddle_hash, .equal = meddle_equal, .finalize = meddle_finalize,
};

static int meddle_equal(rp_obj_t *a, rp_obj_t *b)
{
    if (meddle_armed) {
        meddle_armed = 0;
        rp_dict_del(meddled, a);   /* the dict held a's last reference */
        for (int32_t i = 0; i < 24; i++) {   /* and a larger table replaces the old */
            rp_obj_t *k = rp_int_from_i32(1000 + i);
            rp_dict_set(meddled, k, k);
            RP_DECREF(k);
        }
        died_while_compared = meddle_died;   /* a is still in use here */
    }
    return rp_type_of(b) == &meddle_type && *(uint32_t *)rp_raw(a) == *(uint32_t *)rp_raw(b);
}

static void test_dict_lookup_survives_equality_that_changes_the_dict(void)
{
    rp_test_fresh_objects();
    for (int store = 0; store < 2; store++) {   /* through a get, then through a set */
        meddled = rp_dict_new();
        meddle_died = died_while_compared = 0;
        rp_obj_t *stored = rp_new(&meddle_type), *probe = rp_new(&meddle_type), *out = 0;
        *(uint32_t *)rp_raw(stored) = 1;
        *(uint32_t *)rp_raw(probe) = 2;
        RP_CHECK_EQ(rp_dict_set(meddled, stored, rp_none()), RP_E_OK);
        RP_DECREF(stored);
        meddle_armed = 1;
        if (store)
            RP_CHECK_EQ(rp_dict_set(meddled, probe, probe), RP_E_OK);
        else
            RP_CHECK_EQ(rp_dict_get(meddled, probe, &out), RP_E_KEY);
        RP_CHECK_EQ(meddle_armed, 0);
        RP_CHECK_EQ(died_while_compared, 0);   /* held while its hook ran */
        RP_CHECK_EQ(meddle_died, 1);           /* and gone after */
        RP_CHECK_EQ(rp_dict_len(meddled), 24 + store);
        for (int32_t i = 0; i < 24; i++) {   /* every key where a lookup finds it */
            rp_obj_t *k = rp_int_from_i32(1000 + i);
            RP_CHECK(rp_dict_get(meddled, k, &out) == RP_E_OK && out != 0);
            RP_DECREF(k);
        }
        if (store)
            RP_CHECK(rp_dict_get(meddled, probe, &out) == RP_E_OK && out == probe);
        RP_ALL_OK();
        RP_DECREF(probe);
        RP_DECREF(meddled);
    }
    RP_ALL_BACK();
}

/* The intern table grows while the heap is full: its allocation fails, and the OOM hook
 * (standing for the finalizers an emergency collection runs) interns many strings, the
 * one being interned among them. The grow step must size again from the table as it is
 * after the allocation, and the insertion look again (issue 15, defect 13's pattern). */
static void *intern_filler;
static rp_obj_t *hook_strs[21];
static void intern_fill_heap(void)
{
    intern_filler = 0;
    for (size_t n = 1024; n >= 8; n /= 2)
        for (void **p; (p = rp_malloc(n)) != 0;) {
            *p = intern_filler;
            intern_filler = p;
        }
}

static void intern_free_filler(void)
{
    while (intern_filler) {
        void *next = *(void **)intern_filler;
        rp_free(intern_filler);
        intern_filler = next;
    }
}

static void intern_in_hook(size_t request)
{
    (void)request;
    intern_free_filler();
    if (hook_strs[0])
        return;
    for (int i = 0; i < 20; i++) {
        char name[4] = {'k', (char)('0' + i / 10), (char)('0' + i % 10), 0};
        hook_strs[i] = rp_str_intern_cstr(name);
    }
    hook_strs[20] = rp_str_intern_cstr("target");
}

static void test_intern_table_grows_in_full_heap(void)
{
    rp_test_fresh_objects();
    rp_obj_t *mine[12];
    for (int i = 0; i < 12; i++) {   /* 12 of 16 slots: the next one grows the table */
        char name[4] = {'m', (char)('0' + i / 10), (char)('0' + i % 10), 0};
        mine[i] = rp_str_intern_cstr(name);
    }
    for (int i = 0; i < 21; i++)
        hook_strs[i] = 0;
    rp_obj_t *s = rp_str_from_cstr("target");
    intern_fill_heap();
    rp_gc_set_oom_hook(intern_in_hook);
    rp_obj_t *got = rp_str_intern(s);
    rp_gc_set_oom_hook(0);
    intern_free_filler();
    RP_CHECK(hook_strs[20] != 0);
    RP_CHECK(got == hook_strs[20]);   /* the one interned meanwhile: one canonical string */
    RP_CHECK(!rp_str_is_interned(s));
    RP_CHECK_EQ(rp_str_interned_count(), 12 + 21);
    for (int i = 0; i < 21; i++)
        RP_CHECK(rp_str_is_interned(hook_strs[i]));
    RP_ALL_OK();
    RP_XDECREF(got);
    RP_DECREF(s);
    for (int i = 0; i < 21; i++)
        RP_XDECREF(hook_strs[i]);
    for (int i = 0; i < 12; i++)
        RP_DECREF(mine[i]);
    RP_CHECK_EQ(rp_str_interned_count(), 0);
    RP_ALL_BACK();
}

int main(void)
{
    rp_test_begin("builtins");
    RP_RUN(test_dict_lookup_survives_equality_that_changes_the_dict);
    RP_RUN(test_intern_table_grows_in_full_heap);
    RP_RUN(test_type_numbers);
    RP_RUN(test_singletons);
    RP_RUN(test_int_small_cache);
    RP_RUN(test_int_values_and_sizes);
    RP_RUN(test_int_errors_and_bool);
    RP_RUN(test_str_basics);
    RP_RUN(test_str_intern);
    RP_RUN(test_intern_table_grows_and_empties);
    RP_RUN(test_tuple);
    RP_RUN(test_tuple_tracking);
    RP_RUN(test_nested_tuple_equality);
    RP_RUN(test_list_operations);
    RP_RUN(test_list_getsizeof_growth);
    RP_RUN(test_dict_operations);
    RP_RUN(test_dict_many_keys);
    RP_RUN(test_dict_tracking);
    RP_RUN(test_plain_instance);
    RP_RUN(test_attributes_on_any_object);
    RP_RUN(test_refcount_walkthrough);
    RP_RUN(test_instance_vs_slots_memory);
    RP_RUN(test_cycles_are_collected);
    RP_RUN(test_closed_container_cycles);
    RP_RUN(test_long_chain_dealloc);
    RP_RUN(test_out_of_memory);
    RP_RUN(test_emergency_collection);
    RP_RUN(test_finalizers_change_container_during_growth);
    RP_RUN(test_random_acyclic_graphs);
    RP_RUN(test_random_graphs_small_heap);
    return rp_test_end();
}
