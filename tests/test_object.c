/* test_object.c — headers, types, slots, reference counting, bounded-stack deallocation. */
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"

static uint8_t RP_TYPE_NUMBER(point);
static const char *const point_names[] = {"x", "y"};
static const rp_type_t point_type = {
    .name = "Point", .number = &point_number, .slot_names = point_names, .nslots = 2, .flags = RP_TYPE_GC,
};

static uint8_t RP_TYPE_NUMBER(point3);
static const char *const point3_names[] = {"z"};
static const rp_type_t point3_type = {
    .name = "Point3", .number = &point3_number, .base = &point_type, .slot_names = point3_names, .nslots = 1,
    .flags = RP_TYPE_GC,
};

static uint8_t RP_TYPE_NUMBER(bad);
static const char *const bad_names[] = {"x"};
static const rp_type_t bad_type = {
    .name = "Bad", .number = &bad_number, .base = &point_type, .slot_names = bad_names, .nslots = 1,
    .flags = RP_TYPE_GC,
};

static uint8_t RP_TYPE_NUMBER(twice);
static const char *const twice_names[] = {"a", "a"};
static const rp_type_t twice_type = {
    .name = "Twice", .number = &twice_number, .slot_names = twice_names, .nslots = 2, .flags = RP_TYPE_GC,
};

static uint8_t RP_TYPE_NUMBER(withdict);
static const char *const withdict_names[] = {"x"};
static const rp_type_t withdict_type = {
    .name = "WithDict", .number = &withdict_number, .slot_names = withdict_names, .nslots = 1,
    .flags = RP_TYPE_GC | RP_TYPE_DICT,
};

static uint8_t RP_TYPE_NUMBER(blob);
static const rp_type_t blob_type = {.name = "Blob", .number = &blob_number, .nbytes = 12};

static uint32_t blocks_at_start;

static void fresh(void)
{
    rp_test_fresh_heap();
    RP_CHECK_EQ(rp_objects_init(), RP_E_OK);
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    blocks_at_start = s.blocks_in_use;
}

static uint32_t blocks_now(void)
{
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    return s.blocks_in_use;
}

static void test_header_sizes(void)
{
    fresh();
    RP_CHECK_EQ(RP_HEAD_SIZE, 4);
    rp_obj_t *b = rp_new(&blob_type);
    rp_obj_t *p = rp_new(&point_type);
    RP_CHECK_EQ(rp_sys_getsizeof(b), 4 + 12);
    RP_CHECK_EQ(rp_sys_getsizeof(p), RP_GC_HEAD_SIZE + 2 * sizeof(void *));
#if RP_CFG_GC_LINK16
    if (sizeof(void *) == 4) {
        RP_CHECK_EQ(RP_GC_HEAD_SIZE, 8);
        RP_CHECK_EQ(rp_sys_getsizeof(p), 16);   /* the 32-bit target: a tracked 2-slot instance */
    }
#endif
    rp_printf("sizes: untracked header %u, tracked header %u, 2-slot instance %u bytes\n", RP_HEAD_SIZE,
              RP_GC_HEAD_SIZE, (unsigned)rp_sys_getsizeof(p));
    RP_DECREF(b);
    RP_DECREF(p);
    RP_CHECK_EQ(blocks_now(), blocks_at_start);
}

static void test_refcount_walkthrough(void)
{
    fresh();
    rp_obj_t *a = rp_new(&point_type);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 2);   /* a, plus getrefcount's own argument */
    rp_obj_t *holder = rp_new(&point_type);
    rp_slot_set(holder, 0, a);                /* b = a, stored in a container */
    RP_CHECK_EQ(rp_sys_getrefcount(a), 3);
    rp_slot_set(holder, 1, a);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 4);
    rp_slot_set(holder, 1, 0);
    RP_CHECK_EQ(rp_sys_getrefcount(a), 3);
    RP_DECREF(holder);                         /* dropping the container drops its reference */
    RP_CHECK_EQ(rp_sys_getrefcount(a), 2);
    RP_DECREF(a);
    RP_CHECK_EQ(blocks_now(), blocks_at_start);
}

static void test_immortal_and_saturation(void)
{
    fresh();
    RP_CHECK_EQ(rp_type_ready(&blob_type), RP_E_OK);
    static rp_obj_t rom;   /* stands for an object in flash */
    rom.head = RP_RC_IMMORTAL | blob_number;
    uint32_t before = rom.head;
    RP_INCREF(&rom);
    RP_DECREF(&rom);
    RP_DECREF(&rom);
    RP_CHECK_EQ(rom.head, before);
    RP_CHECK(rp_is_immortal(&rom));
    rp_obj_t *o = rp_new(&blob_type);
    o->head = (o->head & ((1u << RP_RC_SHIFT) - 1u)) | (RP_RC_MAX << RP_RC_SHIFT);
    RP_CHECK(!rp_is_immortal(o));
    RP_INCREF(o);   /* would overflow: saturates into immortality (PEP 683) */
    RP_CHECK(rp_is_immortal(o));
    RP_DECREF(o);
    RP_CHECK(rp_is_immortal(o));
    /* An immortal heap object is never freed: it is deliberately leaked. */
    RP_CHECK_EQ(blocks_now(), blocks_at_start + 1);
}

#if RP_CFG_DEBUG
static void test_refcount_below_zero_is_reported(void)
{
    fresh();
    rp_type_ready(&blob_type);
    static rp_obj_t dead;
    dead.head = blob_number;   /* count 0 */
    rp_heap_stats_t s0, s1;
    rp_heap_stats(&s0);
    RP_DECREF(&dead);
    rp_heap_stats(&s1);
    RP_CHECK_EQ(s1.reports, s0.reports + 1);
    RP_CHECK_STR(rp_heap_last_report().rule, "below zero");
    RP_CHECK(rp_heap_last_report().addr == &dead);
    RP_CHECK_EQ(dead.head, blob_number);
}
#endif

static void test_slots_by_name_and_inheritance(void)
{
    fresh();
    RP_CHECK_EQ(rp_slot_index(&point3_type, "x"), 0);
    RP_CHECK_EQ(rp_slot_index(&point3_type, "y"), 1);
    RP_CHECK_EQ(rp_slot_index(&point3_type, "z"), 2);
    RP_CHECK_EQ(rp_slot_index(&point3_type, "w"), -1);
    RP_CHECK_EQ(rp_type_slots(&point3_type), 3);
    RP_CHECK_EQ(rp_type_slots(&withdict_type), 2);   /* x and __dict__ */
    RP_CHECK_EQ(rp_type_ready(&bad_type), RP_E_DUPLICATE);
    RP_CHECK_EQ(rp_type_ready(&twice_type), RP_E_DUPLICATE);
    RP_CHECK(rp_new(&bad_type) == 0);
    rp_obj_t *p = rp_new(&point3_type);
    rp_obj_t *v = rp_new(&blob_type);
    rp_slot_set(p, (unsigned)rp_slot_index(&point3_type, "z"), v);
    RP_CHECK(rp_slot(p, 2) == v);
    RP_CHECK(rp_slot(p, 0) == 0);
    RP_CHECK(rp_gc_is_tracked(p));
    RP_CHECK(!rp_gc_is_tracked(v));
    RP_DECREF(v);
    RP_CHECK_EQ(rp_refcnt(v), 1);   /* still held by the slot */
    RP_DECREF(p);
    RP_CHECK_EQ(blocks_now(), blocks_at_start);
}

/* W5's release half: a chain far longer than any stack could recurse. */
static void test_long_chain_frees_in_bounded_stack(void)
{
    fresh();
    size_t mem;
    rp_test_memory(&mem);
    uint32_t n = (uint32_t)(mem / 64u);   /* W5: 100,000 on the host */
    if (n > 100000)
        n = 100000;
    rp_obj_t *head = rp_new(&point_type), *tail = head;
    for (uint32_t i = 1; i < n && tail; i++) {
        rp_obj_t *next = rp_new(&point_type);
        RP_CHECK(next != 0);
        rp_slot_set(tail, 0, next);
        RP_DECREF(next);
        tail = next;
    }
    RP_CHECK_EQ(blocks_now(), blocks_at_start + n);
    RP_DECREF(head);
    (void)rp_gc_free_pending(0);   /* what the bounded DECREF left pending (RP_CFG_FREE_BUDGET) */
    RP_CHECK_EQ(blocks_now(), blocks_at_start);
    RP_CHECK(rp_obj_refzero_peak() <= 2);
    rp_printf("chain of %u objects released; refzero queue peak %u\n", (unsigned)n, (unsigned)rp_obj_refzero_peak());
    RP_CHECK(!rp_gc_check().rule);
}

static rp_obj_t *saved;
static unsigned finalized;

static void phoenix_finalize(rp_obj_t *o)
{
    finalized++;
    RP_INCREF(o);
    saved = o;   /* resurrects */
}

static uint8_t RP_TYPE_NUMBER(phoenix);
static const rp_type_t phoenix_type = {
    .name = "Phoenix", .number = &phoenix_number, .nslots = 0, .flags = RP_TYPE_GC, .finalize = phoenix_finalize,
};

static void test_finalizer_runs_once_and_may_resurrect(void)
{
    fresh();
    finalized = 0;
    rp_obj_t *o = rp_new(&phoenix_type);
    RP_DECREF(o);
    RP_CHECK_EQ(finalized, 1);
    RP_CHECK(saved == o);
    RP_CHECK(rp_gc_is_finalized(o));
    RP_CHECK_EQ(blocks_now(), blocks_at_start + 1);
    RP_DECREF(saved);   /* dies for good; the finalizer does not run again */
    RP_CHECK_EQ(finalized, 1);
    RP_CHECK_EQ(blocks_now(), blocks_at_start);
}

/* Every public macro evaluates its argument once (issue 15, defect 3: RP_XDECREF(f(x))
 * called f twice). The argument here counts its evaluations. */
static unsigned evaluations;
static rp_obj_t *evaluated;
static rp_obj_t *counted(void)
{
    evaluations++;
    return evaluated;
}

static void test_refcount_macros_evaluate_argument_once(void)
{
    rp_test_fresh_objects();
    rp_obj_t *p = rp_new(&point_type);
    evaluated = p;
    evaluations = 0;
    RP_INCREF(counted());
    RP_CHECK_EQ(evaluations, 1);
    RP_XINCREF(counted());
    RP_CHECK_EQ(evaluations, 2);
    RP_CHECK_EQ(rp_refcnt(p), 3);
    RP_DECREF(counted());
    RP_CHECK_EQ(evaluations, 3);
    RP_XDECREF(counted());
    RP_CHECK_EQ(evaluations, 4);
    RP_CHECK_EQ(rp_refcnt(p), 1);
    evaluated = 0;   /* the X forms with NULL: evaluated once, nothing touched */
    RP_XINCREF(counted());
    RP_XDECREF(counted());
    RP_CHECK_EQ(evaluations, 6);
    RP_DECREF(p);
    RP_ALL_BACK();
}

int main(void)
{
    rp_test_begin("object");
    RP_RUN(test_header_sizes);
    RP_RUN(test_refcount_walkthrough);
    RP_RUN(test_immortal_and_saturation);
#if RP_CFG_DEBUG
    RP_RUN(test_refcount_below_zero_is_reported);
#endif
    RP_RUN(test_slots_by_name_and_inheritance);
    RP_RUN(test_long_chain_frees_in_bounded_stack);
    RP_RUN(test_finalizer_runs_once_and_may_resurrect);
    RP_RUN(test_refcount_macros_evaluate_argument_once);
    return rp_test_end();
}
