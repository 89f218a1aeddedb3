/*
 * instance.c — the plain instance (Python's object without __slots__) and attribute
 * access on any object.
 *
 * The plain instance type is an ordinary slot type with no named slots and RP_TYPE_DICT:
 * its one reference slot is the __dict__ slot. Attribute access does not special-case it:
 * for every object it tries the named slots along the type's base chain, then the
 * __dict__ slot, which rp_type_slots puts after all named slots. The dict is created on
 * the first rp_setattr, so an instance that never gets an attribute costs one pointer.
 * Attribute names are interned, as CPython interns identifiers, so many instances with
 * the same attributes share their key strings.
 */
#include "builtins_internal.h"
#include "rp_trace.h"
#include "thread_only.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

static uint8_t RP_TYPE_NUMBER(rp_instance_type) = RP_TN_INSTANCE;

static int names_equal(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Borrowed __dict__ of o, created if `create`; NULL with *e set otherwise. */
static rp_obj_t *instance_dict(rp_obj_t *o, int create, rp_err_t *e)
{
    int k = rp_type_dict_slot(rp_type_of(o));
    if (k < 0) {
        *e = RP_E_KEY;
        return 0;
    }
    rp_obj_t *d = rp_slot(o, (unsigned)k);
    if (d || !create) {
        *e = d ? RP_E_OK : RP_E_KEY;
        return d;
    }
    if (!(d = rp_dict_new())) {
        *e = RP_E_NOMEM;
        return 0;
    }
    if (rp_slot(o, (unsigned)k)) {   /* the allocation's collection ran code that made one */
        RP_DECREF(d);
        d = rp_slot(o, (unsigned)k);
    } else {
        rp_slot_set(o, (unsigned)k, d);
        RP_DECREF(d);
    }
    *e = RP_E_OK;
    return d;
}

static rp_err_t check(const rp_obj_t *o, const char *name)
{
    if (!o || !name)
        return RP_E_ARG;
    return rp_type_of(o) ? RP_E_OK : RP_E_TYPE;
}

rp_obj_t *rp_instance_new(void)
{
    RP_TRACE_CALLER();
    return rp_new(&rp_instance_type);
}

rp_err_t rp_getattr(rp_obj_t *o, const char *name, rp_obj_t **out)
{
    if (RP_FROM_HANDLER("rp_getattr", o))
        return RP_E_ARG;
    rp_err_t e = check(o, name);
    if (e != RP_E_OK)
        return e;
    if (!out)
        return RP_E_ARG;
    int k = rp_slot_index(rp_type_of(o), name);
    if (k >= 0) {
        rp_obj_t *v = rp_slot(o, (unsigned)k);
        if (!v)
            return RP_E_KEY;
        *out = v;
        return RP_E_OK;
    }
    if (names_equal(name, "__dict__")) {
        rp_obj_t *d = instance_dict(o, 1, &e);
        if (d)
            *out = d;
        return e;
    }
    rp_obj_t *d = instance_dict(o, 0, &e);
    return d ? rp_dict_get_cstr(d, name, out) : RP_E_KEY;
}

rp_err_t rp_setattr(rp_obj_t *o, const char *name, rp_obj_t *v)
{
    rp_err_t e = check(o, name);
    if (e != RP_E_OK)
        return e;
    if (!v)
        return RP_E_ARG;
    int k = rp_slot_index(rp_type_of(o), name);
    if (k >= 0) {
        rp_slot_set(o, (unsigned)k, v);
        return RP_E_OK;
    }
    rp_obj_t *d = instance_dict(o, 1, &e);
    return d ? rp_dict_set_cstr(d, name, v) : e;
}

rp_err_t rp_delattr(rp_obj_t *o, const char *name)
{
    rp_err_t e = check(o, name);
    if (e != RP_E_OK)
        return e;
    int k = rp_slot_index(rp_type_of(o), name);
    if (k >= 0) {
        if (!rp_slot(o, (unsigned)k))
            return RP_E_KEY;
        rp_slot_set(o, (unsigned)k, 0);
        return RP_E_OK;
    }
    rp_obj_t *d = instance_dict(o, 0, &e);
    return d ? rp_dict_del_cstr(d, name) : RP_E_KEY;
}

/* Identity hash, as object.__hash__: addresses never move. */
static uint32_t instance_hash(rp_obj_t *o)
{
    uintptr_t a = (uintptr_t)o;
    return (uint32_t)(a >> 3) ^ (uint32_t)((uint64_t)a >> 32);
}

const rp_type_t rp_instance_type = {
    .name = "instance",
    .number = &RP_TYPE_NUMBER(rp_instance_type),
    .flags = RP_TYPE_GC | RP_TYPE_DICT | RP_TYPE_WEAKREF,
    .hash = instance_hash,
};

#endif /* RP_CFG_BUILTINS */
