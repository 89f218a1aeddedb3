/*
 * tb_count.c — exact instruction counts from SysTick under QEMU -icount (see tb.h).
 */
#include "tb.h"

#include "rp_board.h"
#include "rp_port.h"
#include "rp_print.h"

#define TB_SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define TB_SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define TB_CSR_ENABLE 1u
#define TB_CSR_TICKINT 2u
#define TB_CSR_CLKSOURCE 4u
#define TB_MASK 0xFFFFFFu

/* The wrappers' own instructions (reads, call, return of a stub), per wrapper. */
typedef struct tb_cal {
    uint32_t alloc, release, collect;
    uint32_t long_span;   /* instructions of an empty tb_long_begin/tb_long_end span */
    uint32_t long_release, long_collect;   /* the long wrappers' own */
    uint32_t handler;     /* instructions of one run of the port's SysTick handler */
} tb_cal_t;
static tb_cal_t cal;

/* Ticks of one instruction = 2^shift ns / (1e9 / HZ ns): insns = ticks * 1e9 / (HZ << shift). */
static uint64_t insns64(uint64_t ticks)
{
    uint64_t den = (uint64_t)RP_BOARD_CPU_HZ << TB_ICOUNT_SHIFT;
    return (ticks * 1000000000u + den / 2u) / den;
}

uint32_t tb_insns(uint32_t ticks)
{
    return (uint32_t)insns64(ticks);
}

/* Stubs of known length, in instructions, for the calibration and its check. */
__attribute__((naked, noinline)) static void *stub_alloc(size_t n)
{
    (void)n;
    __asm volatile("movs r0, #0\n\tbx lr");   /* 2 */
}
__attribute__((naked, noinline)) static void stub_free(void *p)
{
    (void)p;
    __asm volatile("bx lr");                  /* 1 */
}
__attribute__((naked, noinline)) static uint32_t stub_collect(int g)
{
    (void)g;
    __asm volatile("movs r0, #0\n\tbx lr");   /* 2 */
}
__attribute__((naked, noinline)) static void *stub_alloc_1000(size_t n)
{
    (void)n;
    __asm volatile(".rept 998\n\tnop\n\t.endr\n\tmovs r0, #0\n\tbx lr");   /* 1000 */
}
__attribute__((naked, noinline)) static void stub_free_100(void *p)
{
    (void)p;
    __asm volatile(".rept 99\n\tnop\n\t.endr\n\tbx lr");   /* 100 */
}
/* n >= 1 turns: 2n + 1 instructions. */
__attribute__((naked, noinline)) static void spin(uint32_t n)
{
    (void)n;
    __asm volatile(".syntax unified\n1:\n\tsubs r0, #1\n\tbne 1b\n\tbx lr");
}

/* The raw instructions between the two reads, call included; cal.* is subtracted from
 * it. Each wrapper is one function, so the stub and the measured call run through the
 * same instructions. */
__attribute__((noinline)) static uint32_t raw_alloc(void *(*f)(size_t), size_t n, void **out)
{
    uint32_t t0 = TB_SYST_CVR;
    void *p = f(n);
    uint32_t t1 = TB_SYST_CVR;
    *out = p;
    return tb_insns((t0 - t1) & TB_MASK);
}

__attribute__((noinline)) static uint32_t raw_free(void (*f)(void *), void *p)
{
    uint32_t t0 = TB_SYST_CVR;
    f(p);
    uint32_t t1 = TB_SYST_CVR;
    return tb_insns((t0 - t1) & TB_MASK);
}

__attribute__((noinline)) static uint32_t raw_collect(uint32_t (*f)(int), int arg, uint32_t *out)
{
    uint32_t t0 = TB_SYST_CVR;
    uint32_t r = f(arg);
    uint32_t t1 = TB_SYST_CVR;
    *out = r;
    return tb_insns((t0 - t1) & TB_MASK);
}

uint32_t tb_time_alloc(void *(*f)(size_t), size_t n, void **out)
{
    return raw_alloc(f, n, out) - cal.alloc;
}

uint32_t tb_time_free(void (*f)(void *), void *p)
{
    return raw_free(f, p) - cal.release;
}

uint32_t tb_time_collect(uint32_t (*f)(int), int arg, uint32_t *out)
{
    return raw_collect(f, arg, out) - cal.collect;
}

/* The same through rp_port_cycles, SysTick's interrupt on (for calls of any length). */
__attribute__((noinline)) static uint64_t raw_long_free(void (*f)(void *), void *p)
{
    uint32_t t0 = tb_long_begin();
    f(p);
    uint32_t t1 = rp_port_cycles();
    TB_SYST_CSR = TB_CSR_ENABLE | TB_CSR_CLKSOURCE;
    return tb_long_insns(t0, t1);
}

__attribute__((noinline)) static uint64_t raw_long_collect(uint32_t (*f)(int), int arg, uint32_t *out)
{
    uint32_t t0 = tb_long_begin();
    uint32_t r = f(arg);
    uint32_t t1 = rp_port_cycles();
    TB_SYST_CSR = TB_CSR_ENABLE | TB_CSR_CLKSOURCE;
    *out = r;
    return tb_long_insns(t0, t1);
}

/* A loop of 2n + 1 instructions as a long span: raw instructions (nothing subtracted)
 * and the SysTick periods that ended inside. */
__attribute__((noinline)) static uint64_t span_spin(uint32_t n, uint32_t *periods)
{
    uint32_t t0 = tb_long_begin();
    spin(n);
    uint32_t t1 = rp_port_cycles();
    TB_SYST_CSR = TB_CSR_ENABLE | TB_CSR_CLKSOURCE;
    *periods = ((t1 >> 24) - (t0 >> 24)) & 0xFFu;
    return insns64(t1 - t0);
}

uint64_t tb_long_time_free(void (*f)(void *), void *p)
{
    return raw_long_free(f, p) - cal.long_release;
}

uint64_t tb_long_time_collect(uint32_t (*f)(int), int arg, uint32_t *out)
{
    return raw_long_collect(f, arg, out) - cal.long_collect;
}

void tb_count_init(void)
{
    void *p;
    uint32_t r;
    /* Counting on, its interrupt off: nothing runs inside a count but the code counted. */
    TB_SYST_CSR = TB_CSR_ENABLE | TB_CSR_CLKSOURCE;
    cal.alloc = raw_alloc(stub_alloc, 0, &p) - 2u;
    cal.release = raw_free(stub_free, 0) - 1u;
    cal.collect = raw_collect(stub_collect, 0, &r) - 2u;
    /* The check: stubs of 1000 and 100 instructions must measure exactly that. */
    uint32_t a = tb_time_alloc(stub_alloc_1000, 0, &p), f = tb_time_free(stub_free_100, 0);

    /* Long spans: the empty span; then the handler, from two loops measured through the
     * same code, the long one over several periods (2^24 ticks: 2.6 million instructions
     * on mps2-an385, 4.1 million on microbit). The check: two other loops, whose
     * difference is known, measured as any span is. */
    cal.long_span = 0;
    cal.handler = 0;
    uint32_t t = tb_long_begin();
    cal.long_span = (uint32_t)tb_long_end(t);
    uint32_t p1, pn;
    uint64_t one = span_spin(1, &p1), many = span_spin(6000000u, &pn);
    if (pn > p1)
        cal.handler = (uint32_t)((many - one - 2u * (6000000u - 1u)) / (pn - p1));
    const uint32_t n = 5000000u;
    uint64_t half = span_spin(n / 2u, &p1), full = span_spin(n, &pn);
    uint64_t diff = (full - (uint64_t)pn * cal.handler) - (half - (uint64_t)p1 * cal.handler);
    cal.long_release = (uint32_t)raw_long_free(stub_free, 0) - 1u;
    cal.long_collect = (uint32_t)raw_long_collect(stub_collect, 0, &r) - 2u;
    int exact = a == 1000u && f == 100u && cal.handler && diff == (uint64_t)n;
    rp_printf("C|%s|icount shift %u, %u Hz SysTick; wrapper overhead %u/%u/%u instructions;"
              " check: 1000-instruction stub measures %u, 100-instruction stub %u; long spans: SysTick"
              " handler %u instructions per period subtracted, check: two loops %lu instructions apart measure %lu"
              " apart|%s\n",
              tb_opt(), (unsigned)TB_ICOUNT_SHIFT, (unsigned)RP_BOARD_CPU_HZ, (unsigned)cal.alloc,
              (unsigned)cal.release, (unsigned)cal.collect, (unsigned)a, (unsigned)f, (unsigned)cal.handler,
              (unsigned long)n, (unsigned long)diff,
              exact ? "exact" : "NOT EXACT (is QEMU running with the right -icount shift?)");
}

uint32_t tb_long_begin(void)
{
    TB_SYST_CSR = TB_CSR_ENABLE | TB_CSR_TICKINT | TB_CSR_CLKSOURCE;
    return rp_port_cycles();
}

uint64_t tb_long_insns(uint32_t t0, uint32_t t1)
{
    uint32_t periods = ((t1 >> 24) - (t0 >> 24)) & 0xFFu;
    return insns64(t1 - t0) - (uint64_t)periods * cal.handler;
}

uint64_t tb_long_end(uint32_t begin)
{
    uint32_t t1 = rp_port_cycles();
    TB_SYST_CSR = TB_CSR_ENABLE | TB_CSR_CLKSOURCE;
    return tb_long_insns(begin, t1) - cal.long_span;
}

/* The linker script's bounds (linker/sections.ld). */
extern uint32_t __rp_data_start[], __rp_data_end[], __rp_data_load[];
extern uint32_t __rp_bss_start[], __rp_bss_end[];

void tb_statics_reset(void)
{
    tb_cal_t keep = cal;
    volatile uint32_t *d = __rp_data_start;
    const volatile uint32_t *s = __rp_data_load;
    while (d < (volatile uint32_t *)__rp_data_end)
        *d++ = *s++;
    for (d = __rp_bss_start; d < (volatile uint32_t *)__rp_bss_end; d++)
        *d = 0;
    __asm volatile("" ::: "memory");
    cal = keep;
}

const char *tb_opt(void)
{
#if defined(__OPTIMIZE_SIZE__)
    return "Os";
#elif defined(__OPTIMIZE__)
    return "O2";
#else
    return "O0";
#endif
}

void tb_fmt2(char *buf, uint64_t x, uint64_t d)
{
    uint64_t v = d ? (x * 100u + d / 2u) / d : 0;
    uint32_t ip = (uint32_t)(v / 100u), fp = (uint32_t)(v % 100u);
    char tmp[12];
    unsigned n = 0;
    do {
        tmp[n++] = (char)('0' + ip % 10u);
        ip /= 10u;
    } while (ip);
    while (n)
        *buf++ = tmp[--n];
    *buf++ = '.';
    *buf++ = (char)('0' + fp / 10u);
    *buf++ = (char)('0' + fp % 10u);
    *buf = '\0';
}
