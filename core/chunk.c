/*
 * chunk.c — the coalescing chunk heap: every byte of a region that is not its page table
 * belongs to exactly one chunk (invariant C1 in heap_internal.h). Requests above
 * RP_CFG_SMALL_MAX and every pool window come from here.
 *
 * Why boundary tags and TLSF-style bins: measured on workload W1, blocks of 65..512
 * bytes kept in per-class pools need 1.4x their peak live bytes, because each class
 * strands its own partly used pools; one coalescing heap shares that space among all
 * sizes. The bins give good fit in O(1): a bitmap names the non-empty lists, and any
 * chunk in a bin above the request's own is big enough.
 */
#include "heap_internal.h"

/* A free chunk keeps its list links in its payload, which is 8-aligned. */
typedef struct rp_links {
    struct rp_links *next;
    struct rp_links *prev;
} rp_links_t;

#define RP_FREE_MIN ((uint32_t)((RP_CHUNK_TAG + sizeof(rp_links_t) + 4u + 7u) & ~7u))
_Static_assert(RP_FREE_MIN <= RP_CHUNK_MIN || sizeof(void *) > 4, "free chunk must fit the minimum chunk");

static inline uint32_t *tag_of_links(rp_links_t *l) { return (uint32_t *)((uintptr_t)l - RP_CHUNK_TAG); }
static inline rp_links_t *links_of(uint32_t *tag) { return (rp_links_t *)((uintptr_t)tag + RP_CHUNK_TAG); }
static inline uint32_t *next_tag(uint32_t *tag) { return (uint32_t *)((uintptr_t)tag + rp_tag_size(*tag)); }
static inline uint32_t *footer(uint32_t *tag, uint32_t size) { return (uint32_t *)((uintptr_t)tag + size - 4u); }

static inline uint32_t min_chunk(void) { return RP_FREE_MIN > RP_CHUNK_MIN ? RP_FREE_MIN : RP_CHUNK_MIN; }

static inline uint32_t chunk_for(uint32_t n)
{
    uint32_t s = (n + RP_CHUNK_TAG + 7u) & ~7u;
    return s < min_chunk() ? min_chunk() : s;
}

uint32_t rp_chunk_bin(uint32_t size)
{
    if (size < 32u)
        return (size >> 3) - 2u;
    uint32_t f = 31u - (uint32_t)__builtin_clz(size);
    uint32_t b = 2u + (f - 5u) * RP_BIN_SUB + ((size >> (f - RP_BIN_SUB_LOG2)) & (RP_BIN_SUB - 1u));
    return b < RP_NBINS ? b : RP_NBINS - 1u;
}

static void bin_insert(uint32_t *tag, uint32_t size)
{
    uint32_t b = rp_chunk_bin(size);
    rp_links_t *l = links_of(tag), *head = (rp_links_t *)rp_heap.bins[b];
    l->prev = 0;
    l->next = head;
    if (head)
        head->prev = l;
    rp_heap.bins[b] = (rp_free_chunk_t *)l;
    rp_heap.bitmap[b >> 5] |= 1u << (b & 31u);
    rp_heap.free_bytes += size;
}

static void bin_remove(uint32_t *tag)
{
    uint32_t b = rp_chunk_bin(rp_tag_size(*tag));
    rp_heap.free_bytes -= rp_tag_size(*tag);
    rp_links_t *l = links_of(tag);
    if (l->prev)
        l->prev->next = l->next;
    else
        rp_heap.bins[b] = (rp_free_chunk_t *)l->next;
    if (l->next)
        l->next->prev = l->prev;
    if (!rp_heap.bins[b])
        rp_heap.bitmap[b >> 5] &= ~(1u << (b & 31u));
}

/* First non-empty bin at or above b, or -1. At most RP_BITMAP_WORDS words read. */
static int first_bin_from(uint32_t b)
{
    if (b >= RP_NBINS)
        return -1;
    uint32_t w = b >> 5;
    uint32_t m = rp_heap.bitmap[w] & (~0u << (b & 31u));
    while (!m) {
        if (++w == RP_BITMAP_WORDS)
            return -1;
        m = rp_heap.bitmap[w];
    }
    return (int)(w * 32u + (uint32_t)__builtin_ctz(m));
}

/* Makes [tag, tag + size) a free chunk and files it. The caller has merged neighbours. */
static void make_free(uint32_t *tag, uint32_t size, uint32_t prev_used)
{
    *tag = size | prev_used;
    *footer(tag, size) = size;
    bin_insert(tag, size);
    uint32_t *nt = (uint32_t *)((uintptr_t)tag + size);
    *nt &= ~(uint32_t)RP_CHUNK_PREV_USED;
}

/* The footprint (chunk space not free) only grows when a chunk is carved or grown. */
static void note_peak(void)
{
    uint32_t held = rp_heap.chunk_bytes - rp_heap.free_bytes;
    if (held > rp_heap.peak_footprint)
        rp_heap.peak_footprint = held;
}

/*
 * Takes the free chunk at `tag` (already off its list) and makes [use, use + n) of it a
 * used chunk; what is left before and after goes back as free chunks. A remainder too
 * small to be a chunk is absorbed into the used one. Returns the used chunk's tag.
 */
static uint32_t *carve(uint32_t *tag, uintptr_t use, uint32_t n, uint32_t flags)
{
    uint32_t size = rp_tag_size(*tag);
    uint32_t prev_used = *tag & RP_CHUNK_PREV_USED;
    uintptr_t start = (uintptr_t)tag, limit = start + size;
    if (use > start) {
        make_free(tag, (uint32_t)(use - start), prev_used);
        prev_used = 0;
    }
    uint32_t rest = (uint32_t)(limit - (use + n));
    if (rest < min_chunk())
        n += rest;
    uint32_t *ut = (uint32_t *)use;
    *ut = n | RP_CHUNK_USED | flags | prev_used;
    if (rest >= min_chunk())
        make_free((uint32_t *)(use + n), rest, RP_CHUNK_PREV_USED);
    else
        *(uint32_t *)limit |= RP_CHUNK_PREV_USED;
    note_peak();
    return ut;
}

/* A chunk of at least `need` bytes: O(1) good fit, then a bounded look in the own bin. */
static uint32_t *find_fit(uint32_t need)
{
    uint32_t b = rp_chunk_bin(need);
    rp_links_t *l = (rp_links_t *)rp_heap.bins[b];
    if (l && rp_tag_size(*tag_of_links(l)) >= need)
        return tag_of_links(l);
    int g = first_bin_from(b + 1u);
    if (g >= 0)
        return tag_of_links((rp_links_t *)rp_heap.bins[g]);
    for (unsigned i = 0; l && i < RP_POOL_SCAN_LIMIT; i++, l = l->next)
        if (rp_tag_size(*tag_of_links(l)) >= need)
            return tag_of_links(l);
    return 0;
}

void *rp_chunk_alloc(uint32_t n)
{
    if (n > (1u << RP_CFG_CHUNK_MAX_LOG2))
        return 0;
    uint32_t need = chunk_for(n);
    uint32_t *tag = find_fit(need);
    if (!tag)
        return 0;
    bin_remove(tag);
    return links_of(carve(tag, (uintptr_t)tag, need, 0));
}

void rp_chunk_free(void *payload)
{
    uint32_t *tag = rp_tag_of(payload);
    uint32_t size = rp_tag_size(*tag);
    uint32_t prev_used = *tag & RP_CHUNK_PREV_USED;
    uint32_t *nt = next_tag(tag);
    if (!(*nt & RP_CHUNK_USED)) {
        bin_remove(nt);
        size += rp_tag_size(*nt);
    }
    if (!prev_used) {
        uint32_t psize = tag[-1];
        tag = (uint32_t *)((uintptr_t)tag - psize);
        bin_remove(tag);
        size += psize;
        prev_used = *tag & RP_CHUNK_PREV_USED;
    }
    make_free(tag, size, prev_used);
}

/* The pool window a free chunk can hold, or 0: P-aligned, tag just before it, and any
 * part of the chunk left in front big enough to stay a chunk. */
static uintptr_t window_in(uint32_t *tag)
{
    uintptr_t start = (uintptr_t)tag, limit = start + rp_tag_size(*tag);
    uintptr_t w = (start + RP_CHUNK_TAG + RP_CFG_POOL_SIZE - 1u) & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u);
    uintptr_t front = w - RP_CHUNK_TAG - start;
    if (front != 0 && front < min_chunk())
        w += RP_CFG_POOL_SIZE;
    return w - RP_CHUNK_TAG + RP_POOL_CHUNK <= limit ? w : 0;
}

/*
 * Smaller chunks first, so pools fill holes rather than split the big free space: up to
 * RP_POOL_SCAN_LIMIT chunks of the bins that may or may not hold a window, then the first
 * chunk of any bin whose chunks always do (size >= 2P + minimum chunk).
 */
void *rp_chunk_alloc_pool(void)
{
    uint32_t sure = rp_chunk_bin(RP_POOL_CHUNK + RP_CFG_POOL_SIZE + min_chunk()) + 1u;
    unsigned budget = RP_POOL_SCAN_LIMIT;
    uintptr_t w = 0;
    uint32_t *tag = 0;
    for (int b = first_bin_from(rp_chunk_bin(RP_POOL_CHUNK)); b >= 0 && (uint32_t)b < sure && budget && !w;
         b = first_bin_from((uint32_t)b + 1u)) {
        for (rp_links_t *l = (rp_links_t *)rp_heap.bins[b]; l && budget && !w; l = l->next, budget--) {
            tag = tag_of_links(l);
            w = window_in(tag);
        }
    }
    if (!w) {
        int g = first_bin_from(sure);
        if (g < 0)
            return 0;
        tag = tag_of_links((rp_links_t *)rp_heap.bins[g]);
        w = window_in(tag);
    }
    bin_remove(tag);
    carve(tag, w - RP_CHUNK_TAG, RP_POOL_CHUNK, RP_CHUNK_POOL);
    return (void *)w;
}

void rp_chunk_free_pool(void *window)
{
    *rp_tag_of(window) &= ~(uint32_t)RP_CHUNK_POOL;
    rp_chunk_free(window);
}

uint32_t rp_chunk_payload(const void *payload)
{
    return rp_tag_size(*rp_tag_of(payload)) - RP_CHUNK_TAG;
}

/* Grows into a free successor or gives back a tail, never moving the payload. */
int rp_chunk_resize(void *payload, uint32_t n)
{
    if (n > (1u << RP_CFG_CHUNK_MAX_LOG2))
        return 0;
    uint32_t *tag = rp_tag_of(payload);
    uint32_t size = rp_tag_size(*tag), need = chunk_for(n);
    uint32_t *nt = next_tag(tag);
    if (need > size) {
        if ((*nt & RP_CHUNK_USED) || size + rp_tag_size(*nt) < need)
            return 0;
        bin_remove(nt);
        uint32_t total = size + rp_tag_size(*nt);
        *tag = (*tag & RP_CHUNK_FLAGS) | total;
        *(uint32_t *)((uintptr_t)tag + total) |= RP_CHUNK_PREV_USED;
        size = total;
        nt = next_tag(tag);
    }
    uint32_t rest = size - need;
    if (rest < min_chunk()) {
        note_peak();
        return 1;
    }
    *tag = (*tag & RP_CHUNK_FLAGS) | need;
    uint32_t *ft = (uint32_t *)((uintptr_t)tag + need);
    if (!(*nt & RP_CHUNK_USED)) {
        bin_remove(nt);
        rest += rp_tag_size(*nt);
    }
    make_free(ft, rest, RP_CHUNK_PREV_USED);
    note_peak();
    return 1;
}

void rp_chunk_region_init(rp_heap_region_t *r)
{
    uint32_t *first = (uint32_t *)r->lo;
    *(uint32_t *)r->end = RP_CHUNK_USED;  /* sentinel: size 0, never free */
    make_free(first, (uint32_t)(r->end - r->lo), RP_CHUNK_PREV_USED);
    rp_heap.chunk_bytes += (uint32_t)(r->end - r->lo);
}

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f;
    f.rule = rule;
    f.addr = addr;
    return f;
}

/* C1..C6 for every region, then the lists against the walk (C4). */
rp_fault_t rp_chunk_check(void)
{
    uint32_t walked_free = 0, listed_free = 0, free_bytes = 0;
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        const rp_heap_region_t *r = &rp_heap.regions[i];
        uint32_t *t = (uint32_t *)r->lo;
        uint32_t prev_used = RP_CHUNK_PREV_USED;
        while ((uintptr_t)t < r->end) {
            uint32_t size = rp_tag_size(*t);
            if (size < min_chunk() || (uintptr_t)t + size > r->end)
                return fault("chunk size out of range (corrupted tag)", t);
            if ((*t & RP_CHUNK_PREV_USED) != prev_used)
                return fault("chunk PREV_USED flag disagrees with the chunk before it", t);
            if (*t & RP_CHUNK_USED) {
                prev_used = RP_CHUNK_PREV_USED;
            } else {
                if (!prev_used)
                    return fault("two adjacent free chunks (missed coalescing)", t);
                if (*t & RP_CHUNK_POOL)
                    return fault("free chunk marked as pool", t);
                if (*footer(t, size) != size)
                    return fault("free chunk footer differs from its size", t);
                walked_free++;
                free_bytes += size;
                prev_used = 0;
            }
            t = (uint32_t *)((uintptr_t)t + size);
        }
        if ((uintptr_t)t != r->end)
            return fault("chunks overrun the region end", t);
        if ((*t & ~(uint32_t)RP_CHUNK_PREV_USED) != RP_CHUNK_USED || (*t & RP_CHUNK_PREV_USED) != prev_used)
            return fault("region sentinel tag corrupted", t);
    }
    for (uint32_t b = 0; b < RP_NBINS; b++) {
        rp_links_t *l = (rp_links_t *)rp_heap.bins[b], *prev = 0;
        int bit = (rp_heap.bitmap[b >> 5] >> (b & 31u)) & 1u;
        if (bit != (l != 0))
            return fault("bin bitmap bit disagrees with its list", rp_heap.bins + b);
        for (; l; prev = l, l = l->next) {
            uint32_t *t = tag_of_links(l);
            if (!rp_region_of((uintptr_t)t))
                return fault("free list points outside the heap", l);
            if ((*t & RP_CHUNK_USED) || rp_chunk_bin(rp_tag_size(*t)) != b)
                return fault("free list holds a used chunk or one of another bin", t);
            if (l->prev != prev)
                return fault("free list back link broken", t);
            if (++listed_free > walked_free)
                return fault("free lists hold more chunks than the heap (cycle or stale entry)", t);
        }
    }
    if (listed_free != walked_free)
        return fault("a free chunk is missing from the free lists", 0);
    if (free_bytes != rp_heap.free_bytes)
        return fault("free byte count disagrees with the free chunks (C6)", &rp_heap.free_bytes);
    return fault(0, 0);
}
