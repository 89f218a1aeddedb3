/*
 * tb_gc.c — the cycle collector on target (mps2-an385): workloads W2-target, W4 and W5
 * of WORKLOADS.md and the instructions per young object collected. Prints figures,
 * checks nothing but the workloads' own results: it is no test.
 * tools/bench/run-target-bench.sh runs it; tools/bench/README-target.md says how each
 * figure is measured. The workloads are the code tools/bench/bench_gc.c runs on the
 * host (../gc_workload.c), at the target's sizes.
 *
 * Lines: G|board|opt|workload|figure|value|unit, and D|free text.
 */
#include "tb.h"

#include "cm_port.h"
#include "rp_builtins.h"
#include "gc_workload.h"
#include "rp_gc.h"
#include "rp_heap.h"
#include "rp_object.h"
#include "rp_port.h"
#include "rp_print.h"
#include "rp_stack.h"

#ifndef TB_PROFILE
#define TB_PROFILE 0
#endif

static uint8_t *heap_base;
static uint32_t heap_avail;

static void fig(const char *w, const char *figure, uint64_t value, const char *unit)
{
    rp_printf("G|%s|%s|%s|%s|%lu|%s\n", TB_BOARD, tb_opt(), w, figure, (unsigned long)value, unit);
}

static void fig_mean(const char *w, const char *figure, uint64_t sum, uint64_t n, const char *unit)
{
    char b[24];
    tb_fmt2(b, sum, n);
    rp_printf("G|%s|%s|%s|%s|%s|%s\n", TB_BOARD, tb_opt(), w, figure, b, unit);
}

_Noreturn void gcw_die(const char *why)
{
    rp_printf("FAIL tb_gc: %s\n", why);
    rp_port_exit(1);
}

/* A fresh heap of `bytes` (at most what the board gives) with objects set up. */
static void heap_setup(uint32_t bytes)
{
    gcw_heap_setup(heap_base, bytes < heap_avail ? bytes : heap_avail);
}

/* ---- collections, through gc.callbacks ---- */

typedef struct watch {
    int manual;             /* the running collection was asked for */
    int sample;             /* sample the heap's footprint at every start (untimed run) */
    uint32_t t_start;
    uint32_t auto_n, auto_by_gen[RP_GC_GENERATIONS];
    uint64_t auto_max, auto_sum, last;
    int auto_max_gen;
    uint64_t collected;
    uint32_t footprint_peak;
} watch_t;
static watch_t watch;

static void sample_footprint(void)
{
    if (watch.sample)
        gcw_footprint_sample(&watch.footprint_peak);
}

/* The pause runs from the end of the start call to the start of the stop call. Runs
 * inside a tb_long_begin/tb_long_end span (SysTick's interrupt on). */
static void on_gc(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable, void *arg)
{
    (void)arg;
    (void)uncollectable;
    if (phase == RP_GC_START) {
        sample_footprint();
        watch.t_start = rp_port_cycles();
        return;
    }
    uint64_t pause = tb_long_insns(watch.t_start, rp_port_cycles());
    watch.last = pause;
    watch.collected += collected;
    if (watch.manual)
        return;
    watch.auto_n++;
    watch.auto_by_gen[gen]++;
    watch.auto_sum += pause;
    if (pause > watch.auto_max) {
        watch.auto_max = pause;
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

/* ---- W2-target: binary trees with parent references, max depth 10 ---- */

#define W2_MAX_DEPTH 10
#define W2_MIN_DEPTH 4
#define W2_HEAP (256u * 1024u)

static uint32_t w2_nodes;

static void w2_body(void)
{
    w2_nodes = gcw_w2(W2_MAX_DEPTH, W2_MIN_DEPTH, sample_footprint);
    collect(2);
}

static uint32_t emergencies;
static void on_oom(size_t request)
{
    (void)request;
    emergencies++;
}

/* In `heap` bytes: counted, then again untimed to sample the footprint. */
static void bench_w2(const char *w, uint32_t heap)
{
    heap_setup(heap);
    watch = (watch_t){0};
    emergencies = 0;
    rp_gc_set_oom_hook(on_oom);
    rp_gc_callback_add(on_gc, 0);
    uint32_t t0 = tb_long_begin();
    w2_body();
    uint64_t total = tb_long_end(t0);
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    fig(w, "heap given to rp_heap_init", s.arena_bytes, "B");
    fig(w, "nodes built", w2_nodes, "");
    fig(w, "instructions, whole workload", total, "");
    fig_mean(w, "instructions per node", total, w2_nodes, "");
    fig(w, "objects collected by the collector", watch.collected, "");
    fig(w, "automatic collections", watch.auto_n, "");
    rp_printf("G|%s|%s|%s|automatic collections by generation|%u / %u / %u|\n", TB_BOARD, tb_opt(), w,
              (unsigned)watch.auto_by_gen[0], (unsigned)watch.auto_by_gen[1], (unsigned)watch.auto_by_gen[2]);
    fig(w, "of them emergency collections (allocation failed first)", emergencies, "");
    fig(w, "longest automatic pause", watch.auto_max, "instructions");
    fig(w, "longest automatic pause, generation", (uint64_t)watch.auto_max_gen, "");
    fig(w, "all automatic pauses", watch.auto_sum, "instructions");
    fig(w, "final full collection", watch.last, "instructions");
    fig(w, "peak footprint (rp_heap_stats)", s.peak_footprint, "B");
    fig(w, "failed allocations", s.failed_allocs, "");
    rp_printf("G|%s|%s|%s|all memory back|%s|\n", TB_BOARD, tb_opt(), w, gcw_all_back() ? "yes" : "NO");
    rp_gc_callback_remove(on_gc, 0);

    heap_setup(heap);
    watch = (watch_t){0};
    watch.sample = 1;
    rp_gc_callback_add(on_gc, 0);
    w2_body();
    fig(w, "peak footprint (heap minus free chunks, sampled at each collection)", watch.footprint_peak, "B");
    rp_gc_callback_remove(on_gc, 0);
}

/* ---- W4: one young collection beside N long-lived containers ---- */

#define W4_YOUNG 700u
#define W4_REPS 21u
#define W4_MAX_OLD 20000u
static rp_obj_t *w4_old[W4_MAX_OLD];
static rp_obj_t *w4_young[W4_YOUNG];

static void sort_u64(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static uint64_t young_pause(void)
{
    uint32_t collected;
    return tb_long_time_collect(rp_gc_collect, 0, &collected);
}

static uint32_t w4_pause(uint32_t n_old)
{
    uint64_t pauses[W4_REPS];
    heap_setup(UINT32_MAX);
    gcw_w4(w4_old, n_old, w4_young, W4_YOUNG, pauses, W4_REPS, collect, young_pause);
    sort_u64(pauses, W4_REPS);
    rp_printf("D|%s W4 N=%u: %u young collections of 700 objects, %u to %u instructions (median %u)\n", tb_opt(),
              (unsigned)n_old, (unsigned)W4_REPS, (unsigned)pauses[0], (unsigned)pauses[W4_REPS - 1],
              (unsigned)pauses[W4_REPS / 2]);
    return (uint32_t)pauses[W4_REPS / 2];
}

static void bench_w4(void)
{
    uint32_t small = w4_pause(1000), large = w4_pause(W4_MAX_OLD);
    fig("W4", "young pause, N = 1,000 (median of 21)", small, "instructions");
    fig("W4", "young pause, N = 20,000 (median of 21)", large, "instructions");
    char b[24];
    tb_fmt2(b, large, small);
    rp_printf("G|%s|%s|W4|pause(20,000) / pause(1,000)|%s|\n", TB_BOARD, tb_opt(), b);
}

/* ---- instructions per young object collected ---- */

static void bench_young(void)
{
    const char *w = "young garbage";
    uint32_t collected;
    for (int gen = 0; gen <= 2; gen += 2) {
        heap_setup(UINT32_MAX);
        rp_gc_disable();
        gcw_pairs(700);
        uint32_t n = (uint32_t)tb_long_time_collect(rp_gc_collect, gen, &collected);
        if (collected != 1400u || !gcw_all_back())
            gcw_die("young: not every object collected");
        fig(w, gen ? "700 garbage 2-cycles, rp_gc_collect(2): instructions" :
                     "700 garbage 2-cycles, rp_gc_collect(0): instructions", n, "");
        fig(w, "objects collected", collected, "");
        fig_mean(w, gen ? "instructions per object collected, full collection" :
                          "instructions per young object collected", n, collected, "");
        rp_gc_enable();
    }
}

/* The same with lists: 350 garbage 2-cycles of one-item lists (each list's items array
 * is a block of its own, freed by the list's release hook). */
static void bench_young_lists(void)
{
    const char *w = "young garbage, lists";
    uint32_t collected;
    heap_setup(UINT32_MAX);
    rp_gc_disable();
    for (uint32_t i = 0; i < 350u; i++) {
        rp_obj_t *a = rp_list_new(), *b = rp_list_new();
        if (!a || !b || rp_list_append(a, b) != RP_E_OK || rp_list_append(b, a) != RP_E_OK)
            gcw_die("young lists: out of memory");
        RP_DECREF(a);
        RP_DECREF(b);
    }
    uint32_t n = (uint32_t)tb_long_time_collect(rp_gc_collect, 0, &collected);
    if (collected != 700u || !gcw_all_back())
        gcw_die("young lists: not every list collected");
    fig(w, "350 garbage 2-cycles of lists, rp_gc_collect(0): instructions", n, "");
    fig_mean(w, "instructions per young list collected", n, collected, "");
    rp_gc_enable();
}

/* ---- W5: a chain of 10,000, released; the same as a ring, collected ---- */

#define W5_LEN 10000u

/* The DECREF frees up to RP_CFG_FREE_BUDGET objects; the drain frees the rest of the
 * chain, so that W5 still measures releasing all of it. */
static void release(void *o)
{
    RP_DECREF((rp_obj_t *)o);
    rp_gc_free_pending(0);
}

static uintptr_t sp_now(void)
{
    uintptr_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

extern uint32_t __rp_stack_top[];

/* Twice: once painting the stack (SysTick's interrupt off, so that no exception frame
 * lands on it), once counting instructions. */
static void bench_w5(void)
{
    const char *w = "W5";
    rp_obj_t *head;
    uint32_t collected;
    size_t at_call = 0, peak_release = 0, peak_collect = 0;
    uint64_t n_release = 0, n_collect = 0;
    for (int counted = 0; counted < 2; counted++) {
        heap_setup(UINT32_MAX);
        rp_gc_disable();
        head = gcw_chain(W5_LEN);
        if (counted) {
            n_release = tb_long_time_free(release, head);
        } else {
            at_call = (size_t)((uintptr_t)__rp_stack_top - sp_now());
            rp_stack_paint();
            release(head);
            peak_release = rp_stack_peak();
        }
        if (!gcw_all_back())
            gcw_die("W5: chain not freed");

        gcw_ring(W5_LEN);
        if (counted) {
            n_collect = tb_long_time_collect(rp_gc_collect, 2, &collected);
        } else {
            rp_stack_paint();
            collected = rp_gc_collect(2);
            peak_collect = rp_stack_peak();
        }
        if (collected != W5_LEN || !gcw_all_back())
            gcw_die("W5: ring not collected");
        rp_gc_enable();
    }

    fig(w, "chain length", W5_LEN, "objects");
    fig(w, "stack in use where the operations are called", at_call, "B");
    fig(w, "release: peak stack (painted)", peak_release, "B");
    fig(w, "release: peak stack below the caller", peak_release - at_call, "B");
    fig(w, "release: instructions", n_release, "");
    fig_mean(w, "release: instructions per object", n_release, W5_LEN, "");
    fig(w, "collection: peak stack (painted)", peak_collect, "B");
    fig(w, "collection: peak stack below the caller", peak_collect - at_call, "B");
    fig(w, "collection: instructions", n_collect, "");
    fig_mean(w, "collection: instructions per object", n_collect, W5_LEN, "");
    fig(w, "objects collected", collected, "");
    fig(w, "refzero queue peak", rp_obj_refzero_peak(), "objects");
    fig(w, "board stack budget", rp_stack_size(), "B");
}

#if TB_PROFILE
/* The profile image (tools/bench/target/profile.py): one collection of 700 garbage
 * 2-cycles, and one of 700 live young objects beside 1,000 long-lived ones. */
TB_PHASE(setup)
TB_PHASE(young_garbage)
TB_PHASE(young_live)
TB_PHASE(end)

static void profile(void)
{
    tb_phase_setup();
    heap_setup(UINT32_MAX);
    rp_gc_disable();
    gcw_pairs(700);
    tb_phase_young_garbage();
    uint32_t n = rp_gc_collect(0);
    tb_phase_setup();
    for (uint32_t i = 0; i < 1000u; i++)
        w4_old[i] = gcw_new(&gcw_box_type);
    rp_gc_collect(2);
    for (uint32_t i = 0; i < W4_YOUNG; i++)
        w4_young[i] = gcw_new(&gcw_box_type);
    tb_phase_young_live();
    uint32_t m = rp_gc_collect(0);
    tb_phase_end();
    rp_printf("P|%s|%s|collected %u, then %u\n", TB_BOARD, tb_opt(), (unsigned)n, (unsigned)m);
}
#endif

int main(void);
int main(void)
{
    size_t size;
    uint8_t *mem = rp_port_heap(&size);
    uintptr_t start = ((uintptr_t)mem + RP_CFG_POOL_SIZE - 1u) & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u);
    heap_base = (uint8_t *)start;
    heap_avail = (uint32_t)((uintptr_t)mem + size - start) & ~7u;
    if (heap_avail > (1u << RP_CFG_CHUNK_MAX_LOG2))
        heap_avail = 1u << RP_CFG_CHUNK_MAX_LOG2;
#if TB_PROFILE
    profile();
    return 0;
#endif
    tb_count_init();
    rp_printf("S|%s|%s|heap memory at 0x%x, %u B usable\n", TB_BOARD, tb_opt(), (unsigned)start, (unsigned)heap_avail);
    bench_young();
    bench_young_lists();
    bench_w4();
    bench_w5();
    bench_w2("W2-target, 256 KiB heap", W2_HEAP);
    bench_w2("W2-target, all free RAM as heap", UINT32_MAX);
    return 0;
}
