/*
 * trace.c — allocation tracing (contract in rp_trace.h).
 *
 * Structures: the record table, a fixed array used as an rp_ptrmap keyed by block
 * address; each record holds the size, the site and the object type.
 * Invariants between calls (rp_trace_check):
 *   T1 the live records' sizes sum to `current`, and current <= peak.
 *   T2 every record is reachable from its key's home slot (the probe chains are intact).
 *   T3 no record while tracing is stopped.
 * A record is live or dead. A dead one is a freed block's record left in place while a
 * snapshot walks the table (`walking`): removal shifts later records of a probe chain
 * back, and a shift during the walk would move a record from ahead of it to behind it
 * (missed) or across the table's end (counted twice). Dead records keep their key, so a
 * probe still passes them, an allocation at the same address revives its record, and
 * one at another address whose chain holds a dead record takes its slot; the snapshot
 * removes them after its walk (sweep_dead, which says which few may stay). They count in
 * the map's `used`, not in `current`, and a traceback does not see them.
 */
#include "rp_trace.h"
#include "heap_internal.h"
#include "rp_mem.h"
#include "rp_print.h"
#include "rp_ptrmap.h"
#include "thread_only.h"

typedef struct record {
    const void *ptr;   /* key */
    uintptr_t site;
    uint32_t size;
    uint8_t type;
    uint8_t named;
    uint8_t dead;      /* freed while a snapshot walked (above) */
} record_t;

_Static_assert(sizeof(record_t) == RP_TRACE_RECORD_BYTES, "RP_TRACE_RECORD_BYTES is a record's size");

/* The record table: the board's static one (RP_CFG_TRACE_RECORDS slots), or whatever
 * rp_trace_set_table was given; with neither, tracing cannot start and costs no RAM. */
#if RP_CFG_TRACE && RP_CFG_TRACE_RECORDS > 0
static record_t store[RP_CFG_TRACE_RECORDS];
static rp_ptrmap_t map = {(uint8_t *)store, RP_CFG_TRACE_RECORDS, 0, sizeof(record_t)};
#else
static rp_ptrmap_t map = {0, 0, 0, sizeof(record_t)};
#endif
static size_t current, peak;
static uint32_t dropped;
static const rp_trace_site_t *named_next;
static const void *hint_site;
static uint8_t hint_type;
static uint8_t walking;   /* a snapshot walks the table: frees leave dead records */

uint8_t rp_trace_on;

static void clear_all(void)
{
    rp_memset(map.slots, 0, (size_t)map.cap * sizeof(record_t));
    map.used = 0;
    current = peak = 0;
    dropped = 0;
    named_next = 0;
    hint_site = 0;
    hint_type = 0;
}

static void use_board_table(void)
{
#if RP_CFG_TRACE && RP_CFG_TRACE_RECORDS > 0
    map.slots = (uint8_t *)store;
    map.cap = RP_CFG_TRACE_RECORDS;
#else
    map.slots = 0;
    map.cap = 0;
#endif
    map.used = 0;
}

rp_err_t rp_trace_set_table(void *table, size_t bytes)
{
    if (RP_FROM_HANDLER("rp_trace_set_table", table))
        return RP_E_ARG;
    if (rp_trace_on)
        return RP_E_ARG;
    if (!table && bytes == 0) {
        use_board_table();
        return RP_E_OK;
    }
    if (!table || ((uintptr_t)table & (sizeof(uintptr_t) - 1u)))
        return RP_E_ARG;
    uint32_t slots = 8;
    if (bytes / sizeof(record_t) < slots)
        return RP_E_ARG;
    while ((size_t)slots * 2u <= bytes / sizeof(record_t) && slots < 0x40000000u)
        slots *= 2u;   /* the map's capacity is a power of two */
    map.slots = table;
    map.cap = slots;
    map.used = 0;
    return RP_E_OK;
}

static void on_alloc(const void *p, size_t size, const void *site);
static void on_free(const void *p);
static void on_resize(const void *p, size_t size);

/* What the allocator calls while tracing (heap_internal.h): tracing is a layer above it. */
static const rp_heap_tracer_t tracer = {on_alloc, on_free, on_resize, rp_trace_hint};

rp_err_t rp_trace_start(unsigned nframes)
{
    if (RP_FROM_HANDLER("rp_trace_start", 0))
        return RP_E_ARG;
    if (!RP_CFG_TRACE)
        return RP_E_REFUSED;   /* compiled out: the allocator has no hooks to call */
    if (nframes != 1)
        return RP_E_ARG;
    if (map.cap == 0)
        return RP_E_NOMEM;
    if (!rp_trace_on)
        clear_all();
    rp_trace_on = 1;
    rp_heap_set_tracer(&tracer);
    return RP_E_OK;
}

void rp_trace_stop(void)
{
    if (RP_FROM_HANDLER("rp_trace_stop", 0))
        return;
    rp_trace_on = 0;
    rp_heap_set_tracer(0);
    clear_all();
}

void rp_trace_clear_traces(void)
{
    if (RP_FROM_HANDLER("rp_trace_clear_traces", 0))
        return;
    if (!rp_trace_on)
        return;
    /* Detached while the table is wiped: a handler's allocation meanwhile would land a
     * record in the part already wiped, outliving the count clear_all resets. Detached, it
     * goes untraced, as one before rp_trace_start (its free is then ignored). Masking
     * instead would hold interrupts off for the whole table. */
    rp_heap_set_tracer(0);
    clear_all();
    rp_heap_set_tracer(&tracer);
}

/* Thread mode alone writes rp_trace_on and map.cap (start, stop, set_table), so a
 * handler reads them whole; `dropped` is one word the hooks write in the critical section,
 * read in one load. None of the three needs the critical section. */
int rp_trace_is_tracing(void) { return rp_trace_on; }

/* current and peak are two words the hooks change together in the critical section:
 * read apart, they are of two moments. */
void rp_trace_get_traced_memory(size_t *cur, size_t *pk)
{
    rp_critical_t t = enter();
    size_t c = current, p = peak;
    leave(t);
    *cur = c;
    *pk = p;
}

/* Masked: a hook between the load of current and the store to peak would raise both, and
 * the store would then leave peak below current (T1), until the next hook raised it. */
void rp_trace_reset_peak(void)
{
    rp_critical_t t = enter();
    peak = current;
    leave(t);
}

size_t rp_trace_get_tracemalloc_memory(void) { return (size_t)map.cap * sizeof(record_t); }
uint32_t rp_trace_dropped(void) { return dropped; }
void rp_trace_name_next(const rp_trace_site_t *site)
{
    if (RP_FROM_HANDLER("RP_TRACE_HERE", site))
        return;
    named_next = site;
}

void rp_trace_hint(uint8_t type, const void *site)
{
    if (rp_port_in_handler())   /* thread mode's (rp_trace_alloc) */
        return;
    if (type)
        hint_type = type;
    if (!hint_site)
        hint_site = site;
}

/* p's record, or NULL and *dead the first dead record of p's probe chain (NULL: none), in
 * one probe (rp_ptrmap_find, then a search for a dead slot, took two: the traced
 * rp_malloc's longest masked window 392 instructions against 351, its mean 212.7 against
 * 199.0, run-masked.sh). A new record
 * taking a dead one's slot moves no other record, so it is safe while a snapshot walks,
 * and it keeps the table's room from filling with dead records a sweep left behind. */
static record_t *find_or_dead(const void *p, record_t **dead)
{
    *dead = 0;
    for (uint32_t i = rp_ptrmap_home(&map, p);; i = (i + 1u) & (map.cap - 1u)) {
        record_t *r = rp_ptrmap_at(&map, i);
        if (r->ptr == p)
            return r;
        if (!r->ptr)
            return 0;
        if (r->dead && !*dead)
            *dead = r;
    }
}

/* The hints (RP_TRACE_HERE's name, rp_new's type and caller) are thread mode's, set
 * right before its allocation: an interrupt handler's allocation in between neither
 * takes nor clears them (it is recorded at its own site, as no object). */
static void on_alloc(const void *p, size_t size, const void *site)
{
    const rp_trace_site_t *named = 0;
    const void *where = site;
    uint8_t type = 0;
    if (!rp_port_in_handler()) {
        named = named_next;
        where = hint_site ? hint_site : site;
        type = hint_type;
        named_next = 0;
        hint_site = 0;
        hint_type = 0;
    }
    if (!p)
        return;
    record_t *dead, *r = find_or_dead(p, &dead);
    if (r) {
        if (!r->dead)
            current -= r->size;   /* a stale record: the block was freed untraced */
        r->dead = 0;
    } else if (dead) {
        r = dead;                 /* p is in no slot, so it may take a dead one in its chain */
        r->ptr = p;
        r->dead = 0;
    } else if (rp_ptrmap_full(&map)) {
        dropped++;
        return;
    } else {
        r = rp_ptrmap_insert(&map, p);
    }
    r->site = named ? (uintptr_t)named : (uintptr_t)where;
    r->named = named != 0;
    r->type = type;
    r->size = (uint32_t)size;
    current += size;
    if (current > peak)
        peak = current;
}

static void on_free(const void *p)
{
    record_t *r = rp_ptrmap_find(&map, p);
    if (!r)
        return;
    if (!r->dead)
        current -= r->size;
    if (walking)
        r->dead = 1;
    else
        rp_ptrmap_remove(&map, r);
}

static void on_resize(const void *p, size_t size)
{
    record_t *r = rp_ptrmap_find(&map, p);
    if (!r || r->dead)
        return;
    current = current - r->size + size;
    r->size = (uint32_t)size;
    if (current > peak)
        peak = current;
}

/* Masked for the probe: a handler's free meanwhile could shift p's record behind it.
 * With tracing off the table is not read: one rp_trace_set_table gave holds whatever it
 * held until rp_trace_start clears it (its probe might not even end). */
uintptr_t rp_trace_get_object_traceback(const void *p, int *named)
{
    rp_critical_t t = enter();
    const record_t *r = rp_trace_on ? rp_ptrmap_find(&map, p) : 0;
    int live = r && !r->dead;
    uintptr_t site = live ? r->site : 0;
    uint8_t is_named = live ? r->named : 0;
    leave(t);
    if (named)
        *named = is_named;
    return site;
}

/* ---- snapshots ---- */

static int passes(const record_t *r, const rp_trace_filter_t *filters, unsigned n)
{
    int any_inclusive = 0, included = 0;
    for (unsigned i = 0; i < n; i++) {
        const rp_trace_filter_t *f = &filters[i];
        int match = f->type >= 0 ? r->type == (uint8_t)f->type : (r->site >= f->lo && r->site < f->hi);
        if (f->inclusive) {
            any_inclusive = 1;
            included |= match;
        } else if (match) {
            return 0;
        }
    }
    return !any_inclusive || included;
}

/* Shell sort, largest size first: no recursion, no extra memory. */
static void sort_stats(rp_trace_stat_t *a, uint32_t n)
{
    for (uint32_t gap = n / 2u; gap; gap /= 2u)
        for (uint32_t i = gap; i < n; i++) {
            rp_trace_stat_t v = a[i];
            uint32_t j = i;
            for (; j >= gap && (a[j - gap].size < v.size || (a[j - gap].size == v.size && a[j - gap].count < v.count));
                 j -= gap)
                a[j] = a[j - gap];
            a[j] = v;
        }
}

/* Slot i's record if live, copied in the critical section (a handler may be writing it). */
static int read_live(uint32_t i, record_t *out)
{
    rp_critical_t t = enter();
    const record_t *r = rp_ptrmap_at(&map, i);
    int live = r->ptr && !r->dead;
    if (live)
        *out = *r;
    leave(t);
    return live;
}

/* The dead records, removed one masked window a slot. With `walking` still set the
 * sweep's own removals are the only shifts, and they move records back only into slots
 * from i on, so none is passed over, but a handler's free behind the sweep leaves a dead
 * record; a second sweep, `walking` clear, removes those (a handler's removal ahead of
 * it may now shift one behind it: that one stays dead, taking room, until an allocation
 * in its chain reuses its slot or the next snapshot sweeps). */
static void sweep_dead(void)
{
    for (uint32_t i = 0; i < map.cap; i++) {
        rp_critical_t t = enter();
        record_t *r = rp_ptrmap_at(&map, i);
        while (r->ptr && r->dead)
            rp_ptrmap_remove(&map, r);
        leave(t);
    }
}

static void add_to_group(rp_trace_snapshot_t *snap, const record_t *r)
{
    uintptr_t key = snap->group == RP_TRACE_BY_TYPE ? r->type : r->site;
    uint8_t named = snap->group == RP_TRACE_BY_TYPE ? 0 : r->named;
    rp_trace_stat_t *buf = snap->stats;
    snap->total_size += r->size;
    snap->total_count++;
    uint32_t k = 0;
    while (k < snap->n && (buf[k].key != key || buf[k].named != named))
        k++;
    if (k == snap->n) {
        if (k == snap->cap) {
            snap->ungrouped++;
            return;
        }
        rp_memset(&buf[k], 0, sizeof buf[k]);
        buf[k].key = key;
        buf[k].named = named;
        snap->n++;
    }
    buf[k].size += r->size;
    buf[k].count++;
}

/* Each slot is read in its own masked window, and no record moves while `walking` is set
 * (frees leave dead records), so a block that lives throughout is counted exactly once. */
rp_err_t rp_trace_take_snapshot(rp_trace_snapshot_t *snap, rp_trace_stat_t *buf, uint32_t cap,
                                rp_trace_group_t group, const rp_trace_filter_t *filters, unsigned nfilters)
{
    if (!snap)
        return RP_E_ARG;
    rp_memset(snap, 0, sizeof *snap);
    if (RP_FROM_HANDLER("rp_trace_take_snapshot", snap))
        return RP_E_ARG;
    if (!buf)
        cap = 0;
    if (!filters)
        nfilters = 0;
    snap->stats = buf;
    snap->cap = cap;
    snap->group = group;
    if (!rp_trace_on)   /* empty; a table not yet cleared (rp_trace_start) is not ours to read or sweep */
        return RP_E_ARG;   /* tracemalloc raises RuntimeError */
    walking = 1;
    for (uint32_t i = 0; i < map.cap; i++) {
        record_t r;
        if (read_live(i, &r) && passes(&r, filters, nfilters))
            add_to_group(snap, &r);
    }
    sweep_dead();
    walking = 0;
    sweep_dead();
    sort_stats(buf, snap->n);
    return RP_E_OK;
}

static const rp_trace_stat_t *find_stat(const rp_trace_snapshot_t *s, uintptr_t key, uint8_t named)
{
    for (uint32_t k = 0; k < s->n; k++)
        if (s->stats[k].key == key && s->stats[k].named == named)
            return &s->stats[k];
    return 0;
}

static uint32_t magnitude(int32_t v) { return v < 0 ? (uint32_t)-v : (uint32_t)v; }

static int diff_before(const rp_trace_diff_t *a, const rp_trace_diff_t *b)
{
    if (magnitude(a->size_diff) != magnitude(b->size_diff))
        return magnitude(a->size_diff) > magnitude(b->size_diff);
    if (a->size != b->size)
        return a->size > b->size;
    return magnitude(a->count_diff) > magnitude(b->count_diff);
}

/* Keeps the cap first diffs in diff_before's order: d goes into the sorted prefix if it
 * beats the last one kept (which then falls off when the prefix is full). */
static void put_diff(rp_trace_diff_t *out, uint32_t cap, uint32_t *n, uint32_t *total, const rp_trace_stat_t *now,
                     const rp_trace_stat_t *old)
{
    const rp_trace_stat_t *any = now ? now : old;
    rp_trace_diff_t d;
    d.key = any->key;
    d.named = any->named;
    d.size = now ? now->size : 0;
    d.count = now ? now->count : 0;
    d.size_diff = (int32_t)d.size - (int32_t)(old ? old->size : 0);
    d.count_diff = (int32_t)d.count - (int32_t)(old ? old->count : 0);
    (*total)++;
    if (cap == 0 || (*n == cap && !diff_before(&d, &out[cap - 1u])))
        return;
    uint32_t j = *n < cap ? (*n)++ : cap - 1u;   /* the slot freed: a new one, or the last */
    for (; j > 0 && diff_before(&d, &out[j - 1]); j--)
        out[j] = out[j - 1];
    out[j] = d;
}

uint32_t rp_trace_compare_to(const rp_trace_snapshot_t *now, const rp_trace_snapshot_t *old, rp_trace_diff_t *out,
                             uint32_t cap, uint32_t *total)
{
    uint32_t n = 0, all = 0;
    if (!out)
        cap = 0;
    if (!now || !old) {
        if (total)
            *total = 0;
        return 0;
    }
    for (uint32_t i = 0; i < now->n; i++)
        put_diff(out, cap, &n, &all, &now->stats[i], find_stat(old, now->stats[i].key, now->stats[i].named));
    for (uint32_t i = 0; i < old->n; i++)
        if (!find_stat(now, old->stats[i].key, old->stats[i].named))
            put_diff(out, cap, &n, &all, 0, &old->stats[i]);
    if (total)
        *total = all;
    return n;
}

/* ---- printing, in the form tools/trace_symbolize.py reads ---- */

static void print_key(const char *tag, uintptr_t key, uint8_t named, rp_trace_group_t group)
{
    if (named) {
        const rp_trace_site_t *s = (const rp_trace_site_t *)key;
        rp_printf("%s %s:%u", tag, s->file, (unsigned)s->line);
    } else if (group == RP_TRACE_BY_TYPE) {
        const rp_type_t *t = key < RP_CFG_MAX_TYPES ? rp_type_table[key] : 0;
        rp_printf("%s <%s>", tag, key == 0 ? "raw memory" : t ? t->name : "?");
    } else {
        rp_printf("%s %p", tag, (void *)key);
    }
}

static void print_anchor(void)
{
    rp_printf("trace-anchor: rp_trace_start=%p\n", (void *)(uintptr_t)rp_trace_start);
}

void rp_trace_print_snapshot(const rp_trace_snapshot_t *snap, unsigned limit)
{
    print_anchor();
    for (uint32_t k = 0; k < snap->n && k < limit; k++) {
        const rp_trace_stat_t *s = &snap->stats[k];
        print_key("trace:", s->key, s->named, snap->group);
        rp_printf(" size=%u count=%u\n", (unsigned)s->size, (unsigned)s->count);
    }
}

void rp_trace_print_diff(const rp_trace_diff_t *diff, uint32_t n, unsigned limit)
{
    print_anchor();
    for (uint32_t k = 0; k < n && k < limit; k++) {
        const rp_trace_diff_t *d = &diff[k];
        print_key("trace-diff:", d->key, d->named, RP_TRACE_BY_SITE);
        rp_printf(" size=%u (%c%u) count=%u (%c%u)\n", (unsigned)d->size, d->size_diff < 0 ? '-' : '+',
                  (unsigned)magnitude(d->size_diff), (unsigned)d->count, d->count_diff < 0 ? '-' : '+',
                  (unsigned)magnitude(d->count_diff));
    }
}

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f = {rule, addr};
    return f;
}

/* Inside the critical section: interrupt handlers' allocations change the records, and
 * a walk they interrupt would see a count and a sum of two different moments. */
static rp_fault_t trace_check(void)
{
    size_t sum = 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < map.cap; i++) {
        const record_t *r = rp_ptrmap_at(&map, i);
        if (!r->ptr)
            continue;
        n++;
        sum += r->dead ? 0u : r->size;
        if (rp_ptrmap_find(&map, r->ptr) != r)
            return fault("trace record unreachable from its home slot", r->ptr);
    }
    if (n != map.used)
        return fault("trace record count disagrees with the table", map.slots);
    if (sum != current || current > peak)
        return fault("traced memory disagrees with the records", map.slots);
    if (!rp_trace_on && n)
        return fault("trace records left while tracing is stopped", map.slots);
    return fault(0, 0);
}

rp_fault_t rp_trace_check(void)
{
    rp_critical_t t = enter();
    rp_fault_t f = trace_check();
    leave(t);
    return f;
}
