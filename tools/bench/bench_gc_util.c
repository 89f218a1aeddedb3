/* bench_gc_util.c — clock, resident set, stack painting, collection figures and output for
 * the GC benchmarks (bench_gc_util.h). */
#define _POSIX_C_SOURCE 200809L
#include "bench_gc_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long bench_rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long bench_peak_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss;   /* KiB on Linux */
}

/* ---- stack painting ---- */

#define PATTERN 0x5AA5C33CF00FE11Eull

/* Addresses, not pointers: the painted array's lifetime ends when bench_stack_paint
 * returns, and the memory below the stack pointer is read back on purpose. */
static uintptr_t paint_lo, paint_hi;

__attribute__((noinline)) void bench_stack_paint(void)
{
    uint64_t buf[BENCH_STACK_PAINT / 8];
    volatile uint64_t *p = buf;
    for (size_t i = 0; i < BENCH_STACK_PAINT / 8; i++)
        p[i] = PATTERN;
    paint_lo = (uintptr_t)buf;
    paint_hi = (uintptr_t)buf + sizeof buf;
}

__attribute__((noinline)) size_t bench_stack_used(void)
{
    const volatile uint64_t *p = (const volatile uint64_t *)paint_lo;
    size_t n = (paint_hi - paint_lo) / 8, i = 0;
    while (i < n && p[i] == PATTERN)
        i++;
    return (n - i) * 8;
}

/* ---- output ---- */

void bench_fig(const char *workload, const char *impl, const char *key, const char *fmt, ...)
{
    va_list ap;
    printf("F|%s|%s|%s|", workload, impl, key);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

void bench_note(const char *fmt, ...)
{
    va_list ap;
    fputs("N|", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

uint64_t bench_median(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return n ? v[n / 2] : 0;
}

/* ---- collection figures ---- */

void bench_watch_start(bench_watch_t *w)
{
    w->t_start = bench_now_ns();
}

void bench_watch_stop(bench_watch_t *w, long gen, uint64_t collected, uint64_t now)
{
    uint64_t pause = now - w->t_start;
    w->last_ns = pause;
    w->collected += collected;
    if (w->manual)
        return;
    w->auto_n++;
    if (gen >= 0 && gen < BENCH_GC_GENERATIONS)
        w->auto_by_gen[gen]++;
    w->auto_sum_ns += pause;
    if (pause > w->auto_max_ns) {
        w->auto_max_ns = pause;
        w->auto_max_gen = (int)gen;
    }
}

/* ---- runs and figures ---- */

bench_span_t bench_timed(void (*run)(void))
{
    bench_span_t s;
    s.rss0_kib = bench_rss_kib();
    uint64_t c0 = bench_cpu_ns(), t0 = bench_now_ns();
    run();
    s.t_ns = bench_now_ns() - t0;
    s.cpu_ns = bench_cpu_ns() - c0;
    return s;
}

void bench_fig_gc(const char *w, const char *impl, const bench_watch_t *watch, bench_span_t span)
{
    bench_fig(w, impl, "time_ms", "%.1f", span.t_ns / 1e6);
    bench_fig(w, impl, "cpu_ms", "%.1f", span.cpu_ns / 1e6);
    bench_fig(w, impl, "collected", "%llu", (unsigned long long)watch->collected);
    bench_fig(w, impl, "auto_n", "%llu", (unsigned long long)watch->auto_n);
    bench_fig(w, impl, "auto_gen", "%llu / %llu / %llu", (unsigned long long)watch->auto_by_gen[0],
              (unsigned long long)watch->auto_by_gen[1], (unsigned long long)watch->auto_by_gen[2]);
    bench_fig(w, impl, "auto_max_ms", "%.3f (gen %d)", watch->auto_max_ns / 1e6, watch->auto_max_gen);
    bench_fig(w, impl, "auto_sum_ms", "%.1f", watch->auto_sum_ns / 1e6);
    bench_fig(w, impl, "final_ms", "%.2f", watch->last_ns / 1e6);
}

void bench_fig_w2(const char *impl, bench_span_t span, uint64_t nodes)
{
    bench_fig("W2", impl, "nodes", "%llu", (unsigned long long)nodes);
    bench_fig("W2", impl, "ns_per_node", "%.1f", (double)span.t_ns / (double)nodes);
}

void bench_fig_w3(const char *impl, const bench_watch_t *watch, bench_span_t span)
{
    bench_fig("W3", impl, "ns_per_obj", "%.1f", (double)span.t_ns / (double)watch->collected);
    bench_fig("W3", impl, "ns_per_obj_gc", "%.1f",
              (double)(watch->auto_sum_ns + watch->last_ns) / (double)watch->collected);
}

void bench_fig_w3full(const char *impl, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t collected)
{
    bench_fig("W3full", impl, "build_ms", "%.1f", (t1 - t0) / 1e6);
    bench_fig("W3full", impl, "collect_ms", "%.1f", (t2 - t1) / 1e6);
    bench_fig("W3full", impl, "ns_per_obj", "%.1f", (double)(t2 - t1) / (double)collected);
}

void bench_w4(const char *impl, double (*pause_us)(uint32_t n_old))
{
    (void)pause_us(10000);
    double small = pause_us(10000), large = pause_us(1000000);
    bench_fig("W4", impl, "pause_10k_us", "%.2f", small);
    bench_fig("W4", impl, "pause_1m_us", "%.2f", large);
    bench_fig("W4", impl, "ratio", "%.3f", large / small);
}

__attribute__((noinline)) void bench_nothing(void)
{
    __asm__ volatile("" ::: "memory");
}

void bench_fig_w5(const char *impl, size_t empty, size_t release, size_t collection, uint64_t t0, uint64_t t1,
                  uint64_t t2, uint64_t t3)
{
    bench_fig("W5", impl, "stack_empty", "%zu", empty);
    bench_fig("W5", impl, "stack_release", "%zu", release);
    bench_fig("W5", impl, "stack_collect", "%zu", collection);
    bench_fig("W5", impl, "release_ms", "%.2f", (t1 - t0) / 1e6);
    bench_fig("W5", impl, "collect_ms", "%.2f", (t3 - t2) / 1e6);
}

/* ---- main ---- */

const bench_workload_t *bench_pick(int argc, char **argv, const bench_workload_t *list, size_t n)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s ", argv[0]);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%s%s", i ? "|" : "", list[i].name);
        fputc('\n', stderr);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(argv[1], list[i].name))
            return &list[i];
    fprintf(stderr, "unknown workload %s\n", argv[1]);
    return 0;
}
