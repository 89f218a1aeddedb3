/* rp_test.c — the harness behind rp_test.h. */
#include "rp_test.h"
#include "rp_gc.h"
#include "rp_port.h"
#include "rp_trace.h"

static unsigned passed, failed, failed_before;
static const char *current;

void rp_test_begin(const char *suite)
{
    passed = failed = 0;
    rp_printf("== suite %s\n", suite);
}

int rp_test_end(void)
{
    rp_printf("%u passed, %u failed\n", passed, failed);
    return failed > 255u ? 255 : (int)failed;
}

void rp_test_run(const char *name, void (*fn)(void))
{
    current = name;
    failed_before = failed;
    fn();
    rp_printf("%s %s\n", failed == failed_before ? "ok  " : "FAIL", name);
}

int rp_test_check(int ok, const char *expr, const char *file, int line)
{
    if (ok) {
        passed++;
        return 1;
    }
    failed++;
    rp_printf("FAIL %s:%d in %s: %s\n", file, line, current ? current : "?", expr);
    return 0;
}

int rp_test_check_eq(unsigned long a, unsigned long b, const char *ea, const char *eb, const char *file, int line)
{
    if (a == b)
        return rp_test_check(1, 0, file, line);
    failed++;
    rp_printf("FAIL %s:%d in %s: %s == %s (%lu != %lu)\n", file, line, current ? current : "?", ea, eb, a, b);
    return 0;
}

int rp_test_check_str(const char *s, const char *want, const char *file, int line)
{
    int found = 0;
    for (const char *p = s; p && *p && !found; p++) {
        const char *a = p, *b = want;
        while (*a && *b && *a == *b)
            a++, b++;
        found = *b == '\0';
    }
    if (found)
        return rp_test_check(1, 0, file, line);
    failed++;
    rp_printf("FAIL %s:%d in %s: \"%s\" does not contain \"%s\"\n", file, line, current ? current : "?",
              s ? s : "(null)", want);
    return 0;
}

int rp_test_heap_ok(const char *file, int line)
{
    rp_fault_t f = rp_heap_check();
    if (!f.rule)
        return rp_test_check(1, 0, file, line);
    failed++;
    rp_printf("FAIL %s:%d in %s: heap check: %s at %p\n", file, line, current ? current : "?", f.rule, f.addr);
    return 0;
}

void *rp_test_memory(size_t *size)
{
    return rp_port_heap(size);
}

void rp_test_fresh_heap(void)
{
    size_t n;
    rp_region_t r;
    r.start = rp_test_memory(&n);
    r.size = n;
    rp_heap_init(&r, 1);
    rp_test_give_trace_table();
}

void rp_test_give_trace_table(void)
{
#if RP_CFG_TRACE_RECORDS == 0
    /* A board that reserves no trace table: the suites give tracing one, as an
     * application would (rp_trace.h). */
    static uintptr_t trace_table[RP_TRACE_TABLE_BYTES(RP_TEST_TRACE_RECORDS) / sizeof(uintptr_t)];
    if (!rp_trace_is_tracing())
        rp_trace_set_table(trace_table, sizeof trace_table);
#endif
}

static uint32_t baseline;

uint32_t rp_test_blocks(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s.blocks_in_use;
}

void rp_test_mark_baseline(void) { baseline = rp_test_blocks(); }
uint32_t rp_test_baseline(void) { return baseline; }

void rp_test_fresh_objects(void)
{
    rp_test_fresh_heap();
    rp_test_check(rp_objects_init() == RP_E_OK, "rp_objects_init() == RP_E_OK", __FILE__, __LINE__);
    rp_test_mark_baseline();
}

int rp_test_all_ok(const char *file, int line)
{
    rp_fault_t f = rp_check_all();
    if (!f.rule)
        return rp_test_check(1, 0, file, line);
    failed++;
    rp_printf("FAIL %s:%d in %s: check: %s at %p\n", file, line, current ? current : "?", f.rule, f.addr);
    return 0;
}

int rp_test_all_back(const char *file, int line)
{
    /* Frees a bounded DECREF left pending come back here, as they would at the next
     * allocations (RP_CFG_FREE_BUDGET): checked before and after. */
    int ok = rp_test_all_ok(file, line);
    if (rp_gc_pending(0)) {
        (void)rp_gc_free_pending(0);
        ok = rp_test_all_ok(file, line) && ok;
    }
    return rp_test_check_eq(rp_test_blocks(), rp_test_baseline(), "blocks in use", "baseline", file, line) && ok;
}

static char captured[512];
static unsigned captured_n;
static rp_sink_t sink_before;

static void capture(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n && captured_n + 1 < sizeof captured; i++)
        captured[captured_n++] = s[i];
    captured[captured_n] = 0;
}

void rp_test_capture_start(void)
{
    captured_n = 0;
    captured[0] = 0;
    sink_before = rp_print_set_sink(capture);
}

const char *rp_test_capture_stop(void)
{
    rp_print_set_sink(sink_before);
    return captured;
}
