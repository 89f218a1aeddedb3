/*
 * demo.c — what refpool gives a firmware engineer, in the order the seeds teach it:
 * the pooled heap and its statistics (sys._debugmallocstats' layout) and map, reference
 * counting, slots versus dict-backed objects, cycles and the generational collector,
 * heap use over time and collection pauses, weak references, and allocation tracing
 * with a deliberate leak. Runs as firmware in QEMU (tools/run-demo.sh) or on the
 * host; exits non-zero if any checker finds the heap, the collector, the weak
 * references or the trace records inconsistent at the end.
 */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_heap.h"
#include "rp_port.h"
#include "rp_print.h"
#include "rp_trace.h"
#include "rp_weakref.h"
#if defined(RP_PORT_SEMIHOSTING) && RP_PORT_SEMIHOSTING
#include "rp_semihosting.h"
#endif

/* gc.get_objects(generation) and gc.garbage as counts: buf NULL counts (rp_gc.h). */
static size_t count_objects(int generation)
{
    size_t n;
    rp_gc_get_objects(generation, 0, 0, &n);
    return n;
}

/* uint32_t is unsigned long on arm-none-eabi and unsigned int on the host: printed
 * through unsigned so one format string fits both. */
#define U(x) ((unsigned)(x))

static void section(const char *title) { rp_printf("\n== %s ==\n", title); }

/* sys._debugmallocstats, as rp_heap_print_stats prints it. */
static void print_heap(const char *when)
{
    rp_printf("-- heap %s --\n", when);
    rp_heap_print_stats();
}

/* The heap dump, also to a file on the host where semihosting serves one (QEMU's working
 * directory, or the debugger's): heapdump.log, for tools/heapmap.py without the console. */
#if defined(RP_PORT_SEMIHOSTING) && RP_PORT_SEMIHOSTING
static int dump_file = -1;
static void to_file(const char *s, unsigned n) { rp_semihosting_fwrite(dump_file, s, n); }
#endif

static void dump_heap(void)
{
    rp_printf("-- heap map (tools/heapmap.py LOG draws it) --\n");
    rp_heap_dump();
#if defined(RP_PORT_SEMIHOSTING) && RP_PORT_SEMIHOSTING
    dump_file = rp_semihosting_open("heapdump.log", RP_SEMIHOSTING_MODE_W);
    if (dump_file < 0)
        return;
    rp_sink_t before = rp_print_set_sink(to_file);
    rp_heap_dump();
    rp_print_set_sink(before);
    rp_semihosting_close(dump_file);
    rp_printf("   (and to heapdump.log on the host, through semihosting)\n");
#endif
}

static void demo_heap(void)
{
    section("pooled heap");
    void *small[300], *large[20];
    uint32_t x = 12345;
    for (unsigned i = 0; i < 300; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        small[i] = rp_malloc(8 + x % 57);
    }
    for (unsigned i = 0; i < 20; i++)
        large[i] = rp_malloc(100 + 60 * i);
    print_heap("with 300 small and 20 large blocks");
    for (unsigned i = 0; i < 300; i += 2)
        rp_free(small[i]);
    for (unsigned i = 0; i < 20; i += 2)
        rp_free(large[i]);
    print_heap("after freeing every other block");
    dump_heap();
    for (unsigned i = 1; i < 300; i += 2)
        rp_free(small[i]);
    for (unsigned i = 1; i < 20; i += 2)
        rp_free(large[i]);
}

/* The seeds' walk-through: a list's count as references come and go. */
static void show_count(const char *what, rp_obj_t *o)
{
    rp_printf("  %-28s sys.getrefcount(a) = %u\n", what, U(rp_sys_getrefcount(o)));
}

static void as_argument(rp_obj_t *param)
{
    RP_INCREF(param);   /* a call's argument is one more reference */
    show_count("inside a function:", param);
    RP_DECREF(param);
}

static void demo_refcount(void)
{
    section("reference counting");
    rp_obj_t *a = rp_list_new();
    show_count("a = []", a);
    rp_obj_t *b = a;
    RP_INCREF(b);
    show_count("b = a", a);
    rp_obj_t *container = rp_list_new();
    rp_list_append(container, a);
    show_count("container.append(a)", a);
    as_argument(a);
    show_count("after the call", a);
    RP_DECREF(b);
    show_count("del b", a);
    rp_list_pop(container, 0, 0);
    show_count("container.pop()", a);
    RP_DECREF(container);
    RP_DECREF(a);
    rp_printf("  del a: count 0, freed at once (no collector involved)\n");
}

static uint8_t RP_TYPE_NUMBER(point);
static const char *const point_names[] = {"x", "y"};
static const rp_type_t point_type = {
    .name = "Point", .number = &point_number, .slot_names = point_names, .nslots = 2, .flags = RP_TYPE_GC,
};

static void demo_slots(void)
{
    section("__slots__ versus __dict__");
    rp_obj_t *x = rp_int_from_i32(3), *y = rp_int_from_i32(4);
    rp_obj_t *slotted = rp_new(&point_type), *plain = rp_instance_new(), *dict = 0;
    rp_setattr(slotted, "x", x);
    rp_setattr(slotted, "y", y);
    rp_setattr(plain, "x", x);
    rp_setattr(plain, "y", y);
    rp_getattr(plain, "__dict__", &dict);
    size_t with_slots = rp_sys_getsizeof(slotted);
    size_t with_dict = rp_sys_getsizeof(plain) + rp_sys_getsizeof(dict);
    rp_printf("  Point(x, y) with __slots__:     %u bytes\n", U(with_slots));
    rp_printf("  plain object, x and y in a dict: %u bytes (%u + %u for its __dict__)\n", U(with_dict),
              U(rp_sys_getsizeof(plain)), U(rp_sys_getsizeof(dict)));
    rp_printf("  headers: %u bytes untracked, %u bytes tracked\n", RP_HEAD_SIZE, RP_GC_HEAD_SIZE);
    RP_DECREF(slotted);
    RP_DECREF(plain);
    RP_DECREF(x);
    RP_DECREF(y);
}

static uint8_t RP_TYPE_NUMBER(node);
static const char *const node_names[] = {"ref"};
static const rp_type_t node_type = {
    .name = "Node", .number = &node_number, .slot_names = node_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF,
};

static void demo_cycles(void)
{
    section("cycles and the generational collector");
    rp_obj_t *a = rp_new(&node_type), *b = rp_new(&node_type);
    rp_slot_set(a, 0, b);   /* a.ref = b */
    rp_slot_set(b, 0, a);   /* b.ref = a */
    RP_DECREF(a);           /* del a, b: each count stays 1, held by the other */
    RP_DECREF(b);
    rp_printf("  a.ref = b; b.ref = a; del a, b  -> tracked objects: %u\n", U(count_objects(-1)));
    rp_printf("  gc.collect() = %u\n", U(rp_gc_collect(2)));
    /* A thousand more cycles, left to the automatic collection at threshold 700. */
    for (int i = 0; i < 1000; i++) {
        rp_obj_t *p = rp_new(&node_type), *q = rp_new(&node_type);
        rp_slot_set(p, 0, q);
        rp_slot_set(q, 0, p);
        RP_DECREF(p);
        RP_DECREF(q);
    }
    rp_printf("  after 1000 more cycles, collected automatically:\n");
    rp_gc_print_stats();
    rp_gc_collect(2);
}

/* Heap use over time and each collection's pause, for tools/heapmap.py: a workload that
 * keeps a window of recent nodes while making cycles, sampled every 100 steps, with the
 * collector's DEBUG_STATS reports on and threshold 0 at 200 (more collections to draw). */
static void demo_see_memory(void)
{
    section("seeing the memory: samples and collection pauses");
    rp_printf("  (hs lines: rp_heap_sample; gc lines: RP_GC_DEBUG_STATS, threshold 200;\n"
              "   tools/heapmap.py draws both)\n");
    rp_obj_t *keep[16] = {0};
    uint32_t threshold[RP_GC_GENERATIONS];
    rp_gc_get_threshold(threshold);
    rp_gc_set_threshold(200, threshold[1], threshold[2]);
    unsigned debug = rp_gc_get_debug();
    rp_gc_set_debug(debug | RP_GC_DEBUG_STATS);
    for (unsigned i = 0; i <= 2000; i++) {
        rp_obj_t *p = rp_new(&node_type), *q = rp_new(&node_type);
        rp_slot_set(p, 0, q);
        rp_slot_set(q, 0, p);
        if (i % 8 == 0) {   /* the window: the oldest kept cycle goes */
            RP_XDECREF(keep[(i / 8) % 16]);
            keep[(i / 8) % 16] = p;
            RP_INCREF(p);
        }
        RP_DECREF(p);
        RP_DECREF(q);
        if (i % 100 == 0)
            rp_heap_sample(i);
    }
    rp_gc_set_debug(debug);
    rp_gc_set_threshold(threshold[0], threshold[1], threshold[2]);
    for (unsigned k = 0; k < 16; k++)
        RP_XDECREF(keep[k]);
    rp_gc_collect(2);
}

static void demo_weakref(void)
{
    section("weak references: a cache that empties itself");
    rp_obj_t *cache = rp_weakvaluedict_new();
    rp_obj_t *names[3] = {rp_str_from_cstr("sensor"), rp_str_from_cstr("display"), rp_str_from_cstr("radio")};
    rp_obj_t *drivers[3];
    for (int i = 0; i < 3; i++) {
        drivers[i] = rp_new(&node_type);
        rp_weakdict_set(cache, names[i], drivers[i]);
    }
    rp_printf("  WeakValueDictionary with 3 drivers: len = %d\n", (int)rp_weakdict_len(cache));
    RP_DECREF(drivers[1]);
    rp_printf("  the display driver is released:   len = %d\n", (int)rp_weakdict_len(cache));
    rp_slot_set(drivers[2], 0, drivers[2]);   /* the radio driver in a cycle with itself */
    RP_DECREF(drivers[2]);
    rp_printf("  the radio driver, left in a cycle: len = %d\n", (int)rp_weakdict_len(cache));
    rp_gc_collect(2);
    rp_printf("  after gc.collect():               len = %d\n", (int)rp_weakdict_len(cache));
    RP_DECREF(drivers[0]);
    RP_DECREF(cache);
    for (int i = 0; i < 3; i++)
        RP_DECREF(names[i]);
}

/* A logger that forgets to free what it formats: the leak tracing finds. */
__attribute__((noipa)) static void leaky_logger(unsigned i)
{
    char *line = rp_malloc(48);
    __asm__ volatile("" ::: "memory");
    if (line)
        line[0] = (char)('0' + i % 10);
}

__attribute__((noipa)) static rp_obj_t *sample_reading(void)
{
    rp_obj_t *r = rp_list_new();
    __asm__ volatile("" ::: "memory");
    return r;
}

static void demo_trace(void)
{
    section("tracemalloc: where did the memory go?");
#if RP_CFG_TRACE_RECORDS == 0
    /* This board reserves no trace table: the application gives one, only when it traces. */
    static uintptr_t trace_table[RP_TRACE_TABLE_BYTES(256) / sizeof(uintptr_t)];
    rp_trace_set_table(trace_table, sizeof trace_table);
#endif
    if (rp_trace_start(1) != RP_E_OK) {
        rp_printf("tracing could not start\n");
        return;
    }
    rp_obj_t *readings = rp_list_new();
    rp_trace_stat_t b0[10], b1[10];
    rp_trace_snapshot_t before, after;
    rp_trace_take_snapshot(&before, b0, 10, RP_TRACE_BY_SITE, 0, 0);
    for (unsigned i = 0; i < 12; i++) {
        leaky_logger(i);
        rp_obj_t *r = sample_reading();
        rp_list_append(readings, r);
        RP_DECREF(r);
    }
    rp_trace_take_snapshot(&after, b1, 10, RP_TRACE_BY_SITE, 0, 0);
    size_t cur, peak;
    rp_trace_get_traced_memory(&cur, &peak);
    rp_printf("  traced memory: current %u B, peak %u B; %u B of records (%u dropped)\n", U(cur), U(peak),
              U(rp_trace_get_tracemalloc_memory()), U(rp_trace_dropped()));
    rp_printf("  top 10 (symbolized on the host by tools/trace_symbolize.py):\n");
    rp_trace_print_snapshot(&after, 10);
    rp_printf("  compared with the snapshot before the loop (compare_to):\n");
    rp_trace_diff_t d[10];
    rp_trace_print_diff(d, rp_trace_compare_to(&after, &before, d, 10, 0), 10);
    rp_trace_stat_t bt[10];
    rp_trace_snapshot_t by_type;
    rp_trace_take_snapshot(&by_type, bt, 10, RP_TRACE_BY_TYPE, 0, 0);
    rp_printf("  grouped by type:\n");
    rp_trace_print_snapshot(&by_type, 10);
    RP_DECREF(readings);
    rp_trace_stop();
}

int main(void)
{
    size_t n;
    rp_region_t r;
    r.start = rp_port_heap(&n);
    r.size = n;
    if (rp_heap_init(&r, 1) != RP_E_OK || rp_objects_init() != RP_E_OK)
        rp_port_panic("heap or object init failed", r.start);
    print_heap("after init");
    demo_heap();
    demo_refcount();
    demo_slots();
    demo_cycles();
    demo_see_memory();
    demo_weakref();
    demo_trace();
    section("end");
    print_heap("at the end (the leaked log lines remain)");
    rp_fault_t f = rp_check_all();
    rp_printf("\nall checkers: %s\n", f.rule ? f.rule : "consistent");
    return f.rule != 0;
}
