/*
 * dict.c — hash tables that keep insertion order, in CPython 3.6+'s compact layout: a
 * sparse index array (int8, int16 or int32 per slot as the table grows) pointing into a
 * dense array of entries {hash, key, value} appended in insertion order. The dense part
 * holds 2/3 of the slot count, so a small dict costs far less than a classic open table
 * of entries, and iteration is a walk over the entries.
 *
 * As in CPython: probing is i = 5i + 1 + perturb with perturb = hash >> 5 each step;
 * deletion leaves a DUMMY index and an empty entry (order is kept); a full entry array
 * triggers a resize to the smallest power of two >= 3 * used (at least 8 slots), which
 * also compacts the deleted entries away. The table never shrinks otherwise. An empty
 * dict has no table at all.
 *
 * The new table comes from rp_obj_malloc, whose emergency collection may run finalizers
 * that change this dict; the table is built from the dict as it is after the allocation,
 * and the insertion then looks its key up again.
 */
#include "builtins_internal.h"
#include "rp_trace.h"
#include "rp_mem.h"
#include "thread_only.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

static uint8_t RP_TYPE_NUMBER(rp_dict_type) = RP_TN_DICT;

typedef struct dict_body {
    uint32_t used;       /* live items */
    uint32_t nentries;   /* entries used, deleted ones included */
    uint32_t log2;       /* 2^log2 index slots; 0 while there is no table */
    uint8_t *table;      /* index slots, then entries */
} dict_body_t;

typedef struct entry {
    uint32_t hash;
    rp_obj_t *key;       /* NULL: deleted */
    rp_obj_t *value;
} entry_t;

#define MIN_LOG2 3u
#define MAX_LOG2 30u
#define IX_EMPTY (-1)
#define IX_DUMMY (-2)

static inline dict_body_t *body(const rp_obj_t *o)
{
    return (dict_body_t *)((uint8_t *)(uintptr_t)o + RP_GC_HEAD_SIZE);
}

static inline uint32_t usable_of(uint32_t log2) { return ((1u << log2) << 1) / 3u; }
static inline uint32_t ix_width(uint32_t log2) { return log2 < 8u ? 1u : log2 < 16u ? 2u : 4u; }

/* Whether a table of 2^log2 slots has a size a size_t holds (not so for the largest
 * tables on 32-bit targets, where table_bytes would wrap). */
static int table_fits(uint32_t log2)
{
    uint64_t bytes = ((uint64_t)1 << log2) * ix_width(log2) + (uint64_t)usable_of(log2) * sizeof(entry_t);
    return bytes <= SIZE_MAX;
}

static size_t table_bytes(uint32_t log2)
{
    return ((size_t)1 << log2) * ix_width(log2) + (size_t)usable_of(log2) * sizeof(entry_t);
}

/* Slot counts are powers of two >= 8, so the entries start pointer-aligned. */
static inline entry_t *entries_of(uint8_t *table, uint32_t log2)
{
    return (entry_t *)(void *)(table + ((size_t)1 << log2) * ix_width(log2));
}

static int32_t get_ix(const uint8_t *table, uint32_t log2, uint32_t i)
{
    switch (ix_width(log2)) {
    case 1: return ((const int8_t *)table)[i];
    case 2: return ((const int16_t *)(const void *)table)[i];
    default: return ((const int32_t *)(const void *)table)[i];
    }
}

static void set_ix(uint8_t *table, uint32_t log2, uint32_t i, int32_t ix)
{
    switch (ix_width(log2)) {
    case 1: ((int8_t *)table)[i] = (int8_t)ix; break;
    case 2: ((int16_t *)(void *)table)[i] = (int16_t)ix; break;
    default: ((int32_t *)(void *)table)[i] = ix; break;
    }
}

/* What is looked up: an object, or (key NULL) the bytes of a str given as a C string. */
typedef struct probe {
    rp_obj_t *key;
    const char *bytes;
    size_t len;
    uint32_t hash;
} probe_t;

/* A C-string probe against a stored key (no hook runs). */
static int matches_bytes(const entry_t *ep, const probe_t *p)
{
    if (!rp_is_str(ep->key))
        return 0;
    const rp_str_t *s = rp_str_of(ep->key);
    return RP_STR_LEN(s) == p->len && rp_memeq(s->data, p->bytes, p->len);
}

/* A probe key against the key of entry ep through its equality hook, which may run any
 * code, even change this dict: the stored key is held while it is compared, and *changed
 * says whether the table or the entry changed meanwhile, so that the lookup starts over
 * (CPython's lookdict). */
static int matches_hook(const dict_body_t *b, const entry_t *ep, const probe_t *p, int *changed)
{
    const uint8_t *table = b->table;
    rp_obj_t *start = ep->key;
    RP_INCREF(start);
    int r = rp_equal(start, p->key);
    RP_DECREF(start);
    *changed = b->table != table || ep->key != start;   /* ep is read only if table held */
    return r;
}

/* RP_E_OK with the key's slot and entry index; RP_E_KEY with the slot where it would go
 * (none without a table); or an equality error. */
static rp_err_t lookup(const dict_body_t *b, const probe_t *p, uint32_t *slot, uint32_t *eix)
{
restart:
    if (!b->table)
        return RP_E_KEY;
    uint32_t mask = (1u << b->log2) - 1u, perturb = p->hash, i = p->hash & mask;
    int64_t freeslot = -1;
    entry_t *entries = entries_of(b->table, b->log2);
    for (;;) {
        int32_t ix = get_ix(b->table, b->log2, i);
        if (ix == IX_EMPTY) {
            *slot = freeslot >= 0 ? (uint32_t)freeslot : i;
            return RP_E_KEY;
        }
        if (ix == IX_DUMMY) {
            if (freeslot < 0)
                freeslot = i;
        } else {
            const entry_t *ep = &entries[ix];
            int r = ep->key == p->key, changed = 0;
            if (!r && ep->hash == p->hash)
                r = p->key ? matches_hook(b, ep, p, &changed) : matches_bytes(ep, p);
            if (changed)
                goto restart;
            if (r < 0)
                return (rp_err_t)r;
            if (r) {
                *slot = i;
                *eix = (uint32_t)ix;
                return RP_E_OK;
            }
        }
        perturb >>= 5;
        i = (i * 5u + perturb + 1u) & mask;
    }
}

/* A slot for a hash known to be absent (while rebuilding): the first empty one. */
static uint32_t empty_slot(const uint8_t *table, uint32_t log2, uint32_t hash)
{
    uint32_t mask = (1u << log2) - 1u, perturb = hash, i = hash & mask;
    while (get_ix(table, log2, i) != IX_EMPTY) {
        perturb >>= 5;
        i = (i * 5u + perturb + 1u) & mask;
    }
    return i;
}

/* A new table for 3 * used items (CPython's GROWTH_RATE), live entries compacted in order. */
static rp_err_t dict_resize(rp_obj_t *o)
{
    dict_body_t *b = body(o);
    for (;;) {
        if (b->used > (1u << (MAX_LOG2 - 2u)))
            return RP_E_NOMEM;
        uint32_t log2 = MIN_LOG2;
        while ((1u << log2) < b->used * 3u)
            log2++;
        if (!table_fits(log2))
            return RP_E_NOMEM;
        size_t bytes = table_bytes(log2);
        uint8_t *table = rp_obj_malloc(bytes);
        if (!table)
            return RP_E_NOMEM;
        if (b->used >= usable_of(log2)) {
            rp_free(table);   /* a finalizer filled the dict meanwhile: size again */
            continue;
        }
        rp_memset(table, 0xFF, ((size_t)1 << log2) * ix_width(log2));   /* all IX_EMPTY */
        entry_t *to = entries_of(table, log2);
        uint32_t k = 0;
        if (b->table) {
            entry_t *from = entries_of(b->table, b->log2);
            for (uint32_t i = 0; i < b->nentries; i++) {
                if (!from[i].key)
                    continue;
                to[k].hash = from[i].hash;
                to[k].key = from[i].key;
                to[k].value = from[i].value;
                set_ix(table, log2, empty_slot(table, log2, from[i].hash), (int32_t)k);
                k++;
            }
        }
        rp_free(b->table);
        b->table = table;
        b->log2 = log2;
        b->nentries = k;
        return RP_E_OK;
    }
}

static rp_err_t check(const rp_obj_t *d)
{
    if (!d)
        return RP_E_ARG;
    return rp_is_dict(d) ? RP_E_OK : RP_E_TYPE;
}

rp_obj_t *rp_dict_new(void)
{
    RP_TRACE_CALLER();
    return rp_obj_alloc(&rp_dict_type, sizeof(dict_body_t));   /* untracked until needed */
}

static rp_err_t insert(rp_obj_t *o, const probe_t *p, rp_obj_t *value)
{
    dict_body_t *b = body(o);
    for (;;) {
        uint32_t slot = 0, eix = 0;
        rp_err_t e = lookup(b, p, &slot, &eix);
        if (e == RP_E_OK) {
            entry_t *ep = &entries_of(b->table, b->log2)[eix];
            rp_obj_t *old = ep->value;
            RP_INCREF(value);
            ep->value = value;
            if (!rp_gc_is_tracked(o) && rp_may_be_tracked(value))
                rp_gc_track(o);
            RP_DECREF(old);   /* last: it may run code that uses the dict */
            return RP_E_OK;
        }
        if (e != RP_E_KEY)
            return e;
        if (b->table && b->nentries < usable_of(b->log2)) {
            entry_t *ep = &entries_of(b->table, b->log2)[b->nentries];
            RP_INCREF(p->key);
            RP_INCREF(value);
            ep->hash = p->hash;
            ep->key = p->key;
            ep->value = value;
            set_ix(b->table, b->log2, slot, (int32_t)b->nentries);
            b->nentries++;
            b->used++;
            if (!rp_gc_is_tracked(o) && (rp_may_be_tracked(p->key) || rp_may_be_tracked(value)))
                rp_gc_track(o);
            return RP_E_OK;
        }
        if ((e = dict_resize(o)) != RP_E_OK)
            return e;
    }
}

static rp_err_t remove_key(rp_obj_t *o, const probe_t *p)
{
    dict_body_t *b = body(o);
    uint32_t slot = 0, eix = 0;
    rp_err_t e = lookup(b, p, &slot, &eix);
    if (e != RP_E_OK)
        return e;
    entry_t *ep = &entries_of(b->table, b->log2)[eix];
    rp_obj_t *key = ep->key, *value = ep->value;
    set_ix(b->table, b->log2, slot, IX_DUMMY);
    ep->key = 0;
    ep->value = 0;
    b->used--;
    RP_DECREF(key);
    RP_DECREF(value);
    return RP_E_OK;
}

static rp_err_t object_probe(rp_obj_t *key, probe_t *p)
{
    p->key = key;
    p->bytes = 0;
    p->len = 0;
    return rp_hash(key, &p->hash);
}

static rp_err_t cstr_probe(const char *key, probe_t *p)
{
    if (!key)
        return RP_E_ARG;
    size_t n = 0;
    while (key[n])
        n++;
    p->key = 0;
    p->bytes = key;
    p->len = n;
    p->hash = rp_str_hash_bytes(key, n);
    return RP_E_OK;
}

rp_err_t rp_dict_set(rp_obj_t *d, rp_obj_t *key, rp_obj_t *value)
{
    probe_t p;
    rp_err_t e = check(d);
    if (e != RP_E_OK)
        return e;
    if (!key || !value)
        return RP_E_ARG;
    if ((e = object_probe(key, &p)) != RP_E_OK)
        return e;
    return insert(d, &p, value);
}

rp_err_t rp_dict_get(rp_obj_t *d, rp_obj_t *key, rp_obj_t **out)
{
    if (RP_FROM_HANDLER("rp_dict_get", d))
        return RP_E_ARG;
    probe_t p;
    uint32_t slot, eix;
    rp_err_t e = check(d);
    if (e != RP_E_OK)
        return e;
    if (!key || !out)
        return RP_E_ARG;
    if ((e = object_probe(key, &p)) != RP_E_OK)
        return e;
    if ((e = lookup(body(d), &p, &slot, &eix)) != RP_E_OK)
        return e;
    *out = entries_of(body(d)->table, body(d)->log2)[eix].value;
    return RP_E_OK;
}

rp_err_t rp_dict_del(rp_obj_t *d, rp_obj_t *key)
{
    probe_t p;
    rp_err_t e = check(d);
    if (e != RP_E_OK)
        return e;
    if (!key)
        return RP_E_ARG;
    if ((e = object_probe(key, &p)) != RP_E_OK)
        return e;
    return remove_key(d, &p);
}

rp_err_t rp_dict_get_cstr(rp_obj_t *d, const char *key, rp_obj_t **out)
{
    probe_t p;
    uint32_t slot, eix;
    rp_err_t e = check(d);
    if (e != RP_E_OK)
        return e;
    if (!out)
        return RP_E_ARG;
    if ((e = cstr_probe(key, &p)) != RP_E_OK)
        return e;
    if ((e = lookup(body(d), &p, &slot, &eix)) != RP_E_OK)
        return e;
    *out = entries_of(body(d)->table, body(d)->log2)[eix].value;
    return RP_E_OK;
}

rp_err_t rp_dict_set_cstr(rp_obj_t *d, const char *key, rp_obj_t *value)
{
    rp_err_t e = check(d);
    if (e != RP_E_OK)
        return e;
    if (!key || !value)
        return RP_E_ARG;
    rp_obj_t *k = rp_str_intern_cstr(key);
    if (!k)
        return RP_E_NOMEM;
    e = rp_dict_set(d, k, value);
    RP_DECREF(k);
    return e;
}

rp_err_t rp_dict_del_cstr(rp_obj_t *d, const char *key)
{
    probe_t p;
    rp_err_t e = check(d);
    if (e != RP_E_OK)
        return e;
    if ((e = cstr_probe(key, &p)) != RP_E_OK)
        return e;
    return remove_key(d, &p);
}

int32_t rp_dict_len(const rp_obj_t *d)
{
    rp_err_t e = check(d);
    return e != RP_E_OK ? e : (int32_t)body(d)->used;
}

rp_err_t rp_dict_next(rp_obj_t *d, uint32_t *pos, rp_obj_t **key, rp_obj_t **value)
{
    if (RP_FROM_HANDLER("rp_dict_next", d))
        return RP_E_ARG;
    rp_err_t e = check(d);
    if (e != RP_E_OK)
        return e;
    if (!pos)
        return RP_E_ARG;
    dict_body_t *b = body(d);
    while (*pos < b->nentries) {
        entry_t *ep = &entries_of(b->table, b->log2)[(*pos)++];
        if (!ep->key)
            continue;
        if (key)
            *key = ep->key;
        if (value)
            *value = ep->value;
        return RP_E_OK;
    }
    return RP_E_INDEX;
}

/* ---- hooks ---- */

static void dict_traverse(rp_obj_t *o, rp_visit_t visit, void *arg)
{
    dict_body_t *b = body(o);
    if (!b->table)
        return;
    entry_t *ep = entries_of(b->table, b->log2);
    for (uint32_t i = 0; i < b->nentries; i++) {
        if (ep[i].key) {
            visit(ep[i].key, arg);
            visit(ep[i].value, arg);
        }
    }
}

/* The table is detached before any reference is dropped (a DECREF may run code that
 * uses this dict); it leaves a valid empty dict. */
static void dict_clear(rp_obj_t *o)
{
    dict_body_t *b = body(o);
    uint8_t *table = b->table;
    uint32_t log2 = b->log2, n = b->nentries;
    b->table = 0;
    b->log2 = 0;
    b->used = 0;
    b->nentries = 0;
    if (!table)
        return;
    entry_t *ep = entries_of(table, log2);
    for (uint32_t i = 0; i < n; i++) {
        if (ep[i].key) {
            RP_DECREF(ep[i].key);
            RP_DECREF(ep[i].value);
        }
    }
    rp_free(table);
}

/* After clear there is nothing left; kept for a clear that ever leaves the table. */
static void dict_release(rp_obj_t *o)
{
    dict_body_t *b = body(o);
    rp_free(b->table);
    b->table = 0;
    b->log2 = 0;
}

/* CPython's _PyDict_MaybeUntrack: no key or value may be tracked. Safe because every
 * store of such an object tracks the dict again (insert). */
static int dict_untrackable(rp_obj_t *o)
{
    dict_body_t *b = body(o);
    if (!b->table)
        return 1;
    entry_t *ep = entries_of(b->table, b->log2);
    for (uint32_t i = 0; i < b->nentries; i++)
        if (ep[i].key && (rp_may_be_tracked(ep[i].key) || rp_may_be_tracked(ep[i].value)))
            return 0;
    return 1;
}

static size_t dict_size(const rp_obj_t *o)
{
    const dict_body_t *b = body(o);
    return RP_GC_HEAD_SIZE + sizeof(dict_body_t) + (b->table ? table_bytes(b->log2) : 0u);
}

const rp_type_t rp_dict_type = {
    .name = "dict",
    .number = &RP_TYPE_NUMBER(rp_dict_type),
    .nbytes = sizeof(dict_body_t),
    .flags = RP_TYPE_GC | RP_TYPE_UNHASHABLE | RP_TYPE_CLEAR_DROPS_ONLY,
    .traverse = dict_traverse,
    .clear = dict_clear,
    .release = dict_release,
    .size = dict_size,
    .untrackable = dict_untrackable,
};

#endif /* RP_CFG_BUILTINS */
