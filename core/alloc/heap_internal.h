/*
 * heap_internal.h — the allocator's data structures and the invariants that hold between
 * calls. Shared by chunk.c (the coalescing heap), pool.c (size classes) and heap.c (entry
 * points, statistics, the checker), which verify exactly the invariants written here.
 *
 * Chunks (chunk.c). A region's chunk space is [lo, end) with lo + 4 = 0 (mod
 * RP_CFG_POOL_SIZE), so that the payload after each 4-byte tag is 8-aligned and the first
 * chunk's starts a pool window (the first carve point, C7). A chunk is
 *     [tag: size | flags][payload ... size - 4 bytes]
 * with size a multiple of 8 and at least RP_CHUNK_MIN. A free chunk also holds
 *     [tag][next free][prev free] ... [footer = size]
 *   C1 chunks tile [lo, end) exactly; a zero-size USED tag at `end` is the sentinel.
 *   C2 a chunk's PREV_USED flag equals the USED flag of the chunk before it (the first
 *      chunk of a region has PREV_USED set).
 *   C3 no two free chunks are adjacent (coalescing is complete).
 *   C4 a free chunk's footer equals its size, and it is on the free list of bin_of(size)
 *      (but for the wilderness, C7); every chunk on that list is free and of that bin.
 *      List b is circular and doubly linked through its slot bins[b], a node like the
 *      chunks' links: from the slot, next runs through the list's chunks and back to the
 *      slot, and every node's next has that node for prev (an empty list's slot names
 *      itself both ways). Bit b of the bin bitmap is set iff list b is non-empty. With
 *      RP_PORT_BITBAND, bitband is the bit-band alias word of the bitmap's bit 0, and
 *      slot_band is bitband less half the address of bins (so bin b's alias word is
 *      slot_band + &bins[b] / 2). The node after the slots, bins[RP_NBINS] (RP_WILD),
 *      names itself both ways and its bit, RP_NBINS, is clear: no list runs through it
 *      (C7).
 *   C5 a POOL chunk is USED, at least RP_CFG_POOL_SIZE bytes (a remainder too small to be a
 *      chunk is absorbed), and holds one pool window.
 *   C6 free_bytes is the sum of the free chunks' sizes; chunk_bytes is the sum of the
 *      regions' chunk spaces; low_free <= free_bytes is the lowest free_bytes since
 *      rp_heap_init, so chunk_bytes - low_free is the peak footprint.
 *   C7 carve, the carve point, is 0 or the tag of a chunk (free or used) of the first
 *      region whose payload starts a pool window and which is the first chunk of the
 *      region or follows a POOL chunk of exactly RP_POOL_CHUNK bytes. Pool chunks are freed only by
 *      rp_chunk_free_pool (spares going back), which clears carve when it frees that
 *      predecessor: so the chunk at carve is never merged into the chunk before it, and
 *      carve stays a chunk start with no check on free's path. New pools are cut from the
 *      front of a free chunk at carve (O(1)). A free chunk at carve is on its bin's list
 *      (C4) or is the wilderness: off the bins, both its links naming RP_WILD; no other
 *      chunk's links name it. Before carve changes (rp_chunk_free_pool, carve_anew) a
 *      wilderness goes onto its bin.
 *
 * Pools (pool.c). A pool is the RP_CFG_POOL_SIZE-aligned window [A, A + P - 4) inside a
 * POOL chunk whose tag sits at A - 4. Its header (rp_pool_t) sits at the window's end,
 * H = A + RP_POOL_HDR_OFF, and a pool is named by H; the blocks of its class lie below
 * H, class size apart: the k-th (k >= 1) at H - k * size, down to H - rp_pool_limit(cls).
 * They are handed out from the bottom up, so that objects made one after another lie at
 * rising addresses, pool after pool (a descending run inside each ascending kilobyte
 * defeats a cached CPU's prefetcher: a full collection of a million objects on the host
 * took nine times as long).
 * (The header at the end costs no block: a 12-byte header there leaves as many blocks as
 * an 8-byte one at the front.) Free-list entries are distances below H. The region's
 * page map holds one byte per page: the class of the pool whose window is that page (a
 * spare's too: the class its blocks are threaded for), RP_PAGE_NOT_POOL otherwise.
 *   P1 every block of a pool is either handed out or on its free list:
 *      used + (blocks on the free list) == rp_pool_capacity(cls).
 *   P2 free-list distances are block positions, distinct; each listed block holds the
 *      next distance in word 0 and RP_FREE_MARK ^ its address in word 1. The list ends
 *      with 0, or with an odd word f: the blocks from distance f - 1 up to the header
 *      (distance size) were never handed out and count as free (CPython's nextoffset, kept
 *      where the header need not hold it). So free == 0 iff the pool is full.
 *   P3 rp_heap.classes[cls].head starts the class's list of pools with room, linked
 *      through next and ended by &rp_heap.none (whose free is 0); every pool on it but the
 *      first has prev naming the pool before it (the first one's prev is not kept). A
 *      pool of class cls is on that list exactly once iff it is neither full nor empty: a
 *      pool that empties leaves it at once, in O(1), as a spare (CPython's
 *      usedpools/freepools).
 *   P4 the spare list (through next, ended by NULL) holds exactly the pools whose used is
 *      0 (the spares); a spare's blocks are all free, threaded for the class its page map
 *      byte names. (So a pool empties with two list operations and no page map write.)
 *   P5 8 * seen is the distance of the last block unveiled: the odd end f's f - 1 plus the
 *      class size, or the class size when the list ends with 0. So a block at distance d
 *      was listed or handed out at some time iff 8 * seen <= d <= rp_pool_limit(cls):
 *      free's bound test, which refuses a never-used block (it carries no free mark to
 *      tell it by).
 * Gates (heap.c).
 *   G1 fast_small, fast_chunk and fast_span are 0 iff tracing is on or a failure is
 *      injected (F1: rp_heap_fail_nth armed, RP_CFG_FAULT_INJECT); otherwise
 *      RP_CFG_SMALL_MAX, the largest request above it a chunk can serve, less
 *      RP_CFG_SMALL_MAX (RP_CHUNK_FAST), and regions[0].span.
 *   G2 chunk_inner is 0 between calls: it is 1 only while rp_chunk_alloc, inside the
 *      critical section, has rp_chunk_malloc return NULL on failure rather than go on to
 *      malloc's slow path.
 * Accounting (heap.c).
 *   A1 bytes_in_use and blocks_in_use count every live block (debug builds, kept by
 *      heap.c); release builds keep no count (both stay 0): rp_heap_stats counts the
 *      live chunks as it walks them and pool blocks from the pools' `used`.
 */
#ifndef RP_HEAP_INTERNAL_H
#define RP_HEAP_INTERNAL_H

#include "rp_heap.h"
#include "rp_port.h"

#define RP_POOL_SHIFT ((unsigned)__builtin_ctz(RP_CFG_POOL_SIZE))

#define RP_PAGE_NOT_POOL 0xFFu
/* The free mark's constant is one Thumb-2 modified immediate (a byte repeated), so that
 * free computes a mark with one eor instead of a literal load and an eor. */
#define RP_FREE_MARK 0xB6B6B6B6u

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

/* Free lists: each power of two is split into RP_BIN_SUB bins (two bits), as TLSF does,
 * from 16 up (so 16 and 24 have a bin each, and bins 1 and 3 stay empty: one formula,
 * no branch, rp_chunk_bin). */
#define RP_BIN_SUB_LOG2 2u
#define RP_BIN_SUB (1u << RP_BIN_SUB_LOG2)
#define RP_NBINS ((RP_CFG_CHUNK_MAX_LOG2 - 4u) * RP_BIN_SUB)
#define RP_BITMAP_WORDS ((RP_NBINS + 31u) / 32u)
/* The wilderness's node (C7), after the slots: off_list may clear its bit, RP_NBINS, which
 * the bitmap holds (a word more when RP_NBINS is a multiple of 32) and no search reads. */
#define RP_WILD RP_NBINS
/* ARMv7-M's SRAM bit-band (RP_PORT_BITBAND): the word at RP_BITBAND_ALIAS + 32 * o + 4 * k
 * reads bit k of the byte at RP_BITBAND_SRAM + o, and a store to it writes that bit
 * alone, for o below RP_BITBAND_SPAN. */
#define RP_BITBAND_SRAM 0x20000000u
#define RP_BITBAND_ALIAS 0x22000000u
#define RP_BITBAND_SPAN 0x100000u

/* A free chunk's list links, in its payload after the tag; a bin's slot is one too, the
 * sentinel of its circular list (C4). */
typedef struct rp_links {
    struct rp_links *next;
    struct rp_links *prev;
} rp_links_t;

/* rp_heap.none's next: odd, so that the word malloc's fast path reads as the next free
 * block of an empty class list (none's first word) sends it to the slow path, as a
 * never-used block does; no list is ever followed past &rp_heap.none. */
#define RP_POOL_NONE_NEXT ((struct rp_pool *)(uintptr_t)1)
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "none's next is read as a 32-bit word");

/* A pool's header, at the end of its window (CPython's pool_header, cut to 12 bytes on
 * 32-bit targets: the class is in the page map, and the never-used blocks' distance is
 * kept at the end of the free list, P2). */
/* Block counts and distances in units of 8 fit a byte up to 2 KiB pools (at most 254
 * blocks), which keeps the header at 12 bytes; larger pools take 16-bit fields. */
#if RP_CFG_POOL_SIZE <= 2048u
typedef uint8_t rp_pool_count_t;
#else
typedef uint16_t rp_pool_count_t;
#endif

typedef struct rp_pool {
    struct rp_pool *next;   /* the class's list of pools with room, or the spare list */
    struct rp_pool *prev;   /* the class's list, backwards; not kept for its first pool */
    uint16_t free;          /* first free block's distance below the header, 0 iff full (P2) */
    rp_pool_count_t used;   /* blocks handed out; 0 iff a spare (P4) */
    rp_pool_count_t seen;   /* P5: the blocks from distance 8 * seen down were listed or handed out, none above */
} rp_pool_t;

/* The header's offset in the window: 8-aligned, so the blocks below it are too, and as
 * high as the window (less the next chunk's tag) allows. */
#define RP_POOL_HDR_OFF ((uint32_t)((RP_POOL_USABLE - sizeof(rp_pool_t)) & ~7u))
#define RP_POOL_MIN_CAPACITY (RP_POOL_HDR_OFF / RP_CFG_SMALL_MAX)   /* of the largest class */
_Static_assert(RP_POOL_MIN_CAPACITY >= 2u, "a pool holds at least two blocks of every class");

/* A pool's free, used and seen at once: one store where they share a word. */
static inline void rp_pool_set_counts(rp_pool_t *pg, uint32_t free, uint32_t used, uint32_t seen)
{
#if RP_CFG_POOL_SIZE <= 2048u
    _Static_assert(offsetof(rp_pool_t, used) == offsetof(rp_pool_t, free) + 2u &&
                       offsetof(rp_pool_t, seen) == offsetof(rp_pool_t, free) + 3u && (offsetof(rp_pool_t, free) & 3u) == 0,
                   "free, used and seen share a word");
    typedef uint32_t __attribute__((may_alias)) word_t;
    *(word_t *)(void *)&pg->free = free | used << 16 | seen << 24;   /* little-endian (asserted above) */
#else
    pg->free = (uint16_t)free;
    pg->used = (rp_pool_count_t)used;
    pg->seen = (rp_pool_count_t)seen;
#endif
}

typedef struct rp_heap_region {
    uintptr_t lo, end;   /* chunk space; sentinel tag at end */
    uintptr_t span;      /* end - lo: one compare tells a pointer in the region */
    uintptr_t map_base;  /* page map byte of address a: map_base + (a >> RP_POOL_SHIFT) */
    uint8_t *map;        /* one byte per page of [grid, end) */
    uintptr_t grid;      /* pool-aligned base of the page numbering */
    uint32_t npages;
} rp_heap_region_t;

/* What the fast paths read per class, side by side: 8 bytes with 32-bit pointers, so that
 * a request's row lies (n - 1) rounded down to 8 bytes from the first, and malloc reaches
 * its head with one mask and a register-offset load. */
typedef struct rp_class_row {
    uint32_t recip;      /* rp_class_reciprocal, without a division per call */
    rp_pool_t *head;     /* P3: the first pool with room of the class */
} rp_class_row_t;

typedef struct rp_heap {
    rp_class_row_t classes[RP_NCLASSES];   /* first in the struct: free's fast path reads a
                                            * recip at the struct's address plus the scaled
                                            * class, in one instruction */
    /* The fast paths' gates: RP_CFG_SMALL_MAX and regions[0].span, or 0 while tracing so
     * that every call takes the slow path, which traces (G1). */
    uint32_t fast_small;
    uint32_t fast_chunk;
    rp_pool_t none;                  /* ends every class list; its free is always 0 and its
                                      * next is RP_POOL_NONE_NEXT (odd, see rp_malloc) */
    uintptr_t fast_span;             /* just before regions[0].lo: free loads both at once */
    rp_heap_region_t regions[RP_CFG_MAX_REGIONS];
    unsigned nregions;
    rp_pool_t *spare;                /* empty pools kept for reuse (P4) */
    uint16_t class_limit[RP_NCLASSES];   /* rp_pool_limit (it and the recips: rp_pool_check verifies them) */
    rp_links_t bins[RP_NBINS + 1];   /* C4: each list's slot (two words: see chunk.c's list
                                      * steps), then the wilderness's node RP_WILD (C7) */
    uint32_t bitmap[RP_WILD / 32u + 1u];   /* C4: RP_BITMAP_WORDS words, and bit RP_WILD */
#if RP_PORT_BITBAND
    uintptr_t bitband;               /* C4: the alias word of bitmap's bit 0 (RP_PORT_BITBAND) */
    uintptr_t slot_band;             /* C4: bitband - (bins >> 1), so that bin b's bit is
                                      * the word at slot_band + &bins[b] / 2 */
#endif
    uint32_t free_bytes, low_free, chunk_bytes;   /* C6 (free_bytes and low_free side by side: one ldrd) */
    uintptr_t carve;                 /* C7: the next pool's chunk, or 0 */
    uint32_t chunk_inner;            /* G2: 1 while rp_chunk_alloc runs: a failure is NULL (chunk.c) */
    uint32_t arena_bytes, metadata_bytes;
    uint32_t bytes_in_use, blocks_in_use;   /* A1 (debug builds) */
    uint32_t failed_allocs, reports;
    rp_fault_t last_report;
#if RP_CFG_FAULT_INJECT
    uint32_t fail_countdown;         /* F1: allocations until the injected failure; 0: none */
    uint32_t fail_flags;             /* rp_fail_flags; RP_FAIL_STICKY with countdown 0: every call fails */
    uint32_t failures_injected;
#endif
} rp_heap_t;

extern rp_heap_t rp_heap;

/* v, with its value hidden from the optimizer (no instruction): where GCC would rebuild
 * an expression from its parts in a longer form (a mask of two bics where a shift of a
 * value at hand is one instruction), or keep a part live that the fast path can drop. */
static inline uintptr_t rp_opaque(uintptr_t v)
{
    __asm__("" : "+r"(v));
    return v;
}

static inline uint32_t rp_tag_size(uint32_t tag) { return tag & ~(uint32_t)RP_CHUNK_FLAGS; }
static inline uint32_t *rp_tag_of(const void *payload) { return (uint32_t *)((uintptr_t)payload - RP_CHUNK_TAG); }
static inline uint32_t rp_class_units(unsigned cls) { return cls + 1u; }
static inline uint32_t rp_class_size(unsigned cls) { return 8u * (cls + 1u); }

static inline uint32_t rp_pool_capacity(unsigned cls)
{
    return RP_POOL_HDR_OFF / rp_class_size(cls);
}

/* Distance below the header of the lowest block a pool of class cls holds. Computed once
 * by rp_heap_init into rp_heap.class_limit: on Cortex-M0 a division is a libgcc call. */
static inline uint32_t rp_pool_limit(unsigned cls)
{
    return rp_pool_capacity(cls) * rp_class_size(cls);
}

/* c = ceil(2^32 / size): for 0 <= d <= RP_CFG_POOL_SIZE, (d * c) mod 2^32 < c iff size
 * divides d (Lemire, Kaser and Kurz's divisibility test: d = q * size + r gives
 * d * c = q * e + r * c mod 2^32 with e = size * c - 2^32 < size, below c iff r == 0 while
 * q * e < d is small), so telling a block's start needs no division, and no separate test
 * of alignment either: size is a multiple of 8. */
_Static_assert(RP_CFG_POOL_SIZE <= 8192u, "the divisibility test needs distances far below 2^32 / size");
static inline uint32_t rp_class_reciprocal(unsigned cls)
{
    return (uint32_t)((((uint64_t)1 << 32) + rp_class_size(cls) - 1u) / rp_class_size(cls));
}

/* Whether distance d (at most RP_CFG_POOL_SIZE) below a pool's header is a multiple of
 * the class size, as block positions are; that makes d, and the block, 8-aligned. */
static inline int rp_is_block_start(uint32_t d, unsigned cls)
{
    uint32_t c = rp_heap.classes[cls].recip;
    return (uint32_t)(d * c) < c;
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

/* The pool (its header) of a block, and the start of a pool's window. */
static inline rp_pool_t *rp_pool_of(const void *p)
{
    return (rp_pool_t *)(((uintptr_t)p & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u)) + RP_POOL_HDR_OFF);
}

static inline void *rp_pool_window(const rp_pool_t *pg)
{
    return (void *)((uintptr_t)pg - RP_POOL_HDR_OFF);
}

static inline uint32_t rp_pool_mark(const void *p) { return RP_FREE_MARK ^ (uint32_t)(uintptr_t)p; }

void rp_report(const char *rule, const void *addr);

#if RP_CFG_DEBUG
/* 1 if p lies in a heap region but is not the start of a live block: the debug header
 * before it does not hold the live mark (freed blocks are filled with 0xDD, and a free
 * list's words or a chunk's links overwrite the mark). A block freed and handed out
 * again is live, and not told apart. O(regions). */
int rp_heap_debug_freed(const void *p);
#endif

/* Frees a block the runtime allocated itself and knows to be live (an object): release
 * builds skip rp_free's validation; debug builds validate as rp_free does. */
void rp_free_known(void *p);

/* The port's critical section as the allocator's entry points take it: inline where the
 * port offers it (rp_port.h). */
static inline rp_critical_t enter(void)
{
#if RP_CFG_CRITICAL && RP_PORT_INLINE_CRITICAL
    return rp_port_critical_enter_inline();
#elif RP_CFG_CRITICAL
    return rp_port_critical_enter();
#else
    return 0;
#endif
}

static inline void leave(rp_critical_t t)
{
#if RP_CFG_CRITICAL && RP_PORT_INLINE_CRITICAL
    rp_port_critical_exit_inline(t);
#elif RP_CFG_CRITICAL
    rp_port_critical_exit(t);
#else
    (void)t;
#endif
}

/* chunk.c */
void rp_chunk_init(void);                          /* empty bins (C4), after rp_heap is zeroed */
void rp_chunk_region_init(rp_heap_region_t *r);
#define RP_CHUNK_MAX_REQUEST ((1u << RP_CFG_CHUNK_MAX_LOG2) - 16u)   /* no chunk space is larger */
#define RP_CHUNK_FAST (RP_CHUNK_MAX_REQUEST - RP_CFG_SMALL_MAX)
void *rp_chunk_alloc(uint32_t n);                 /* payload of >= n bytes, or NULL */
void *rp_chunk_malloc(uint32_t n);                /* rp_malloc's chunk path, for RP_CFG_SMALL_MAX < n <= RP_CHUNK_MAX_REQUEST */
void *rp_malloc_chunk_slow(size_t n);             /* heap.c: rp_chunk_malloc's failure */
void rp_chunk_free(void *payload);
int rp_chunk_valid(const rp_heap_region_t *r, const void *raw);          /* reports; 1 if valid */
void rp_chunk_free_checked(const rp_heap_region_t *r, void *payload);   /* rp_free's chunk path */
int rp_chunk_resize(void *payload, uint32_t n);   /* in place; 1 on success */
void *rp_chunk_pool_new(unsigned cls);            /* rp_pool_start of a new pool, or NULL; O(1) (C7) */
void *rp_chunk_pool_miss(uintptr_t off, rp_critical_t t);  /* malloc's miss, empty class list: leaves t */
void *rp_malloc_pool_slow(unsigned cls);          /* heap.c: rp_chunk_pool_miss's failure */
void rp_chunk_free_pool(void *window);
uint32_t rp_chunk_payload(const void *payload);
uint32_t rp_chunk_bin(uint32_t size);
rp_fault_t rp_chunk_check(void);

/* pool.c: the fast paths are inline below and in rp_malloc and rp_free; the rare steps
 * stay in pool.c. */
void *rp_pool_alloc_new(unsigned cls);          /* the class has no pool with room: make one */
/* The spare pools back to the chunk heap, one a masked window: *t, the caller's token, is
 * left and taken again between two pools. Returns the bytes given back. */
uint32_t rp_pool_release_spares(rp_critical_t *t);

/* The allocator's tracer (trace.c installs one while tracing, rp_heap_set_tracer): the
 * allocator and the object layer know tracing only through this hook, since tracing is
 * a layer above them. NULL while tracing is off; the fast-path gates follow it (G1). */
typedef struct rp_heap_tracer {
    void (*alloc)(const void *p, size_t size, const void *site);   /* p NULL: failed */
    void (*free)(const void *p);
    void (*resize)(const void *p, size_t size);
    void (*hint)(uint8_t type, const void *site);   /* for the next allocation */
} rp_heap_tracer_t;
extern const rp_heap_tracer_t *rp_heap_tracer;
void rp_heap_set_tracer(const rp_heap_tracer_t *tracer);   /* heap.c: and the gates, masked */
int rp_pool_valid(const rp_pool_t *pg, unsigned cls, const void *p);
void rp_pool_init(void);
rp_fault_t rp_pool_check(void);

static inline uint32_t *rp_pool_block(const rp_pool_t *pg, uint32_t d)
{
    return (uint32_t *)((uintptr_t)pg - d);
}

/* Never-used blocks a slow allocation from a pool puts on its free list at once. Each
 * such call costs about 40 instructions before it writes a block (rp_malloc's miss and
 * the slow path behind it, as measured when it went through malloc_slow), so one block
 * per call cost W1s 1.3 instructions per malloc on average; eight cost 0.3, at about 5
 * instructions a block more for that call, which made it 135 in all; four keep it under
 * 100 (issue 17's bound) for 0.03 more on W1s's mean (24.83 -> 24.86). */
#define RP_POOL_UNVEIL 4u

/* Puts up to `count` (>= 1) never-used blocks, from the one at odd word f - 1 upwards, on
 * the free list in address order: each names the next in its word 0, the last one the
 * next never-used block above it (odd), or 0 at the top of the pool. Returns the first
 * one's distance. */
static inline uint32_t rp_pool_unveil(rp_pool_t *pg, unsigned cls, uint32_t f, unsigned count)
{
    uint32_t size = rp_class_size(cls), d = f - 1u;
    uint32_t *b = rp_pool_block(pg, d);
    for (; count > 1u && d > size; count--) {
        b[0] = d - size;
        b[1] = rp_pool_mark(b);
        d -= size;
        b = rp_pool_block(pg, d);
    }
    b[0] = d > size ? d - size + 1u : 0u;
    b[1] = rp_pool_mark(b);
    pg->seen = (rp_pool_count_t)(d >> 3);
    return f - 1u;
}

/* Makes pg, an empty pool (map its page map byte), the one pool of class cls's list and
 * hands out its bottom block: the one above is the head of its free list, the rest never
 * used (P2). It unveils one block, not RP_POOL_UNVEIL: this is malloc's longest path. */
static inline void *rp_pool_start(rp_pool_t *pg, uint8_t *map, unsigned cls)
{
    *map = (uint8_t)cls;
    pg->next = &rp_heap.none;
    rp_heap.classes[cls].head = pg;
    /* rp_pool_unveil of one block, written out for the first one above the bottom block
     * (d), with its counts in one store: 15 instructions fewer on malloc's longest path. */
    uint32_t size = rp_class_size(cls), d = rp_heap.class_limit[cls] - size;
    uint32_t *b = rp_pool_block(pg, d + size), *n = rp_pool_block(pg, d);
    n[0] = RP_POOL_MIN_CAPACITY >= 3u || d > size ? d - size + 1u : 0u;
    n[1] = rp_pool_mark(n);
    rp_pool_set_counts(pg, d, 1u, d >> 3);
    b[1] = 0;
    return b;
}

/* A block of class cls: pop the head pool's free list; a pool that fills leaves the
 * list. O(1). */
static inline void *rp_pool_alloc(unsigned cls)
{
    rp_pool_t *pg = rp_heap.classes[cls].head;
    uint32_t d = pg->free;
    if (!d)   /* only rp_heap.none has no free block: the list is empty */
        return rp_heap.spare ? rp_pool_alloc_new(cls) : rp_chunk_pool_new(cls);
    uint32_t *b = rp_pool_block(pg, d);
    uint32_t next = b[0];
    if (next & 1u)
        next = rp_pool_unveil(pg, cls, next, RP_POOL_UNVEIL);
    pg->free = (uint16_t)next;
    b[1] = 0;
    pg->used++;
    if (!next)
        rp_heap.classes[cls].head = pg->next;
    return b;
}

/* Whether distance d (taken as unsigned: a pointer above the header wraps) names a place
 * of pg at or below the last block unveiled (P5) and below the header. The one bound
 * test of free's fast path; with rp_is_block_start it is exact, since d (from a pointer
 * into pg's window) is at most RP_POOL_HDR_OFF and no block start lies between the
 * bottom block and the window's start. */
static inline int rp_pool_in_seen(const rp_pool_t *pg, uint32_t d)
{
    return d - ((uint32_t)pg->seen << 3) <= RP_POOL_HDR_OFF;
}

/* The cheap rules of a pointer into pool pg of class cls: within the blocks ever unveiled
 * (rp_pool_in_seen), a block start (so 8-aligned, rp_is_block_start), and not carrying
 * the free mark. A pointer that fails them may still be a live block that happens to hold
 * the mark: rp_pool_valid tells, out of line. */
static inline int rp_pool_block_plausible(const rp_pool_t *pg, unsigned cls, const void *p)
{
    uint32_t d = (uint32_t)((uintptr_t)pg - (uintptr_t)p);
    return rp_pool_in_seen(pg, d) && rp_is_block_start(d, cls) && ((const uint32_t *)p)[1] != rp_pool_mark(p);
}

static inline int rp_pool_block_ok(const rp_pool_t *pg, unsigned cls, const void *p)
{
    return rp_pool_block_plausible(pg, cls, p) || rp_pool_valid(pg, cls, p);
}

/* Called when pg's last block came back (its used is 0 now): off its class list in O(1),
 * onto the spare list. Its blocks stay threaded for cls, which its page map byte still
 * names (P4). Inline: it is free's longest path. */
static inline void rp_pool_emptied(rp_pool_t *pg, unsigned cls)
{
    rp_pool_t *next = pg->next, *prev = pg->prev;
    if (rp_heap.classes[cls].head == pg)
        rp_heap.classes[cls].head = next;
    else
        prev->next = next;
    next->prev = prev;   /* &rp_heap.none's prev is not read; a new head's is not kept */
    pg->next = rp_heap.spare;
    rp_heap.spare = pg;
}

/* Puts n marked blocks of pool pg, chained through word 0 from distance first to the
 * block `last` (whose word 0 is written here), at the head of its free list; a pool that
 * was full goes to the front of its class list (CPython's order), and one that empties
 * leaves it as a spare (P3). O(1). */
static inline void rp_pool_give(rp_pool_t *pg, unsigned cls, uint32_t first, uint32_t *last, uint32_t n)
{
    uint32_t old = pg->free;
    last[0] = old;
    pg->free = (uint16_t)first;
    uint32_t used = pg->used - n;
    pg->used = (rp_pool_count_t)used;
    if (!old) {
        rp_pool_t *h = rp_heap.classes[cls].head;
        pg->next = h;
        h->prev = pg;
        rp_heap.classes[cls].head = pg;
    }
    if (!used)
        rp_pool_emptied(pg, cls);
}

/* Returns a validated block to its pool (LIFO): rp_pool_give of one block, written out
 * so that a pool that was full is known not to empty (capacity > 1). O(1). */
static inline void rp_pool_free(rp_pool_t *pg, unsigned cls, void *p)
{
    uint32_t *b = p;
    uint32_t old = pg->free;
    b[0] = old;
    b[1] = rp_pool_mark(p);
    pg->free = (uint16_t)((uintptr_t)pg - (uintptr_t)p);
    /* (rp_opaque: tested as the new count against zero, one cbz, where GCC would
     * compare the old count with 1 in two instructions) */
    uint32_t used = (uint32_t)rp_opaque(pg->used - 1u);
    pg->used = (rp_pool_count_t)used;
    if (!used) {
        rp_pool_emptied(pg, cls);
    } else if (!old) {   /* was full (so not empty now: capacity > 1) */
        rp_pool_t *h = rp_heap.classes[cls].head;
        pg->next = h;
        h->prev = pg;
        rp_heap.classes[cls].head = pg;
    }
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
    uint32_t first;   /* distance of the run's newest block: the pool's new free */
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
    /* p is in the run's pool iff its distance below the header is in (0, RP_POOL_HDR_OFF]
     * (with no run, pg is NULL and the distance is out of range for any heap address),
     * one subtraction and one compare where rp_pool_of and a compare would take more. */
    uintptr_t d = (uintptr_t)r->pg - (uintptr_t)p;
    if (d - 1u >= RP_POOL_HDR_OFF) {
        if (!rp_free_run_start(r, p))
            return;
        d = (uintptr_t)r->pg - (uintptr_t)p;
    }
    uint32_t *b = p;
    b[0] = r->first;   /* the oldest block's is overwritten when the run joins */
    b[1] = rp_pool_mark(p);
    r->first = (uint32_t)d;
    r->n++;
#endif
}

#endif
