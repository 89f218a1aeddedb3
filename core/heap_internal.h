/*
 * heap_internal.h — the allocator's data structures and the invariants that hold between
 * calls. Shared by chunk.c (the coalescing heap), pool.c (size classes), heap.c (entry
 * points) and heap_check.c, which verifies exactly the invariants written here.
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
 *   C5 a POOL chunk is USED and holds exactly one pool window (below).
 *
 * Pools (pool.c). A pool is the RP_CFG_POOL_SIZE-aligned window [A, A + P - 4) inside a
 * POOL chunk whose tag sits at A - 4. Its state lives in the region's page table, at the
 * page of A; every page of a region has a descriptor, and cls == RP_PAGE_NOT_POOL for the
 * pages that are not pool windows. Offsets are in 8-byte units from A.
 *   P1 0 < used; used + (blocks on the free list) == bump / class size; bump <= class end.
 *   P2 free-list offsets are below bump, multiples of the class size, distinct; each free
 *      block holds the next offset in word 0 and RP_FREE_MARK ^ address in word 1.
 *   P3 a pool is on its class's partial list iff it has a free or never-used block, or
 *      it is the list's head: a head that fills stays until the next allocation finds it
 *      full, so that a free into it (the common churn) needs no list change. The list
 *      is doubly linked through prev/next (global page numbers).
 *   P4 partial_addr[c] and partial_g[c] are the window address and global page number
 *      of the head of partial[c].
 *   P5 class_end[c] == rp_class_limit(c) and class_recip[c] == rp_class_reciprocal(c).
 * Accounting (heap.c).
 *   A1 bytes_in_use and blocks_in_use equal the sums over live blocks.
 */
#ifndef RP_HEAP_INTERNAL_H
#define RP_HEAP_INTERNAL_H

#include "rp_heap.h"

#define RP_POOL_SHIFT ((unsigned)__builtin_ctz(RP_CFG_POOL_SIZE))

/* Block offsets in 8-byte units fit a byte while a pool holds at most 255 units. */
#if RP_CFG_POOL_SIZE <= 1024u
typedef uint8_t rp_blk_t;
#define RP_BLK_NIL 0xFFu
#else
typedef uint16_t rp_blk_t;
#define RP_BLK_NIL 0xFFFFu
#endif

#define RP_PAGE_NIL 0xFFFFu
#define RP_PAGE_NOT_POOL 0xFFu
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
 * the heap with no gap; the window's last 4 bytes are the next chunk's tag, so blocks
 * fill [A, A + P - 4) (classes that divide P lose their last block). */
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

typedef struct rp_page {
    uint16_t prev;   /* neighbours on the class's partial list, RP_PAGE_NIL at the ends */
    uint16_t next;
    rp_blk_t free;   /* first free block, RP_BLK_NIL if none */
    rp_blk_t bump;   /* blocks from here on were never handed out */
    rp_blk_t used;   /* blocks handed out (a count, not an offset) */
    uint8_t cls;     /* size class, or RP_PAGE_NOT_POOL */
} rp_page_t;

typedef struct rp_heap_region {
    uintptr_t grid;     /* pool-aligned base of the page numbering */
    uintptr_t lo, end;  /* chunk space; sentinel tag at end */
    rp_page_t *pages;   /* one descriptor per page of [grid, end) */
    uint32_t npages;
    uint32_t first;     /* global number of pages[0] */
} rp_heap_region_t;

typedef struct rp_heap {
    rp_heap_region_t regions[RP_CFG_MAX_REGIONS];
    unsigned nregions;
    rp_free_chunk_t *bins[RP_NBINS];
    uint32_t bitmap[RP_BITMAP_WORDS];
    rp_page_t *partial[RP_NCLASSES];       /* head of each class's partly used pools */
    rp_blk_t class_end[RP_NCLASSES];       /* rp_class_limit, without a division per call */
    uint32_t class_recip[RP_NCLASSES];     /* rp_class_reciprocal, for the same reason */
    uintptr_t partial_addr[RP_NCLASSES];   /* window address of that head */
    uint16_t partial_g[RP_NCLASSES];       /* and its global page number */
    uint32_t arena_bytes, metadata_bytes;
    uint32_t bytes_in_use, peak_bytes_in_use, blocks_in_use;
    uint32_t failed_allocs, reports;
    rp_fault_t last_report;
} rp_heap_t;

extern rp_heap_t rp_heap;

static inline uint32_t rp_tag_size(uint32_t tag) { return tag & ~(uint32_t)RP_CHUNK_FLAGS; }
static inline uint32_t *rp_tag_of(const void *payload) { return (uint32_t *)((uintptr_t)payload - RP_CHUNK_TAG); }
static inline uint32_t rp_class_units(unsigned cls) { return cls + 1u; }
/* Offset (8-byte units) just past the last block a pool of class cls can hold. Computed
 * once by rp_heap_init into rp_heap.class_end: on Cortex-M0 a division is a libgcc call. */
static inline uint32_t rp_class_limit(unsigned cls)
{
    return (RP_POOL_USABLE / (8u * rp_class_units(cls))) * rp_class_units(cls);
}

/* Region containing address a, or NULL. At most RP_CFG_MAX_REGIONS comparisons. */
static inline uint32_t rp_class_end(unsigned cls) { return rp_heap.class_end[cls]; }

/* ceil(2^19 / units): off * it >> 19 is off / units exactly for every offset in a pool
 * (off < 2^10 units, units < 2^9), so telling a block's start needs no division. */
#define RP_RECIP_SHIFT 19u
_Static_assert(RP_CFG_POOL_SIZE <= 8192u, "the reciprocal trick needs offsets below 2^10 units");
static inline uint32_t rp_class_reciprocal(unsigned cls)
{
    return ((1u << RP_RECIP_SHIFT) + rp_class_units(cls) - 1u) / rp_class_units(cls);
}

static inline int rp_is_block_start(uint32_t off, unsigned cls)
{
    uint32_t q = (off * rp_heap.class_recip[cls]) >> RP_RECIP_SHIFT;
    return q * rp_class_units(cls) == off;
}

static inline rp_heap_region_t *rp_region_of(uintptr_t a)
{
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        rp_heap_region_t *r = &rp_heap.regions[i];
        if (a >= r->lo && a < r->end)
            return r;
    }
    return 0;
}

static inline rp_page_t *rp_page_of(const rp_heap_region_t *r, uintptr_t a)
{
    return &r->pages[(a - r->grid) >> RP_POOL_SHIFT];
}

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

/* pool.c: the fast paths are inline below, so that rp_malloc and rp_free reach a block in
 * one call level; the rare steps stay in pool.c. */
rp_page_t *rp_pool_refill(unsigned cls);   /* a head with room for cls (drops a full one), or NULL */
void rp_pool_changed(rp_heap_region_t *r, rp_page_t *pg, uintptr_t window, int on_list);

static inline int rp_pool_has_room(const rp_page_t *pg, unsigned cls)
{
    return pg->free != RP_BLK_NIL || pg->bump + rp_class_units(cls) <= rp_class_end(cls);
}

static inline uint32_t rp_pool_mark(const void *p) { return RP_FREE_MARK ^ (uint32_t)(uintptr_t)p; }

/* A block of class cls: the head pool's free list first, then its never-used blocks. A
 * head found full is dropped from the list there (P3), out of line. */
static inline void *rp_pool_alloc(unsigned cls)
{
    rp_page_t *pg = rp_heap.partial[cls];
    if ((!pg || !rp_pool_has_room(pg, cls)) && !(pg = rp_pool_refill(cls)))
        return 0;
    uint32_t *b;
    if (pg->free != RP_BLK_NIL) {
        b = (uint32_t *)(rp_heap.partial_addr[cls] + ((uintptr_t)pg->free << 3));
        pg->free = (rp_blk_t)b[0];
    } else {
        b = (uint32_t *)(rp_heap.partial_addr[cls] + ((uintptr_t)pg->bump << 3));
        pg->bump = (rp_blk_t)(pg->bump + rp_class_units(cls));
    }
    b[1] = 0;
    pg->used++;
    return b;
}

/* Returns a validated block to its pool (LIFO); a pool that was full or became empty
 * changes lists out of line. */
static inline void rp_pool_free(rp_heap_region_t *r, rp_page_t *pg, void *p)
{
    uintptr_t window = (uintptr_t)p & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u);
    uint32_t *b = p;
    int on_list = rp_pool_has_room(pg, pg->cls) || rp_heap.partial[pg->cls] == pg;
    b[0] = pg->free;
    b[1] = rp_pool_mark(p);
    pg->free = (rp_blk_t)(((uintptr_t)p - window) >> 3);
    if (--pg->used == 0 || !on_list)
        rp_pool_changed(r, pg, window, on_list);
}
int rp_pool_valid(const rp_heap_region_t *r, const rp_page_t *pg, const void *p);
rp_fault_t rp_pool_check(void);

#endif
