/*
 * test_heap_random.c — a model-based randomized test of the allocator. Long seeded
 * sequences of malloc, calloc, realloc and free with mixed sizes run against a model of
 * what is live; every block's contents are checked when it is freed or moved, and
 * rp_heap_check runs after every step. Most seeds trace every allocation too: the trace
 * records' checker runs after every step, their total held against the model. Tracing
 * sends every call through the slow paths, so other seeds run untraced, through the fast
 * paths of rp_malloc and rp_free, with the live block count held against the model.
 * Failures of allocation (the heap is small on purpose at times) must leave both the
 * heap and the model unchanged.
 */
#include "heap_internal.h"   /* the free mark, which no block handed out may carry */
#include "rp_test.h"
#include "rp_trace.h"

#ifndef RP_TEST_STEPS
#define RP_TEST_STEPS 6000
#endif
/* Live blocks at most: 256, or a block per 4 bytes of pool past 1 KiB pools, so that
 * pools of the larger classes still fill and go back on their lists (P3). */
#define SLOTS (RP_CFG_POOL_SIZE > 1024u ? RP_CFG_POOL_SIZE / 4u : 256u)

typedef struct slot {
    uint8_t *p;
    size_t n;
    uint8_t fill;
} slot_t;

static slot_t slots[SLOTS];
static unsigned live;

static size_t pick_size(uint32_t *x, size_t max)
{
    uint32_t r = rp_rand_range(x, 0, 99);
    size_t n = r < 65 ? rp_rand_range(x, 0, 64) : r < 95 ? rp_rand_range(x, 65, 600) : rp_rand_range(x, 601, 8192);
    return n > max ? max : n;
}

static void fill(slot_t *s, size_t from)
{
    for (size_t i = from; i < s->n; i++)
        s->p[i] = (uint8_t)(s->fill + i);
}

static int intact(const slot_t *s, size_t upto)
{
    for (size_t i = 0; i < upto && i < s->n; i++)
        if (s->p[i] != (uint8_t)(s->fill + i))
            return 0;
    return 1;
}

#if !RP_CFG_DEBUG
static int in_pool(const void *p)
{
    const rp_heap_region_t *r = rp_region_of((uintptr_t)p);
    return r && *rp_map_of(r, (uintptr_t)p) < RP_NCLASSES;
}
#endif

static void step(uint32_t *x, size_t max)
{
    uint32_t op = rp_rand_range(x, 0, 99);
    rp_heap_stats_t before;
    rp_heap_stats(&before);
    if (live == 0 || (op < 50 && live < SLOTS)) {
        slot_t s = {0, pick_size(x, max), (uint8_t)rp_rand_next(x)};
        int zeroed = op < 10;
        s.p = zeroed ? rp_calloc(1, s.n) : rp_malloc(s.n);
        if (!s.p) {
            rp_heap_stats_t after;
            rp_heap_stats(&after);
            RP_CHECK_EQ(after.failed_allocs, before.failed_allocs + 1);
            RP_CHECK_EQ(after.blocks_in_use, before.blocks_in_use);
            return;
        }
        RP_CHECK(((uintptr_t)s.p & 7u) == 0 && rp_usable_size(s.p) >= s.n);
#if !RP_CFG_DEBUG
        /* A reused pool block's free mark is gone (malloc overwrites it): rp_free's fast path
         * would take a block that still carries it for a double free and walk the list to
         * tell. (A small request a tight heap serves from a chunk is not a pool block: its
         * words are whatever the memory held, and free reads no mark there.) */
        if (s.n <= RP_CFG_SMALL_MAX && in_pool(s.p))
            RP_CHECK(((const uint32_t *)s.p)[1] != rp_pool_mark(s.p));
#endif
        if (zeroed) {
            unsigned nonzero = 0;
            for (size_t i = 0; i < s.n; i++)
                nonzero += s.p[i] != 0;
            RP_CHECK_EQ(nonzero, 0);
        }
        fill(&s, 0);
        slots[live++] = s;
        return;
    }
    unsigned k = rp_rand_range(x, 0, live - 1);
    slot_t *s = &slots[k];
    if (op < 75) {
        size_t n = pick_size(x, max);
        uint8_t *q = rp_realloc(s->p, n);
        if (!q) {
            RP_CHECK(intact(s, s->n));
            return;
        }
        s->p = q;
        RP_CHECK(intact(s, n));
        size_t old = s->n;
        s->n = n;
        if (n > old)
            fill(s, old);
        return;
    }
    RP_CHECK(intact(s, s->n));
    rp_free(s->p);
    *s = slots[--live];
}

static void run_seed(uint32_t seed, size_t arena, int traced)
{
    size_t n;
    rp_region_t r = {rp_test_memory(&n), arena};
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    rp_heap_stats_t fresh;
    rp_heap_stats(&fresh);
    uint32_t x = seed;
    live = 0;
    rp_trace_stop();
    rp_test_give_trace_table();
    if (traced)
        RP_CHECK_EQ(rp_trace_start(1), RP_E_OK);
    for (unsigned i = 0; i < RP_TEST_STEPS; i++) {
        step(&x, arena / 8);
        size_t bytes, peak, model = 0;
        int ok = RP_HEAP_OK();
        if (traced) {
            rp_trace_get_traced_memory(&bytes, &peak);
            for (unsigned k = 0; k < live; k++)
                model += slots[k].n;
            ok = ok && RP_CHECK(!rp_trace_check().rule) &&
                 RP_CHECK(rp_trace_dropped() ? bytes <= model : bytes == model);
        } else {
            rp_heap_stats_t s;
            rp_heap_stats(&s);
            ok = ok && RP_CHECK_EQ(s.blocks_in_use, live) && RP_CHECK_EQ(s.reports, 0);
        }
        if (!ok) {
            rp_printf("seed %u (%s) failed at step %u\n", (unsigned)seed, traced ? "traced" : "untraced", i);
            rp_trace_stop();
            return;
        }
    }
    while (live)
        rp_free(slots[--live].p);
    size_t bytes, peak;
    rp_trace_get_traced_memory(&bytes, &peak);
    RP_CHECK_EQ(bytes, 0);
    rp_trace_stop();
    RP_HEAP_OK();
    rp_heap_trim();
    rp_heap_stats_t end;
    rp_heap_stats(&end);
    RP_CHECK_EQ(end.blocks_in_use, 0);
    RP_CHECK_EQ(end.bytes_in_use, 0);
    RP_CHECK_EQ(end.pool_bytes, 0);
    RP_CHECK_EQ(end.free_chunks, 1);
    RP_CHECK_EQ(end.free_bytes, fresh.free_bytes);
    RP_CHECK_EQ(end.reports, 0);
    RP_HEAP_OK();
}

/* A roomy heap: mostly successes. */
static void test_random_roomy(void)
{
    size_t n;
    rp_test_memory(&n);
    if (n > 512u * 1024u)
        n = 512u * 1024u;
    for (uint32_t seed = 1; seed <= 3; seed++)
        run_seed(seed * 2654435761u, n, 1);
}

/* A tight heap: twelve pools' worth (12 KiB with 1 KiB pools; rp_heap_init wants at
 * least four), or half of a smaller heap. */
static size_t tight_size(size_t n)
{
    size_t tight = 12u * RP_CFG_POOL_SIZE;
    return n / 2u < tight ? (n / 2u) & ~(size_t)7 : tight;
}

/* A tight heap: many failures, which must change nothing. */
static void test_random_tight(void)
{
    size_t n;
    rp_test_memory(&n);
    size_t tight = tight_size(n);
    for (uint32_t seed = 1; seed <= 3; seed++)
        run_seed(seed * 40503u + 7u, tight, 1);
}

/* Untraced: the fast paths, in a heap of at most 64 KiB (so that the checker after every
 * step stays quick) and in the tight one, which also fits the smallest board. */
static void test_random_untraced(void)
{
    size_t n;
    rp_test_memory(&n);
    size_t tight = tight_size(n);
    size_t medium = n < 65536u ? n & ~(size_t)7 : 65536u;
    for (uint32_t seed = 1; seed <= 2; seed++) {
        run_seed(seed * 2246822519u + 3u, medium, 0);
        run_seed(seed * 3266489917u + 5u, tight, 0);
    }
}

int main(void)
{
    rp_test_begin("heap_random");
    RP_RUN(test_random_roomy);
    RP_RUN(test_random_tight);
    RP_RUN(test_random_untraced);
    return rp_test_end();
}
