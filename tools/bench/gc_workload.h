/*
 * gc_workload.h — the refpool side of the collector workloads W2 to W5
 * (../shared/bench/WORKLOADS.md) as both collector benchmarks run them: bench_gc.c on the
 * host and target/tb_gc.c as firmware. The object types, the builders and the checks;
 * what is measured, and how, stays with each program. Core API only and no libc, so that
 * it compiles for the host and with arm-none-eabi-gcc alike.
 */
#ifndef GC_WORKLOAD_H
#define GC_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "rp_heap.h"
#include "rp_object.h"

/* Defined by each program: reports a workload that went wrong (`why`) and does not
 * return. */
_Noreturn void gcw_die(const char *why);

/* W2: a tree node, [left, right, parent] as the CPython side's 3-item list. */
enum { GCW_LEFT = 0, GCW_RIGHT = 1, GCW_PARENT = 2 };
extern const rp_type_t gcw_tnode_type;
/* W3, W4, W5: a container with one reference ("ref"), as the CPython side's 1-item list. */
extern const rp_type_t gcw_box_type;

/* ---- the heap ---- */

/* A fresh heap over `bytes` at `base`, objects set up; the blocks in use then (the
 * objects' own) are what gcw_all_back expects to find again. */
void gcw_heap_setup(void *base, size_t bytes);
/* Every block back, no failed allocation, and the collector's and the heap's invariants
 * hold. */
int gcw_all_back(void);
/* Raises *peak to the heap's footprint now: the arena less its free bytes. */
void gcw_footprint_sample(uint32_t *peak);

/* ---- builders and checks ---- */

/* rp_new, or gcw_die("out of memory"). */
rp_obj_t *gcw_new(const rp_type_t *t);

/* W2 up to its final collection, which the caller runs: the stretch tree of depth
 * max_depth + 1; the long-lived tree of max_depth; for d = min_depth, min_depth + 2, ...,
 * max_depth, 2^(max_depth - d + min_depth) trees of depth d, each built, checked and
 * dropped; then the long-lived tree checked and dropped. `between` (may be 0) runs after
 * the stretch tree, after each depth and after the last drop. Returns the nodes built. */
uint32_t gcw_w2(unsigned max_depth, unsigned min_depth, void (*between)(void));

/* n garbage 2-cycles (a.ref = b, b.ref = a), each dropped at once. */
void gcw_pairs(uint32_t n);

/* A chain of len boxes, head -> ... -> tail through "ref", built by appending; returns
 * the head. gcw_ring builds the same chain, closes it into a ring (tail.ref = head) and
 * drops it: len objects of garbage for the collector. */
rp_obj_t *gcw_chain(uint32_t len);
void gcw_ring(uint32_t len);

/* W4: n_old boxes (tracked, acyclic, held from old[]) moved into the oldest generation
 * by collect(2), automatic collection off; then `reps` times: n_young new boxes (held
 * from young[]), one young collection through time_young, whose figure goes to
 * pauses[r], and the young boxes dropped. Last, every box dropped, gcw_die unless all
 * memory is back, automatic collection on again. */
void gcw_w4(rp_obj_t **old, uint32_t n_old, rp_obj_t **young, uint32_t n_young, uint64_t *pauses, unsigned reps,
            uint32_t (*collect)(int gen), uint64_t (*time_young)(void));

#endif
