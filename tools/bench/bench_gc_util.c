/* bench_gc_util.c — clock, resident set, stack painting and output for the GC benchmarks
 * (bench_gc_util.h). */
#define _POSIX_C_SOURCE 200809L
#include "bench_gc_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
