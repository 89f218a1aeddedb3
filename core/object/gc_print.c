/*
 * gc_print.c — rp_gc_print_stats (rp_gc.h): the collector's state per generation, as
 * gc.get_count(), gc.get_threshold() and gc.get_stats() report it, through the console.
 * Built on the public getters, so it prints what a program would read; gc.garbage's
 * length is counted on its list, which allocates nothing and needs no buffer.
 */
#include "gc_internal.h"
#include "rp_print.h"

static uint32_t garbage_length(void)
{
    const rp_gchead_t *head = rp_gc.lists[RP_LIST_GARBAGE];
    uint32_t n = 0;
    if (!head)   /* before rp_objects_init */
        return 0;
    for (const rp_gchead_t *g = rp_next(head); g != head; g = rp_next(g))
        n++;
    return n;
}

void rp_gc_print_stats(void)
{
    uint32_t count[RP_GC_GENERATIONS], threshold[RP_GC_GENERATIONS];
    rp_gc_stats_t st;
    rp_gc_get_count(count);
    rp_gc_get_threshold(threshold);
    rp_gc_get_stats(&st);
    uint32_t collections = 0;
    rp_printf("generation      count  threshold  collections   collected  uncollectable\n"
              "----------      -----  ---------  -----------   ---------  -------------\n");
    for (unsigned g = 0; g < RP_GC_GENERATIONS; g++) {
        const rp_gc_gen_stats_t *s = &st.gen[g];
        rp_printf("%10u %10u %10u %12u %11u %14u\n", g, (unsigned)count[g], (unsigned)threshold[g],
                  (unsigned)s->collections, (unsigned)s->collected, (unsigned)s->uncollectable);
        collections += s->collections;
    }
    rp_printf("\n%-35s= %20u\n", "# collections", (unsigned)collections);
    rp_printf("%-35s= %20u\n", "# longest pause (cycles)", (unsigned)st.longest_pause);
    rp_printf("%-35s= %20u\n", "# longest pause's generation", (unsigned)st.longest_pause_generation);
    rp_printf("%-35s= %20u\n", "# total pause (cycles)", (unsigned)st.total_pause);
    rp_printf("%-35s= %20u\n", "# objects frozen (permanent)", (unsigned)rp_gc_get_freeze_count());
    rp_printf("%-35s= %20u\n", "# gc.garbage", (unsigned)garbage_length());
    rp_printf("%-35s= %20s\n", "# automatic collection", rp_gc_isenabled() ? "enabled" : "disabled");
}
