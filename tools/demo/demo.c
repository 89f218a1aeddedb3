/* demo.c — allocates, frees and prints the heap statistics a firmware engineer wants. */
#include "rp_heap.h"
#include "rp_port.h"
#include "rp_print.h"

/* The statistics are uint32_t, which is unsigned long on arm-none-eabi and unsigned int
 * on the host: printed through unsigned so one format string fits both. */
#define U(x) ((unsigned)(x))

static void print_stats(const char *when)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    rp_printf("\n-- heap %s --\n", when);
    rp_printf("class  size  pools  used  free\n");
    for (unsigned c = 0; c < RP_NCLASSES; c++)
        if (s.classes[c].pools)
            rp_printf("%5u %5u %6u %5u %5u\n", c, U(s.classes[c].size), U(s.classes[c].pools),
                      U(s.classes[c].blocks_used), U(s.classes[c].blocks_free));
    rp_printf("arena %u B, metadata %u B, pools %u B, large %u B in %u blocks\n", U(s.arena_bytes),
              U(s.metadata_bytes), U(s.pool_bytes), U(s.large_bytes), U(s.large_blocks));
    rp_printf("in use %u B in %u blocks (peak %u B), free %u B in %u chunks, largest free %u B\n",
              U(s.bytes_in_use), U(s.blocks_in_use), U(s.peak_bytes_in_use), U(s.free_bytes), U(s.free_chunks),
              U(s.largest_free));
    rp_printf("failed allocations %u, reported misuse %u\n", U(s.failed_allocs), U(s.reports));
}

int main(void)
{
    size_t n;
    rp_region_t r;
    r.start = rp_port_heap(&n);
    r.size = n;
    if (rp_heap_init(&r, 1) != RP_OK)
        rp_port_panic("heap init failed", r.start);
    print_stats("after init");

    void *small[300], *large[20];
    uint32_t x = 12345;
    for (unsigned i = 0; i < 300; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        small[i] = rp_malloc(8 + x % 57);
    }
    for (unsigned i = 0; i < 20; i++)
        large[i] = rp_malloc(100 + 60 * i);
    print_stats("with 300 small and 20 large blocks");

    for (unsigned i = 0; i < 300; i += 2)
        rp_free(small[i]);
    for (unsigned i = 0; i < 20; i += 2)
        rp_free(large[i]);
    print_stats("after freeing every other block");

    for (unsigned i = 1; i < 300; i += 2)
        rp_free(small[i]);
    for (unsigned i = 1; i < 20; i += 2)
        rp_free(large[i]);
    print_stats("after freeing everything");

    rp_fault_t f = rp_heap_check();
    rp_printf("\nheap check: %s\n", f.rule ? f.rule : "consistent");
    return f.rule != 0;
}
