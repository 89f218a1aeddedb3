/*
 * rp_gc.h — the generational cycle collector, with Python's gc module as its interface.
 *
 * Reference counting frees everything but cycles. The collector finds unreachable
 * cycles by trial deletion over a generation, as CPython does: count the references the
 * generation's objects hold to each other (subtract_refs); an object with fewer of those
 * than its count is referenced from outside, and everything it reaches survives
 * (move_unreachable); the rest is garbage. Unlike CPython no pass copies the counts first
 * (gc.c says how).
 *
 * Order of a collection (the weak-reference hook has its fixed place, step 7):
 *   1 merge younger generations into the one collected
 *   2 mark the older generations' objects as examined (generation 0's always are),
 *   3 subtract_refs, 4 move_unreachable, 5 promote survivors
 *   6 objects with legacy finalizers, and what they reach, are uncollectable: those with
 *     legacy finalizers go to gc.garbage (all of them with DEBUG_SAVEALL), the rest survive
 *     into the older generation
 *   7 clear weak references to the garbage, before any finalizer runs (no callbacks
 *     for weak references that are themselves garbage): rp_weakref_on_collect
 *   8 run finalizers (PEP 442: each object's once)
 *   9 recount the garbage: objects a finalizer resurrected, and all they reach, survive
 *     and are not counted as collected (bpo-38379); weak references the finalizers made
 *     to what is still garbage are cleared as in step 7 (gh-91636)
 *  10 clear the rest through their types' clear hooks, then free those no longer
 *     referenced (a dying garbage object waits for this, rather than being freed under
 *     the clears); any still referenced survive into the older generation
 *
 * Guarantees
 * - No allocation, and no recursion whose depth depends on the data: every pass walks
 *   lists; traversal visits one object's references at a time.
 * - A young collection costs O(young objects + their references), not O(heap).
 * - Collections run only at safe points: never inside an interrupt handler or with
 *   interrupts masked. A threshold crossed there only marks a collection as due;
 *   rp_gc_poll() (the application's main loop, or the next allocation of a GC object in thread
 *   mode; a plain rp_malloc runs none)
 *   runs it.
 * - Automatic collection as CPython 3.11: count0 = tracked allocations - deallocations
 *   against threshold 0; collections of generation n counted against threshold n+1;
 *   a full collection only once long-lived pending objects exceed 25 % of long-lived.
 *   With RP_CFG_GC_INCREMENTAL, in bounded steps instead ("Incremental collection" below).
 * - With RP_CFG_GC_LINK16, an object with a count above 65535 is treated as referenced
 *   from outside (the 16-bit link counts the inside references modulo 65536).
 *   Conservative, never unsafe.
 *
 * Interrupts: thread mode only. A collection runs with interrupts enabled (only the
 * allocator calls it makes mask them, briefly), so handlers that allocate run during it;
 * it never runs in a handler. rp_gc_collect and rp_gc_poll called from a handler or with
 * interrupts masked do nothing (collect returns 0); an allocation there that crosses the
 * threshold only marks the collection as due. Debug builds report a call from a handler
 * (rp_port_in_handler; the call's name and the object's address) and refuse it at the
 * entry of rp_gc_track, rp_gc_untrack, rp_gc_get_objects, rp_gc_get_referrers,
 * rp_gc_get_referents, rp_gc_freeze, rp_gc_unfreeze, rp_gc_garbage,
 * rp_gc_garbage_clear, rp_gc_callback_add and rp_gc_callback_remove; the getters of one
 * value (rp_gc_isenabled, rp_gc_get_count, rp_gc_is_due, ...) are not checked.
 * rp_gc_check and rp_check_all: thread mode; rp_check_all's heap and trace checks hold
 * interrupts off for their walks (rp_heap.h), so handlers may allocate meanwhile.
 *
 * Re-entrancy: what code the collector runs may do
 * - gc callbacks run at the start and the end of every collection; finalizers run at step
 *   8 of a collection, or when a count reaches zero. Both may allocate, free (drop
 *   references), create and drop weak references and finalize objects, and call any
 *   function of this header (test_gc: test_reentrancy_gc_callback, _finalizer).
 * - Inside a collection (its callbacks, finalizers, weak-reference callbacks) rp_gc_collect
 *   does nothing and returns 0, as CPython's gc.collect does there; an allocation that
 *   crosses threshold 0 starts no collection, and one that fails runs no emergency
 *   collection (it returns NULL). Outside one — a finalizer run by a count reaching
 *   zero — rp_gc_collect collects.
 * - Deliberate difference: inside a deallocation (a finalizer or weak-reference callback
 *   run by a count reaching zero), an object whose count reaches zero waits on the refzero
 *   queue and is freed, its weak references cleared, once the running deallocation
 *   returns to its loop, not before the call that dropped it returns (CPython: at once);
 *   and past RP_CFG_FREE_BUDGET objects, later (bounded frees, below).
 * - Deliberate difference: the finalizer of an untracked object (CPython's non-GC object)
 *   runs once, as any other's (FINALIZED is a header bit); CPython runs a non-GC object's
 *   __del__ again each time it is resurrected and dies.
 */
#ifndef RP_GC_H
#define RP_GC_H

#include <stddef.h>
#include <stdint.h>
#include "rp_heap.h"
#include "rp_object.h"

#define RP_GC_GENERATIONS 3

enum rp_gc_debug {
    RP_GC_DEBUG_STATS = 1,
    RP_GC_DEBUG_COLLECTABLE = 2,
    RP_GC_DEBUG_UNCOLLECTABLE = 4,
    RP_GC_DEBUG_SAVEALL = 32,
    RP_GC_DEBUG_LEAK = RP_GC_DEBUG_COLLECTABLE | RP_GC_DEBUG_UNCOLLECTABLE | RP_GC_DEBUG_SAVEALL,
};

enum rp_gc_phase { RP_GC_START = 0, RP_GC_STOP = 1 };

typedef struct rp_gc_gen_stats {
    uint32_t collections;
    uint32_t collected;
    uint32_t uncollectable;
} rp_gc_gen_stats_t;

typedef struct rp_gc_stats {
    rp_gc_gen_stats_t gen[RP_GC_GENERATIONS];
    uint32_t longest_pause;   /* in rp_port_cycles() units */
    uint32_t longest_pause_generation;
    uint32_t total_pause;     /* of every collection, in rp_port_cycles() units (wraps) */
} rp_gc_stats_t;

typedef void (*rp_gc_callback_t)(enum rp_gc_phase phase, int generation, uint32_t collected,
                                 uint32_t uncollectable, void *arg);

/* gc.enable/disable/isenabled: automatic collection on or off. O(1); these, the getters
 * of one value here (get_count, get_threshold, get_stats, get_debug, is_tracked,
 * is_finalized, is_due) and the setters (set_threshold, set_debug, set_oom_hook) are
 * O(1) and may be called from any context (a setter from a handler races with thread
 * mode's reads of the value, no worse). */
void rp_gc_enable(void);
void rp_gc_disable(void);
int rp_gc_isenabled(void);

/* Collects generations 0..generation (2 = full). Returns collected + uncollectable:
 * garbage freed (objects a finalizer resurrected are not counted) plus objects kept by
 * legacy finalizers. Does nothing and returns 0 inside an interrupt handler or a running
 * collection (CPython's nested gc.collect returns 0), and for a generation outside 0..2
 * (differs from CPython: no ValueError):
 * so 0 means "nothing found" or "refused" alike: rp_gc_try_collect tells them apart.
 * O(objects in generations 0..generation). Thread mode. */
uint32_t rp_gc_collect(int generation);
/* rp_gc_collect that says why it did nothing: RP_E_OK with *found (may be NULL) as
 * rp_gc_collect returns; RP_E_REFUSED inside a collection or an interrupt handler;
 * RP_E_ARG for a generation outside 0..2. Not in CPython's gc. */
rp_err_t rp_gc_try_collect(int generation, uint32_t *found);

void rp_gc_get_count(uint32_t count[RP_GC_GENERATIONS]);
void rp_gc_get_threshold(uint32_t threshold[RP_GC_GENERATIONS]);
/* Threshold 0 for generation 0 disables automatic collection. */
void rp_gc_set_threshold(uint32_t t0, uint32_t t1, uint32_t t2);
void rp_gc_get_stats(rp_gc_stats_t *out);
/* Prints the state per generation (count, threshold, collections, collected,
 * uncollectable), then the collections, the longest and total pause, the frozen count,
 * gc.garbage's length and whether collection is enabled, through rp_printf
 * (core/object/gc_print.c). O(generations); allocates nothing. Thread mode. */
void rp_gc_print_stats(void);

/* The buffer APIs below (and rp_gc_garbage) put borrowed references into buf, at most
 * cap, and return how many they wrote; *total (unless total is NULL) receives how many
 * there are, which may exceed cap. buf NULL is taken as cap 0: (NULL, 0, &n) counts. */

/* Objects tracked in `generation` (-1: all, permanent included). O(objects). A generation
 * outside -1..2 gives 0 (CPython raises ValueError). */
size_t rp_gc_get_objects(int generation, rp_obj_t **buf, size_t cap, size_t *total);
/* Tracked objects that refer to target. O(tracked objects and their references). */
size_t rp_gc_get_referrers(rp_obj_t *target, rp_obj_t **buf, size_t cap, size_t *total);
/* Objects o refers to, through its type's traverse. O(o's references), plus its traverse
 * hook. Thread mode. */
size_t rp_gc_get_referents(rp_obj_t *o, rp_obj_t **buf, size_t cap, size_t *total);

int rp_gc_is_tracked(const rp_obj_t *o);
int rp_gc_is_finalized(const rp_obj_t *o);
/* Put a GC object on generation 0 / take it off. O(1). Idempotent. */
void rp_gc_track(rp_obj_t *o);
void rp_gc_untrack(rp_obj_t *o);

/* gc.freeze: every tracked object moves to the permanent generation, ignored by
 * collections until rp_gc_unfreeze moves them back to the oldest generation. O(tracked
 * objects) (their generation bits are rewritten), and with an incremental cycle running,
 * ending it first (rp_gc.h, "Incremental collection"). rp_gc_get_freeze_count:
 * O(frozen objects). Thread mode. */
void rp_gc_freeze(void);
void rp_gc_unfreeze(void);
uint32_t rp_gc_get_freeze_count(void);

/* gc.garbage: uncollectable objects that have legacy finalizers (what they keep alive
 * stays tracked in the oldest generation, not listed), and with RP_GC_DEBUG_SAVEALL every
 * unreachable object. The list owns a reference to each. Written into buf as the buffer
 * APIs above. */
size_t rp_gc_garbage(rp_obj_t **buf, size_t cap, size_t *total);   /* O(its length) */
/* Drops gc.garbage's references (gc.garbage.clear()): O(its length), plus the
 * deallocations that may follow (bounded frees). Thread mode. */
void rp_gc_garbage_clear(void);

/* gc.callbacks. Up to RP_GC_MAX_CALLBACKS; returns 0 on success, -1 when full (add) or
 * not registered (remove). O(RP_GC_MAX_CALLBACKS). Thread mode. */
#define RP_GC_MAX_CALLBACKS 4
int rp_gc_callback_add(rp_gc_callback_t cb, void *arg);
int rp_gc_callback_remove(rp_gc_callback_t cb, void *arg);

void rp_gc_set_debug(unsigned flags);
unsigned rp_gc_get_debug(void);

/* Runs a collection marked as due, if any, then up to RP_CFG_FREE_BUDGET pending frees
 * (below); call from thread mode (main loop). The frees are skipped in an interrupt
 * handler, with interrupts masked, and inside a running deallocation (which drains them
 * itself). Cost: the due collection (a whole one, O(objects of its generations); with
 * RP_CFG_GC_INCREMENTAL one step, O(RP_CFG_GC_STEP_BUDGET)) plus O(RP_CFG_FREE_BUDGET)
 * frees, plus the finalizers and callbacks they run. */
void rp_gc_poll(void);

/*
 * Bounded frees. A DECREF that takes a count to zero destroys at most RP_CFG_FREE_BUDGET
 * objects (rp_config.h; 0 = no limit): the one that died, then, oldest first, those that
 * die with it (the objects it held, the objects they held, ...). The GC objects still to
 * destroy wait on the refzero queue with their count at 0: no reference reaches them, so
 * nothing can tell them from freed objects except memory (their weak references already
 * read NULL, rp_weakref.h). They are destroyed, in the same order and with the same
 * finalizer and weak-reference semantics as an unbounded cascade (each object: finalizer,
 * weak references cleared and their callbacks, clear, release), by
 *   - each later object allocation: RP_CFG_FREE_PER_ALLOC of them;
 *   - rp_gc_poll (RP_CFG_FREE_BUDGET), rp_gc_step and rp_gc_free_pending (a budget);
 *   - rp_gc_collect (all of them, before it collects: what they kept alive is then
 *     collectable, as after CPython's gc.collect());
 *   - an allocation that fails: all of them, before the emergency collection.
 * Bound: the objects destroyed, times the cost of one (181 instructions for a one-slot
 * object of a chain, 272 for a node of a binary tree, on the Cortex-M3 at -O2:
 * tools/bench/run-rt-bench.sh), plus what their own code takes: finalizers,
 * weak-reference callbacks, and a container's clear, which drops all its items at once
 * (the non-GC ones, strings and ints, are freed right there and counted after the fact).
 * Differs from CPython: its deallocation is unbounded (the trashcan only bounds its stack),
 * so memory comes back at once; here a drop can leave memory pending until one of the
 * calls above. A collection does not look at the queue: the objects a pending one holds
 * count as referenced from outside until it is destroyed (safe: kept, never freed early).
 */

/* Destroys up to `budget` pending objects (0: all), oldest first, counting every object
 * destroyed meanwhile (those the pending ones held included). Returns how many it
 * destroyed. May run finalizers and weak-reference callbacks, so it does nothing (0) in
 * an interrupt handler or with interrupts masked (rp_port_in_interrupt), as every
 * caller of it above. O(budget) plus their code; with budget 0 and deaths a running
 * incremental cycle deferred, that cycle is finished first (O(its snapshot)), not undone,
 * so that calling it every time round a main loop still lets cycles end. CPython has no
 * such call (it never defers a free). */
uint32_t rp_gc_free_pending(uint32_t budget);

/*
 * Incremental collection (RP_CFG_GC_INCREMENTAL 1, rp_config.h; off by default).
 * Automatic collections then run as steps of about RP_CFG_GC_STEP_BUDGET work units (one
 * unit is about 20 instructions on the Cortex-M3). The allocation that would take count 0
 * past min(threshold 0, RP_CFG_GC_STEP_BUDGET / 8 - 1) runs a step, which collects
 * generation 0 whole (if it holds more than RP_CFG_GC_STEP_BUDGET / 8 objects, the oldest
 * that many are promoted unexamined instead) and gives what is left of its budget to a
 * cycle of the older generations, if one runs; while one runs, a step of the cycle's alone
 * comes every sixteenth of a window (17 between young ones), so that a cycle ends soon
 * after it starts and keeps up with young collections that promote everything. A window
 * that frees less than RP_CFG_GC_YOUNG_MIN_YIELD percent (25) of what it examined has the
 * next 2, then 4, up to 64 windows after each such window in a row promoted unexamined
 * (garbage larger than a window, which only the cycle frees, is then examined once
 * rather than twice); a window that frees more, or whose garbage has finalizers, weak
 * references or hooks, brings examination back (rp_gc_step's own young phase examines
 * every window). A cycle of generation 1 starts once young collections promoted
 * threshold 0 x threshold 1 objects; a full one (generations 1 and 2) once threshold 2 cycles ran and what they
 * kept is 25 % of the long-lived objects (CPython's rules, by objects rather than by
 * collections). A cycle runs between the application's own work, over several steps:
 *   - it watches the objects it examines: their INCREF and DECREF still work, through
 *     rp_gc_touch (rp_object.h), which tells the cycle that their count changed;
 *   - it frees only objects whose counts are all explained by references from other
 *     objects it examined and did not change since (Bacon and Rajan's sigma and delta
 *     tests): what the application reaches, whatever it stored or dropped meanwhile, is
 *     never freed; garbage made during a cycle waits for the next one;
 *   - finalizers, weak-reference clearing and callbacks keep the order of a whole
 *     collection (PEP 442); garbage that has any of them, or a clear or traverse hook of
 *     its type, goes through the whole collection's path in one step, as long as that
 *     garbage; plain garbage is freed in steps.
 * Rules for the application: none for stores through refpool's API or by hand with
 * INCREF/DECREF. A reference taken out of an object by hand, its slot cleared and the
 * reference kept without a count of its own (a "steal", as rp_list_pop hands out the
 * list's), must change hands as an INCREF for the new holder and a DECREF for the object:
 * a cycle that counted it in the object would otherwise free what the holder keeps. A
 * borrowed pointer (one whose count the holder did not take) must not be
 * kept across an allocation or any call of this header, as anywhere in refpool (the
 * object may be freed); a cycle reports one it catches being used (rp_report).
 * Differences from whole collections and from CPython:
 *   - an old object whose count reaches zero while a cycle watches it is destroyed when
 *     the cycle sorts it, not at once; rp_gc_pending counts it, rp_gc_free_pending(0)
 *     (which finishes the cycle), rp_gc_collect, rp_gc_freeze and an allocation that
 *     fails (which undo it, unless it has decided, and collect whole) end the cycle
 *     first, so nothing waits past them; the getters (rp_gc_get_objects,
 *     rp_gc_get_referrers) do not list it, nor the garbage a cycle has decided on;
 *   - a count that reaches RP_RC_MAX while watched stays there and the object becomes
 *     immortal when the cycle lets it go (unwatched, one more INCREF would have made it
 *     so): kept for ever, never freed early;
 *   - count 0 (rp_gc_get_count) counts the objects of generation 0, not allocations
 *     less deallocations of all generations: an object counts once it is there, so after
 *     a collection its allocation ran count 0 is 1 (CPython's is 0);
 *   - memory: garbage floats until a cycle ends: W2-target, which fits 256 KiB with
 *     whole collections, needs emergency collections there (docs/gc.md);
 *   - with RP_CFG_GC_LINK16 the heap must end within 128 KiB of its start (marks share
 *     the 16-bit prev link), else collections run whole.
 * Costs (tools/bench/run-rt-bench.sh): a step 20,000 instructions at most on W2-target
 * and W3 on the M3 at -O2 (docs/gc.md, "Incremental collection"), besides finalizers,
 * callbacks and the deallocations (RP_CFG_FREE_BUDGET) they set off, and besides garbage
 * that needs the whole path (above). Interrupts: as every collection, thread mode only.
 */

/* 1 if automatic collections run in steps (RP_CFG_GC_INCREMENTAL, and links that leave
 * room for the marks: with RP_CFG_GC_LINK16 a heap ending within 128 KiB of its start),
 * 0 if they run whole. Valid once rp_objects_init returned. O(1), any context. Not in
 * CPython's gc. */
int rp_gc_is_incremental(void);

/* A bounded step of collector work, for a main loop with a deadline: the pending frees,
 * up to `budget` objects, then up to `budget` work units of a collection cycle, which it
 * starts if none runs (generation 0 first, then the full cycle): so, from nothing running,
 * `while (rp_gc_step(b)) {}` ends a cycle that frees every object that was garbage when it
 * began (twice in a row: every object garbage before the first). `budget` 0: all of it.
 * Returns 0 when nothing is left to do (no frees pending, no cycle running), nonzero
 * otherwise. O(budget) besides finalizers and callbacks and the deallocations they set
 * off (a young collection of generation 0 larger than a window promotes instead). Without RP_CFG_GC_INCREMENTAL (or with 16-bit links past 128 KiB), only
 * the pending frees. Does nothing in an interrupt handler, with interrupts masked, or
 * inside a collection or a deallocation. Named after Lua's collectgarbage("step");
 * CPython has no such call. */
uint32_t rp_gc_step(uint32_t budget);

/* Objects waiting to be freed: on the refzero queue (0 with RP_CFG_FREE_BUDGET 0, and
 * after a drain), and deaths a running incremental cycle deferred. O(1); with bytes, the
 * bytes of their own blocks (not what they keep alive): O(pending), and O(the cycle's
 * snapshot) while it deferred any. Thread mode. */
uint32_t rp_gc_pending(size_t *bytes);
/* 1 if a collection is due (threshold crossed where collecting was not allowed). */
int rp_gc_is_due(void);

/* Called on allocation failure before the emergency collection, to free caches. */
void rp_gc_set_oom_hook(void (*hook)(size_t request));

/* Verifies the collector's invariants (see core/gc.c): every list well linked, every
 * object on the list of its generation, counts equal to list lengths, no scratch flag
 * left set between collections. Returns the first violation. O(tracked objects). */
rp_fault_t rp_gc_check(void);

/* Every checker: the heap (rp_heap_check), the collector (rp_gc_check), the weak
 * references (rp_weakref_check) and the trace records (rp_trace_check), in that order;
 * the first violation. O(heap). */
rp_fault_t rp_check_all(void);

#endif
