/* test_heap_print.c — the printers (rp_heap_print_stats, rp_gc_print_stats, rp_heap_dump,
 * rp_heap_sample): their output, read back line by line as a tool would read it, against
 * rp_heap_stats, rp_gc_get_stats and the walk. The output is longer than
 * rp_test_capture's buffer, so a sink of this file's own parses each line as it comes:
 * no buffer of the whole text, which a 16 KiB board could not spare. */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_test.h"

/* ---- reading lines ---- */

#define MAX_LABELS 40
#define MAX_ROWS (RP_NCLASSES + 4u)   /* a row per class, or per generation */
typedef struct parsed {
    /* "# label = value" and "Total = value" lines */
    uint32_t labels[MAX_LABELS];   /* FNV-1a hashes: names would not fit a 16 KiB board */
    uint32_t values[MAX_LABELS];
    unsigned nlabels;
    /* rows of numbers only (class table, generation table) */
    uint32_t rows[MAX_ROWS][6];
    unsigned nrows, row_cols[MAX_ROWS];
    /* hd and hs lines: the numeric fields of the header, end and sample lines; the R, P
     * and C lines summed as they come (a whole dump would not fit a small board) */
    uint32_t head[8], end[8], sample[8];
    unsigned nhd, lines, runs_after_end;
    char first_kind, last_kind;
    uint32_t off, span, gaps, pools[RP_NCLASSES], spares, free_chunks, free_bytes, large;
    uint32_t frag_tenths; /* the fragmentation line's x.y % as tenths */
    int saw_frag;
} parsed_t;

static parsed_t P;
static char line[160];
static unsigned line_n;

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
static unsigned hexval(char c) { return is_digit(c) ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10); }

static int starts(const char *s, const char *p)
{
    while (*p)
        if (*s++ != *p++)
            return 0;
    return 1;
}

/* Reads the number at *s (commas skipped; base 16 if hex), moving *s past it. */
static uint32_t number(const char **s, int hex)
{
    uint32_t v = 0;
    for (; is_hex(**s) || **s == ','; (*s)++) {
        if (**s == ',')
            continue;
        if (!hex && !is_digit(**s))
            break;
        v = v * (hex ? 16u : 10u) + hexval(**s);
    }
    return v;
}

static uint32_t hash(const char *s, const char *e)
{
    uint32_t h = 2166136261u;
    for (; s < e; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static uint32_t hash_str(const char *s)
{
    const char *e = s;
    while (*e)
        e++;
    return hash(s, e);
}

static void parse_label(const char *s)
{
    const char *eq = s;
    while (*eq && *eq != '=')
        eq++;
    if (!*eq || P.nlabels == MAX_LABELS)
        return;
    const char *e = eq;
    while (e > s && e[-1] == ' ')
        e--;
    P.labels[P.nlabels] = hash(s, e);
    const char *v = eq + 1;
    while (*v == ' ')
        v++;
    if (P.labels[P.nlabels] == hash_str("# fragmentation of free space")) {
        uint32_t whole = number(&v, 0);
        P.frag_tenths = whole * 10u + (*v == '.' ? (uint32_t)(v[1] - '0') : 0u);
        P.saw_frag = 1;
    }
    P.values[P.nlabels++] = number(&v, 0);
}

/* A run line of the dump: it must start where the last one ended (the runs tile the
 * region), and it adds to the totals the test compares with rp_heap_stats. */
static void add_run(char kind, const uint32_t *n)
{
    if (kind == 'R') {
        P.off = 0;
        P.span += n[2] - n[1];
        return;
    }
    uint32_t count = kind == 'P' ? n[5] : n[3];
    P.gaps += n[0] != P.off;
    P.off = n[0] + n[1] * count;
    if (kind == 'P') {
        if (n[3] && n[2] < RP_NCLASSES)
            P.pools[n[2]] += count;
        else if (!n[3])
            P.spares += count;
    } else if (n[2]) {
        P.large += n[1] * count;
    } else {
        P.free_chunks += count;
        P.free_bytes += n[1] * count;
    }
}

static void parse_hd(const char *s)
{
    int sample = s[1] == 's';
    uint32_t n[8] = {0};
    s += 3;
    char kind = sample ? 's' : *s;   /* h(eap) R P C e(nd), or s for a sample */
    unsigned k = 0;
    while (!sample && *s && *s != ' ')
        s++;
    while (*s && k < 8) {
        while (*s == ' ')
            s++;
        const char *eq = s;   /* key=value: the value */
        while (*eq && *eq != ' ' && *eq != '=')
            eq++;
        if (*eq == '=')
            s = eq + 1;
        int hex = (kind == 'P' || kind == 'C') && k == 0;
        if (s[0] == 'v' && is_digit(s[1]))   /* the dump's version */
            s++;
        if (s[0] == '0' && s[1] == 'x') {
            s += 2;
            hex = 1;
        }
        if (is_digit(*s) || (hex && is_hex(*s)))
            n[k++] = number(&s, hex);
        else if (*s == 'u' || *s == 'f')   /* a chunk's state: 1 used, 0 free */
            n[k++] = *s++ == 'u';
        while (*s && *s != ' ')
            s++;
    }
    if (!P.nhd++)
        P.first_kind = kind;
    P.last_kind = kind;
    uint32_t *to = kind == 'h' ? P.head : kind == 'e' ? P.end : kind == 's' ? P.sample : 0;
    if (to) {
        for (unsigned i = 0; i < 8; i++)
            to[i] = n[i];
        return;
    }
    P.lines++;
    add_run(kind, n);
}

static void parse_row(const char *s)
{
    if (P.nrows == MAX_ROWS)
        return;
    unsigned k = 0;
    while (*s && k < 6) {
        while (*s == ' ')
            s++;
        if (!is_digit(*s))
            return;
        P.rows[P.nrows][k++] = number(&s, 0);
    }
    if (k)   /* a blank line is no row */
        P.row_cols[P.nrows++] = k;
}

static void parse_line(const char *s)
{
    if (starts(s, "hd ") || starts(s, "hs "))
        parse_hd(s);
    else if (starts(s, "# ") || starts(s, "Total"))
        parse_label(s);
    else
        parse_row(s);
}

static void sink(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (s[i] == '\n') {
            line[line_n] = 0;
            parse_line(line);
            line_n = 0;
        } else if (line_n + 1u < sizeof line) {
            line[line_n++] = s[i];
        }
    }
}

static rp_sink_t before;

static void read_start(void)
{
    uint8_t *z = (uint8_t *)&P;
    for (unsigned i = 0; i < sizeof P; i++)
        z[i] = 0;
    line_n = 0;
    before = rp_print_set_sink(sink);
}

static void read_stop(void) { rp_print_set_sink(before); }

/* The value of the "# label = value" line, or ~0u (and a failed check) if none. */
static uint32_t value(const char *label)
{
    for (unsigned i = 0; i < P.nlabels; i++)
        if (P.labels[i] == hash_str(label))
            return P.values[i];
    rp_printf("FAIL: no line '%s'\n", label);
    RP_CHECK(0);
    return ~0u;
}

/* ---- the heap ---- */

static void make_holes(void **p, unsigned n)
{
    uint32_t x = 777;
    for (unsigned i = 0; i < n; i++)
        p[i] = rp_malloc(i % 4 ? rp_rand_range(&x, 1, RP_CFG_SMALL_MAX) : rp_rand_range(&x, 100, 400));
    for (unsigned i = 0; i < n; i += 3)
        rp_free(p[i]);
    p[0] = 0;
}

static void check_heap_stats_printout(void)
{
    rp_heap_stats_t s;
    read_start();
    rp_heap_print_stats();
    read_stop();
    rp_heap_stats(&s);
    unsigned row = 0;
    uint32_t allocated = 0, available = 0, pools = 0;
    for (unsigned c = 0; c < RP_NCLASSES; c++) {
        if (!s.classes[c].pools)
            continue;
        RP_CHECK(row < P.nrows);
        if (row >= P.nrows)
            return;
        RP_CHECK_EQ(P.row_cols[row], 5);
        RP_CHECK_EQ(P.rows[row][0], c);
        RP_CHECK_EQ(P.rows[row][1], s.classes[c].size);
        RP_CHECK_EQ(P.rows[row][2], s.classes[c].pools);
        RP_CHECK_EQ(P.rows[row][3], s.classes[c].blocks_used);
        RP_CHECK_EQ(P.rows[row][4], s.classes[c].blocks_free);
        allocated += s.classes[c].blocks_used * s.classes[c].size;
        available += s.classes[c].blocks_free * s.classes[c].size;
        pools += s.classes[c].pools;
        row++;
    }
    RP_CHECK_EQ(P.nrows, row);   /* no row for a class without pools */
    RP_CHECK_EQ(value("# bytes in arena"), s.arena_bytes);
    RP_CHECK_EQ(value("Total"), s.arena_bytes);   /* the breakdown accounts for every byte */
    RP_CHECK_EQ(value("# bytes of page maps (metadata)"), s.metadata_bytes);
    RP_CHECK_EQ(value("# allocator state (outside arena)"), s.state_bytes);
    RP_CHECK_EQ(value("# pools in use"), pools);
    RP_CHECK_EQ(value("# unused pools (spares)"), s.spare_pools);
    RP_CHECK_EQ(value("# bytes in allocated blocks"), allocated);
    RP_CHECK_EQ(value("# bytes in available blocks"), available);
    RP_CHECK_EQ(value("# bytes in large chunks"), s.large_bytes);
    RP_CHECK_EQ(value("# large chunks in use"), s.large_blocks);
    RP_CHECK_EQ(value("# bytes in free chunks"), s.free_bytes);
    RP_CHECK_EQ(value("# free chunks"), s.free_chunks);
    RP_CHECK_EQ(value("# bytes in use (blocks handed out)"), s.bytes_in_use);
    RP_CHECK_EQ(value("# blocks in use"), s.blocks_in_use);
    RP_CHECK_EQ(value("# footprint (chunk space held)"), s.footprint);
    RP_CHECK_EQ(value("# peak footprint"), s.peak_footprint);
    RP_CHECK_EQ(value("# largest free run (one request)"), s.largest_free);
    RP_CHECK_EQ(value("# failed allocations"), s.failed_allocs);
    RP_CHECK(P.saw_frag);
}

static void test_heap_print_stats_matches_stats(void)
{
    rp_test_fresh_heap();
    check_heap_stats_printout();
    RP_CHECK_EQ(P.frag_tenths, 0);   /* one free chunk: no fragmentation */
    static void *p[60];
    make_holes(p, 60);
    RP_CHECK(rp_malloc((size_t)1 << 30) == 0);   /* a failure, counted and printed */
    check_heap_stats_printout();
    RP_CHECK(value("# failed allocations") >= 1);
    RP_CHECK(P.frag_tenths > 0);   /* holes between the blocks kept */
    for (unsigned i = 1; i < 60; i++)
        if (i % 3)
            rp_free(p[i]);
    check_heap_stats_printout();   /* spares, until trimmed */
    rp_heap_trim();
    check_heap_stats_printout();
    RP_CHECK_EQ(P.frag_tenths, 0);
    RP_HEAP_OK();
}

/* The dump's runs tile each region, and count what rp_heap_stats counts. */
static void test_heap_dump_tiles_the_heap(void)
{
    rp_test_fresh_heap();
    static void *p[60];
    make_holes(p, 60);
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    read_start();
    rp_heap_dump();
    read_stop();
    RP_CHECK(P.nhd >= 4);
    RP_CHECK_EQ(P.first_kind, 'h');
    RP_CHECK_EQ(P.head[0], 1);   /* v1 */
    RP_CHECK_EQ(P.head[1], RP_CFG_POOL_SIZE);
    RP_CHECK_EQ(P.head[5], s.arena_bytes);
    RP_CHECK_EQ(P.head[6], s.largest_free);
    RP_CHECK_EQ(P.head[7], s.free_bytes);
    RP_CHECK_EQ(P.last_kind, 'e');
    RP_CHECK_EQ(P.gaps, 0);
    RP_CHECK_EQ(P.off, P.span);   /* one region: the runs end where its chunk space ends */
    RP_CHECK_EQ(P.end[0], P.lines);
    for (unsigned c = 0; c < RP_NCLASSES; c++)
        RP_CHECK_EQ(P.pools[c], s.classes[c].pools);
    RP_CHECK_EQ(P.spares, s.spare_pools);
    RP_CHECK_EQ(P.free_chunks, s.free_chunks);
    RP_CHECK_EQ(P.free_bytes, s.free_bytes);
    RP_CHECK_EQ(P.large, s.large_bytes);
    RP_CHECK(P.free_chunks > 1);   /* the holes are there to be drawn */
    for (unsigned i = 1; i < 60; i++)
        if (i % 3)
            rp_free(p[i]);
    RP_HEAP_OK();
}

static void test_heap_sample_line(void)
{
    rp_test_fresh_heap();
    void *a = rp_malloc(100), *b = rp_malloc(20);
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    read_start();
    rp_heap_sample(4242);
    read_stop();
    RP_CHECK_EQ(P.nhd, 1);
    RP_CHECK_EQ(P.sample[0], 4242);
    RP_CHECK_EQ(P.sample[1], s.bytes_in_use);
    RP_CHECK_EQ(P.sample[2], s.blocks_in_use);
    RP_CHECK_EQ(P.sample[3], s.footprint);
    RP_CHECK_EQ(P.sample[4], s.free_bytes);
    RP_CHECK_EQ(P.sample[5], s.largest_free);
    rp_free(a);
    rp_free(b);
}

/* ---- the collector ---- */

static uint8_t RP_TYPE_NUMBER(pnode);
static const char *const pnode_names[] = {"ref"};
static const rp_type_t pnode_type = {
    .name = "pnode", .number = &RP_TYPE_NUMBER(pnode), .slot_names = pnode_names, .nslots = 1, .flags = RP_TYPE_GC,
};

static void make_cycles(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *a = rp_new(&pnode_type), *b = rp_new(&pnode_type);
        if (!a || !b)
            return;
        rp_slot_set(a, 0, b);
        rp_slot_set(b, 0, a);
        RP_DECREF(a);
        RP_DECREF(b);
    }
}

/* A cycle of two objects with legacy finalizers: uncollectable, both in gc.garbage. */
static uint8_t RP_TYPE_NUMBER(legacy);
static const rp_type_t legacy_type = {
    .name = "legacy", .number = &RP_TYPE_NUMBER(legacy), .slot_names = pnode_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_LEGACY_FINALIZER,
};
static uint32_t expected_garbage;

static void check_gc_printout(void)
{
    uint32_t count[RP_GC_GENERATIONS], threshold[RP_GC_GENERATIONS];
    rp_gc_stats_t st;
    read_start();
    rp_gc_print_stats();
    read_stop();
    rp_gc_get_count(count);
    rp_gc_get_threshold(threshold);
    rp_gc_get_stats(&st);
    RP_CHECK_EQ(P.nrows, RP_GC_GENERATIONS);
    uint32_t collections = 0;
    for (unsigned g = 0; g < RP_GC_GENERATIONS && g < P.nrows; g++) {
        RP_CHECK_EQ(P.row_cols[g], 6);
        RP_CHECK_EQ(P.rows[g][0], g);
        RP_CHECK_EQ(P.rows[g][1], count[g]);
        RP_CHECK_EQ(P.rows[g][2], threshold[g]);
        RP_CHECK_EQ(P.rows[g][3], st.gen[g].collections);
        RP_CHECK_EQ(P.rows[g][4], st.gen[g].collected);
        RP_CHECK_EQ(P.rows[g][5], st.gen[g].uncollectable);
        collections += st.gen[g].collections;
    }
    RP_CHECK_EQ(value("# collections"), collections);
    RP_CHECK_EQ(value("# longest pause (cycles)"), st.longest_pause);
    RP_CHECK_EQ(value("# longest pause's generation"), st.longest_pause_generation);
    RP_CHECK_EQ(value("# total pause (cycles)"), st.total_pause);
    RP_CHECK_EQ(value("# objects frozen (permanent)"), rp_gc_get_freeze_count());
    RP_CHECK_EQ(value("# gc.garbage"), expected_garbage);
}

static void test_gc_print_stats_matches_stats(void)
{
    rp_test_fresh_objects();
    rp_gc_set_threshold(0, 10, 10);   /* collections only when asked */
    check_gc_printout();
    RP_CHECK_EQ(value("# collections"), 0);
    make_cycles(5);
    rp_gc_collect(0);
    make_cycles(3);
    rp_gc_collect(2);
    rp_gc_collect(1);
    check_gc_printout();
    rp_obj_t *a = rp_new(&legacy_type), *b = rp_new(&legacy_type);
    rp_slot_set(a, 0, b);
    rp_slot_set(b, 0, a);
    RP_DECREF(a);
    RP_DECREF(b);
    rp_gc_collect(2);
    expected_garbage = 2;
    check_gc_printout();
    rp_slot_set(a, 0, 0);   /* the cycle broken: clearing gc.garbage frees both */
    rp_gc_garbage_clear();
    expected_garbage = 0;
    check_gc_printout();
    rp_gc_stats_t st;
    rp_gc_get_stats(&st);
    RP_CHECK(st.gen[0].collected + st.gen[1].collected + st.gen[2].collected >= 16);
    RP_CHECK(st.total_pause >= st.longest_pause);
    rp_gc_set_threshold(700, 10, 10);
    RP_ALL_BACK();
}

int main(void)
{
    rp_test_begin("heap_print");
    RP_RUN(test_heap_print_stats_matches_stats);
    RP_RUN(test_heap_dump_tiles_the_heap);
    RP_RUN(test_heap_sample_line);
    RP_RUN(test_gc_print_stats_matches_stats);
    return rp_test_end();
}
