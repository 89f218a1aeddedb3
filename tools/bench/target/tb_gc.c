/*
 * tb_gc.c — the cycle collector on target (mps2-an385): workloads W2-target, W4 and W5
 * of WORKLOADS.md and the instructions per young object collected. Prints figures,
 * checks nothing but the workloads' own results: it is no test.
 * tools/bench/run-target-bench.sh runs it; tools/bench/README-target.md says how each
 * figure is measured. The workloads are shaped as tools/bench/bench_gc.c runs them on
 * the host (README-gc.md), at the target's sizes.
 *
 * Lines: G|board|opt|workload|figure|value|unit, and D|free text.
 */
#include "tb.h"

#include "cm_port.h"
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
static uint32_t baseline_blocks;

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

static _Noreturn void die(const char *what)
{
    rp_printf("FAIL tb_gc: %s\n", what);
    rp_port_exit(1);
}

static rp_heap_stats_t stats(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s;
}

/* A fresh heap of `bytes` (at most what the board gives) with objects set up. */
static void heap_setup(uint32_t bytes)
{
    rp_region_t r = {heap_base, bytes < heap_avail ? bytes : heap_avail};
    if (rp_heap_init(&r, 1) != RP_OK)
        die("rp_heap_init refused the region");
    if (rp_objects_init() != RP_E_OK)
        die("rp_objects_init failed");
    baseline_blocks = stats().blocks_in_use;
}

static int all_back(void)
{
    rp_heap_stats_t s = stats();
    return s.blocks_in_use == baseline_blocks && s.failed_allocs == 0 && !rp_gc_check().rule &&
           !rp_heap_check().rule;
}

/* ---- types: as tools/bench/bench_gc.c ---- */

enum { LEFT = 0, RIGHT = 1, PARENT = 2 };
static uint8_t RP_TYPE_NUMBER(tnode);
static const char *const tnode_names[] = {"left", "right", "parent"};
static const rp_type_t tnode_type = {
    .name = "TreeNode", .number = &RP_TYPE_NUMBER(tnode), .slot_names = tnode_names, .nslots = 3,
    .flags = RP_TYPE_GC,
};

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
    if (watch.sample) {
        rp_heap_stats_t s = stats();
        if (s.arena_bytes - s.free_bytes > watch.footprint_peak)
            watch.footprint_peak = s.arena_bytes - s.free_bytes;
    }
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

/* Depth 0 is one node; depth d has 2^(d+1) - 1. A node exists before its children,
 * which take a reference to it as their parent. */
static rp_obj_t *make_tree(int depth, rp_obj_t *parent)
{
    rp_obj_t *n = new_obj(&tnode_type);
    rp_obj_t **s = rp_slots(n);
    if (parent) {
        rp_incref(parent);
        s[PARENT] = parent;
    }
    if (depth > 0) {
        s[LEFT] = make_tree(depth - 1, n);
        s[RIGHT] = make_tree(depth - 1, n);
    }
    return n;
}

static uint32_t check_tree(rp_obj_t *n)
{
    rp_obj_t *l = rp_slot(n, LEFT);
    return l ? 1u + check_tree(l) + check_tree(rp_slot(n, RIGHT)) : 1u;
}

static uint32_t w2_nodes;

static void build_check_drop(int depth)
{
    rp_obj_t *t = make_tree(depth, 0);
    uint32_t want = (2u << depth) - 1u;
    if (check_tree(t) != want)
        die("W2: wrong node count");
    w2_nodes += want;
    RP_DECREF(t);
}

static void w2_body(void)
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
    w2_nodes = 0;
    rp_gc_set_oom_hook(on_oom);
    rp_gc_callback_add(on_gc, 0);
    uint32_t t0 = tb_long_begin();
    w2_body();
    uint64_t total = tb_long_end(t0);
    rp_heap_stats_t s = stats();
    fig(w, "heap given to rp_heap_init", stats().arena_bytes, "B");
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
    fig(w, "peak live bytes (rp_heap_stats)", s.peak_bytes_in_use, "B");
    fig(w, "failed allocations", s.failed_allocs, "");
    rp_printf("G|%s|%s|%s|all memory back|%s|\n", TB_BOARD, tb_opt(), w, all_back() ? "yes" : "NO");
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

static void sort_u32(uint32_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint32_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static uint32_t w4_pause(uint32_t n_old)
{
    uint32_t pauses[W4_REPS], collected;
    heap_setup(UINT32_MAX);
    for (uint32_t i = 0; i < n_old; i++)
        w4_old[i] = new_obj(&box_type);   /* tracked, acyclic, held from outside */
    collect(2);                           /* every long-lived object in the oldest generation */
    rp_gc_disable();
    for (unsigned r = 0; r < W4_REPS; r++) {
        for (uint32_t i = 0; i < W4_YOUNG; i++)
            w4_young[i] = new_obj(&box_type);
        pauses[r] = (uint32_t)tb_long_time_collect(rp_gc_collect, 0, &collected);
        for (uint32_t i = 0; i < W4_YOUNG; i++)
            RP_DECREF(w4_young[i]);
    }
    for (uint32_t i = 0; i < n_old; i++)
        RP_DECREF(w4_old[i]);
    if (!all_back())
        die("W4: memory not all back");
    rp_gc_enable();
    sort_u32(pauses, W4_REPS);
    rp_printf("D|%s W4 N=%u: %u young collections of 700 objects, %u to %u instructions (median %u)\n", tb_opt(),
              (unsigned)n_old, (unsigned)W4_REPS, (unsigned)pauses[0], (unsigned)pauses[W4_REPS - 1],
              (unsigned)pauses[W4_REPS / 2]);
    return pauses[W4_REPS / 2];
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

static void make_pairs(uint32_t pairs)
{
    for (uint32_t i = 0; i < pairs; i++) {
        rp_obj_t *a = new_obj(&box_type), *b = new_obj(&box_type);
        rp_slot_set(a, 0, b);
        rp_slot_set(b, 0, a);
        RP_DECREF(a);
        RP_DECREF(b);
    }
}

static void bench_young(void)
{
    const char *w = "young garbage";
    uint32_t collected;
    for (int gen = 0; gen <= 2; gen += 2) {
        heap_setup(UINT32_MAX);
        rp_gc_disable();
        make_pairs(700);
        uint32_t n = (uint32_t)tb_long_time_collect(rp_gc_collect, gen, &collected);
        if (collected != 1400u || !all_back())
            die("young: not every object collected");
        fig(w, gen ? "700 garbage 2-cycles, rp_gc_collect(2): instructions" :
                     "700 garbage 2-cycles, rp_gc_collect(0): instructions", n, "");
        fig(w, "objects collected", collected, "");
        fig_mean(w, gen ? "instructions per object collected, full collection" :
                          "instructions per young object collected", n, collected, "");
        rp_gc_enable();
    }
}

/* ---- W5: a chain of 10,000, released; the same as a ring, collected ---- */

#define W5_LEN 10000u

static rp_obj_t *make_chain(uint32_t len, rp_obj_t **tail_out)
{
    rp_obj_t *head = new_obj(&box_type), *tail = head;
    for (uint32_t i = 1; i < len; i++) {
        rp_obj_t *n = new_obj(&box_type);
        rp_slot_set(tail, 0, n);
        RP_DECREF(n);
        tail = n;
    }
    *tail_out = tail;
    return head;
}

static void release(void *o) { RP_DECREF((rp_obj_t *)o); }

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
    rp_obj_t *tail, *head;
    uint32_t collected;
    size_t at_call = 0, peak_release = 0, peak_collect = 0;
    uint64_t n_release = 0, n_collect = 0;
    for (int counted = 0; counted < 2; counted++) {
        heap_setup(UINT32_MAX);
        rp_gc_disable();
        head = make_chain(W5_LEN, &tail);
        if (counted) {
            n_release = tb_long_time_free(release, head);
        } else {
            at_call = (size_t)((uintptr_t)__rp_stack_top - sp_now());
            rp_stack_paint();
            release(head);
            peak_release = rp_stack_peak();
        }
        if (!all_back())
            die("W5: chain not freed");

        head = make_chain(W5_LEN, &tail);
        rp_slot_set(tail, 0, head);   /* close the ring */
        RP_DECREF(head);
        if (counted) {
            n_collect = tb_long_time_collect(rp_gc_collect, 2, &collected);
        } else {
            rp_stack_paint();
            collected = rp_gc_collect(2);
            peak_collect = rp_stack_peak();
        }
        if (collected != W5_LEN || !all_back())
            die("W5: ring not collected");
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
    make_pairs(700);
    tb_phase_young_garbage();
    uint32_t n = rp_gc_collect(0);
    tb_phase_setup();
    for (uint32_t i = 0; i < 1000u; i++)
        w4_old[i] = new_obj(&box_type);
    rp_gc_collect(2);
    for (uint32_t i = 0; i < W4_YOUNG; i++)
        w4_young[i] = new_obj(&box_type);
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
    bench_w4();
    bench_w5();
    bench_w2("W2-target, 256 KiB heap", W2_HEAP);
    bench_w2("W2-target, all free RAM as heap", UINT32_MAX);
    return 0;
}
