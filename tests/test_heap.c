/* test_heap.c — the allocator's rules, one behaviour per test, bad input included. */
#include "heap_internal.h"   /* the pool header's layout, for the checker's tests */
#include "rp_test.h"

/* A request of n bytes, n above 64, that stays a chunk when the pools serve larger
 * classes (RP_CFG_SMALL_MAX above its default 64): n itself by default. */
#define CHUNK(n) ((n) + RP_CFG_SMALL_MAX - 64u)

static rp_heap_stats_t stats(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s;
}

static void test_init_refuses_bad_regions(void)
{
    size_t n;
    uint8_t *m = rp_test_memory(&n);
    /* 8 KiB regions, or the least rp_heap_init accepts (four pools) if that is more: the
     * size must pass for the overlap to be what is refused. */
    size_t size = 8192u > 4u * RP_CFG_POOL_SIZE ? 8192u : 4u * RP_CFG_POOL_SIZE;
    rp_region_t two[2] = {{m, size}, {m + size / 2u, size}};
    rp_test_fresh_heap();
    void *keep = rp_malloc(40);
    RP_CHECK_EQ(rp_heap_init(0, 1), RP_E_ARG);
    RP_CHECK_EQ(rp_heap_init(two, 0), RP_E_ARG);
    RP_CHECK_EQ(rp_heap_init(two, RP_CFG_MAX_REGIONS + 1), RP_E_ARG);
    rp_region_t odd = {m + 4, size};
    RP_CHECK_EQ(rp_heap_init(&odd, 1), RP_E_ALIGN);
    RP_CHECK_EQ(rp_heap_init(two, 2), RP_E_OVERLAP);
    rp_region_t tiny = {m, 64};
    RP_CHECK_EQ(rp_heap_init(&tiny, 1), RP_E_SIZE);
    /* A refused init leaves the previous heap as it was. */
    RP_CHECK_EQ(stats().blocks_in_use, 1);
    RP_HEAP_OK();
    rp_free(keep);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
}

static void test_two_regions(void)
{
    size_t n;
    uint8_t *m = rp_test_memory(&n);
    /* Regions of 16 and 8 KiB, or of a half and a quarter of a smaller heap, and blocks
     * scaled alike: 64 of them overflow the first region and fit in both. */
    size_t q = n / 4u < 8192u ? (n / 4u) & ~(size_t)7 : 8192u;
    if (q < 4u * RP_CFG_POOL_SIZE)   /* the smallest region rp_heap_init accepts */
        q = 4u * RP_CFG_POOL_SIZE;
    if (3u * q > n) {   /* a 16 KB part: no room for two regions rp_heap_init accepts */
        rp_printf("skipped: two regions need %u bytes of test memory, there are %u\n", (unsigned)(3u * q),
                  (unsigned)n);
        return;
    }
    size_t size = 300u * q / 8192u;
    rp_region_t two[2] = {{m + q, 2u * q}, {m, q}};   /* adjacent, not overlapping: 3q <= n */
    RP_CHECK_EQ(rp_heap_init(two, 2), RP_E_OK);
    /* C7: the carve point lies in the first region (rp_chunk_pool_new maps its pool
     * through the first region's page map), though the second's first chunk starts a
     * window too. */
    uintptr_t carve = rp_heap.carve;
    rp_heap.carve = rp_heap.regions[1].lo;
    RP_CHECK_STR(rp_heap_check().rule, "first region");
    rp_heap.carve = carve;
    RP_HEAP_OK();
    void *p[64];
    unsigned in_first = 0, in_second = 0;
    for (unsigned i = 0; i < 64; i++) {
        p[i] = rp_malloc(size);
        RP_CHECK(p[i] != 0);
        in_first += (uint8_t *)p[i] >= m + q;
        in_second += (uint8_t *)p[i] < m + q;
    }
    RP_CHECK(in_first > 0 && in_second > 0);
    RP_HEAP_OK();
    for (unsigned i = 0; i < 64; i++)
        rp_free(p[i]);
    RP_HEAP_OK();
    RP_CHECK_EQ(stats().free_chunks, 2);
}

static void test_zero_and_null(void)
{
    rp_test_fresh_heap();
    void *a = rp_malloc(0), *b = rp_malloc(0);
    RP_CHECK(a && b && a != b);
    rp_free(0);
    rp_free(a);
    rp_free(b);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    RP_CHECK_EQ(stats().reports, 0);
    RP_CHECK_EQ(rp_usable_size(0), 0);
    RP_HEAP_OK();
}

static void test_alignment_and_usable_size(void)
{
    rp_test_fresh_heap();
    /* Every size below 700 (245 KB in all), or below fewer on a heap too small for that:
     * about half the heap, leaving room for a partly used pool per class. */
    size_t heap;
    rp_test_memory(&heap);
    unsigned count = 700;
    while (count > 72u && (size_t)count * (count + 48u) > heap)
        count--;
    void *p[700];
    for (unsigned n = 0; n < count; n++) {
        p[n] = rp_malloc(n);
        RP_CHECK(p[n] != 0);
        RP_CHECK(((uintptr_t)p[n] & 7u) == 0);
        RP_CHECK(rp_usable_size(p[n]) >= n);
    }
    RP_HEAP_OK();
    for (unsigned n = 0; n < count; n++)
        rp_free(p[n]);
    RP_HEAP_OK();
    RP_CHECK_EQ(stats().bytes_in_use, 0);
}

static void test_pool_bump_then_lifo(void)
{
    rp_test_fresh_heap();
    uint8_t *a = rp_malloc(24), *b = rp_malloc(24), *c = rp_malloc(24);
#if !RP_CFG_DEBUG
    /* A fresh pool hands out never-used blocks upwards, from its bottom to its header. */
    RP_CHECK_EQ(b - a, 24);
    RP_CHECK_EQ(c - b, 24);
#endif
    rp_free(a);
    rp_free(c);
    RP_CHECK(rp_malloc(20) == c);   /* last freed, first reused */
    RP_CHECK(rp_malloc(17) == a);
    RP_CHECK_EQ(stats().classes[(24 + RP_CFG_DEBUG * 16 - 1) / 8].blocks_used, 3);
    RP_HEAP_OK();
    rp_free(a);
    rp_free(b);
    rp_free(c);
}

/* More 8-byte blocks than one pool holds (200 with 1 KiB pools, which hold 127). */
#define MANY8 (RP_CFG_POOL_SIZE / 8u + 72u)

static void test_empty_pool_returns_to_chunk_heap(void)
{
    rp_test_fresh_heap();
    rp_heap_stats_t before = stats();
    RP_CHECK_EQ(before.free_chunks, 1);
    void *p[MANY8];
    for (unsigned i = 0; i < MANY8; i++)
        p[i] = rp_malloc(8);
    rp_heap_stats_t mid = stats();
    RP_CHECK(mid.classes[RP_CFG_DEBUG ? 2 : 0].pools >= 2);
    RP_CHECK(mid.pool_bytes >= 2 * RP_CFG_POOL_SIZE);
    RP_HEAP_OK();
    for (unsigned i = 0; i < MANY8; i++)
        rp_free(p[i]);
    rp_heap_stats_t after = stats();
    unsigned c8 = RP_CFG_DEBUG ? 2 : 0;
    /* Emptied pools leave their class list at once, as spares, still threaded for it. */
    RP_CHECK_EQ(after.blocks_in_use, 0);
    RP_CHECK_EQ(after.classes[c8].pools, 0);
    RP_CHECK_EQ(after.spare_pools, mid.classes[c8].pools);
    void *q = rp_malloc(8);
    RP_CHECK_EQ(stats().free_bytes, after.free_bytes);
    rp_free(q);
    RP_HEAP_OK();
    /* Their space serves one large request: taken back on demand. */
    void *big = rp_malloc(before.largest_free);
    RP_CHECK(big != 0);
    RP_CHECK_EQ(stats().spare_pools, 0);
    RP_CHECK_EQ(stats().classes[c8].pools, 0);
    RP_HEAP_OK();
    rp_free(big);
    RP_CHECK_EQ(stats().free_chunks, 1);
    RP_CHECK_EQ(stats().free_bytes, before.free_bytes);
    RP_HEAP_OK();
    /* rp_heap_trim gives empty pools back at once. */
    for (unsigned i = 0; i < MANY8; i++)
        p[i] = rp_malloc(8);
    for (unsigned i = 0; i < MANY8; i++)
        rp_free(p[i]);
    uint32_t pools = stats().spare_pools;
    RP_CHECK(pools >= 2);
    RP_CHECK(rp_heap_trim() >= pools * RP_CFG_POOL_SIZE);
    RP_CHECK_EQ(stats().spare_pools, 0);
    RP_CHECK_EQ(stats().pool_bytes, 0);
    RP_CHECK_EQ(stats().free_chunks, 1);
    RP_CHECK_EQ(rp_heap_trim(), 0);
    RP_HEAP_OK();
}

/* A pool filled to its last block (509 of them in a 4 KiB pool of 8-byte blocks, which
 * need the header's 16-bit counts): counted whole, off its class list, so that the next
 * block opens a second pool; emptied, both become spares. */
/* New pools are cut in O(1) from the front of the free chunk at the carve point (C7):
 * one class after another, each pool's window follows the last one's. The checker finds
 * a carve point that is no chunk's start; after the spares go back (rp_heap_trim), which
 * may merge the chunk at the carve point into one before it, the next pool is found anew
 * and pools follow it again. */
static void test_pools_from_the_carve_point(void)
{
    enum { K = RP_NCLASSES - 2 * RP_CFG_DEBUG };   /* classes a request reaches (debug adds 16 bytes) */
    rp_test_fresh_heap();
    uint8_t *p[K];
    for (unsigned c = 0; c < K; c++)
        p[c] = rp_malloc(8u * c + 1u);
    for (unsigned c = 1; c < K; c++) {
        uintptr_t prev = (uintptr_t)p[c - 1] & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u);
        uintptr_t here = (uintptr_t)p[c] & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u);
        RP_CHECK_EQ(here - prev, RP_CFG_POOL_SIZE);
    }
    RP_HEAP_OK();
    uintptr_t saved = rp_heap.carve;
    RP_CHECK(saved != 0);
    rp_heap.carve = saved + 8u;
    RP_CHECK_STR(rp_heap_check().rule, "C7");
    rp_heap.carve = saved;
    RP_HEAP_OK();
    for (unsigned c = 0; c < K; c++)
        rp_free(p[c]);
    RP_CHECK(rp_heap_trim() >= K * RP_CFG_POOL_SIZE);
    RP_HEAP_OK();
    uint8_t *a = rp_malloc(8), *b = rp_malloc(24);
    RP_CHECK(a != 0 && b != 0);
    RP_CHECK_EQ(((uintptr_t)b & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u)) - ((uintptr_t)a & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u)),
                RP_CFG_POOL_SIZE);
    RP_HEAP_OK();
    rp_free(a);
    rp_free(b);
    RP_HEAP_OK();
}

/* A block's chunk payload (the debug allocator's head comes first) and the bytes a
 * request adds to it (its head and tail). */
static uint8_t *raw(void *p) { return (uint8_t *)p - 8u * RP_CFG_DEBUG; }
enum { DBG = 16 * RP_CFG_DEBUG };

/* Whether the chunk at the carve point is the wilderness (C7): free, its links both naming
 * the node after the bins' slots, on no list. */
static int carve_is_wild(void)
{
    const uint32_t *ct = (const uint32_t *)rp_heap.carve;
    if (!ct || (*ct & RP_CHUNK_USED))
        return 0;
    const rp_links_t *l = (const rp_links_t *)((uintptr_t)ct + RP_CHUNK_TAG), *w = &rp_heap.bins[RP_WILD];
    return l->next == w && l->prev == w;
}

/* The free chunk behind the last pool is the wilderness, kept off the bins (C7), so that a
 * new pool is cut with no list step: every new pool leaves it so, whether it was on its
 * bin before or not. A chunk malloc that no bin holds a chunk for is cut from the
 * wilderness's end, which keeps its start and stays off the bins; a free that merges into
 * it may put it on its bin; when the spares go back (rp_heap_trim) it goes onto its bin
 * before the carve point is cleared. The heap is checked after every step. */
static void test_the_wilderness(void)
{
    rp_test_fresh_heap();
    /* rp_heap_init's one free chunk is on its bin (C4); the first pool makes the wilderness */
    RP_CHECK(!carve_is_wild());
    void *p = rp_malloc(8);
    RP_CHECK(p != 0 && carve_is_wild());
    RP_HEAP_OK();
    uint32_t *ct = (uint32_t *)rp_heap.carve, before = rp_tag_size(*ct);
    for (unsigned b = 0; b < RP_NBINS; b++)
        RP_CHECK(rp_heap.bins[b].next == &rp_heap.bins[b]);   /* no other free chunk */

    /* a chunk malloc with every bin empty: the wilderness's end, its start kept */
    uint8_t *c = rp_malloc(2000);
    RP_CHECK(c != 0 && (uintptr_t)ct == rp_heap.carve && carve_is_wild());
    RP_CHECK_EQ(rp_tag_size(*ct), before - rp_tag_size(*rp_tag_of(raw(c))));
    RP_CHECK_EQ((uintptr_t)raw(c) - RP_CHUNK_TAG, (uintptr_t)ct + rp_tag_size(*ct));
    RP_HEAP_OK();
    /* a second chunk below it, then the first freed: on its bin, the wilderness unchanged */
    uint8_t *d = rp_malloc(2000);
    RP_CHECK(d != 0 && (uintptr_t)d + 2000u < (uintptr_t)c);
    rp_free(c);
    RP_CHECK(carve_is_wild());
    RP_HEAP_OK();
    /* a request that chunk fits comes from its bin, not the wilderness */
    uint32_t wild_size = rp_tag_size(*ct);
    uint8_t *e = rp_malloc(1900);
    RP_CHECK(e != 0 && (uintptr_t)e > (uintptr_t)d && rp_tag_size(*ct) == wild_size);
    RP_HEAP_OK();
    /* d freed merges into the wilderness (its predecessor), growing it: off the bins
     * while its bin stays, on its bin's list once it changes; either way the heap is whole
     * and the next pool leaves it the wilderness */
    rp_free(d);
    RP_CHECK_EQ((uintptr_t)ct, rp_heap.carve);
    RP_HEAP_OK();
    rp_free(e);
    RP_HEAP_OK();
    void *q = rp_malloc(RP_CFG_SMALL_MAX / 2u - DBG);   /* another class: a new pool */
    RP_CHECK(q != 0 && rp_heap.carve == (uintptr_t)ct + RP_POOL_CHUNK && carve_is_wild());
    RP_HEAP_OK();

    /* the wilderness moved onto its bin by a merge: chunks cut from its end until its
     * size falls into the bin below, then the last one freed grows it back across */
    ct = (uint32_t *)rp_heap.carve;
    uint32_t step = (rp_tag_size(*ct) / 64u) & ~7u, fell = 0;
    step = step > RP_CHUNK_MAX_REQUEST / 2u ? RP_CHUNK_MAX_REQUEST / 2u : step;
    RP_CHECK(step > RP_CFG_SMALL_MAX);
    void *head = 0, *x;
    for (unsigned i = 0; i < 64u && !fell; i++) {
        uint32_t bin = rp_chunk_bin(rp_tag_size(*ct));
        RP_CHECK((x = rp_malloc(step)) != 0);
        if ((fell = rp_chunk_bin(rp_tag_size(*ct)) != bin) != 0)
            break;
        *(void **)x = head;
        head = x;
    }
    RP_CHECK(fell && carve_is_wild());
    rp_free(x);
    RP_CHECK(!carve_is_wild() && !(*ct & RP_CHUNK_USED));
    RP_HEAP_OK();
    void *r = rp_malloc(RP_CFG_SMALL_MAX - DBG);   /* a third class: cut off its bin, the wilderness again */
    RP_CHECK(r != 0 && carve_is_wild());
    RP_HEAP_OK();
    while ((x = head) != 0) {
        head = *(void **)x;
        rp_free(x);
    }
    RP_HEAP_OK();

    /* the spares back: the pool before the wilderness merges with it, on a bin */
    rp_free(p);
    rp_free(q);
    rp_free(r);
    RP_CHECK(rp_heap_trim() > 0);
    RP_CHECK(!carve_is_wild());
    RP_HEAP_OK();
    /* carve_anew finds a window anew; the rest behind it is on its bin until a pool is
     * cut from it */
    RP_CHECK((p = rp_malloc(8)) != 0 && rp_heap.carve != 0 && !carve_is_wild());
    RP_HEAP_OK();
    RP_CHECK((q = rp_malloc(RP_CFG_SMALL_MAX - DBG)) != 0 && carve_is_wild());
    rp_free(p);
    rp_free(q);
    RP_HEAP_OK();
}

/* The wilderness used up. Chunk mallocs with every bin empty are cut from its end; one
 * whose rest would be too small to split takes it whole, and is then the used chunk at the
 * carve point, so that a new pool finds no window; freed, it is on its bin, and the next
 * pool cuts it and makes the wilderness again. Then pools until the heap holds no window:
 * a wilderness too small for one goes onto its bin before carve_anew looks elsewhere.
 * Checked after every call. */
static void test_the_wilderness_used_up(void)
{
    rp_test_fresh_heap();
    void *head = 0, *b;
    void *p = rp_malloc(8);
    RP_CHECK(p != 0 && carve_is_wild());
    uint32_t *ct = (uint32_t *)rp_heap.carve;
    uint32_t unit = (rp_tag_size(*ct) / 16u) & ~7u;
    unit = unit > 4000u ? 4000u : unit;
    RP_CHECK(unit > RP_CFG_SMALL_MAX && 3u * unit >= 2u * RP_POOL_CHUNK + 16u);
    unsigned eaten = 0;
    for (; rp_tag_size(*ct) > 8u * unit; eaten++) {
        uint32_t end = (uint32_t)((uintptr_t)ct + rp_tag_size(*ct));
        RP_CHECK((b = rp_malloc(unit - DBG)) != 0);
        RP_CHECK_EQ((uint32_t)((uintptr_t)raw(b) - RP_CHUNK_TAG) + rp_tag_size(*rp_tag_of(raw(b))), end);
        *(void **)b = head;
        head = b;
        if (!carve_is_wild() || !RP_HEAP_OK())
            break;
    }
    RP_CHECK(carve_is_wild());
    /* 16 bytes too few to split: the whole wilderness */
    uint32_t size = rp_tag_size(*ct);
    uint8_t *whole = rp_malloc(size - RP_CHUNK_TAG - 16u - DBG);
    RP_CHECK(whole != 0 && (uintptr_t)raw(whole) == (uintptr_t)ct + RP_CHUNK_TAG);
    RP_CHECK(rp_tag_size(*ct) == size && (*ct & RP_CHUNK_USED) && rp_heap.carve == (uintptr_t)ct);
    RP_HEAP_OK();
    RP_CHECK(rp_malloc(RP_CFG_SMALL_MAX - DBG) == 0);   /* a new class: no window is left */
    RP_HEAP_OK();
    rp_free(whole);
    RP_CHECK(!carve_is_wild() && !(*ct & RP_CHUNK_USED));
    RP_HEAP_OK();
    void *q = rp_malloc(RP_CFG_SMALL_MAX - DBG);
    RP_CHECK(q != 0 && carve_is_wild() && rp_heap.carve == (uintptr_t)ct + RP_POOL_CHUNK);
    RP_HEAP_OK();
    /* three adjacent chunks freed away from the wilderness (the first of the list borders
     * it): one free chunk that holds a window, for carve_anew once the wilderness is used */
    RP_CHECK(eaten >= 5u);
    void **x1 = *(void ***)head, **x2 = *x1, **x3 = *x2;
    *(void **)head = *x3;
    rp_free(x1);
    rp_free(x2);
    rp_free(x3);
    RP_HEAP_OK();
    uintptr_t wild_at = rp_heap.carve;
    /* pools of one class until none is left */
    unsigned pools = 0;
    for (uintptr_t carve = rp_heap.carve; (b = rp_malloc(RP_CFG_SMALL_MAX / 2u)) != 0; carve = rp_heap.carve) {
        *(void **)b = head;
        head = b;
        pools += carve != rp_heap.carve;
        if (!RP_HEAP_OK())
            break;
    }
    RP_CHECK(pools >= 2u && rp_heap.carve != wild_at && !carve_is_wild());
    rp_free(p);
    rp_free(q);
    while ((b = head) != 0) {
        head = *(void **)b;
        rp_free(b);
        if (!RP_HEAP_OK())
            break;
    }
    RP_CHECK_EQ(stats().blocks_in_use, 0);
}

/* The pool before the wilderness given back (rp_heap_trim): the wilderness goes onto its
 * bin first (wild_to_bin in rp_chunk_free_pool), then the pool's chunk merges with it,
 * taking its place on that list when the merged size keeps its bin (a relink: had the
 * wilderness stayed off the bins, its node would be threaded into a list) and moving to
 * another bin when it does not. Both cases, on every board: a chunk cut from the
 * wilderness's end leaves it at a size that one more pool keeps in its bin, or moves. */
static void test_the_spare_before_the_wilderness(void)
{
    for (unsigned same = 0; same < 2u; same++) {
        rp_test_fresh_heap();
        void *p = rp_malloc(8);
        RP_CHECK(p != 0 && carve_is_wild());
        uint32_t *ct = (uint32_t *)rp_heap.carve, *pool = (uint32_t *)((uintptr_t)ct - RP_POOL_CHUNK);
        uint32_t w = rp_tag_size(*ct), least = (CHUNK(100) + RP_CHUNK_TAG + DBG + 7u) & ~7u, x = w - least;
        while (x > RP_POOL_CHUNK && (rp_chunk_bin(x) == rp_chunk_bin(x + RP_POOL_CHUNK)) != same)
            x -= 8u;
        RP_CHECK(x > RP_POOL_CHUNK && w - x <= RP_CHUNK_MAX_REQUEST);
        void *c = rp_malloc(w - x - RP_CHUNK_TAG - DBG);   /* the wilderness's end: x bytes left */
        RP_CHECK(c != 0 && carve_is_wild() && rp_tag_size(*ct) == x);
        RP_HEAP_OK();
        rp_free(p);   /* its pool a spare, given back */
        RP_CHECK(rp_heap_trim() == RP_POOL_CHUNK && rp_heap.carve == 0);
        RP_HEAP_OK();
        uint32_t merged = x + RP_POOL_CHUNK;
        const rp_links_t *ml = (const rp_links_t *)((uintptr_t)pool + RP_CHUNK_TAG);
        RP_CHECK(!(*pool & RP_CHUNK_USED) && rp_tag_size(*pool) == merged);
        RP_CHECK(ml->prev == &rp_heap.bins[rp_chunk_bin(merged)]);   /* its bin's head */
        RP_CHECK((p = rp_malloc(8)) != 0);
        RP_HEAP_OK();
        rp_free(p);
        rp_free(c);
        RP_HEAP_OK();
    }
}

static void test_full_pool(void)
{
    rp_test_fresh_heap();
    unsigned c8 = RP_CFG_DEBUG ? 2 : 0;
    uint32_t cap = rp_pool_capacity(c8);
    void *head = 0, *b;
    for (uint32_t i = 0; i < cap && RP_CHECK((b = rp_malloc(8)) != 0); i++) {
        *(void **)b = head;   /* a chain through the blocks: no array on a small board */
        head = b;
    }
    rp_heap_stats_t s = stats();
    RP_CHECK_EQ(s.classes[c8].pools, 1);
    RP_CHECK_EQ(s.classes[c8].blocks_used, cap);
    RP_CHECK_EQ(s.classes[c8].blocks_free, 0);
    RP_CHECK_EQ(s.blocks_in_use, cap);
    RP_HEAP_OK();
    void *next = rp_malloc(8);
    RP_CHECK(next != 0 && rp_pool_of(next) != rp_pool_of(head));
    RP_CHECK_EQ(stats().classes[c8].pools, 2);
    rp_free(next);
    while (head) {
        b = head;
        head = *(void **)b;
        rp_free(b);
    }
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    RP_CHECK_EQ(stats().classes[c8].pools, 0);
    RP_CHECK_EQ(stats().spare_pools, 2);
    RP_HEAP_OK();
}

/* A pool that empties leaves its class list at once, from wherever it is on the list
 * (the lists are doubly linked), and its space serves another class with no new chunk. */
static void test_emptied_pool_leaves_its_list(void)
{
    rp_test_fresh_heap();
    unsigned c8 = RP_CFG_DEBUG ? 2 : 0;
    static void *p[3 * RP_CFG_POOL_SIZE / 8];
    unsigned n = 0;
    while (n < sizeof p / sizeof p[0] && stats().classes[c8].pools < 4)
        p[n++] = rp_malloc(8);
    rp_free(p[--n]);   /* the fourth pool's only block: it empties at once */
    RP_CHECK_EQ(stats().classes[c8].pools, 3);
    RP_CHECK_EQ(stats().spare_pools, 1);
    uintptr_t mask = ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u);
    uintptr_t first = (uintptr_t)p[0] & mask, last = (uintptr_t)p[n - 1] & mask, middle = 0;
    for (unsigned i = 0; i < n && !middle; i++)
        if (((uintptr_t)p[i] & mask) != first && ((uintptr_t)p[i] & mask) != last)
            middle = (uintptr_t)p[i] & mask;
    RP_CHECK(middle != 0);
    /* One block back to each pool: all three on the list, the middle one in the middle. */
    void *held[3] = {0, 0, 0};
    for (unsigned i = 0; i < n; i++) {
        uintptr_t w = (uintptr_t)p[i] & mask;
        unsigned k = w == first ? 0u : w == middle ? 1u : w == last ? 2u : 3u;
        if (k < 3u && !held[k]) {
            held[k] = p[i];
            p[i] = 0;
        }
    }
    rp_free(held[0]);
    rp_free(held[1]);
    rp_free(held[2]);
    RP_CHECK_EQ(stats().classes[c8].blocks_free, 3);
    RP_HEAP_OK();
#if !RP_CFG_DEBUG
    /* The checker knows the back links: break the middle pool's. */
    rp_pool_t *mid = (rp_pool_t *)(middle + RP_POOL_HDR_OFF), *saved = mid->prev;
    mid->prev = mid;
    RP_CHECK_STR(rp_heap_check().rule, "class list back link broken");
    mid->prev = saved;
    RP_HEAP_OK();
#endif
    for (unsigned i = 0; i < n; i++)
        if (p[i] && ((uintptr_t)p[i] & mask) == middle) {
            rp_free(p[i]);
            p[i] = 0;
        }
    RP_CHECK_EQ(stats().classes[c8].pools, 2);
    RP_CHECK_EQ(stats().spare_pools, 2);
    RP_HEAP_OK();
    /* Another class takes the spares: no chunk is carved. */
    uint32_t free_bytes = stats().free_bytes;
    void *x = rp_malloc(RP_CFG_SMALL_MAX - RP_CFG_DEBUG * 16u), *y = rp_malloc(24);
    RP_CHECK(x && y);
    RP_CHECK_EQ(stats().free_bytes, free_bytes);
    RP_CHECK_EQ(stats().spare_pools, 0);
    RP_HEAP_OK();
    rp_free(x);
    rp_free(y);
    for (unsigned i = 0; i < n; i++)
        rp_free(p[i]);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    RP_CHECK_EQ(stats().classes[c8].pools, 0);
    RP_HEAP_OK();
}

/* The block-start test by multiplication (rp_is_block_start) against the remainder, for
 * every class and every distance a pool can hold, and the bin formula's range. */
static void test_block_start_and_bins(void)
{
    rp_test_fresh_heap();
    unsigned wrong = 0;
    for (unsigned c = 0; c < RP_NCLASSES; c++)
        for (uint32_t d = 0; d <= RP_CFG_POOL_SIZE; d++)
            wrong += rp_is_block_start(d, c) != (d % rp_class_size(c) == 0);
    RP_CHECK_EQ(wrong, 0);
    RP_CHECK_EQ(rp_chunk_bin(RP_CHUNK_MIN), 0);
    RP_CHECK_EQ(rp_chunk_bin((1u << RP_CFG_CHUNK_MAX_LOG2) - 8u), RP_NBINS - 1u);
    uint32_t last = 0;
    for (uint32_t size = RP_CHUNK_MIN; size < (1u << RP_CFG_CHUNK_MAX_LOG2); size += 8u + size / 64u * 8u) {
        uint32_t b = rp_chunk_bin(size);
        wrong += b < last || b >= RP_NBINS;
        last = b;
    }
    RP_CHECK_EQ(wrong, 0);
}

static void test_chunks_coalesce(void)
{
    rp_test_fresh_heap();
    rp_heap_stats_t before = stats();
    void *a = rp_malloc(300), *b = rp_malloc(300), *c = rp_malloc(300), *d = rp_malloc(300);
    RP_CHECK(a && b && c && d);
    rp_free(b);
    RP_CHECK_EQ(stats().free_chunks, 2);
    rp_free(c);   /* merges with b */
    RP_CHECK_EQ(stats().free_chunks, 2);
    RP_HEAP_OK();
    rp_free(a);   /* merges with b+c */
    RP_CHECK_EQ(stats().free_chunks, 2);
    rp_free(d);   /* merges everything */
    RP_CHECK_EQ(stats().free_chunks, 1);
    RP_CHECK_EQ(stats().free_bytes, before.free_bytes);
    RP_HEAP_OK();
}

static void test_realloc(void)
{
    size_t heap;
    rp_test_memory(&heap);
    size_t big = heap / 4u < 100000u ? heap / 4u : 100000u;   /* 100000, or what a small heap allows */
    rp_test_fresh_heap();
    /* Before any pool exists, chunks are cut from the end of the one free chunk, so these
     * two are neighbours, q first, wherever the board's heap starts. */
    uint8_t *next = rp_malloc(CHUNK(1200)), *q = rp_malloc(CHUNK(200));
    RP_CHECK(q && next && q < next);
    for (unsigned i = 0; i < 200; i++)
        q[i] = (uint8_t)i;
    rp_free(next);
    /* A chunk grows in place into a free neighbour and shrinks in place. */
    RP_CHECK(rp_realloc(q, CHUNK(1000)) == q);
    RP_CHECK(rp_usable_size(q) >= CHUNK(1000));
    RP_CHECK(rp_realloc(q, CHUNK(100)) == q);
    RP_CHECK_EQ(q[99], 99);
    uint8_t *wall = rp_malloc(CHUNK(500));   /* q's free neighbour holds less than `big`: growing must move */
    RP_CHECK(wall != 0);
    uint8_t *r = rp_realloc(q, big);
    RP_CHECK(r != 0 && r != q);
    RP_CHECK_EQ(r[7], 7);
    RP_CHECK_EQ(r[99], 99);
    /* Pool blocks: the same class stays in place; another class moves, keeping contents. */
    uint8_t *p = rp_realloc(0, 20);
    RP_CHECK(p != 0);
    for (unsigned i = 0; i < 20; i++)
        p[i] = (uint8_t)i;
#if !RP_CFG_DEBUG
    RP_CHECK(rp_realloc(p, 24) == p);
#endif
    uint8_t *m = rp_realloc(p, 200);
    RP_CHECK(m != 0 && m != p);
    for (unsigned i = 0; i < 20; i++)
        RP_CHECK_EQ(m[i], i);
    /* A failing realloc returns NULL and leaves the block valid. */
    uint32_t failed = stats().failed_allocs;
    RP_CHECK(rp_realloc(r, (size_t)1 << 30) == 0);
    RP_CHECK_EQ(stats().failed_allocs, failed + 1);
    RP_CHECK_EQ(r[7], 7);
    RP_HEAP_OK();
    rp_free(r);
    rp_free(m);
    rp_free(wall);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    RP_HEAP_OK();
}

static void test_calloc(void)
{
    rp_test_fresh_heap();
    uint8_t *p = rp_malloc(100);
    for (unsigned i = 0; i < 100; i++)
        p[i] = 0xAB;
    rp_free(p);
    uint8_t *z = rp_calloc(10, 10);
    RP_CHECK(z != 0);
    unsigned nonzero = 0;
    for (unsigned i = 0; i < 100; i++)
        nonzero += z[i] != 0;
    RP_CHECK_EQ(nonzero, 0);
    uint32_t failed = stats().failed_allocs;
    RP_CHECK(rp_calloc((size_t)-1 / 2, 3) == 0);
    RP_CHECK_EQ(stats().failed_allocs, failed + 1);
    rp_free(z);
    RP_HEAP_OK();
}

/* Fills the heap with n-byte blocks until one fails, each holding a link to the one
 * before (no array needed: this runs on a 16 KB part too); frees them all. Returns how
 * many fitted. */
static unsigned fill_and_free(unsigned n)
{
    void *head = 0, *b;
    unsigned count = 0;
    while ((b = rp_malloc(n)) != 0) {
        *(void **)b = head;
        head = b;
        count++;
    }
    RP_HEAP_OK();
    while (head) {
        b = head;
        head = *(void **)b;
        rp_free(b);
    }
    RP_HEAP_OK();
    return count;
}

/* Pools emptied by one class serve another once the chunk heap runs out: as many blocks
 * of the last class fit after a fill of 8-byte ones as in a fresh heap. */
static void test_empty_pools_serve_other_classes(void)
{
    size_t n;
    uint8_t *m = rp_test_memory(&n);
    rp_region_t r = {m, 4u * RP_CFG_POOL_SIZE + 512u};
    unsigned largest = RP_CFG_SMALL_MAX - (RP_CFG_DEBUG ? 16u : 0u);   /* the last class */
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    unsigned fresh = fill_and_free(largest);
    RP_CHECK(fresh > 0);
    rp_heap_trim();
    RP_CHECK(fill_and_free(8) > fresh);
    RP_CHECK(stats().spare_pools > 0);
    RP_CHECK_EQ(fill_and_free(largest), fresh);
    RP_CHECK_EQ(stats().classes[RP_CFG_DEBUG ? 2 : 0].pools, 0);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
}

/* A small request that finds no pool with room, no spare and no free chunk that holds a
 * pool window (a heap cut into pieces smaller than a pool) is served by the chunk heap,
 * and is then a chunk in every respect: free, realloc and rp_usable_size know it, the
 * checker passes, nothing is counted as failed. */
static void test_small_request_without_a_pool_is_a_chunk(void)
{
    size_t n;
    uint8_t *m = rp_test_memory(&n);
    rp_region_t r = {m, 4u * RP_CFG_POOL_SIZE + 512u};
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    void *p[256];
    unsigned k = 0;
    while (k < 256 && (p[k] = rp_malloc(CHUNK(100))) != 0)
        k++;
    RP_CHECK(k > 8 && k < 256);
    for (unsigned i = 0; i < k; i += 2) {   /* holes of one chunk each, between used ones */
        rp_free(p[i]);
        p[i] = 0;
    }
    RP_HEAP_OK();
    rp_heap_stats_t before = stats();
    RP_CHECK(before.largest_free < RP_CFG_POOL_SIZE);
    uint8_t *s = rp_malloc(20);
    RP_CHECK(s != 0);
    if (!s)
        return;
    RP_CHECK_EQ(stats().failed_allocs, before.failed_allocs);
    RP_CHECK_EQ(stats().large_blocks, before.large_blocks + 1);
    for (unsigned c = 0; c < RP_NCLASSES; c++)
        RP_CHECK_EQ(stats().classes[c].pools, 0);
    RP_CHECK(rp_usable_size(s) >= 20);
    for (unsigned i = 0; i < 20; i++)
        s[i] = (uint8_t)(i + 1);
    RP_HEAP_OK();
    uint8_t *t = rp_realloc(s, 30);
    RP_CHECK(t != 0);
    if (t)
        s = t;
    unsigned same = 0;
    for (unsigned i = 0; i < 20; i++)
        same += s[i] == (uint8_t)(i + 1);
    RP_CHECK_EQ(same, 20);
    RP_HEAP_OK();
    rp_free(s);
    RP_HEAP_OK();
    RP_CHECK_EQ(stats().blocks_in_use, before.blocks_in_use);
    RP_CHECK_EQ(stats().free_bytes, before.free_bytes);
    for (unsigned i = 1; i < k; i += 2)
        rp_free(p[i]);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    RP_HEAP_OK();
}

static void test_out_of_memory(void)
{
    size_t n;
    uint8_t *m = rp_test_memory(&n);
    /* 16 KiB, or half of a smaller heap, for which "more than 40 fit" scales down. */
    rp_region_t r = {m, n / 2u < 16384u ? (n / 2u) & ~(size_t)7 : 16384u};
    RP_CHECK_EQ(rp_heap_init(&r, 1), RP_E_OK);
    void *p[1024];
    unsigned k = 0;
    while (k < 1024 && (p[k] = rp_malloc(k % 3 ? 40 : 200)) != 0)
        k++;
    RP_CHECK(k > 40u * r.size / 16384u && k < 1024);
    RP_CHECK_EQ(stats().failed_allocs, 1);
    RP_HEAP_OK();
    RP_CHECK(rp_malloc(100000) == 0);
    RP_CHECK_EQ(stats().failed_allocs, 2);
    while (k)
        rp_free(p[--k]);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    rp_heap_trim();
    RP_CHECK_EQ(stats().free_chunks, 1);
    RP_HEAP_OK();
}

/* Each broken rule: reported with its address, refused, heap unchanged. */
static void expect_report(void *p, const char *rule)
{
    uint32_t reports = stats().reports, blocks = stats().blocks_in_use;
    rp_free(p);
    RP_CHECK_EQ(stats().reports, reports + 1);
    RP_CHECK_STR(rp_heap_last_report().rule, rule);
    RP_CHECK(rp_heap_last_report().addr != 0);
    RP_CHECK_EQ(stats().blocks_in_use, blocks);
    RP_HEAP_OK();
}

static void test_bad_frees_are_reported(void)
{
    rp_test_fresh_heap();
    int local = 0;
    uint8_t *small = rp_malloc(16), *big = rp_malloc(400);
    uint8_t *small2 = rp_malloc(16);
    expect_report(&local, "foreign pointer");
    expect_report(small + 3, "misaligned");
    /* A chunk's too, on every core: ARMv6-M faults on an unaligned load, so the tag in
     * front of a misaligned pointer must not be read before the alignment is tested. */
    for (unsigned k = 1; k < 8u; k++)
        expect_report(big + k, "misaligned");
    RP_CHECK_EQ(rp_usable_size(big + 5), 0);
    RP_CHECK(rp_realloc(big + 6, 32) == 0);
    expect_report(big + 64, "interior pointer");
    rp_free(small);
    expect_report(small, "double free");
    rp_free(big);
    expect_report(big, "double free");
    /* Chunks merged into a free neighbour on each side, then freed again. */
    uint8_t *x = rp_malloc(300), *y = rp_malloc(300), *z = rp_malloc(300);
    RP_CHECK(x && y && z);
    rp_free(x);
    rp_free(y);
    rp_free(z);
    expect_report(z, "double free");
    expect_report(y, "double free");
    expect_report(x, "double free");
    /* The other block of the pool is untouched and can still be freed. */
    rp_free(small2);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    RP_HEAP_OK();
}

static void test_interior_pool_pointer(void)
{
    rp_test_fresh_heap();
    uint8_t *a = rp_malloc(24), *b = rp_malloc(24);
    expect_report(a + 8, "interior pointer");
#if RP_CFG_DEBUG
    /* An underrun that hits the debug header is caught on free, and the free refused. */
    uint32_t *h = (uint32_t *)(a - 8), saved = h[1];
    h[1] = 0;
    RP_CHECK_STR(rp_heap_check().rule, "debug header");
    uint32_t reports = stats().reports;
    rp_free(a);
    RP_CHECK_EQ(stats().reports, reports + 1);
    RP_CHECK_STR(rp_heap_last_report().rule, "debug header");
    RP_CHECK_EQ(stats().blocks_in_use, 2);
    h[1] = saved;
    RP_HEAP_OK();
#endif
    rp_free(a);
    rp_free(b);
    RP_HEAP_OK();
}

/* A block of a live pool that was never handed out (below the free list's never-used
 * end) carries no free mark: freeing it must still be refused, not counted as a free. */
static void test_never_used_pool_block(void)
{
    rp_test_fresh_heap();
    uint8_t *a = rp_malloc(24), *b = rp_malloc(24);
    size_t step = (size_t)(a - b);   /* blocks go upwards to the header: step wraps */
    uint32_t capacity = RP_POOL_HDR_OFF / (uint32_t)(b - a);
    RP_CHECK(capacity >= RP_POOL_UNVEIL + 3u);
    /* The RP_POOL_UNVEIL blocks after b are listed already (free, marked) by b's
     * allocation; the one after them never was, nor was the pool's top block. */
    uint8_t *never = b - (RP_POOL_UNVEIL + 1u) * step, *far = a - (capacity - 1u) * step;
    /* Whatever the memory held, but not a free mark left by an earlier test's heap. */
    ((uint32_t *)(never - 8 * RP_CFG_DEBUG))[1] = 0;
    ((uint32_t *)(far - 8 * RP_CFG_DEBUG))[1] = 0;
    expect_report(never, "pool block never handed out");
    expect_report(far, "pool block never handed out");
    expect_report(never - step, "pool block never handed out");
    /* Also once the pool's free list holds a freed block before its never-used end. */
    rp_free(a);
    expect_report(never, "pool block never handed out");
    RP_CHECK(rp_malloc(24) == a);
    uint8_t *got[RP_POOL_UNVEIL + 1u];
    for (unsigned i = 0; i <= RP_POOL_UNVEIL; i++) {
        got[i] = rp_malloc(24);
        RP_CHECK(got[i] == b - (i + 1u) * step);
    }
    RP_CHECK(got[RP_POOL_UNVEIL] == never);   /* unveiled in turn: now a live block like any other */
    rp_free(never);
    expect_report(never, "double free");
    for (unsigned i = 0; i < RP_POOL_UNVEIL; i++)
        rp_free(got[i]);
    rp_free(a);
    rp_free(b);
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    RP_CHECK_EQ(stats().reports, 5);
    RP_HEAP_OK();
}

static void test_checker_finds_corruption(void)
{
    rp_test_fresh_heap();
    uint8_t *a = rp_malloc(300), *c = rp_malloc(300), *b = rp_malloc(300), *s = rp_malloc(16), *s2 = rp_malloc(16);
    rp_free(s);
    rp_free(c);   /* between used chunks: on its bin */
    RP_HEAP_OK();
    /* C7: only the chunk at the carve point may be off the bins, and the wilderness's
     * node is on no list and keeps its bit clear */
    rp_links_t *wn = &rp_heap.bins[RP_WILD], *cl = (rp_links_t *)raw(c), saved_links = *cl;
    RP_CHECK(cl->next != wn);
    cl->next->prev = cl->prev;   /* c taken off its list and named the wilderness */
    cl->prev->next = cl->next;
    cl->next = cl->prev = wn;
    RP_CHECK_STR(rp_heap_check().rule, "not the wilderness at the carve point");
    *cl = saved_links;
    cl->next->prev = cl;
    cl->prev->next = cl;
    RP_HEAP_OK();
    wn->next = cl;
    RP_CHECK_STR(rp_heap_check().rule, "wilderness's node");
    wn->next = wn;
    rp_heap.bitmap[RP_WILD >> 5] |= 1u << (RP_WILD & 31u);
    RP_CHECK_STR(rp_heap_check().rule, "wilderness's node");
    rp_heap.bitmap[RP_WILD >> 5] &= ~(1u << (RP_WILD & 31u));
    RP_HEAP_OK();
    uint32_t *tag = (uint32_t *)(b - 4), saved = *tag;
    *tag = saved + 8;
    RP_CHECK(rp_heap_check().rule != 0);
    *tag = saved;
    RP_HEAP_OK();
    /* Writing to a freed pool block breaks its free mark (debug: 8 bytes before s). */
    uint32_t *w = (uint32_t *)(s - 8 * RP_CFG_DEBUG), saved1 = w[1];
    w[1] ^= 1;
    RP_CHECK_STR(rp_heap_check().rule, "free mark");
    w[1] = saved1;
    RP_HEAP_OK();
    /* C6: the peak footprint is kept as the lowest free byte count seen, never above
     * the count now. */
    uint32_t low = rp_heap.low_free;
    rp_heap.low_free = rp_heap.free_bytes + 8u;
    RP_CHECK_STR(rp_heap_check().rule, "peak footprint");
    rp_heap.low_free = low;
    RP_HEAP_OK();
#if RP_PORT_BITBAND
    /* The bitmap is written through its bit-band alias: a wrong one is found. */
    uintptr_t band = rp_heap.bitband;
    rp_heap.bitband = band + 4u;
    RP_CHECK_STR(rp_heap_check().rule, "bit-band");
    rp_heap.bitband = band;
    RP_HEAP_OK();
    /* Bins whose slot is known and whose bin is not clear their bit through slot_band. */
    uintptr_t slot_band = rp_heap.slot_band;
    rp_heap.slot_band = slot_band + 4u;
    RP_CHECK_STR(rp_heap_check().rule, "slots' bit-band");
    rp_heap.slot_band = slot_band;
    RP_HEAP_OK();
#endif
    /* C4: every list is circular through its bin's slot, whose prev names the list's last
     * chunk (free's merges take a chunk off its list with no test for either end). */
    unsigned nonempty = 0;
    for (unsigned i = 0; i < RP_NBINS; i++) {
        rp_links_t *slot = &rp_heap.bins[i], *last = slot->prev;
        if (slot->next == slot) {
            RP_CHECK(last == slot);
            continue;
        }
        nonempty++;
        slot->prev = last->prev;   /* the one before the last: the slot itself for a single chunk */
        RP_CHECK_STR(rp_heap_check().rule, "slot does not name its last chunk");
        slot->prev = last;
        RP_HEAP_OK();
    }
    RP_CHECK(nonempty > 0);
    rp_free(a);
    rp_free(b);
    rp_free(s2);
    RP_HEAP_OK();
}

static void test_stats(void)
{
    rp_test_fresh_heap();
    rp_heap_stats_t s0 = stats();
    RP_CHECK(s0.arena_bytes > 0);
    RP_CHECK(s0.largest_free > s0.arena_bytes - s0.metadata_bytes - 64);
    /* The arena's metadata, its page tables, is at most 1 % with 1 KiB pools (0.78 % and
     * alignment); the allocator's fixed state is reported apart. */
    if (RP_CFG_POOL_SIZE >= 1024u && s0.arena_bytes >= 16384u)
        RP_CHECK(s0.metadata_bytes * 100u <= s0.arena_bytes);
    RP_CHECK(s0.state_bytes > 0 && s0.state_bytes < 4096u);
    void *a = rp_malloc(10), *b = rp_malloc(1000);
    rp_heap_stats_t s1 = stats();
    RP_CHECK_EQ(s1.blocks_in_use, 2);
    RP_CHECK_EQ(s1.large_blocks, 1);
    RP_CHECK_EQ(s1.bytes_in_use, rp_usable_size(a) + rp_usable_size(b));
    rp_free(b);
    rp_heap_stats_t s2 = stats();
    RP_CHECK(s2.peak_footprint >= s1.footprint && s1.footprint >= s1.large_bytes + s1.pool_bytes);
    RP_CHECK(s2.footprint < s1.footprint);
    RP_CHECK_EQ(s2.large_blocks, 0);
    rp_free(a);
    RP_CHECK_EQ(stats().bytes_in_use, 0);
}

#if RP_CFG_DEBUG
static void test_debug_patterns(void)
{
    rp_test_fresh_heap();
    uint8_t *p = rp_malloc(40);
    unsigned cd = 0;
    for (unsigned i = 0; i < 40; i++)
        cd += p[i] == 0xCD;
    RP_CHECK_EQ(cd, 40);
    RP_CHECK_EQ(rp_usable_size(p), 40);
    rp_free(p);
    /* Past the free-list words, freed bytes read 0xDD. */
    RP_CHECK_EQ(p[20], 0xDD);
    uint8_t *q = rp_malloc(100);
    q[100] = 0;   /* one byte past the end */
    RP_CHECK_STR(rp_heap_check().rule, "guard bytes");
    uint32_t reports = stats().reports;
    rp_free(q);   /* reported, and freed anyway: the heap's own data is intact */
    RP_CHECK_EQ(stats().reports, reports + 1);
    RP_CHECK_STR(rp_heap_last_report().rule, "guard bytes overwritten");
    RP_CHECK_EQ(stats().blocks_in_use, 0);
    RP_HEAP_OK();
}
#endif

int main(void)
{
    rp_test_begin("heap");
    RP_RUN(test_init_refuses_bad_regions);
    RP_RUN(test_two_regions);
    RP_RUN(test_zero_and_null);
    RP_RUN(test_alignment_and_usable_size);
    RP_RUN(test_pool_bump_then_lifo);
    RP_RUN(test_empty_pool_returns_to_chunk_heap);
    RP_RUN(test_empty_pools_serve_other_classes);
    RP_RUN(test_pools_from_the_carve_point);
    RP_RUN(test_the_wilderness);
    RP_RUN(test_the_wilderness_used_up);
    RP_RUN(test_the_spare_before_the_wilderness);
    RP_RUN(test_full_pool);
    RP_RUN(test_emptied_pool_leaves_its_list);
    RP_RUN(test_block_start_and_bins);
    RP_RUN(test_chunks_coalesce);
    RP_RUN(test_realloc);
    RP_RUN(test_calloc);
    RP_RUN(test_small_request_without_a_pool_is_a_chunk);
    RP_RUN(test_out_of_memory);
    RP_RUN(test_bad_frees_are_reported);
    RP_RUN(test_interior_pool_pointer);
    RP_RUN(test_never_used_pool_block);
    RP_RUN(test_checker_finds_corruption);
    RP_RUN(test_stats);
#if RP_CFG_DEBUG
    RP_RUN(test_debug_patterns);
#endif
    return rp_test_end();
}
