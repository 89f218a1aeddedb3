/*
 * tb.h — what the on-target benchmark images share (tools/bench/README-target.md):
 * exact instruction counts from SysTick under QEMU's -icount, the workloads' PRNG, and
 * the output lines that tools/bench/run-target-bench.sh turns into tables.
 *
 * Counting. Under `qemu-system-arm -icount shift=S` QEMU's virtual clock advances by
 * exactly 2^S ns per guest instruction, and SysTick counts that clock at the board's
 * RP_BOARD_CPU_HZ. So a difference of SysTick readings is a number of instructions
 * times 2^S / (10^9 / HZ) ticks, which tb_insns() turns back into instructions. With
 * at least 3 ticks per instruction (TB_ICOUNT_SHIFT is chosen so) the rounding is exact.
 * tb_time_*() read SysTick right before and right after one call through a function
 * pointer; the instructions of the reads and of the call itself, measured once through
 * the same code with a stub of known length, are subtracted. What is left is every
 * instruction the called function executes, its return included.
 * SysTick's own interrupt is switched off while counting calls (tb_count_init), so no
 * handler runs inside a count; a call must stay below 2^24 ticks (about 2.6 million
 * instructions on mps2-an385 at shift 8, 4.1 million on microbit).
 * Longer spans (tb_long_*) count with the interrupt on, through rp_port_cycles, whose
 * 32-bit value is SysTick periods * 2^24 + ticks: the port's SysTick handler then runs
 * once per period inside the span, and its instructions (measured at start-up against
 * a loop of known length) are subtracted per period, so these counts are exact too.
 */
#ifndef TB_H
#define TB_H

#include <stddef.h>
#include <stdint.h>

#ifndef TB_ICOUNT_SHIFT
#error "TB_ICOUNT_SHIFT must be the -icount shift QEMU runs the image with"
#endif

/* Switches SysTick's interrupt off and measures the wrappers' own instructions with
 * stubs; prints a C| line with the check against stubs of known length. */
void tb_count_init(void);
/* Instructions in a span of SysTick ticks (rounded: exact under -icount). */
uint32_t tb_insns(uint32_t ticks);

/* Instructions the call executes (see above); the call's result through *out. */
uint32_t tb_time_alloc(void *(*f)(size_t), size_t n, void **out);
uint32_t tb_time_free(void (*f)(void *), void *p);
uint32_t tb_time_collect(uint32_t (*f)(int), int arg, uint32_t *out);

/* Long spans: tb_long_begin switches SysTick's interrupt on and returns rp_port_cycles();
 * tb_long_end returns the instructions since, the reads' own subtracted, and switches
 * the interrupt off again. tb_long_insns converts two rp_port_cycles() readings taken
 * with the interrupt on (the instructions between the reads, handler runs subtracted). */
uint32_t tb_long_begin(void);
uint64_t tb_long_end(uint32_t begin);
uint64_t tb_long_insns(uint32_t t0, uint32_t t1);
/* As tb_time_free and tb_time_collect, for calls of any length. */
uint64_t tb_long_time_free(void (*f)(void *), void *p);
uint64_t tb_long_time_collect(uint32_t (*f)(int), int arg, uint32_t *out);

/* Restores every static variable of the image to its state at reset (.data copied
 * again from flash, .bss zeroed), keeping the counter's calibration: a fresh newlib
 * malloc for each attempt of a heap-size search. Bench state must live on the stack. */
void tb_statics_reset(void);

/* "O2", "Os", ...: the optimisation the image was compiled with. */
const char *tb_opt(void);

/* The workloads' PRNG (WORKLOADS.md): 32-bit xorshift, seed 12345; rand(a, b) is
 * a + x % (b - a + 1) after one step. */
#define TB_SEED 12345u
static inline uint32_t tb_rand(uint32_t *x, uint32_t a, uint32_t b)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return a + *x % (b - a + 1u);
}

/* W1's request sizes (WORKLOADS.md): 60 % rand(8, 32), 30 % rand(33, 128), 10 %
 * rand(129, 512), one draw for the choice and one for the size. */
static inline uint32_t tb_w1_size(uint32_t *x)
{
    uint32_t r = tb_rand(x, 0, 99);
    return r < 60u ? tb_rand(x, 8, 32) : r < 90u ? tb_rand(x, 33, 128) : tb_rand(x, 129, 512);
}

/* Phase markers for the profiler (tools/bench/target/profile.py): a call to
 * tb_phase_<name> shows in QEMU's execution log under that name, and the instructions
 * after it are counted for that phase. */
#define TB_PHASE(name)                                             \
    static __attribute__((noipa)) void tb_phase_##name(void)      \
    {                                                              \
        __asm volatile("" ::: "memory");                           \
    }

/* x / d to two decimals, for printing means ("12.34"). */
void tb_fmt2(char *buf, uint64_t x, uint64_t d);

#endif
