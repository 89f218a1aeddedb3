/*
 * builtins_internal.h — what the built-in type files share and the public API does not
 * show: the str and tuple layouts, the tracking rule, and the intern table's reset.
 */
#ifndef RP_BUILTINS_INTERNAL_H
#define RP_BUILTINS_INTERNAL_H

#include "rp_builtins.h"
#include "rp_gc.h"

/* str: a non-GC object, so its body starts 4 bytes in (RP_STR_STATIC matches this). */
typedef struct rp_str {
    uint32_t head;
    uint32_t hash;      /* 0: not computed (static strings in flash) */
    uint32_t len;       /* bit 31: interned (mortal strings only) */
    char data[];        /* len bytes and a NUL */
} rp_str_t;

#define RP_STR_INTERNED 0x80000000u
#define RP_STR_LEN(s) ((s)->len & ~RP_STR_INTERNED)

static inline rp_str_t *rp_str_of(const rp_obj_t *o) { return (rp_str_t *)(uintptr_t)o; }

/* FNV-1a over n bytes: the str hash. */
uint32_t rp_str_hash_bytes(const void *p, size_t n);
/* The hash of a str (cached, or computed for a static one). */
uint32_t rp_str_hash_of(const rp_obj_t *o);
/* Forgets the intern table: rp_objects_init runs over a new heap. */
void rp_str_state_init(void);

/* tuple body, after the GC header. */
typedef struct rp_tuple_body {
    uint32_t len;       /* bit 31: an item is unhashable, so the tuple is */
    uint32_t hash;
    rp_obj_t *items[];
} rp_tuple_body_t;

#define RP_TUPLE_UNHASHABLE 0x80000000u

static inline rp_tuple_body_t *rp_tuple_body(const rp_obj_t *o)
{
    return (rp_tuple_body_t *)((uint8_t *)(uintptr_t)o + RP_GC_HEAD_SIZE);
}
static inline uint32_t rp_tuple_size(const rp_obj_t *o) { return rp_tuple_body(o)->len & ~RP_TUPLE_UNHASHABLE; }

/* CPython's _PyObject_GC_MAY_BE_TRACKED: a GC object other than an untracked tuple. An
 * untracked dict counts, since it may be tracked later; an untracked tuple never will. */
static inline int rp_may_be_tracked(const rp_obj_t *o)
{
    if (!rp_is_gc(o))
        return 0;
    return !rp_is_tuple(o) || rp_gc_is_tracked(o);
}

/* Python's index rule: negative counts from the end. 1 and *out set if 0 <= i < n. */
static inline int rp_index(int32_t i, uint32_t n, uint32_t *out)
{
    int64_t k = i < 0 ? (int64_t)i + n : (int64_t)i;
    if (k < 0 || k >= (int64_t)n)
        return 0;
    *out = (uint32_t)k;
    return 1;
}

#endif
