/*
 * rp_ptrmap.h — a map keyed by pointer, over storage the caller owns: open addressing
 * with linear probing; removal shifts later entries back, so there are no tombstones and
 * a lookup never walks past the first empty slot.
 *
 * Entries are `esize` bytes, the key (a pointer, NULL meaning empty) in the first field.
 * The caller keeps the load at most 3/4 (rp_ptrmap_full tells when it would exceed it).
 * Find, insert and remove are O(1) expected. Used by the weak-reference side table
 * (grown from the heap) and the trace records (a fixed region).
 */
#ifndef RP_PTRMAP_H
#define RP_PTRMAP_H

#include <stdint.h>

typedef struct rp_ptrmap {
    uint8_t *slots;
    uint32_t cap;     /* a power of two, or 0 */
    uint32_t used;
    uint32_t esize;
} rp_ptrmap_t;

static inline const void *rp_ptrmap_key(const void *entry) { return *(const void *const *)entry; }
static inline void *rp_ptrmap_at(const rp_ptrmap_t *m, uint32_t i) { return m->slots + (uintptr_t)i * m->esize; }
static inline int rp_ptrmap_full(const rp_ptrmap_t *m) { return (m->used + 1u) * 4u > m->cap * 3u; }
/* The first slot of key's probe chain, where find and insert start. */
static inline uint32_t rp_ptrmap_home(const rp_ptrmap_t *m, const void *key)
{
    return (uint32_t)(((uintptr_t)key >> 3) * 2654435761u) & (m->cap - 1u);
}

void *rp_ptrmap_find(const rp_ptrmap_t *m, const void *key);
/* Enters key (not present) and returns its entry, the rest of it zeroed. Needs room. */
void *rp_ptrmap_insert(rp_ptrmap_t *m, const void *key);
void rp_ptrmap_remove(rp_ptrmap_t *m, void *entry);
/* Enters every entry of src into dst (empty, big enough). */
void rp_ptrmap_move_all(rp_ptrmap_t *dst, const rp_ptrmap_t *src);

#endif
