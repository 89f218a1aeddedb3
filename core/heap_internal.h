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
 *   C6 free_bytes is the sum of the free chunks' sizes.
 *
 * Pools (pool.c). A pool is the RP_CFG_POOL_SIZE-aligned window [A, A + P - 4) inside a
 * POOL chunk whose tag sits at A - 4. Its header (rp_pool_t) sits at A; blocks of its
 * class follow at A + RP_POOL_HDR, class size apart. The region's page map holds one byte
 * per page: the class of the pool whose window is that page, RP_PAGE_SPARE for an empty
 * pool kept for reuse, RP_PAGE_NOT_POOL otherwise. Offsets below are bytes from A.
 *   P1 the page map byte of a pool window equals its header's cls; 0 < used;
 *      used + (blocks on the free list) == (bump - RP_POOL_HDR) / class size;
 *      bump <= rp_pool_limit(cls).
 *   P2 free-list offsets lie in [RP_POOL_HDR, bump), are block starts, distinct, and end
 *      with 0; each free block holds the next offset in word 0 and RP_FREE_MARK ^ its
 *      address in word 1.
 *   P3 free == 0 iff the pool is full (the bump offset is moved onto the free list one
 *      block at a time, when the list runs dry: CPython's freeblock/nextoffset).
 *   P4 a pool is on its class's ring (doubly linked through next/prev, closed by the
 *      sentinel rp_heap.rings[cls], whose free is 0) iff it is not full.
 *   P5 the spare list (singly linked through next) holds exactly the RP_PAGE_SPARE pools;
 *      a spare pool is an intact POOL chunk whose blocks are all free.
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

/* A pool's header, at the start of its window (CPython's pool_header). */
typedef struct rp_pool {
    struct rp_pool *next;   /* the class's ring of pools with room, or the spare list */
    struct rp_pool *prev;
    uint16_t free;          /* first free block, 0 iff the pool is full (P3) */
    uint16_t bump;          /* blocks from here on were never handed out */
    uint16_t used;          /* blocks handed out (a count) */
    uint8_t cls;
    uint8_t spare_;         /* padding, kept zero */
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
    rp_pool_t rings[RP_NCLASSES];   /* ring sentinels: rings[c].next is the class's head */
    rp_heap_region_t regions[RP_CFG_MAX_REGIONS];
    unsigned nregions;
    rp_pool_t *spare;                /* empty pools kept for reuse (P5) */
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

/* pool.c: the fast paths are inline below, so that rp_malloc and rp_free reach a block
 * with no call; the rare steps stay in pool.c. */
void *rp_pool_alloc_new(unsigned cls);          /* the class's ring is empty: a new pool */
void rp_pool_ran_dry(rp_pool_t *pg);            /* free list empty: bump a block, or leave the ring */
void rp_pool_changed(rp_pool_t *pg, uint32_t old_free);  /* after a free: now empty, or was full */
uint32_t rp_pool_release_spares(void);          /* spare pools back to the chunk heap; bytes */
int rp_pool_valid(const rp_pool_t *pg, unsigned cls, const void *p);
void rp_pool_init(void);
rp_fault_t rp_pool_check(void);

/* A block of class cls: pop the head pool's free list. O(1). */
static inline void *rp_pool_alloc(unsigned cls)
{
    rp_pool_t *pg = rp_heap.rings[cls].next;
    uint32_t off = pg->free;
    if (!off)   /* only the sentinel has no free block: the ring is empty */
        return rp_pool_alloc_new(cls);
    uint32_t *b = (uint32_t *)((uintptr_t)pg + off);
    pg->free = (uint16_t)b[0];
    b[1] = 0;
    pg->used++;
    if (!pg->free)
        rp_pool_ran_dry(pg);
    return b;
}

/* The cheap rules of a pointer into pool pg of class cls: 8-aligned, a block start below
 * the bump offset, and not carrying the free mark (else the out-of-line check walks the
 * free list to tell a double free from a live block that happens to hold the mark). */
static inline int rp_pool_block_ok(const rp_pool_t *pg, unsigned cls, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    uint32_t off = (uint32_t)(a - (uintptr_t)pg) - RP_POOL_HDR;
    if ((a & 7u) || off >= (uint32_t)pg->bump - RP_POOL_HDR || !rp_is_block_start(off, cls) ||
        ((const uint32_t *)p)[1] == rp_pool_mark(p))
        return rp_pool_valid(pg, cls, p);
    return 1;
}

/* Returns a validated block to its pool (LIFO). A pool that was full rejoins its ring and
 * one left empty becomes a spare, out of line. O(1). */
static inline void rp_pool_free(rp_pool_t *pg, void *p)
{
    uint32_t *b = p;
    uint32_t old = pg->free;
    b[0] = old;
    b[1] = rp_pool_mark(p);
    pg->free = (uint16_t)((uintptr_t)p - (uintptr_t)pg);
    if (--pg->used == 0 || !old)
        rp_pool_changed(pg, old);
}

#endif
