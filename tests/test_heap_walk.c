/* test_heap_walk.c — rp_heap_walk (rp_heap.h): its totals against rp_heap_stats, the
 * blocks a test allocated found where they are, object types named, and the walk's early
 * stop. */
#include "heap_internal.h"   /* the free mark, to forge it in a live block */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_test.h"

static int streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* What a walk saw, summed as rp_heap_stats sums it. */
typedef struct totals {
    rp_class_stats_t classes[RP_NCLASSES];
    uint32_t pool_bytes, spare_pools, large_bytes, large_blocks, free_bytes, free_chunks, largest_free;
    uint32_t span, items, blocks_in_use, pool_blocks_used, bad_order;
    uintptr_t last_end;
    uint32_t pool_used_sum;   /* the pools' own `used`, against their blocks seen used */
} totals_t;

static int add_item(const rp_walk_item_t *it, void *arg)
{
    totals_t *t = arg;
    t->items++;
    if (it->kind == RP_WALK_BLOCK) {
        if (it->state == RP_WALK_USED) {
            t->pool_blocks_used++;
            t->blocks_in_use++;
        }
        return 0;
    }
    if (t->last_end && it->addr != t->last_end && it->region == 0)   /* chunks tile the region */
        t->bad_order++;
    t->last_end = it->addr + it->size;
    t->span += it->size;
    if (it->kind == RP_WALK_POOL) {
        t->pool_bytes += it->size;
        if (it->state == RP_WALK_SPARE) {
            t->spare_pools++;
            return 0;
        }
        rp_class_stats_t *c = &t->classes[it->cls];
        c->pools++;
        c->blocks_used += it->used;
        c->blocks_free += it->capacity - it->used;
        t->pool_used_sum += it->used;
    } else if (it->state == RP_WALK_FREE) {
        t->free_bytes += it->size;
        t->free_chunks++;
        uint32_t usable = it->size - RP_CHUNK_TAG - (RP_CFG_DEBUG ? 16u : 0u);
        if (usable > t->largest_free)
            t->largest_free = usable;
    } else {
        t->large_bytes += it->size;
        t->large_blocks++;
        t->blocks_in_use++;
    }
    return 0;
}

static totals_t walk_totals(void)
{
    totals_t t;
    uint8_t *z = (uint8_t *)&t;
    for (unsigned i = 0; i < sizeof t; i++)
        z[i] = 0;
    RP_CHECK_EQ(rp_heap_walk(add_item, &t), 0);
    return t;
}

static uint32_t chunk_space(void)
{
    uint32_t n = 0;
    uintptr_t lo, end;
    for (unsigned i = 0; i < rp_heap_nregions(); i++) {
        rp_heap_region_info(i, &lo, &end);
        n += (uint32_t)(end - lo);
    }
    return n;
}

static void check_against_stats(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    totals_t t = walk_totals();
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        RP_CHECK_EQ(t.classes[c].pools, s.classes[c].pools);
        RP_CHECK_EQ(t.classes[c].blocks_used, s.classes[c].blocks_used);
        RP_CHECK_EQ(t.classes[c].blocks_free, s.classes[c].blocks_free);
    }
    RP_CHECK_EQ(t.pool_bytes, s.pool_bytes);
    RP_CHECK_EQ(t.spare_pools, s.spare_pools);
    RP_CHECK_EQ(t.large_bytes, s.large_bytes);
    RP_CHECK_EQ(t.large_blocks, s.large_blocks);
    RP_CHECK_EQ(t.free_bytes, s.free_bytes);
    RP_CHECK_EQ(t.free_chunks, s.free_chunks);
    RP_CHECK_EQ(t.largest_free, s.largest_free);
    RP_CHECK_EQ(t.blocks_in_use, s.blocks_in_use);
    RP_CHECK_EQ(t.pool_blocks_used, t.pool_used_sum);   /* blocks seen used == the pools' counts */
    RP_CHECK_EQ(t.span, chunk_space());                 /* every byte of chunk space, once */
    RP_CHECK_EQ(s.footprint, t.span - t.free_bytes);
    RP_CHECK_EQ(t.bad_order, 0);
}

static void test_walk_totals_match_stats(void)
{
    rp_test_fresh_heap();
    check_against_stats();   /* an empty heap: one free chunk */
    RP_CHECK_EQ(walk_totals().free_chunks, 1);
    void *p[48];
    uint32_t x = 12345;
    for (unsigned i = 0; i < 48; i++)
        p[i] = rp_malloc(i % 3 ? rp_rand_range(&x, 1, RP_CFG_SMALL_MAX) : rp_rand_range(&x, RP_CFG_SMALL_MAX + 1u, 300));
    check_against_stats();
    for (unsigned i = 0; i < 48; i += 2)   /* holes: free chunks between used ones, pools with room */
        rp_free(p[i]);
    check_against_stats();
    RP_CHECK(walk_totals().free_chunks > 1);
    for (unsigned i = 1; i < 48; i += 2)   /* every pool empties: spares until trimmed */
        rp_free(p[i]);
    check_against_stats();
    rp_heap_trim();
    check_against_stats();
    RP_CHECK_EQ(walk_totals().free_chunks, 1);
    RP_HEAP_OK();
}

/* The blocks a test holds, found by the walk as used, of the right kind and class. */
typedef struct mine {
    void *p[24];
    uint32_t n[24];
    unsigned count, found, wrong;
} mine_t;

static int find_mine(const rp_walk_item_t *it, void *arg)
{
    mine_t *m = arg;
    if (it->state != RP_WALK_USED || it->kind == RP_WALK_POOL)
        return 0;
    for (unsigned i = 0; i < m->count; i++) {
        if (it->user != m->p[i])
            continue;
        m->found++;
        uint32_t need = m->n[i] + (RP_CFG_DEBUG ? 16u : 0u);
        int small = need <= RP_CFG_SMALL_MAX;
        if ((small ? it->kind != RP_WALK_BLOCK || it->cls != (need - 1u) / 8u : it->kind != RP_WALK_CHUNK) ||
            it->usable < m->n[i] || it->usable != rp_usable_size(m->p[i]))
            m->wrong++;
    }
    return 0;
}

static void test_walk_finds_blocks_allocated(void)
{
    rp_test_fresh_heap();
    static mine_t m;
    m.count = 24;
    for (unsigned i = 0; i < m.count; i++) {
        m.n[i] = 1u + i * 13u;   /* 1 .. 300: every class, and chunks */
        m.p[i] = rp_malloc(m.n[i]);
    }
    m.found = m.wrong = 0;
    rp_heap_walk(find_mine, &m);
    RP_CHECK_EQ(m.found, m.count);
    RP_CHECK_EQ(m.wrong, 0);
    /* Freed, they are no longer found used. */
    for (unsigned i = 0; i < m.count; i++)
        rp_free(m.p[i]);
    m.found = m.wrong = 0;
    rp_heap_walk(find_mine, &m);
    RP_CHECK_EQ(m.found, 0);
    RP_HEAP_OK();
}

/* A live block that holds the free mark by chance is still used: the walk reads the
 * pool's free list, not the mark. */
static void test_walk_live_block_with_free_mark(void)
{
#if !RP_CFG_DEBUG
    rp_test_fresh_heap();
    static mine_t m;
    m.count = 2;
    m.n[0] = m.n[1] = 16;
    m.p[0] = rp_malloc(16);
    m.p[1] = rp_malloc(16);
    uint32_t *b = m.p[0];
    b[1] = RP_FREE_MARK ^ (uint32_t)(uintptr_t)b;
    m.found = m.wrong = 0;
    rp_heap_walk(find_mine, &m);
    RP_CHECK_EQ(m.found, 2);
    check_against_stats();
    b[1] = 0;
    rp_free(m.p[0]);
    rp_free(m.p[1]);
    RP_HEAP_OK();
#endif
}

typedef struct named {
    const void *obj[4];
    const char *want[4];
    const char *got[4];
    unsigned count, named_total;
} named_t;

static int find_named(const rp_walk_item_t *it, void *arg)
{
    named_t *n = arg;
    if (it->type)
        n->named_total++;
    for (unsigned i = 0; i < n->count; i++)
        if (it->user == n->obj[i])
            n->got[i] = it->type ? it->type : "(none)";
    return 0;
}

static void test_walk_names_object_types(void)
{
    rp_test_fresh_objects();
    rp_obj_t *l = rp_list_new();
    rp_obj_t *s = rp_str_from_cstr("a string long enough to be allocated");
    rp_obj_t *i = rp_instance_new();
    void *raw = rp_calloc(1, 24);   /* zeros: no object */
    static named_t n;
    n.count = 4;
    n.obj[0] = l, n.want[0] = rp_list_type.name;
    n.obj[1] = s, n.want[1] = rp_str_type.name;
    n.obj[2] = i, n.want[2] = rp_instance_type.name;
    n.obj[3] = raw, n.want[3] = "(none)";
    for (unsigned k = 0; k < n.count; k++)
        n.got[k] = 0;
    rp_heap_walk(find_named, &n);
    for (unsigned k = 0; k < n.count; k++)
        RP_CHECK(streq(n.got[k], n.want[k]));
    RP_CHECK(n.named_total >= 3);
    /* With no namer, nothing is named. */
    rp_heap_set_namer(0);
    n.named_total = 0;
    rp_heap_walk(find_named, &n);
    RP_CHECK_EQ(n.named_total, 0);
    rp_heap_set_namer(rp_obj_guess_type);
    rp_free(raw);
    RP_DECREF(l);
    RP_DECREF(s);
    RP_DECREF(i);
    RP_ALL_BACK();
}

static int stop_after(const rp_walk_item_t *it, void *arg)
{
    unsigned *left = arg;
    (void)it;
    return --*left == 0 ? 7 : 0;
}

static void test_walk_stops_when_told(void)
{
    rp_test_fresh_heap();
    void *p = rp_malloc(8), *q = rp_malloc(200);
    unsigned left = 3;
    RP_CHECK_EQ(rp_heap_walk(stop_after, &left), 7);
    RP_CHECK_EQ(left, 0);
    left = 1000000;
    RP_CHECK_EQ(rp_heap_walk(stop_after, &left), 0);
    RP_CHECK(left < 1000000);
    rp_free(p);
    rp_free(q);
    RP_HEAP_OK();
}

int main(void)
{
    rp_test_begin("heap_walk");
    RP_RUN(test_walk_totals_match_stats);
    RP_RUN(test_walk_finds_blocks_allocated);
    RP_RUN(test_walk_live_block_with_free_mark);
    RP_RUN(test_walk_names_object_types);
    RP_RUN(test_walk_stops_when_told);
    return rp_test_end();
}
