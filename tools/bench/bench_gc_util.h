/*
 * bench_gc_util.h — what the two cycle-collector benchmarks (bench_gc.c for refpool,
 * bench_gc_cpython.c for CPython) share: the clock, the process's resident set, the stack
 * painter for W5, the collection figures gathered through gc.callbacks, the timed run,
 * the figures both print, and the one-line-per-figure output that run-gc-bench.sh merges.
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

/* ---- collection figures, through gc.callbacks ---- */

#define BENCH_GC_GENERATIONS 3

typedef struct bench_watch {
    int manual;   /* the running collection was asked for (collect), not automatic */
    uint64_t t_start;
    uint64_t auto_n, auto_by_gen[BENCH_GC_GENERATIONS];
    uint64_t auto_max_ns, auto_sum_ns, last_ns;
    int auto_max_gen;
    uint64_t collected;
} bench_watch_t;

/* The callback's "start": the pause starts now (call it last in the callback). */
void bench_watch_start(bench_watch_t *w);
/* The callback's "stop", at `now`: the pause (now - t_start) and the objects collected
 * are recorded, and, unless the collection was asked for, counted as automatic. */
void bench_watch_stop(bench_watch_t *w, long gen, uint64_t collected, uint64_t now);

/* ---- runs and figures ---- */

/* One workload run, timed: the resident set before it, wall and CPU time. */
typedef struct bench_span {
    long rss0_kib;
    uint64_t t_ns, cpu_ns;
} bench_span_t;
bench_span_t bench_timed(void (*run)(void));

/* W2's and W3's figures on collections, first of both sides' lines: time_ms, cpu_ms,
 * collected, auto_n, auto_gen, auto_max_ms, auto_sum_ms, final_ms. */
void bench_fig_gc(const char *w, const char *impl, const bench_watch_t *watch, bench_span_t span);
/* W2 (nodes, ns_per_node) and W3 (ns_per_obj, ns_per_obj_gc) from a timed run. */
void bench_fig_w2(const char *impl, bench_span_t span, uint64_t nodes);
void bench_fig_w3(const char *impl, const bench_watch_t *watch, bench_span_t span);
/* W3full: the build from t0 to t1, the collection from t1 to t2. */
void bench_fig_w3full(const char *impl, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t collected);
/* W4: pause_us(n_old) once as a warm-up (a process's first microseconds run slow), then
 * with 10,000 and 1,000,000 long-lived objects; prints both and their ratio. */
void bench_w4(const char *impl, double (*pause_us)(uint32_t n_old));

/* W5's empty operation, between bench_stack_paint and bench_stack_used: the method's zero. */
void bench_nothing(void);
/* W5's figures: the three stack measures (stack_empty, stack_release, stack_collect), the
 * release timed from t0 to t1 and the collection from t2 to t3. */
void bench_fig_w5(const char *impl, size_t empty, size_t release, size_t collection, uint64_t t0, uint64_t t1,
                  uint64_t t2, uint64_t t3);

/* ---- main ---- */

typedef struct bench_workload {
    const char *name;
    void (*run)(void);
} bench_workload_t;

/* The workload argv names among the n of list, or 0 after a usage line or an "unknown
 * workload" line on stderr (exit status 2). */
const bench_workload_t *bench_pick(int argc, char **argv, const bench_workload_t *list, size_t n);

#endif
