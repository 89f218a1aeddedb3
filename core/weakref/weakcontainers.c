/*
 * weakcontainers.c — WeakValueDictionary, WeakKeyDictionary and WeakSet (contract in
 * rp_weakref.h), as CPython builds them: a dict plus weak references whose callbacks
 * remove the entry.
 *
 * Each container has one slot, its dict. A WeakValueDictionary maps key -> weak reference
 * to the value; the other two map weak reference to the key -> value (None for a set).
 * A callback's argument is a 2-tuple (weak reference to the container, key or nothing):
 * knowing the container only weakly, the entries make no cycle with it, so a container
 * dies by reference counting like any dict; its entries' callbacks then find it gone.
 * Before removing, a callback checks that the entry still holds its own weak reference,
 * so an entry replaced since is left alone.
 */
#include "rp_builtins.h"
#include "rp_weakref.h"
#include "thread_only.h"

#if RP_CFG_WEAKREF   /* weak references: rp_config.h */

static const char *const inner_names[] = {"__data__"};

#define WEAK_TYPE(var, tname, num)                                                                          \
    static uint8_t var##_number = num;                                                                      \
    static const rp_type_t var = {.name = tname, .number = &var##_number, .slot_names = inner_names,         \
                                  .nslots = 1, .flags = RP_TYPE_GC | RP_TYPE_WEAKREF | RP_TYPE_UNHASHABLE}

WEAK_TYPE(wvd_type, "WeakValueDictionary", RP_TN_WEAKVALUEDICT);
WEAK_TYPE(wkd_type, "WeakKeyDictionary", RP_TN_WEAKKEYDICT);
WEAK_TYPE(wset_type, "WeakSet", RP_TN_WEAKSET);

static int weak_values(const rp_obj_t *w) { return rp_type_of(w) == &wvd_type; }
static int is_container(const rp_obj_t *w)
{
    const rp_type_t *t = w ? rp_type_of(w) : 0;
    return t == &wvd_type || t == &wkd_type || t == &wset_type;
}

static rp_obj_t *make(const rp_type_t *t)
{
    rp_obj_t *w = rp_new(t), *d = rp_dict_new();
    if (!w || !d) {
        RP_XDECREF(w);
        RP_XDECREF(d);
        return 0;
    }
    rp_slot_set(w, 0, d);
    RP_DECREF(d);
    return w;
}

rp_obj_t *rp_weakvaluedict_new(void) { return make(&wvd_type); }
rp_obj_t *rp_weakkeydict_new(void) { return make(&wkd_type); }
rp_obj_t *rp_weakset_new(void) { return make(&wset_type); }

static rp_obj_t *data(rp_obj_t *w) { return rp_slot(w, 0); }

/* The callback: remove the entry that `ref` belongs to, if the container still lives and
 * the entry is still this one. */
static void remove_entry(rp_obj_t *ref, rp_obj_t *ticket)
{
    rp_obj_t *self_ref = 0, *key = 0, *cur = 0;
    rp_tuple_get(ticket, 0, &self_ref);
    rp_obj_t *w = rp_weakref_get(self_ref);
    if (!w)
        return;
    if (weak_values(w)) {
        rp_tuple_get(ticket, 1, &key);
        if (rp_dict_get(data(w), key, &cur) == RP_E_OK && cur == ref)
            rp_dict_del(data(w), key);
    } else {
        rp_dict_del(data(w), ref);   /* found by identity: the referent is gone */
    }
}

/* A new weak reference to `target` whose callback removes the entry from w. */
static rp_obj_t *entry_ref(rp_obj_t *w, rp_obj_t *target, rp_obj_t *key)
{
    rp_obj_t *self_ref = rp_weakref_new(w, 0, 0);
    if (!self_ref)
        return 0;
    rp_obj_t *ticket = key ? rp_tuple_pack(2, self_ref, key) : rp_tuple_pack(1, self_ref);
    RP_DECREF(self_ref);
    if (!ticket)
        return 0;
    rp_obj_t *ref = rp_weakref_new(target, remove_entry, ticket);
    RP_DECREF(ticket);
    return ref;
}

static int weakrefable(const rp_obj_t *o) { return o && (rp_type_of(o)->flags & RP_TYPE_WEAKREF); }

rp_err_t rp_weakdict_set(rp_obj_t *w, rp_obj_t *key, rp_obj_t *value)
{
    if (RP_FROM_HANDLER("rp_weakdict_set", w))
        return RP_E_ARG;
    if (!is_container(w) || !key || !value)
        return RP_E_ARG;
    uint32_t h;
    if (rp_hash(key, &h) != RP_E_OK)
        return RP_E_TYPE;
    rp_obj_t *weak_side = weak_values(w) ? value : key;
    if (!weakrefable(weak_side))
        return RP_E_TYPE;
    rp_obj_t *ref = entry_ref(w, weak_side, weak_values(w) ? key : 0);
    if (!ref)
        return RP_E_NOMEM;
    rp_err_t e = weak_values(w) ? rp_dict_set(data(w), key, ref) : rp_dict_set(data(w), ref, value);
    RP_DECREF(ref);   /* an equal key already present keeps its own reference */
    return e;
}

/* The dict key under which `key` is stored: itself, or a weak reference equal to one. */
static rp_obj_t *probe_for(rp_obj_t *w, rp_obj_t *key)
{
    if (weak_values(w)) {
        RP_INCREF(key);
        return key;
    }
    return weakrefable(key) ? rp_weakref_new(key, 0, 0) : 0;
}

rp_err_t rp_weakdict_get(rp_obj_t *w, rp_obj_t *key, rp_obj_t **out)
{
    if (RP_FROM_HANDLER("rp_weakdict_get", w))
        return RP_E_ARG;
    if (!is_container(w) || !key)
        return RP_E_ARG;
    rp_obj_t *probe = probe_for(w, key), *v = 0;
    if (!probe)   /* as Python's ref(key): TypeError for a key it cannot weakly refer to */
        return weakrefable(key) || weak_values(w) ? RP_E_NOMEM : RP_E_TYPE;
    rp_err_t e = rp_dict_get(data(w), probe, &v);
    RP_DECREF(probe);
    if (e == RP_E_OK && weak_values(w) && !(v = rp_weakref_get(v)))
        e = RP_E_KEY;
    if (out)
        *out = e == RP_E_OK ? v : 0;
    return e;
}

rp_err_t rp_weakdict_del(rp_obj_t *w, rp_obj_t *key)
{
    if (RP_FROM_HANDLER("rp_weakdict_del", w))
        return RP_E_ARG;
    if (!is_container(w) || !key)
        return RP_E_ARG;
    rp_obj_t *probe = probe_for(w, key);
    if (!probe)
        return weakrefable(key) || weak_values(w) ? RP_E_NOMEM : RP_E_TYPE;
    rp_err_t e = rp_dict_del(data(w), probe);
    RP_DECREF(probe);
    return e;
}

rp_err_t rp_weakdict_next(rp_obj_t *w, uint32_t *pos, rp_obj_t **key, rp_obj_t **value)
{
    if (RP_FROM_HANDLER("rp_weakdict_next", w))
        return RP_E_ARG;
    if (!is_container(w) || !pos)
        return RP_E_ARG;
    rp_obj_t *k, *v;
    rp_err_t e;
    while ((e = rp_dict_next(data(w), pos, &k, &v)) == RP_E_OK) {
        rp_obj_t *alive = rp_weakref_get(weak_values(w) ? v : k);
        if (!alive)
            continue;
        if (key)
            *key = weak_values(w) ? k : alive;
        if (value)
            *value = weak_values(w) ? alive : v;
        return RP_E_OK;
    }
    return e;
}

int32_t rp_weakdict_len(rp_obj_t *w)
{
    uint32_t pos = 0;
    int32_t n = 0;
    while (rp_weakdict_next(w, &pos, 0, 0) == RP_E_OK)
        n++;
    return n;
}

rp_err_t rp_weakset_add(rp_obj_t *s, rp_obj_t *item) { return rp_weakdict_set(s, item, rp_none()); }
int rp_weakset_contains(rp_obj_t *s, rp_obj_t *item) { return rp_weakdict_get(s, item, 0) == RP_E_OK; }
rp_err_t rp_weakset_discard(rp_obj_t *s, rp_obj_t *item) { return rp_weakdict_del(s, item); }

rp_err_t rp_weakcontainers_ready(void)
{
    rp_err_t e = rp_type_ready(&wvd_type);
    if (e == RP_E_OK)
        e = rp_type_ready(&wkd_type);
    return e == RP_E_OK ? rp_type_ready(&wset_type) : e;
}

#endif /* RP_CFG_WEAKREF */
