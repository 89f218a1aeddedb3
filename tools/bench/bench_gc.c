/*
 * bench_gc.c — workloads W2, W3, W4 and W5 of ../shared/bench/WORKLOADS.md against
 * refpool's objects and cycle collector, on the host. Prints figures, checks nothing but
 * the workload's own results: it is not a test. bench_gc_cpython.c runs the same
 * workloads on CPython 3.11 through its C API; run-gc-bench.sh runs both and prints them
 * side by side. How every figure is measured: README-gc.md.
 *
 *     rp_bench_gc W2|W2mem|W3|W3mem|W3full|W4|W5
 *
 * One workload per process, so that the process's peak resident set belongs to it.
 * W2mem and W3mem repeat W2 and W3 untimed, sampling the heap's footprint at the start of
 * every collection (rp_heap_stats walks the heap, too slow to sit in the timed run).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "bench_gc_util.h"
#include "gc_workload.h"
#include "rp_gc.h"
#include "rp_heap.h"
#include "rp_object.h"

#define IMPL "refpool"
#define MIB (1024.0 * 1024.0)

_Static_assert(RP_GC_GENERATIONS == BENCH_GC_GENERATIONS, "a figure per generation");

/* ---- the heap ---- */

/* One region. The page table indexes pages with 16 bits (RP_PAGE_NIL = 0xFFFF), so a heap
 * holds fewer than 65535 pages of RP_CFG_POOL_SIZE bytes: 63 MiB at 1 KiB pools. Pages
 * never touched never become resident, so the size costs nothing in the figures. */
#define HEAP_BYTES ((size_t)63 << 20)
static _Alignas(4096) unsigned char heap[HEAP_BYTES];

_Noreturn void gcw_die(const char *why)
{
    fprintf(stderr, "rp_bench_gc: %s\n", why);
    exit(1);
}

static void heap_setup(void)
{
    gcw_heap_setup(heap, HEAP_BYTES);
}

/* ---- collection figures, through gc.callbacks ---- */

static bench_watch_t watch;
static int footprint_sampled;   /* W2mem/W3mem: sample the heap at every start */
static uint32_t footprint_peak;

static void sample_footprint(void)
{
    if (footprint_sampled)
        gcw_footprint_sample(&footprint_peak);
}

static void on_gc(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable, void *arg)
{
    (void)arg;
    (void)uncollectable;
    if (phase == RP_GC_START) {
        sample_footprint();
        bench_watch_start(&watch);   /* last: the pause starts here */
        return;
    }
    bench_watch_stop(&watch, gen, collected, bench_now_ns());
}

static uint32_t collect(int gen)
{
    watch.manual = 1;
    uint32_t n = rp_gc_collect(gen);
    watch.manual = 0;
    return n;
}

/* ---- W2: binary trees with parent references ---- */

#define W2_MAX_DEPTH 16
#define W2_MIN_DEPTH 4

static uint64_t w2_nodes;

/* The whole workload, from the stretch tree to the last full collection. Not static and
 * without arguments, so that callgrind's --toggle-collect=bench_run_w2 finds it whole. */
void bench_run_w2(void);
__attribute__((noinline)) void bench_run_w2(void)
{
    w2_nodes = gcw_w2(W2_MAX_DEPTH, W2_MIN_DEPTH, sample_footprint);
    collect(2);
}

/* ---- W3: a million two-object cycles ---- */

#define W3_PAIRS 1000000u

void bench_run_w3(void);
__attribute__((noinline)) void bench_run_w3(void)
{
    gcw_pairs(W3_PAIRS);
    sample_footprint();
    collect(2);
}

static void print_common(const char *w, bench_span_t span, int mem_run)
{
    if (mem_run) {
        bench_fig(w, IMPL, "heap_peak", "%.1f", footprint_peak / MIB);
        return;
    }
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    bench_fig_gc(w, IMPL, &watch, span);
    bench_fig(w, IMPL, "live_peak", "%.1f", s.peak_footprint / MIB);
    bench_fig(w, IMPL, "rss_peak", "%.1f", bench_peak_rss_kib() / 1024.0);
    bench_fig(w, IMPL, "all_back", "%s", gcw_all_back() ? "yes" : "NO");
    bench_fig(w, IMPL, "rss_base", "%.1f", span.rss0_kib / 1024.0);
}

/* W2 or W3 timed (mem_run 0), or untimed with the footprint sampled (mem_run 1). */
static bench_span_t run_sampled(const char *w, void (*run)(void), int mem_run)
{
    heap_setup();
    footprint_sampled = mem_run;
    rp_gc_callback_add(on_gc, 0);
    bench_span_t span = bench_timed(run);
    print_common(w, span, mem_run);
    return span;
}

static void run_w2(void)
{
    bench_span_t span = run_sampled("W2", bench_run_w2, 0);
    bench_fig_w2(IMPL, span, w2_nodes);
}

static void run_w2mem(void)
{
    (void)run_sampled("W2", bench_run_w2, 1);
}

static void run_w3(void)
{
    bench_fig_w3(IMPL, &watch, run_sampled("W3", bench_run_w3, 0));
}

static void run_w3mem(void)
{
    (void)run_sampled("W3", bench_run_w3, 1);
}

/* W3full: automatic collection off, a million garbage 2-cycles, one full collection. */
void bench_run_w3full(void);
__attribute__((noinline)) void bench_run_w3full(void)
{
    collect(2);
}

static void run_w3full(void)
{
    heap_setup();
    rp_gc_callback_add(on_gc, 0);
    rp_gc_disable();
    uint64_t t0 = bench_now_ns();
    gcw_pairs(W3_PAIRS);
    uint64_t t1 = bench_now_ns();
    bench_run_w3full();
    uint64_t t2 = bench_now_ns();
    if (watch.collected != 2u * W3_PAIRS)
        gcw_die("W3full: not every object collected");
    bench_fig_w3full(IMPL, t0, t1, t2, watch.collected);
    bench_fig("W3full", IMPL, "all_back", "%s", gcw_all_back() ? "yes" : "NO");
}

/* ---- W4: young pause with many long-lived objects ---- */

#define W4_YOUNG 700u
#define W4_REPS 51

static uint64_t young_pause(void)
{
    collect(0);
    return watch.last_ns;
}

static double w4_pause_us(uint32_t n_old)
{
    heap_setup();
    rp_gc_callback_add(on_gc, 0);
    rp_obj_t **old = malloc(n_old * sizeof *old);
    rp_obj_t *young[W4_YOUNG];
    uint64_t pauses[W4_REPS];
    if (!old)
        gcw_die("no memory for W4's roots");
    gcw_w4(old, n_old, young, W4_YOUNG, pauses, W4_REPS, collect, young_pause);
    free(old);
    rp_gc_callback_remove(on_gc, 0);
    return bench_median(pauses, W4_REPS) / 1e3;
}

static void run_w4(void)
{
    bench_w4(IMPL, w4_pause_us);
}

/* ---- W5: a long chain, released and collected ---- */

#define W5_LEN 100000u

static void run_w5(void)
{
    heap_setup();
    rp_gc_disable();

    /* Warm-up: every function of both paths called once, so that the dynamic linker's
     * lazy binding (about 3 KiB of stack on its first call) is not counted. */
    RP_DECREF(gcw_chain(1000));
    gcw_ring(1000);
    collect(2);
    (void)bench_now_ns();

    bench_stack_paint();
    bench_nothing();
    size_t empty = bench_stack_used();

    rp_obj_t *head = gcw_chain(W5_LEN);
    bench_stack_paint();
    RP_DECREF(head);
    size_t release = bench_stack_used();
    if (!gcw_all_back())
        gcw_die("W5: chain not freed");

    gcw_ring(W5_LEN);
    bench_stack_paint();
    uint32_t n = collect(2);
    size_t collection = bench_stack_used();
    if (n != W5_LEN || !gcw_all_back())
        gcw_die("W5: ring not collected");

    /* Times, outside the painted runs. */
    head = gcw_chain(W5_LEN);
    uint64_t t0 = bench_now_ns();
    RP_DECREF(head);
    uint64_t t1 = bench_now_ns();
    gcw_ring(W5_LEN);
    uint64_t t2 = bench_now_ns();
    collect(2);
    uint64_t t3 = bench_now_ns();

    bench_fig_w5(IMPL, empty, release, collection, t0, t1, t2, t3);
    bench_fig("W5", IMPL, "refzero_peak", "%u", (unsigned)rp_obj_refzero_peak());
}

static const bench_workload_t workloads[] = {
    {"W2", run_w2}, {"W2mem", run_w2mem}, {"W3", run_w3}, {"W3mem", run_w3mem},
    {"W3full", run_w3full}, {"W4", run_w4}, {"W5", run_w5},
};

int main(int argc, char **argv)
{
    const bench_workload_t *w = bench_pick(argc, argv, workloads, sizeof workloads / sizeof *workloads);
    if (!w)
        return 2;
#if RP_CFG_DEBUG
    bench_note("rp_bench_gc was built with the debug allocator: its times mean nothing (use host-release)");
#endif
    w->run();
    return 0;
}
