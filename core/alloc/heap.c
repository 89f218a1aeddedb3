/*
 * heap.c — the allocator's entry points: region set-up, dispatch between pools and
 * chunks, the debug layer (fill patterns and guard bytes), accounting and statistics.
 *
 * Every entry point validates the pointer it is given before touching the heap, so that
 * a broken rule is reported and refused with nothing changed. Validation costs O(1) on
 * the fast path: a region bounds check, the page descriptor, and the block's tag or
 * position in its pool.
 */
#include "heap_internal.h"
#include "rp_mem.h"
#include "rp_port.h"

rp_heap_t rp_heap;
static void (*oom_handler)(size_t);

/* Tracing hooks: one predictable branch each while tracing is off. */
const rp_heap_tracer_t *rp_heap_tracer;
static void set_gates(void);
#if RP_CFG_TRACE
#define TRACE(hook, ...)                       \
    do {                                       \
        if (rp_heap_tracer)                    \
            rp_heap_tracer->hook(__VA_ARGS__); \
    } while (0)
#else
#define TRACE(hook, ...) ((void)0)
#endif

void rp_heap_set_oom_handler(void (*handler)(size_t))
{
    oom_handler = handler;
}

#define RP_CHUNK_LIMIT ((size_t)1 << RP_CFG_CHUNK_MAX_LOG2)
/* Every size from a caller is compared with RP_CHUNK_LIMIT before anything is added to it,
 * and RP_CHUNK_LIMIT plus the debug layer and a tag fits 32 bits (chunk sizes are
 * uint32_t), so no size computation here wraps, on 32-bit targets or the host. */
_Static_assert(RP_CFG_CHUNK_MAX_LOG2 <= 30, "chunk sizes and their debug layer fit 32 bits");

/* Debug layout: [requested size][RP_DBG_LIVE][data: 0xCD][0xFD guard to the block end]. */
#if RP_CFG_DEBUG
#define RP_DBG_HEAD 8u
#define RP_DBG_TAIL 8u
#define RP_DBG_LIVE 0xA11CA7EDu
#else
#define RP_DBG_HEAD 0u
#define RP_DBG_TAIL 0u
#endif

#if RP_CFG_DEBUG
/* While a user pointer's block is located (find_user), the rules are checked on the raw
 * block 8 bytes below it: reports name the caller's pointer, adding this back. */
static uintptr_t report_shift;
#endif

void rp_report(const char *rule, const void *addr)
{
#if RP_CFG_DEBUG
    addr = (const uint8_t *)addr + report_shift;
#endif
    rp_heap.reports++;
    rp_heap.last_report.rule = rule;
    rp_heap.last_report.addr = addr;
    rp_port_report(rule, addr);
}

rp_fault_t rp_heap_last_report(void)
{
    return rp_heap.last_report;
}

/* ---- set-up ---- */

static int overlaps(const rp_region_t *a, const rp_region_t *b)
{
    uintptr_t as = (uintptr_t)a->start, bs = (uintptr_t)b->start;
    return as < bs + b->size && bs < as + a->size;
}

/* Fills in r for [start, start + size): the page map first, then the chunk space; 0 if
 * too small or too large. */
static int plan_region(rp_heap_region_t *r, uintptr_t s, size_t size)
{
    if (size < 4u * RP_CFG_POOL_SIZE || size > RP_CHUNK_LIMIT)
        return 0;
    uintptr_t e = s + size;
    r->end = ((e - 8u) & ~(uintptr_t)7u) + 4u;
    r->grid = s & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u);
    r->npages = (uint32_t)((r->end + RP_CHUNK_TAG - r->grid + RP_CFG_POOL_SIZE - 1u) >> RP_POOL_SHIFT);
    r->map = (uint8_t *)s;
    r->map_base = s - (r->grid >> RP_POOL_SHIFT);
    /* The chunk space starts at a pool window's tag, so that the first pool is cut from the
     * front of the one free chunk in O(1) (C7); the bytes between the page map and it (less
     * than a pool: 0.3 % of W1's smallest heap on the Cortex-M3, 3 % of W1-M0's on
     * microbit) count as metadata. */
    r->lo = ((s + r->npages + RP_CHUNK_TAG + RP_CFG_POOL_SIZE - 1u) & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u)) - RP_CHUNK_TAG;
    r->span = r->end - r->lo;
    return r->end > r->lo + 2u * RP_POOL_CHUNK;
}

rp_err_t rp_heap_init_layout(const rp_region_t *regions, unsigned count, uint64_t layout)
{
    rp_heap_region_t plan[RP_CFG_MAX_REGIONS];
    if (rp_layout_check(layout) != RP_E_OK)
        return RP_E_LAYOUT;
    if (!regions || count == 0 || count > RP_CFG_MAX_REGIONS)
        return RP_E_ARG;
    for (unsigned i = 0; i < count; i++) {
        if (!regions[i].start)
            return RP_E_ARG;
        if ((uintptr_t)regions[i].start & (RP_ALIGNMENT - 1u))
            return RP_E_ALIGN;
        for (unsigned j = 0; j < i; j++)
            if (overlaps(&regions[i], &regions[j]))
                return RP_E_OVERLAP;
        if (!plan_region(&plan[i], (uintptr_t)regions[i].start, regions[i].size))
            return RP_E_SIZE;
    }
#if RP_PORT_BITBAND
    /* bit b of the bitmap is the word at alias + 4 * b (ARMv7-M's SRAM bit-band) */
    uintptr_t band = (uintptr_t)rp_heap.bitmap - RP_BITBAND_SRAM;
    if (band >= RP_BITBAND_SPAN - sizeof rp_heap.bitmap)
        return RP_E_ARG;
#endif
    rp_critical_t t = enter();
    rp_memset(&rp_heap, 0, sizeof rp_heap);
#if RP_PORT_BITBAND
    rp_heap.bitband = RP_BITBAND_ALIAS + (band << 5);
#endif
    oom_handler = 0;   /* it belonged to the objects of the old heap */
    rp_chunk_init();
    rp_pool_init();
    for (unsigned i = 0; i < count; i++) {
        rp_heap_region_t *r = &rp_heap.regions[i];
        *r = plan[i];
        rp_memset(r->map, RP_PAGE_NOT_POOL, r->npages);
        rp_chunk_region_init(r);
        rp_heap.arena_bytes += (uint32_t)regions[i].size;
        rp_heap.metadata_bytes += (uint32_t)(r->lo - (uintptr_t)regions[i].start);
    }
    rp_heap.nregions = count;
    rp_heap.carve = rp_heap.regions[0].lo;   /* C7: its payload starts a window */
    set_gates();
    leave(t);
    return RP_E_OK;
}

/* ---- raw blocks: pools or chunks, no debug layer, no accounting ---- */

/* The size class of a request up to RP_CFG_SMALL_MAX (a zero-byte request is class 0). */
static inline unsigned class_of(size_t n)
{
    return n ? (unsigned)((n - 1u) >> 3) : 0u;
}

static void *raw_alloc(size_t n)
{
    if (n <= RP_CFG_SMALL_MAX)
        return rp_pool_alloc(class_of(n));
    if (n > RP_CHUNK_LIMIT)
        return 0;
    return rp_chunk_alloc((uint32_t)n);
}

typedef struct rp_where {
    rp_pool_t *pg;   /* the block's pool, or NULL for a chunk */
    unsigned cls;
} rp_where_t;

/* Finds the block at raw and checks the O(1) rules; reports and returns 0 if broken. */
static int locate(const void *raw, rp_where_t *w)
{
    rp_heap_region_t *r = rp_region_of((uintptr_t)raw);
    if (!r) {
        rp_report("foreign pointer: not in any heap region", raw);
        return 0;
    }
    w->cls = *rp_map_of(r, (uintptr_t)raw);
    w->pg = 0;
    if (w->cls == RP_PAGE_NOT_POOL)
        return rp_chunk_valid(r, raw);
    w->pg = rp_pool_of(raw);
    return rp_pool_block_ok(w->pg, w->cls, raw);
}

static size_t raw_usable(const rp_where_t *w, const void *raw)
{
    return w->pg ? rp_class_size(w->cls) : rp_chunk_payload(raw);
}

static void raw_free(const rp_where_t *w, void *raw)
{
    if (w->pg)
        rp_pool_free(w->pg, w->cls, raw);
    else
        rp_chunk_free(raw);
}

/* ---- the debug layer ---- */

#if RP_CFG_DEBUG
static void *dbg_dress(void *raw, size_t n, size_t usable)
{
    uint32_t *h = raw;
    uint8_t *user = (uint8_t *)raw + RP_DBG_HEAD;
    h[0] = (uint32_t)n;
    h[1] = RP_DBG_LIVE;
    rp_memset(user + n, 0xFD, usable - RP_DBG_HEAD - n);
    return user;
}

/* Reports a bad header or overwritten guard; 0 if the header is not ours. */
static int dbg_check(const void *raw, size_t usable)
{
    const uint32_t *h = raw;
    if (h[1] != RP_DBG_LIVE || h[0] > usable - RP_DBG_HEAD) {
        rp_report("bad debug header: interior pointer or header overwritten", (const uint8_t *)raw + RP_DBG_HEAD);
        return 0;
    }
    const uint8_t *g = (const uint8_t *)raw + RP_DBG_HEAD + h[0];
    for (size_t i = 0; i < usable - RP_DBG_HEAD - h[0]; i++)
        if (g[i] != 0xFD) {
            rp_report("guard bytes overwritten after the block (buffer overrun)", g + i);
            break;
        }
    return 1;
}
#endif

#if RP_CFG_DEBUG
int rp_heap_debug_freed(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    if (!rp_region_of(a) || !rp_region_of(a - RP_DBG_HEAD))
        return 0;
    return ((const uint32_t *)(a - RP_DBG_HEAD))[1] != RP_DBG_LIVE;
}
#endif

static inline size_t user_size(const void *raw, size_t usable)
{
#if RP_CFG_DEBUG
    (void)usable;
    return ((const uint32_t *)raw)[0];
#else
    (void)raw;
    return usable;
#endif
}

static inline void *user_of(void *raw) { return (uint8_t *)raw + RP_DBG_HEAD; }
static inline void *raw_of(const void *user) { return (uint8_t *)user - RP_DBG_HEAD; }

/* A1: debug builds count every block here; release builds count nothing as they go, but
 * live chunks and pool blocks (from their pools' `used`) when the statistics walk them,
 * so that no fast path carries accounting. */
static inline int accounted(const rp_where_t *w)
{
    (void)w;
    return RP_CFG_DEBUG;
}

static void account(size_t add, size_t sub, int blocks)
{
    rp_heap.bytes_in_use = (uint32_t)(rp_heap.bytes_in_use + add - sub);
    rp_heap.blocks_in_use = (uint32_t)((int32_t)rp_heap.blocks_in_use + blocks);
}

/* ---- entry points (critical section held) ---- */

/* Pool or chunk, then the debug dress. Before a request fails, the spare pools go back to
 * the chunk heap (one a masked window: *t is left and taken again between two) and it is
 * retried once; a small request that still finds no pool (its
 * class has none with room, and no free chunk holds a pool window: a tight heap, cut into
 * pieces smaller than a pool) is served by the chunk heap, as any allocator would serve
 * it, rather than refused while free bytes remain. Its page is no pool, so free, realloc
 * and rp_usable_size take it for the chunk it is. */
static void *heap_alloc(size_t n, rp_critical_t *t)
{
    if (n > RP_CHUNK_LIMIT)   /* first: n + the debug layer may wrap */
        return 0;
    size_t need = n + RP_DBG_HEAD + RP_DBG_TAIL;
    void *raw = raw_alloc(need);
    if (!raw && rp_pool_release_spares(t))
        raw = raw_alloc(need);
    if (!raw && need <= RP_CFG_SMALL_MAX)
        raw = rp_chunk_alloc((uint32_t)need);
#if RP_CFG_DEBUG
    if (!raw)
        return 0;
    rp_where_t w;
    w.cls = *rp_map_of(rp_region_of((uintptr_t)raw), (uintptr_t)raw);
    w.pg = w.cls < RP_NCLASSES ? rp_pool_of(raw) : 0;
    void *user = dbg_dress(raw, n, raw_usable(&w, raw));
    rp_memset(user, 0xCD, n);
    account(n, 0, 1);
    return user;
#else
    return raw;
#endif
}

/* heap_alloc, and on failure the OOM handler (outside the critical section, thread mode
 * only) and one retry. Only a final failure is counted. Called and returns with the
 * critical section held; *t is updated when it was left and re-entered. */
static void *heap_alloc_retry(size_t n, rp_critical_t *t)
{
    void *p = heap_alloc(n, t);
    if (!p && oom_handler && n <= RP_CHUNK_LIMIT) {
        leave(*t);
        if (!rp_port_in_interrupt())
            oom_handler(n);
        *t = enter();
        p = heap_alloc(n, t);
    }
    if (!p)
        rp_heap.failed_allocs++;
    return p;
}

#if RP_CFG_FAULT_INJECT
#define RP_FAIL_FIRING 0x100u   /* a sticky failure has fired: every call fails (F1) */

static int fault_armed(void)
{
    return rp_heap.fail_countdown != 0u || (rp_heap.fail_flags & RP_FAIL_FIRING) != 0u;
}

/* Whether this allocation is the one to fail: counts it down (critical section held). */
static int fault_fires(void)
{
    if (rp_heap.fail_countdown == 0u)
        return (rp_heap.fail_flags & RP_FAIL_FIRING) != 0u;
    if (--rp_heap.fail_countdown != 0u)
        return 0;
    if (rp_heap.fail_flags & RP_FAIL_STICKY)
        rp_heap.fail_flags |= RP_FAIL_FIRING;
    else
        set_gates();   /* disarmed: the fast paths open again (G1) */
    return 1;
}

/* The injected failure: what a full heap does (the OOM handler, which may collect, then
 * NULL, counted), with no block looked at. */
static void *fault_fail(size_t n, rp_critical_t *t)
{
    rp_heap.failures_injected++;
    if (oom_handler && !(rp_heap.fail_flags & RP_FAIL_NO_HANDLER)) {
        leave(*t);
        if (!rp_port_in_interrupt())
            oom_handler(n);
        *t = enter();
    }
    rp_heap.failed_allocs++;
    return 0;
}

void rp_heap_fail_nth(uint32_t nth, unsigned flags)
{
    rp_critical_t t = enter();
    rp_heap.fail_countdown = nth;
    rp_heap.fail_flags = nth ? (flags & (RP_FAIL_STICKY | RP_FAIL_NO_HANDLER)) : 0u;
    set_gates();
    leave(t);
}

uint32_t rp_heap_fail_pending(void)
{
    return rp_heap.fail_countdown;
}

uint32_t rp_heap_failures_injected(void)
{
    return rp_heap.failures_injected;
}
#define FAULT_FIRES() fault_fires()
#else
#define FAULT_FIRES() 0
#define fault_fail(n, t) ((void)(n), (void)(t), (void *)0)
#endif

/* Validates a user pointer: region first, so that a foreign pointer is never read. */
static int find_user(const void *p, rp_where_t *w)
{
#if RP_CFG_DEBUG
    if (!rp_region_of((uintptr_t)p)) {   /* the header before p may lie in a region */
        rp_report("foreign pointer: not in any heap region", p);
        return 0;
    }
    report_shift = RP_DBG_HEAD;
    int found = locate(raw_of(p), w);
    report_shift = 0;
    if (!found)
        return 0;
    return dbg_check(raw_of(p), raw_usable(w, raw_of(p)));
#else
    return locate(p, w);
#endif
}

static void heap_free(void *p, const rp_where_t *w)
{
    void *raw = raw_of(p);
    size_t usable = raw_usable(w, raw);
    if (accounted(w))
        account(0, user_size(raw, usable), -1);
#if RP_CFG_DEBUG
    rp_memset(raw, 0xDD, usable);
#endif
    raw_free(w, raw);
}

/* In place if the block's class (pool) or its neighbour (chunk) allows; 1 on success. */
static int resize_in_place(void *p, const rp_where_t *w, size_t n)
{
    if (n > RP_CHUNK_LIMIT)   /* before the debug layer is added: n + 16 may wrap */
        return 0;
    void *raw = raw_of(p);
    size_t need = n + RP_DBG_HEAD + RP_DBG_TAIL, old_usable = raw_usable(w, raw);
    size_t old_size = user_size(raw, old_usable);
    if (w->pg) {
        if (need > RP_CFG_SMALL_MAX || class_of(need) != w->cls)
            return 0;
    } else if (need <= RP_CFG_SMALL_MAX || need > RP_CHUNK_LIMIT || !rp_chunk_resize(raw, (uint32_t)need)) {
        return 0;
    }
    size_t usable = raw_usable(w, raw);
#if RP_CFG_DEBUG
    if (n > old_size)
        rp_memset((uint8_t *)p + old_size, 0xCD, n - old_size);
    dbg_dress(raw, n, usable);
#endif
    if (accounted(w))
        account(user_size(raw, usable), old_size, 0);
    return 1;
}

/* Everything but a release pool block with a pool ready: zero bytes, chunks, debug
 * builds, a new pool, the retry after the OOM handler. */
static __attribute__((noinline)) void *malloc_slow(size_t n, void *site)
{
    rp_critical_t t = enter();
    void *p = 0;
    if (FAULT_FIRES()) {
        p = fault_fail(n, &t);
        goto out;
    }
#if !RP_CFG_DEBUG
    /* A pool block: the never-used one or a new pool, straight from pool.c. */
    if (n - 1u < RP_CFG_SMALL_MAX)
        p = rp_pool_alloc(class_of(n));
    if (!p)
#endif
        p = heap_alloc_retry(n, &t);
out:
    TRACE(alloc, p, n, site);
    leave(t);
    (void)site;
    return p;
}

/* rp_chunk_malloc's failure, tail-called, so that lr is still the site of rp_malloc's
 * caller. take has just failed, and so would heap_alloc's first step: its second, the
 * spares back to the chunk heap, comes first, and malloc_slow (the retry after the OOM
 * handler, the failure's count) only if that does not help. */
__attribute__((noinline)) void *rp_malloc_chunk_slow(size_t n)
{
    rp_critical_t t = enter();
    void *p = rp_pool_release_spares(&t) ? rp_chunk_alloc((uint32_t)n) : 0;
    leave(t);
    return p ? p : malloc_slow(n, __builtin_return_address(0));
}

/* rp_chunk_pool_miss's failure, tail-called (lr: the site of rp_malloc's caller). */
__attribute__((noinline)) void *rp_malloc_pool_slow(unsigned cls)
{
    return malloc_slow(rp_class_size(cls), __builtin_return_address(0));
}

static void set_gates(void)
{
    int on = rp_heap_tracer != 0;
#if RP_CFG_FAULT_INJECT
    on = on || fault_armed();
#endif
    rp_heap.fast_small = on ? 0u : RP_CFG_SMALL_MAX;
    rp_heap.fast_chunk = on ? 0u : RP_CHUNK_FAST;
    rp_heap.fast_span = on ? 0u : rp_heap.regions[0].span;
}

/* In the critical section: the tracer and the three gates change together, so that a
 * handler's allocation or free (or its rp_heap_check, G1) never sees one without the
 * others. Unmasked, a handler between the stores saw the gates disagree (found by
 * test_isr_stress's heap checks in the handler: 1 of 995 on mps2-an385-debug). */
void rp_heap_set_tracer(const rp_heap_tracer_t *tracer)
{
    rp_critical_t t = enter();
    rp_heap_tracer = tracer;
    set_gates();
    leave(t);
}

#if !RP_CFG_DEBUG
/* The word of rp_heap at offset `field`, read through `heads` (the address of
 * rp_heap.classes[0].head, hidden by rp_opaque): rp_malloc's one base register, so that
 * the heads are reached at offset 0 and 8 * cls needs no add. */
static inline uint32_t heap_word(uintptr_t heads, size_t field)
{
    return *(const uint32_t *)(heads + field - offsetof(rp_heap_t, classes[0].head));
}

#endif

/*
 * The release fast path is CPython's: the class's first pool, its free list's head. It
 * calls nothing, and is written so that it saves one register besides lr (which the last
 * line's __builtin_return_address keeps), and only once the request is known small: a
 * pool that fills leaves its list right here, and everything rarer (no pool with room,
 * never-used blocks) goes to chunk.c's rp_chunk_pool_miss, chunks to rp_chunk_malloc, and tracing and
 * debug builds to malloc_slow. One base register serves the gates and the heads
 * (heap_word), and a miss passes 8 * cls rather than n, so that n need not stay live: a
 * request rounded up to its block is the same request to every later step (the OOM
 * handler is told the block size). The block's second word, which may still hold the
 * free mark, is given the pool's address, which is never a block's mark (an address less
 * than a pool from the block cannot differ from it in the mark constant's high bits).
 */
void *rp_malloc(size_t n)
{
#if !RP_CFG_DEBUG
    uintptr_t heads = rp_opaque((uintptr_t)&rp_heap.classes[0].head);
    if (n - 1u < heap_word(heads, offsetof(rp_heap_t, fast_small))) {
        /* The class's head as the first head plus 8 * cls, which is n - 1 with its low
         * three bits cleared: one mask, and the load and the store take it as a register
         * offset. Hidden by rp_opaque, 8 * cls is the one value the miss needs. */
        uintptr_t off = rp_opaque((n - 1u) & ~(uintptr_t)7u);
        rp_pool_t **head = (rp_pool_t **)(heads + off * (sizeof(rp_class_row_t) / 8u));
        rp_critical_t t = enter();
        rp_pool_t *pg = *head;
        uint32_t *b = rp_pool_block(pg, pg->free);
        uint32_t next = b[0];
        if (next & 1u)   /* never-used blocks, or an empty list: none's next */
            return rp_chunk_pool_miss(off, t);   /* in the critical section still: 4 instructions fewer */
        pg->free = (uint16_t)next;
        b[1] = (uint32_t)(uintptr_t)pg;
        if (!next)   /* full: off its list until a block comes back (P3) */
            *head = pg->next;
        pg->used++;
        leave(t);
        return b;
    }
    if (n - (RP_CFG_SMALL_MAX + 1u) < heap_word(heads, offsetof(rp_heap_t, fast_chunk)))
        return rp_chunk_malloc((uint32_t)n);
#endif
    return malloc_slow(n, __builtin_return_address(0));
}

void *rp_calloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size) {
        rp_critical_t t = enter();
        rp_heap.failed_allocs++;
        leave(t);
        return 0;
    }
    TRACE(hint, 0, __builtin_return_address(0));
    void *p = rp_malloc(count * size);
    if (p)
        rp_memset(p, 0, count * size);
    return p;
}

/* Everything rp_free's fast path does not take: NULL, chunks, other regions, debug. */
static __attribute__((noinline)) void free_slow(void *p)
{
    if (!p)
        return;
    rp_critical_t t = enter();
    rp_where_t w;
    if (find_user(p, &w)) {
        TRACE(free, p);
        heap_free(p, &w);
    }
    leave(t);
}

/*
 * The release fast path: a pool block of the first region that passes the cheap rules
 * (region bounds, page map byte, rp_pool_block_plausible's compares); a pool that was full
 * goes back on its list here, one that empties becomes a spare. A chunk of the first
 * region goes straight to chunk.c, which checks its rules; the rest goes to free_slow.
 */
void rp_free(void *p)
{
#if !RP_CFG_DEBUG
    uintptr_t a = (uintptr_t)p;
    const rp_heap_region_t *r = &rp_heap.regions[0];
    if (a - r->lo < rp_heap.fast_span) {
        rp_critical_t t = enter();
        /* The page number gives both the map byte and the pool (shifted back: one
         * instruction where masking takes two on Thumb-2). */
        uintptr_t page = a >> RP_POOL_SHIFT;
        unsigned cls = *(const uint8_t *)(r->map_base + page);
        /* RP_PAGE_NOT_POOL, the map's one value besides the classes: a chunk, checked and
         * freed in chunk.c. Tested first, so that the chunk path makes one test of the
         * byte, not two (2 instructions fewer on free's longest path), and the pool's
         * address is computed after it (the volatile asm keeps GCC from hoisting it onto
         * the chunk path). */
        if (cls >= RP_NCLASSES) {
            rp_chunk_free_checked(r, p);
            leave(t);
            return;
        }
        __asm__ volatile("" : "+r"(page));
        rp_pool_t *pg = (rp_pool_t *)((page << RP_POOL_SHIFT) + RP_POOL_HDR_OFF);
        if (rp_pool_block_plausible(pg, cls, p)) {
            rp_pool_free(pg, cls, p);
            leave(t);
            return;
        }
        leave(t);
    }
#endif
    free_slow(p);
}

#if !RP_CFG_DEBUG
/* rp_free_known's other cases: tracing, chunks, other regions. */
static __attribute__((noinline)) void free_known_slow(void *p)
{
    uintptr_t a = (uintptr_t)p;
    rp_critical_t t = enter();
    TRACE(free, p);
    rp_where_t w;
    w.cls = *rp_map_of(rp_region_of(a), a);
    w.pg = w.cls < RP_NCLASSES ? rp_pool_of(p) : 0;
    heap_free(p, &w);
    leave(t);
}
#endif

/* As rp_free's fast path, less the validation: the collector frees its garbage here. */
void rp_free_known(void *p)
{
#if RP_CFG_DEBUG
    rp_free(p);
#else
    uintptr_t a = (uintptr_t)p;
    const rp_heap_region_t *r = &rp_heap.regions[0];
    if (a - r->lo < rp_heap.fast_span) {
        rp_critical_t t = enter();
        unsigned cls = *rp_map_of(r, a);
        if (cls < RP_NCLASSES) {
            rp_pool_free(rp_pool_of(p), cls, p);
            leave(t);
            return;
        }
        leave(t);
    }
    free_known_slow(p);
#endif
}

void *rp_realloc(void *p, size_t n)
{
    if (!p) {
        TRACE(hint, 0, __builtin_return_address(0));
        return rp_malloc(n);
    }
    rp_critical_t t = enter();
    rp_where_t w;
    void *q = 0;
    if (!find_user(p, &w))
        goto out;
    if (FAULT_FIRES()) {
        q = fault_fail(n, &t);
        TRACE(alloc, 0, n, __builtin_return_address(0));   /* clears the hints */
        goto out;
    }
    if (resize_in_place(p, &w, n)) {
        TRACE(resize, p, n);
        q = p;
        goto out;
    }
    /* A move: the new block, the copy and the free each in their own masked window (p
     * stays the caller's all along, so nothing a handler does between them touches it). */
    leave(t);
    t = enter();
    q = heap_alloc_retry(n, &t);
    if (q)   /* the old trace goes first, so a move does not raise the traced peak */
        TRACE(free, p);
    TRACE(alloc, q, n, __builtin_return_address(0));
    if (!q)
        goto out;
    /* The copy runs unmasked, so the windows stay O(1) whatever the size. */
    size_t old = user_size(raw_of(p), raw_usable(&w, raw_of(p)));
    leave(t);
    rp_memcpy(q, p, old < n ? old : n);
    t = enter();
    heap_free(p, &w);
out:
    leave(t);
    return q;
}

size_t rp_usable_size(const void *p)
{
    if (!p)
        return 0;
    rp_critical_t t = enter();
    rp_where_t w;
    size_t n = find_user(p, &w) ? user_size(raw_of(p), raw_usable(&w, raw_of(p))) : 0;
    leave(t);
    return n;
}

size_t rp_heap_trim(void)
{
    rp_critical_t t = enter();
    size_t n = rp_pool_release_spares(&t);
    leave(t);
    return n;
}

/* ---- statistics and the checker ---- */

typedef void (*rp_chunk_visit_t)(const uint32_t *tag, void *ctx);

static void walk_chunks(rp_chunk_visit_t visit, void *ctx)
{
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        const rp_heap_region_t *r = &rp_heap.regions[i];
        for (const uint32_t *t = (const uint32_t *)r->lo; (uintptr_t)t < r->end;
             t = (const uint32_t *)((uintptr_t)t + rp_tag_size(*t)))
            visit(t, ctx);
    }
}

typedef void (*rp_pool_visit_t)(const rp_pool_t *pg, unsigned cls, void *ctx);

/* Every pool in use (not the spares, whose used is 0: P4). */
static void walk_pools(rp_pool_visit_t visit, void *ctx)
{
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        const rp_heap_region_t *r = &rp_heap.regions[i];
        for (uint32_t k = 0; k < r->npages; k++) {
            const rp_pool_t *pg = (const rp_pool_t *)(r->grid + ((uintptr_t)k << RP_POOL_SHIFT) + RP_POOL_HDR_OFF);
            if (r->map[k] < RP_NCLASSES && pg->used)
                visit(pg, r->map[k], ctx);
        }
    }
}

static void stat_pool(const rp_pool_t *pg, unsigned cls, void *ctx)
{
    rp_heap_stats_t *s = ctx;
    rp_class_stats_t *cs = &s->classes[cls];
    cs->pools++;
    cs->blocks_used += pg->used;
    cs->blocks_free += rp_pool_capacity(cls) - pg->used;
#if !RP_CFG_DEBUG
    s->bytes_in_use += pg->used * cs->size;
    s->blocks_in_use += pg->used;
#endif
}

static void stat_chunk(const uint32_t *t, void *ctx)
{
    rp_heap_stats_t *s = ctx;
    uint32_t size = rp_tag_size(*t);
    if (!(*t & RP_CHUNK_USED)) {
        s->free_bytes += size;
        s->free_chunks++;
        if (size - RP_CHUNK_TAG - RP_DBG_HEAD - RP_DBG_TAIL > s->largest_free)
            s->largest_free = size - RP_CHUNK_TAG - RP_DBG_HEAD - RP_DBG_TAIL;
    } else if (*t & RP_CHUNK_POOL) {
        s->pool_bytes += size;
    } else {
        s->large_bytes += size;
        s->large_blocks++;
#if !RP_CFG_DEBUG
        s->bytes_in_use += size - RP_CHUNK_TAG;   /* A1: a release chunk's usable bytes */
        s->blocks_in_use++;
#endif
    }
}

void rp_heap_stats(rp_heap_stats_t *s)
{
    rp_critical_t t = enter();
    rp_memset(s, 0, sizeof *s);
    for (unsigned c = 0; c < RP_NCLASSES; c++)
        s->classes[c].size = rp_class_size(c);
    s->bytes_in_use = rp_heap.bytes_in_use;
    s->blocks_in_use = rp_heap.blocks_in_use;
    walk_pools(stat_pool, s);
    walk_chunks(stat_chunk, s);
    s->arena_bytes = rp_heap.arena_bytes;
    s->metadata_bytes = rp_heap.metadata_bytes;
    s->state_bytes = (uint32_t)sizeof rp_heap;
    for (const rp_pool_t *pg = rp_heap.spare; pg; pg = pg->next)   /* O(spares): not kept per call */
        s->spare_pools++;
    s->footprint = rp_heap.chunk_bytes - rp_heap.free_bytes;
    s->peak_footprint = rp_heap.chunk_bytes - rp_heap.low_free;
    s->failed_allocs = rp_heap.failed_allocs;
    s->reports = rp_heap.reports;
    leave(t);
}

/* A1, and in debug every live block's header and guard bytes. */
typedef struct rp_tally {
    uint32_t bytes, blocks;
    rp_fault_t fault;
} rp_tally_t;

static void tally_block(const void *raw, size_t usable, rp_tally_t *tl)
{
#if RP_CFG_DEBUG
    const uint32_t *h = raw;
    const uint8_t *g = (const uint8_t *)raw + RP_DBG_HEAD + h[0];
    if (!tl->fault.rule && (h[1] != RP_DBG_LIVE || h[0] > usable - RP_DBG_HEAD)) {
        tl->fault.rule = "live block's debug header overwritten";
        tl->fault.addr = raw;
    }
    for (size_t i = 0; !tl->fault.rule && i < usable - RP_DBG_HEAD - h[0]; i++)
        if (g[i] != 0xFD) {
            tl->fault.rule = "guard bytes overwritten after a live block (buffer overrun)";
            tl->fault.addr = g + i;
        }
#endif
    tl->bytes += (uint32_t)user_size(raw, usable);
    tl->blocks++;
}

static void tally_chunk(const uint32_t *t, void *ctx)
{
    if ((*t & (RP_CHUNK_USED | RP_CHUNK_POOL)) == RP_CHUNK_USED)
        tally_block((const uint8_t *)t + RP_CHUNK_TAG, rp_tag_size(*t) - RP_CHUNK_TAG, ctx);
}

/* Debug builds visit each pool block, telling free from live by the free mark (a live
 * debug block holds RP_DBG_LIVE there); release builds count pool blocks from `used`
 * (A1), which rp_pool_check verifies against the free lists. */
static void tally_pool(const rp_pool_t *pg, unsigned cls, void *ctx)
{
#if RP_CFG_DEBUG
    uint32_t size = rp_class_size(cls), start = size;
    for (uint32_t o = pg->free, n = 0; o && n <= RP_CFG_POOL_SIZE / 8u; n++) {
        if (o & 1u) {   /* blocks from the never-used distance up hold nothing */
            start = o - 1u + size;
            break;
        }
        o = rp_pool_block(pg, o)[0];
    }
    for (uint32_t o = start; o <= rp_heap.class_limit[cls]; o += size) {
        const uint32_t *b = rp_pool_block(pg, o);
        if (b[1] != rp_pool_mark(b))
            tally_block(b, size, ctx);
    }
#else
    (void)pg;
    (void)cls;
    (void)ctx;
#endif
}

/* G1, and the footprint part of C6. */
static rp_fault_t check_gates_and_footprint(void)
{
    rp_fault_t f;
    uint32_t span = 0;
    int traced = rp_heap_tracer != 0;
#if RP_CFG_FAULT_INJECT
    traced = traced || fault_armed();
#endif
    f.rule = 0;
    f.addr = &rp_heap;
    for (unsigned i = 0; i < rp_heap.nregions; i++)
        span += (uint32_t)rp_heap.regions[i].span;
    if (rp_heap.fast_small != (traced ? 0u : RP_CFG_SMALL_MAX) || rp_heap.fast_chunk != (traced ? 0u : RP_CHUNK_FAST) ||
        rp_heap.fast_span != (traced ? 0u : rp_heap.regions[0].span))
        f.rule = "fast-path gates disagree with the tracing and injection state (G1)";
    else if (span != rp_heap.chunk_bytes || rp_heap.low_free > rp_heap.free_bytes)
        f.rule = "chunk space or peak footprint disagrees with the regions (C6)";
    else if (rp_heap.chunk_inner)
        f.rule = "a chunk request's inner flag left set between calls (G2)";
    return f;
}

rp_fault_t rp_heap_check(void)
{
    rp_critical_t t = enter();
    rp_fault_t f = rp_chunk_check();
    if (!f.rule)
        f = rp_pool_check();
    if (!f.rule) {
        rp_tally_t tl;
        rp_memset(&tl, 0, sizeof tl);
        walk_chunks(tally_chunk, &tl);
        walk_pools(tally_pool, &tl);
        f = tl.fault;
        /* A1: debug builds count every live block, release builds none (both stay 0) */
        uint32_t bytes = RP_CFG_DEBUG ? tl.bytes : 0u, blocks = RP_CFG_DEBUG ? tl.blocks : 0u;
        if (!f.rule && (bytes != rp_heap.bytes_in_use || blocks != rp_heap.blocks_in_use))
            f.rule = "bytes or blocks in use disagree with the live blocks (A1)";
    }
    if (!f.rule)
        f = check_gates_and_footprint();
    leave(t);
    return f;
}

/* ---- runs of known-live blocks (heap_internal.h) ---- */

void rp_pool_give_locked(rp_pool_t *pg, uint32_t first, uint32_t *last, uint32_t n)
{
    rp_critical_t t = enter();
    rp_pool_give(pg, *rp_map_of(&rp_heap.regions[0], (uintptr_t)pg), first, last, n);
    leave(t);
}
