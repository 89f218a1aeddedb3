/* app.c — a firmware application that consumes refpool from outside its tree, as a user's
 * project would (tests/consumer/README.md): a cache with weak values, a tree of slot
 * objects with parent links, and a tracing diff. Returns the number of failed checks, which
 * the port turns into the exit status. */
#include "refpool.h"

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        rp_printf("FAIL consumer: %s\n", what);
        failures++;
    }
}

/* A node of a tree: children in a list, the parent as a strong reference, so that every
 * parent-child pair is a cycle for the collector. */
static uint8_t RP_TYPE_NUMBER(node);
static const char *const node_slots[] = {"parent", "children", "name"};
static const rp_type_t node_type = {
    .name = "Node", .number = &node_number, .slot_names = node_slots, .nslots = 3,
    .flags = RP_TYPE_GC | RP_TYPE_WEAKREF,
};

static rp_obj_t *node_new(rp_obj_t *parent, int32_t name)
{
    rp_obj_t *n = rp_new(&node_type);
    rp_obj_t *children = rp_list_new();
    rp_obj_t *id = rp_int_from_i32(name);
    check(n && children && id, "node allocated");
    rp_setattr(n, "children", children);
    rp_setattr(n, "name", id);
    RP_DECREF(children);
    RP_DECREF(id);
    if (parent) {
        rp_setattr(n, "parent", parent);
        rp_obj_t *siblings = 0;
        rp_getattr(parent, "children", &siblings);
        rp_list_append(siblings, n);
    }
    return n;
}

static void tree_of_slot_objects(void)
{
    rp_obj_t *root = node_new(0, 0);
    for (int32_t i = 1; i <= 20; i++) {
        rp_obj_t *child = node_new(root, i);
        for (int32_t j = 0; j < 3; j++)
            RP_DECREF(node_new(child, 100 * i + j));
        RP_DECREF(child);
    }
    rp_obj_t *children = 0;
    check(rp_getattr(root, "children", &children) == RP_E_OK && rp_list_len(children) == 20,
          "the root has 20 children");
    rp_obj_t *watch = rp_weakref_new(root, 0, 0);
    RP_DECREF(root);   /* the tree is now 81 cycles with no outside reference */
    check(rp_weakref_get(watch) != 0, "a tree of cycles outlives its last reference");
    uint32_t found = rp_gc_collect(RP_GEN_OLD);
    check(found >= 81u * 2u, "a full collection frees the tree (81 nodes and their lists)");
    check(rp_weakref_get(watch) == 0, "the weak reference to the root is dead");
    RP_DECREF(watch);
}

static void cache_with_weak_values(void)
{
    rp_obj_t *cache = rp_weakvaluedict_new();
    rp_obj_t *keep[4];
    for (int32_t i = 0; i < 8; i++) {
        rp_obj_t *key = rp_int_from_i32(i);
        rp_obj_t *value = node_new(0, i);
        check(rp_weakdict_set(cache, key, value) == RP_E_OK, "cache set");
        if (i < 4)
            keep[i] = value;
        else
            RP_DECREF(value);
        RP_DECREF(key);
    }
    check(rp_weakdict_len(cache) == 4, "the cache forgets values nobody holds");
    for (int32_t i = 0; i < 4; i++)
        RP_DECREF(keep[i]);
    check(rp_weakdict_len(cache) == 0, "and the rest once they are dropped");
    RP_DECREF(cache);
}

static void tracing_diff(void)
{
    rp_trace_snapshot_t before, after;
    rp_trace_stat_t buf_before[16], buf_after[16];
    rp_trace_diff_t diff[16];
#if RP_CFG_TRACE_RECORDS == 0
    /* The board reserves no trace table: the application gives one for as long as it traces. */
    static uintptr_t table[RP_TRACE_TABLE_BYTES(64) / sizeof(uintptr_t)];
    check(rp_trace_set_table(table, sizeof table) == RP_E_OK, "tracing takes the table");
#endif
    check(rp_trace_start(1) == RP_E_OK, "tracing starts");
    rp_trace_take_snapshot(&before, buf_before, 16, RP_TRACE_BY_TYPE, 0, 0);
    rp_obj_t *list = rp_list_new();
    for (int32_t i = 0; i < 10; i++)
        rp_list_append(list, rp_none());
    rp_trace_take_snapshot(&after, buf_after, 16, RP_TRACE_BY_TYPE, 0, 0);
    uint32_t n = rp_trace_compare_to(&after, &before, diff, 16, 0);
    check(n >= 1, "the diff has the new list");
    rp_trace_print_diff(diff, n, 5);
    RP_DECREF(list);
    rp_trace_stop();
}

int main(void)
{
    size_t size;
    void *memory = rp_port_heap(&size);
    rp_region_t region = {memory, size};
    if (rp_heap_init(&region, 1) != RP_E_OK || rp_objects_init() != RP_E_OK) {
        rp_printf("FAIL consumer: initialisation refused\n");
        return 1;
    }
    tree_of_slot_objects();
    cache_with_weak_values();
    tracing_diff();
    rp_fault_t f = rp_check_all();
    check(f.rule == 0, "every checker: consistent");
    rp_printf("consumer: %d failed\n", failures);
    return failures;
}
