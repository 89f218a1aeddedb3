/*
 * str.c — immutable byte strings with a cached hash, and the intern table.
 *
 * A heap str computes its FNV-1a hash at creation; a static str (flash) cannot store it
 * and computes it when asked. Bytes are followed by a NUL so rp_str_data is a C string.
 *
 * The intern table holds borrowed pointers, like CPython's since interned strings became
 * mortal: interning keeps nothing alive. A mortal str carries an "interned" bit so that
 * its release hook (run as it dies) removes it from the table; immortal strings never
 * die and need no bit. Linear probing with backward-shift deletion keeps the table free
 * of tombstones, so removal never degrades later lookups. The table is freed when its
 * last string dies, so a program that drops everything returns the heap to where it was.
 */
#include "builtins_internal.h"
#include "rp_trace.h"
#include "rp_mem.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

static uint8_t RP_TYPE_NUMBER(rp_str_type) = RP_TN_STR;

#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u

static const struct {
    uint32_t head, hash, len;
    char data[1];
} empty_str = {RP_RC_IMMORTAL | RP_TN_STR, FNV_BASIS, 0u, ""};

static struct {
    rp_obj_t **slot;   /* cap entries, NULL when empty; cap a power of two */
    uint32_t cap;
    uint32_t count;
} interned;

uint32_t rp_str_hash_bytes(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t h = FNV_BASIS;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= FNV_PRIME;
    }
    return h;
}

uint32_t rp_str_hash_of(const rp_obj_t *o)
{
    const rp_str_t *s = rp_str_of(o);
    return s->hash ? s->hash : rp_str_hash_bytes(s->data, RP_STR_LEN(s));
}

rp_obj_t *rp_str_new(const void *bytes, size_t len)
{
    RP_TRACE_CALLER();
    if (len == 0)
        return (rp_obj_t *)(uintptr_t)&empty_str;
    if (!bytes || len > RP_STR_MAX_LEN)
        return 0;
    rp_obj_t *o = rp_obj_alloc(&rp_str_type, 8u + len + 1u);
    if (!o)
        return 0;
    rp_str_t *s = rp_str_of(o);
    rp_memcpy(s->data, bytes, len);
    s->data[len] = '\0';
    s->len = (uint32_t)len;
    s->hash = rp_str_hash_bytes(s->data, len);
    return o;
}

static size_t cstr_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

rp_obj_t *rp_str_from_cstr(const char *s)
{
    RP_TRACE_CALLER();
    return s ? rp_str_new(s, cstr_len(s)) : 0;
}

const char *rp_str_data(const rp_obj_t *s)
{
    return rp_is_str(s) ? rp_str_of(s)->data : 0;
}

int32_t rp_str_len(const rp_obj_t *s)
{
    if (!s)
        return RP_E_ARG;
    if (!rp_is_str(s))
        return RP_E_TYPE;
    return (int32_t)RP_STR_LEN(rp_str_of(s));
}

static int same_bytes(const rp_str_t *s, uint32_t hash, const void *bytes, size_t len)
{
    return RP_STR_LEN(s) == len && rp_str_hash_of((const rp_obj_t *)s) == hash && rp_memeq(s->data, bytes, len);
}

static int str_equal(rp_obj_t *a, rp_obj_t *b)
{
    if (a == b)
        return 1;
    if (!rp_is_str(b))
        return 0;
    const rp_str_t *y = rp_str_of(b);
    return same_bytes(rp_str_of(a), rp_str_hash_of(b), y->data, RP_STR_LEN(y));
}

static uint32_t str_hash(rp_obj_t *o)
{
    return rp_str_hash_of(o);
}

static size_t str_size(const rp_obj_t *o)
{
    return sizeof(rp_str_t) + RP_STR_LEN(rp_str_of(o)) + 1u;
}

/* ---- the intern table ---- */

void rp_str_state_init(void)
{
    interned.slot = 0;
    interned.cap = 0;
    interned.count = 0;
}

/* Slot holding a str with these bytes, or -1. */
static int32_t intern_find(uint32_t hash, const void *bytes, size_t len)
{
    if (!interned.slot)
        return -1;
    uint32_t mask = interned.cap - 1u;
    for (uint32_t i = hash & mask;; i = (i + 1u) & mask) {
        rp_obj_t *e = interned.slot[i];
        if (!e)
            return -1;
        if (same_bytes(rp_str_of(e), hash, bytes, len))
            return (int32_t)i;
    }
}

static void intern_place(rp_obj_t **slot, uint32_t cap, rp_obj_t *s)
{
    uint32_t mask = cap - 1u;
    uint32_t i = rp_str_hash_of(s) & mask;
    while (slot[i])
        i = (i + 1u) & mask;
    slot[i] = s;
}

/* Room for one more entry at load <= 3/4. */
static rp_err_t intern_reserve(void)
{
    for (;;) {
        if ((interned.count + 1u) * 4u <= interned.cap * 3u)
            return RP_E_OK;
        uint32_t cap = interned.cap ? interned.cap * 2u : 16u;
        if (cap > UINT32_MAX / 8u)   /* so cap * 4 (load) and cap * pointer size fit */
            return RP_E_NOMEM;
        rp_obj_t **slot = rp_obj_malloc(cap * sizeof(rp_obj_t *));
        if (!slot)
            return RP_E_NOMEM;
        /* The allocation may have collected garbage: strings left the table, or the
         * table itself went away. Rehash what is there now. */
        if ((interned.count + 1u) * 4u > cap * 3u) {
            rp_free(slot);
            continue;
        }
        rp_memset(slot, 0, cap * sizeof(rp_obj_t *));
        for (uint32_t i = 0; i < interned.cap; i++)
            if (interned.slot[i])
                intern_place(slot, cap, interned.slot[i]);
        rp_free(interned.slot);
        interned.slot = slot;
        interned.cap = cap;
    }
}

/* Backward-shift deletion: entries after the hole move back if their home slot allows. */
static void intern_remove(const rp_obj_t *o)
{
    if (!interned.slot)
        return;
    uint32_t mask = interned.cap - 1u;
    uint32_t i = rp_str_hash_of(o) & mask;
    while (interned.slot[i] != o) {
        if (!interned.slot[i])
            return;
        i = (i + 1u) & mask;
    }
    for (uint32_t j = (i + 1u) & mask; interned.slot[j]; j = (j + 1u) & mask) {
        uint32_t home = rp_str_hash_of(interned.slot[j]) & mask;
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            interned.slot[i] = interned.slot[j];
            i = j;
        }
    }
    interned.slot[i] = 0;
    if (--interned.count == 0) {
        rp_free(interned.slot);
        rp_str_state_init();
    }
}

static rp_obj_t *intern_bytes(rp_obj_t *s, const char *bytes, size_t len)
{
    if (len == 0)   /* the empty str is a singleton already: no table needed */
        return (rp_obj_t *)(uintptr_t)&empty_str;
    uint32_t hash = s ? rp_str_hash_of(s) : rp_str_hash_bytes(bytes, len);
    int32_t k = intern_find(hash, bytes, len);
    if (k >= 0) {
        rp_obj_t *found = interned.slot[k];
        RP_INCREF(found);
        return found;
    }
    if (s)
        RP_INCREF(s);
    else if (!(s = rp_str_new(bytes, len)))
        return 0;
    if (intern_reserve() != RP_E_OK) {
        RP_DECREF(s);
        return 0;
    }
    /* A collection while the table grew may have run a finalizer that interned the
     * same bytes: look again before inserting. */
    k = intern_find(hash, bytes, len);
    if (k >= 0) {
        rp_obj_t *found = interned.slot[k];
        RP_INCREF(found);
        RP_DECREF(s);
        return found;
    }
    intern_place(interned.slot, interned.cap, s);
    interned.count++;
    if (!rp_is_immortal(s))
        rp_str_of(s)->len |= RP_STR_INTERNED;
    return s;
}

rp_obj_t *rp_str_intern(rp_obj_t *s)
{
    if (!rp_is_str(s))
        return 0;
    const rp_str_t *p = rp_str_of(s);
    return intern_bytes(s, p->data, RP_STR_LEN(p));
}

rp_obj_t *rp_str_intern_cstr(const char *s)
{
    return s ? intern_bytes(0, s, cstr_len(s)) : 0;
}

int rp_str_is_interned(const rp_obj_t *s)
{
    if (!rp_is_str(s))
        return 0;
    const rp_str_t *p = rp_str_of(s);
    int32_t k = intern_find(rp_str_hash_of(s), p->data, RP_STR_LEN(p));
    return k >= 0 && interned.slot[k] == s;
}

uint32_t rp_str_interned_count(void)
{
    return interned.count;
}

static void str_release(rp_obj_t *o)
{
    if (rp_str_of(o)->len & RP_STR_INTERNED)
        intern_remove(o);
}

const rp_type_t rp_str_type = {
    .name = "str",
    .number = &RP_TYPE_NUMBER(rp_str_type),
    .flags = RP_TYPE_VAR,
    .release = str_release,
    .hash = str_hash,
    .equal = str_equal,
    .size = str_size,
};

#endif /* RP_CFG_BUILTINS */
