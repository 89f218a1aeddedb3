/*
 * singletons.c — None, True and False: immortal const objects, so they sit in flash and
 * their reference counts are never written. Their types refuse rp_new (RP_TYPE_VAR):
 * there is exactly one of each, and identity is how Python compares them.
 */
#include "rp_builtins.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

static uint8_t RP_TYPE_NUMBER(rp_none_type) = RP_TN_NONE;
static uint8_t RP_TYPE_NUMBER(rp_bool_type) = RP_TN_BOOL;

const rp_obj_t rp_none_object = {RP_RC_IMMORTAL | RP_TN_NONE};
const rp_obj_t rp_true_object = {RP_RC_IMMORTAL | RP_TN_BOOL};
const rp_obj_t rp_false_object = {RP_RC_IMMORTAL | RP_TN_BOOL};

/* A fixed value, as CPython 3.12+ gives None a constant hash (not its address). */
static uint32_t none_hash(rp_obj_t *o)
{
    (void)o;
    return 0xFCA86420u;
}

static uint32_t bool_hash(rp_obj_t *o)
{
    return o == rp_true() ? 1u : 0u;
}

/* bool is an int in Python: True == 1 and False == 0. */
static int bool_equal(rp_obj_t *a, rp_obj_t *b)
{
    int64_t x, y;
    if (rp_int_as_i64(a, &x) != RP_E_OK || rp_int_as_i64(b, &y) != RP_E_OK)
        return a == b;
    return x == y;
}

static size_t singleton_size(const rp_obj_t *o)
{
    (void)o;
    return RP_HEAD_SIZE;
}

const rp_type_t rp_none_type = {
    .name = "NoneType",
    .number = &RP_TYPE_NUMBER(rp_none_type),
    .flags = RP_TYPE_VAR,
    .hash = none_hash,
    .size = singleton_size,
};

const rp_type_t rp_bool_type = {
    .name = "bool",
    .number = &RP_TYPE_NUMBER(rp_bool_type),
    .flags = RP_TYPE_VAR,
    .hash = bool_hash,
    .equal = bool_equal,
    .size = singleton_size,
};

#endif /* RP_CFG_BUILTINS */
