/*
 * tuple.c — fixed sequences of references.
 *
 * A tuple never changes after creation, so two things are settled then:
 * - tracking: only if an item may be tracked (CPython untracks such tuples during
 *   collections; deciding at creation saves the collector that work). The collector may
 *   still untrack one later, through the untrackable hook, once its item tuples are;
 * - the hash, combined from the items' hashes with CPython's xxHash-based tuplehash.
 *   Nested tuples contribute their cached hash, so hashing never recurses.
 * The empty tuple is an immortal const, as CPython's () singleton.
 */
#include <stdarg.h>
#include "rp_trace.h"
#include "builtins_internal.h"
#include "thread_only.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

static uint8_t RP_TYPE_NUMBER(rp_tuple_type) = RP_TN_TUPLE;

/* CPython's tuplehash constants (32-bit). */
#define XXPRIME_1 2654435761u
#define XXPRIME_2 2246822519u
#define XXPRIME_5 374761393u
#define XXROTATE(x) (((x) << 13) | ((x) >> 19))
#define HASH_FINISH(acc, n) ((acc) + ((uint32_t)(n) ^ (XXPRIME_5 ^ 3527539u)))

static const struct {
    union {
        rp_gchead_t gc;
        uint8_t pad[RP_GC_HEAD_SIZE];
    } h;
    uint32_t len, hash;   /* rp_tuple_body_t without items */
} empty_tuple = {{{RP_RC_IMMORTAL | RP_TN_TUPLE, 0, 0}}, 0, HASH_FINISH(XXPRIME_5, 0)};

/* Hash of the items, or RP_TUPLE_UNHASHABLE in *flag. User hash hooks run here. */
static uint32_t items_hash(rp_obj_t *const *items, uint32_t n, uint32_t *flag)
{
    uint32_t acc = XXPRIME_5;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t lane;
        if (rp_hash(items[i], &lane) != RP_E_OK) {
            *flag = RP_TUPLE_UNHASHABLE;
            return 0;
        }
        acc += lane * XXPRIME_2;
        acc = XXROTATE(acc);
        acc *= XXPRIME_1;
    }
    *flag = 0;
    return HASH_FINISH(acc, n);
}

/* The largest n a tuple holds: its length is an int32_t, and its bytes fit a size_t. */
static int size_ok(size_t n)
{
    return n <= INT32_MAX && n <= (SIZE_MAX - RP_GC_HEAD_SIZE - sizeof(rp_tuple_body_t)) / sizeof(rp_obj_t *);
}

/* Allocated, untracked, items NULL. */
static rp_obj_t *tuple_alloc(size_t n)
{
    if (!size_ok(n))
        return 0;
    rp_obj_t *t = rp_obj_alloc(&rp_tuple_type, sizeof(rp_tuple_body_t) + n * sizeof(rp_obj_t *));
    if (t)
        rp_tuple_body(t)->len = (uint32_t)n;
    return t;
}

/* Items filled: hash, then track if an item may be tracked. */
static rp_obj_t *tuple_finish(rp_obj_t *t)
{
    rp_tuple_body_t *b = rp_tuple_body(t);
    uint32_t n = b->len, flag;
    b->hash = items_hash(b->items, n, &flag);
    b->len = n | flag;
    for (uint32_t i = 0; i < n; i++) {
        if (rp_may_be_tracked(b->items[i])) {
            rp_gc_track(t);
            break;
        }
    }
    return t;
}

rp_obj_t *rp_tuple_new(size_t n, rp_obj_t *const *items)
{
    RP_TRACE_CALLER();
    if (n == 0)
        return (rp_obj_t *)(uintptr_t)&empty_tuple;
    if (!items || !size_ok(n))   /* n first: items is read only up to a valid n */
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!items[i])
            return 0;
    rp_obj_t *t = tuple_alloc(n);
    if (!t)
        return 0;
    rp_tuple_body_t *b = rp_tuple_body(t);
    for (size_t i = 0; i < n; i++) {
        RP_INCREF(items[i]);
        b->items[i] = items[i];
    }
    return tuple_finish(t);
}

rp_obj_t *rp_tuple_pack(size_t n, ...)
{
    RP_TRACE_CALLER();
    if (n == 0)
        return (rp_obj_t *)(uintptr_t)&empty_tuple;
    rp_obj_t *t = tuple_alloc(n);
    if (!t)
        return 0;
    rp_tuple_body_t *b = rp_tuple_body(t);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        rp_obj_t *v = va_arg(ap, rp_obj_t *);
        if (!v) {
            va_end(ap);
            RP_DECREF(t);   /* drops the items stored so far */
            return 0;
        }
        RP_INCREF(v);
        b->items[i] = v;
    }
    va_end(ap);
    return tuple_finish(t);
}

rp_err_t rp_tuple_get(rp_obj_t *t, int32_t i, rp_obj_t **out)
{
    if (RP_FROM_HANDLER("rp_tuple_get", t))
        return RP_E_ARG;
    uint32_t k;
    if (!t || !out)
        return RP_E_ARG;
    if (!rp_is_tuple(t))
        return RP_E_TYPE;
    if (!rp_index(i, rp_tuple_size(t), &k))
        return RP_E_INDEX;
    rp_obj_t *v = rp_tuple_body(t)->items[k];
    if (!v)
        return RP_E_KEY;
    *out = v;
    return RP_E_OK;
}

int32_t rp_tuple_len(const rp_obj_t *t)
{
    if (!t)
        return RP_E_ARG;
    if (!rp_is_tuple(t))
        return RP_E_TYPE;
    return (int32_t)rp_tuple_size(t);
}

/* ---- hooks ---- */

static void tuple_traverse(rp_obj_t *o, rp_visit_t visit, void *arg)
{
    rp_tuple_body_t *b = rp_tuple_body(o);
    uint32_t n = rp_tuple_size(o);
    for (uint32_t i = 0; i < n; i++)
        if (b->items[i])
            visit(b->items[i], arg);
}

/* Each item is taken out before its reference is dropped, so whatever the DECREF runs
 * sees a consistent tuple. */
static void tuple_clear(rp_obj_t *o)
{
    rp_tuple_body_t *b = rp_tuple_body(o);
    uint32_t n = rp_tuple_size(o);
    for (uint32_t i = 0; i < n; i++) {
        rp_obj_t *v = b->items[i];
        b->items[i] = 0;
        if (v)
            RP_DECREF(v);
    }
}

/* The collector may untrack a tuple once no item may be tracked any more: an item tuple
 * it untracked earlier. Same rule as at creation. */
static int tuple_untrackable(rp_obj_t *o)
{
    rp_tuple_body_t *b = rp_tuple_body(o);
    uint32_t n = rp_tuple_size(o);
    for (uint32_t i = 0; i < n; i++)
        if (b->items[i] && rp_may_be_tracked(b->items[i]))
            return 0;
    return 1;
}

static uint32_t tuple_hash(rp_obj_t *o)
{
    return rp_tuple_body(o)->hash;
}

/* A tuple equals only a tuple (Python's tuple.__eq__ gives NotImplemented otherwise);
 * rp_equal walks two tuples without calling this hook, so the test also keeps the hook
 * from calling rp_equal back on a pair rp_equal handed to it. */
static int tuple_equal(rp_obj_t *a, rp_obj_t *b)
{
    return rp_is_tuple(b) ? rp_equal(a, b) : 0;
}

static size_t tuple_size(const rp_obj_t *o)
{
    return RP_GC_HEAD_SIZE + sizeof(rp_tuple_body_t) + rp_tuple_size(o) * sizeof(rp_obj_t *);
}

const rp_type_t rp_tuple_type = {
    .name = "tuple",
    .number = &RP_TYPE_NUMBER(rp_tuple_type),
    .flags = RP_TYPE_GC | RP_TYPE_VAR,
    .traverse = tuple_traverse,
    .clear = tuple_clear,
    .hash = tuple_hash,
    .equal = tuple_equal,
    .size = tuple_size,
    .untrackable = tuple_untrackable,
};

#endif /* RP_CFG_BUILTINS */
