/* trace_tool_sample.c — a host program with a deliberate leak at known lines, whose
 * printed snapshot and diff the trace_symbolize test feeds to tools/trace_symbolize.py. */
#include "rp_heap.h"
#include "rp_object.h"
#include "rp_port.h"
#include "rp_trace.h"

__attribute__((noipa)) static void *leaky(void)
{
    void *p = rp_malloc(48); /* LEAK-LINE */
    __asm__ volatile("" ::: "memory");   /* no tail call: the site stays this line */
    return p;
}

int main(void)
{
    size_t n;
    rp_region_t r = {rp_port_heap(&n), 0};
    r.size = n > 65536 ? 65536 : n;
    rp_heap_init(&r, 1);
    rp_objects_init();
    rp_trace_start(1);
    rp_trace_stat_t b0[8], b1[8];
    rp_trace_snapshot_t before, after;
    rp_trace_take_snapshot(&before, b0, 8, RP_TRACE_BY_SITE, 0, 0);
    for (int i = 0; i < 10; i++)
        leaky();
    rp_trace_take_snapshot(&after, b1, 8, RP_TRACE_BY_SITE, 0, 0);
    rp_trace_print_snapshot(&after, 10);
    rp_trace_diff_t d[8];
    rp_trace_print_diff(d, rp_trace_compare_to(&after, &before, d, 8, 0), 10);
    return 0;
}
