/*
 * rp_test.h — the unit-test harness. Test bodies use only the core and this header, so
 * the same sources run on the host and as firmware: output goes through the port
 * console, and main returns the number of failed checks (the firmware's exit status).
 * The last line is "N passed, N failed", counted in checks.
 */
#ifndef RP_TEST_H
#define RP_TEST_H

#include <stddef.h>
#include <stdint.h>
#include "rp_heap.h"
#include "rp_print.h"

void rp_test_begin(const char *suite);
int rp_test_end(void);   /* prints the summary; returns failures (at most 255) */
void rp_test_run(const char *name, void (*fn)(void));
int rp_test_check(int ok, const char *expr, const char *file, int line);
int rp_test_check_eq(unsigned long a, unsigned long b, const char *ea, const char *eb, const char *file, int line);
int rp_test_check_str(const char *s, const char *want, const char *file, int line);  /* s contains want */
/* The heap checker after a step; names the rule on failure. */
int rp_test_heap_ok(const char *file, int line);

#define RP_CHECK(e) rp_test_check(!!(e), #e, __FILE__, __LINE__)
#define RP_CHECK_EQ(a, b) rp_test_check_eq((unsigned long)(a), (unsigned long)(b), #a, #b, __FILE__, __LINE__)
#define RP_CHECK_STR(s, want) rp_test_check_str((s), (want), __FILE__, __LINE__)
#define RP_HEAP_OK() rp_test_heap_ok(__FILE__, __LINE__)
#define RP_RUN(fn) rp_test_run(#fn, fn)

/* The workloads' PRNG: 32-bit xorshift. */
static inline uint32_t rp_rand_next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}
static inline uint32_t rp_rand_range(uint32_t *x, uint32_t a, uint32_t b)
{
    return a + rp_rand_next(x) % (b - a + 1u);
}

/* Trace records the suites can count on: the board's table, or the one the harness gives
 * tracing on a board that reserves none. */
#if RP_CFG_TRACE_RECORDS > 0
#define RP_TEST_TRACE_RECORDS RP_CFG_TRACE_RECORDS
#else
#define RP_TEST_TRACE_RECORDS 256
#endif

/* The board's heap memory, and a fresh heap over all of it (with, on a board that
 * reserves no trace table, one for tracing). */
void *rp_test_memory(size_t *size);
void rp_test_fresh_heap(void);
/* On a board that reserves no trace table, gives tracing the harness's (else nothing). */
void rp_test_give_trace_table(void);

/* A fresh heap with objects set up (rp_objects_init), and the baseline marked. */
void rp_test_fresh_objects(void);
/* Blocks in use now, and as marked by rp_test_mark_baseline. */
uint32_t rp_test_blocks(void);
void rp_test_mark_baseline(void);
uint32_t rp_test_baseline(void);
/* Every checker: heap, collector, weak references, trace records. */
int rp_test_all_ok(const char *file, int line);
#define RP_ALL_OK() rp_test_all_ok(__FILE__, __LINE__)
/* Console output captured instead of printed, up to 511 bytes (the rest is dropped):
 * between start and stop, which restores the sink and returns the text. */
void rp_test_capture_start(void);
const char *rp_test_capture_stop(void);
/* Every checker, and every block allocated since the baseline freed. */
int rp_test_all_back(const char *file, int line);
#define RP_ALL_BACK() rp_test_all_back(__FILE__, __LINE__)

#endif
