/*
 * bench_w1.c — workloads W1 and W1s of ../shared/bench/WORKLOADS.md against refpool and
 * the host's mallocs. Prints figures, checks nothing: it is not a test.
 *
 *     rp_bench_w1 W1|W1s
 *
 * One source, one executable per malloc (libmimalloc and libjemalloc both replace malloc
 * when linked): BENCH_REFPOOL and BENCH_GLIBC go together, BENCH_MIMALLOC and
 * BENCH_JEMALLOC alone. Output is one line per figure, prefixed so that
 * tools/bench/run-bench.sh can merge the executables into tables:
 *     T|workload|allocator|ns/malloc|ns/free|max malloc|max free|max malloc, filtered|max free, filtered|
 *       ns/call untimed
 *     R|workload|peak live|smallest arena|ratio|metadata|metadata %|in-arena metadata
 *     M|workload|allocator|figure|bytes|ratio to peak live
 *     S|the workload and the timer (the same from every executable)
 *     D|free text (diagnosis)
 * How each figure is measured, and the choices made where WORKLOADS.md is open:
 * tools/bench/README.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_REFPOOL
#define BENCH_REFPOOL 0
#endif
#ifndef BENCH_GLIBC
#define BENCH_GLIBC 0
#endif
#ifndef BENCH_MIMALLOC
#define BENCH_MIMALLOC 0
#endif
#ifndef BENCH_JEMALLOC
#define BENCH_JEMALLOC 0
#endif

#if BENCH_REFPOOL
#include "rp_heap.h"
#endif
#if BENCH_GLIBC
#include <malloc.h>
#endif
#if BENCH_MIMALLOC
#include <mimalloc.h>
#endif
#if BENCH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* ---- the workload ---- */

#define W_OPS 200000u
#define W_LIVE_MAX 2000u
#define W_SEED 12345u
#define W_MAX_SIZE 512u /* the largest request of W1 */
#define W_RUNS 5

typedef struct bench_op {
    uint32_t arg;   /* bytes to allocate, or the live slot to free */
    uint16_t alloc; /* 1 allocate, 0 free */
    uint16_t small; /* the block is at most SMALL_MAX bytes (diagnosis only) */
} bench_op_t;

/* The whole operation sequence, drawn once: it does not depend on the allocator. */
static bench_op_t trace[W_OPS + W_LIVE_MAX];
static uint32_t ntrace, nallocs, nfrees, nlarge; /* nlarge: allocations above SMALL_MAX */
static uint32_t peak_live;   /* most requested bytes live at once */
static uint32_t peak_op;     /* index in trace of the allocation that first reached it */
static uint32_t peak_blocks, peak_small_bytes, peak_small_blocks;

static uint32_t xs;

static uint32_t rnd(uint32_t a, uint32_t b)
{
    xs ^= xs << 13;
    xs ^= xs >> 17;
    xs ^= xs << 5;
    return a + xs % (b - a + 1u);
}

static uint32_t w1_size(int small)
{
    if (small)
        return rnd(8, 64);
    uint32_t r = rnd(0, 99);
    return r < 60 ? rnd(8, 32) : r < 90 ? rnd(33, 128) : rnd(129, 512);
}

/* Bytes up to which refpool serves a request from its pools (for the diagnosis only). */
#if BENCH_REFPOOL
#define SMALL_MAX RP_CFG_SMALL_MAX
#else
#define SMALL_MAX 64u
#endif

static void make_trace(int small)
{
    static uint32_t sizes[W_LIVE_MAX];
    uint32_t live = 0, bytes = 0, small_bytes = 0, small_blocks = 0;
    xs = W_SEED;
    ntrace = nallocs = nfrees = nlarge = peak_live = peak_op = 0;
    for (uint32_t i = 0; i < W_OPS; i++) {
        /* As written: no draw while the live set is empty; otherwise the draw comes
         * before the cap test, so it is made even when live == W_LIVE_MAX. */
        if (live == 0 || (rnd(0, 99) < 55 && live < W_LIVE_MAX)) {
            uint32_t n = w1_size(small);
            sizes[live++] = n;
            bytes += n;
            if (n <= SMALL_MAX)
                small_bytes += n, small_blocks++;
            else
                nlarge++;
            trace[ntrace].arg = n;
            trace[ntrace].alloc = 1;
            trace[ntrace].small = n <= SMALL_MAX;
            if (bytes > peak_live) {
                peak_live = bytes;
                peak_op = ntrace;
                peak_blocks = live;
                peak_small_bytes = small_bytes;
                peak_small_blocks = small_blocks;
            }
            nallocs++;
        } else {
            uint32_t k = rnd(0, live - 1u);
            trace[ntrace].small = sizes[k] <= SMALL_MAX;
            bytes -= sizes[k];
            if (sizes[k] <= SMALL_MAX)
                small_bytes -= sizes[k], small_blocks--;
            sizes[k] = sizes[--live];
            trace[ntrace].arg = k;
            trace[ntrace].alloc = 0;
            nfrees++;
        }
        ntrace++;
    }
    /* "At the end free everything": last slot first, so no slot moves. */
    while (live) {
        trace[ntrace].arg = --live;
        trace[ntrace].alloc = 0;
        trace[ntrace].small = sizes[live] <= SMALL_MAX;
        ntrace++;
        nfrees++;
    }
}

/* ---- timers ---- */

#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE2__))
/* lfence before and after: the read neither starts before earlier instructions finish
 * nor lets later ones start before it. */
static inline uint64_t tick_begin(void)
{
    __builtin_ia32_lfence();
    uint64_t t = __builtin_ia32_rdtsc();
    __builtin_ia32_lfence();
    return t;
}

static inline uint64_t tick_end(void)
{
    unsigned aux;
    uint64_t t = __builtin_ia32_rdtscp(&aux);
    __builtin_ia32_lfence();
    return t;
}
#define TIMER_NAME "rdtsc (lfence-fenced), calibrated against CLOCK_MONOTONIC"
#else
static uint64_t now_ns(void);
static inline uint64_t tick_begin(void) { return now_ns(); }
static inline uint64_t tick_end(void) { return now_ns(); }
#define TIMER_NAME "clock_gettime(CLOCK_MONOTONIC)"
#endif

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ns_per_tick = 1.0;
/* Ticks of a timed call to the null allocator, [free, malloc]: the timer, the indirect
 * call and the loop around it. Subtracted from every timed call. */
static double tick_overhead[2];

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void calibrate(void)
{
    uint64_t n0 = now_ns(), t0 = tick_begin();
    while (now_ns() - n0 < 200000000u)
        ;
    uint64_t n1 = now_ns(), t1 = tick_end();
    ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
}

/* ---- allocators under test ---- */

typedef struct bench_alloc {
    const char *name;
    void *(*alloc)(size_t);
    void (*release)(void *);
    void (*prepare)(void); /* before each run, or NULL */
} bench_alloc_t;

static void *slots[W_LIVE_MAX];
static uint32_t slots_live; /* blocks a stopped replay left in slots[] */

/* Replays the trace with no timer. Returns the index of the first failed allocation or
 * -1; stops after op `stop` (if not -1) and calls `at_stop` there. */
static long replay(const bench_alloc_t *a, long stop, void (*at_stop)(void))
{
    uint32_t live = 0;
    if (a->prepare)
        a->prepare();
    for (uint32_t i = 0; i < ntrace; i++) {
        const bench_op_t *op = &trace[i];
        if (op->alloc) {
            volatile unsigned char *p = a->alloc(op->arg);
            if (!p) {
                slots_live = live;
                return (long)i;
            }
            *p = (unsigned char)i;
            slots[live++] = (void *)(uintptr_t)p;
        } else {
            void *p = slots[op->arg];
            slots[op->arg] = slots[--live];
            a->release(p);
        }
        if ((long)i == stop) {
            at_stop();
            break;
        }
    }
    slots_live = live;
    return -1;
}

/* Frees what a replay stopped at the peak left live. */
static void release_live(const bench_alloc_t *a)
{
    while (slots_live)
        a->release(slots[--slots_live]);
}

typedef struct run_figures {
    double malloc_ns, free_ns, max_malloc_ns, max_free_ns, untimed_ns;
    double by_size[2][2]; /* mean ns by [free, malloc][larger, small] */
    double preempted;     /* calls left out of the means */
} run_figures_t;

/* A call longer than this was preempted or interrupted: no allocator of this benchmark
 * takes a microsecond on its own (see the filtered maxima), while a time slice lost to
 * another process costs milliseconds, which a mean over 10^5 calls would spread as tens
 * of ns onto every call. Such calls count in the largest call, not in the means. */
#define PREEMPTED_NS 20000.0

/* ns of a call of kind `alloc` (1 malloc, 0 free) that took `ticks`, overhead removed. */
static double ticks_to_ns(double ticks, int alloc)
{
    double t = ticks - tick_overhead[alloc];
    return (t < 0 ? 0 : t) * ns_per_tick;
}

/* Ticks of every call of the current run, and the least of each over the measured runs,
 * both indexed like trace[]. */
static uint32_t ticks[W_OPS + W_LIVE_MAX], least[W_OPS + W_LIVE_MAX];

/* One run with a timer around every call, then one with none; 0 on success. */
static int run_timed(const bench_alloc_t *a, run_figures_t *f)
{
    uint32_t live = 0, max_m = 0, max_f = 0, count[2][2] = {{0, 0}, {0, 0}}, preempted = 0;
    uint64_t sum[2][2] = {{0, 0}, {0, 0}};
    const uint32_t limit = (uint32_t)(PREEMPTED_NS / ns_per_tick);
    if (a->prepare)
        a->prepare();
    for (uint32_t i = 0; i < ntrace; i++) {
        const bench_op_t *op = &trace[i];
        uint64_t t0, t1;
        if (op->alloc) {
            t0 = tick_begin();
            volatile unsigned char *p = a->alloc(op->arg);
            t1 = tick_end();
            if (!p)
                return -1;
            *p = (unsigned char)i;
            slots[live++] = (void *)(uintptr_t)p;
        } else {
            void *p = slots[op->arg];
            slots[op->arg] = slots[--live];
            t0 = tick_begin();
            a->release(p);
            t1 = tick_end();
        }
        ticks[i] = (uint32_t)(t1 - t0);
    }
    for (uint32_t i = 0; i < ntrace; i++) {
        if (trace[i].alloc)
            max_m = ticks[i] > max_m ? ticks[i] : max_m;
        else
            max_f = ticks[i] > max_f ? ticks[i] : max_f;
        if (ticks[i] > limit) {
            preempted++;
            continue;
        }
        sum[trace[i].alloc][trace[i].small] += ticks[i];
        count[trace[i].alloc][trace[i].small]++;
    }
    uint64_t sum_m = sum[1][0] + sum[1][1], sum_f = sum[0][0] + sum[0][1];
    f->malloc_ns = ticks_to_ns((double)sum_m / (count[1][0] + count[1][1]), 1);
    f->free_ns = ticks_to_ns((double)sum_f / (count[0][0] + count[0][1]), 0);
    f->preempted = preempted;
    f->max_malloc_ns = ticks_to_ns(max_m, 1);
    f->max_free_ns = ticks_to_ns(max_f, 0);
    for (int k = 0; k < 4; k++)
        f->by_size[k / 2][k % 2] =
            count[k / 2][k % 2] ? ticks_to_ns((double)sum[k / 2][k % 2] / count[k / 2][k % 2], k / 2) : 0;
    uint64_t n0 = now_ns();
    if (replay(a, -1, 0) >= 0)
        return -1;
    f->untimed_ns = (double)(now_ns() - n0) / ntrace;
    return 0;
}

static double median5(double *v)
{
    qsort(v, W_RUNS, sizeof v[0], cmp_double);
    return v[W_RUNS / 2];
}

static double least5(double *v)
{
    qsort(v, W_RUNS, sizeof v[0], cmp_double);
    return v[0];
}

/* The null allocator: what a timed call costs when the allocator does nothing. */
static unsigned char null_block[8];
static void *null_malloc(size_t n)
{
    (void)n;
    return null_block;
}
static void null_free(void *p) { (void)p; }
static const bench_alloc_t null_alloc = {"null", null_malloc, null_free, 0};

/* Sets tick_overhead from W_RUNS runs of the null allocator (after a warm-up run). */
static void measure_overhead(void)
{
    run_figures_t r;
    double m[W_RUNS], f[W_RUNS];
    tick_overhead[0] = tick_overhead[1] = 0;
    run_timed(&null_alloc, &r);
    for (int k = 0; k < W_RUNS; k++) {
        run_timed(&null_alloc, &r);
        m[k] = r.malloc_ns / ns_per_tick;
        f[k] = r.free_ns / ns_per_tick;
    }
    tick_overhead[1] = median5(m);
    tick_overhead[0] = median5(f);
}

/*
 * A warm-up run (first touch of memory, lazy set-up), then W_RUNS runs; each figure is
 * the median of its W_RUNS values, except the untimed throughput, the best of them (it
 * cannot leave preempted calls out). The largest call is given twice: the median of the
 * runs' largest, and the largest over calls of each call's least time in the W_RUNS runs
 * (the trace is the same in every run, so a slow path shows in all of them, while an
 * interrupt or a VM exit rarely hits the same call twice).
 */
static void time_allocator(const char *workload, const bench_alloc_t *a)
{
    run_figures_t warm, r;
    double v[10][W_RUNS];
    measure_overhead();
    if (run_timed(a, &warm)) {
        printf("D|%s %s: an allocation failed; no timing\n", workload, a->name);
        return;
    }
    memset(least, 0xFF, sizeof least);
    for (int k = 0; k < W_RUNS; k++) {
        if (run_timed(a, &r))
            return;
        for (uint32_t i = 0; i < ntrace; i++)
            least[i] = ticks[i] < least[i] ? ticks[i] : least[i];
        v[0][k] = r.malloc_ns;
        v[1][k] = r.free_ns;
        v[2][k] = r.max_malloc_ns;
        v[3][k] = r.max_free_ns;
        v[4][k] = r.untimed_ns;
        for (int j = 0; j < 4; j++)
            v[5 + j][k] = r.by_size[j / 2][j % 2];
        v[9][k] = r.preempted;
    }
    uint32_t worst_m = 0, worst_f = ntrace - 1u; /* the first op allocates, the last frees */
    for (uint32_t i = 0; i < ntrace; i++) {
        uint32_t *w = trace[i].alloc ? &worst_m : &worst_f;
        if (least[i] > least[*w])
            *w = i;
    }
    printf("D|%s %s: timed call to the null allocator, subtracted: %.0f ticks (malloc), %.0f (free)\n", workload,
           a->name, tick_overhead[1], tick_overhead[0]);
    printf("T|%s|%s|%.1f|%.1f|%.0f|%.0f|%.0f|%.0f|%.1f\n", workload, a->name, median5(v[0]), median5(v[1]),
           median5(v[2]), median5(v[3]), ticks_to_ns(least[worst_m], 1), ticks_to_ns(least[worst_f], 0), least5(v[4]));
    printf("D|%s %s: slowest malloc (least of %d runs) is op %u (%u B), slowest free op %u; calls over %.0f us left"
           " out of the means: %.0f per run (median)\n",
           workload, a->name, W_RUNS, worst_m, trace[worst_m].arg, worst_f, PREEMPTED_NS / 1000, median5(v[9]));
    if (nlarge)
        printf("D|%s %s: ns/malloc %.1f for <= %u B, %.1f above; ns/free %.1f for <= %u B, %.1f above\n", workload,
               a->name, median5(v[8]), (unsigned)SMALL_MAX, median5(v[7]), median5(v[6]), (unsigned)SMALL_MAX,
               median5(v[5]));
    fflush(stdout);
}

static void mem_row(const char *workload, const char *alloc, const char *figure, double bytes)
{
    printf("M|%s|%s|%s|%.0f|%.3f\n", workload, alloc, figure, bytes, bytes / peak_live);
}

/* ---- refpool ---- */

#if BENCH_REFPOOL
/* The timing arena and the top of the search: 1 MiB, or the largest region the heap
 * indexes if that is smaller. */
#if RP_CFG_CHUNK_MAX_LOG2 < 20
#define ARENA_MAX ((size_t)1 << RP_CFG_CHUNK_MAX_LOG2)
#else
#define ARENA_MAX ((size_t)1 << 20)
#endif
#define GRANULE 256u
static _Alignas(4096) unsigned char arena[ARENA_MAX];
static size_t arena_size;
static rp_heap_stats_t stop_stats;

static void rp_prepare(void)
{
    rp_region_t r = {arena, arena_size};
    if (rp_heap_init(&r, 1) != RP_E_OK) {
        fprintf(stderr, "rp_heap_init refused %zu bytes\n", arena_size);
        exit(2);
    }
}

static void rp_take_stats(void) { rp_heap_stats(&stop_stats); }

static const bench_alloc_t refpool_alloc = {"refpool", rp_malloc, rp_free, rp_prepare};

/* Runs the whole workload in an arena of n bytes: -1 if every allocation succeeded,
 * else the index of the first that failed. */
static long rp_try(size_t n)
{
    arena_size = n;
    return replay(&refpool_alloc, -1, 0);
}

static void rp_print_stats(const char *workload, const char *when, const rp_heap_stats_t *s, uint32_t live_small,
                           uint32_t live_small_blocks, uint32_t live_large, uint32_t live_large_blocks)
{
    uint32_t pools = 0, pool_used = 0, pool_free = 0;
    printf("D|%s refpool, %s (arena %u B):\n", workload, when, s->arena_bytes);
    printf("D|  class  size  pools  blocks used  blocks free  free bytes\n");
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        const rp_class_stats_t *cs = &s->classes[c];
        if (!cs->pools)
            continue;
        printf("D|  %5u %5u %6u %12u %12u %11u\n", c, cs->size, cs->pools, cs->blocks_used, cs->blocks_free,
               cs->blocks_free * cs->size);
        pools += cs->pools;
        pool_used += cs->blocks_used * cs->size;
        pool_free += cs->blocks_free * cs->size;
    }
    uint32_t chunks = s->pool_bytes + s->large_bytes + s->free_bytes;
    printf("D|  live requested: %u B in %u blocks <= %u B, %u B in %u larger blocks\n", live_small, live_small_blocks,
           (unsigned)SMALL_MAX, live_large, live_large_blocks);
    printf("D|  pools: %u (%u B with tags); block bytes handed out %u (class rounding %u), free in pools %u,"
           " pool chunk overhead %u\n",
           pools, s->pool_bytes, pool_used, pool_used - live_small, pool_free, s->pool_bytes - pool_used - pool_free);
    printf("D|  large chunks: %u holding %u B (tags and 8-byte rounding %u B)\n", s->large_blocks, s->large_bytes,
           s->large_bytes - live_large);
    printf("D|  free chunks: %u holding %u B, largest request that fits %u B\n", s->free_chunks, s->free_bytes,
           s->largest_free);
    printf("D|  metadata: %u B by rp_heap_stats, %u B of it inside the arena (page table, alignment, sentinel)\n",
           s->metadata_bytes, s->arena_bytes - chunks);
    printf("D|  failed allocations %u\n", s->failed_allocs);
}

/* The smallest arena, a multiple of GRANULE, that runs the workload with no failure:
 * binary search between a size that fails and one that succeeds. */
static size_t refpool_memory(const char *workload)
{
    size_t lo = (peak_live / GRANULE) * GRANULE, hi = ARENA_MAX;
    if (rp_try(hi) >= 0) {
        printf("D|%s refpool: fails even in %zu B\n", workload, hi);
        return hi;
    }
    if (rp_try(lo) < 0) {
        printf("D|%s refpool: succeeds in %zu B, below the peak live bytes (accounting is off)\n", workload, lo);
        return lo;
    }
    while (hi - lo > GRANULE) {
        size_t mid = lo + (hi - lo) / GRANULE / 2u * GRANULE;
        if (rp_try(mid) < 0)
            hi = mid;
        else
            lo = mid;
    }
    /* The search assumes success is monotonic in the arena size; count the sizes below
     * the result that succeed anyway, down to the peak live bytes. */
    unsigned below = 0;
    size_t lowest = hi;
    for (size_t n = (peak_live + GRANULE - 1u) / GRANULE * GRANULE; n < hi; n += GRANULE)
        if (rp_try(n) < 0) {
            below++;
            if (n < lowest)
                lowest = n;
        }

    arena_size = hi;
    replay(&refpool_alloc, (long)peak_op, rp_take_stats);
    rp_heap_stats_t at_peak = stop_stats;
    printf("R|%s|%u|%zu|%.3f|%u|%.2f|%u\n", workload, peak_live, hi, (double)hi / peak_live, at_peak.metadata_bytes,
           100.0 * at_peak.metadata_bytes / hi,
           at_peak.arena_bytes - at_peak.pool_bytes - at_peak.large_bytes - at_peak.free_bytes);
    if (below)
        printf("D|%s refpool: success is not monotonic: %u smaller sizes also succeed, the smallest %zu B (%.3fx)\n",
               workload, below, lowest, (double)lowest / peak_live);
    else
        printf("D|%s refpool: every size from the peak live bytes up to %zu B fails (the search result is exact)\n",
               workload, hi);
    rp_print_stats(workload, "at the peak of live bytes, in the smallest arena", &at_peak, peak_small_bytes,
                   peak_small_blocks, peak_live - peak_small_bytes, peak_blocks - peak_small_blocks);

    /* One granule less: where and why it fails. */
    long fail = rp_try(hi - GRANULE);
    if (fail >= 0) {
        rp_heap_stats(&stop_stats);
        printf("D|%s refpool: in %zu B, op %ld (allocation of %u B) fails with %u B free in %u chunks,"
               " largest request that fits %u B\n",
               workload, hi - GRANULE, fail, trace[fail].arg, stop_stats.free_bytes, stop_stats.free_chunks,
               stop_stats.largest_free);
    }

    /* What the heap holds at the peak in the full-size arena used for timing. */
    arena_size = ARENA_MAX;
    replay(&refpool_alloc, (long)peak_op, rp_take_stats);
    mem_row(workload, "refpool", "arena minus free chunks at peak (1 MiB arena: page table + pools + chunks)",
            (double)(stop_stats.arena_bytes - stop_stats.free_bytes));
    mem_row(workload, "refpool", "smallest arena with no failed allocation (256 B steps)", (double)hi);
    return hi;
}

/* In the largest arena, then in the smallest that runs the workload. */
static void refpool_timing(const char *workload, size_t tight)
{
    arena_size = ARENA_MAX;
    time_allocator(workload, &refpool_alloc);
    bench_alloc_t t = refpool_alloc;
    t.name = "refpool (smallest arena)";
    arena_size = tight;
    time_allocator(workload, &t);
}
#endif

/* ---- glibc ---- */

#if BENCH_GLIBC
static struct mallinfo2 glibc_base, glibc_peak;
static void glibc_take(void) { glibc_peak = mallinfo2(); }

static void glibc_memory(const char *workload, const bench_alloc_t *a)
{
    glibc_base = mallinfo2();
    replay(a, (long)peak_op, glibc_take);
    mem_row(workload, "glibc", "mallinfo2 uordblks at peak (in-use chunks, headers included)",
            (double)(glibc_peak.uordblks - glibc_base.uordblks));
    mem_row(workload, "glibc", "mallinfo2 arena + hblkhd - keepcost at peak (heap below the top chunk)",
            (double)(glibc_peak.arena + glibc_peak.hblkhd - glibc_peak.keepcost) -
                (double)(glibc_base.arena + glibc_base.hblkhd - glibc_base.keepcost));
    /* Free what the stopped run left live. */
    release_live(a);
}
#endif

/* ---- mimalloc ---- */

#if BENCH_MIMALLOC
typedef struct mi_sum {
    double reserved, committed, block_bytes;
} mi_sum_t;
static mi_sum_t mi_peak;

/* Pages of the workload's size classes only: the others (stdio's 4 KiB buffer) belong to
 * the process, and their area figures move on their own. */
static bool mi_visit(const mi_heap_t *heap, const mi_heap_area_t *area, void *block, size_t size, void *arg)
{
    (void)heap, (void)block, (void)size;
    mi_sum_t *s = arg;
    if (area && area->block_size <= W_MAX_SIZE) {
        s->reserved += (double)area->reserved;
        s->committed += (double)area->committed;
        s->block_bytes += (double)area->used * (double)area->full_block_size;
    }
    return true;
}

static void mi_measure(mi_sum_t *s)
{
    memset(s, 0, sizeof *s);
    mi_heap_visit_blocks(mi_heap_get_default(), false, mi_visit, s);
}

static void mi_take(void) { mi_measure(&mi_peak); }

static void mimalloc_memory(const char *workload, const bench_alloc_t *a)
{
    replay(a, (long)peak_op, mi_take);
    mem_row(workload, "mimalloc", "live blocks x their block size at peak (mi_heap_visit_blocks)", mi_peak.block_bytes);
    mem_row(workload, "mimalloc", "block capacity set up in the pages holding them (area committed)",
            mi_peak.committed);
    mem_row(workload, "mimalloc", "full capacity of those pages (area reserved)", mi_peak.reserved);
    release_live(a);
}
#endif

/* ---- jemalloc ---- */

#if BENCH_JEMALLOC
typedef struct je_fig {
    size_t allocated, active;
    int ok;
} je_fig_t;
static je_fig_t je_base, je_peak;

/* The thread cache is flushed first: the arena's counts hold cached blocks as allocated
 * and are merged from the cache only at fills and flushes. */
static void je_measure(je_fig_t *f)
{
    uint64_t epoch = 1;
    size_t len = sizeof epoch, sz = sizeof(size_t);
    f->ok = mallctl("thread.tcache.flush", 0, 0, 0, 0) == 0 && mallctl("epoch", &epoch, &len, &epoch, len) == 0 &&
            mallctl("stats.allocated", &f->allocated, &sz, 0, 0) == 0 &&
            mallctl("stats.active", &f->active, &sz, 0, 0) == 0;
}

static void je_take(void) { je_measure(&je_peak); }

static void jemalloc_memory(const char *workload, const bench_alloc_t *a)
{
    je_measure(&je_base);
    replay(a, (long)peak_op, je_take);
    if (je_base.ok && je_peak.ok) {
        mem_row(workload, "jemalloc", "stats.allocated at peak, thread cache flushed (live blocks x size class)",
                (double)je_peak.allocated - (double)je_base.allocated);
        mem_row(workload, "jemalloc", "stats.active at peak (pages of extents holding them)",
                (double)je_peak.active - (double)je_base.active);
    } else {
        printf("D|%s jemalloc: mallctl stats unavailable (built without --enable-stats?)\n", workload);
    }
    release_live(a);
}
#endif

int main(int argc, char **argv)
{
    int small;
    if (argc == 2 && strcmp(argv[1], "W1") == 0)
        small = 0;
    else if (argc == 2 && strcmp(argv[1], "W1s") == 0)
        small = 1;
    else {
        fprintf(stderr, "usage: %s W1|W1s\n", argv[0]);
        return 2;
    }
    const char *w = argv[1];
    make_trace(small);
    calibrate();
    printf("S|%s: %u operations, %u mallocs, %u frees (end of run included), peak %u B requested live in %u "
           "blocks at op %u; timer %s, %.3f ns/tick\n",
           w, ntrace, nallocs, nfrees, peak_live, peak_blocks, peak_op, TIMER_NAME, ns_per_tick);
    fflush(stdout);

    /* Memory first, each on a fresh malloc, then timing. */
#if BENCH_REFPOOL
#if RP_CFG_DEBUG
    printf("D|%s refpool: built with RP_CFG_DEBUG: figures include debug headers and guards\n", w);
#endif
    refpool_timing(w, refpool_memory(w));
#endif
#if BENCH_GLIBC
    bench_alloc_t glibc = {"glibc", malloc, free, 0};
    glibc_memory(w, &glibc);
    time_allocator(w, &glibc);
#endif
#if BENCH_MIMALLOC
    bench_alloc_t mim = {"mimalloc", mi_malloc, mi_free, 0};
    mimalloc_memory(w, &mim);
    time_allocator(w, &mim);
#endif
#if BENCH_JEMALLOC
    bench_alloc_t jem = {"jemalloc", malloc, free, 0};
    jemalloc_memory(w, &jem);
    time_allocator(w, &jem);
#endif
    return 0;
}
