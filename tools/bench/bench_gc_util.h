/*
 * bench_gc_util.h — what the two cycle-collector benchmarks (bench_gc.c for refpool,
 * bench_gc_cpython.c for CPython) share: the clock, the process's resident set, the stack
 * painter for W5, and the one-line-per-figure output that run-gc-bench.sh merges.
 * Host only (POSIX); never part of the core.
 */
#ifndef BENCH_GC_UTIL_H
#define BENCH_GC_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds; and the CPU time this process has used
 * (CLOCK_PROCESS_CPUTIME_ID), which a busy machine disturbs less than the wall clock. */
uint64_t bench_now_ns(void);
uint64_t bench_cpu_ns(void);

/* Resident set of this process now (/proc/self/statm) and its peak (getrusage
 * ru_maxrss), in KiB. */
long bench_rss_kib(void);
long bench_peak_rss_kib(void);

/* W5's stack measure. bench_stack_paint fills BENCH_STACK_PAINT bytes of stack just below
 * its caller's frame with a pattern and returns; the caller then runs the operation, and
 * bench_stack_used, called from the same frame, returns how many bytes below that frame
 * the operation overwrote (the deepest non-pattern byte). Both are noinline so that their
 * own frames sit at the top of the painted region, above anything the operation reaches. */
#define BENCH_STACK_PAINT ((size_t)4 << 20)
void bench_stack_paint(void);
size_t bench_stack_used(void);

/* One figure: "F|workload|implementation|key|value". Values are printed as given. */
void bench_fig(const char *workload, const char *impl, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A note for the report: "N|text". */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Median of n values (sorts v in place). */
uint64_t bench_median(uint64_t *v, size_t n);

#endif
