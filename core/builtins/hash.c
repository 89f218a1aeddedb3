/*
 * hash.c — hashing and equality for dict keys, through the types' hooks.
 *
 * Tuples are the only built-in containers that compare by value, and they can nest to
 * any depth. rp_equal walks nested tuples with an explicit stack of RP_EQUAL_DEPTH frames
 * instead of recursing, so stack use is fixed whatever the data; deeper nesting is an
 * error (CPython raises RecursionError there). Cached hashes and lengths reject most
 * unequal pairs before any item is looked at.
 */
#include "builtins_internal.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

rp_err_t rp_hash(rp_obj_t *o, uint32_t *out)
{
    if (!o || !out)
        return RP_E_ARG;
    const rp_type_t *t = rp_type_of(o);
    if (!t || (t->flags & RP_TYPE_UNHASHABLE))
        return RP_E_TYPE;
    if (!t->hash) {   /* Python's object.__hash__: identity */
        *out = (uint32_t)(((uintptr_t)o >> 3) * 2654435761u);
        return RP_E_OK;
    }
    if (rp_is_tuple(o) && (rp_tuple_body(o)->len & RP_TUPLE_UNHASHABLE))
        return RP_E_TYPE;
    *out = t->hash(o);
    return RP_E_OK;
}

/* Equality of a pair that is not two tuples: identity, then a's hook. */
static int equal_flat(rp_obj_t *a, rp_obj_t *b)
{
    if (a == b)
        return 1;
    const rp_type_t *t = rp_type_of(a);
    if (!t || !t->equal)
        return 0;
    int r = t->equal(a, b);
    return r < 0 ? r : r != 0;
}

/* 0 if two tuples certainly differ (length, or both hashable with different hashes). */
static int may_match(const rp_obj_t *a, const rp_obj_t *b)
{
    const rp_tuple_body_t *x = rp_tuple_body(a), *y = rp_tuple_body(b);
    if (rp_tuple_size(a) != rp_tuple_size(b))
        return 0;
    if (!((x->len | y->len) & RP_TUPLE_UNHASHABLE) && x->hash != y->hash)
        return 0;
    return 1;
}

int rp_equal(rp_obj_t *a, rp_obj_t *b)
{
    if (!a || !b)
        return RP_E_ARG;
    if (a == b)
        return 1;
    if (!rp_is_tuple(a) || !rp_is_tuple(b))
        return equal_flat(a, b);
    struct frame {
        rp_obj_t *a, *b;
        uint32_t i;
    } stack[RP_EQUAL_DEPTH];
    unsigned depth = 0;
    if (!may_match(a, b))
        return 0;
    stack[depth].a = a;
    stack[depth].b = b;
    stack[depth].i = 0;
    depth++;
    while (depth > 0) {
        struct frame *f = &stack[depth - 1];
        if (f->i == rp_tuple_size(f->a)) {
            depth--;
            continue;
        }
        rp_obj_t *x = rp_tuple_body(f->a)->items[f->i], *y = rp_tuple_body(f->b)->items[f->i];
        f->i++;
        if (x == y)
            continue;
        if (!x || !y)
            return 0;   /* an item the collector cleared */
        if (rp_is_tuple(x) && rp_is_tuple(y)) {
            if (!may_match(x, y))
                return 0;
            if (depth == RP_EQUAL_DEPTH)
                return RP_E_ARG;
            stack[depth].a = x;
            stack[depth].b = y;
            stack[depth].i = 0;
            depth++;
            continue;
        }
        int r = equal_flat(x, y);
        if (r <= 0)
            return r;
    }
    return 1;
}

#endif /* RP_CFG_BUILTINS */
