/* test_trace.c — allocation tracing, tracemalloc's behaviours: traced memory and peak,
 * snapshots grouped by site and by type, compare_to on a leak, filters, dropped records,
 * tracing across out-of-memory, and the printed form the host tool reads. */
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"
#include "rp_trace.h"

static uint8_t RP_TYPE_NUMBER(thing);
static const rp_type_t thing_type = {.name = "Thing", .number = &thing_number, .nbytes = 20};

static void fresh(void)
{
    rp_trace_stop();
    rp_test_fresh_heap();
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
}

static int consistent(void)
{
    return RP_CHECK(!rp_trace_check().rule) && RP_HEAP_OK();
}

/* A table the application hands over (the default on a board that reserves none): the
 * records go there, tracing reports its size, and it is refused while tracing or when too
 * small or misaligned. */
static void test_table_given_by_the_application(void)
{
    static uintptr_t table[RP_TRACE_TABLE_BYTES(40) / sizeof(uintptr_t)];
    rp_trace_stop();
    RP_CHECK_EQ(rp_trace_set_table(table, RP_TRACE_TABLE_BYTES(7)), RP_E_ARG);
    RP_CHECK_EQ(rp_trace_set_table((char *)table + 1, sizeof table - 1), RP_E_ARG);
    rp_test_fresh_heap();   /* before the table: on a board without one, the harness gives its own */
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    RP_CHECK_EQ(rp_trace_set_table(table, sizeof table), RP_E_OK);
    RP_CHECK_EQ(rp_trace_get_tracemalloc_memory(), RP_TRACE_TABLE_BYTES(32));   /* a power of two */
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
    RP_CHECK_EQ(rp_trace_set_table(0, 0), RP_E_ARG);   /* not while tracing */
    void *p = rp_malloc(48);
    RP_CHECK_EQ(rp_trace_get_object_traceback(p, 0) != 0, 1);
    int in_table = 0;
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        in_table |= table[i] == (uintptr_t)p;
    RP_CHECK(in_table);
    for (unsigned i = 0; i < 40; i++)   /* 3/4 of 32 fit: the rest are dropped */
        rp_malloc(8);
    RP_CHECK(rp_trace_dropped() > 0);
    consistent();
    rp_trace_stop();
    RP_CHECK_EQ(rp_trace_set_table(0, 0), RP_E_OK);
    RP_CHECK_EQ(rp_trace_get_tracemalloc_memory(), RP_TRACE_TABLE_BYTES(RP_CFG_TRACE_RECORDS));
    rp_test_fresh_heap();   /* the harness's table again, where the board has none */
}

static void test_start_stop_and_traced_memory(void)
{
    rp_trace_stop();
    RP_CHECK(!rp_trace_is_tracing());
    RP_CHECK_EQ(rp_trace_start(3), RP_E_ARG);   /* one frame only */
    fresh();
    RP_CHECK(rp_trace_is_tracing());
    size_t cur, peak;
    void *a = rp_malloc(100), *b = rp_malloc(200);
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK(cur == 300 && peak == 300);
    rp_free(b);
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK(cur == 100 && peak == 300);
    rp_trace_reset_peak();
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK(cur == 100 && peak == 100);
    a = rp_realloc(a, 1000);   /* moves or grows: either way 1000 bytes traced */
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK(cur == 1000 && peak == 1000);
    RP_CHECK(rp_trace_get_tracemalloc_memory() >= 8u * 12u);
    consistent();
    rp_trace_stop();
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK(cur == 0 && peak == 0);
    RP_CHECK_EQ(rp_trace_get_object_traceback(a, 0), 0);
    rp_free(a);
    consistent();
}

/* Sites must stay distinct call instructions at any optimisation level: not inlined, not
 * folded together (noipa), and not tail calls (the barrier after the call). */
#define SITE_BARRIER() __asm__ volatile("" ::: "memory")
__attribute__((noipa)) static void *leak_site(size_t n)
{
    void *p = rp_malloc(n);
    SITE_BARRIER();
    return p;
}
__attribute__((noipa)) static void *other_site(size_t n)
{
    void *p = rp_malloc(n);
    SITE_BARRIER();
    return p;
}
__attribute__((noipa)) static rp_obj_t *make_thing(void)
{
    rp_obj_t *o = rp_new(&thing_type);
    SITE_BARRIER();
    return o;
}

static void test_sites_and_named_sites(void)
{
    fresh();
    void *a = leak_site(8), *b = leak_site(8), *c = other_site(8);
    int named = 1;
    uintptr_t sa = rp_trace_get_object_traceback(a, &named);
    RP_CHECK(sa != 0 && !named);
    RP_CHECK_EQ(rp_trace_get_object_traceback(b, 0), sa);
    RP_CHECK(rp_trace_get_object_traceback(c, 0) != sa);
    RP_TRACE_HERE();
    void *d = rp_malloc(16);
    const uint32_t line = __LINE__ - 2;   /* the line of RP_TRACE_HERE */
    const rp_trace_site_t *s = (const rp_trace_site_t *)rp_trace_get_object_traceback(d, &named);
    RP_CHECK(named && s && s->line == line);
    RP_CHECK_STR(s->file, "test_trace.c");
    rp_free(a);
    rp_free(b);
    rp_free(c);
    rp_free(d);
    consistent();
}

/* tracemalloc's classic: snapshot, leak, snapshot, compare. */
static void test_snapshot_compare_finds_the_leak(void)
{
    fresh();
    void *keep = other_site(64);
    rp_trace_stat_t b1[16], b2[16];
    rp_trace_snapshot_t before, after;
    rp_trace_take_snapshot(&before, b1, 16, RP_TRACE_BY_SITE, 0, 0);
    void *leaked[10];
    for (int i = 0; i < 10; i++)
        leaked[i] = leak_site(48);
    rp_trace_take_snapshot(&after, b2, 16, RP_TRACE_BY_SITE, 0, 0);
    RP_CHECK_EQ(after.total_size, 64 + 480);
    RP_CHECK_EQ(after.n, 2);
    RP_CHECK_EQ(after.stats[0].size, 480);   /* largest first */
    RP_CHECK_EQ(after.stats[0].key, rp_trace_get_object_traceback(leaked[0], 0));
    rp_trace_diff_t d[8];
    RP_CHECK_EQ(rp_trace_compare_to(&after, &before, d, 8, 0), 2);
    RP_CHECK(d[0].size_diff == 480 && d[0].count_diff == 10 && d[0].size == 480);
    RP_CHECK(d[1].size_diff == 0 && d[1].size == 64);
    /* Freed since: negative differences, and groups only in the old snapshot. */
    for (int i = 0; i < 10; i++)
        rp_free(leaked[i]);
    rp_free(keep);
    rp_trace_stat_t b3[16];
    rp_trace_snapshot_t empty;
    rp_trace_take_snapshot(&empty, b3, 16, RP_TRACE_BY_SITE, 0, 0);
    RP_CHECK_EQ(rp_trace_compare_to(&empty, &after, d, 8, 0), 2);
    RP_CHECK(d[0].size_diff == -480 && d[0].count_diff == -10 && d[0].size == 0);
    consistent();
}

static void test_group_by_type_and_filters(void)
{
    fresh();
    rp_obj_t *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = make_thing();
    void *raw1 = leak_site(10), *raw2 = leak_site(10);
    rp_trace_stat_t buf[8];
    rp_trace_snapshot_t s;
    rp_trace_take_snapshot(&s, buf, 8, RP_TRACE_BY_TYPE, 0, 0);
    RP_CHECK_EQ(s.n, 2);
    RP_CHECK_EQ(s.stats[0].key, thing_number);
    RP_CHECK_EQ(s.stats[0].count, 3);
    RP_CHECK_EQ(s.stats[0].size, 3 * rp_sys_getsizeof(t[0]));
    RP_CHECK_EQ(s.stats[1].key, 0);
    RP_CHECK_EQ(s.stats[1].count, 2);
    /* Objects are attributed to the caller of rp_new, not to the runtime. */
    RP_CHECK_EQ(rp_trace_get_object_traceback(t[0], 0), rp_trace_get_object_traceback(t[1], 0));
    rp_trace_filter_t no_things = {0, (int16_t)thing_number, 0, 0};
    rp_trace_take_snapshot(&s, buf, 8, RP_TRACE_BY_SITE, &no_things, 1);
    RP_CHECK(s.n == 1 && s.total_count == 2);
    uintptr_t site = rp_trace_get_object_traceback(raw1, 0);
    rp_trace_filter_t only_site = {1, -1, site, site + 1};
    rp_trace_take_snapshot(&s, buf, 8, RP_TRACE_BY_SITE, &only_site, 1);
    RP_CHECK(s.n == 1 && s.stats[0].key == site && s.total_size == 20);
    /* A buffer too small: the rest is counted, not lost. */
    rp_trace_take_snapshot(&s, buf, 1, RP_TRACE_BY_TYPE, 0, 0);
    RP_CHECK(s.n == 1 && s.ungrouped == 5 - s.stats[0].count && s.total_count == 5);
    for (int i = 0; i < 3; i++)
        RP_DECREF(t[i]);
    rp_free(raw1);
    rp_free(raw2);
    consistent();
}

static void test_dropped_records_change_nothing_else(void)
{
    fresh();
    enum { MAX = RP_TEST_TRACE_RECORDS };   /* 3/4 of it fill the table */
    static void *p[MAX];
    unsigned n = 0;
    while (n < MAX && rp_trace_dropped() < 5) {
        p[n] = rp_malloc(8);
        if (!p[n])
            break;
        n++;
    }
    rp_trace_stat_t buf[4];
    rp_trace_snapshot_t s;
    rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, 0, 0);
    RP_CHECK_EQ(rp_trace_dropped(), 5);
    RP_CHECK_EQ(s.total_count + rp_trace_dropped(), n);
    size_t cur, peak;
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK_EQ(cur, 8u * s.total_count);
    consistent();
    while (n)
        rp_free(p[--n]);   /* untraced blocks free as usual */
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK_EQ(cur, 0);
    consistent();
}

static void test_tracing_across_out_of_memory(void)
{
    rp_trace_stop();
    size_t mem;
    rp_region_t r = {rp_test_memory(&mem), 8192};
    if (r.size > mem)
        r.size = mem;
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    rp_trace_start(1);
    void *p[256];
    unsigned n = 0, failed = 0;
    size_t want = 0;
    for (unsigned i = 0; i < 256; i++) {
        void *q = rp_malloc(100);
        if (!q) {
            failed++;
            continue;
        }
        p[n++] = q;
        want += 100;
    }
    RP_CHECK(failed > 0);
    size_t cur, peak;
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK_EQ(cur, want - 100u * rp_trace_dropped());   /* a small board's table may fill first */
    consistent();
    while (n)
        rp_free(p[--n]);
    rp_trace_get_traced_memory(&cur, &peak);
    RP_CHECK_EQ(cur, 0);
    consistent();
}

static void test_printed_form(void)
{
    fresh();
    void *a[3];
    for (int i = 0; i < 3; i++)
        a[i] = leak_site(40);
    rp_trace_stat_t buf[4];
    rp_trace_snapshot_t s0, s1;
    rp_trace_take_snapshot(&s0, buf, 4, RP_TRACE_BY_SITE, 0, 0);
    rp_test_capture_start();
    rp_trace_print_snapshot(&s0, 10);
    const char *captured = rp_test_capture_stop();
    RP_CHECK_STR(captured, "trace-anchor: rp_trace_start=0x");
    RP_CHECK_STR(captured, "size=120 count=3\n");
    rp_trace_stat_t buf1[4];
    rp_trace_take_snapshot(&s1, buf1, 4, RP_TRACE_BY_SITE, 0, 0);
    rp_free(a[0]);
    rp_trace_take_snapshot(&s1, buf1, 4, RP_TRACE_BY_SITE, 0, 0);
    rp_trace_diff_t d[4];
    uint32_t nd = rp_trace_compare_to(&s1, &s0, d, 4, 0);
    rp_test_capture_start();
    rp_trace_print_diff(d, nd, 10);
    captured = rp_test_capture_stop();
    RP_CHECK_STR(captured, "size=80 (-40) count=2 (-1)\n");
    rp_free(a[1]);
    rp_free(a[2]);
    consistent();
    rp_trace_stop();
}

/* With tracing off, a snapshot is empty and a traceback 0 (rp_trace.h), whatever the
 * table holds: one rp_trace_set_table gave is not cleared until rp_trace_start, so it may
 * hold anything (here: records that look live and records that look dead). Neither call
 * may write it (the table and map's count are the next rp_trace_start's to clear). Fails
 * before the fix (trace.c): the snapshot counted the live-looking records and, since
 * 7a93239, swept the dead-looking ones out of a table it does not own (removals that
 * also took the map's count below zero); the traceback returned a garbage site. */
static void test_calls_while_tracing_is_off_ignore_the_table(void)
{
    enum { N = 8 };
    static uintptr_t table[RP_TRACE_TABLE_BYTES(N) / sizeof(uintptr_t)], copy[sizeof table / sizeof(uintptr_t)];
    static uint64_t keys[N];
    const size_t words = RP_TRACE_RECORD_BYTES / sizeof(uintptr_t);
    rp_trace_stop();
    rp_test_fresh_objects();
    for (unsigned i = 0; i < N; i++) {
        uintptr_t *rec = &table[i * words];
        for (size_t w = 0; w < words; w++)
            rec[w] = i % 3u == 0 ? 0u : (i % 3u == 1 ? (uintptr_t)0x40u : (uintptr_t)-1);   /* -1: all fields set */
        if (i % 3u)
            rec[0] = (uintptr_t)&keys[i];   /* a key: the record is not empty */
    }
    for (size_t w = 0; w < sizeof table / sizeof table[0]; w++)
        copy[w] = table[w];
    RP_CHECK_EQ(rp_trace_set_table(table, sizeof table), RP_E_OK);
    rp_trace_stat_t buf[4];
    rp_trace_snapshot_t s;
    RP_CHECK_EQ(rp_trace_take_snapshot(&s, buf, 4, RP_TRACE_BY_SITE, 0, 0), RP_E_ARG);
    RP_CHECK_EQ(s.n, 0);
    RP_CHECK_EQ(s.total_count, 0);
    unsigned changed = 0;
    for (size_t w = 0; w < sizeof table / sizeof table[0]; w++)
        changed += table[w] != copy[w];
    RP_CHECK_EQ(changed, 0);
    /* Every slot a live-looking record of one key: its probe finds one at once. */
    for (unsigned i = 0; i < N; i++)
        for (size_t w = 0; w < words; w++)
            table[i * words + w] = w == 0 ? (uintptr_t)&keys[0] : (uintptr_t)0x40u;
    int named = 7;
    RP_CHECK_EQ(rp_trace_get_object_traceback(&keys[0], &named), 0);
    RP_CHECK_EQ(named, 0);
    /* Started, the table is cleared and works. */
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
    void *p = rp_malloc(24);
    RP_CHECK(rp_trace_get_object_traceback(p, 0) != 0);
    RP_CHECK(!rp_trace_check().rule);
    rp_free(p);
    rp_trace_stop();
    RP_CHECK_EQ(rp_trace_set_table(0, 0), RP_E_OK);
    rp_test_fresh_heap();   /* the harness's table again, where the board has none */
}

int main(void)
{
    rp_test_begin("trace");
    RP_RUN(test_start_stop_and_traced_memory);
    RP_RUN(test_sites_and_named_sites);
    RP_RUN(test_snapshot_compare_finds_the_leak);
    RP_RUN(test_group_by_type_and_filters);
    RP_RUN(test_dropped_records_change_nothing_else);
    RP_RUN(test_tracing_across_out_of_memory);
    RP_RUN(test_printed_form);
    RP_RUN(test_table_given_by_the_application);
    RP_RUN(test_calls_while_tracing_is_off_ignore_the_table);
    return rp_test_end();
}
