/*
 * pool.c — size classes for requests up to RP_CFG_SMALL_MAX bytes (invariants P1..P4 in
 * heap_internal.h). Classes are 8 bytes apart: with the default 64-byte limit there are
 * eight, all dense enough in real workloads that a 1 KiB pool rarely sits mostly empty.
 *
 * The fast paths touch one descriptor and one block: allocation takes the head of the
 * class's partial list (cached with its address, so no region lookup) and pops its free
 * list or bumps; free finds the descriptor from the address. Lists are linked by global
 * page number so that a descriptor stays 8 bytes.
 */
#include "heap_internal.h"
#include "rp_mem.h"

static inline uint16_t global_of(const rp_heap_region_t *r, const rp_page_t *pg)
{
    return (uint16_t)(r->first + (uint32_t)(pg - r->pages));
}

static inline uintptr_t window_of(const rp_heap_region_t *r, const rp_page_t *pg)
{
    return r->grid + ((uintptr_t)(pg - r->pages) << RP_POOL_SHIFT);
}

/* The region and descriptor of a global page number. At most RP_CFG_MAX_REGIONS steps. */
static rp_heap_region_t *region_of_page(uint16_t g)
{
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        rp_heap_region_t *r = &rp_heap.regions[i];
        if (g >= r->first && g < r->first + r->npages)
            return r;
    }
    return 0;
}

static inline rp_page_t *page_at(uint16_t g)
{
    rp_heap_region_t *r = region_of_page(g);
    return &r->pages[g - r->first];
}


static void make_head(unsigned cls, rp_heap_region_t *r, rp_page_t *pg)
{
    pg->prev = RP_PAGE_NIL;
    rp_heap.partial[cls] = pg;
    rp_heap.partial_addr[cls] = window_of(r, pg);
    rp_heap.partial_g[cls] = global_of(r, pg);
}

static void set_head(unsigned cls, uint16_t g)
{
    if (g == RP_PAGE_NIL) {
        rp_heap.partial[cls] = 0;
        rp_heap.partial_addr[cls] = 0;
        rp_heap.partial_g[cls] = RP_PAGE_NIL;
        return;
    }
    rp_heap_region_t *r = region_of_page(g);
    make_head(cls, r, &r->pages[g - r->first]);
}

/* The caller knows pg's region, and the old head's number is cached: no region scan. */
static void push_front(unsigned cls, rp_heap_region_t *r, rp_page_t *pg)
{
    rp_page_t *old = rp_heap.partial[cls];
    pg->next = old ? rp_heap.partial_g[cls] : RP_PAGE_NIL;
    make_head(cls, r, pg);
    if (old)
        old->prev = rp_heap.partial_g[cls];
}

static void list_remove(unsigned cls, rp_page_t *pg)
{
    if (pg == rp_heap.partial[cls]) {
        set_head(cls, pg->next);
    } else {
        page_at(pg->prev)->next = pg->next;
        if (pg->next != RP_PAGE_NIL)
            page_at(pg->next)->prev = pg->prev;
    }
    pg->prev = pg->next = RP_PAGE_NIL;
}

static rp_page_t *pool_new(unsigned cls)
{
    void *w = rp_chunk_alloc_pool();
    if (!w)
        return 0;
    rp_heap_region_t *r = rp_region_of((uintptr_t)w);
    rp_page_t *pg = rp_page_of(r, (uintptr_t)w);
    pg->free = RP_BLK_NIL;
    pg->bump = 0;
    pg->used = 0;
    pg->cls = (uint8_t)cls;
    push_front(cls, r, pg);
    return pg;
}

rp_page_t *rp_pool_refill(unsigned cls)
{
    rp_page_t *pg = rp_heap.partial[cls];
    if (pg && !rp_pool_has_room(pg, cls)) {   /* only the head can be full (P3) */
        set_head(cls, pg->next);
        pg->next = RP_PAGE_NIL;
        pg = rp_heap.partial[cls];
    }
    return pg ? pg : pool_new(cls);
}


static int on_free_list(const rp_page_t *pg, uintptr_t w, uint32_t off)
{
    uint32_t n = 0, limit = RP_CFG_POOL_SIZE / 8u;
    for (uint32_t o = pg->free; o != RP_BLK_NIL && n <= limit; n++) {
        if (o == off)
            return 1;
        o = ((const uint32_t *)(w + ((uintptr_t)o << 3)))[0];
    }
    return 0;
}

/* The O(1) checks of a pointer into a pool window, plus the free-list walk that confirms
 * a suspected double free. Reports and returns 0 on a broken rule. */
int rp_pool_valid(const rp_heap_region_t *r, const rp_page_t *pg, const void *p)
{
    uintptr_t w = window_of(r, pg), a = (uintptr_t)p;
    uint32_t off = (uint32_t)((a - w) >> 3);
    if (a & 7u) {
        rp_report("misaligned pointer into a pool", p);
        return 0;
    }
    if (off >= pg->bump || !rp_is_block_start(off, pg->cls)) {
        rp_report("interior pointer: not the start of a pool block", p);
        return 0;
    }
    if (((const uint32_t *)p)[1] == rp_pool_mark(p) && on_free_list(pg, w, off)) {
        rp_report("double free of a pool block", p);
        return 0;
    }
    return 1;
}

/* After a free: a pool left empty goes back to the chunk heap; one that was full rejoins
 * its class's partial list, at the front (CPython's usedpools order). */
void rp_pool_changed(rp_heap_region_t *r, rp_page_t *pg, uintptr_t window, int on_list)
{
    unsigned cls = pg->cls;
    if (pg->used == 0) {
        if (on_list)
            list_remove(cls, pg);
        pg->cls = RP_PAGE_NOT_POOL;
        rp_chunk_free_pool((void *)window);
        return;
    }
    rp_page_t *head = rp_heap.partial[cls];
    if (head && !rp_pool_has_room(head, cls)) {   /* a full head may only stay at the head */
        set_head(cls, head->next);
        head->next = RP_PAGE_NIL;
    }
    push_front(cls, r, pg);
}

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f = {rule, addr};
    return f;
}

static rp_fault_t check_pool(const rp_heap_region_t *r, const rp_page_t *pg, uint32_t *with_room)
{
    uintptr_t w = window_of(r, pg);
    unsigned cls = pg->cls;
    uint32_t tag = *rp_tag_of((void *)w);
    if (cls >= RP_NCLASSES)
        return fault("pool page has an invalid class", (void *)w);
    if ((tag & (RP_CHUNK_USED | RP_CHUNK_POOL)) != (RP_CHUNK_USED | RP_CHUNK_POOL) ||
        rp_tag_size(tag) < RP_POOL_CHUNK)
        return fault("pool window is not inside a used pool chunk", (void *)w);
    uint32_t units = rp_class_units(cls);
    if (pg->bump > rp_class_end(cls) || pg->bump % units)
        return fault("pool bump offset out of range", (void *)w);
    if (pg->used == 0)
        return fault("empty pool was not returned to the chunk heap", (void *)w);
    uint32_t nfree = 0;
    for (uint32_t o = pg->free; o != RP_BLK_NIL; nfree++) {
        const uint32_t *b = (const uint32_t *)(w + ((uintptr_t)o << 3));
        if (o >= pg->bump || o % units)
            return fault("pool free list holds a bad offset", b);
        if (nfree > pg->bump / units)
            return fault("pool free list has a cycle", b);
        if (b[1] != rp_pool_mark(b))
            return fault("free pool block lost its free mark (written after free?)", b);
        o = b[0];
    }
    if (pg->used + nfree != pg->bump / units)
        return fault("pool used count disagrees with its free list and bump offset", (void *)w);
    if (rp_pool_has_room(pg, cls))
        with_room[cls]++;
    return fault(0, 0);
}

/* P1..P4: every pool page, then every partial list against the pages. */
rp_fault_t rp_pool_check(void)
{
    uint32_t with_room[RP_NCLASSES];
    rp_memset(with_room, 0, sizeof with_room);
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        const rp_heap_region_t *r = &rp_heap.regions[i];
        for (uint32_t k = 0; k < r->npages; k++) {
            if (r->pages[k].cls == RP_PAGE_NOT_POOL)
                continue;
            rp_fault_t f = check_pool(r, &r->pages[k], with_room);
            if (f.rule)
                return f;
        }
    }
    for (unsigned c = 0; c < RP_NCLASSES; c++)
        if (rp_heap.class_end[c] != rp_class_limit(c) || rp_heap.class_recip[c] != rp_class_reciprocal(c))
            return fault("class limit table corrupted", &rp_heap.class_end[c]);
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        rp_page_t *pg = rp_heap.partial[c];
        uint16_t prev = RP_PAGE_NIL;
        uint32_t n = 0;
        if (pg) {
            rp_heap_region_t *r = rp_region_of(rp_heap.partial_addr[c]);
            if (!r || rp_page_of(r, rp_heap.partial_addr[c]) != pg || global_of(r, pg) != rp_heap.partial_g[c])
                return fault("partial list head address or number disagrees with its page", pg);
        }
        uint32_t full_head = pg && !rp_pool_has_room(pg, c);
        while (pg) {
            if (pg->cls != c || (!rp_pool_has_room(pg, c) && n > 0))
                return fault("partial list holds a pool of another class, or a full pool not at its head", pg);
            if (pg->prev != prev)
                return fault("partial list back link broken", pg);
            if (++n > with_room[c] + full_head)
                return fault("partial list longer than the pools with room (cycle?)", pg);
            rp_heap_region_t *r = 0;
            for (unsigned i = 0; i < rp_heap.nregions && !r; i++)
                if (pg >= rp_heap.regions[i].pages && pg < rp_heap.regions[i].pages + rp_heap.regions[i].npages)
                    r = &rp_heap.regions[i];
            prev = global_of(r, pg);
            pg = pg->next == RP_PAGE_NIL ? 0 : page_at(pg->next);
        }
        if (n != with_room[c] + full_head)
            return fault("a pool with room is missing from its partial list", 0);
    }
    return fault(0, 0);
}
