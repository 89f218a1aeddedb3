/*
 * rp_config.h — every compile-time option of refpool, with its default.
 *
 * A board overrides any of these in its board config header (boards/<name>/rp_board.h),
 * which the build passes as RP_BOARD_CONFIG; everything here is #ifndef-guarded.
 * Options are 0 or 1 and tested with #if, so under -Wundef a misspelt option fails the
 * build. Limits that follow from the options are checked with _Static_assert below.
 */
#ifndef RP_CONFIG_H
#define RP_CONFIG_H

#ifdef RP_BOARD_CONFIG
#include RP_BOARD_CONFIG
#endif

/* Debug configuration: fresh blocks filled with 0xCD, freed ones with 0xDD, 0xFD guard
 * bytes behind every block checked on free, and full (O(n)) double-free detection.
 * Costs a 8-byte header and at least 8 guard bytes per block. */
#ifndef RP_CFG_DEBUG
#define RP_CFG_DEBUG 0
#endif

/* Allocation-failure injection (rp_heap_fail_nth in rp_heap.h), a test hook: the Nth
 * allocation from now fails as if the heap were full. On in debug builds and on the host
 * (core/CMakeLists.txt), off by default on boards. While no failure is armed it costs
 * nothing on the fast paths (their gates send calls to the slow path only while armed). */
#ifndef RP_CFG_FAULT_INJECT
#define RP_CFG_FAULT_INJECT RP_CFG_DEBUG
#endif

/* Bytes per pool. A power of two. Each pool serves one size class. 1024 was chosen by
 * measurement (docs/allocator.md): 4096-byte pools strand most of a pool per sparse class
 * and need 1.44x the peak live bytes on workload W1s, 1024-byte pools 1.26x. */
#ifndef RP_CFG_POOL_SIZE
#define RP_CFG_POOL_SIZE 1024u
#endif

/* Requests up to this many bytes come from size-classed pools; larger ones from the
 * coalescing chunk heap. 64 by measurement: beyond it classes are too sparse, and
 * pools of them hold stranded blocks that the chunk heap would share (docs/allocator.md). */
#ifndef RP_CFG_SMALL_MAX
#define RP_CFG_SMALL_MAX 64u
#endif

/* Most regions rp_heap_init accepts. */
#ifndef RP_CFG_MAX_REGIONS
#define RP_CFG_MAX_REGIONS 4
#endif

/* log2 of the largest chunk the heap can index; bounds the free-list bin table. A region
 * larger than this is refused by rp_heap_init. 20 = 1 MiB. */
#ifndef RP_CFG_CHUNK_MAX_LOG2
#define RP_CFG_CHUNK_MAX_LOG2 20
#endif

/* Whether public entry points enter the port's critical section. Boards that never
 * allocate from interrupt handlers and run no RTOS may turn it off. */
#ifndef RP_CFG_CRITICAL
#define RP_CFG_CRITICAL 1
#endif

/* GC links as 16-bit offsets in 8-byte units from the lowest heap address: an 8-byte
 * tracked-object header, for heaps that end within 512 KiB of their lowest address.
 * 0: 32-bit offsets (12-byte header; 16 with 64-bit pointers) for any heap size. */
#ifndef RP_CFG_GC_LINK16
#define RP_CFG_GC_LINK16 0
#endif

/* Incremental collection (rp_gc.h, "Incremental collection"): 1 runs automatic collections
 * in steps of about RP_CFG_GC_STEP_BUDGET work units each, the old generation in a cycle
 * of such steps while the application runs between them; every INCREF and DECREF of an
 * immortal object pays one more test (rp_object.h). 0 (the default): automatic collections
 * run whole, stopping the world, as CPython 3.12's. Opt-in: on W2-target it takes 1.13x
 * the instructions of whole collections on the Cortex-M3, but 2.7x the time on a host
 * with caches, and keeps more garbage floating (docs/gc.md, "Incremental collection").
 * Boards mps2-an386 and microbit set it, so that its tests run on the M4 and the M0. Changes the inline INCREF/DECREF:
 * in the layout signature. */
#ifndef RP_CFG_GC_INCREMENTAL
#define RP_CFG_GC_INCREMENTAL 0
#endif

/* Work units of an automatic step, about 20 instructions each on the Cortex-M3 at -O2 (an
 * object a young collection examines is 8; one the old cycle marks 1, counts or rejects 1
 * plus 1 a reference, checks or sorts 2, frees 3: docs/gc.md). A step collects generation
 * 0 once an allocation would take it past RP_CFG_GC_STEP_BUDGET / 8 - 1 objects, or past
 * threshold 0 if smaller (holding more than RP_CFG_GC_STEP_BUDGET / 8, the oldest that
 * many are promoted unexamined), and gives what is left to the cycle; while a cycle runs,
 * a step of the cycle's alone comes every sixteenth of a window (17 between young ones). 850: the longest step on W2-target, W3 and a cycle over 100,000
 * live objects stays under 19,000 instructions, 5 % below issue 17's 20,000
 * (tools/bench/run-rt-bench.sh); 900 took the last to 19,964. */
#ifndef RP_CFG_GC_STEP_BUDGET
#define RP_CFG_GC_STEP_BUDGET 850u
#endif

/* Incremental collection only: an automatic young window (RP_CFG_GC_STEP_BUDGET / 8
 * objects at most) that frees less than this percentage of the objects it examines has
 * the next windows promoted to generation 1 unexamined, 2, then 4, up to 64 after each
 * such window in a row, the cycle examining them instead; one that frees more, or whose
 * garbage has finalizers, weak references or clear/traverse hooks (which the cycle would
 * take all at once, in one step), brings examination back. 0: every window is examined. Default 25 (measured on W2-target:
 * docs/gc.md, "Incremental collection", item 7). */
#ifndef RP_CFG_GC_YOUNG_MIN_YIELD
#define RP_CFG_GC_YOUNG_MIN_YIELD 25u
#endif

/* Entries in the type table (8-bit type numbers in the object header; 0 is unused). */
#ifndef RP_CFG_MAX_TYPES
#define RP_CFG_MAX_TYPES 32
#endif

/* The built-in types (rp_builtins.h: None, bool, int, str, tuple, list, dict, plain
 * instances, rp_hash and rp_equal). With 0 only objects of the application's own types
 * exist; weak references need the built-ins (RP_CFG_WEAKREF 0 too). */
#ifndef RP_CFG_BUILTINS
#define RP_CFG_BUILTINS 1
#endif

/* Weak references, finalize and the weak containers (rp_weakref.h). With 0 none of their
 * code or tables is built; an object's WEAKREFS bit is never set. */
#ifndef RP_CFG_WEAKREF
#define RP_CFG_WEAKREF RP_CFG_BUILTINS
#endif

/* Allocation tracing (rp_trace.h). With 0 the hooks compile away entirely, no record
 * table is reserved and rp_trace_start refuses (RP_E_REFUSED); with 1 and tracing stopped
 * they cost one predictable branch per allocation and free. */
#ifndef RP_CFG_TRACE
#define RP_CFG_TRACE 1
#endif

/* Slots of the board's trace record table, static RAM outside the traced heap; a power
 * of two, at least 8. At most 3/4 of them hold records; past that, new allocations are
 * counted as dropped. Each slot is 16 bytes on 32-bit targets. 0 (the default): no static
 * table, so tracing costs no RAM unless used; the application hands tracing a table with
 * rp_trace_set_table before rp_trace_start. */
#ifndef RP_CFG_TRACE_RECORDS
#define RP_CFG_TRACE_RECORDS 0
#endif

/* Bounded frees: the most objects one DECREF destroys (the one that reached zero, the
 * objects it held that die with it, and so on down a chain or tree). The rest wait on the
 * refzero queue, and later object allocations (RP_CFG_FREE_PER_ALLOC each), rp_gc_poll,
 * rp_gc_step, rp_gc_free_pending, rp_gc_collect and an allocation that would fail free
 * them (rp_gc.h, "Bounded frees"). 0: no limit (a DECREF frees all it releases, as
 * CPython does). Default 48, measured on the Cortex-M3 at -O2
 * (tools/bench/run-rt-bench.sh): an object of a released chain costs 181 instructions,
 * a node of a binary tree (three slots, two children) 272; 48 of the latter are 13,100,
 * so a DECREF stays within 20,000 instructions with room for objects with more slots or
 * weak references, when no finalizer, weak-reference callback or large container's clear
 * (a list's items are dropped in one go) is among them. */
#ifndef RP_CFG_FREE_BUDGET
#define RP_CFG_FREE_BUDGET 48u
#endif

/* Pending frees (see RP_CFG_FREE_BUDGET) each object allocation performs, in thread mode
 * outside a deallocation. 2 by default, so that pending objects go faster than new ones
 * come, whatever the allocation rate; each costs about 200 instructions on the M3. */
#ifndef RP_CFG_FREE_PER_ALLOC
#define RP_CFG_FREE_PER_ALLOC 2u
#endif

_Static_assert(RP_CFG_GC_INCREMENTAL == 0 || RP_CFG_GC_INCREMENTAL == 1, "RP_CFG_GC_INCREMENTAL is 0 or 1");
_Static_assert(RP_CFG_GC_STEP_BUDGET >= 64u, "RP_CFG_GC_STEP_BUDGET below 64 leaves young collections under 8 objects");
_Static_assert(RP_CFG_GC_YOUNG_MIN_YIELD <= 100u, "RP_CFG_GC_YOUNG_MIN_YIELD is a percentage");
_Static_assert(RP_CFG_FREE_PER_ALLOC >= 1u, "RP_CFG_FREE_PER_ALLOC must be at least 1");
_Static_assert(RP_CFG_TRACE_RECORDS == 0 ||
                   ((RP_CFG_TRACE_RECORDS & (RP_CFG_TRACE_RECORDS - 1)) == 0 && RP_CFG_TRACE_RECORDS >= 8),
               "RP_CFG_TRACE_RECORDS must be 0 or a power of two, at least 8");
_Static_assert(RP_CFG_FAULT_INJECT == 0 || RP_CFG_FAULT_INJECT == 1, "RP_CFG_FAULT_INJECT is 0 or 1");
_Static_assert(RP_CFG_TRACE == 0 || RP_CFG_TRACE == 1, "RP_CFG_TRACE is 0 or 1");
_Static_assert(RP_CFG_BUILTINS == 0 || RP_CFG_BUILTINS == 1, "RP_CFG_BUILTINS is 0 or 1");
_Static_assert(RP_CFG_WEAKREF == 0 || RP_CFG_WEAKREF == 1, "RP_CFG_WEAKREF is 0 or 1");
_Static_assert(RP_CFG_WEAKREF <= RP_CFG_BUILTINS, "weak references need the built-in types (RP_CFG_BUILTINS 1)");
_Static_assert(RP_CFG_MAX_TYPES >= 16 && RP_CFG_MAX_TYPES <= 256, "RP_CFG_MAX_TYPES must be 16..256");
_Static_assert((RP_CFG_POOL_SIZE & (RP_CFG_POOL_SIZE - 1u)) == 0, "RP_CFG_POOL_SIZE must be a power of two");
_Static_assert(RP_CFG_POOL_SIZE >= 256u && RP_CFG_POOL_SIZE <= 65536u, "RP_CFG_POOL_SIZE must be 256..65536");
_Static_assert(RP_CFG_SMALL_MAX % 8u == 0 && RP_CFG_SMALL_MAX >= 8u, "RP_CFG_SMALL_MAX must be a multiple of 8");
_Static_assert(RP_CFG_SMALL_MAX <= RP_CFG_POOL_SIZE / 8u, "a pool must hold at least 8 blocks of the largest class");
_Static_assert(RP_CFG_CHUNK_MAX_LOG2 >= 12 && RP_CFG_CHUNK_MAX_LOG2 <= 30, "RP_CFG_CHUNK_MAX_LOG2 must be 12..30");

#endif
