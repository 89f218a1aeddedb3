/*
 * heap_print.c — the heap seen through the console: rp_heap_print_stats in the layout of
 * CPython's sys._debugmallocstats, rp_heap_dump (the compact map tools/heapmap.py draws)
 * and rp_heap_sample (one line per sample, for heap use over time). Built on
 * rp_heap_stats and rp_heap_walk only: what they print is what the walk and the
 * statistics say, never a second count.
 */
#include "heap_internal.h"
#include "rp_mem.h"
#include "rp_print.h"

/* v with thousands separators, right-aligned in 21 columns after a 35-column label and
 * '=', as CPython's printone lays its lines out. */
static void printone(const char *label, uint32_t v)
{
    char digits[16], out[24];
    unsigned n = 0, k = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    for (unsigned i = n; i-- > 0;) {
        out[k++] = digits[i];
        if (i && i % 3u == 0)
            out[k++] = ',';
    }
    out[k] = 0;
    rp_printf("%-35s= %20s\n", label, out);
}

/* What the stats leave out and the printer needs, in one walk: pool bytes split into pools
 * in use and spares, the quantization of the pools in use, and the largest free chunk. */
typedef struct pool_sums {
    uint32_t used_pool_bytes, spare_pool_bytes, quantization;
    uint32_t largest_chunk;   /* bytes of the largest free chunk, tag included */
} pool_sums_t;

static int sum_pools(const rp_walk_item_t *it, void *arg)
{
    pool_sums_t *s = arg;
    if (it->kind == RP_WALK_CHUNK && it->state == RP_WALK_FREE && it->size > s->largest_chunk)
        s->largest_chunk = it->size;
    if (it->kind != RP_WALK_POOL)
        return 0;
    if (it->state == RP_WALK_SPARE) {
        s->spare_pool_bytes += it->size;
    } else {
        s->used_pool_bytes += it->size;
        s->quantization += RP_POOL_HDR_OFF - it->capacity * rp_class_size(it->cls);
    }
    return 0;
}

/* Fragmentation of the free space in tenths of a percent: 1 - largest free chunk / free
 * bytes (0 when the free space is one piece). */
static uint32_t fragmentation_permille(const rp_heap_stats_t *s, uint32_t largest_chunk)
{
    if (!s->free_bytes)
        return 0;
    return (uint32_t)(1000u - (uint64_t)largest_chunk * 1000u / s->free_bytes);
}

void rp_heap_print_stats(void)
{
    rp_heap_stats_t s;
    pool_sums_t ps;
    rp_heap_stats(&s);
    rp_memset(&ps, 0, sizeof ps);
    rp_heap_walk(sum_pools, &ps);
    uint32_t allocated = 0, available = 0, pools = 0;
    rp_printf("Small block threshold = %u, in %u size classes.\n\n", (unsigned)RP_CFG_SMALL_MAX,
              (unsigned)RP_NCLASSES);
    rp_printf("class   size   num pools   blocks in use  avail blocks\n"
              "-----   ----   ---------   -------------  ------------\n");
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        const rp_class_stats_t *cs = &s.classes[c];
        if (!cs->pools)
            continue;
        rp_printf("%5u %6u %11u %15u %13u\n", c, (unsigned)cs->size, (unsigned)cs->pools, (unsigned)cs->blocks_used,
                  (unsigned)cs->blocks_free);
        allocated += cs->blocks_used * cs->size;
        available += cs->blocks_free * cs->size;
        pools += cs->pools;
    }
    rp_printf("\n");
    printone("# regions", rp_heap_nregions());
    printone("# bytes in arena", s.arena_bytes);
    printone("# bytes of page maps (metadata)", s.metadata_bytes);
    printone("# allocator state (outside arena)", s.state_bytes);
    printone("# pools in use", pools);
    printone("# unused pools (spares)", s.spare_pools);
    printone("# large chunks in use", s.large_blocks);
    printone("# free chunks", s.free_chunks);
    rp_printf("\n");
    /* The arena, byte for byte: these lines sum to the Total. */
    uint32_t ends = s.arena_bytes - s.metadata_bytes - (s.pool_bytes + s.large_bytes + s.free_bytes);
    printone("# bytes in allocated blocks", allocated);
    printone("# bytes in available blocks", available);
    printone("# bytes in unused pools", ps.spare_pool_bytes);
    printone("# bytes lost to pool headers", ps.used_pool_bytes - RP_POOL_HDR_OFF * pools);
    printone("# bytes lost to quantization", ps.quantization);
    printone("# bytes in large chunks", s.large_bytes);
    printone("# bytes in free chunks", s.free_bytes);
    printone("# bytes of page maps (metadata)", s.metadata_bytes);
    printone("# bytes lost to region ends", ends);
    printone("Total", allocated + available + ps.spare_pool_bytes + (ps.used_pool_bytes - RP_POOL_HDR_OFF * pools) +
                          ps.quantization + s.large_bytes + s.free_bytes + s.metadata_bytes + ends);
    rp_printf("\n");
    printone("# bytes in use (blocks handed out)", s.bytes_in_use);
    printone("# blocks in use", s.blocks_in_use);
    printone("# footprint (chunk space held)", s.footprint);
    printone("# peak footprint", s.peak_footprint);
    printone("# largest free run (one request)", s.largest_free);
    uint32_t f = fragmentation_permille(&s, ps.largest_chunk);
    rp_printf("%-35s= %18u.%u %%\n", "# fragmentation of free space", (unsigned)(f / 10u), (unsigned)(f % 10u));
    printone("# failed allocations", s.failed_allocs);
    printone("# broken rules reported", s.reports);
}

/* ---- the dump ---- */

typedef struct dump {
    rp_walk_item_t run;   /* the run being gathered: items alike but for their address */
    uint32_t count;
    unsigned region;      /* the region being dumped */
    uintptr_t lo;         /* its chunk space starts here: offsets are from it */
    uint32_t lines, items;
} dump_t;

static void dump_flush(dump_t *d)
{
    if (!d->count)
        return;
    const rp_walk_item_t *r = &d->run;
    unsigned off = (unsigned)(r->addr - d->lo);
    if (r->kind == RP_WALK_POOL)
        rp_printf("hd P %x %u %u %u %u %u\n", off, (unsigned)r->size, (unsigned)r->cls, (unsigned)r->used,
                  (unsigned)r->capacity, (unsigned)d->count);
    else
        rp_printf("hd C %x %u %c %u\n", off, (unsigned)r->size, r->state == RP_WALK_FREE ? 'f' : 'u',
                  (unsigned)d->count);
    d->lines++;
    d->count = 0;
}

static int same_run(const rp_walk_item_t *a, const rp_walk_item_t *b)
{
    return a->kind == b->kind && a->state == b->state && a->cls == b->cls && a->size == b->size &&
           a->used == b->used;
}

/* Pools and chunks, a run of alike neighbours on one line; blocks are left out (a pool's
 * line carries its counts). */
static int dump_item(const rp_walk_item_t *it, void *arg)
{
    dump_t *d = arg;
    if (it->kind == RP_WALK_BLOCK)
        return 0;
    d->items++;
    if (it->region != d->region) {
        uintptr_t end;
        dump_flush(d);
        d->region = it->region;
        rp_heap_region_info(it->region, &d->lo, &end);
        rp_printf("hd R %u %p %p\n", (unsigned)it->region, (void *)d->lo, (void *)end);
        d->lines++;
    } else if (d->count && !same_run(&d->run, it)) {
        dump_flush(d);
    }
    if (!d->count)
        d->run = *it;
    d->count++;
    return 0;
}

void rp_heap_dump(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    rp_printf("hd heap v1 pool=%u small=%u classes=%u regions=%u arena=%u largest=%u free=%u failed=%u\n",
              (unsigned)RP_CFG_POOL_SIZE, (unsigned)RP_CFG_SMALL_MAX, (unsigned)RP_NCLASSES, rp_heap_nregions(),
              (unsigned)s.arena_bytes, (unsigned)s.largest_free, (unsigned)s.free_bytes, (unsigned)s.failed_allocs);
    dump_t d;
    rp_memset(&d, 0, sizeof d);
    d.region = ~0u;
    rp_heap_walk(dump_item, &d);
    dump_flush(&d);
    rp_printf("hd end lines=%u items=%u\n", (unsigned)d.lines, (unsigned)d.items);
}

void rp_heap_sample(uint32_t t)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    rp_printf("hs t=%u inuse=%u blocks=%u footprint=%u free=%u largest=%u failed=%u\n", (unsigned)t,
              (unsigned)s.bytes_in_use, (unsigned)s.blocks_in_use, (unsigned)s.footprint, (unsigned)s.free_bytes,
              (unsigned)s.largest_free, (unsigned)s.failed_allocs);
}
