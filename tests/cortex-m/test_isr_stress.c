/*
 * test_isr_stress.c — interrupt stress (issue 17): a board timer interrupts at
 * RP_ISR_STRESS_HZ (default 10 kHz) and its handler makes every call the interrupt rules
 * allow (rp_heap.h: rp_malloc, rp_calloc, rp_realloc, rp_free, rp_usable_size) on raw
 * blocks of random sizes, writing a pattern into each and checking it before it frees or
 * moves it, and now and then rp_heap_trim, rp_heap_stats and rp_heap_check (the heap must
 * be whole wherever thread mode was interrupted), while thread mode churns objects (lists, dicts, instances, str and int values,
 * cycles between instances) in the same heap, moves a raw block of its own with rp_realloc
 * (its copy runs unmasked) and gives spare pools back (rp_heap_trim, one window a pool),
 * and runs collections of every generation and every checker.
 *
 * It runs until the handler has made RP_ISR_STRESS_OPS calls (default 10^6) or for
 * RP_ISR_STRESS_SECONDS (default 60) of the board's clock, whichever comes first: both
 * are compile-time options for longer runs by hand. It prints
 *   RT isr_ops N         calls the handler made
 *   RT isr_violations N  checker faults (during the run and after) + pattern mismatches
 * and fails on any violation, or if the handler made fewer than RP_ISR_STRESS_MIN_OPS.
 *
 * The timer: CMSDK APB TIMER0 (mps2-an385, mps2-an386: 0x40000000, IRQ 8, counting the
 * 25 MHz peripheral clock down from RELOAD) or the nRF51's TIMER0 (microbit: 0x40008000,
 * IRQ 8, 16 MHz, COMPARE0 clearing the counter). SysTick stays the port's cycle counter.
 * ctest runs it under QEMU's -icount shift=5 (tests/cortex-m/CMakeLists.txt): the clock
 * the timer and SysTick count advances 32 ns per instruction, so the rate is 10 kHz of
 * that clock exactly (one interrupt per 3,125 instructions) and the run is the same on
 * any host; its seconds are of that clock. Measured (host: 2 loaded cores), both boards
 * reach 10^6 calls in about 40 s of that clock, 15 s of the host's. Without -icount
 * (run-firmware) QEMU delivers the timer at a few kHz of the host's clock.
 */
#include <stddef.h>
#include <stdint.h>
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_port.h"
#include "rp_test.h"
#include "rp_trace.h"

#ifndef RP_ISR_STRESS_OPS
#define RP_ISR_STRESS_OPS 1000000u
#endif
#ifndef RP_ISR_STRESS_SECONDS
#define RP_ISR_STRESS_SECONDS 60u
#endif
#ifndef RP_ISR_STRESS_MIN_OPS
#define RP_ISR_STRESS_MIN_OPS 100000u
#endif
#ifndef RP_ISR_STRESS_HZ
#define RP_ISR_STRESS_HZ 10000u
#endif
#define OPS_PER_IRQ 2u

#define REG(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define NVIC_ISER0 REG(0xE000E100u)
#define NVIC_ICER0 REG(0xE000E180u)
#define NVIC_ICPR0 REG(0xE000E280u)

#if defined(ISR_TIMER_CMSDK)
#define TIMER_CLOCK_HZ 25000000u
#define T_CTRL REG(ISR_TIMER_CMSDK + 0x000u)
#define T_VALUE REG(ISR_TIMER_CMSDK + 0x004u)
#define T_RELOAD REG(ISR_TIMER_CMSDK + 0x008u)
#define T_INTCLEAR REG(ISR_TIMER_CMSDK + 0x00Cu)
static void timer_start(void)
{
    T_RELOAD = TIMER_CLOCK_HZ / RP_ISR_STRESS_HZ - 1u;
    T_VALUE = TIMER_CLOCK_HZ / RP_ISR_STRESS_HZ - 1u;
    T_INTCLEAR = 1u;
    T_CTRL = 1u | 8u;   /* enable, interrupt enable */
}
static void timer_stop(void) { T_CTRL = 0; }
static void timer_ack(void) { T_INTCLEAR = 1u; }
#elif defined(ISR_TIMER_NRF51)
#define TIMER_CLOCK_HZ 16000000u
#define T_START REG(ISR_TIMER_NRF51 + 0x000u)
#define T_STOP REG(ISR_TIMER_NRF51 + 0x004u)
#define T_CLEAR REG(ISR_TIMER_NRF51 + 0x00Cu)
#define T_COMPARE0 REG(ISR_TIMER_NRF51 + 0x140u)
#define T_SHORTS REG(ISR_TIMER_NRF51 + 0x200u)
#define T_INTENSET REG(ISR_TIMER_NRF51 + 0x304u)
#define T_INTENCLR REG(ISR_TIMER_NRF51 + 0x308u)
#define T_MODE REG(ISR_TIMER_NRF51 + 0x504u)
#define T_BITMODE REG(ISR_TIMER_NRF51 + 0x508u)
#define T_PRESCALER REG(ISR_TIMER_NRF51 + 0x510u)
#define T_CC0 REG(ISR_TIMER_NRF51 + 0x540u)
static void timer_start(void)
{
    T_MODE = 0;        /* timer */
    T_BITMODE = 3;     /* 32 bits */
    T_PRESCALER = 0;   /* 16 MHz */
    T_CC0 = TIMER_CLOCK_HZ / RP_ISR_STRESS_HZ;
    T_SHORTS = 1u;     /* COMPARE0 clears the counter */
    T_COMPARE0 = 0;
    T_INTENSET = 1u << 16;
    T_CLEAR = 1u;
    T_START = 1u;
}
static void timer_stop(void)
{
    T_STOP = 1u;
    T_INTENCLR = 1u << 16;
}
static void timer_ack(void) { T_COMPARE0 = 0; }
#else
#error "test_isr_stress needs ISR_TIMER_CMSDK or ISR_TIMER_NRF51 (tests/cortex-m/CMakeLists.txt)"
#endif

/* The timer's interrupt (IRQ 8 on both boards) on, from a clean pending state; and off,
 * with nothing left pending. */
static void interrupts_on(void)
{
    timer_start();
    NVIC_ICPR0 = 1u << 8;
    NVIC_ISER0 = 1u << 8;
}
static void interrupts_off(void)
{
    NVIC_ICER0 = 1u << 8;
    timer_stop();
    NVIC_ICPR0 = 1u << 8;
}

/* ---- the handler's side: raw blocks with patterns ---- */

#if RP_CFG_CHUNK_MAX_LOG2 <= 14
#define SLOTS 8u            /* microbit: 8 KiB of heap shared with thread mode */
#define MAX_SIZE 96u
#else
#define SLOTS 32u
#define MAX_SIZE 300u
#endif

typedef struct slot {
    uint8_t *p;
    uint16_t size;
    uint8_t seed;
} slot_t;

static slot_t slots[SLOTS];

/* The handler's blocks back, unchecked (the trace tests check the records instead). */
static void free_slots(void)
{
    for (unsigned i = 0; i < SLOTS; i++) {
        if (slots[i].p)
            rp_free(slots[i].p);
        slots[i].p = 0;
    }
}
static uint32_t isr_rng = 0x9E3779B9u;
static volatile uint32_t isr_ops, isr_mismatches, isr_nulls, isr_irqs;
static volatile int isr_done;

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + 7u * i);
}

static int holds(const uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(seed + 7u * i))
            return 0;
    return 1;
}

/* Mostly pool sizes, one in four a chunk (above RP_CFG_SMALL_MAX), and some 0. */
static size_t random_size(uint32_t r)
{
    if ((r & 3u) == 0)
        return RP_CFG_SMALL_MAX + 1u + (r >> 8) % (MAX_SIZE - RP_CFG_SMALL_MAX);
    return (r >> 8) % (RP_CFG_SMALL_MAX + 1u);
}

static void isr_op(void)
{
    uint32_t r = rp_rand_next(&isr_rng);
    slot_t *s = &slots[(r >> 2) % SLOTS];
    size_t n = random_size(rp_rand_next(&isr_rng));
    uint8_t seed = (uint8_t)(r >> 24);
    if (!s->p) {
        uint8_t *p = (r & 0x10000u) ? rp_calloc(1, n) : rp_malloc(n);
        isr_ops++;
        if (!p) {
            isr_nulls++;
            return;
        }
        for (size_t i = 0; (r & 0x10000u) && i < n; i++)   /* calloc's zeros */
            isr_mismatches += p[i] != 0;
        if (rp_usable_size(p) < n)
            isr_mismatches++;
        isr_ops++;
        fill(p, n, seed);
        s->p = p;
        s->size = (uint16_t)n;
        s->seed = seed;
        return;
    }
    if (!holds(s->p, s->size, s->seed))
        isr_mismatches++;
    if (r & 0x20000u) {
        uint8_t *q = rp_realloc(s->p, n);
        isr_ops++;
        if (!q) {   /* the old block stays valid and keeps its pattern */
            isr_nulls++;
            return;
        }
        size_t keep = n < s->size ? n : s->size;
        if (!holds(q, keep, s->seed))
            isr_mismatches++;
        fill(q, n, seed);
        s->p = q;
        s->size = (uint16_t)n;
        s->seed = seed;
        return;
    }
    rp_free(s->p);
    isr_ops++;
    s->p = 0;
}

/* The tracing getters the interrupt rules allow (rp_trace.h), made by the handler while
 * test_isr_trace_peak runs: the traced memory, current <= peak from one call, and a reset
 * of the peak every 16th interrupt. */
static volatile int isr_trace_getters;
static volatile uint32_t isr_trace_reads, isr_trace_bad;

static void isr_trace_getter_calls(void)
{
    size_t cur, pk;
    rp_trace_get_traced_memory(&cur, &pk);
    isr_trace_reads++;
    isr_trace_bad += cur > pk;
    if ((isr_irqs & 15u) == 0)
        rp_trace_reset_peak();
}

/* The rest of rp_heap.h's calls a handler may make, now and then: rp_heap_trim (one
 * window a spare pool), and rp_heap_stats and rp_heap_check, which mask for their whole
 * walk. The check runs wherever thread mode was interrupted, between any two of its
 * masked windows (a realloc's copy, a release of spares, a collection, a snapshot): the
 * heap must be whole at every such point. */
static volatile uint32_t isr_heap_checks, isr_heap_faults;

static void isr_heap_calls(void)
{
    if ((isr_irqs & 63u) == 0)
        rp_heap_trim();
    if ((isr_irqs & 1023u) != 512u)
        return;
    rp_heap_stats_t st;
    rp_heap_stats(&st);
    rp_fault_t f = rp_heap_check();
    isr_heap_checks++;
    isr_heap_faults += f.rule != 0 || st.blocks_in_use == 0;
}

/* The timer's interrupt (IRQ 8 on both boards) and any other: this test enables none. */
void rp_irq_handler(void);
void rp_irq_handler(void)
{
    timer_ack();
    isr_irqs++;
    if (isr_done)
        return;
    for (unsigned i = 0; i < OPS_PER_IRQ; i++)
        isr_op();
    isr_heap_calls();
    if (isr_trace_getters)
        isr_trace_getter_calls();
    if (isr_ops >= RP_ISR_STRESS_OPS)
        isr_done = 1;
}

/* ---- thread mode: objects, collections, checkers ---- */

#define KEEP 16u
static rp_obj_t *keep[KEEP];
static uint32_t check_faults;

static void check_now(const char *when)
{
    rp_fault_t f = rp_check_all();
    if (!f.rule)
        return;
    if (check_faults++ < 4u)
        rp_printf("FAIL checker %s: %s at %p\n", when, f.rule, f.addr);
}

static void keep_one(uint32_t r, rp_obj_t *o)
{
    if (!o)
        return;
    unsigned k = r % KEEP;
    RP_XDECREF(keep[k]);
    keep[k] = o;
}

/* One round of garbage: a list of ints and strs in a dict, a pair of instances that
 * refer to each other (a cycle only the collector frees) and hold the dict; some of it
 * is kept for a while in `keep`, the rest dropped. Allocation failures (the handler's
 * blocks take room too) are tolerated: every call takes NULL. */
static void churn(uint32_t *rng)
{
    uint32_t r = rp_rand_next(rng);
    rp_obj_t *l = rp_list_new();
    unsigned n = 1u + r % 6u;
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *v = (i & 1u) ? rp_str_from_cstr("isr-stress") : rp_int_from_i64((int64_t)rp_rand_next(rng) << 8);
        rp_list_append(l, v);
        RP_XDECREF(v);
    }
    rp_obj_t *d = rp_dict_new();
    rp_dict_set_cstr(d, "items", l);
    rp_obj_t *a = rp_instance_new(), *b = rp_instance_new();
    rp_setattr(a, "peer", b);
    rp_setattr(b, "peer", a);
    rp_setattr(a, "data", d);
    if (r & 0x100u) {
        RP_XINCREF(a);
        keep_one(r >> 9, a);
    }
    if (r & 0x200u) {
        RP_XINCREF(l);
        keep_one(r >> 13, l);
    }
    RP_XDECREF(a);
    RP_XDECREF(b);
    RP_XDECREF(d);
    RP_XDECREF(l);
}

/* Thread mode's own raw block, moved by rp_realloc to sizes that make its copy long, and
 * rp_heap_trim: both leave the critical section partway (the copy runs unmasked, the
 * spares go back one a window), so the handler runs inside them. The block keeps its
 * pattern through every move. */
#if RP_CFG_CHUNK_MAX_LOG2 <= 14
#define THREAD_RAW_MAX 512u
#else
#define THREAD_RAW_MAX 4096u
#endif
static slot_t thread_raw;
static uint32_t thread_mismatches;

static void thread_raw_op(uint32_t r)
{
    size_t n = 1u + (r >> 4) % THREAD_RAW_MAX;
    uint8_t *q = rp_realloc(thread_raw.p, n);   /* NULL p: a malloc */
    if (!q)
        return;   /* refused: the old block stays, pattern and all */
    size_t kept = !thread_raw.p ? 0 : n < thread_raw.size ? n : thread_raw.size;
    thread_mismatches += !holds(q, kept, thread_raw.seed);
    thread_raw.seed = (uint8_t)r;
    fill(q, n, thread_raw.seed);
    thread_raw.p = q;
    thread_raw.size = (uint16_t)n;
    if ((r & 15u) == 0)
        rp_heap_trim();
}

static void test_isr_stress(void)
{
    rp_test_fresh_objects();
    rp_gc_set_threshold(50, 5, 5);
    uint32_t rng = 12345u, rounds = 0;
    uint64_t elapsed = 0, limit = (uint64_t)RP_ISR_STRESS_SECONDS * RP_BOARD_CPU_HZ;
    uint32_t last = rp_port_cycles();

    interrupts_on();
    while (!isr_done && elapsed < limit) {
        churn(&rng);
        thread_raw_op(rp_rand_next(&rng));
        rounds++;
        if (rounds % 64u == 0)
            rp_gc_collect((int)(rp_rand_next(&rng) % 3u));
        if (rounds % 256u == 0)
            check_now("during the run");
        uint32_t now = rp_port_cycles();
        elapsed += now - last;
        last = now;
    }
    interrupts_off();

    /* Everything back: the handler's blocks (checked once more), thread mode's objects. */
    uint32_t mismatches = isr_mismatches + thread_mismatches;
    if (thread_raw.p) {
        mismatches += !holds(thread_raw.p, thread_raw.size, thread_raw.seed);
        rp_free(thread_raw.p);
        thread_raw.p = 0;
    }
    for (unsigned i = 0; i < SLOTS; i++) {
        if (!slots[i].p)
            continue;
        mismatches += !holds(slots[i].p, slots[i].size, slots[i].seed);
        rp_free(slots[i].p);
        slots[i].p = 0;
    }
    for (unsigned i = 0; i < KEEP; i++) {
        RP_XDECREF(keep[i]);
        keep[i] = 0;
    }
    rp_gc_collect(2);
    check_now("after the run");

    uint32_t violations = check_faults + mismatches + isr_heap_faults;
    rp_printf("isr stress: %u interrupts, %u rounds of objects, %u allocations refused, %u heap checks in "
              "the handler (%u failed), %lu ms\n",
              (unsigned)isr_irqs, (unsigned)rounds, (unsigned)isr_nulls, (unsigned)isr_heap_checks,
              (unsigned)isr_heap_faults, (unsigned long)(elapsed / (RP_BOARD_CPU_HZ / 1000u)));
    rp_printf("RT isr_ops %u\n", (unsigned)isr_ops);
    rp_printf("RT isr_violations %u\n", (unsigned)violations);
    RP_CHECK_EQ(violations, 0);
    RP_CHECK(isr_ops >= RP_ISR_STRESS_MIN_OPS);
    RP_CHECK(isr_heap_checks > 0);
    RP_CHECK(rounds > 0);
    RP_ALL_BACK();
}

/* tracemalloc.clear_traces() while handlers allocate: the handler's blocks are traced
 * (rp_trace_start) and the thread clears the table again and again, checking the trace
 * records after each clear. A clear that wipes the table with the tracer attached lets a
 * handler's record land in the part already wiped, where it outlives the count the clear
 * resets: "trace record count disagrees with the table". Before the fix (trace.c,
 * rp_trace_clear_traces) 241 of the 300 checks failed so on mps2-an385. */
static void test_isr_trace_clear(void)
{
    rp_test_fresh_objects();
    if (rp_trace_start(1) != RP_E_OK) {   /* no board table: nothing to clear */
        rp_printf("skipped: no trace table on this board\n");
        return;
    }
    isr_done = 0;
    isr_ops = 0;
    uint32_t faults = 0;
    interrupts_on();
    for (unsigned i = 0; i < 300u; i++) {
        for (volatile unsigned w = 0; w < 2000u; w++) {   /* the handler allocates meanwhile */
        }
        rp_trace_clear_traces();
        rp_fault_t f = rp_trace_check();
        if (f.rule && faults++ < 4u)
            rp_printf("FAIL trace check after a clear: %s at %p\n", f.rule, f.addr);
    }
    interrupts_off();
    free_slots();
    rp_trace_stop();
    RP_CHECK_EQ(faults, 0);
    RP_CHECK(isr_ops > 0);
    RP_ALL_BACK();
}

/* tracemalloc.reset_peak() and get_traced_memory() while handlers allocate: the handler's
 * blocks are traced, and between its raw-block calls it reads the traced memory (checking
 * current <= peak from that one call) and now and then resets the peak, the getters the
 * interrupt rules allow (rp_trace.h). Thread mode resets the peak and reads both again and
 * again, checking current <= peak from one call and the trace records (rp_trace_check, T1
 * current <= peak) after each reset. A reset that reads `current` without the critical
 * section, is interrupted by a handler's allocation that raises current and peak, then
 * stores the value it read leaves peak below current until the next hook raises it: the
 * checks right after see it. The window is an instruction or two of each reset, so the
 * test makes many: with a 64-record table (the check walks it, in a masked window shorter
 * than the timer's period, so the interrupt lands anywhere in the loop) and a spin of
 * random length so that the loop's length does not lock to the timer's. */
/* Tracing started on a table of `records` slots taken from the heap (untraced: before the
 * start), or NULL, the failure checked, if that cannot be done. */
static void *trace_on_own_table(uint32_t records)
{
    void *table = rp_malloc(RP_TRACE_TABLE_BYTES(records));
    RP_CHECK(table != 0);
    if (!table || rp_trace_set_table(table, RP_TRACE_TABLE_BYTES(records)) != RP_E_OK ||
        rp_trace_start(1) != RP_E_OK) {
        RP_CHECK(0);
        rp_free(table);
        return 0;
    }
    return table;
}

static void trace_on_own_table_end(void *table)
{
    rp_trace_stop();
    rp_trace_set_table(0, 0);
    rp_free(table);
}

#define PEAK_RESETS 100000u
#define PEAK_RECORDS 64u
static void test_isr_trace_peak(void)
{
    rp_test_fresh_objects();
    void *table = trace_on_own_table(PEAK_RECORDS);
    if (!table)
        return;
    isr_done = 0;
    isr_ops = 0;
    isr_trace_reads = 0;
    isr_trace_bad = 0;
    isr_trace_getters = 1;
    uint32_t rng = 777u, check_fails = 0, read_fails = 0, resets = 0;
    interrupts_on();
    for (; resets < PEAK_RESETS && !isr_done; resets++) {
        for (volatile uint32_t w = rp_rand_next(&rng) & 15u; w; w--) {
        }
        rp_trace_reset_peak();
        size_t cur, pk;
        rp_trace_get_traced_memory(&cur, &pk);
        if (cur > pk && read_fails++ < 4u)
            rp_printf("FAIL after a reset: current %u > peak %u\n", (unsigned)cur, (unsigned)pk);
        rp_fault_t f = rp_trace_check();
        if (f.rule && check_fails++ < 4u)
            rp_printf("FAIL trace check after a reset: %s at %p\n", f.rule, f.addr);
    }
    interrupts_off();
    isr_trace_getters = 0;
    free_slots();
    trace_on_own_table_end(table);
    rp_printf("trace peak: %u resets, %u trace checks failed, %u reads current > peak; handler: %u ops, "
              "%u reads, %u current > peak\n",
              (unsigned)resets, (unsigned)check_fails, (unsigned)read_fails, (unsigned)isr_ops,
              (unsigned)isr_trace_reads, (unsigned)isr_trace_bad);
    uint32_t ops = isr_ops;
    isr_done = 0;   /* test_isr_stress counts its calls from here */
    isr_ops = 0;
    isr_irqs = 0;
    isr_nulls = 0;
    RP_CHECK_EQ(check_fails, 0);
    RP_CHECK_EQ(read_fails, 0);
    RP_CHECK_EQ(isr_trace_bad, 0);
    RP_CHECK_EQ(isr_mismatches, 0);
    RP_CHECK(isr_trace_reads > 0);
    RP_CHECK(ops > 0);
    RP_ALL_BACK();
}

/* tracemalloc.take_snapshot() and get_object_traceback() while handlers allocate and
 * free traced blocks: thread mode holds SNAP_KEEP traced blocks of one site, which live
 * throughout, in a small table (SNAP_RECORDS slots) whose probe chains the handler's
 * records share, and takes snapshot after snapshot grouped by site: its group must count
 * every block once, and each block's traceback must name its site. A handler's free
 * shifts later records of a chain back (rp_ptrmap_remove); during an unmasked walk that
 * moves a record from ahead of the walk to behind it (missed) or, across the table's
 * end, from behind to ahead (counted twice), and a probe that races it stops early. */
#if RP_CFG_CHUNK_MAX_LOG2 <= 14
#define SNAP_RECORDS 32u   /* 24 usable: 12 kept + the handler's 8 slots */
#define SNAP_KEEP 12u
#else
#define SNAP_RECORDS 128u  /* 96 usable: 48 kept + the handler's 32 slots */
#define SNAP_KEEP 48u
#endif
#define SNAPSHOTS 3000u
#define SNAP_GROUPS 16u

static __attribute__((noinline)) void *snap_alloc(size_t n)
{
    void *p = rp_malloc(n);
    __asm volatile("" ::: "memory");   /* not a tail call: this is the site */
    return p;
}

static void test_isr_trace_snapshot(void)
{
    rp_test_fresh_objects();
    void *table = trace_on_own_table(SNAP_RECORDS);
    if (!table)
        return;
    static void *mine[SNAP_KEEP];
    static rp_trace_stat_t groups[SNAP_GROUPS];
    for (unsigned i = 0; i < SNAP_KEEP; i++)
        mine[i] = snap_alloc(8u + 4u * i);
    uintptr_t site = rp_trace_get_object_traceback(mine[0], 0);
    RP_CHECK(site != 0);
    isr_done = 0;
    isr_ops = 0;
    uint32_t rng = 4242u, miscounts = 0, wrong_sites = 0, snaps = 0;
    interrupts_on();
    for (; snaps < SNAPSHOTS && !isr_done; snaps++) {
        for (volatile uint32_t w = rp_rand_next(&rng) & 63u; w; w--) {
        }
        rp_trace_snapshot_t snap;
        rp_trace_take_snapshot(&snap, groups, SNAP_GROUPS, RP_TRACE_BY_SITE, 0, 0);
        uint32_t count = 0;
        for (unsigned k = 0; k < snap.n; k++)
            if (groups[k].key == site && !groups[k].named)
                count = groups[k].count;
        if (count != SNAP_KEEP && miscounts++ < 4u)
            rp_printf("FAIL snapshot %u: %u of the thread's %u blocks\n", (unsigned)snaps, (unsigned)count,
                      (unsigned)SNAP_KEEP);
        for (unsigned i = 0; i < SNAP_KEEP; i++)
            if (rp_trace_get_object_traceback(mine[i], 0) != site && wrong_sites++ < 4u)
                rp_printf("FAIL traceback of block %u after snapshot %u\n", i, (unsigned)snaps);
        /* Two of them again: their records go back behind the handler's in the chains (a
         * removal ahead of a record shifts it home, where no later one can move it). */
        for (unsigned j = 0; j < 2u; j++) {
            unsigned i = rp_rand_next(&rng) % SNAP_KEEP;
            rp_free(mine[i]);
            mine[i] = snap_alloc(8u + 4u * i);
        }
    }
    interrupts_off();
    rp_fault_t f = rp_trace_check();
    RP_CHECK(f.rule == 0);
    for (unsigned i = 0; i < SNAP_KEEP; i++)
        rp_free(mine[i]);
    free_slots();
    trace_on_own_table_end(table);
    uint32_t handler_ops = isr_ops;
    rp_printf("trace snapshot: %u snapshots, %u miscounted, %u wrong tracebacks; handler: %u ops\n",
              (unsigned)snaps, (unsigned)miscounts, (unsigned)wrong_sites, (unsigned)handler_ops);
    isr_done = 0;
    isr_ops = 0;
    isr_irqs = 0;
    isr_nulls = 0;
    RP_CHECK_EQ(miscounts, 0);
    RP_CHECK_EQ(wrong_sites, 0);
    RP_CHECK(snaps > 100u);
    RP_CHECK(handler_ops > 1000u);   /* the handler churned meanwhile: not a pass with no interrupt */
    RP_ALL_BACK();
}

int main(void)
{
    rp_test_begin("isr_stress");
    RP_RUN(test_isr_trace_clear);
    RP_RUN(test_isr_trace_snapshot);
    RP_RUN(test_isr_trace_peak);
    RP_RUN(test_isr_stress);
    return rp_test_end();
}
