/*
 * test_port_cm.c — the Cortex-M port's own behaviour, on the board: critical sections
 * nest and hold interrupts off, rp_port_in_interrupt, an interrupt handler allocating,
 * the cycle counter, the stack's high-water mark and guard, the heap region, and the
 * memory functions the port supplies for the compiler.
 */
#include <stddef.h>
#include "cm_config.h"
#include "cm_port.h"
#include "cm_regs.h"
#include "rp_port.h"
#include "rp_stack.h"
#include "rp_test.h"

/* The port's; declared here rather than through <string.h>, which firmware has no libc
 * for. Called through volatile pointers so the compiler cannot use its own builtins. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

static volatile unsigned pendsv_runs;
static volatile int pendsv_in_interrupt;
static volatile int pendsv_in_handler;
static void *volatile pendsv_block;

/* Replaces the port's weak PendSV handler: records what it sees and allocates, as an
 * interrupt handler may. */
void PendSV_Handler(void)
{
    pendsv_runs++;
    pendsv_in_interrupt = rp_port_in_interrupt();
    pendsv_in_handler = rp_port_in_handler();
    pendsv_block = rp_malloc(24);
}

/* External interrupts: the application's rp_irq_handler takes every interrupt it has no
 * handler of its own for (by IPSR), and on a board that names its interrupts
 * (RP_BOARD_IRQ_NAMES), a handler defined under the CMSIS name takes its own. */
#ifndef RP_TEST_UNNAMED_IRQ
#define RP_TEST_UNNAMED_IRQ 3
#endif
static volatile int irq_seen_by_dispatcher = -1;
static volatile unsigned named_runs;

void rp_irq_handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    irq_seen_by_dispatcher = (int)(ipsr & 0x1FFu) - 16;
}

#ifdef RP_TEST_NAMED_IRQ_HANDLER
void RP_TEST_NAMED_IRQ_HANDLER(void);
void RP_TEST_NAMED_IRQ_HANDLER(void)
{
    named_runs++;
}
#endif

static void raise_irq(unsigned irq)
{
    RP_NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
    RP_NVIC_ISPR(irq / 32u) = 1u << (irq % 32u);
    __asm volatile("dsb\n\tisb" ::: "memory");
    RP_NVIC_ICER(irq / 32u) = 1u << (irq % 32u);
}

static void test_irq_without_handler_enters_rp_irq_handler(void)
{
    irq_seen_by_dispatcher = -1;
    raise_irq(RP_TEST_UNNAMED_IRQ);
    RP_CHECK_EQ(irq_seen_by_dispatcher, RP_TEST_UNNAMED_IRQ);
}

#ifdef RP_TEST_NAMED_IRQ_HANDLER
static void test_irq_with_cmsis_name_enters_its_handler(void)
{
    named_runs = 0;
    irq_seen_by_dispatcher = -1;
    raise_irq(RP_TEST_NAMED_IRQ);
    RP_CHECK_EQ(named_runs, 1);
    RP_CHECK_EQ(irq_seen_by_dispatcher, -1);
}
#endif

static void pend_pendsv(void)
{
    RP_SCB_ICSR = RP_SCB_ICSR_PENDSVSET;
    __asm volatile("dsb\n\tisb" ::: "memory");
}

static void test_critical_sections_nest(void)
{
    RP_CHECK_EQ(rp_port_in_interrupt(), 0);
    RP_CHECK_EQ(rp_port_in_handler(), 0);
    rp_critical_t outer = rp_port_critical_enter();
    RP_CHECK(rp_port_in_interrupt());
    RP_CHECK_EQ(rp_port_in_handler(), 0);   /* masked thread mode is no handler */
    rp_critical_t inner = rp_port_critical_enter();
    RP_CHECK(rp_port_in_interrupt());
    rp_port_critical_exit(inner);
    RP_CHECK(rp_port_in_interrupt()); /* the outer section still holds */
    rp_port_critical_exit(outer);
    RP_CHECK_EQ(rp_port_in_interrupt(), 0);
}

static void test_critical_section_holds_interrupts_off(void)
{
    rp_test_fresh_heap();
    pendsv_runs = 0;
    rp_critical_t t = rp_port_critical_enter();
    pend_pendsv();
    for (volatile unsigned i = 0; i < 1000u; i++)
        ;
    RP_CHECK_EQ(pendsv_runs, 0);
    rp_port_critical_exit(t);
    __asm volatile("isb" ::: "memory");
    RP_CHECK_EQ(pendsv_runs, 1);
    RP_CHECK(pendsv_in_interrupt);
    RP_CHECK(pendsv_in_handler);
    RP_CHECK(pendsv_block != 0);
    rp_free(pendsv_block);
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    RP_CHECK_EQ(s.blocks_in_use, 0);
    RP_HEAP_OK();
}

/* An interrupt more urgent than any BASEPRI threshold (priority 0) and PendSV (at the
 * threshold: rp_critical_init) both pended inside a critical section, entered through
 * the call and through the inline form the core uses: with RP_PORT_BASEPRI the urgent
 * one runs at once while PendSV waits for the exit; with PRIMASK both wait. */
static void test_urgent_interrupt_in_critical_section(void)
{
    const unsigned irq = RP_TEST_UNNAMED_IRQ;
#if RP_PORT_BASEPRI
    RP_NVIC_IPR(irq) = 0;
#endif
    for (int form = 0; form < 2; form++) {
        rp_test_fresh_heap();
        irq_seen_by_dispatcher = -1;
        pendsv_runs = 0;
        rp_critical_t t = form ? rp_port_critical_enter_inline() : rp_port_critical_enter();
        RP_NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
        RP_NVIC_ISPR(irq / 32u) = 1u << (irq % 32u);
        pend_pendsv();
        for (volatile unsigned i = 0; i < 1000u; i++)
            ;
        int urgent_inside = irq_seen_by_dispatcher == (int)irq;
        unsigned pendsv_inside = pendsv_runs;
        int masked_inside = rp_port_in_interrupt();
        if (form)
            rp_port_critical_exit_inline(t);
        else
            rp_port_critical_exit(t);
        __asm volatile("isb" ::: "memory");
        RP_NVIC_ICER(irq / 32u) = 1u << (irq % 32u);
        RP_CHECK_EQ(urgent_inside, RP_PORT_BASEPRI != 0);
        RP_CHECK_EQ(pendsv_inside, 0);
        RP_CHECK(masked_inside);
        RP_CHECK_EQ(irq_seen_by_dispatcher, (int)irq);   /* ran by now in either case */
        RP_CHECK_EQ(pendsv_runs, 1);
        rp_free(pendsv_block);
        RP_HEAP_OK();
    }
#if RP_PORT_BASEPRI
    RP_NVIC_IPR(irq) = RP_PORT_BASEPRI;
#endif
}

/* QEMU's SysTick runs on the host's clock, so the first change may take a while in
 * instructions: the wait is bounded by a count, not by the counter itself. */
static void test_cycles_advance(void)
{
    uint32_t first = rp_port_cycles();
    unsigned long spins = 0;
    while (rp_port_cycles() == first && spins < 100000000ul)
        spins++;
    RP_CHECK(rp_port_cycles() != first);
    uint32_t prev = rp_port_cycles();
    unsigned backwards = 0;
    for (unsigned i = 0; i < 20000u; i++) {
        uint32_t now = rp_port_cycles();
        backwards += (int32_t)(now - prev) < 0;
        prev = now;
    }
    RP_CHECK_EQ(backwards, 0);
}

static size_t __attribute__((noinline)) deep(unsigned n)
{
    volatile uint8_t buf[256];
    buf[0] = (uint8_t)n;
    buf[255] = (uint8_t)n;
    return n ? deep(n - 1u) + buf[255] - n : rp_stack_peak();
}

static void test_stack_peak_and_guard(void)
{
    volatile int here = 0;
    size_t size = rp_stack_size(), before = rp_stack_peak();
    size_t depth = (size_t)((uintptr_t)__rp_stack_top - (uintptr_t)&here);
    RP_CHECK(size >= 2048u && size % 8u == 0);
    RP_CHECK(before >= depth && before < size);
    /* Six frames of at least 256 bytes below this one. */
    size_t during = deep(6);
    RP_CHECK(during >= depth + 6u * 256u && during < size);
    RP_CHECK(rp_stack_peak() >= during);
    /* The guard: intact now, and a write into it, as an overflow would do, is seen. */
    RP_CHECK(rp_stack_guard_intact());
    uint32_t saved = __rp_stack_limit[1];
    __rp_stack_limit[1] = 0;
    RP_CHECK(!rp_stack_guard_intact());
    __rp_stack_limit[1] = saved;
    RP_CHECK(rp_stack_guard_intact());
}

static void test_heap_region(void)
{
    size_t n;
    uint8_t *m = rp_port_heap(&n);
    RP_CHECK(((uintptr_t)m & 7u) == 0 && (n & 7u) == 0);
    RP_CHECK(n >= 4096u);
    /* The stack and .bss lie below the heap; the heap ends RAM. */
    volatile int local = 0;
    RP_CHECK((uintptr_t)&local < (uintptr_t)m);
    RP_CHECK((uintptr_t)&pendsv_runs < (uintptr_t)m);
    RP_CHECK((uintptr_t)m + n <= (uintptr_t)__rp_ram_end);
    RP_CHECK((uintptr_t)m + n + 8u > (uintptr_t)__rp_ram_end);
    rp_test_fresh_heap();
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    RP_CHECK_EQ(s.arena_bytes, n);
}

static void *(*volatile copy)(void *restrict, const void *restrict, size_t) = memcpy;
static void *(*volatile move)(void *, const void *, size_t) = memmove;
static void *(*volatile set)(void *, int, size_t) = memset;
static int (*volatile compare)(const void *, const void *, size_t) = memcmp;

static void test_memory_functions(void)
{
    uint8_t a[40], b[40];
    for (unsigned i = 0; i < 40u; i++)
        a[i] = (uint8_t)i;
    RP_CHECK(copy(b, a, 40) == b);
    RP_CHECK_EQ(compare(a, b, 40), 0);
    b[17] = 200;
    RP_CHECK(compare(a, b, 40) < 0 && compare(b, a, 40) > 0);
    /* Overlapping moves, both ways, at odd offsets. */
    RP_CHECK(move(a + 3, a, 30) == a + 3);
    unsigned bad = 0;
    for (unsigned i = 0; i < 30u; i++)
        bad += a[3 + i] != i;
    RP_CHECK_EQ(bad, 0);
    move(a, a + 3, 30);
    for (unsigned i = 0; i < 30u; i++)
        bad += a[i] != i;
    RP_CHECK_EQ(bad, 0);
    RP_CHECK(set(b + 1, 0x5A, 37) == b + 1);
    for (unsigned i = 1; i < 38u; i++)
        bad += b[i] != 0x5A;
    RP_CHECK_EQ(bad, 0);
    RP_CHECK(b[0] == 0 && b[38] == 38);
}

int main(void)
{
    rp_test_begin("port_cm");
    RP_RUN(test_critical_sections_nest);
    RP_RUN(test_critical_section_holds_interrupts_off);
    RP_RUN(test_urgent_interrupt_in_critical_section);
    RP_RUN(test_cycles_advance);
    RP_RUN(test_irq_without_handler_enters_rp_irq_handler);
#ifdef RP_TEST_NAMED_IRQ_HANDLER
    RP_RUN(test_irq_with_cmsis_name_enters_its_handler);
#endif
    RP_RUN(test_stack_peak_and_guard);
    RP_RUN(test_heap_region);
    RP_RUN(test_memory_functions);
    return rp_test_end();
}
