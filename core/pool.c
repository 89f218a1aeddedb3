/*
 * pool.c — size classes for requests up to RP_CFG_SMALL_MAX bytes (invariants P1..P5 in
 * heap_internal.h). Classes are 8 bytes apart: with the default 64-byte limit there are
 * eight, all dense enough in real workloads that a 1 KiB pool rarely sits mostly empty.
 *
 * This is CPython's pymalloc shape, chosen for the fast paths: allocation pops the free
 * list of the first pool on its class's ring and touches nothing else; free finds the
 * header by masking the address, so neither needs a table lookup to reach the pool. Rings
 * are closed by sentinels whose free list is always empty, so the fast path has one test
 * for "no pool with room" and list edits have no end cases. Empty pools are kept as spares
 * (any class may take one) and go back to the chunk heap only when it runs short: making
 * a pool out of the chunk heap costs far more than reusing one.
 */
#include "heap_internal.h"
#include "rp_mem.h"

static inline void ring_insert(rp_pool_t *head, rp_pool_t *pg)
{
    pg->prev = head;
    pg->next = head->next;
    head->next->prev = pg;
    head->next = pg;
}

static inline void ring_remove(rp_pool_t *pg)
{
    pg->prev->next = pg->next;
    pg->next->prev = pg->prev;
    pg->next = pg->prev = 0;
}

static inline uint8_t *map_byte(const rp_pool_t *pg)
{
    return rp_map_of(rp_region_of((uintptr_t)pg), (uintptr_t)pg);
}

void rp_pool_init(void)
{
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        rp_pool_t *s = &rp_heap.rings[c];
        s->next = s->prev = s;
        s->free = s->bump = s->used = 0;
        s->cls = (uint8_t)c;
        rp_heap.class_limit[c] = (uint16_t)rp_pool_limit(c);
        rp_heap.class_recip[c] = rp_class_reciprocal(c);
    }
    rp_heap.spare = 0;
    rp_heap.spare_pools = 0;
}

/* Puts the never-used block at bump on the free list: it ends the list and carries the
 * free mark like any free block (P2). */
static void bump_one(rp_pool_t *pg)
{
    uint32_t *b = (uint32_t *)((uintptr_t)pg + pg->bump);
    b[0] = 0;
    b[1] = rp_pool_mark(b);
    pg->free = pg->bump;
    pg->bump = (uint16_t)(pg->bump + rp_class_size(pg->cls));
}

void rp_pool_ran_dry(rp_pool_t *pg)
{
    if (pg->bump < rp_heap.class_limit[pg->cls])
        bump_one(pg);
    else
        ring_remove(pg);   /* full: off the ring until a block comes back */
}

void *rp_pool_alloc_new(unsigned cls)
{
    rp_pool_t *pg = rp_heap.spare;
    if (pg) {
        rp_heap.spare = pg->next;
        rp_heap.spare_pools--;
    } else if (!(pg = rp_chunk_alloc_pool())) {
        return 0;
    }
    *map_byte(pg) = (uint8_t)cls;
    pg->cls = (uint8_t)cls;
    pg->spare_ = 0;
    pg->used = 0;
    pg->bump = (uint16_t)RP_POOL_HDR;
    bump_one(pg);
    ring_insert(&rp_heap.rings[cls], pg);
    return rp_pool_alloc(cls);
}

void rp_pool_changed(rp_pool_t *pg, uint32_t old_free)
{
    if (pg->used != 0) {   /* it was full: back on the ring, at the front as in CPython */
        ring_insert(&rp_heap.rings[pg->cls], pg);
        return;
    }
    if (old_free)
        ring_remove(pg);
    *map_byte(pg) = RP_PAGE_SPARE;
    pg->next = rp_heap.spare;
    rp_heap.spare = pg;
    rp_heap.spare_pools++;
}

uint32_t rp_pool_release_spares(void)
{
    uint32_t bytes = 0;
    while (rp_heap.spare) {
        rp_pool_t *pg = rp_heap.spare;
        rp_heap.spare = pg->next;
        *map_byte(pg) = RP_PAGE_NOT_POOL;
        bytes += rp_tag_size(*rp_tag_of(pg));
        rp_chunk_free_pool(pg);
    }
    rp_heap.spare_pools = 0;
    return bytes;
}

static int on_free_list(const rp_pool_t *pg, uint32_t off)
{
    uint32_t n = 0, limit = RP_CFG_POOL_SIZE / 8u;
    for (uint32_t o = pg->free; o && n <= limit; n++) {
        if (o == off)
            return 1;
        o = ((const uint32_t *)((uintptr_t)pg + o))[0];
    }
    return 0;
}

/* The rules rp_pool_block_ok screens, one by one, so that the report names the broken
 * one; a block that merely holds the free mark while live passes. */
int rp_pool_valid(const rp_pool_t *pg, unsigned cls, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    uint32_t off = (uint32_t)(a - (uintptr_t)pg);
    if (a & 7u) {
        rp_report("misaligned pointer into a pool", p);
        return 0;
    }
    if (off < RP_POOL_HDR || off >= pg->bump || !rp_is_block_start(off - RP_POOL_HDR, cls)) {
        rp_report("interior pointer: not the start of a pool block", p);
        return 0;
    }
    if (((const uint32_t *)p)[1] == rp_pool_mark(p) && on_free_list(pg, off)) {
        rp_report("double free of a pool block", p);
        return 0;
    }
    return 1;
}

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f;
    f.rule = rule;
    f.addr = addr;
    return f;
}

/* Every rule about one pool except its ring membership. */
static rp_fault_t check_pool(const rp_pool_t *pg, unsigned cls)
{
    uint32_t tag = *rp_tag_of(pg);
    if ((tag & (RP_CHUNK_USED | RP_CHUNK_POOL)) != (RP_CHUNK_USED | RP_CHUNK_POOL) ||
        rp_tag_size(tag) < RP_POOL_CHUNK)
        return fault("pool window is not inside a used pool chunk", pg);
    if (pg->cls != cls || pg->spare_)
        return fault("pool header's class disagrees with the page map (header overwritten?)", pg);
    uint32_t size = rp_class_size(cls), limit = rp_pool_limit(cls);
    if (pg->bump < RP_POOL_HDR || pg->bump > limit || (pg->bump - RP_POOL_HDR) % size)
        return fault("pool bump offset out of range", pg);
    uint32_t nfree = 0, capacity = (pg->bump - RP_POOL_HDR) / size;
    for (uint32_t o = pg->free; o; nfree++) {
        const uint32_t *b = (const uint32_t *)((uintptr_t)pg + o);
        if (o < RP_POOL_HDR || o >= pg->bump || (o - RP_POOL_HDR) % size)
            return fault("pool free list holds a bad offset", b);
        if (nfree > capacity)
            return fault("pool free list has a cycle", b);
        if (b[1] != rp_pool_mark(b))
            return fault("free pool block lost its free mark (written after free?)", b);
        o = b[0];
    }
    if (pg->used + nfree != capacity)
        return fault("pool used count disagrees with its free list and bump offset", pg);
    if (!pg->free && pg->bump != limit)
        return fault("pool has no free block but never-used ones (P3)", pg);
    return fault(0, 0);
}

/* P1..P5: every page, then every ring and the spare list against the pages. */
rp_fault_t rp_pool_check(void)
{
    uint32_t with_room[RP_NCLASSES], spares = 0;
    rp_memset(with_room, 0, sizeof with_room);
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        const rp_heap_region_t *r = &rp_heap.regions[i];
        for (uint32_t k = 0; k < r->npages; k++) {
            unsigned cls = r->map[k];
            const rp_pool_t *pg = (const rp_pool_t *)(r->grid + ((uintptr_t)k << RP_POOL_SHIFT));
            if (cls == RP_PAGE_NOT_POOL)
                continue;
            if (cls == RP_PAGE_SPARE) {
                uint32_t tag = *rp_tag_of(pg);
                if ((tag & (RP_CHUNK_USED | RP_CHUNK_POOL)) != (RP_CHUNK_USED | RP_CHUNK_POOL))
                    return fault("spare pool is not a used pool chunk", pg);
                spares++;
                continue;
            }
            if (cls >= RP_NCLASSES)
                return fault("page map holds an invalid class", pg);
            rp_fault_t f = check_pool(pg, cls);
            if (f.rule)
                return f;
            if (pg->used == 0)
                return fault("empty pool neither in use nor spare", pg);
            with_room[cls] += pg->free != 0;
        }
    }
    for (unsigned c = 0; c < RP_NCLASSES; c++)
        if (rp_heap.class_limit[c] != rp_pool_limit(c) || rp_heap.class_recip[c] != rp_class_reciprocal(c))
            return fault("class limit table corrupted", &rp_heap.class_limit[c]);
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        const rp_pool_t *s = &rp_heap.rings[c], *prev = s;
        uint32_t n = 0;
        if (s->free || s->cls != c)
            return fault("ring sentinel overwritten", s);
        for (const rp_pool_t *pg = s->next; pg != s; prev = pg, pg = pg->next) {
            rp_heap_region_t *r = rp_region_of((uintptr_t)pg);
            if (!r || ((uintptr_t)pg & (RP_CFG_POOL_SIZE - 1u)) || *rp_map_of(r, (uintptr_t)pg) != c)
                return fault("class ring holds something not a pool of its class", pg);
            if (pg->prev != prev)
                return fault("class ring back link broken", pg);
            if (!pg->free)
                return fault("full pool on its class ring (P4)", pg);
            if (++n > with_room[c])
                return fault("class ring longer than the pools with room (cycle?)", pg);
        }
        if (s->prev != prev)
            return fault("class ring sentinel's back link broken", s);
        if (n != with_room[c])
            return fault("a pool with room is missing from its class ring", s);
    }
    uint32_t n = 0;
    for (const rp_pool_t *pg = rp_heap.spare; pg; pg = pg->next) {
        rp_heap_region_t *r = rp_region_of((uintptr_t)pg);
        if (!r || ((uintptr_t)pg & (RP_CFG_POOL_SIZE - 1u)) || *rp_map_of(r, (uintptr_t)pg) != RP_PAGE_SPARE)
            return fault("spare list holds something not a spare pool", pg);
        if (++n > spares)
            return fault("spare list longer than the spare pools (cycle?)", pg);
    }
    if (n != spares || n != rp_heap.spare_pools)
        return fault("spare list, spare count and page map disagree", rp_heap.spare);
    return fault(0, 0);
}
