/*
 * tb_size.c — an image that uses refpool's allocator and nothing else of the core:
 * rp_heap_init, rp_malloc, rp_calloc, rp_realloc, rp_free. Its link map tells how many
 * bytes of chunk.c, pool.c and heap.c an application links (the checker and the
 * statistics are left out by --gc-sections). tools/bench/run-target-bench.sh reads it.
 */
#include "rp_heap.h"
#include "rp_port.h"

int main(void);
int main(void)
{
    size_t size;
    void *mem = rp_port_heap(&size);
    rp_region_t r = {mem, size > (1u << RP_CFG_CHUNK_MAX_LOG2) ? (1u << RP_CFG_CHUNK_MAX_LOG2) : size};
    if (rp_heap_init(&r, 1) != RP_E_OK)
        return 1;
    void *p = rp_malloc(24), *q = rp_calloc(3, 40);
    p = rp_realloc(p, 200);
    rp_free(q);
    rp_free(p);
    return 0;
}
