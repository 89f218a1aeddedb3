/* test_minimal.c — the core with the optional parts left out (RP_CFG_BUILTINS,
 * RP_CFG_WEAKREF and RP_CFG_TRACE 0, tests/CMakeLists.txt's "minimal" variant): objects of
 * the application's own types, reference counts and the cycle collector still work, and
 * every checker holds. Under the full configuration it runs too, as a plain check. */
#include "rp_gc.h"
#include "rp_object.h"
#include "rp_test.h"
#include "rp_trace.h"

static uint8_t RP_TYPE_NUMBER(pair);
static const char *const pair_slots[] = {"left", "right"};
static const rp_type_t pair_type = {
    .name = "Pair", .number = &pair_number, .slot_names = pair_slots, .nslots = 2, .nbytes = 8,
    .flags = RP_TYPE_GC,
};

static void test_objects_and_cycles_without_builtins(void)
{
    rp_test_fresh_objects();
    rp_obj_t *ring[50];
    for (unsigned i = 0; i < 50; i++)
        RP_CHECK((ring[i] = rp_new(&pair_type)) != 0);
    for (unsigned i = 0; i < 50; i++)
        rp_slot_set(ring[i], 0, ring[(i + 1) % 50]);   /* one cycle through all fifty */
    for (unsigned i = 0; i < 50; i++)
        RP_DECREF(ring[i]);
    RP_ALL_OK();
    RP_CHECK_EQ(rp_gc_collect(2), 50);
    RP_ALL_BACK();
}

static void test_optional_parts_say_they_are_left_out(void)
{
    rp_test_fresh_objects();
#if RP_CFG_TRACE
    RP_CHECK(rp_trace_start(1) != RP_E_REFUSED);
#else
    RP_CHECK_EQ(rp_trace_start(1), RP_E_REFUSED);
    RP_CHECK(!rp_trace_is_tracing());
#endif
    rp_trace_stop();
    RP_ALL_BACK();
}

int main(void)
{
    rp_test_begin("minimal");
    RP_RUN(test_objects_and_cycles_without_builtins);
    RP_RUN(test_optional_parts_say_they_are_left_out);
    return rp_test_end();
}
