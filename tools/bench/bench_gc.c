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
#include <string.h>

#include "bench_gc_util.h"
#include "rp_gc.h"
#include "rp_heap.h"
#include "rp_object.h"

#define IMPL "refpool"
#define MIB (1024.0 * 1024.0)

/* ---- the heap ---- */

/* One region. The page table indexes pages with 16 bits (RP_PAGE_NIL = 0xFFFF), so a heap
 * holds fewer than 65535 pages of RP_CFG_POOL_SIZE bytes: 63 MiB at 1 KiB pools. Pages
 * never touched never become resident, so the size costs nothing in the figures. */
#define HEAP_BYTES ((size_t)63 << 20)
static _Alignas(4096) unsigned char heap[HEAP_BYTES];
static uint32_t baseline_blocks;

static void die(const char *what)
{
    fprintf(stderr, "rp_bench_gc: %s\n", what);
    exit(1);
}

static rp_heap_stats_t stats(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s;
}

static void heap_setup(void)
{
    rp_region_t r = {heap, HEAP_BYTES};
    if (rp_heap_init(&r, 1) != RP_OK)
        die("rp_heap_init refused the region");
    if (rp_objects_init() != RP_E_OK)
        die("rp_objects_init failed");
    baseline_blocks = stats().blocks_in_use;
}

/* Every block back, and the collector's and the heap's invariants hold. */
static int all_back(void)
{
    rp_heap_stats_t s = stats();
    return s.blocks_in_use == baseline_blocks && !rp_gc_check().rule && !rp_heap_check().rule &&
           s.failed_allocs == 0;
}

/* ---- types ---- */

/* W2: a tree node, [left, right, parent] as the CPython side's 3-item list. */
enum { LEFT = 0, RIGHT = 1, PARENT = 2 };
static uint8_t RP_TYPE_NUMBER(tnode);
static const char *const tnode_names[] = {"left", "right", "parent"};
static const rp_type_t tnode_type = {
    .name = "TreeNode", .number = &RP_TYPE_NUMBER(tnode), .slot_names = tnode_names, .nslots = 3,
    .flags = RP_TYPE_GC,
};

/* W3, W4, W5: a container with one reference, as the CPython side's 1-item list. */
static uint8_t RP_TYPE_NUMBER(box);
static const char *const box_names[] = {"ref"};
static const rp_type_t box_type = {
    .name = "Box", .number = &RP_TYPE_NUMBER(box), .slot_names = box_names, .nslots = 1, .flags = RP_TYPE_GC,
};

static rp_obj_t *new_obj(const rp_type_t *t)
{
    rp_obj_t *o = rp_new(t);
    if (!o)
        die("out of memory");
    return o;
}

/* ---- collection figures, through gc.callbacks ---- */

typedef struct gc_watch {
    int manual;             /* the running collection was asked for (rp_gc_collect) */
    int sample_footprint;   /* W2mem/W3mem: sample the heap at every start */
    uint64_t t_start;
    uint64_t auto_n, auto_by_gen[RP_GC_GENERATIONS];
    uint64_t auto_max_ns, auto_sum_ns, last_ns;
    int auto_max_gen;
    uint64_t collected;
    uint32_t footprint_peak;
} gc_watch_t;

static gc_watch_t watch;

static uint32_t footprint_now(void)
{
    rp_heap_stats_t s = stats();
    return s.arena_bytes - s.free_bytes;
}

static void on_gc(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable, void *arg)
{
    (void)arg;
    (void)uncollectable;
    if (phase == RP_GC_START) {
        if (watch.sample_footprint) {
            uint32_t f = footprint_now();
            if (f > watch.footprint_peak)
                watch.footprint_peak = f;
        }
        watch.t_start = bench_now_ns();   /* last: the pause starts here */
        return;
    }
    uint64_t pause = bench_now_ns() - watch.t_start;
    watch.last_ns = pause;
    watch.collected += collected;
    if (watch.manual)
        return;
    watch.auto_n++;
    watch.auto_by_gen[gen]++;
    watch.auto_sum_ns += pause;
    if (pause > watch.auto_max_ns) {
        watch.auto_max_ns = pause;
        watch.auto_max_gen = gen;
    }
}

static uint32_t collect(int gen)
{
    watch.manual = 1;
    uint32_t n = rp_gc_collect(gen);
    watch.manual = 0;
    return n;
}

static void sample_footprint(void)
{
    if (watch.sample_footprint) {
        uint32_t f = footprint_now();
        if (f > watch.footprint_peak)
            watch.footprint_peak = f;
    }
}

/* ---- W2: binary trees with parent references ---- */

#define W2_MAX_DEPTH 16
#define W2_MIN_DEPTH 4

/* Depth 0 is one node; depth d has 2^(d+1) - 1 (the Benchmarks Game's bottomUpTree). The
 * node exists before its children, which take a reference to it as their parent. */
static rp_obj_t *make_tree(int depth, rp_obj_t *parent)
{
    rp_obj_t *n = new_obj(&tnode_type);
    rp_obj_t **s = rp_slots(n);
    if (parent) {
        rp_incref(parent);
        s[PARENT] = parent;
    }
    if (depth > 0) {
        s[LEFT] = make_tree(depth - 1, n);    /* the new reference moves into the slot */
        s[RIGHT] = make_tree(depth - 1, n);
    }
    return n;
}

static uint32_t check_tree(rp_obj_t *n)
{
    rp_obj_t *l = rp_slot(n, LEFT);
    return l ? 1u + check_tree(l) + check_tree(rp_slot(n, RIGHT)) : 1u;
}

static uint64_t w2_nodes;

static void build_check_drop(int depth)
{
    rp_obj_t *t = make_tree(depth, 0);
    uint32_t want = (2u << depth) - 1u;
    if (check_tree(t) != want)
        die("W2: wrong node count");
    w2_nodes += want;
    RP_DECREF(t);   /* every node is in a cycle with its children: only the collector frees them */
}

/* The whole workload, from the stretch tree to the last full collection. Not static and
 * without arguments, so that callgrind's --toggle-collect=bench_run_w2 finds it whole. */
void bench_run_w2(void);
__attribute__((noinline)) void bench_run_w2(void)
{
    build_check_drop(W2_MAX_DEPTH + 1);
    sample_footprint();
    rp_obj_t *long_lived = make_tree(W2_MAX_DEPTH, 0);
    w2_nodes += (2u << W2_MAX_DEPTH) - 1u;
    for (int d = W2_MIN_DEPTH; d <= W2_MAX_DEPTH; d += 2) {
        uint32_t iterations = 1u << (W2_MAX_DEPTH - d + W2_MIN_DEPTH);
        for (uint32_t i = 0; i < iterations; i++)
            build_check_drop(d);
        sample_footprint();
    }
    if (check_tree(long_lived) != (2u << W2_MAX_DEPTH) - 1u)
        die("W2: long-lived tree damaged");
    RP_DECREF(long_lived);
    sample_footprint();
    collect(2);
}

/* ---- W3: a million two-object cycles ---- */

#define W3_PAIRS 1000000u

static void make_pair_and_drop(void)
{
    rp_obj_t *a = new_obj(&box_type), *b = new_obj(&box_type);
    rp_slot_set(a, 0, b);   /* a.ref = b */
    rp_slot_set(b, 0, a);   /* b.ref = a */
    RP_DECREF(a);
    RP_DECREF(b);
}

void bench_run_w3(void);
__attribute__((noinline)) void bench_run_w3(void)
{
    for (uint32_t i = 0; i < W3_PAIRS; i++)
        make_pair_and_drop();
    sample_footprint();
    collect(2);
}

static void print_common(const char *w, uint64_t t_ns, uint64_t cpu_ns, int mem_run)
{
    if (mem_run) {
        bench_fig(w, IMPL, "heap_peak", "%.1f", watch.footprint_peak / MIB);
        return;
    }
    rp_gc_stats_t gs;
    rp_gc_get_stats(&gs);
    bench_fig(w, IMPL, "time_ms", "%.1f", t_ns / 1e6);
    bench_fig(w, IMPL, "cpu_ms", "%.1f", cpu_ns / 1e6);
    bench_fig(w, IMPL, "collected", "%llu", (unsigned long long)watch.collected);
    bench_fig(w, IMPL, "auto_n", "%llu", (unsigned long long)watch.auto_n);
    bench_fig(w, IMPL, "auto_gen", "%llu / %llu / %llu", (unsigned long long)watch.auto_by_gen[0],
              (unsigned long long)watch.auto_by_gen[1], (unsigned long long)watch.auto_by_gen[2]);
    bench_fig(w, IMPL, "auto_max_ms", "%.3f (gen %d)", watch.auto_max_ns / 1e6, watch.auto_max_gen);
    bench_fig(w, IMPL, "auto_sum_ms", "%.1f", watch.auto_sum_ns / 1e6);
    bench_fig(w, IMPL, "final_ms", "%.2f", watch.last_ns / 1e6);
    bench_fig(w, IMPL, "live_peak", "%.1f", stats().peak_bytes_in_use / MIB);
    bench_fig(w, IMPL, "rss_peak", "%.1f", bench_peak_rss_kib() / 1024.0);
    bench_fig(w, IMPL, "all_back", "%s", all_back() ? "yes" : "NO");
}

static void run_w2(int mem_run)
{
    heap_setup();
    watch.sample_footprint = mem_run;
    rp_gc_callback_add(on_gc, 0);
    long rss0 = bench_rss_kib();
    uint64_t c0 = bench_cpu_ns(), t0 = bench_now_ns();
    bench_run_w2();
    uint64_t t = bench_now_ns() - t0, c = bench_cpu_ns() - c0;
    print_common("W2", t, c, mem_run);
    if (!mem_run) {
        bench_fig("W2", IMPL, "rss_base", "%.1f", rss0 / 1024.0);
        bench_fig("W2", IMPL, "nodes", "%llu", (unsigned long long)w2_nodes);
        bench_fig("W2", IMPL, "ns_per_node", "%.1f", (double)t / (double)w2_nodes);
    }
}

static void run_w3(int mem_run)
{
    heap_setup();
    watch.sample_footprint = mem_run;
    rp_gc_callback_add(on_gc, 0);
    long rss0 = bench_rss_kib();
    uint64_t c0 = bench_cpu_ns(), t0 = bench_now_ns();
    bench_run_w3();
    uint64_t t = bench_now_ns() - t0, c = bench_cpu_ns() - c0;
    print_common("W3", t, c, mem_run);
    if (!mem_run) {
        bench_fig("W3", IMPL, "rss_base", "%.1f", rss0 / 1024.0);
        bench_fig("W3", IMPL, "ns_per_obj", "%.1f", (double)t / (double)watch.collected);
        bench_fig("W3", IMPL, "ns_per_obj_gc", "%.1f",
                  (double)(watch.auto_sum_ns + watch.last_ns) / (double)watch.collected);
    }
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
    for (uint32_t i = 0; i < W3_PAIRS; i++)
        make_pair_and_drop();
    uint64_t t1 = bench_now_ns();
    bench_run_w3full();
    uint64_t t2 = bench_now_ns();
    if (watch.collected != 2u * W3_PAIRS)
        die("W3full: not every object collected");
    bench_fig("W3full", IMPL, "build_ms", "%.1f", (t1 - t0) / 1e6);
    bench_fig("W3full", IMPL, "collect_ms", "%.1f", (t2 - t1) / 1e6);
    bench_fig("W3full", IMPL, "ns_per_obj", "%.1f", (double)(t2 - t1) / (double)watch.collected);
    bench_fig("W3full", IMPL, "all_back", "%s", all_back() ? "yes" : "NO");
}

/* ---- W4: young pause with many long-lived objects ---- */

#define W4_YOUNG 700u
#define W4_REPS 51

static double w4_pause_us(uint32_t n_old)
{
    heap_setup();
    rp_gc_callback_add(on_gc, 0);
    rp_obj_t **old = malloc(n_old * sizeof *old);
    rp_obj_t *young[W4_YOUNG];
    uint64_t pauses[W4_REPS];
    if (!old)
        die("no memory for W4's roots");
    for (uint32_t i = 0; i < n_old; i++)
        old[i] = new_obj(&box_type);   /* tracked, acyclic, held from outside */
    collect(2);                        /* every long-lived object now in the oldest generation */
    rp_gc_disable();                   /* nothing but the timed collections */
    for (int r = 0; r < W4_REPS; r++) {
        for (uint32_t i = 0; i < W4_YOUNG; i++)
            young[i] = new_obj(&box_type);
        collect(0);
        pauses[r] = watch.last_ns;
        for (uint32_t i = 0; i < W4_YOUNG; i++)
            RP_DECREF(young[i]);
    }
    for (uint32_t i = 0; i < n_old; i++)
        RP_DECREF(old[i]);
    free(old);
    if (!all_back())
        die("W4: memory not all back");
    rp_gc_enable();
    rp_gc_callback_remove(on_gc, 0);
    return bench_median(pauses, W4_REPS) / 1e3;
}

static void run_w4(void)
{
    (void)w4_pause_us(10000);   /* warm-up: a process's first microseconds run slow */
    double small = w4_pause_us(10000), large = w4_pause_us(1000000);
    bench_fig("W4", IMPL, "pause_10k_us", "%.2f", small);
    bench_fig("W4", IMPL, "pause_1m_us", "%.2f", large);
    bench_fig("W4", IMPL, "ratio", "%.3f", large / small);
}

/* ---- W5: a long chain, released and collected ---- */

#define W5_LEN 100000u

/* head -> ... -> tail through "ref", built by appending; returns head, sets *tail. */
static rp_obj_t *make_chain(uint32_t len, rp_obj_t **tail_out)
{
    rp_obj_t *head = new_obj(&box_type), *tail = head;
    for (uint32_t i = 1; i < len; i++) {
        rp_obj_t *n = new_obj(&box_type);
        rp_slot_set(tail, 0, n);   /* tail.ref = Box() */
        RP_DECREF(n);
        tail = n;                  /* borrowed: the chain holds it */
    }
    *tail_out = tail;
    return head;
}

__attribute__((noinline)) static void nothing(void)
{
    __asm__ volatile("" ::: "memory");
}

static void run_w5(void)
{
    heap_setup();
    rp_gc_disable();
    rp_obj_t *tail;

    /* Warm-up: every function of both paths called once, so that the dynamic linker's
     * lazy binding (about 3 KiB of stack on its first call) is not counted. */
    rp_obj_t *head = make_chain(1000, &tail);
    RP_DECREF(head);
    head = make_chain(1000, &tail);
    rp_slot_set(tail, 0, head);
    RP_DECREF(head);
    collect(2);
    (void)bench_now_ns();

    bench_stack_paint();
    nothing();
    size_t empty = bench_stack_used();

    head = make_chain(W5_LEN, &tail);
    bench_stack_paint();
    RP_DECREF(head);
    size_t release = bench_stack_used();
    if (!all_back())
        die("W5: chain not freed");

    head = make_chain(W5_LEN, &tail);
    rp_slot_set(tail, 0, head);   /* close the ring */
    RP_DECREF(head);
    bench_stack_paint();
    uint32_t n = collect(2);
    size_t collection = bench_stack_used();
    if (n != W5_LEN || !all_back())
        die("W5: ring not collected");

    /* Times, outside the painted runs. */
    head = make_chain(W5_LEN, &tail);
    uint64_t t0 = bench_now_ns();
    RP_DECREF(head);
    uint64_t t1 = bench_now_ns();
    head = make_chain(W5_LEN, &tail);
    rp_slot_set(tail, 0, head);
    RP_DECREF(head);
    uint64_t t2 = bench_now_ns();
    collect(2);
    uint64_t t3 = bench_now_ns();

    bench_fig("W5", IMPL, "stack_empty", "%zu", empty);
    bench_fig("W5", IMPL, "stack_release", "%zu", release);
    bench_fig("W5", IMPL, "stack_collect", "%zu", collection);
    bench_fig("W5", IMPL, "refzero_peak", "%u", (unsigned)rp_obj_refzero_peak());
    bench_fig("W5", IMPL, "release_ms", "%.2f", (t1 - t0) / 1e6);
    bench_fig("W5", IMPL, "collect_ms", "%.2f", (t3 - t2) / 1e6);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s W2|W2mem|W3|W3mem|W3full|W4|W5\n", argv[0]);
        return 2;
    }
#if RP_CFG_DEBUG
    bench_note("rp_bench_gc was built with the debug allocator: its times mean nothing (use host-release)");
#endif
    const char *w = argv[1];
    if (!strcmp(w, "W2"))
        run_w2(0);
    else if (!strcmp(w, "W2mem"))
        run_w2(1);
    else if (!strcmp(w, "W3"))
        run_w3(0);
    else if (!strcmp(w, "W3mem"))
        run_w3(1);
    else if (!strcmp(w, "W3full"))
        run_w3full();
    else if (!strcmp(w, "W4"))
        run_w4();
    else if (!strcmp(w, "W5"))
        run_w5();
    else {
        fprintf(stderr, "unknown workload %s\n", w);
        return 2;
    }
    return 0;
}
