/*
 * rp_heap.h — refpool's allocator: a pooled small-block allocator and a coalescing chunk
 * heap over memory regions the board hands over. No libc, no OS, no other heap.
 *
 * Layout
 * - Each region begins with a page map: one byte per RP_CFG_POOL_SIZE bytes of region
 *   (0.1 % at the default 1 KiB pools), naming the size class of the pool on that page,
 *   if any. The rest is one chunk heap: chunks with a 4-byte boundary tag, coalesced on
 *   free, kept in segregated free lists with a bitmap (TLSF-like good fit).
 * - Requests up to RP_CFG_SMALL_MAX bytes (default 64) come from size classes spaced 8
 *   bytes apart. Each class draws blocks from pools: RP_CFG_POOL_SIZE-aligned windows
 *   carved out of the chunk heap, each closing with a 12-byte header (24 with 64-bit
 *   pointers, 16 with pools over 2 KiB; CPython's pool header, cut down: a LIFO free
 *   list, a use count, the links of its class's list of pools with room). A pool hands
 *   its blocks out from the bottom up. A pool whose last block is freed leaves its
 *   class's list at once and becomes a spare, which any class can take; when a chunk
 *   finds no room, the spares go back to the chunk heap, where they can serve any larger
 *   request (rp_heap_trim does the same on demand).
 * - Larger requests are chunks, sized to the 8-byte granule plus the 4-byte tag. So is a
 *   small request that finds no pool (none of its class with room, no spare, and no free
 *   chunk that holds a pool window: a tight heap cut into smaller pieces), rather than
 *   being refused while free bytes remain.
 * docs/allocator.md gives the measurements behind these choices.
 *
 * Guarantees
 * - Every returned block is aligned to 8 bytes. A zero-byte request returns a unique
 *   block. rp_free(NULL) does nothing.
 * - Cost: malloc and free are O(1), with no search whose length depends on the heap's
 *   size. A small block pops the free list of its class's first pool: the common case
 *   touches the class's list head and the pool (malloc) or the page map byte and the pool
 *   (free) and nothing else; no statistics are kept per call for pool blocks. A new pool
 *   is cut from the front of the free chunk after the last one cut (the carve point,
 *   kept off the bins as the wilderness, so that the cut makes no list step), or, when
 *   that chunk is used or too small, from the first of at most 8 free chunks that holds
 *   a pool window, else from a chunk sure to hold one. A chunk is found through the bin
 *   bitmap alone (its own bin's first chunk if that is big enough, else the first chunk
 *   of the next non-empty bin: no list is searched), else cut from the end of the
 *   wilderness, and freed with its free neighbours merged. The exception: when the
 *   chunk heap has no room for a request, the spare pools go back to it before the
 *   request fails, O(spares) (one pool a masked window: see Interrupts), and then the
 *   OOM handler may run (below). Largest calls
 *   measured on the Cortex-M3 at -O2, critical section included, W1 at 256 KiB, 1 MiB and
 *   3.5 MiB heaps (tools/bench/run-rt-bench.sh, mps2-an385, whose bin bitmap is written
 *   through the bit-band, RP_PORT_BITBAND): rp_malloc 99 at each, rp_free 90 at each
 *   (without the bit-band, as on other boards: 113 / 113 / 111 and 114). rp_realloc
 *   adds the copy, O(size), made with interrupts unmasked.
 * - Failure returns NULL, is counted in rp_heap_stats, and changes nothing else.
 * - Every entry point runs inside the port's critical section, so interrupt handlers may
 *   allocate.
 * - Once objects are set up (rp_objects_init), a failing allocation in thread mode runs an
 *   emergency collection before its retry (rp_heap_set_oom_handler): finalizers may run
 *   inside rp_malloc and rp_realloc.
 * - Broken rules (foreign pointer, interior pointer, double free, overwritten guard
 *   bytes, corrupted tag) are reported through rp_port_report with the address; the
 *   operation is then refused and the heap left as it was. Foreign pointers, misaligned
 *   pointers, interior pointers into pools and double frees of pool blocks and of chunks
 *   are caught in every build; guard bytes and fill patterns need RP_CFG_DEBUG.
 * - Interior pointers into chunks (blocks above RP_CFG_SMALL_MAX), exactly: a release
 *   build checks, in O(1), only the word before p and the one it leads to. It refuses p
 *   unless the word at p - 4 reads as an in-use chunk tag (bit 0 set, bit 2 clear, a size
 *   of at least 16 that stays in the region) AND the word at p - 4 + that size has bit 1
 *   set. A pointer into a live chunk whose own data happens to hold such a pair there is
 *   accepted, and that free corrupts the chunk heap (rp_heap_check finds it). Why: an
 *   exact test needs a record of every chunk start, a bitmap of one bit per 8 bytes
 *   (1.6 % of the heap, against the page map's 0.1 %) or a check word per chunk (8 bytes
 *   with the alignment), kept up to date on every split and merge of malloc's and free's
 *   fast paths. Debug builds (RP_CFG_DEBUG) also require the 8-byte header in front of
 *   every block, which holds the block's size and a live mark: data that forges both a
 *   tag pair and that header is the only interior pointer they accept. Pool blocks are
 *   exact in every build (block positions are known).
 *
 * Interrupts (the rules of every public header, issue 17; each header has its paragraph)
 * - rp_malloc, rp_calloc, rp_realloc, rp_free and rp_usable_size may be called from any
 *   interrupt handler the port's critical section holds off (with the Cortex-M port's
 *   default PRIMASK section: every configurable one; with RP_PORT_BASEPRI, those at or
 *   below its threshold: handlers above it must not call refpool at all), and from thread
 *   mode with interrupts masked. Each masks interrupts in windows of O(1) whatever the
 *   heap or block size: its own cost above, except that rp_realloc's move takes three
 *   windows (the resize it tried, the new block, the old block's free) with its copy
 *   between them, unmasked (rp_calloc zeroes unmasked too), and that the spare pools an
 *   allocation gives back (and rp_heap_trim's) go one a window. The longest windows,
 *   measured on the Cortex-M3 at -O2 (tools/bench/run-masked.sh, which prints every
 *   call's; W1 and W1s for rp_malloc and rp_free, a 1 MiB heap in use for the rest):
 *   rp_malloc 89 (196 when it gives spares back), rp_free 81, rp_calloc 85, rp_realloc
 *   184, rp_usable_size 69, rp_heap_trim 123; with tracing on, rp_malloc 350 and rp_free
 *   375 (the record's insert or removal, O(probe length) in the table). In a handler, or
 *   with interrupts masked, a failing allocation calls no OOM handler (no emergency
 *   collection) and returns NULL.
 * - A handler frees only blocks it got from these calls (raw blocks), never an object's
 *   memory: objects are thread mode's (rp_object.h).
 * - With tracing on, a handler's block is recorded at its own site, as no object; the
 *   site names thread mode set for its next allocation (RP_TRACE_HERE, rp_new) stay its.
 * - rp_heap_trim is safe there too, one masked window a spare pool. rp_heap_stats and
 *   rp_heap_check are safe there (critical section) but hold interrupts off for their
 *   whole walk, O(heap): diagnostics, not for a deadline (on a 1 MiB heap with 2,000
 *   blocks: 25,393 and 68,499 instructions masked on the Cortex-M3).
 *   rp_heap_last_report reads two words without the section (may be torn).
 * - rp_heap_init and rp_heap_set_oom_handler: thread mode, before any handler allocates
 *   (not checked).
 */
#ifndef RP_HEAP_H
#define RP_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include "rp_config.h"
#include "rp_error.h"
#include "rp_layout.h"

#define RP_ALIGNMENT 8u
#define RP_NCLASSES (RP_CFG_SMALL_MAX / 8u)

typedef struct rp_region {
    void *start;
    size_t size;
} rp_region_t;

/* Error codes: rp_error.h (rp_err_t, RP_E_*). */

/* A broken invariant: what rule, and where. rule == NULL means none. */
typedef struct rp_fault {
    const char *rule;
    const void *addr;
} rp_fault_t;

typedef struct rp_class_stats {
    uint32_t size;         /* block size of the class */
    uint32_t pools;        /* pools serving the class */
    uint32_t blocks_used;  /* blocks handed out */
    uint32_t blocks_free;  /* blocks in those pools not handed out */
} rp_class_stats_t;

/* The figures CPython's sys._debugmallocstats prints, for this heap. */
typedef struct rp_heap_stats {
    rp_class_stats_t classes[RP_NCLASSES];
    uint32_t arena_bytes;        /* sum of the regions given to rp_heap_init */
    uint32_t metadata_bytes;     /* of the arena, kept by the allocator: page maps and
                                    alignment (1 B per pool-size page: 0.1 % at 1 KiB) */
    uint32_t state_bytes;        /* the allocator's own state, outside the arena: a fixed
                                    cost (bins, rings), ~0.5 KiB on 32-bit targets */
    uint32_t pool_bytes;         /* bytes held by pools, spares and chunk tags included */
    uint32_t spare_pools;        /* empty pools kept for reuse */
    uint32_t large_bytes;        /* bytes held by chunks handed out directly (tags included):
                                    requests above RP_CFG_SMALL_MAX, and small ones that
                                    found no pool */
    uint32_t large_blocks;       /* chunks handed out directly */
    uint32_t free_bytes;         /* bytes in free chunks */
    uint32_t free_chunks;
    uint32_t largest_free;       /* the largest request that would succeed as one chunk */
    uint32_t footprint;          /* bytes of the chunk space held (pools and large blocks) */
    uint32_t peak_footprint;     /* highest footprint since init: with metadata_bytes, the
                                    heap the program has needed so far, fragmentation
                                    included (the exact peak of live bytes is tracing's
                                    rp_trace_get_traced_memory) */
    uint32_t bytes_in_use;       /* usable bytes of live blocks (requested bytes in debug) */
    uint32_t blocks_in_use;      /* live blocks of every size */
    uint32_t failed_allocs;      /* requests that returned NULL */
    uint32_t reports;            /* broken rules reported through the port */
} rp_heap_stats_t;

/* Takes `count` regions (8-byte aligned, not overlapping) as the heap, forgetting any
 * previous heap — and with it every object: before any object, gc, weakref or trace call
 * on the new heap, run rp_objects_init again. O(count + count squared for the overlap
 * test). Thread mode only, before anything else uses the heap.
 *
 * Refuses, touching nothing, with RP_E_LAYOUT if the calling file was compiled with
 * another configuration than the library (rp_layout.h: which option differs is printed),
 * RP_E_ARG, RP_E_ALIGN, RP_E_OVERLAP or RP_E_SIZE for bad regions. */
static inline rp_err_t rp_heap_init(const rp_region_t *regions, unsigned count);

/* What rp_heap_init calls with the caller's RP_LAYOUT_SIGNATURE. */
rp_err_t rp_heap_init_layout(const rp_region_t *regions, unsigned count, uint64_t layout);
/* RP_E_OK if `layout` is the library's own signature; otherwise prints which options
 * differ, reports through the port and returns RP_E_LAYOUT. O(number of options). Thread
 * mode (it prints). */
rp_err_t rp_layout_check(uint64_t layout);

static inline rp_err_t rp_heap_init(const rp_region_t *regions, unsigned count)
{
    return rp_heap_init_layout(regions, count, RP_LAYOUT_SIGNATURE);
}

/* A block of at least n bytes, 8-aligned, or NULL. O(1), with no search that grows with
 * the heap (Guarantees above). Largest measured on the Cortex-M3 at -O2, critical section
 * included (W1 at 256 KiB to 3.5 MiB, bit-band on): 99 instructions, for a new pool from
 * the carve point while its chunk is on a bin (from the wilderness 95; one cut after the
 * carve point has run out, a look at up to 8 free chunks, is less in W1), 98 for a chunk
 * (the bitmap searched to its end, then the wilderness's end); a small block from a pool
 * with room about 20. A request the chunk heap has no room for first takes the spare
 * pools back, O(spares), one masked window each, then the OOM handler. */
void *rp_malloc(size_t n);
void *rp_calloc(size_t count, size_t size);   /* NULL if count * size overflows */

/* Grows or shrinks in place when the block's class or the neighbouring chunk allows;
 * otherwise moves. NULL p acts as rp_malloc; on failure returns NULL and p stays valid.
 * O(1) plus, for a move, the copy, O(size), made between masked windows (Interrupts). */
void *rp_realloc(void *p, size_t n);
/* Returns p's block (NULL: nothing) after the O(1) checks above. O(1). Largest measured
 * on the Cortex-M3 at -O2, critical section included, at every heap size of W1: 90
 * instructions with the bit-band, 114 without (a chunk merged with free neighbours, its
 * bins changed); a pool block at most 50 (W1s). */
void rp_free(void *p);

/* Bytes the caller may use in a live block (at least what was asked); 0 for NULL or a
 * pointer the allocator does not recognise. O(1) (the block's page, pool or tag, as
 * rp_free finds it), inside the critical section; any context. */
size_t rp_usable_size(const void *p);

/* Gives every empty pool back to the chunk heap, where it merges with its free neighbours;
 * returns the bytes given back. Allocation does this by itself when a request finds no
 * room, so a program only needs it to make the chunk heap whole again, e.g. before
 * measuring fragmentation. O(spare pools), one masked window each (a chunk free), and
 * at most as many pools as the heap holds, however many handlers make meanwhile; any
 * context. (glibc's malloc_trim.) */
size_t rp_heap_trim(void);

/* O(pages + chunks): pool blocks are counted from their pools, as CPython's
 * sys.getallocatedblocks walks its arenas, and (release builds) live chunks in the same
 * walk, so that no per-call counter slows malloc or free. */
void rp_heap_stats(rp_heap_stats_t *out);

/* Called when an allocation fails, outside the critical section, before one retry: the
 * object layer installs the emergency collection here. NULL: none. Not called when the
 * failing allocation runs in an interrupt handler or with interrupts masked. `request`
 * is the size asked for, or with tracing off (release builds) the size it was rounded up
 * to: a small request's (up to RP_CFG_SMALL_MAX bytes) block size, a larger one's chunk
 * payload (up to 7 bytes more): malloc's fast paths do not keep the exact size. O(1);
 * thread mode, before any handler allocates (above). */
void rp_heap_set_oom_handler(void (*handler)(size_t request));

/* The last rule reported through the port since init (rule == NULL if none). O(1); any
 * context (two words read without the critical section: may be torn, see above). */
rp_fault_t rp_heap_last_report(void);

#if RP_CFG_FAULT_INJECT
/* Test hook (RP_CFG_FAULT_INJECT): the nth allocation from now (1: the next) fails as
 * if the heap were full. An allocation is one call of rp_malloc, rp_calloc (unless its
 * size overflows) or rp_realloc, the runtime's own included. The failing call runs the
 * OOM handler (so the emergency collection, finalizers and callbacks run, as on a real
 * failure; not with RP_FAIL_NO_HANDLER), then returns NULL, counted in failed_allocs;
 * rp_realloc leaves its block as it was. With RP_FAIL_STICKY every allocation from the
 * nth on fails until the hook is disarmed. nth 0 disarms. While armed, every call takes
 * the allocator's slow path. O(1). */
enum rp_fail_flags { RP_FAIL_STICKY = 1u, RP_FAIL_NO_HANDLER = 2u };
void rp_heap_fail_nth(uint32_t nth, unsigned flags);
/* Allocations still to come before the armed failure fires; 0 once it has fired (a
 * sticky one stays armed, and gives 0) or when disarmed. O(1). */
uint32_t rp_heap_fail_pending(void);
/* Failures injected since rp_heap_init. O(1). The three test hooks are thread mode: they
 * are meant for tests that arm them between calls, not from handlers. */
uint32_t rp_heap_failures_injected(void);
#endif

/* Walks every pool and chunk and verifies every invariant listed in core/heap_internal.h;
 * returns the first violation. O(heap). Never modifies the heap. */
rp_fault_t rp_heap_check(void);

/* ---- seeing the heap: the walk (heap_walk.c), the printers (heap_print.c) ---- */

enum rp_walk_kind {
    RP_WALK_POOL = 0,    /* a pool chunk: its blocks follow as RP_WALK_BLOCK items */
    RP_WALK_BLOCK = 1,   /* a block of the pool visited last */
    RP_WALK_CHUNK = 2,   /* a chunk that is no pool: a large block, or free space */
};
enum rp_walk_state {
    RP_WALK_FREE = 0,    /* a free block or free chunk */
    RP_WALK_USED = 1,    /* handed out (a pool: at least one block handed out) */
    RP_WALK_SPARE = 2,   /* a pool with no block handed out, kept for any class */
};
#define RP_WALK_NO_CLASS 0xFFu

typedef struct rp_walk_item {
    uint8_t kind;          /* enum rp_walk_kind */
    uint8_t state;         /* enum rp_walk_state */
    uint8_t cls;           /* pool or block: its size class; chunk: RP_WALK_NO_CLASS */
    uint8_t region;        /* index of the region (rp_heap_init's order) */
    uintptr_t addr;        /* pool or chunk: its 4-byte tag (chunks tile the region from
                              there); block: its first byte */
    uint32_t size;         /* pool or chunk: bytes, tag included; block: the class size */
    uint32_t used;         /* pool: blocks handed out; else 0 */
    uint32_t capacity;     /* pool: blocks it holds; else 0 */
    const void *user;      /* a used block or chunk: the pointer rp_malloc returned; else NULL */
    uint32_t usable;       /* with user: the bytes the program may use (debug: requested) */
    const char *type;      /* with user: the type name of the object it holds, if the
                              object layer recognises one (rp_heap_set_namer); else NULL */
} rp_walk_item_t;

/* Returns 0 to go on, anything else to stop the walk (rp_heap_walk returns it). */
typedef int (*rp_heap_visitor_t)(const rp_walk_item_t *item, void *arg);

/* Visits every chunk of every region in address order; a pool chunk is followed by each
 * of its blocks, lowest address first, each free or used as its pool's free list says.
 * The item is only valid during the call. The walk holds the critical section
 * throughout (interrupts masked on a board for O(heap): 311,460 instructions on the
 * Cortex-M3 for a 1 MiB heap with 2,000 blocks and a visitor that counts), so the visitor must not call
 * the allocator or anything that allocates; printing (rp_printf) is fine. Thread mode
 * only. O(heap): every chunk and every pool block once, plus each pool's free list.
 * Returns 0, or the first nonzero value the visitor returned. A corrupted chunk tag ends
 * the region's walk (rp_heap_check names the fault). */
int rp_heap_walk(rp_heap_visitor_t visit, void *arg);

/* How the walk names the type of a live block. The allocator knows no objects, so the
 * object layer registers this (rp_objects_init): given the pointer rp_malloc returned
 * and its usable bytes, the type name of the object it holds, or NULL. NULL: no names.
 * rp_heap_init keeps it: until objects are set up again the names are the namer's guesses
 * (it only reads the block). O(1) (one pointer stored); thread mode, as the walks that
 * call the namer. */
typedef const char *(*rp_heap_namer_t)(const void *user, size_t usable);
void rp_heap_set_namer(rp_heap_namer_t namer);

/* sys._debugmallocstats for this heap, through rp_printf (core/heap_print.c): per class
 * size, pools, blocks in use and free blocks (classes with no pool left out), then
 * CPython's "# label = value" lines: region, arena, metadata, pool and chunk totals; the
 * arena byte for byte (allocated and available blocks, unused pools, pool headers,
 * quantization, large and free chunks, page maps, region ends: they sum to the Total
 * line, the arena); bytes and blocks in use, footprint and peak, the largest free run
 * (the largest request one chunk would serve), fragmentation of the free space
 * (1 - largest free chunk / free bytes, in %), failed allocations, broken rules
 * reported. Differs from CPython on purpose: no arena lines (the regions are the arena)
 * and lines for the chunk heap, which CPython leaves to the system malloc.
 * O(heap); thread mode (it walks). The walk follows rp_heap_stats' own: an
 * interrupt handler allocating in between skews the byte-for-byte lines, nothing else. */
void rp_heap_print_stats(void);

/* The compact heap dump tools/heapmap.py draws, through rp_printf. Lines, fields
 * separated by one space, numbers decimal unless said:
 *   hd heap v1 pool=<P> small=<max> classes=<n> regions=<n> arena=<bytes> largest=<bytes>
 *      free=<bytes> failed=<n>          (largest: the largest request one chunk serves)
 *   hd R <region> <lo> <end>            (chunk space [lo, end), hex with 0x; offsets below
 *                                        are from lo)
 *   hd P <off hex> <size> <class> <used> <capacity> <n>
 *                                       (n pools side by side, each `size` bytes, tag
 *                                        included; used 0: spare pools)
 *   hd C <off hex> <size> u|f <n>       (n chunks side by side, used or free)
 *   hd end lines=<R, P and C lines> items=<pools and chunks>
 * The P and C runs of a region tile its chunk space in address order. O(heap); thread
 * mode. */
void rp_heap_dump(void);

/* One sample of heap use over time, through rp_printf:
 *   hs t=<t> inuse=<bytes> blocks=<n> footprint=<bytes> free=<bytes> largest=<bytes>
 *      failed=<n>
 * t is the caller's clock (e.g. rp_port_cycles() or a tick count). O(heap); thread mode
 * (rp_heap_stats' walk, interrupts masked for it). */
void rp_heap_sample(uint32_t t);

/* Regions: how many, and region i's chunk space [lo, end) (zeros past the last). O(1);
 * any context (the regions do not change after rp_heap_init). */
unsigned rp_heap_nregions(void);
void rp_heap_region_info(unsigned i, uintptr_t *lo, uintptr_t *end);

#endif
