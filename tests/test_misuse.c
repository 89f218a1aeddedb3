/* test_misuse.c — bad input and misuse of the allocator, objects, built-ins and tracing
 * (issue 15): each case must be refused with an error or a report through the port, and
 * leave every checker holding. Each test is the regression test of one defect. */
#include <stdint.h>
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"
#include "rp_trace.h"

/* Defect 7: a tuple compared with a non-tuple recursed through the tuple's equal hook. */
static void test_equal_tuple_and_non_tuple(void)
{
    rp_test_fresh_objects();
    rp_obj_t *i = rp_int_from_i64(1000), *t = rp_tuple_pack(1, i);
    rp_obj_t *nested = rp_tuple_pack(2, t, i), *flat = rp_tuple_pack(2, i, i);
    RP_CHECK(t && nested && flat);
    RP_CHECK_EQ(rp_equal(t, i), 0);
    RP_CHECK_EQ(rp_equal(i, t), 0);
    RP_CHECK_EQ(rp_equal(t, rp_none()), 0);
    RP_CHECK_EQ(rp_equal(nested, flat), 0);   /* an item pair of a tuple and an int */
    RP_CHECK_EQ(rp_equal(flat, nested), 0);
    RP_DECREF(nested);
    RP_DECREF(flat);
    RP_DECREF(t);
    RP_DECREF(i);
    RP_ALL_BACK();
}

/* Defect 8: rp_raw of a non-GC type pointed past the body (it assumed a GC head). */
static uint8_t RP_TYPE_NUMBER(blob);
static const rp_type_t blob_type = {.name = "Blob", .number = &RP_TYPE_NUMBER(blob), .nbytes = 12};

static void test_raw_of_non_gc_type(void)
{
    rp_test_fresh_objects();
    rp_obj_t *o = rp_new(&blob_type);
    RP_CHECK(o != 0);
    uint8_t *raw = rp_raw(o);
    RP_CHECK(raw == (uint8_t *)rp_body(o));
    RP_CHECK(raw + blob_type.nbytes <= (uint8_t *)o + rp_sys_getsizeof(o));
    for (unsigned i = 0; i < blob_type.nbytes; i++)
        raw[i] = (uint8_t)(0xA0u + i);
    RP_ALL_OK();   /* debug builds: the guard bytes after the block are intact */
    RP_DECREF(o);
    RP_ALL_BACK();
}

/* Defect 9: compare_to returned the number of groups beyond cap, and print_diff read that
 * many entries. It returns what it wrote; *total says how many there were. */
#define SITE_BARRIER() __asm__ volatile("" ::: "memory")
__attribute__((noipa)) static void *site_a(size_t n)
{
    void *p = rp_malloc(n);
    SITE_BARRIER();
    return p;
}
__attribute__((noipa)) static void *site_b(size_t n)
{
    void *p = rp_malloc(n);
    SITE_BARRIER();
    return p;
}
__attribute__((noipa)) static void *site_c(size_t n)
{
    void *p = rp_malloc(n);
    SITE_BARRIER();
    return p;
}
__attribute__((noipa)) static void *site_d(size_t n)
{
    void *p = rp_malloc(n);
    SITE_BARRIER();
    return p;
}

static void test_compare_to_respects_cap(void)
{
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
    rp_trace_stat_t b0[8], b1[8];
    rp_trace_snapshot_t before, after;
    rp_trace_take_snapshot(&before, b0, 8, RP_TRACE_BY_SITE, 0, 0);
    /* The largest growth comes from the site met last in the snapshot's order. */
    void *a = site_a(16), *b = site_b(32), *c = site_c(48), *d = site_d(400);
    rp_trace_take_snapshot(&after, b1, 8, RP_TRACE_BY_SITE, 0, 0);
    RP_CHECK_EQ(after.n, 4);
    struct {
        rp_trace_diff_t d[2];
        rp_trace_diff_t canary;
    } out;
    out.canary.key = 0x5A5Au;
    uint32_t total = 0;
    uint32_t n = rp_trace_compare_to(&after, &before, out.d, 2, &total);
    RP_CHECK_EQ(n, 2);
    RP_CHECK_EQ(total, 4);
    RP_CHECK_EQ(out.canary.key, 0x5A5Au);
    RP_CHECK_EQ(out.d[0].size_diff, 400);   /* the two largest, largest first */
    RP_CHECK_EQ(out.d[1].size_diff, 48);
    RP_CHECK_EQ(rp_trace_compare_to(&after, &before, out.d, 0, &total), 0);
    RP_CHECK_EQ(total, 4);
    RP_CHECK_EQ(rp_trace_compare_to(&after, &before, out.d, 2, 0), 2);   /* total may be NULL */
    RP_CHECK_EQ(rp_trace_compare_to(&after, 0, out.d, 2, &total), 0);
    RP_CHECK_EQ(total, 0);
    rp_test_capture_start();
    rp_trace_print_diff(out.d, n, 10);
    const char *text = rp_test_capture_stop();
    RP_CHECK_STR(text, "size=400 (+400)");
    rp_free(a);
    rp_free(b);
    rp_free(c);
    rp_free(d);
    rp_trace_stop();
    RP_ALL_BACK();
}

/* The same rule for every API that fills a caller's buffer. */
static void test_buffer_apis_return_what_they_wrote(void)
{
    rp_test_fresh_objects();
    rp_obj_t *l = rp_list_new(), *x = rp_list_new(), *y = rp_list_new();
    RP_CHECK(l && x && y);
    RP_CHECK_EQ(rp_list_append(l, x), RP_E_OK);
    RP_CHECK_EQ(rp_list_append(l, y), RP_E_OK);
    RP_CHECK_EQ(rp_list_append(y, x), RP_E_OK);
    struct {
        rp_obj_t *buf[1];
        rp_obj_t *canary;
    } out;
    size_t total = 0;
    out.canary = rp_none();
    RP_CHECK_EQ(rp_gc_get_objects(-1, out.buf, 1, &total), 1);
    RP_CHECK(total >= 3);
    RP_CHECK_EQ(rp_gc_get_objects(0, 0, 0, &total), 0);
    RP_CHECK(total >= 3);
    RP_CHECK_EQ(rp_gc_get_referrers(x, out.buf, 1, &total), 1);
    RP_CHECK_EQ(total, 2);
    RP_CHECK_EQ(rp_gc_get_referents(l, out.buf, 1, &total), 1);
    RP_CHECK_EQ(total, 2);
    RP_CHECK(out.buf[0] == x);
    RP_CHECK_EQ(rp_gc_get_referents(l, out.buf, 1, 0), 1);
    RP_CHECK_EQ(rp_gc_garbage(out.buf, 1, &total), 0);
    RP_CHECK_EQ(total, 0);
    RP_CHECK(out.canary == rp_none());
    RP_DECREF(l);
    RP_DECREF(x);
    RP_DECREF(y);
    RP_ALL_BACK();
}

/* Defect 11: sizes near SIZE_MAX wrapped in realloc's in-place resize and in an object's
 * header + body. */
static void test_huge_sizes_are_refused(void)
{
    rp_test_fresh_objects();
    rp_heap_stats_t s0, s1;
    rp_heap_stats(&s0);
    void *p = rp_malloc(8), *z = rp_malloc(0);   /* debug: z's class is what SIZE_MAX + 16 wraps to */
    RP_CHECK(p && z);
    for (size_t k = 0; k <= 64; k += 1) {
        RP_CHECK(rp_realloc(z, SIZE_MAX - k) == 0);
        RP_CHECK(rp_realloc(p, SIZE_MAX - k) == 0);
        RP_CHECK(rp_malloc(SIZE_MAX - k) == 0);
        RP_CHECK(rp_calloc(1, SIZE_MAX - k) == 0);
    }
    RP_CHECK(rp_calloc(SIZE_MAX / 2u, 3) == 0);
    RP_CHECK(rp_calloc((size_t)1 << (sizeof(size_t) * 4u), (size_t)1 << (sizeof(size_t) * 4u)) == 0);
    RP_CHECK(rp_usable_size(p) >= 8);
    void *big = rp_malloc(200);
    RP_CHECK(big != 0);
    RP_CHECK(rp_realloc(big, SIZE_MAX - 3u) == 0);
    RP_CHECK(rp_realloc(big, SIZE_MAX / 2u) == 0);
    RP_HEAP_OK();
    rp_free(big);
    rp_free(p);
    rp_free(z);
    for (size_t k = 0; k <= 16; k++)
        RP_CHECK(rp_obj_alloc(&rp_instance_type, SIZE_MAX - k) == 0);
    RP_CHECK(rp_str_new("x", SIZE_MAX) == 0);
    rp_heap_stats(&s1);
    RP_CHECK(s1.failed_allocs > s0.failed_allocs);
    RP_ALL_BACK();
}

/* A type whose slots and raw bytes do not fit the 16-bit body size is refused. */
static uint8_t RP_TYPE_NUMBER(wide);
static const rp_type_t wide_type = {.name = "Wide", .number = &RP_TYPE_NUMBER(wide), .nbytes = 0xFFFCu, .flags = RP_TYPE_GC | RP_TYPE_DICT};

static void test_type_body_too_large_is_refused(void)
{
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_type_ready(&wide_type), RP_E_ARG);
    RP_CHECK(rp_new(&wide_type) == 0);
    RP_ALL_BACK();
}

/* Defect 15: rp_objects_init panicked when the GC links cannot reach the whole heap and
 * when there was no memory for the collector's list heads. */
static void test_objects_init_reports_links_out_of_reach(void)
{
    /* Two regions as far apart as a stack and the heap's memory: on the host the stack is
     * gigabytes away; on a board's small RAM the span fits and init must succeed. */
#if defined(__arm__)
    rp_printf("(host only: a board's RAM is too small to span the links' reach)\n");
#else
    _Alignas(8) uint8_t local[4u * RP_CFG_POOL_SIZE + 256u];
    size_t n;
    uint8_t *mem = rp_test_memory(&n);
    rp_region_t r[2] = {{mem, n < 64u * 1024u ? n : 64u * 1024u}, {local, sizeof local}};
    if (r[0].size > n)
        r[0].size = n;
    RP_CHECK_EQ(rp_heap_init(r, 2), RP_E_OK);
    uintptr_t lo = (uintptr_t)mem < (uintptr_t)local ? (uintptr_t)mem : (uintptr_t)local;
    uintptr_t hi = (uintptr_t)mem < (uintptr_t)local ? (uintptr_t)local + sizeof local : (uintptr_t)mem + r[0].size;
    uintptr_t reach = RP_CFG_GC_LINK16 ? (uintptr_t)512u * 1024u : (uintptr_t)1u << 31;
    rp_err_t e = rp_objects_init();
    if (hi - lo > reach)
        RP_CHECK_EQ(e, RP_E_ARG);
    else
        RP_CHECK_EQ(e, RP_E_OK);
    RP_HEAP_OK();
#endif
    rp_test_fresh_objects();   /* a good heap again */
    RP_ALL_BACK();
}

static void test_objects_init_reports_no_memory(void)
{
    rp_test_fresh_heap();
    /* Fill the heap so that not even the collector's list heads fit. */
    void *head = 0;
    for (size_t size = 1u << 16; size >= 8u; size /= 2u)
        for (void *p; (p = rp_malloc(size)) != 0;) {
            *(void **)p = head;
            head = p;
        }
    RP_CHECK_EQ(rp_objects_init(), RP_E_NOMEM);
    RP_HEAP_OK();
    while (head) {
        void *next = *(void **)head;
        rp_free(head);
        head = next;
    }
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);   /* with memory it works */
    rp_test_mark_baseline();
    rp_obj_t *l = rp_list_new();
    RP_CHECK(l != 0);
    RP_DECREF(l);
    RP_ALL_BACK();
}

/* Defect 16: rp_tuple_new read n items before refusing n. */
static void test_tuple_new_checks_n_before_items(void)
{
    rp_test_fresh_objects();
    rp_obj_t *i = rp_int_from_i64(7000);
    rp_obj_t *items[2] = {i, i};
    RP_CHECK(rp_tuple_new((size_t)INT32_MAX + 1u, items) == 0);
    RP_CHECK(rp_tuple_new(SIZE_MAX, items) == 0);
    RP_CHECK(rp_tuple_pack(SIZE_MAX) == 0);
    RP_CHECK_EQ(rp_sys_getrefcount(i), 2);   /* no reference taken */
    rp_obj_t *t = rp_tuple_new(2, items);
    RP_CHECK(t != 0);
    RP_CHECK_EQ(rp_tuple_len(t), 2);
    RP_DECREF(t);
    RP_DECREF(i);
    RP_ALL_BACK();
}

/* Snapshot arguments are checked before they are read: no filters array with a count. */
static void test_snapshot_checks_its_arguments(void)
{
    rp_test_fresh_objects();
    RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
    void *p = rp_malloc(24);
    rp_trace_snapshot_t s;
    rp_trace_take_snapshot(&s, 0, 4, RP_TRACE_BY_SITE, 0, 3);
    RP_CHECK_EQ(s.n, 0);
    RP_CHECK_EQ(s.cap, 0);
    RP_CHECK_EQ(s.total_count, 1);
    RP_CHECK_EQ(s.ungrouped, 1);
    rp_free(p);
    rp_trace_stop();
    RP_ALL_BACK();
}


/* Defect 12, as rp_heap.h now states it: an interior pointer into a chunk is refused
 * unless the chunk's own data forges an in-use tag before it and PREV_USED where that tag
 * leads; debug builds also refuse a forged pair (no block header). */
static void try_interior_free(uint8_t *block, size_t off)
{
    rp_heap_stats_t s0, s1;
    rp_heap_stats(&s0);
    rp_free(block + off);
    rp_heap_stats(&s1);
    RP_CHECK_EQ(s1.reports, s0.reports + 1u);
    RP_CHECK(rp_heap_last_report().addr == block + off);
    RP_HEAP_OK();
}

static void test_chunk_interior_pointers_are_refused(void)
{
    rp_test_fresh_objects();
    uint8_t *p = rp_malloc(512);
    RP_CHECK(p != 0);
    /* zeros, ones, text, debug fill, and a "used" tag of a size that wraps the address
     * on 32-bit targets (the fuzzer's find: a read far outside the heap) */
    static const uint8_t fills[] = {0x00, 0xFF, 0x41, 0xDD, 0xFB};
    for (unsigned f = 0; p && f < sizeof fills; f++) {
        for (unsigned i = 0; i < 512; i++)
            p[i] = fills[f];
        try_interior_free(p, 64);
        try_interior_free(p, 256);
    }
    /* Words holding heap addresses (as a block of pointers does): bit 0 clear, no tag. */
    for (unsigned i = 0; p && i < 512 / sizeof(void *); i++)
        ((void **)(void *)p)[i] = p + 8u * i;
    try_interior_free(p, 64);
#if RP_CFG_DEBUG
    /* A forged pair (tag of a 64-byte chunk, then PREV_USED): a release build would take
     * it, as rp_heap.h says; the debug header refuses it. */
    uint32_t tag = 64u | 1u, next = 2u | 1u;
    for (unsigned i = 0; i < 4; i++) {
        p[124 + i] = (uint8_t)(tag >> (8u * i));
        p[124 + 64 + i] = (uint8_t)(next >> (8u * i));
    }
    try_interior_free(p, 128);
#endif
    rp_free(p);
    RP_ALL_BACK();
}

#if RP_CFG_DEBUG
/* Defect 17: a DECREF of a freed object passed silently in debug builds. */
static void test_decref_after_free_is_reported(void)
{
    rp_test_fresh_objects();
    rp_obj_t *keep = rp_list_new(), *o = rp_list_new();
    RP_CHECK(keep && o);
    rp_obj_t *stale = o;
    RP_DECREF(o);   /* freed */
    rp_heap_stats_t s0, s1;
    rp_heap_stats(&s0);
    RP_DECREF(stale);
    rp_heap_stats(&s1);
    RP_CHECK_EQ(s1.reports, s0.reports + 1u);
    RP_CHECK_STR(rp_heap_last_report().rule, "use after free");
    RP_CHECK(rp_heap_last_report().addr == stale);
    RP_INCREF(stale);
    rp_heap_stats(&s0);
    RP_CHECK_EQ(s0.reports, s1.reports + 1u);
    /* a large (chunk) object too */
    rp_obj_t *big = rp_obj_alloc(&rp_instance_type, 300);
    RP_CHECK(big != 0);
    stale = big;
    RP_DECREF(big);
    RP_DECREF(stale);
    rp_heap_stats(&s1);
    RP_CHECK_EQ(s1.reports, s0.reports + 1u);
    RP_CHECK_STR(rp_heap_last_report().rule, "use after free");
    RP_DECREF(keep);
    RP_ALL_BACK();
}
#endif

/* rp_strerror names every code, each differently, and says so for a code it does not know. */
static void test_strerror_names_every_code(void)
{
    for (int e = 0; e >= (int)RP_E_REFUSED; e--) {
        const char *name = rp_strerror((rp_err_t)e);
        RP_CHECK_STR(name, "RP_E_");
        for (int f = 0; f > e; f--)
            RP_CHECK(rp_strerror((rp_err_t)f) != name);
    }
    RP_CHECK_STR(rp_strerror((rp_err_t)((int)RP_E_REFUSED - 1)), "unknown");
    RP_CHECK_STR(rp_strerror((rp_err_t)1), "unknown");
}

/* rp_gc_try_collect says why nothing was collected: refused inside a collection (where
 * rp_gc_collect returns 0, as CPython's nested gc.collect), a bad generation. */
static rp_err_t nested_result;
static uint32_t nested_found = 99;
static void collect_from_callback(enum rp_gc_phase phase, int generation, uint32_t collected,
                                  uint32_t uncollectable, void *arg)
{
    (void)generation, (void)collected, (void)uncollectable, (void)arg;
    if (phase == RP_GC_START)
        nested_result = rp_gc_try_collect(2, &nested_found);
}

static void test_try_collect_tells_refused_from_nothing_found(void)
{
    rp_test_fresh_objects();
    uint32_t found = 99;
    RP_CHECK_EQ(rp_gc_try_collect(3, &found), RP_E_ARG);
    RP_CHECK_EQ(found, 0);
    RP_CHECK_EQ(rp_gc_try_collect(0, &found), RP_E_OK);   /* nothing to find: ok, 0 */
    RP_CHECK_EQ(found, 0);
    RP_CHECK_EQ(rp_gc_callback_add(collect_from_callback, 0), 0);
    RP_CHECK_EQ(rp_gc_try_collect(0, 0), RP_E_OK);
    RP_CHECK_EQ(nested_result, RP_E_REFUSED);
    RP_CHECK_EQ(nested_found, 0);
    rp_gc_callback_remove(collect_from_callback, 0);
    RP_ALL_BACK();
}

/* A type that finds the table full gets RP_E_FULL, and the port hears of it: rp_new's NULL
 * alone would read as out of memory. Last in the suite: it fills the type table. */
static uint8_t many_numbers[RP_CFG_MAX_TYPES];
static rp_type_t many_types[RP_CFG_MAX_TYPES];
static void test_type_table_full_is_reported(void)
{
    rp_test_fresh_objects();
    rp_heap_stats_t s0, s1;
    rp_heap_stats(&s0);
    rp_err_t last = RP_E_OK;
    unsigned i = 0;
    for (; i < RP_CFG_MAX_TYPES && last == RP_E_OK; i++) {
        many_types[i].name = "Many";
        many_types[i].number = &many_numbers[i];
        last = rp_type_ready(&many_types[i]);
    }
    RP_CHECK_EQ(last, RP_E_FULL);
    rp_heap_stats(&s1);
    RP_CHECK_EQ(s1.reports, s0.reports + 1u);
    RP_CHECK_STR(rp_heap_last_report().rule, "type table full");
    RP_CHECK(rp_new(&many_types[i - 1]) == 0);
}

int main(void)
{
    rp_test_begin("misuse");
    RP_RUN(test_equal_tuple_and_non_tuple);
    RP_RUN(test_raw_of_non_gc_type);
    RP_RUN(test_compare_to_respects_cap);
    RP_RUN(test_buffer_apis_return_what_they_wrote);
    RP_RUN(test_huge_sizes_are_refused);
    RP_RUN(test_type_body_too_large_is_refused);
    RP_RUN(test_objects_init_reports_links_out_of_reach);
    RP_RUN(test_objects_init_reports_no_memory);
    RP_RUN(test_tuple_new_checks_n_before_items);
    RP_RUN(test_snapshot_checks_its_arguments);
    RP_RUN(test_chunk_interior_pointers_are_refused);
#if RP_CFG_DEBUG
    RP_RUN(test_decref_after_free_is_reported);
#endif
    RP_RUN(test_strerror_names_every_code);
    RP_RUN(test_try_collect_tells_refused_from_nothing_found);
    RP_RUN(test_type_table_full_is_reported);
    return rp_test_end();
}
