/*
 * tb_rt.c — real-time figures on target (mps2-an385, issue 17): the longest call of each
 * kind, in exact instructions under QEMU's -icount (tb.h). Prints figures, asserts
 * nothing: tools/bench/run-rt-bench.sh runs it and prints its RT lines.
 *
 * Lines: RT|name|value (a figure), RTNA|name|reason (not measurable yet), D|free text.
 *
 *   decref_max            the longest DECREF (and rp_gc_step(RP_CFG_FREE_BUDGET)) over
 *                         the drop of a 100,000-object chain and of a 32,767-node tree
 *   malloc_max_*, free_*  W1 (tb_alloc.c's workload, sizes and PRNG) at heaps of
 *                         256 KiB, 1 MiB (live cap 2,000) and 3.5 MiB (live cap 20,000)
 *   gc_step_max_w2        the longest automatic collection step of W2-target (256 KiB
 *                         heap), seen through the gc callbacks (START/STOP), which every
 *                         automatic step calls as a collection does
 *   gc_step_max_w3        the same for 100,000 garbage 2-cycles made and dropped one by
 *                         one (W3, scaled)
 *   gc_step_max_full100k  with RP_CFG_GC_INCREMENTAL: the longest
 *                         rp_gc_step(RP_CFG_GC_STEP_BUDGET) of a whole incremental
 *                         collection (`while (rp_gc_step(RP_CFG_GC_STEP_BUDGET))`) with
 *                         100,000 tracked live objects; without it (or with it 0), one
 *                         rp_gc_collect(2) of them. The stop-the-world full collection is
 *                         printed as a D| line either way.
 *   w2_total_insns        W2-target's instructions in all (not an RT name of the issue:
 *                         run-rt-bench.sh divides the figure of an image built with
 *                         RP_CFG_GC_INCREMENTAL 1 by one built with 0)
 * Before incremental collection automatic collections run whole: a "step" is then one
 * collection. Built with -DTB_RT_W2_ONLY=1 the image runs W2-target alone (the
 * throughput ratio's builds): once bare, for w2_total_insns, then once with the gc
 * callbacks on, for where the instructions went (D| lines: young, old-generation and
 * emergency collections, and the rest).
 */
#include "tb.h"

#include "gc_workload.h"
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_heap.h"
#include "rp_object.h"
#include "rp_port.h"
#include "rp_print.h"

static uint8_t *heap_base;
static uint32_t heap_avail;

_Noreturn void gcw_die(const char *why)
{
    rp_printf("FAIL tb_rt: %s\n", why);
    rp_port_exit(1);
}

static void rt(const char *name, uint64_t v) { rp_printf("RT|%s|%lu\n", name, (unsigned long)v); }

static void heap_setup(uint32_t bytes) { gcw_heap_setup(heap_base, bytes < heap_avail ? bytes : heap_avail); }

/* ---- W1 at three heap sizes (the workload of tb_alloc.c's run(), refpool only) ---- */

#define W1_CAP_MAX 20000u
/* issue 17's bounds: the detail lines count the calls above them */
#define TB_RT_MALLOC_TARGET 100u
#define TB_RT_FREE_TARGET 90u
/* -DTB_RT_W1_ONLY=1 -DTB_RT_VERBOSE: W1 alone, each call above the bounds listed */
#ifndef TB_RT_W2_ONLY
#define TB_RT_W2_ONLY 0
#endif
#ifndef TB_RT_W1_ONLY
#define TB_RT_W1_ONLY 0
#endif
static void *slot[W1_CAP_MAX];
static uint16_t slot_size[W1_CAP_MAX];

/* The longest call of one kind in a W1 run: its instructions, operation and size, and
 * how many calls went over the bound. */
typedef struct worst {
    uint32_t max, op, n, over;
} worst_t;

static void note_call(worst_t *w, uint32_t c, uint32_t op, uint32_t n, uint32_t target, const char *what)
{
    if (c > w->max) {
        w->max = c;
        w->op = op;
        w->n = n;
    }
    if (c > target)
        w->over++;
#ifdef TB_RT_VERBOSE
    if (c > target)
        rp_printf("D|  op %u %s(%u B) %u\n", (unsigned)op, what, (unsigned)n, (unsigned)c);
#else
    (void)what;
#endif
}

/* RT|<prefix><suffix>|v */
static void rt_named(const char *prefix, const char *suffix, uint64_t v)
{
    char name[32];
    unsigned k = 0;
    for (const char *s = prefix; *s && k < sizeof name - 1u;)
        name[k++] = *s++;
    for (const char *s = suffix; *s && k < sizeof name - 1u;)
        name[k++] = *s++;
    name[k] = 0;
    rt(name, v);
}

static void w1(const char *suffix, uint32_t heap, uint32_t ops, uint32_t cap)
{
    rp_region_t r = {heap_base, heap < heap_avail ? heap : heap_avail};
    if (rp_heap_init(&r, 1) != RP_OK)
        gcw_die("rp_heap_init refused the region");
    uint32_t x = TB_SEED, live = 0, peak_live = 0, failed = 0;
    worst_t m = {0, 0, 0, 0}, f = {0, 0, 0, 0};
    for (uint32_t i = 0; i < ops || live; i++) {
        int alloc = i < ops && (live == 0 || (tb_rand(&x, 0, 99) < 55u && live < cap));
        if (alloc) {
            uint32_t n = tb_w1_size(&x);
            void *p;
            uint32_t c = tb_time_alloc(rp_malloc, n, &p);
            if (p)
                *(volatile uint8_t *)p = (uint8_t)i;
            else
                failed++;
            slot[live] = p;
            slot_size[live++] = (uint16_t)n;
            if (live > peak_live)
                peak_live = live;
            note_call(&m, c, i, n, TB_RT_MALLOC_TARGET, "malloc");
        } else {
            uint32_t k = i < ops ? tb_rand(&x, 0, live - 1u) : live - 1u;
            void *p = slot[k];
            uint32_t n = slot_size[k];
            slot[k] = slot[--live];
            slot_size[k] = slot_size[live];
            if (p)
                note_call(&f, tb_time_free(rp_free, p), i, n, TB_RT_FREE_TARGET, "free");
        }
    }
    rp_printf("D|W1 heap %u B, %u operations, live cap %u: peak %u live blocks, %u failed; largest malloc %u, "
              "largest free %u instructions\n",
              (unsigned)r.size, (unsigned)ops, (unsigned)cap, (unsigned)peak_live, (unsigned)failed, (unsigned)m.max,
              (unsigned)f.max);
    rp_printf("D|  largest malloc at op %u (%u B), largest free at op %u (a %u B block); %u mallocs over %u, %u frees "
              "over %u instructions\n",
              (unsigned)m.op, (unsigned)m.n, (unsigned)f.op, (unsigned)f.n, (unsigned)m.over,
              (unsigned)TB_RT_MALLOC_TARGET, (unsigned)f.over, (unsigned)TB_RT_FREE_TARGET);
    rt_named("malloc_max_", suffix, m.max);
    rt_named("free_max_", suffix, f.max);
}

/* ---- bounded frees ---- */

static void release(void *o) { RP_DECREF((rp_obj_t *)o); }
static uint32_t step(int budget) { return rp_gc_step((uint32_t)budget); }
static uint32_t free_all(int unused)
{
    (void)unused;
    return rp_gc_free_pending(0);
}

/* The drop of `root` (its one reference): the DECREF, then rp_gc_step(budget) until
 * nothing is pending; the longest of all these calls. */
static uint32_t drop_in_steps(const char *what, rp_obj_t *root, uint32_t objects)
{
    uint32_t first = tb_time_free(release, root), longest = first, steps = 0, out;
    while (rp_gc_pending(0)) {
        uint32_t c = tb_time_collect(step, (int)RP_CFG_FREE_BUDGET, &out);
        if (c > longest)
            longest = c;
        steps++;
    }
    if (!gcw_all_back())
        gcw_die("bounded frees: not every block back");
    rp_printf("D|%s of %u objects dropped: the DECREF %u instructions, then %u calls of rp_gc_step(%u), the longest "
              "call %u\n",
              what, (unsigned)objects, (unsigned)first, (unsigned)steps, (unsigned)RP_CFG_FREE_BUDGET,
              (unsigned)longest);
    return longest;
}

/* A tree without parent references, depth d (2^d - 1 nodes): dies by counting alone. */
static rp_obj_t *tree(unsigned d)
{
    rp_obj_t *n = gcw_new(&gcw_tnode_type);
    if (d > 1) {
        rp_obj_t *l = tree(d - 1), *r = tree(d - 1);
        rp_slot_set(n, GCW_LEFT, l);
        rp_slot_set(n, GCW_RIGHT, r);
        RP_DECREF(l);
        RP_DECREF(r);
    }
    return n;
}

#define CHAIN_N 100000u
#define TREE_DEPTH 15u

static void bench_decref(void)
{
    heap_setup(UINT32_MAX);
    rp_gc_disable();
    uint32_t a = drop_in_steps("a chain", gcw_chain(CHAIN_N), CHAIN_N);
    uint32_t b = drop_in_steps("a binary tree", tree(TREE_DEPTH), (1u << TREE_DEPTH) - 1u);

    /* The cost of one object of a cascade, unbounded: the chain's DECREF, then all the
     * rest in one call. */
    rp_obj_t *head = gcw_chain(CHAIN_N);
    uint32_t out, first = tb_time_free(release, head);
    uint64_t rest = tb_long_time_collect(free_all, 0, &out);
    char per[24];
    tb_fmt2(per, first + rest, CHAIN_N);
    rp_printf("D|a chain of %u released: %lu instructions in all, %s per object (RP_CFG_FREE_BUDGET %u)\n",
              (unsigned)CHAIN_N, (unsigned long)(first + rest), per, (unsigned)RP_CFG_FREE_BUDGET);
    rp_printf("RT|free_per_object|%s\n", per);

    /* The caveat of rp_gc.h: a container's clear drops all its items in one go. */
    rp_obj_t *l = rp_list_new();
    for (int32_t i = 0; l && i < 1000; i++) {
        rp_obj_t *v = rp_int_from_i32(100000 + i);
        if (!v || rp_list_append(l, v) != RP_E_OK)
            gcw_die("list: out of memory");
        RP_DECREF(v);
    }
    uint32_t big = tb_time_free(release, l);
    rp_printf("D|a list of 1,000 ints dropped: %u instructions (one container's clear is not divided)\n",
              (unsigned)big);
    rp_gc_enable();
    rt("decref_max", a > b ? a : b);
}

/* ---- collections ---- */

static uint32_t t_start;
static int manual;
static uint64_t auto_max;
static int auto_max_gen;
static uint32_t auto_n;

/* Emergency collections (an allocation that would fail collects whole first) are counted
 * apart from automatic ones: the OOM hook runs right before the emergency collection. */
static int emergency;
static uint32_t emergency_n;
static uint64_t emergency_max;

/* Where a run's collection instructions went: young collections (steps of a young window
 * alone), the others (the old generation's collections; with incremental collection the
 * steps the cycle takes part in, with any young window they also run), and emergency
 * collections. Each as calls, instructions and objects freed. */
enum kind { KIND_YOUNG, KIND_OLD, KIND_EMERGENCY, KINDS };
typedef struct {
    uint32_t calls, freed;
    uint64_t insns;
} kind_total_t;
static kind_total_t by_kind[KINDS];

static void note_kind(enum kind k, uint64_t insns, uint32_t freed)
{
    by_kind[k].calls++;
    by_kind[k].insns += insns;
    by_kind[k].freed += freed;
}
static void on_oom(size_t request)
{
    (void)request;
    emergency = 1;
}

static void count_oom(size_t request)
{
    (void)request;
    emergency_n++;
}

static void on_gc(enum rp_gc_phase phase, int gen, uint32_t collected, uint32_t uncollectable, void *arg)
{
    (void)uncollectable;
    (void)arg;
    if (phase == RP_GC_START) {
        t_start = rp_port_cycles();
        return;
    }
    uint64_t pause = tb_long_insns(t_start, rp_port_cycles());
    if (manual)
        return;
    if (emergency) {   /* an allocation failed: the whole collection of the OOM path */
        emergency = 0;
        emergency_n++;
        if (pause > emergency_max)
            emergency_max = pause;
        note_kind(KIND_EMERGENCY, pause, collected);
        return;
    }
    note_kind(gen == 0 ? KIND_YOUNG : KIND_OLD, pause, collected);
    auto_n++;
    if (pause > auto_max) {
        auto_max = pause;
        auto_max_gen = gen;
    }
}

static void watch_start(void)
{
    auto_max = 0;
    auto_n = 0;
    auto_max_gen = 0;
    manual = 0;
    emergency = 0;
    emergency_n = 0;
    emergency_max = 0;
    for (int k = 0; k < KINDS; k++)
        by_kind[k] = (kind_total_t){0, 0, 0};
    rp_gc_set_oom_hook(on_oom);
    rp_gc_callback_add(on_gc, 0);
}

static void watch_end(const char *name, const char *what)
{
    rp_gc_callback_remove(on_gc, 0);
    rp_gc_set_oom_hook(0);
    rp_printf("D|%s: %u automatic collections, the longest %lu instructions (generation %d); "
              "%u emergency collections, the longest %lu\n",
              what, (unsigned)auto_n, (unsigned long)auto_max, auto_max_gen, (unsigned)emergency_n,
              (unsigned long)emergency_max);
    if (name)
        rt(name, auto_max);
}

/* Where W2-target's instructions went (watch_start to watch_end): each kind of collection,
 * and the rest, which is the workload with the frees outside collections. */
static void print_kinds(uint64_t total)
{
    static const char *const names[KINDS] = {"young collections", "old-generation collections",
                                             "emergency collections"};
    uint64_t in_collections = 0;
    for (int k = 0; k < KINDS; k++) {
        char per[24];
        tb_fmt2(per, by_kind[k].insns, by_kind[k].freed ? by_kind[k].freed : 1u);
        rp_printf("D|  %s: %u, %lu instructions, %u objects freed (%s per object freed)\n", names[k],
                  (unsigned)by_kind[k].calls, (unsigned long)by_kind[k].insns, (unsigned)by_kind[k].freed, per);
        in_collections += by_kind[k].insns;
    }
    rp_printf("D|  the rest (the workload, frees outside collections, the callbacks): %lu instructions\n",
              (unsigned long)(total - in_collections));
}

/* W2-target in a heap of `heap` bytes: its total; with `watched`, also its collections
 * through the callbacks (figure `name` if not 0: the longest automatic one) and where the
 * instructions went. Unwatched, it counts the collector alone (the throughput images). */
static void w2_in(uint32_t heap, const char *name, int watched)
{
    heap_setup(heap);
    if (watched) {
        watch_start();
    } else {
        emergency_n = 0;
        rp_gc_set_oom_hook(count_oom);
    }
    uint32_t t0 = tb_long_begin();
    uint32_t nodes = gcw_w2(10, 4, 0);
    uint64_t total = tb_long_end(t0);
    if (!watched) {
        rp_gc_set_oom_hook(0);
        rp_gc_stats_t st;
        rp_gc_get_stats(&st);
        rp_printf("D|W2-target alone: %u emergency collections; %u, %u and %u collections of generations 0, 1 and 2, "
                  "which freed %u, %u and %u objects\n",
                  (unsigned)emergency_n, (unsigned)st.gen[0].collections, (unsigned)st.gen[1].collections,
                  (unsigned)st.gen[2].collections, (unsigned)st.gen[0].collected, (unsigned)st.gen[1].collected,
                  (unsigned)st.gen[2].collected);
    }
    manual = 1;
    rp_gc_collect(2);
    manual = 0;
    rp_printf("D|W2-target (%u KiB heap): %u nodes, %lu instructions\n", (unsigned)(heap_avail < heap ? heap_avail : heap) >> 10,
              (unsigned)nodes, (unsigned long)total);
    if (!watched) {
        rt("w2_total_insns", total);
        return;
    }
    watch_end(name, heap == 256u * 1024u ? "W2-target, 256 KiB heap" : "W2-target, all the RAM");
    print_kinds(total);
}

/* In the 256 KiB heap WORKLOADS.md gives it, and in all the RAM the image leaves: the
 * floating garbage of an incremental collector makes allocations fail in the first. The
 * throughput images run it alone first, for the total, then watched, for where it went. */
static void bench_w2(void)
{
#if TB_RT_W2_ONLY
    w2_in(256u * 1024u, 0, 0);
    w2_in(256u * 1024u, 0, 1);
#else
    w2_in(256u * 1024u, "gc_step_max_w2", 1);
    w2_in(UINT32_MAX, 0, 1);
#endif
}

static void bench_w3(void)
{
    heap_setup(UINT32_MAX);
    watch_start();
    uint32_t t0 = tb_long_begin();
    gcw_pairs(100000u);
    (void)tb_long_end(t0);
    watch_end("gc_step_max_w3", "W3 scaled: 100,000 garbage 2-cycles made and dropped");
    rp_gc_collect(2);
    if (!gcw_all_back())
        gcw_die("W3: not every block back");
}

#if defined(RP_CFG_GC_INCREMENTAL) && RP_CFG_GC_INCREMENTAL
/* A whole incremental collection: rp_gc_step(RP_CFG_GC_STEP_BUDGET) until it says nothing
 * is left (the first call starts the cycle); the longest call. */
static uint64_t full_in_steps(void)
{
    uint32_t more = 1, steps = 0;
    uint64_t longest = 0, total = 0;
    while (more) {
        uint64_t c = tb_long_time_collect(step, (int)RP_CFG_GC_STEP_BUDGET, &more);
        total += c;
        if (c > longest)
            longest = c;
        if (++steps > 10000000u)
            gcw_die("full100k: rp_gc_step still had work after 10^7 calls");
    }
    rp_printf("D|incremental collection with 100,000 tracked objects (a live chain): %u calls of "
              "rp_gc_step(%u), %lu instructions in all, the longest call %lu\n",
              (unsigned)steps, (unsigned)RP_CFG_GC_STEP_BUDGET, (unsigned long)total, (unsigned long)longest);
    return longest;
}
#endif

static void bench_full(void)
{
    heap_setup(UINT32_MAX);
    rp_gc_disable();
    rp_obj_t *head = gcw_chain(100000u);
    uint32_t out;
    uint64_t n = tb_long_time_collect(rp_gc_collect, 2, &out);
    rp_printf("D|stop-the-world full collection with 100,000 tracked objects (a live chain): %lu instructions\n",
              (unsigned long)n);
#if defined(RP_CFG_GC_INCREMENTAL) && RP_CFG_GC_INCREMENTAL
    rp_gc_enable();
    n = full_in_steps();
    rp_gc_disable();
#endif
    rt("gc_step_max_full100k", n);
    RP_DECREF(head);
    rp_gc_free_pending(0);
    rp_gc_enable();
    if (!gcw_all_back())
        gcw_die("full100k: not every block back");
}

int main(void);
int main(void)
{
    size_t size;
    uint8_t *mem = rp_port_heap(&size);
    uintptr_t start = ((uintptr_t)mem + 4095u) & ~(uintptr_t)4095u;
    heap_base = (uint8_t *)start;
    heap_avail = (uint32_t)((uintptr_t)mem + size - start) & ~7u;
    if (heap_avail > (1u << RP_CFG_CHUNK_MAX_LOG2))
        heap_avail = 1u << RP_CFG_CHUNK_MAX_LOG2;
    tb_count_init();
#if defined(RP_CFG_GC_INCREMENTAL)
    rp_printf("S|%s|%s|heap memory at 0x%x, %u B usable; RP_CFG_FREE_BUDGET %u; RP_CFG_GC_INCREMENTAL %u\n", TB_BOARD,
              tb_opt(), (unsigned)start, (unsigned)heap_avail, (unsigned)RP_CFG_FREE_BUDGET,
              (unsigned)RP_CFG_GC_INCREMENTAL);
#else
    rp_printf("S|%s|%s|heap memory at 0x%x, %u B usable; RP_CFG_FREE_BUDGET %u; RP_CFG_GC_INCREMENTAL absent\n",
              TB_BOARD, tb_opt(), (unsigned)start, (unsigned)heap_avail, (unsigned)RP_CFG_FREE_BUDGET);
#endif
#if TB_RT_W2_ONLY
    bench_w2();
    return 0;
#endif
    if (!TB_RT_W1_ONLY)
        bench_decref();
    w1("256k", 256u * 1024u, 200000u, 2000u);
    w1("1m", 1024u * 1024u, 200000u, 2000u);
    w1("3m5", 3584u * 1024u, 400000u, 20000u);
    if (!TB_RT_W1_ONLY) {
        bench_w2();
        bench_w3();
        bench_full();
    }
    return 0;
}
