/* gdb_target.c — the firmware the gdb commands (tools/gdb/refpool.py) are tested on: it
 * builds a known heap (holes between blocks, cycles collected and left, a target object
 * referred to by two slot objects, a list and a tuple, tracing on), prints what the
 * runtime itself reports of it, and stops at rp_gdb_breakpoint, where gdb reads the same
 * state from memory. tools/gdb/check_gdb.py compares the two. */
#include "rp_builtins.h"
#include "rp_gc.h"
#include "rp_heap.h"
#include "rp_port.h"
#include "rp_print.h"
#include "rp_trace.h"

static uint8_t RP_TYPE_NUMBER(gnode);
static const char *const gnode_names[] = {"a", "b"};
static const rp_type_t gnode_type = {
    .name = "GNode", .number = &RP_TYPE_NUMBER(gnode), .slot_names = gnode_names, .nslots = 2, .flags = RP_TYPE_GC,
};

/* The object whose referrers gdb is asked for (rp referrers gdb_target_obj). */
rp_obj_t *volatile gdb_target_obj;

/* Where gdb stops; the state printed before it is the state gdb reads. */
void rp_gdb_breakpoint(void);
__attribute__((noinline, used)) void rp_gdb_breakpoint(void) { __asm__ volatile("" ::: "memory"); }

static void cycles(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        rp_obj_t *a = rp_new(&gnode_type), *b = rp_new(&gnode_type);
        if (!a || !b)
            rp_port_panic("gdb_target: no memory", 0);
        rp_slot_set(a, 0, b);
        rp_slot_set(b, 0, a);
        RP_DECREF(a);
        RP_DECREF(b);
    }
}

/* What the firmware reports itself, through the heap walk (the namer) and the types'
 * traverse: the tracked objects of a type, and the tracked objects referring to one, as
 * gc.get_objects and gc.get_referrers count them. */
typedef struct census {
    const char *type;
    const rp_obj_t *target;
    unsigned of_type, referrers, refers;
} census_t;

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static void visit_ref(rp_obj_t *child, void *arg)
{
    census_t *c = arg;
    c->refers |= child == c->target;
}

static int census_item(const rp_walk_item_t *it, void *arg)
{
    census_t *c = arg;
    rp_obj_t *o = (rp_obj_t *)(uintptr_t)it->user;
    if (!it->type || !rp_gc_is_tracked(o))
        return 0;
    c->of_type += streq(it->type, c->type);
    c->refers = 0;
    rp_obj_traverse(o, visit_ref, c);
    c->referrers += c->refers;
    return 0;
}

int main(void)
{
    size_t n;
    rp_region_t r;
    r.start = rp_port_heap(&n);
    r.size = n;
    if (rp_heap_init(&r, 1) != RP_OK || rp_objects_init() != RP_E_OK)
        rp_port_panic("gdb_target: init failed", r.start);
    rp_trace_start(1);
    static void *raw[12];
    for (unsigned i = 0; i < 12; i++)
        raw[i] = rp_malloc(8u + 12u * i);   /* pool blocks and chunks */
    for (unsigned i = 0; i < 12; i += 3)
        rp_free(raw[i]);                    /* holes */
    cycles(3);
    rp_gc_collect(0);
    cycles(2);                              /* left for a later collection */
    rp_obj_t *target = rp_new(&gnode_type), *n1 = rp_new(&gnode_type), *n2 = rp_new(&gnode_type);
    rp_slot_set(n1, 0, target);
    rp_slot_set(n2, 1, target);
    rp_obj_t *l = rp_list_new();
    rp_list_append(l, target);
    rp_obj_t *items[2] = {target, n1};
    rp_obj_t *t = rp_tuple_new(2, items);
    gdb_target_obj = target;
    census_t c = {gnode_type.name, target, 0, 0, 0};
    rp_heap_walk(census_item, &c);
    rp_printf("gdb-target: objects of type GNode: %u\n", c.of_type);
    rp_printf("gdb-target: referrers of %p: %u\n", (void *)target, c.referrers);
    rp_heap_print_stats();
    rp_heap_dump();
    rp_gc_print_stats();
    rp_trace_stat_t st[10];
    rp_trace_snapshot_t snap;
    rp_trace_take_snapshot(&snap, st, 10, RP_TRACE_BY_SITE, 0, 0);
    rp_trace_print_snapshot(&snap, 10);
    rp_printf("gdb-target: at the breakpoint\n");
    rp_gdb_breakpoint();
    rp_trace_stop();
    RP_DECREF(t);
    RP_DECREF(l);
    RP_DECREF(n1);
    RP_DECREF(n2);
    RP_DECREF(target);
    for (unsigned i = 0; i < 12; i++)
        if (i % 3)
            rp_free(raw[i]);
    rp_gc_collect(2);
    rp_fault_t f = rp_check_all();
    rp_printf("gdb-target: %s\n", f.rule ? f.rule : "consistent");
    return f.rule != 0;
}
