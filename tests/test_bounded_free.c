/*
 * test_bounded_free.c — bounded frees (rp_gc.h, "Bounded frees"): a DECREF destroys at
 * most RP_CFG_FREE_BUDGET objects; the rest wait on the refzero queue and are destroyed
 * by later allocations, rp_gc_step, rp_gc_poll, rp_gc_collect and an allocation that
 * would fail, in the order and with the semantics of an unbounded cascade.
 */
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_port.h"
#include "rp_test.h"
#include "rp_weakref.h"

static uint8_t RP_TYPE_NUMBER(link);
static const char *const link_names[] = {"next"};
static const rp_type_t link_type = {
    .name = "Link", .number = &link_number, .slot_names = link_names, .nslots = 1, .flags = RP_TYPE_GC,
};

/* Finalizer order: node i (its number in its raw bytes) must be the i-th to finalize. */
static uint32_t fin_n, fin_out_of_order;
static void record_finalize(rp_obj_t *o)
{
    fin_out_of_order += *(uint32_t *)rp_raw(o) != fin_n;
    fin_n++;
}
static uint8_t RP_TYPE_NUMBER(finlink);
static const rp_type_t finlink_type = {
    .name = "FinLink", .number = &finlink_number, .slot_names = link_names, .nslots = 1, .nbytes = 4,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF, .finalize = record_finalize,
};

static void fresh(void) { rp_test_fresh_objects(); }

/* Links that fit half the board's heap (each at most 32 bytes), at most 100,000
 * (the chain), at least 16. */
static uint32_t chain_len(size_t per_link)
{
    size_t mem;
    (void)rp_test_memory(&mem);
    size_t n = mem / 2u / per_link;
    return n > 100000u ? 100000u : n < 16u ? 16u : (uint32_t)n;
}

/* A chain of n objects of t, head -> ... -> tail; numbered 0.. if t has raw bytes. The
 * caller owns the one reference to the head. */
static rp_obj_t *chain(const rp_type_t *t, uint32_t n)
{
    rp_obj_t *head = rp_new(t), *tail = head;
    if (head && t->nbytes)
        *(uint32_t *)rp_raw(head) = 0;
    for (uint32_t i = 1; i < n && tail; i++) {
        rp_obj_t *next = rp_new(t);
        if (!next)
            break;
        if (t->nbytes)
            *(uint32_t *)rp_raw(next) = i;
        rp_slot_set(tail, 0, next);
        RP_DECREF(next);
        tail = next;
    }
    return head;
}

/* The case: a 100,000-node chain (scaled to the heap) dropped with one DECREF
 * frees at most the budget in that call; steps of `budget` free at most that many each,
 * and together the rest. */
static void test_chain_drop_frees_at_most_the_budget(void)
{
    fresh();
    rp_gc_disable();
    uint32_t n = chain_len(32), before = rp_test_blocks();
    rp_obj_t *head = chain(&link_type, n);
    RP_CHECK(head != 0);
    RP_CHECK_EQ(rp_test_blocks(), before + n);
    RP_DECREF(head);
    uint32_t freed = before + n - rp_test_blocks();
    if (RP_CFG_FREE_BUDGET == 0 || n <= RP_CFG_FREE_BUDGET) {
        RP_CHECK_EQ(freed, n);
        RP_CHECK_EQ(rp_gc_pending(0), 0);
    } else {
        RP_CHECK_EQ(freed, RP_CFG_FREE_BUDGET);   /* a chain: exactly the budget, no more */
        RP_CHECK_EQ(rp_gc_pending(0), 1);         /* the next node, holding the rest */
    }
    RP_ALL_OK();   /* every checker holds with frees pending */
    uint32_t steps = 0;
    while (rp_gc_pending(0)) {
        uint32_t b = rp_test_blocks();
        rp_gc_step(7);
        RP_CHECK(b - rp_test_blocks() <= 7u);
        RP_CHECK(b - rp_test_blocks() >= 1u);
        if (++steps > n)
            break;
    }
    RP_CHECK_EQ(rp_test_blocks(), before);
    RP_CHECK_EQ(rp_gc_step(0), 0);
    rp_printf("  chain of %u: %u freed by the DECREF, the rest in %u steps of 7\n", (unsigned)n, (unsigned)freed,
              (unsigned)steps);
    rp_gc_enable();
    RP_ALL_BACK();
}

/* Later object allocations free the pending objects, RP_CFG_FREE_PER_ALLOC each. */
static void test_allocations_free_pending(void)
{
    fresh();
    rp_gc_disable();
    uint32_t n = chain_len(32), before = rp_test_blocks();
    RP_DECREF(chain(&link_type, n));
    uint32_t allocs = 0;
    while (rp_gc_pending(0) && allocs <= n) {
        uint32_t b = rp_test_blocks();
        rp_obj_t *o = rp_new(&link_type);
        RP_CHECK(o != 0);
        allocs++;
        /* one block more, at most RP_CFG_FREE_PER_ALLOC fewer */
        RP_CHECK(b + 1u - rp_test_blocks() <= RP_CFG_FREE_PER_ALLOC);
        RP_XDECREF(o);
    }
    RP_CHECK_EQ(rp_gc_pending(0), 0);
    RP_CHECK_EQ(rp_test_blocks(), before);
    rp_gc_enable();
    RP_ALL_BACK();
}

/* rp_gc_poll frees at most the budget per call. */
static void test_poll_frees_a_budget(void)
{
    fresh();
    rp_gc_disable();
    uint32_t n = chain_len(32), before = rp_test_blocks();
    RP_DECREF(chain(&link_type, n));
    uint32_t polls = 0;
    while (rp_gc_pending(0) && polls <= n) {
        uint32_t b = rp_test_blocks();
        rp_gc_poll();
        polls++;
        RP_CHECK(RP_CFG_FREE_BUDGET == 0 || b - rp_test_blocks() <= RP_CFG_FREE_BUDGET);
    }
    RP_CHECK_EQ(rp_test_blocks(), before);
    rp_gc_enable();
    RP_ALL_BACK();
}

/* Queue depth and the bytes of the pending objects' own blocks are observable. */
static void test_pending_is_observable(void)
{
    fresh();
    rp_gc_disable();
    uint32_t n = chain_len(32);
    rp_obj_t *a = chain(&link_type, n), *b = chain(&link_type, n);
    size_t one = rp_sys_getsizeof(a);
    RP_DECREF(a);
    RP_DECREF(b);   /* b's cascade takes a's pending node first (oldest first) */
    size_t bytes = 1234;
    uint32_t k = rp_gc_pending(&bytes);
    if (RP_CFG_FREE_BUDGET && 2u * n > 2u * RP_CFG_FREE_BUDGET) {
        RP_CHECK(k >= 1u);
        RP_CHECK(bytes >= k * one);
    }
    RP_CHECK_EQ(rp_gc_free_pending(0) > 0, k > 0);
    RP_CHECK_EQ(rp_gc_pending(&bytes), 0);
    RP_CHECK_EQ(bytes, 0);
    rp_gc_enable();
    RP_ALL_BACK();
}

/* An allocation that would fail frees the pending objects first, before the emergency
 * collection: the OOM hook (which runs right before that collection) sees none left,
 * and the allocation succeeds. */
static uint32_t hook_calls, pending_in_hook;
static void oom_hook(size_t request)
{
    (void)request;
    hook_calls++;
    pending_in_hook += rp_gc_pending(0);
}

static void test_failing_allocation_drains_first(void)
{
    fresh();
    rp_gc_disable();
    rp_heap_stats_t s0, s1;
    rp_heap_stats(&s0);
    /* Fill the heap with one chain (the emergency collection finds nothing: all live). */
    rp_obj_t *head = rp_new(&link_type), *tail = head;
    uint32_t n = 1;
    for (;;) {
        rp_obj_t *next = rp_new(&link_type);
        if (!next)
            break;
        rp_slot_set(tail, 0, next);
        RP_DECREF(next);
        tail = next;
        n++;
    }
    rp_heap_stats(&s1);
    size_t chain_bytes = s0.free_bytes - s1.free_bytes, request = chain_bytes / 2u;
    if (request > 65536u)
        request = 65536u;   /* a chunk any board's heap can hold once the chain is gone */
    hook_calls = pending_in_hook = 0;
    rp_gc_set_oom_hook(oom_hook);
    RP_DECREF(head);
    RP_CHECK(RP_CFG_FREE_BUDGET == 0 || rp_gc_pending(0) > 0);
    void *big = rp_malloc(request);   /* fits only once the chain is gone */
    RP_CHECK(big != 0);
    RP_CHECK(hook_calls >= 1u);                /* it did fail first */
    RP_CHECK_EQ(pending_in_hook, 0);           /* and the queue was drained before the collection */
    RP_CHECK_EQ(rp_gc_pending(0), 0);
    rp_free(big);
    rp_gc_set_oom_hook(0);
    rp_printf("  chain of %u filling the heap (%u B): a %u B allocation after the drop\n", (unsigned)n,
              (unsigned)chain_bytes, (unsigned)request);
    rp_gc_enable();
    RP_ALL_BACK();
}

/* Finalizers run in the order of an unbounded cascade (head first), each once, across
 * steps; weak references read NULL from the moment a count reaches 0, and each callback
 * runs once its referent's weak references are all cleared, in the same order. */
static uint32_t cb_n, cb_out_of_order, cb_live_refs;
static rp_obj_t **refs;
static uint32_t nrefs;
static void on_dead(rp_obj_t *ref, rp_obj_t *arg)
{
    (void)arg;
    cb_out_of_order += cb_n >= nrefs || refs[cb_n] != ref;   /* the i-th callback is node i's */
    cb_n++;
    if (rp_weakref_get(ref) != 0)
        cb_live_refs++;
}

static void test_finalizers_and_callbacks_keep_their_order(void)
{
    fresh();
    rp_gc_disable();
    uint32_t n = chain_len(96);
    refs = rp_malloc(n * sizeof *refs);
    RP_CHECK(refs != 0);
    if (!refs)
        return;
    fin_n = cb_n = cb_live_refs = fin_out_of_order = cb_out_of_order = 0;
    rp_obj_t *head = chain(&finlink_type, n), *o = head;
    nrefs = 0;
    for (; o && nrefs < n; o = rp_slot(o, 0))
        refs[nrefs++] = rp_weakref_new(o, on_dead, 0);
    RP_CHECK_EQ(nrefs, n);
    RP_DECREF(head);
    RP_CHECK(rp_weakref_get(refs[0]) == 0);
    for (uint32_t i = 1; i < n; i++)   /* freed (i < fin_n) or pending (fin_n) read NULL; the rest alive */
        RP_CHECK((rp_weakref_get(refs[i]) == 0) == (i <= fin_n));
    RP_CHECK(RP_CFG_FREE_BUDGET == 0 || fin_n <= RP_CFG_FREE_BUDGET);
    while (rp_gc_step(5))
        ;
    RP_CHECK_EQ(fin_n, n);
    RP_CHECK_EQ(cb_n, n);
    RP_CHECK_EQ(cb_live_refs, 0);
    RP_CHECK_EQ(fin_out_of_order, 0);
    RP_CHECK_EQ(cb_out_of_order, 0);
    for (uint32_t i = 0; i < n; i++)
        RP_DECREF(refs[i]);
    rp_free(refs);
    rp_gc_enable();
    RP_ALL_BACK();
}

/* rp_gc_collect frees what is pending first: a garbage cycle that only a pending object
 * kept alive is collected by the same call, as after CPython's gc.collect(). */
static void test_collect_frees_pending_first(void)
{
    fresh();
    rp_gc_disable();
    uint32_t n = chain_len(32);
    rp_obj_t *head = chain(&link_type, n), *tail = head;
    while (rp_slot(tail, 0))
        tail = rp_slot(tail, 0);
    rp_obj_t *a = rp_new(&link_type), *b = rp_new(&link_type);
    RP_CHECK(a && b);
    rp_slot_set(a, 0, b);
    rp_slot_set(b, 0, a);
    rp_slot_set(tail, 0, a);   /* the chain's tail holds a 2-cycle */
    RP_DECREF(a);
    RP_DECREF(b);
    RP_DECREF(head);
    RP_CHECK_EQ(rp_gc_collect(2), 2);
    RP_CHECK_EQ(rp_gc_pending(0), 0);
    rp_gc_enable();
    RP_ALL_BACK();
}

/* A collection while frees are pending keeps what the pending objects hold: it counts
 * as referenced from outside (never freed early), and is collected once they are gone. */
static void test_young_collection_with_pending_frees(void)
{
    fresh();
    rp_gc_disable();
    uint32_t n = chain_len(32);
    rp_obj_t *head = chain(&link_type, n);
    RP_DECREF(head);
    uint32_t pending = rp_gc_pending(0), b = rp_test_blocks();
    rp_obj_t *x = rp_new(&link_type);   /* frees a few pending, too */
    RP_CHECK(x != 0);
    rp_gc_enable();
    rp_gc_set_threshold(1, 10, 10);
    rp_obj_t *y = rp_new(&link_type);   /* an automatic young collection, frees pending */
    RP_CHECK(y != 0);
    rp_gc_set_threshold(700, 10, 10);
    RP_ALL_OK();
    RP_CHECK(pending == 0 || rp_test_blocks() + 2u <= b);   /* two made, four freed at least */
    RP_XDECREF(x);
    RP_XDECREF(y);
    RP_ALL_BACK();
}

/* Pending frees run finalizers and callbacks: never in an interrupt handler or with
 * interrupts masked (rp_port_in_interrupt), whichever call asks; back in thread mode
 * they go on. */
static void test_pending_frees_wait_outside_interrupts(void)
{
    fresh();
    rp_gc_disable();
    uint32_t n = chain_len(32), before = rp_test_blocks();
    RP_DECREF(chain(&link_type, n));
    uint32_t pending = rp_gc_pending(0), b = rp_test_blocks();
    rp_critical_t t = rp_port_critical_enter();
    RP_CHECK_EQ(rp_gc_free_pending(0), 0);
    RP_CHECK_EQ(rp_gc_step(0), pending);
    rp_gc_poll();
    rp_obj_t *o = rp_new(&link_type);
    uint32_t inside = rp_test_blocks();
    rp_port_critical_exit(t);
    RP_CHECK_EQ(inside, b + (o ? 1u : 0u));   /* nothing freed in there */
    RP_XDECREF(o);
    RP_CHECK_EQ(rp_gc_step(0), 0);
    RP_CHECK_EQ(rp_test_blocks(), before);
    rp_gc_enable();
    RP_ALL_BACK();
}

int main(void)
{
    rp_test_begin("test_bounded_free");
    rp_printf("RP_CFG_FREE_BUDGET %u, RP_CFG_FREE_PER_ALLOC %u\n", (unsigned)RP_CFG_FREE_BUDGET,
              (unsigned)RP_CFG_FREE_PER_ALLOC);
    RP_RUN(test_chain_drop_frees_at_most_the_budget);
    RP_RUN(test_allocations_free_pending);
    RP_RUN(test_poll_frees_a_budget);
    RP_RUN(test_pending_is_observable);
    RP_RUN(test_failing_allocation_drains_first);
    RP_RUN(test_finalizers_and_callbacks_keep_their_order);
    RP_RUN(test_collect_frees_pending_first);
    RP_RUN(test_young_collection_with_pending_frees);
    RP_RUN(test_pending_frees_wait_outside_interrupts);
    return rp_test_end();
}
