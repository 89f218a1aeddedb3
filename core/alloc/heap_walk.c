/*
 * heap_walk.c — rp_heap_walk (rp_heap.h): every chunk of every region in address order,
 * and inside each pool chunk the pool and its blocks, told to a visitor. The printers, the
 * dump and the tests see the heap through this one walk, so they cannot disagree on what
 * a free block is.
 *
 * Whether a pool block is free is read from the pool's free list (P2), not from the free
 * mark: a live block may hold the mark by chance (rp_pool_valid says so). The list is
 * turned into a bitmap of the pool's blocks first, so that each block is then told in
 * O(1) and the walk stays O(heap).
 */
#include "heap_internal.h"
#include "rp_mem.h"

/* heap.c's debug header: a live block's user pointer lies this far into it. */
#if RP_CFG_DEBUG
#define WALK_DBG_HEAD 8u
#define WALK_DBG_TAIL 8u
#else
#define WALK_DBG_HEAD 0u
#define WALK_DBG_TAIL 0u
#endif

static rp_heap_namer_t namer;

void rp_heap_set_namer(rp_heap_namer_t n)
{
    namer = n;
}

/* One bit per block of a pool, by index k - 1 of the block at distance k * size. */
#define WALK_MAP_WORDS ((RP_CFG_POOL_SIZE / 8u + 31u) / 32u)

typedef struct walk {
    rp_heap_visitor_t visit;
    void *arg;
    rp_walk_item_t it;
} walk_t;

static void item_reset(rp_walk_item_t *it, unsigned kind, unsigned region, uintptr_t addr, uint32_t size)
{
    rp_memset(it, 0, sizeof *it);
    it->kind = (uint8_t)kind;
    it->region = (uint8_t)region;
    it->cls = RP_WALK_NO_CLASS;
    it->addr = addr;
    it->size = size;
}

/* The object the live block at raw holds, if the object layer registered a namer. */
static void name_block(rp_walk_item_t *it, uintptr_t raw, uint32_t usable)
{
    it->user = (const void *)(raw + WALK_DBG_HEAD);
#if RP_CFG_DEBUG
    usable = ((const uint32_t *)raw)[0];   /* the requested size (heap.c's debug header) */
#else
    usable -= WALK_DBG_HEAD + WALK_DBG_TAIL;
#endif
    it->usable = usable;
    if (namer)
        it->type = namer(it->user, usable);
}

/* Marks pg's free blocks in map. Bounded by the capacity, so that a
 * corrupted list cannot loop (rp_heap_check names such faults; the walk only reports). */
static void free_map(const rp_pool_t *pg, unsigned cls, uint32_t map[WALK_MAP_WORDS])
{
    uint32_t size = rp_class_size(cls), cap = rp_pool_capacity(cls);
    rp_memset(map, 0, WALK_MAP_WORDS * sizeof map[0]);
    if (!pg->used) {   /* a spare: every block is free (P4) */
        for (uint32_t k = 0; k < cap; k++)
            map[k >> 5] |= 1u << (k & 31u);
        return;
    }
    for (uint32_t o = pg->free, steps = 0; o && steps <= cap; steps++) {
        if (o & 1u) {   /* never-used blocks from distance o - 1 up to size (P2) */
            for (uint32_t k = (o - 1u) / size; k >= 1u && k <= cap; k--)
                map[(k - 1u) >> 5] |= 1u << ((k - 1u) & 31u);
            return;
        }
        uint32_t k = o / size;
        if (o % size || k < 1u || k > cap)
            return;
        map[(k - 1u) >> 5] |= 1u << ((k - 1u) & 31u);
        o = rp_pool_block(pg, o)[0];
    }
}

/* The pool in the chunk at tag, then its blocks from the lowest address up. */
static int walk_pool(walk_t *w, unsigned region, const uint32_t *tag)
{
    uintptr_t window = (uintptr_t)tag + RP_CHUNK_TAG;
    const rp_pool_t *pg = (const rp_pool_t *)(window + RP_POOL_HDR_OFF);
    const rp_heap_region_t *r = &rp_heap.regions[region];
    unsigned cls = *rp_map_of(r, window);
    rp_walk_item_t *it = &w->it;
    item_reset(it, RP_WALK_POOL, region, (uintptr_t)tag, rp_tag_size(*tag));
    if (cls >= RP_NCLASSES) {   /* a pool chunk whose page names no class: show it as used */
        it->state = RP_WALK_USED;
        return w->visit(it, w->arg);
    }
    uint32_t map[WALK_MAP_WORDS], size = rp_class_size(cls), cap = rp_pool_capacity(cls);
    free_map(pg, cls, map);
    it->cls = (uint8_t)cls;
    it->capacity = cap;
    it->used = pg->used;
    it->state = pg->used ? RP_WALK_USED : RP_WALK_SPARE;
    int stop = w->visit(it, w->arg);
    for (uint32_t k = cap; k >= 1u && !stop; k--) {   /* distance k * size: bottom first */
        uintptr_t b = (uintptr_t)pg - k * size;
        int is_free = (map[(k - 1u) >> 5] >> ((k - 1u) & 31u)) & 1u;
        item_reset(it, RP_WALK_BLOCK, region, b, size);
        it->cls = (uint8_t)cls;
        it->state = is_free ? RP_WALK_FREE : RP_WALK_USED;
        if (!is_free)
            name_block(it, b, size);
        stop = w->visit(it, w->arg);
    }
    return stop;
}

int rp_heap_walk(rp_heap_visitor_t visit, void *arg)
{
    walk_t w;
    w.visit = visit;
    w.arg = arg;
    int stop = 0;
    rp_critical_t t = enter();
    for (unsigned i = 0; i < rp_heap.nregions && !stop; i++) {
        const rp_heap_region_t *r = &rp_heap.regions[i];
        for (const uint32_t *tag = (const uint32_t *)r->lo; (uintptr_t)tag < r->end && !stop;) {
            uint32_t size = rp_tag_size(*tag);
            if (size < RP_CHUNK_MIN || size > r->end - (uintptr_t)tag)   /* C1 broken: stop */
                break;
            if ((*tag & (RP_CHUNK_USED | RP_CHUNK_POOL)) == (RP_CHUNK_USED | RP_CHUNK_POOL)) {
                stop = walk_pool(&w, i, tag);
            } else {
                item_reset(&w.it, RP_WALK_CHUNK, i, (uintptr_t)tag, size);
                w.it.state = (*tag & RP_CHUNK_USED) ? RP_WALK_USED : RP_WALK_FREE;
                if (w.it.state == RP_WALK_USED)
                    name_block(&w.it, (uintptr_t)tag + RP_CHUNK_TAG, size - RP_CHUNK_TAG);
                stop = visit(&w.it, arg);
            }
            tag = (const uint32_t *)((uintptr_t)tag + size);
        }
    }
    leave(t);
    return stop;
}

void rp_heap_region_info(unsigned i, uintptr_t *lo, uintptr_t *end)
{
    *lo = *end = 0;
    if (i < rp_heap.nregions) {
        *lo = rp_heap.regions[i].lo;
        *end = rp_heap.regions[i].end;
    }
}

unsigned rp_heap_nregions(void)
{
    return rp_heap.nregions;
}
