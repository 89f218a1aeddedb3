/*
 * heap_internal.h — the allocator's data structures and the invariants that hold between
 * calls. Shared by chunk.c (the coalescing heap), pool.c (size classes) and heap.c (entry
 * points, statistics, the checker), which verify exactly the invariants written here.
 *
 * Chunks (chunk.c). A region's chunk space is [lo, end) with lo = 4 (mod 8), so that the
 * payload after each 4-byte tag is 8-aligned. A chunk is
 *     [tag: size | flags][payload ... size - 4 bytes]
 * with size a multiple of 8 and at least RP_CHUNK_MIN. A free chunk also holds
 *     [tag][next free][prev free] ... [footer = size]
 *   C1 chunks tile [lo, end) exactly; a zero-size USED tag at `end` is the sentinel.
 *   C2 a chunk's PREV_USED flag equals the USED flag of the chunk before it (the first
 *      chunk of a region has PREV_USED set).
 *   C3 no two free chunks are adjacent (coalescing is complete).
 *   C4 a free chunk's footer equals its size, and it is on the free list of bin_of(size);
 *      every chunk on that list is free and of that bin; bit b of the bin bitmap is set
 *      iff list b is non-empty.
 *   C5 a POOL chunk is USED, at least RP_CFG_POOL_SIZE bytes (a remainder too small to be a
 *      chunk is absorbed), and holds one pool window.
 *   C6 free_bytes is the sum of the free chunks' sizes; chunk_bytes is the sum of the
 *      regions' chunk spaces; peak_footprint >= chunk_bytes - free_bytes.
 *
 * Pools (pool.c). A pool is the RP_CFG_POOL_SIZE-aligned window [A, A + P - 4) inside a
 * POOL chunk whose tag sits at A - 4. Its header (rp_pool_t) sits at A; the blocks of its
 * class fill the rest, class size apart from A + RP_POOL_HDR up to rp_pool_limit(cls).
 * The region's page map holds one byte per page: the class of the pool whose window is
 * that page, RP_PAGE_SPARE for a spare pool, RP_PAGE_NOT_POOL otherwise. Offsets below are
 * bytes from A.
 *   P1 every block of a pool is either handed out or on its free list:
 *      used + (blocks on the free list) == rp_pool_capacity(cls).
 *   P2 free-list offsets are block starts, distinct; each listed block holds the next
 *      offset in word 0 and RP_FREE_MARK ^ its address in word 1. The list ends with 0,
 *      or with an odd word f: the blocks from f - 1 to the end were never handed out and
 *      count as free (CPython's nextoffset, kept where the header need not hold it).
 *      So free == 0 iff the pool is full.
 *   P3 rp_heap.heads[cls] starts the class's list of pools with room, singly linked
 *      through next and ended by &rp_heap.none (whose free is 0). A pool of class cls is
 *      on that list exactly once iff it is not full; empty pools may stay there.
 *   P4 the spare list (through next, ended by NULL) holds exactly the RP_PAGE_SPARE pools;
 *      a spare's blocks are all free, threaded for the class its `used` field names.
 * Gates (heap.c).
 *   G1 fast_small and fast_span are 0 iff tracing is on; otherwise RP_CFG_SMALL_MAX and
 *      regions[0].span.
 * Accounting (heap.c).
 *   A1 bytes_in_use and blocks_in_use count the live chunks (release builds) or every
 *      live block (debug builds); release pool blocks are counted from the pools' `used`.
 */
#ifndef RP_HEAP_INTERNAL_H
#define RP_HEAP_INTERNAL_H

#include "rp_heap.h"

#define RP_POOL_SHIFT ((unsigned)__builtin_ctz(RP_CFG_POOL_SIZE))

#define RP_PAGE_NOT_POOL 0xFFu
#define RP_PAGE_SPARE 0xFEu
#define RP_FREE_MARK 0xF4EEB10Cu

/* Chunk tag flags; sizes are multiples of 8, so the low three bits are free. */
enum {
    RP_CHUNK_USED = 1u,
    RP_CHUNK_PREV_USED = 2u,
    RP_CHUNK_POOL = 4u,
    RP_CHUNK_FLAGS = 7u,
};
#define RP_CHUNK_MIN 16u
#define RP_CHUNK_TAG 4u
/* A pool chunk is exactly P bytes, [A - 4, A + P - 4), so pools in adjacent pages tile
 * the heap with no gap; the window's last 4 bytes are the next chunk's tag. */
#define RP_POOL_CHUNK (RP_CFG_POOL_SIZE)
#define RP_POOL_USABLE (RP_CFG_POOL_SIZE - RP_CHUNK_TAG)

/* Free lists: sizes below 32 get a bin per 8 bytes; from 32 up each power of two is
 * split into RP_BIN_SUB bins (two bits), as TLSF does. */
#define RP_BIN_SUB_LOG2 2u
#define RP_BIN_SUB (1u << RP_BIN_SUB_LOG2)
#define RP_NBINS (2u + (RP_CFG_CHUNK_MAX_LOG2 - 5u) * RP_BIN_SUB)
#define RP_BITMAP_WORDS ((RP_NBINS + 31u) / 32u)
#define RP_POOL_SCAN_LIMIT 8u

typedef struct rp_free_chunk {
    uint32_t tag;
    struct rp_free_chunk *next;
    struct rp_free_chunk *prev;
} rp_free_chunk_t;

/* A pool's header, at the start of its window (CPython's pool_header, cut to 8 bytes on
 * 32-bit targets: the class is in the page map, and the never-used blocks' offset is kept
 * at the end of the free list, P2). */
typedef struct rp_pool {
    struct rp_pool *next;   /* the class's list of pools with room, or the spare list */
    uint16_t free;          /* first free block, 0 iff the pool is full (P2) */
    uint16_t used;          /* blocks handed out (a spare: the class it is threaded for) */
} rp_pool_t;

/* Blocks start 8-aligned after the header. */
#define RP_POOL_HDR ((uint32_t)((sizeof(rp_pool_t) + 7u) & ~7u))

typedef struct rp_heap_region {
    uintptr_t lo, end;   /* chunk space; sentinel tag at end */
    uintptr_t span;      /* end - lo: one compare tells a pointer in the region */
    uintptr_t map_base;  /* page map byte of address a: map_base + (a >> RP_POOL_SHIFT) */
    uint8_t *map;        /* one byte per page of [grid, end) */
    uintptr_t grid;      /* pool-aligned base of the page numbering */
    uint32_t npages;
} rp_heap_region_t;

typedef struct rp_heap {
    /* The fast paths' gates: RP_CFG_SMALL_MAX and regions[0].span, or 0 while tracing so
     * that every call takes the slow path, which traces (G1). */
    uint32_t fast_small;
    uintptr_t fast_span;
    rp_pool_t *heads[RP_NCLASSES];   /* P3: the first pool with room of each class */
    rp_pool_t none;                  /* ends every class list; its free is always 0 */
    rp_heap_region_t regions[RP_CFG_MAX_REGIONS];
    unsigned nregions;
    rp_pool_t *spare;                /* empty pools kept for reuse (P4) */
    uint32_t spare_pools;
    uint32_t class_recip[RP_NCLASSES];   /* rp_class_reciprocal, without a division per call */
    uint16_t class_limit[RP_NCLASSES];   /* rp_pool_limit */
    rp_free_chunk_t *bins[RP_NBINS];
    uint32_t bitmap[RP_BITMAP_WORDS];
    uint32_t free_bytes, chunk_bytes, peak_footprint;   /* C6; chunk space of all regions */
    uint32_t arena_bytes, metadata_bytes;
    uint32_t bytes_in_use, blocks_in_use;   /* A1 */
    uint32_t failed_allocs, reports;
    rp_fault_t last_report;
} rp_heap_t;

extern rp_heap_t rp_heap;

static inline uint32_t rp_tag_size(uint32_t tag) { return tag & ~(uint32_t)RP_CHUNK_FLAGS; }
static inline uint32_t *rp_tag_of(const void *payload) { return (uint32_t *)((uintptr_t)payload - RP_CHUNK_TAG); }
static inline uint32_t rp_class_units(unsigned cls) { return cls + 1u; }
static inline uint32_t rp_class_size(unsigned cls) { return 8u * (cls + 1u); }

/* Offset just past the last block a pool of class cls can hold. Computed once by
 * rp_heap_init into rp_heap.class_limit: on Cortex-M0 a division is a libgcc call. */
static inline uint32_t rp_pool_limit(unsigned cls)
{
    return RP_POOL_HDR + (RP_POOL_USABLE - RP_POOL_HDR) / rp_class_size(cls) * rp_class_size(cls);
}

static inline uint32_t rp_pool_capacity(unsigned cls)
{
    return (RP_POOL_USABLE - RP_POOL_HDR) / rp_class_size(cls);
}

/* ceil(2^19 / units): u * it >> 19 is u / units exactly for every offset u (in 8-byte
 * units) in a pool (u < 2^10, units < 2^9), so telling a block's start needs no division. */
#define RP_RECIP_SHIFT 19u
_Static_assert(RP_CFG_POOL_SIZE <= 8192u, "the reciprocal trick needs offsets below 2^10 units");
static inline uint32_t rp_class_reciprocal(unsigned cls)
{
    return ((1u << RP_RECIP_SHIFT) + rp_class_units(cls) - 1u) / rp_class_units(cls);
}

/* Whether byte offset off (from the pool's first block, a multiple of 8) starts a block. */
static inline int rp_is_block_start(uint32_t off, unsigned cls)
{
    uint32_t u = off >> 3;
    uint32_t q = (u * rp_heap.class_recip[cls]) >> RP_RECIP_SHIFT;
    return q * rp_class_units(cls) == u;
}

/* Region containing address a, or NULL. At most RP_CFG_MAX_REGIONS comparisons. */
static inline rp_heap_region_t *rp_region_of(uintptr_t a)
{
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        rp_heap_region_t *r = &rp_heap.regions[i];
        if (a - r->lo < r->span)
            return r;
    }
    return 0;
}

static inline uint8_t *rp_map_of(const rp_heap_region_t *r, uintptr_t a)
{
    return (uint8_t *)(r->map_base + (a >> RP_POOL_SHIFT));
}

static inline rp_pool_t *rp_pool_of(const void *p)
{
    return (rp_pool_t *)((uintptr_t)p & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u));
}

static inline uint32_t rp_pool_mark(const void *p) { return RP_FREE_MARK ^ (uint32_t)(uintptr_t)p; }

void rp_report(const char *rule, const void *addr);

/* Frees a block the runtime allocated itself and knows to be live (an object): release
 * builds skip rp_free's validation; debug builds validate as rp_free does. */
void rp_free_known(void *p);

/* chunk.c */
void rp_chunk_region_init(rp_heap_region_t *r);
void *rp_chunk_alloc(uint32_t n);                 /* payload of >= n bytes, or NULL */
void rp_chunk_free(void *payload);
int rp_chunk_resize(void *payload, uint32_t n);   /* in place; 1 on success */
void *rp_chunk_alloc_pool(void);                  /* a pool window, or NULL */
void rp_chunk_free_pool(void *window);
uint32_t rp_chunk_payload(const void *payload);
uint32_t rp_chunk_bin(uint32_t size);
rp_fault_t rp_chunk_check(void);

/* pool.c: the fast paths are inline below and in rp_malloc and rp_free; the rare steps
 * stay in pool.c. */
void *rp_pool_alloc_new(unsigned cls);          /* the class has no pool with room: make one */
void rp_pool_reclaim(void);                     /* empty pools leave their class lists as spares */
uint32_t rp_pool_release_spares(void);          /* spare pools back to the chunk heap; bytes */
void rp_heap_tracing_changed(void);             /* heap.c: sets the gates (G1) */
int rp_pool_valid(const rp_pool_t *pg, unsigned cls, const void *p);
void rp_pool_init(void);
rp_fault_t rp_pool_check(void);

/* Puts the never-used block at odd word f - 1 on the free list: its own word 0 names the
 * next never-used block, or 0 at the end of the pool. Returns its offset. */
static inline uint32_t rp_pool_unveil(rp_pool_t *pg, unsigned cls, uint32_t f)
{
    uint32_t off = f - 1u, next = off + rp_class_size(cls);
    uint32_t *b = (uint32_t *)((uintptr_t)pg + off);
    b[0] = next < rp_heap.class_limit[cls] ? next + 1u : 0u;
    b[1] = rp_pool_mark(b);
    return off;
}

/* A block of class cls: pop the head pool's free list; a pool that fills leaves the
 * list. O(1). */
static inline void *rp_pool_alloc(unsigned cls)
{
    rp_pool_t *pg = rp_heap.heads[cls];
    uint32_t off = pg->free;
    if (!off)   /* only rp_heap.none has no free block: the list is empty */
        return rp_pool_alloc_new(cls);
    uint32_t *b = (uint32_t *)((uintptr_t)pg + off);
    uint32_t next = b[0];
    if (next & 1u)
        next = rp_pool_unveil(pg, cls, next);
    pg->free = (uint16_t)next;
    b[1] = 0;
    pg->used++;
    if (!next)
        rp_heap.heads[cls] = pg->next;
    return b;
}

/* The cheap rules of a pointer into pool pg of class cls: 8-aligned, a block start, and
 * not carrying the free mark. A pointer that fails them may still be a live block that
 * happens to hold the mark: rp_pool_valid tells, out of line. */
static inline int rp_pool_block_plausible(const rp_pool_t *pg, unsigned cls, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    uint32_t off = (uint32_t)(a - (uintptr_t)pg) - RP_POOL_HDR;
    return !(a & 7u) && off < (uint32_t)rp_heap.class_limit[cls] - RP_POOL_HDR && rp_is_block_start(off, cls) &&
           ((const uint32_t *)p)[1] != rp_pool_mark(p);
}

static inline int rp_pool_block_ok(const rp_pool_t *pg, unsigned cls, const void *p)
{
    return rp_pool_block_plausible(pg, cls, p) || rp_pool_valid(pg, cls, p);
}

/* Puts n marked blocks of pool pg, chained through word 0 from offset first to the block
 * `last` (whose word 0 is written here), at the head of its free list; a pool that was
 * full goes to the front of its class list (CPython's order). O(1). */
static inline void rp_pool_give(rp_pool_t *pg, unsigned cls, uint32_t first, uint32_t *last, uint32_t n)
{
    uint32_t old = pg->free;
    last[0] = old;
    pg->free = (uint16_t)first;
    pg->used = (uint16_t)(pg->used - n);
    if (!old) {
        pg->next = rp_heap.heads[cls];
        rp_heap.heads[cls] = pg;
    }
}

/* Returns a validated block to its pool (LIFO); a pool that was full goes to the front of
 * its class list (CPython's order). An emptied pool stays where it is: rp_pool_reclaim
 * collects empty pools when memory runs short. O(1). */
static inline void rp_pool_free(rp_pool_t *pg, unsigned cls, void *p)
{
    uint32_t *b = p;
    b[1] = rp_pool_mark(p);
    rp_pool_give(pg, cls, (uint32_t)((uintptr_t)p - (uintptr_t)pg), b, 1u);
}

/*
 * Freeing many blocks the runtime knows to be live (the collector's garbage). Blocks of
 * one pool that come in a row form a run, chained privately through their word 0; a run
 * joins its pool's free list in one step (rp_pool_give) under one critical section, so a
 * pool's header and list are touched once per run rather than once per block, and
 * interrupts are masked only for that step. Until then a run's blocks still count in
 * their pool's `used` and are not on its free list, so P1..P4 hold between any two calls
 * (the run's blocks already carry the free mark, as live blocks may).
 *
 *     rp_free_run_t r; rp_free_run_init(&r);
 *     ... rp_free_run_add(&r, p) for each block ...
 *     rp_free_run_end(&r);
 *
 * Chunks, blocks of other regions, tracing and debug builds take rp_free_known one block
 * at a time. O(1) per block.
 */
typedef struct rp_free_run {
    rp_pool_t *pg;    /* the pool of the run being gathered, or NULL */
    uint32_t *last;   /* the run's oldest block: its word 0 receives the pool's old free */
    uint32_t first;   /* offset of the run's newest block: the pool's new free */
    uint32_t n;       /* blocks in the run */
    uint32_t freed;   /* blocks freed by the runs ended so far, and one by one */
} rp_free_run_t;

/* heap.c: rp_pool_give under the critical section, for a pool of the first region. Takes
 * the run by value, so that a caller's run never leaves its registers. */
void rp_pool_give_locked(rp_pool_t *pg, uint32_t first, uint32_t *last, uint32_t n);

static inline void rp_free_run_init(rp_free_run_t *r)
{
    r->pg = 0;
    r->last = 0;
    r->first = r->n = r->freed = 0;
}

static inline void rp_free_run_end(rp_free_run_t *r)
{
    if (r->pg)
        rp_pool_give_locked(r->pg, r->first, r->last, r->n);
    r->freed += r->n;
    r->n = 0;
    r->pg = 0;
}

/* Ends the run and starts one at p; 0 if p is not a pool block of the first region (or
 * tracing is on, G1), which is then freed alone. The page map byte of a live block cannot
 * change under it (its pool is not empty), so it is read outside the critical section. */
static inline int rp_free_run_start(rp_free_run_t *r, void *p)
{
    rp_free_run_end(r);
    uintptr_t a = (uintptr_t)p;
    const rp_heap_region_t *rg = &rp_heap.regions[0];
    unsigned cls = a - rg->lo < rp_heap.fast_span ? *rp_map_of(rg, a) : RP_PAGE_NOT_POOL;
    if (cls >= RP_NCLASSES) {
        rp_free_known(p);
        r->freed++;
        return 0;
    }
    r->pg = rp_pool_of(p);
    r->last = p;
    return 1;
}

static inline void rp_free_run_add(rp_free_run_t *r, void *p)
{
#if RP_CFG_DEBUG
    rp_free_known(p);
    r->freed++;
#else
    rp_pool_t *pg = rp_pool_of(p);
    if (pg != r->pg && !rp_free_run_start(r, p))
        return;
    uint32_t *b = p;
    b[0] = r->first;   /* the oldest block's is overwritten when the run joins */
    b[1] = rp_pool_mark(p);
    r->first = (uint32_t)((uintptr_t)p - (uintptr_t)pg);
    r->n++;
#endif
}

#endif
