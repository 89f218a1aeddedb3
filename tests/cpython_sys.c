/* cpython_sys.c — the getsizeof, getrefcount and intern parts of CPython's
 * Lib/test/test_sys.py, translated against rp_object.h and rp_builtins.h, named after the
 * CPython test (docs/cpython-tests.md maps every one, with the reason where there is no
 * API). Where CPython's figure is its own object layout, the test checks refpool's
 * documented layout (rp_builtins.h, "Memory") with CPython's capacities and steps. */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"

#define P ((size_t)sizeof(void *))

/* ---- SysModuleTest ---- */

/* None is immortal: its count does not change when a reference is taken or dropped
 * (CPython 3.12, PEP 683); a mortal object's does, by one. */
static void test_sys__test_refcount(void)
{
    rp_test_fresh_objects();
    uint32_t c = rp_sys_getrefcount(rp_none());
    rp_obj_t *n = rp_none();
    RP_INCREF(n);
    RP_CHECK_EQ(rp_sys_getrefcount(rp_none()), c);
    RP_DECREF(n);
    RP_CHECK_EQ(rp_sys_getrefcount(rp_none()), c);
    rp_obj_t *l = rp_list_new();
    RP_CHECK(l != 0);
    uint32_t k = rp_sys_getrefcount(l);
    RP_CHECK_EQ(k, 2);   /* our reference and the argument's */
    rp_obj_t *alias = l;
    RP_INCREF(alias);
    RP_CHECK_EQ(rp_sys_getrefcount(l), k + 1u);
    RP_DECREF(alias);
    RP_CHECK_EQ(rp_sys_getrefcount(l), k);
    RP_DECREF(l);
    RP_CHECK_EQ(rp_sys_getrefcount(0), 0);   /* sys.getrefcount() without an argument: TypeError */
    RP_CHECK_EQ(rp_sys_getsizeof(0), 0);
    RP_ALL_BACK();
}

static void test_sys__test_intern(void)
{
    rp_test_fresh_objects();
    RP_CHECK(rp_str_intern(0) == 0);   /* sys.intern() without an argument: TypeError */
    static const char text[] = "never interned before 428113";
    rp_obj_t *s = rp_str_new(text, sizeof text - 1u);
    RP_CHECK(s != 0);
    rp_obj_t *i1 = rp_str_intern(s);
    RP_CHECK(i1 == s);
    /* s2 = s.swapcase().swapcase(): equal, another object */
    rp_obj_t *s2 = rp_str_new(text, sizeof text - 1u);
    RP_CHECK(s2 != 0 && s2 != s);
    rp_obj_t *i2 = rp_str_intern(s2);
    RP_CHECK(i2 == s);
    /* Only strs are interned (CPython refuses str subclasses; refpool has none): */
    rp_obj_t *i = rp_int_from_i64(123456);
    RP_CHECK(rp_str_intern(i) == 0);
    RP_XDECREF(i);
    RP_XDECREF(i2);
    RP_XDECREF(s2);
    RP_XDECREF(i1);
    RP_DECREF(s);
    RP_CHECK_EQ(rp_str_interned_count(), 0);   /* interning keeps nothing alive */
    RP_ALL_BACK();
}

/* ---- SizeofTest ---- */

/* The GC header is counted for objects of GC types only: bool is not one, list is. */
static void test_sys__test_gc_head_size(void)
{
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_sys_getsizeof(rp_true()), RP_HEAD_SIZE);
    rp_obj_t *l = rp_list_new();
    RP_CHECK(l != 0);
    RP_CHECK_EQ(rp_sys_getsizeof(l), RP_GC_HEAD_SIZE + 8u + P);   /* size, allocated, items */
    RP_DECREF(l);
    RP_ALL_BACK();
}

static void test_sys__test_default(void)
{
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_sys_getsizeof(rp_true()), rp_sys_getsizeof(rp_false()));
    RP_CHECK_EQ(rp_sys_getsizeof(rp_true()), RP_HEAD_SIZE);   /* a one-word const */
    RP_ALL_BACK();
}

/* CPython 3.11's list_resize capacity for n items appended one at a time. */
static size_t cpython_list_capacity(size_t n)
{
    size_t allocated = 0;
    for (size_t size = 0; size < n; size++) {
        size_t newsize = size + 1u;
        if (allocated >= newsize)
            continue;
        size_t cap = (newsize + (newsize >> 3) + 6u) & ~(size_t)3;
        if (newsize - size > cap - newsize)
            cap = (newsize + 3u) & ~(size_t)3;
        allocated = cap;
    }
    return allocated;
}

static void check_objecttypes_list(void)
{
    rp_obj_t *l = rp_list_new();
    RP_CHECK(l != 0);
    size_t empty = rp_sys_getsizeof(l);
    for (size_t n = 1; l && n <= 20; n++) {
        RP_CHECK_EQ(rp_list_append(l, rp_none()), RP_E_OK);
        RP_CHECK_EQ(rp_sys_getsizeof(l), empty + cpython_list_capacity(n) * P);
    }
    RP_XDECREF(l);
}

static void check_objecttypes_int(void)
{
    rp_obj_t *zero = rp_int_from_i64(0), *one = rp_int_from_i64(1), *minus = rp_int_from_i64(-1);
    rp_obj_t *i32 = rp_int_from_i64(INT32_MAX), *big = rp_int_from_i64((int64_t)INT32_MAX + 1);
    rp_obj_t *i64 = rp_int_from_i64(INT64_MAX);
    RP_CHECK(zero && one && minus && i32 && big && i64);
    RP_CHECK_EQ(rp_sys_getsizeof(zero), RP_HEAD_SIZE + 4u);
    RP_CHECK_EQ(rp_sys_getsizeof(one), rp_sys_getsizeof(zero));
    RP_CHECK_EQ(rp_sys_getsizeof(minus), rp_sys_getsizeof(zero));
    /* Two steps, not one per 30-bit digit (deliberate difference, rp_builtins.h): */
    RP_CHECK_EQ(rp_sys_getsizeof(i32), rp_sys_getsizeof(zero));
    RP_CHECK(rp_sys_getsizeof(big) > rp_sys_getsizeof(i32));
    RP_CHECK_EQ(rp_sys_getsizeof(i64), rp_sys_getsizeof(big));
    RP_XDECREF(i32);
    RP_XDECREF(big);
    RP_XDECREF(i64);
}

/* CPython's dict sizes: 8 index slots and 5 entries for one key, 16 and 10 for eight.
 * refpool's entries are (hash, key, value): three words each. */
static void check_objecttypes_dict(void)
{
    rp_obj_t *d = rp_dict_new(), *d1 = rp_dict_new(), *d8 = rp_dict_new(), *one = rp_int_from_i64(1);
    RP_CHECK(d && d1 && d8 && one);
    size_t empty = rp_sys_getsizeof(d);
    RP_CHECK_EQ(empty, RP_GC_HEAD_SIZE + (P == 8u ? 24u : 16u));   /* 3 words + pointer, aligned */
    RP_CHECK_EQ(rp_dict_set_cstr(d1, "a", one), RP_E_OK);
    RP_CHECK_EQ(rp_sys_getsizeof(d1), empty + 8u * 1u + (8u * 2u / 3u) * 3u * P);
    static const char *const keys[8] = {"0", "1", "2", "3", "4", "5", "6", "7"};
    for (unsigned i = 0; i < 8; i++)
        RP_CHECK_EQ(rp_dict_set_cstr(d8, keys[i], one), RP_E_OK);
    RP_CHECK_EQ(rp_sys_getsizeof(d8), empty + 16u * 1u + (16u * 2u / 3u) * 3u * P);
    RP_XDECREF(d);
    RP_XDECREF(d1);
    RP_XDECREF(d8);
}

static void check_objecttypes_str_tuple_none(void)
{
    /* ascii str: the fixed fields, the bytes and a NUL */
    static const char hundred[] = "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111";
    rp_obj_t *s100 = rp_str_new(hundred, 100), *s1 = rp_str_new(hundred, 1);
    RP_CHECK(s100 && s1);
    RP_CHECK_EQ(rp_sys_getsizeof(s1), 12u + 1u + 1u);
    RP_CHECK_EQ(rp_sys_getsizeof(s100), rp_sys_getsizeof(s1) + 99u);
    RP_XDECREF(s100);
    RP_XDECREF(s1);
    /* tuple: (), and one pointer per item */
    rp_obj_t *a = rp_int_from_i64(1), *b = rp_int_from_i64(2), *c = rp_int_from_i64(3);
    rp_obj_t *empty = rp_tuple_new(0, 0), *t3 = rp_tuple_pack(3, a, b, c);
    RP_CHECK(empty && t3);
    RP_CHECK_EQ(rp_sys_getsizeof(empty), RP_GC_HEAD_SIZE + 8u);
    RP_CHECK_EQ(rp_sys_getsizeof(t3), rp_sys_getsizeof(empty) + 3u * P);
    RP_XDECREF(t3);
    /* None: the header alone */
    RP_CHECK_EQ(rp_sys_getsizeof(rp_none()), RP_HEAD_SIZE);
}

static void test_sys__test_objecttypes(void)
{
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_sys_getsizeof(rp_true()), RP_HEAD_SIZE);
    RP_CHECK_EQ(rp_sys_getsizeof(rp_false()), RP_HEAD_SIZE);
    check_objecttypes_list();
    check_objecttypes_int();
    check_objecttypes_dict();
    check_objecttypes_str_tuple_none();
    RP_ALL_BACK();
}

/* A subtype with __slots__ = 'a', 'b', 'c' is its base's size and three pointers. */
static uint8_t RP_TYPE_NUMBER(base);
static const char *const base_names[] = {"x"};
static const rp_type_t base_type = {
    .name = "Base", .number = &RP_TYPE_NUMBER(base), .slot_names = base_names, .nslots = 1, .flags = RP_TYPE_GC,
};
static uint8_t RP_TYPE_NUMBER(sub);
static const char *const sub_names[] = {"a", "b", "c"};
static const rp_type_t sub_type = {
    .name = "Sub", .number = &RP_TYPE_NUMBER(sub), .base = &base_type, .slot_names = sub_names, .nslots = 3,
    .flags = RP_TYPE_GC,
};

static void test_sys__test_slots(void)
{
    rp_test_fresh_objects();
    rp_obj_t *b = rp_new(&base_type), *s = rp_new(&sub_type);
    RP_CHECK(b && s);
    RP_CHECK(rp_gc_is_tracked(s) && rp_gc_is_tracked(b));   /* no GC header to add */
    RP_CHECK_EQ(rp_sys_getsizeof(s), rp_sys_getsizeof(b) + 3u * P);
    RP_XDECREF(b);
    RP_XDECREF(s);
    RP_ALL_BACK();
}

int main(void)
{
    rp_test_begin("cpython_sys");
    RP_RUN(test_sys__test_refcount);
    RP_RUN(test_sys__test_intern);
    RP_RUN(test_sys__test_gc_head_size);
    RP_RUN(test_sys__test_default);
    RP_RUN(test_sys__test_objecttypes);
    RP_RUN(test_sys__test_slots);
    return rp_test_end();
}
