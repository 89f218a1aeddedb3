/*
 * tb_alloc.c — the allocator on target: workloads W1 and W1s (mps2-an385) or W1-M0
 * (microbit) of WORKLOADS.md, on refpool and on newlib's malloc (this image links
 * libc.a or libc_nano.a: TB_NEWLIB_NAME), plus the cost of allocation tracing.
 * Prints figures, checks nothing: it is no test. tools/bench/run-target-bench.sh runs
 * it and turns its lines into tables; tools/bench/README-target.md says how each figure
 * is measured.
 *
 * Lines (fields separated by |):
 *   C|opt|calibration|exact?
 *   T|board|opt|workload|allocator|heap bytes|mallocs|frees|failed|malloc mean|malloc max|
 *     free mean|free max|malloc mean <= 64 B|malloc mean > 64 B|free mean <= 64 B|free mean > 64 B
 *   H|board|opt|workload|allocator|peak live|smallest heap|ratio|in use at the peak|what that is
 *   X|board|opt|tracing|malloc mean|malloc max|free mean|free max|pair mean|dropped|bytes per record
 *   D|free text (diagnosis)
 */
#include "tb.h"

#include "rp_heap.h"
#include "rp_port.h"
#include "rp_print.h"
#include "rp_trace.h"

#ifndef TB_WITH_REFPOOL
#define TB_WITH_REFPOOL 1
#endif
#ifndef TB_SUITE_M0
#define TB_SUITE_M0 0
#endif
#ifndef TB_PROFILE
#define TB_PROFILE 0
#endif

/* newlib's allocator, from libc.a or libc_nano.a. */
void *malloc(size_t n);
void free(void *p);

/* ---- workloads ---- */

typedef struct tb_work {
    const char *name;
    uint32_t ops, cap;
    int small;           /* W1s: sizes rand(8, 64) only */
    uint32_t heap;       /* the heap of the counted run */
} tb_work_t;

#if TB_SUITE_M0
#define TB_CAP_MAX 100u
static const tb_work_t works[] = {{"W1-M0", 200000u, 100u, 0, 8192u}};
#else
#define TB_CAP_MAX 2000u
#define TB_BIG (1u << 20)
static const tb_work_t works[] = {{"W1", 200000u, 2000u, 0, TB_BIG}, {"W1s", 200000u, 2000u, 1, TB_BIG}};
#if TB_WITH_REFPOOL
/* Tracing cost: W1s's sizes with at most 500 live blocks, so that the 1024-slot record
 * table (3/4 usable) never fills and every allocation is traced. */
static const tb_work_t trace_work = {"W1s, live cap 500", 200000u, 500u, 1, TB_BIG};
#endif
#endif

static void *slot[TB_CAP_MAX];
static uint16_t slot_size[TB_CAP_MAX];

static uint32_t draw_size(uint32_t *x, int small)
{
    return small ? tb_rand(x, 8, 64) : tb_w1_size(x);
}

/* ---- allocators ---- */

typedef struct tb_alloc {
    const char *name;
    void *(*alloc)(size_t);
    void (*release)(void *);
    void (*prepare)(uint8_t *base, uint32_t bytes);   /* a fresh, empty heap of `bytes` */
} tb_alloc_t;

#if TB_WITH_REFPOOL
static void rp_prepare(uint8_t *base, uint32_t bytes)
{
    rp_region_t r = {base, bytes};
    if (rp_heap_init(&r, 1) != RP_E_OK) {
        rp_printf("FAIL rp_heap_init refused %u bytes\n", (unsigned)bytes);
        rp_port_exit(1);
    }
}

static const tb_alloc_t refpool = {"refpool", rp_malloc, rp_free, rp_prepare};

#if !TB_SUITE_M0
static void rp_prepare_traced(uint8_t *base, uint32_t bytes)
{
    rp_prepare(base, bytes);
    rp_trace_start(1);
}

static const tb_alloc_t refpool_traced = {"refpool", rp_malloc, rp_free, rp_prepare_traced};
#endif
#endif

/* newlib gets its memory through _sbrk (called by _sbrk_r): here a break over
 * [base, base + limit), refusing to grow past it, and recording its highest point. */
static uint8_t *sb_base, *sb_brk, *sb_limit, *sb_hwm;

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    uint8_t *old = sb_brk;
    if ((incr > 0 && (uint32_t)incr > (uint32_t)(sb_limit - sb_brk)) ||
        (incr < 0 && (uint32_t)-incr > (uint32_t)(sb_brk - sb_base)))
        return (void *)-1;
    sb_brk += incr;
    if (sb_brk > sb_hwm)
        sb_hwm = sb_brk;
    return old;
}

/* newlib's malloc keeps its state in static variables and has no reset: every static
 * of the image goes back to its reset value, then the break starts over. */
static void newlib_prepare(uint8_t *base, uint32_t bytes)
{
    tb_statics_reset();
    sb_base = sb_brk = sb_hwm = base;
    sb_limit = base + bytes;
}

static const tb_alloc_t newlib = {TB_NEWLIB_NAME, malloc, free, newlib_prepare};

/* ---- one run of a workload ---- */

typedef struct tb_run {
    uint32_t mallocs, frees, failed, first_failed_op;
    uint64_t msum, fsum, msum_small, fsum_small;
    uint32_t mn_small, fn_small;
    uint32_t mmax, fmax, mmax_op, fmax_op, mmax_size, fmax_size;
    uint32_t peak_live, peak_op;
} tb_run_t;

typedef void (*tb_hook_t)(void);

/*
 * The workload as WORKLOADS.md writes it, read as C with short-circuit evaluation (as
 * tools/bench/bench_w1.c does on the host): no draw while the live set is empty;
 * otherwise rand(0,99) is drawn before the cap is tested. A free draws the slot, frees it
 * and moves the last slot into its place. At the end every slot is freed, last first.
 * A failed allocation keeps its slot, empty, so the operation sequence never depends on
 * the allocator; freeing an empty slot calls nothing. With `timed`, every call is
 * counted; `hook` runs right after operation `hook_op`.
 */
static void run(const tb_alloc_t *a, const tb_work_t *w, uint8_t *base, uint32_t heap, int timed, tb_run_t *r,
                uint32_t hook_op, tb_hook_t hook)
{
    uint32_t x = TB_SEED, live = 0, bytes = 0, i;
    *r = (tb_run_t){0};
    r->first_failed_op = UINT32_MAX;
    if (heap)   /* 0: the caller has prepared the heap */
        a->prepare(base, heap);
    for (i = 0; i < w->ops || live; i++) {
        int alloc = i < w->ops && (live == 0 || (tb_rand(&x, 0, 99) < 55u && live < w->cap));
        if (alloc) {
            uint32_t n = draw_size(&x, w->small), c = 0;
            void *p;
            if (timed)
                c = tb_time_alloc(a->alloc, n, &p);
            else
                p = a->alloc(n);
            if (p) {
                *(volatile uint8_t *)p = (uint8_t)i;
            } else if (r->failed++ == 0) {
                r->first_failed_op = i;
            }
            slot[live] = p;
            slot_size[live++] = (uint16_t)n;
            bytes += n;
            if (bytes > r->peak_live) {
                r->peak_live = bytes;
                r->peak_op = i;
            }
            r->mallocs++;
            r->msum += c;
            if (n <= 64u) {
                r->msum_small += c;
                r->mn_small++;
            }
            if (c > r->mmax) {
                r->mmax = c;
                r->mmax_op = i;
                r->mmax_size = n;
            }
        } else {
            uint32_t k = i < w->ops ? tb_rand(&x, 0, live - 1u) : live - 1u;
            void *p = slot[k];
            uint32_t n = slot_size[k];
            slot[k] = slot[--live];
            slot_size[k] = slot_size[live];
            bytes -= n;
            if (p) {
                uint32_t c = 0;
                if (timed)
                    c = tb_time_free(a->release, p);
                else
                    a->release(p);
                r->frees++;
                r->fsum += c;
                if (n <= 64u) {
                    r->fsum_small += c;
                    r->fn_small++;
                }
                if (c > r->fmax) {
                    r->fmax = c;
                    r->fmax_op = i;
                    r->fmax_size = n;
                }
            }
        }
        if (hook && i == hook_op)
            hook();
    }
}

static void print_mean(uint64_t sum, uint32_t n)
{
    char b[24];
    if (!n) {
        rp_printf("|-");
        return;
    }
    tb_fmt2(b, sum, n);
    rp_printf("|%s", b);
}

static void print_run(const tb_alloc_t *a, const tb_work_t *w, uint32_t heap, const tb_run_t *r)
{
    rp_printf("T|%s|%s|%s|%s|%u|%u|%u|%u", TB_BOARD, tb_opt(), w->name, a->name, (unsigned)heap,
              (unsigned)r->mallocs, (unsigned)r->frees, (unsigned)r->failed);
    print_mean(r->msum, r->mallocs);
    rp_printf("|%u", (unsigned)r->mmax);
    print_mean(r->fsum, r->frees);
    rp_printf("|%u", (unsigned)r->fmax);
    print_mean(r->msum_small, r->mn_small);
    print_mean(r->msum - r->msum_small, r->mallocs - r->mn_small);
    print_mean(r->fsum_small, r->fn_small);
    print_mean(r->fsum - r->fsum_small, r->frees - r->fn_small);
    rp_printf("\n");
    rp_printf("D|%s %s %s, heap %u: largest malloc %u instructions at op %u (%u B); largest free %u at op %u (%u B)",
              tb_opt(), w->name, a->name, (unsigned)heap, (unsigned)r->mmax, (unsigned)r->mmax_op,
              (unsigned)r->mmax_size, (unsigned)r->fmax, (unsigned)r->fmax_op, (unsigned)r->fmax_size);
    if (r->failed)
        rp_printf("; %u failed allocations, the first at op %u", (unsigned)r->failed, (unsigned)r->first_failed_op);
    rp_printf("\n");
}

/* ---- the heap a workload needs ---- */

static uint32_t in_use_at_peak;
#if TB_WITH_REFPOOL
static rp_heap_stats_t stats_at_peak;
static void rp_at_peak(void)
{
    rp_heap_stats(&stats_at_peak);
    in_use_at_peak = stats_at_peak.arena_bytes - stats_at_peak.free_bytes;
}

/* Where the smallest heap goes at the peak of live bytes. */
static void rp_print_peak(const tb_work_t *w, uint32_t heap, uint32_t peak_live)
{
    const rp_heap_stats_t *s = &stats_at_peak;
    uint32_t pools = 0, used = 0, spare = 0;
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        pools += s->classes[c].pools;
        used += s->classes[c].blocks_used * s->classes[c].size;
        spare += s->classes[c].blocks_free * s->classes[c].size;
    }
    rp_printf("D|%s %s refpool, smallest heap %u B at the peak (%u B requested live): page table and alignment %u B;"
              " %u pools of %u B holding %u B of blocks in use and %u B of free blocks; %u chunks in use holding %u B;"
              " %u free chunks holding %u B\n",
              tb_opt(), w->name, (unsigned)heap, (unsigned)peak_live,
              (unsigned)(s->arena_bytes - s->pool_bytes - s->large_bytes - s->free_bytes), (unsigned)pools,
              (unsigned)RP_CFG_POOL_SIZE, (unsigned)used, (unsigned)spare, (unsigned)s->large_blocks,
              (unsigned)s->large_bytes, (unsigned)s->free_chunks, (unsigned)s->free_bytes);
}
#endif
static void newlib_at_peak(void)
{
    in_use_at_peak = (uint32_t)(sb_brk - sb_base);
}

/*
 * The smallest heap, a multiple of 8 bytes, with no failed allocation: a binary search
 * between a size that fails (the peak live bytes, rounded down) and one that succeeds
 * (`top`). Assumes that a heap that runs the workload keeps running it when larger.
 * Returns 0 if even `top` fails.
 */
static uint32_t smallest_heap(const tb_alloc_t *a, const tb_work_t *w, uint8_t *base, uint32_t peak_live,
                              uint32_t top, unsigned *tries)
{
    tb_run_t r;
    uint32_t lo = peak_live & ~7u, hi = top & ~7u;
    *tries = 2;
    run(a, w, base, hi, 0, &r, UINT32_MAX, 0);
    if (r.failed)
        return 0;
    run(a, w, base, lo, 0, &r, UINT32_MAX, 0);
    if (!r.failed)
        return lo;   /* cannot be: the heap holds the live bytes and more */
    while (hi - lo > 8u) {
        uint32_t mid = lo + (((hi - lo) / 8u) / 2u) * 8u;
        run(a, w, base, mid, 0, &r, UINT32_MAX, 0);
        ++*tries;
        if (r.failed)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

static int is_newlib(const tb_alloc_t *a) { return a->prepare == newlib_prepare; }

/* Counted in the workload's heap; the smallest heap; counted again in that heap; what is
 * in use at the peak of live bytes in it. `avail`: the most memory the image can give. */
static void bench_one(const tb_alloc_t *a, const tb_work_t *w, uint8_t *base, uint32_t avail)
{
    tb_run_t r, counted;
    unsigned tries;

    run(a, w, base, w->heap, 1, &counted, UINT32_MAX, 0);
    uint32_t hwm = (uint32_t)(sb_hwm - sb_base);
    print_run(a, w, w->heap, &counted);
    if (is_newlib(a))
        rp_printf("D|%s %s %s, heap %u: sbrk high-water mark %u B\n", tb_opt(), w->name, a->name,
                  (unsigned)w->heap, (unsigned)hwm);

    /* rp_heap_init takes regions up to 2^RP_CFG_CHUNK_MAX_LOG2 bytes; newlib any. */
    if (!is_newlib(a) && avail > (1u << RP_CFG_CHUNK_MAX_LOG2))
        avail = 1u << RP_CFG_CHUNK_MAX_LOG2;
    uint32_t least = smallest_heap(a, w, base, counted.peak_live, avail, &tries);
    if (!least) {
        rp_printf("H|%s|%s|%s|%s|%u|>%u|-|-|-\n", TB_BOARD, tb_opt(), w->name, a->name,
                  (unsigned)counted.peak_live, (unsigned)avail);
        return;
    }
    run(a, w, base, least, 1, &r, UINT32_MAX, 0);
    print_run(a, w, least, &r);
    rp_printf("D|%s %s %s: smallest heap %u B found in %u runs of the workload\n", tb_opt(), w->name, a->name,
              (unsigned)least, tries);

    const char *what = "sbrk break";
#if TB_WITH_REFPOOL
    if (!is_newlib(a)) {
        run(a, w, base, least, 0, &r, counted.peak_op, rp_at_peak);
        rp_print_peak(w, least, counted.peak_live);
        what = "heap minus free chunks";
    } else
#endif
        run(a, w, base, least, 0, &r, counted.peak_op, newlib_at_peak);
    uint64_t milli = ((uint64_t)least * 1000u + counted.peak_live / 2u) / counted.peak_live;
    rp_printf("H|%s|%s|%s|%s|%u|%u|%u.%03u|%u|%s\n", TB_BOARD, tb_opt(), w->name, a->name,
              (unsigned)counted.peak_live, (unsigned)least, (unsigned)(milli / 1000u), (unsigned)(milli % 1000u),
              (unsigned)in_use_at_peak, what);
}

/* ---- tracing ---- */

#if TB_WITH_REFPOOL && !TB_SUITE_M0
/* Every rp_malloc and rp_free counted with tracing stopped, then started. */
static void bench_trace(uint8_t *base)
{
    static const tb_alloc_t *const variants[2] = {&refpool, &refpool_traced};
    uint32_t per_record = (uint32_t)(rp_trace_get_tracemalloc_memory() / RP_CFG_TRACE_RECORDS);
    for (int on = 0; on < 2; on++) {
        tb_run_t r;
        char m[24], f[24], pair[24];
        run(variants[on], &trace_work, base, trace_work.heap, 1, &r, UINT32_MAX, 0);
        uint32_t dropped = rp_trace_dropped();
        rp_trace_stop();
        tb_fmt2(m, r.msum, r.mallocs);
        tb_fmt2(f, r.fsum, r.frees);
        /* Mean of a malloc plus a free: their means added. */
        tb_fmt2(pair, r.msum * r.frees + r.fsum * r.mallocs, (uint64_t)r.mallocs * r.frees);
        rp_printf("X|%s|%s|%s|%s|%u|%s|%u|%s|%u|%u|%u\n", TB_BOARD, tb_opt(), on ? "on" : "off", m,
                  (unsigned)r.mmax, f, (unsigned)r.fmax, pair, (unsigned)dropped, (unsigned)per_record,
                  (unsigned)RP_CFG_TRACE_RECORDS);
        if (r.failed)
            rp_printf("D|tracing %s: %u failed allocations\n", on ? "on" : "off", (unsigned)r.failed);
    }
}
#endif

#if TB_PROFILE
/* The profile image: the counted runs of refpool alone, untimed, each after its phase
 * marker, for tools/bench/target/profile.py. */
TB_PHASE(setup)
TB_PHASE(W1)
TB_PHASE(W1s)
TB_PHASE(W1_M0)
TB_PHASE(end)
#endif

int main(void);
int main(void)
{
    size_t size;
    uint8_t *mem = rp_port_heap(&size);
    /* Heaps start on a 4 KiB boundary, so that no result depends on where the image's
     * static data ends: refpool lays pools on RP_CFG_POOL_SIZE boundaries, and newlib's
     * malloc rounds its break to 4 KiB pages. */
    uintptr_t start = ((uintptr_t)mem + 4095u) & ~(uintptr_t)4095u;
    uint8_t *base = (uint8_t *)start;
    uint32_t avail = (uint32_t)((uintptr_t)mem + size - start) & ~7u;

#if TB_PROFILE
    tb_phase_setup();
    for (unsigned i = 0; i < sizeof works / sizeof works[0]; i++) {
        tb_run_t r;
        const tb_work_t *w = &works[i];
        refpool.prepare(base, w->heap);
        w->cap == 100u ? tb_phase_W1_M0() : w->small ? tb_phase_W1s() : tb_phase_W1();
        run(&refpool, w, base, 0, 0, &r, UINT32_MAX, 0);
        tb_phase_end();
        rp_printf("P|%s|%s|%s|%u|%u|%u\n", TB_BOARD, tb_opt(), w->name, (unsigned)r.mallocs, (unsigned)r.frees,
                  (unsigned)r.failed);
    }
    return 0;
#endif
    tb_count_init();
    rp_printf("S|%s|%s|heap memory at 0x%x, %u B usable; allocators: %s%s\n", TB_BOARD, tb_opt(),
              (unsigned)start, (unsigned)avail, TB_WITH_REFPOOL ? "refpool, " : "", TB_NEWLIB_NAME);
    for (unsigned i = 0; i < sizeof works / sizeof works[0]; i++) {
#if TB_WITH_REFPOOL
        bench_one(&refpool, &works[i], base, avail);
#endif
        bench_one(&newlib, &works[i], base, avail);
    }
#if TB_WITH_REFPOOL && !TB_SUITE_M0
    bench_trace(base);
#endif
    return 0;
}
