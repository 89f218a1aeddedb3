/*
 * tb_masked.c — every public call that takes the allocator's critical section, made on a
 * heap in use, for tools/bench/run-masked.sh: the image runs under QEMU's execution log
 * and tools/bench/target/masked.py attributes each masked window to the call it belongs
 * to. W1 and W1s (rp_tbench_prof_alloc) cover rp_malloc and rp_free; this image covers
 * the rest, those two with tracing on, and rp_malloc's near-failure path. Prints what the heap holds (D| lines), checks
 * nothing: it is no test.
 *
 * Each call is made through a wrapper m_<call>[_<case>] that does nothing else, so that
 * the log names the call (masked.py --entry-prefix m_); the functions that make the calls
 * are masked.py's --outer (run-masked.sh lists them), so each call is attributed alone. The heap: 1 MiB, filled by W1's
 * sizes to 2,000 live blocks and churned, so that there are pools, spares, free chunks
 * and merges; the calls that walk the heap (stats, check, walk, trace check, init) are
 * O(heap) or O(records) by contract and run on that heap.
 */
#include "tb.h"

#include "rp_heap.h"
#include "rp_port.h"
#include "rp_print.h"
#include "rp_trace.h"

#define HEAP (1u << 20)
#define LIVE 2000u
#define CHURN 20000u
#define TRACED_LIVE 500u     /* fits the board's table (3/4 of its slots usable) */
#define BIG 16384u           /* the block a realloc moves: its copy is 16 KiB */

static void *slot[LIVE];
static uint32_t rng = TB_SEED;

static uint32_t w1_size(void) { return tb_w1_size(&rng); }

static void fail(const char *what)
{
    rp_printf("FAIL %s\n", what);
    rp_port_exit(1);
}

/* ---- the wrappers: one call each, named for the log ---- */

#define NOIPA __attribute__((noipa))

static NOIPA rp_err_t m_rp_heap_init(uint8_t *base, uint32_t bytes)
{
    rp_region_t r = {base, bytes};
    return rp_heap_init(&r, 1);
}
static NOIPA void *m_rp_malloc(size_t n) { return rp_malloc(n); }
static NOIPA void m_rp_free(void *p) { rp_free(p); }
static NOIPA void *m_rp_malloc_traced(size_t n) { return rp_malloc(n); }
static NOIPA void m_rp_free_traced(void *p) { rp_free(p); }
static NOIPA void *m_rp_malloc_from_spares(size_t n) { return rp_malloc(n); }
static NOIPA void *m_rp_calloc(size_t n) { return rp_calloc(1, n); }
static NOIPA void *m_rp_realloc(void *p, size_t n) { return rp_realloc(p, n); }
static NOIPA void *m_rp_realloc_moving_16k(void *p, size_t n) { return rp_realloc(p, n); }
static NOIPA size_t m_rp_usable_size(const void *p) { return rp_usable_size(p); }
static NOIPA size_t m_rp_heap_trim(void) { return rp_heap_trim(); }
static NOIPA void m_rp_heap_stats(rp_heap_stats_t *s) { rp_heap_stats(s); }
static NOIPA rp_fault_t m_rp_heap_check(void) { return rp_heap_check(); }
static NOIPA int m_rp_heap_walk(rp_heap_visitor_t v, void *arg) { return rp_heap_walk(v, arg); }
static NOIPA void m_rp_trace_get_traced_memory(size_t *c, size_t *p) { rp_trace_get_traced_memory(c, p); }
static NOIPA void m_rp_trace_reset_peak(void) { rp_trace_reset_peak(); }
static NOIPA rp_fault_t m_rp_trace_check(void) { return rp_trace_check(); }

static int count_item(const rp_walk_item_t *item, void *arg)
{
    (void)item;
    ++*(uint32_t *)arg;
    return 0;
}

/* ---- the phases ---- */

/* W1's churn on slot[0..cap): a random slot freed if full, else filled. */
static void churn(uint32_t ops, uint32_t cap, void *(*alloc)(size_t), void (*release)(void *))
{
    for (uint32_t i = 0; i < ops; i++) {
        uint32_t k = tb_rand(&rng, 0, cap - 1u);
        if (slot[k]) {
            release(slot[k]);
            slot[k] = 0;
        } else if (!(slot[k] = alloc(w1_size()))) {
            fail("churn: allocation failed");
        }
    }
}

static void fill(uint32_t cap)
{
    for (uint32_t k = 0; k < cap; k++)
        if (!slot[k] && !(slot[k] = m_rp_malloc(w1_size())))
            fail("fill: allocation failed");
}

static void heap_line(const char *when)
{
    rp_heap_stats_t s;
    m_rp_heap_stats(&s);
    rp_printf("D|%s: heap %u B, %u blocks in use, %u free chunks, %u spare pools\n", when, (unsigned)HEAP,
              (unsigned)s.blocks_in_use, (unsigned)s.free_chunks, (unsigned)s.spare_pools);
}

/* calloc, realloc (in place or moved, W1's sizes, and to half of them) and usable_size on the
 * live set. */
static void resize_phase(void)
{
    for (uint32_t i = 0; i < CHURN; i++) {
        uint32_t k = tb_rand(&rng, 0, LIVE - 1u);
        switch (tb_rand(&rng, 0, 3)) {
        case 0:
            m_rp_free(slot[k]);
            if (!(slot[k] = m_rp_calloc(w1_size())))
                fail("calloc failed");
            break;
        case 1:
            if (!(slot[k] = m_rp_realloc(slot[k], w1_size())))
                fail("realloc failed");
            break;
        case 2:
            if (!(slot[k] = m_rp_realloc(slot[k], w1_size() / 2u + 1u)))
                fail("realloc failed");
            break;
        default:
            if (m_rp_usable_size(slot[k]) == 0u)
                fail("usable_size: 0 for a live block");
        }
    }
}

/* A 16 KiB block moved to 32 KiB: a live block right after it stops it growing in place,
 * so the realloc copies 16 KiB. */
static void big_move(void)
{
    for (int i = 0; i < 4; i++) {
        void *big = m_rp_malloc(BIG), *stop = m_rp_malloc(BIG);
        void *moved = big && stop ? m_rp_realloc_moving_16k(big, 2u * BIG) : 0;
        if (!moved || moved == big)
            fail("the 16 KiB realloc did not move");
        m_rp_free(moved);
        m_rp_free(stop);
    }
}

/* 64 pools' worth of 64-byte blocks, all freed: spares for rp_heap_trim. */
static void make_spares(void **held, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!(held[i] = m_rp_malloc(64)))
            fail("spares: allocation failed");
    for (uint32_t i = 0; i < n; i++)
        m_rp_free(held[i]);
}

static void tracing_phase(void)
{
    for (uint32_t k = 0; k < LIVE; k++)
        if (slot[k]) {
            m_rp_free(slot[k]);
            slot[k] = 0;
        }
    if (rp_trace_start(1) != RP_E_OK)
        fail("rp_trace_start");
    churn(CHURN, TRACED_LIVE, m_rp_malloc_traced, m_rp_free_traced);
    size_t cur, peak;
    m_rp_trace_get_traced_memory(&cur, &peak);
    m_rp_trace_reset_peak();
    if (m_rp_trace_check().rule)
        fail("rp_trace_check");
    rp_printf("D|tracing: %u traced bytes, %u records' table, %u dropped\n", (unsigned)cur,
              (unsigned)RP_CFG_TRACE_RECORDS, (unsigned)rp_trace_dropped());
    rp_trace_stop();
}

/* A small heap that is nothing but spare pools, then one chunk request that only fits
 * once they are back in the chunk heap: malloc's near-failure path. */
static void from_spares(uint8_t *base)
{
    enum { SMALL = 64u * 1024u };
    if (m_rp_heap_init(base, SMALL) != RP_E_OK)
        fail("rp_heap_init (small)");
    uint32_t n = 0;
    while (n < LIVE && (slot[n] = m_rp_malloc(64)))
        n++;
    for (uint32_t i = 0; i < n; i++) {
        m_rp_free(slot[i]);
        slot[i] = 0;
    }
    rp_heap_stats_t s;
    m_rp_heap_stats(&s);
    rp_printf("D|near failure: a %u B heap of %u spare pools, then a %u B request\n", (unsigned)SMALL,
              (unsigned)s.spare_pools, (unsigned)(SMALL / 2u));
    void *p = m_rp_malloc_from_spares(SMALL / 2u);
    if (!p)
        fail("the request after the spares failed");
    m_rp_free(p);
}

int main(void);
int main(void)
{
    size_t size;
    uint8_t *mem = rp_port_heap(&size);
    uint8_t *base = (uint8_t *)(((uintptr_t)mem + 4095u) & ~(uintptr_t)4095u);
    if ((uintptr_t)mem + size < (uintptr_t)base + HEAP)
        fail("the board has less than 1 MiB of heap memory");
    if (m_rp_heap_init(base, HEAP) != RP_E_OK)
        fail("rp_heap_init");

    fill(LIVE);
    churn(CHURN, LIVE, m_rp_malloc, m_rp_free);
    fill(LIVE);
    heap_line("after W1's churn");
    resize_phase();
    big_move();

    static void *held[1024];
    make_spares(held, 1024);
    heap_line("the walks run on");
    rp_heap_stats_t s;
    m_rp_heap_stats(&s);
    if (m_rp_heap_check().rule)
        fail("rp_heap_check");
    uint32_t items = 0;
    m_rp_heap_walk(count_item, &items);
    rp_printf("D|rp_heap_walk: %u items\n", (unsigned)items);
    rp_printf("D|rp_heap_trim: %u spare pools, %u B given back\n", (unsigned)s.spare_pools,
              (unsigned)m_rp_heap_trim());

    tracing_phase();
    from_spares(base);
    return 0;
}
