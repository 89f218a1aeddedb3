/*
 * int.c — 64-bit integers. Non-GC objects: 4-byte header, body 4-aligned only, so a
 * 64-bit value is kept as two uint32 halves.
 *
 * Two body forms, told apart by the first word, so no header bit is needed:
 *   short  {int32 value}                        values that fit int32, but INT32_MIN
 *   long   {INT32_MIN marker, low, high}        everything else
 * A short int is 8 bytes (the smallest size class); a long one 16. The size hook reads
 * the marker, which is why INT32_MIN itself takes the long form.
 *
 * -5..256 are CPython's small-int cache: immortal consts, in flash, generated below.
 */
#include "builtins_internal.h"
#include "rp_trace.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

static uint8_t RP_TYPE_NUMBER(rp_int_type) = RP_TN_INT;

#define LONG_MARK INT32_MIN
#define SMALL_MIN (-5)
#define SMALL_MAX 256

typedef struct int_short {
    uint32_t head;
    int32_t v;
} int_short_t;

typedef struct int_long {
    uint32_t head;
    int32_t mark;
    uint32_t lo, hi;
} int_long_t;

#define SI(i) {RP_RC_IMMORTAL | RP_TN_INT, (int32_t)(i) + SMALL_MIN}
#define SI2(i) SI(i), SI((i) + 1)
#define SI4(i) SI2(i), SI2((i) + 2)
#define SI8(i) SI4(i), SI4((i) + 4)
#define SI16(i) SI8(i), SI8((i) + 8)
#define SI32(i) SI16(i), SI16((i) + 16)
#define SI64(i) SI32(i), SI32((i) + 32)
#define SI128(i) SI64(i), SI64((i) + 64)
#define SI256(i) SI128(i), SI128((i) + 128)

static const int_short_t small_ints[SMALL_MAX - SMALL_MIN + 1] = {SI256(0), SI4(256), SI2(260)};
_Static_assert(sizeof small_ints / sizeof small_ints[0] == 262, "small ints are -5..256");

static int64_t value_of(const rp_obj_t *o)
{
    const int_short_t *s = (const int_short_t *)(const void *)o;
    if (s->v != LONG_MARK)
        return s->v;
    const int_long_t *l = (const int_long_t *)(const void *)o;
    return (int64_t)(((uint64_t)l->hi << 32) | l->lo);
}

rp_obj_t *rp_int_from_i64(int64_t v)
{
    RP_TRACE_CALLER();
    if (v >= SMALL_MIN && v <= SMALL_MAX)
        return (rp_obj_t *)(uintptr_t)&small_ints[v - SMALL_MIN];
    int is_short = v > INT32_MIN && v <= INT32_MAX;
    rp_obj_t *o = rp_obj_alloc(&rp_int_type, is_short ? 4u : 12u);
    if (!o)
        return 0;
    if (is_short) {
        ((int_short_t *)(void *)o)->v = (int32_t)v;
    } else {
        int_long_t *l = (int_long_t *)(void *)o;
        l->mark = LONG_MARK;
        l->lo = (uint32_t)(uint64_t)v;
        l->hi = (uint32_t)((uint64_t)v >> 32);
    }
    return o;
}

rp_err_t rp_int_as_i64(const rp_obj_t *o, int64_t *out)
{
    if (!o || !out)
        return RP_E_ARG;
    if (rp_is_bool(o)) {
        *out = o == rp_true();
        return RP_E_OK;
    }
    if (!rp_is_int(o))
        return RP_E_TYPE;
    *out = value_of(o);
    return RP_E_OK;
}

/* Equal ints hash equal whatever their form; an int32 value is its own hash, so 0 and 1
 * hash as False and True do. */
static uint32_t int_hash(rp_obj_t *o)
{
    int64_t v = value_of(o);
    if (v >= INT32_MIN && v <= INT32_MAX)
        return (uint32_t)(int32_t)v;
    uint64_t u = (uint64_t)v;
    return (uint32_t)u ^ ((uint32_t)(u >> 32) * 0x9E3779B1u);
}

static int int_equal(rp_obj_t *a, rp_obj_t *b)
{
    int64_t x, y;
    if (rp_int_as_i64(a, &x) != RP_E_OK || rp_int_as_i64(b, &y) != RP_E_OK)
        return 0;
    return x == y;
}

static size_t int_size(const rp_obj_t *o)
{
    return ((const int_short_t *)(const void *)o)->v == LONG_MARK ? sizeof(int_long_t) : sizeof(int_short_t);
}

const rp_type_t rp_int_type = {
    .name = "int",
    .number = &RP_TYPE_NUMBER(rp_int_type),
    .flags = RP_TYPE_VAR,
    .hash = int_hash,
    .equal = int_equal,
    .size = int_size,
};

#endif /* RP_CFG_BUILTINS */
