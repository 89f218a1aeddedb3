/* cpython_tracemalloc.c — CPython's Lib/test/test_tracemalloc.py, translated: the
 * behaviour of each case that refpool's rp_trace.h can express, named after the CPython
 * test (docs/cpython-tests.md maps every test, with the reason where there is no API).
 *
 * refpool traces one frame: a site is a named file:line (RP_TRACE_HERE) or a return
 * address, so CPython's 'lineno' and 'traceback' groupings are both RP_TRACE_BY_SITE, and
 * a filter names a range of sites (or an object type, which plays tracemalloc's domain)
 * rather than a file name pattern. Sizes are CPython's scaled down to fit a 16 KiB board
 * where the test would not (the order of the statistics is CPython's). */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"
#include "rp_trace.h"

/* ---- sites ---- */

/* Each named site records its line, so that a test can check the site a trace names. */
static uint32_t line_a2, line_a5, line_b1, line_c578, line_list1, line_list2;

static void *alloc_a2(size_t n)
{
    line_a2 = __LINE__; RP_TRACE_HERE();
    return rp_malloc(n);
}
static void *alloc_a5(size_t n)
{
    line_a5 = __LINE__; RP_TRACE_HERE();
    return rp_malloc(n);
}
static void *alloc_b1(size_t n)
{
    line_b1 = __LINE__; RP_TRACE_HERE();
    return rp_malloc(n);
}
static void *alloc_c578(size_t n)
{
    line_c578 = __LINE__; RP_TRACE_HERE();
    return rp_malloc(n);
}
/* CPython's '<unknown>' frame: a site with no name, told by its return address. */
#define SITE_BARRIER() __asm__ volatile("" ::: "memory")
__attribute__((noipa)) static void *alloc_unknown(size_t n)
{
    void *p = rp_malloc(n);
    SITE_BARRIER();
    return p;
}

static uint32_t line_of(uintptr_t key, int named)
{
    return named ? ((const rp_trace_site_t *)key)->line : 0u;
}

static const rp_trace_stat_t *stat_at(const rp_trace_snapshot_t *s, uint32_t line)
{
    for (uint32_t k = 0; k < s->n; k++)
        if (line_of(s->stats[k].key, s->stats[k].named) == line)
            return &s->stats[k];
    return 0;
}

static void start(void)
{
    rp_trace_stop();
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
}

static void finish(void)
{
    rp_trace_stop();
    RP_ALL_BACK();
}

/* ---- TestTracemallocEnabled ---- */

static void test_tracemalloc__test_get_tracemalloc_memory(void)
{
    start();
    void *data[16];
    for (unsigned i = 0; i < 16; i++)
        data[i] = alloc_a2(12);
    size_t size = rp_trace_get_tracemalloc_memory();
    RP_CHECK(size > 0);
    rp_trace_clear_traces();
    size_t size2 = rp_trace_get_tracemalloc_memory();
    RP_CHECK(size2 <= size);   /* a fixed table: equal */
    for (unsigned i = 0; i < 16; i++)
        rp_free(data[i]);
    finish();
}

static void test_tracemalloc__test_get_object_traceback(void)
{
    start();
    rp_trace_clear_traces();
    void *obj = alloc_b1(123);
    int named = 0;
    uintptr_t tb = rp_trace_get_object_traceback(obj, &named);
    RP_CHECK(named);
    RP_CHECK_EQ(line_of(tb, named), line_b1);
    RP_CHECK_STR(((const rp_trace_site_t *)tb)->file, "cpython_tracemalloc.c");
    rp_free(obj);
    finish();
}

static void test_tracemalloc__test_new_reference(void)
{
    start();
    rp_trace_clear_traces();
    rp_gc_collect(2);
    /* A list made and destroyed, then another one, which may reuse its memory: the new
     * one's traceback names the second site. */
    line_list1 = __LINE__; RP_TRACE_HERE();
    rp_obj_t *obj = rp_list_new();
    RP_CHECK(obj != 0);
    RP_DECREF(obj);
    line_list2 = __LINE__; RP_TRACE_HERE();
    obj = rp_list_new();
    RP_CHECK(obj != 0);
    int named = 0;
    uintptr_t tb = rp_trace_get_object_traceback(obj, &named);
    RP_CHECK(tb != 0);
    RP_CHECK_EQ(line_of(tb, named), line_list2);
    RP_CHECK(line_list1 != line_list2);
    RP_DECREF(obj);
    finish();
}

/* refpool traces one frame (deliberate difference): any other depth is refused. */
static void test_tracemalloc__test_set_traceback_limit(void)
{
    rp_trace_stop();
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_trace_start(0), RP_E_ARG);   /* CPython: start(-1) raises ValueError */
    RP_CHECK(!rp_trace_is_tracing());
    RP_CHECK_EQ(rp_trace_start(10), RP_E_ARG);
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
    void *obj = alloc_a5(10);
    int named = 0;
    uintptr_t tb = rp_trace_get_object_traceback(obj, &named);
    RP_CHECK_EQ(line_of(tb, named), line_a5);
    rp_free(obj);
    finish();
}

static void test_tracemalloc__test_get_traces(void)
{
    start();
    rp_trace_clear_traces();
    void *obj = alloc_c578(1234);
    rp_trace_stat_t buf[4];
    rp_trace_snapshot_t s;
    RP_CHECK_EQ(rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, 0, 0), RP_E_OK);
    const rp_trace_stat_t *t = stat_at(&s, line_c578);
    RP_CHECK(t != 0);
    RP_CHECK(t && t->size == 1234 && t->count == 1);
    rp_trace_stop();
    RP_CHECK_EQ(rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, 0, 0), RP_E_ARG);
    RP_CHECK_EQ(s.n, 0);   /* no traces once stopped */
    rp_free(obj);
    finish();
}

/* Two allocations from one site share one traceback: the same key. */
static void test_tracemalloc__test_get_traces_intern_traceback(void)
{
    start();
    void *obj1 = alloc_unknown(123), *obj2 = alloc_unknown(123);
    int n1 = 0, n2 = 0;
    uintptr_t t1 = rp_trace_get_object_traceback(obj1, &n1), t2 = rp_trace_get_object_traceback(obj2, &n2);
    RP_CHECK(t1 != 0);
    RP_CHECK(t1 == t2 && n1 == n2);
    rp_free(obj1);
    rp_free(obj2);
    finish();
}

static void test_tracemalloc__test_get_traced_memory(void)
{
    start();
    const size_t obj_size = 1024;   /* CPython: 1 MiB; refpool traces exactly, no slack */
    rp_trace_clear_traces();
    void *obj = alloc_a2(obj_size);
    size_t size, peak;
    rp_trace_get_traced_memory(&size, &peak);
    RP_CHECK_EQ(size, obj_size);
    RP_CHECK_EQ(peak, size);
    rp_free(obj);
    size_t size2, peak2;
    rp_trace_get_traced_memory(&size2, &peak2);
    RP_CHECK(size2 < size);
    RP_CHECK_EQ(size - size2, obj_size);
    RP_CHECK(peak2 >= peak);
    rp_trace_clear_traces();
    rp_trace_get_traced_memory(&size, &peak);
    RP_CHECK(size == 0 && peak == 0);
    obj = alloc_a2(obj_size);
    rp_trace_get_traced_memory(&size, &peak);
    RP_CHECK(size >= obj_size);
    rp_trace_stop();
    rp_trace_get_traced_memory(&size, &peak);
    RP_CHECK(size == 0 && peak == 0);
    rp_free(obj);
    finish();
}

static void test_tracemalloc__test_clear_traces(void)
{
    start();
    void *obj = alloc_b1(123);
    RP_CHECK(rp_trace_get_object_traceback(obj, 0) != 0);
    rp_trace_clear_traces();
    RP_CHECK_EQ(rp_trace_get_object_traceback(obj, 0), 0);
    RP_CHECK(rp_trace_is_tracing());
    rp_free(obj);   /* an untraced block frees as any other */
    RP_CHECK(!rp_trace_check().rule);
    finish();
}

static void test_tracemalloc__test_reset_peak(void)
{
    start();
    rp_trace_clear_traces();
    /* A large piece of memory, temporarily: a list of 200 ints. */
    rp_obj_t *l = rp_list_new();
    for (int i = 0; l && i < 200; i++) {
        rp_obj_t *v = rp_int_from_i64(1000 + i);
        RP_CHECK(v && rp_list_append(l, v) == RP_E_OK);
        RP_XDECREF(v);
    }
    RP_XDECREF(l);
    size_t size1, peak1;
    rp_trace_get_traced_memory(&size1, &peak1);
    rp_trace_reset_peak();
    size_t size2, peak2;
    rp_trace_get_traced_memory(&size2, &peak2);
    RP_CHECK(peak2 >= size2);
    RP_CHECK(peak2 < peak1);
    const size_t obj_size = 512;
    void *obj = alloc_a5(obj_size);
    size_t size3, peak3;
    rp_trace_get_traced_memory(&size3, &peak3);
    RP_CHECK(peak3 >= size3);
    RP_CHECK(peak3 > peak2);
    RP_CHECK(peak3 - peak2 >= obj_size);
    rp_free(obj);
    finish();
}

static void test_tracemalloc__test_is_tracing(void)
{
    rp_trace_stop();
    RP_CHECK(!rp_trace_is_tracing());
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
    RP_CHECK(rp_trace_is_tracing());
    finish();
}

/* The part without dump/load: a snapshot needs tracing (CPython: RuntimeError). */
static void test_tracemalloc__test_snapshot(void)
{
    start();
    void *obj = alloc_a2(123);
    rp_trace_stat_t buf[4];
    rp_trace_snapshot_t s;
    RP_CHECK_EQ(rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, 0, 0), RP_E_OK);
    RP_CHECK_EQ(s.total_count, 1);
    RP_CHECK_EQ(s.total_size, 123);
    rp_trace_stop();
    RP_CHECK_EQ(rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, 0, 0), RP_E_ARG);
    rp_free(obj);
    finish();
}

/* ---- TestSnapshot: CPython's create_snapshots(), made by real allocations ---- */

typedef struct two_snapshots {
    rp_trace_stat_t b1[8], b2[8];
    rp_trace_snapshot_t s1, s2;
    void *keep[4];
} two_snapshots_t;

/* snapshot: a.py:2 3 x 10 B, a.py:5 2 B, b.py:1 66 B, <unknown> 7 B.
 * snapshot2: a.py:2 3 x 10 B, a.py:5 2 B + 1000 B (CPython 5000), c.py:578 400 B.
 * The three a.py:2 blocks live through both. */
static void create_snapshots(two_snapshots_t *t)
{
    start();
    for (unsigned i = 0; i < 3; i++)
        t->keep[i] = alloc_a2(10);
    void *a5 = alloc_a5(2), *b1 = alloc_b1(66), *unk = alloc_unknown(7);
    RP_CHECK_EQ(rp_trace_take_snapshot(&t->s1, t->b1, 8, RP_TRACE_BY_SITE, 0, 0), RP_E_OK);
    rp_free(b1);
    rp_free(unk);
    void *a5b = alloc_a5(1000), *c = alloc_c578(400);
    RP_CHECK_EQ(rp_trace_take_snapshot(&t->s2, t->b2, 8, RP_TRACE_BY_SITE, 0, 0), RP_E_OK);
    rp_free(a5);
    rp_free(a5b);
    rp_free(c);
    t->keep[3] = 0;
}

static void drop_snapshots(two_snapshots_t *t)
{
    for (unsigned i = 0; i < 4; i++)
        rp_free(t->keep[i]);
    finish();
}

static int stat_is(const rp_trace_stat_t *s, uint32_t line, uint32_t size, uint32_t count)
{
    return line_of(s->key, s->named) == line && s->size == size && s->count == count;
}

static int diff_is(const rp_trace_diff_t *d, uint32_t line, uint32_t size, int32_t size_diff, uint32_t count,
                   int32_t count_diff)
{
    return line_of(d->key, d->named) == line && d->size == size && d->size_diff == size_diff && d->count == count &&
           d->count_diff == count_diff;
}

static void test_tracemalloc__test_snapshot_group_by_line(void)
{
    static two_snapshots_t t;
    create_snapshots(&t);
    RP_CHECK_EQ(t.s1.n, 4);
    RP_CHECK(stat_is(&t.s1.stats[0], line_b1, 66, 1));
    RP_CHECK(stat_is(&t.s1.stats[1], line_a2, 30, 3));
    RP_CHECK(stat_is(&t.s1.stats[2], 0, 7, 1) && !t.s1.stats[2].named);
    RP_CHECK(stat_is(&t.s1.stats[3], line_a5, 2, 1));
    RP_CHECK_EQ(t.s2.n, 3);
    RP_CHECK(stat_is(&t.s2.stats[0], line_a5, 1002, 2));
    RP_CHECK(stat_is(&t.s2.stats[1], line_c578, 400, 1));
    RP_CHECK(stat_is(&t.s2.stats[2], line_a2, 30, 3));
    rp_trace_diff_t d[8];
    uint32_t total = 0;
    RP_CHECK_EQ(rp_trace_compare_to(&t.s2, &t.s1, d, 8, &total), 5);
    RP_CHECK_EQ(total, 5);
    RP_CHECK(diff_is(&d[0], line_a5, 1002, 1000, 2, 1));
    RP_CHECK(diff_is(&d[1], line_c578, 400, 400, 1, 1));
    RP_CHECK(diff_is(&d[2], line_b1, 0, -66, 0, -1));
    RP_CHECK(diff_is(&d[3], 0, 0, -7, 0, -1));
    RP_CHECK(diff_is(&d[4], line_a2, 30, 0, 3, 0));
    drop_snapshots(&t);
}

/* With one frame a traceback is its site: the same statistics as by line. */
static void test_tracemalloc__test_snapshot_group_by_traceback(void)
{
    static two_snapshots_t t;
    create_snapshots(&t);
    rp_trace_diff_t d[3];
    uint32_t total = 0;
    RP_CHECK_EQ(rp_trace_compare_to(&t.s2, &t.s1, d, 3, &total), 3);   /* the first three */
    RP_CHECK_EQ(total, 5);
    RP_CHECK(diff_is(&d[0], line_a5, 1002, 1000, 2, 1));
    RP_CHECK(diff_is(&d[1], line_c578, 400, 400, 1, 1));
    RP_CHECK(diff_is(&d[2], line_b1, 0, -66, 0, -1));
    drop_snapshots(&t);
}

/* Filters by site: exclude one site; include two; no filter. */
static void test_tracemalloc__test_filter_traces(void)
{
    static two_snapshots_t t;
    create_snapshots(&t);
    uintptr_t b1 = 0, a2 = 0, a5 = 0;
    for (uint32_t k = 0; k < t.s1.n; k++) {
        uint32_t line = line_of(t.s1.stats[k].key, t.s1.stats[k].named);
        if (line == line_b1)
            b1 = t.s1.stats[k].key;
        else if (line == line_a2)
            a2 = t.s1.stats[k].key;
        else if (line == line_a5)
            a5 = t.s1.stats[k].key;
    }
    RP_CHECK(b1 && a2 && a5);
    /* snapshot again over the traces of snapshot 1: a2's three blocks, and new ones */
    void *p5 = alloc_a5(2), *p1 = alloc_b1(66), *pu = alloc_unknown(7);
    rp_trace_filter_t exclude_b = {0, -1, b1, b1 + 1u};
    rp_trace_stat_t buf[8];
    rp_trace_snapshot_t s3, s4, s5;
    RP_CHECK_EQ(rp_trace_take_snapshot(&s3, buf, 8, RP_TRACE_BY_SITE, &exclude_b, 1), RP_E_OK);
    RP_CHECK_EQ(s3.n, 3);
    RP_CHECK_EQ(s3.total_count, 5);   /* 3 + 1 + 1: b.py:1 left out */
    RP_CHECK(!stat_at(&s3, line_b1));
    rp_trace_filter_t include[2] = {{1, -1, a2, a2 + 1u}, {1, -1, a5, a5 + 1u}};
    rp_trace_filter_t both[3] = {exclude_b, include[0], include[1]};
    RP_CHECK_EQ(rp_trace_take_snapshot(&s4, buf, 8, RP_TRACE_BY_SITE, both, 3), RP_E_OK);
    RP_CHECK_EQ(s4.n, 2);
    RP_CHECK_EQ(s4.total_count, 4);   /* a.py:2 three times and a.py:5 */
    RP_CHECK(stat_at(&s4, line_a2) && stat_at(&s4, line_a5));
    RP_CHECK_EQ(rp_trace_take_snapshot(&s5, buf, 8, RP_TRACE_BY_SITE, 0, 0), RP_E_OK);
    RP_CHECK_EQ(s5.n, 4);
    RP_CHECK_EQ(s5.total_count, 6);
    rp_free(p5);
    rp_free(p1);
    rp_free(pu);
    drop_snapshots(&t);
}

/* tracemalloc's DomainFilter; refpool's type number plays the domain. */
static uint8_t RP_TYPE_NUMBER(dom3);
static const rp_type_t dom3_type = {.name = "Domain3", .number = &RP_TYPE_NUMBER(dom3), .nbytes = 3};

static void test_tracemalloc__test_filter_traces_domain_filter(void)
{
    start();
    void *raw[3];
    for (unsigned i = 0; i < 3; i++)
        raw[i] = alloc_a2(10);
    rp_obj_t *o = rp_new(&dom3_type);
    RP_CHECK(o != 0);
    int16_t dom = (int16_t)(o ? (o->head & RP_HEAD_TYPE_MASK) : 0);
    rp_trace_filter_t exclude = {0, dom, 0, 0}, include = {1, dom, 0, 0};
    rp_trace_stat_t buf[4];
    rp_trace_snapshot_t s;
    RP_CHECK_EQ(rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_TYPE, &exclude, 1), RP_E_OK);
    RP_CHECK_EQ(s.total_count, 3);
    RP_CHECK(s.n == 1 && buf[0].key == 0);   /* raw memory only */
    RP_CHECK_EQ(rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_TYPE, &include, 1), RP_E_OK);
    RP_CHECK_EQ(s.total_count, 1);
    RP_CHECK(s.n == 1 && buf[0].key == (uintptr_t)dom && buf[0].count == 1);
    RP_DECREF(o);
    for (unsigned i = 0; i < 3; i++)
        rp_free(raw[i]);
    finish();
}

/* A filter's match: inclusive keeps what matches, exclusive what does not. */
static void test_tracemalloc__test_filter_match(void)
{
    start();
    void *p = alloc_a2(8), *q = alloc_b1(8);
    int named = 0;
    uintptr_t site = rp_trace_get_object_traceback(p, &named);
    rp_trace_stat_t buf[4];
    rp_trace_snapshot_t s;
    rp_trace_filter_t f_in = {1, -1, site, site + 1u}, f_out = {0, -1, site, site + 1u};
    rp_trace_filter_t f_none_in = {1, -1, 0, 0}, f_none_out = {0, -1, 0, 0};   /* empty range */
    rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, &f_in, 1);
    RP_CHECK(s.total_count == 1 && s.n == 1 && buf[0].key == site);
    rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, &f_out, 1);
    RP_CHECK(s.total_count == 1 && s.n == 1 && buf[0].key != site);
    rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, &f_none_in, 1);
    RP_CHECK_EQ(s.total_count, 0);
    rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, &f_none_out, 1);
    RP_CHECK_EQ(s.total_count, 2);
    rp_free(p);
    rp_free(q);
    finish();
}

static void test_tracemalloc__test_statistic_format(void)
{
    static two_snapshots_t t;
    create_snapshots(&t);
    rp_test_capture_start();
    rp_trace_print_snapshot(&t.s1, 1);
    const char *text = rp_test_capture_stop();
    RP_CHECK_STR(text, "cpython_tracemalloc.c:");   /* b.py:1: size=66 B, count=1 */
    RP_CHECK_STR(text, " size=66 count=1");
    drop_snapshots(&t);
}

static void test_tracemalloc__test_statistic_diff_format(void)
{
    static two_snapshots_t t;
    create_snapshots(&t);
    rp_trace_diff_t d[8];
    uint32_t n = rp_trace_compare_to(&t.s2, &t.s1, d, 8, 0);
    rp_test_capture_start();
    rp_trace_print_diff(d, n, 1);
    const char *text = rp_test_capture_stop();
    RP_CHECK_STR(text, "size=1002 (+1000) count=2 (+1)");   /* a.py:5: size=5002 B (+5000 B), count=2 (+1) */
    drop_snapshots(&t);
}

int main(void)
{
    rp_test_begin("cpython_tracemalloc");
    RP_RUN(test_tracemalloc__test_get_tracemalloc_memory);
    RP_RUN(test_tracemalloc__test_get_object_traceback);
    RP_RUN(test_tracemalloc__test_new_reference);
    RP_RUN(test_tracemalloc__test_set_traceback_limit);
    RP_RUN(test_tracemalloc__test_get_traces);
    RP_RUN(test_tracemalloc__test_get_traces_intern_traceback);
    RP_RUN(test_tracemalloc__test_get_traced_memory);
    RP_RUN(test_tracemalloc__test_clear_traces);
    RP_RUN(test_tracemalloc__test_reset_peak);
    RP_RUN(test_tracemalloc__test_is_tracing);
    RP_RUN(test_tracemalloc__test_snapshot);
    RP_RUN(test_tracemalloc__test_snapshot_group_by_line);
    RP_RUN(test_tracemalloc__test_snapshot_group_by_traceback);
    RP_RUN(test_tracemalloc__test_filter_traces);
    RP_RUN(test_tracemalloc__test_filter_traces_domain_filter);
    RP_RUN(test_tracemalloc__test_filter_match);
    RP_RUN(test_tracemalloc__test_statistic_format);
    RP_RUN(test_tracemalloc__test_statistic_diff_format);
    return rp_test_end();
}
