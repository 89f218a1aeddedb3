/*
 * pool.c — size classes for requests up to RP_CFG_SMALL_MAX bytes (invariants P1..P4 in
 * heap_internal.h). Classes are 8 bytes apart: with the default 64-byte limit there are
 * eight, all dense enough in real workloads that a 1 KiB pool rarely sits mostly empty.
 *
 * This is CPython's pymalloc shape, cut down for the fast paths: allocation pops the free
 * list of the first pool on its class's list and touches nothing else; free finds the
 * header by masking the address. The lists end in one shared pseudo-pool whose free list
 * is always empty, so "no pool with room" costs the fast path no extra test. A pool
 * leaves its list at the head when it fills, and anywhere when it empties (the lists are
 * doubly linked for that, but only the free path keeps the back links: a pool that leaves
 * at the head leaves its successor's stale). Spares serve any class and go back to the
 * chunk heap when a chunk request finds no room.
 */
#include "heap_internal.h"
#include "rp_mem.h"

/* The page map byte of a pool: the first region's without a loop (a new pool's and a
 * spare's lookup is on malloc's longest path). */
static inline uint8_t *map_byte(const rp_pool_t *pg)
{
    uintptr_t a = (uintptr_t)pg;
    const rp_heap_region_t *r = &rp_heap.regions[0];
    if (a - r->lo >= r->span)
        r = rp_region_of(a);
    return rp_map_of(r, a);
}

void rp_pool_init(void)
{
    rp_heap.none.next = RP_POOL_NONE_NEXT;
    rp_heap.none.prev = &rp_heap.none;
    rp_heap.none.free = 0;
    rp_heap.none.used = rp_heap.none.seen = 0;
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        rp_heap.classes[c].head = &rp_heap.none;
        rp_heap.class_limit[c] = (uint16_t)rp_pool_limit(c);
        rp_heap.classes[c].recip = rp_class_reciprocal(c);
    }
    rp_heap.spare = 0;
}

/* A spare (threaded already if it last served this class), for a class whose list is
 * empty (only &rp_heap.none has no free block), so the pool becomes the list's one pool;
 * rp_pool_alloc calls it only while a spare is left (else rp_chunk_pool_new). O(1). */
void *rp_pool_alloc_new(unsigned cls)
{
    rp_pool_t *pg = rp_heap.spare;
    rp_heap.spare = pg->next;
    uint8_t *map = map_byte(pg);
    if (*map == cls) {   /* a spare of this class: its free list as it was left */
        pg->next = &rp_heap.none;
        rp_heap.classes[cls].head = pg;
        return rp_pool_alloc(cls);
    }
    return rp_pool_start(pg, map, cls);
}

/* One pool a window: between two pools the critical section is left and taken again, so
 * that an interrupt pending meanwhile waits for one chunk free (its merges), not for every
 * spare. The heap is consistent at each such point, and the list is read again after it
 * (a handler may have taken a spare or made one). At most as many pools as the chunk
 * space holds at once go back (no more can be spares when it starts): a handler that
 * makes a spare in every window, from the pools given back, would otherwise keep the
 * loop going for as long as it runs. */
uint32_t rp_pool_release_spares(rp_critical_t *t)
{
    uint32_t bytes = 0, budget = rp_heap.chunk_bytes >> RP_POOL_SHIFT;
    while (rp_heap.spare && budget--) {
        rp_pool_t *pg = rp_heap.spare;
        rp_heap.spare = pg->next;
        *map_byte(pg) = RP_PAGE_NOT_POOL;
        bytes += rp_tag_size(*rp_tag_of(rp_pool_window(pg)));
        rp_chunk_free_pool(rp_pool_window(pg));
        if (rp_heap.spare && budget) {
            leave(*t);
            *t = enter();
        }
    }
    return bytes;
}

static int on_free_list(const rp_pool_t *pg, uint32_t d)
{
    uint32_t n = 0, limit = RP_CFG_POOL_SIZE / 8u;
    for (uint32_t o = pg->free; o && n <= limit; n++) {
        if (o & 1u)   /* the never-used blocks from o - 1 up */
            return d <= o - 1u;
        if (o == d)
            return 1;
        o = rp_pool_block(pg, o)[0];
    }
    return 0;
}

/* The rules rp_pool_block_ok screens, one by one, so that the report names the broken
 * one; a block that merely holds the free mark while live passes. */
int rp_pool_valid(const rp_pool_t *pg, unsigned cls, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    uint32_t d = (uint32_t)((uintptr_t)pg - a);
    if (a & 7u) {
        rp_report("misaligned pointer into a pool", p);
        return 0;
    }
    if (a >= (uintptr_t)pg || d > rp_heap.class_limit[cls] || !rp_is_block_start(d, cls)) {
        rp_report("interior pointer: not the start of a pool block", p);
        return 0;
    }
    if (!pg->used) {   /* a spare: every block is free */
        rp_report("pointer into an empty pool: double free or stale pointer", p);
        return 0;
    }
    if (!rp_pool_in_seen(pg, d)) {   /* P5: its contents are whatever the memory held */
        rp_report("pool block never handed out: stale or forged pointer", p);
        return 0;
    }
    if (((const uint32_t *)p)[1] == rp_pool_mark(p) && on_free_list(pg, d)) {
        rp_report("double free of a pool block", p);
        return 0;
    }
    return 1;
}

/* A header's place in a region's page map: the checker's test of list entries. */
static int is_pool(const rp_pool_t *pg)
{
    uintptr_t a = (uintptr_t)pg;
    rp_heap_region_t *r = rp_region_of(a);
    return r && (a & (RP_CFG_POOL_SIZE - 1u)) == RP_POOL_HDR_OFF && a >= r->grid &&
           ((a - r->grid) >> RP_POOL_SHIFT) < r->npages;
}

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f;
    f.rule = rule;
    f.addr = addr;
    return f;
}

/* P1, P2, P5 for one pool threaded for class cls; *nfree receives its free blocks. */
static rp_fault_t check_pool(const rp_pool_t *pg, unsigned cls, uint32_t *nfree)
{
    uint32_t tag = *rp_tag_of(rp_pool_window(pg));
    if ((tag & (RP_CHUNK_USED | RP_CHUNK_POOL)) != (RP_CHUNK_USED | RP_CHUNK_POOL) ||
        rp_tag_size(tag) < RP_POOL_CHUNK)
        return fault("pool window is not inside a used pool chunk", pg);
    uint32_t size = rp_class_size(cls), limit = rp_pool_limit(cls), capacity = rp_pool_capacity(cls);
    *nfree = 0;
    uint32_t last_unveiled = size;
    for (uint32_t o = pg->free; o; ++*nfree) {
        const uint32_t *b = rp_pool_block(pg, o);
        if (o & 1u) {   /* never-used blocks from o - 1 up to distance size */
            if (o - 1u < size || o - 1u + size > limit || (o - 1u) % size)
                return fault("pool free list ends in a bad never-used distance", pg);
            *nfree += (o - 1u) / size;
            last_unveiled = o - 1u + size;
            break;
        }
        if (o == 0 || o > limit || o % size)
            return fault("pool free list holds a bad distance", b);
        if (*nfree > capacity)
            return fault("pool free list has a cycle", b);
        if (b[1] != rp_pool_mark(b))
            return fault("free pool block lost its free mark (written after free?)", b);
        o = b[0];
    }
    if ((uint32_t)pg->seen << 3 != last_unveiled)
        return fault("pool's seen bound disagrees with its never-used blocks (P5)", pg);
    return fault(0, 0);
}

/* P1..P4: every page, then every class list and the spare list against the pages. */
rp_fault_t rp_pool_check(void)
{
    uint32_t with_room[RP_NCLASSES], spares = 0;
    rp_memset(with_room, 0, sizeof with_room);
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        const rp_heap_region_t *r = &rp_heap.regions[i];
        for (uint32_t k = 0; k < r->npages; k++) {
            unsigned cls = r->map[k];
            const rp_pool_t *pg = (const rp_pool_t *)(r->grid + ((uintptr_t)k << RP_POOL_SHIFT) + RP_POOL_HDR_OFF);
            uint32_t nfree;
            if (cls == RP_PAGE_NOT_POOL)
                continue;
            if (cls >= RP_NCLASSES)
                return fault("page map holds an invalid class", pg);
            rp_fault_t f = check_pool(pg, cls, &nfree);
            if (f.rule)
                return f;
            if (pg->used + nfree != rp_pool_capacity(cls))
                return fault("pool used count disagrees with its free list (P1)", pg);
            if (!pg->used)   /* a spare (P4), on no class list */
                spares++;
            else
                with_room[cls] += pg->free != 0;
        }
    }
    for (unsigned c = 0; c < RP_NCLASSES; c++)
        if (rp_heap.class_limit[c] != rp_pool_limit(c) || rp_heap.classes[c].recip != rp_class_reciprocal(c))
            return fault("class limit table corrupted", &rp_heap.class_limit[c]);
    if (rp_heap.none.free || rp_heap.none.next != RP_POOL_NONE_NEXT)
        return fault("the lists' end marker was overwritten", &rp_heap.none);
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        uint32_t n = 0;
        for (const rp_pool_t *pg = rp_heap.classes[c].head; pg != &rp_heap.none; pg = pg->next) {
            if (!is_pool(pg) || *map_byte(pg) != c)
                return fault("class list holds something not a pool of its class", pg);
            if (!pg->free)
                return fault("full pool on its class list (P3)", pg);
            if (pg->next != &rp_heap.none && pg->next->prev != pg)
                return fault("class list back link broken (P3)", pg->next);
            if (++n > with_room[c])
                return fault("class list longer than the pools with room (cycle?)", pg);
        }
        if (n != with_room[c])
            return fault("a pool with room is missing from its class list", &rp_heap.classes[c].head);
    }
    uint32_t n = 0;
    for (const rp_pool_t *pg = rp_heap.spare; pg; pg = pg->next) {
        if (!is_pool(pg) || *map_byte(pg) >= RP_NCLASSES || pg->used)
            return fault("spare list holds something not a spare pool", pg);
        if (++n > spares)
            return fault("spare list longer than the spare pools (cycle?)", pg);
    }
    if (n != spares)
        return fault("spare list and the empty pools disagree (P4)", rp_heap.spare);
    return fault(0, 0);
}
