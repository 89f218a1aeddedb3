/* gc_workload.c — the refpool side of the collector workloads, shared by bench_gc.c and
 * target/tb_gc.c (gc_workload.h). Freestanding: the core API and nothing else. */
#include "gc_workload.h"

#include "rp_gc.h"

/* ---- types ---- */

static uint8_t RP_TYPE_NUMBER(tnode);
static const char *const tnode_names[] = {"left", "right", "parent"};
const rp_type_t gcw_tnode_type = {
    .name = "TreeNode", .number = &RP_TYPE_NUMBER(tnode), .slot_names = tnode_names, .nslots = 3,
    .flags = RP_TYPE_GC,
};

static uint8_t RP_TYPE_NUMBER(box);
static const char *const box_names[] = {"ref"};
const rp_type_t gcw_box_type = {
    .name = "Box", .number = &RP_TYPE_NUMBER(box), .slot_names = box_names, .nslots = 1, .flags = RP_TYPE_GC,
};

/* ---- the heap ---- */

static uint32_t baseline_blocks;

void gcw_heap_setup(void *base, size_t bytes)
{
    rp_region_t r = {base, bytes};
    if (rp_heap_init(&r, 1) != RP_E_OK)
        gcw_die("rp_heap_init refused the region");
    if (rp_objects_init() != RP_E_OK)
        gcw_die("rp_objects_init failed");
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    baseline_blocks = s.blocks_in_use;
}

int gcw_all_back(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s.blocks_in_use == baseline_blocks && s.failed_allocs == 0 && !rp_gc_check().rule &&
           !rp_heap_check().rule;
}

void gcw_footprint_sample(uint32_t *peak)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    if (s.arena_bytes - s.free_bytes > *peak)
        *peak = s.arena_bytes - s.free_bytes;
}

/* ---- builders and checks ---- */

rp_obj_t *gcw_new(const rp_type_t *t)
{
    rp_obj_t *o = rp_new(t);
    if (!o)
        gcw_die("out of memory");
    return o;
}

/* Depth 0 is one node; depth d has 2^(d+1) - 1 (the Benchmarks Game's bottomUpTree). The
 * node exists before its children, which take a reference to it as their parent. */
static rp_obj_t *make_tree(unsigned depth, rp_obj_t *parent)
{
    rp_obj_t *n = gcw_new(&gcw_tnode_type);
    rp_obj_t **s = rp_slots(n);
    if (parent) {
        rp_incref(parent);
        s[GCW_PARENT] = parent;
    }
    if (depth > 0) {
        s[GCW_LEFT] = make_tree(depth - 1, n);    /* the new reference moves into the slot */
        s[GCW_RIGHT] = make_tree(depth - 1, n);
    }
    return n;
}

static uint32_t check_tree(rp_obj_t *n)
{
    rp_obj_t *l = rp_slot(n, GCW_LEFT);
    return l ? 1u + check_tree(l) + check_tree(rp_slot(n, GCW_RIGHT)) : 1u;
}

static uint32_t w2_nodes;

static void build_check_drop(unsigned depth)
{
    rp_obj_t *t = make_tree(depth, 0);
    uint32_t want = (2u << depth) - 1u;
    if (check_tree(t) != want)
        gcw_die("W2: wrong node count");
    w2_nodes += want;
    RP_DECREF(t);   /* every node is in a cycle with its children: only the collector frees them */
}

uint32_t gcw_w2(unsigned max_depth, unsigned min_depth, void (*between)(void))
{
    w2_nodes = 0;
    build_check_drop(max_depth + 1);
    if (between)
        between();
    rp_obj_t *long_lived = make_tree(max_depth, 0);
    w2_nodes += (2u << max_depth) - 1u;
    for (unsigned d = min_depth; d <= max_depth; d += 2) {
        uint32_t iterations = 1u << (max_depth - d + min_depth);
        for (uint32_t i = 0; i < iterations; i++)
            build_check_drop(d);
        if (between)
            between();
    }
    if (check_tree(long_lived) != (2u << max_depth) - 1u)
        gcw_die("W2: long-lived tree damaged");
    RP_DECREF(long_lived);
    if (between)
        between();
    return w2_nodes;
}

void gcw_pairs(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        rp_obj_t *a = gcw_new(&gcw_box_type), *b = gcw_new(&gcw_box_type);
        rp_slot_set(a, 0, b);   /* a.ref = b */
        rp_slot_set(b, 0, a);   /* b.ref = a */
        RP_DECREF(a);
        RP_DECREF(b);
    }
}

static rp_obj_t *chain(uint32_t len, rp_obj_t **tail_out)
{
    rp_obj_t *head = gcw_new(&gcw_box_type), *tail = head;
    for (uint32_t i = 1; i < len; i++) {
        rp_obj_t *n = gcw_new(&gcw_box_type);
        rp_slot_set(tail, 0, n);   /* tail.ref = Box() */
        RP_DECREF(n);
        tail = n;                  /* borrowed: the chain holds it */
    }
    *tail_out = tail;
    return head;
}

rp_obj_t *gcw_chain(uint32_t len)
{
    rp_obj_t *tail;
    return chain(len, &tail);
}

void gcw_ring(uint32_t len)
{
    rp_obj_t *tail, *head = chain(len, &tail);
    rp_slot_set(tail, 0, head);   /* close the ring */
    RP_DECREF(head);
}

void gcw_w4(rp_obj_t **old, uint32_t n_old, rp_obj_t **young, uint32_t n_young, uint64_t *pauses, unsigned reps,
            uint32_t (*collect)(int gen), uint64_t (*time_young)(void))
{
    for (uint32_t i = 0; i < n_old; i++)
        old[i] = gcw_new(&gcw_box_type);
    collect(2);        /* every long-lived object now in the oldest generation */
    rp_gc_disable();   /* nothing but the timed collections */
    for (unsigned r = 0; r < reps; r++) {
        for (uint32_t i = 0; i < n_young; i++)
            young[i] = gcw_new(&gcw_box_type);
        pauses[r] = time_young();
        for (uint32_t i = 0; i < n_young; i++)
            RP_DECREF(young[i]);
    }
    for (uint32_t i = 0; i < n_old; i++)
        RP_DECREF(old[i]);
    if (!gcw_all_back())
        gcw_die("W4: memory not all back");
    rp_gc_enable();
}
