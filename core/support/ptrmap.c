/* ptrmap.c — the pointer-keyed map of rp_ptrmap.h. */
#include "rp_ptrmap.h"
#include "rp_mem.h"

void *rp_ptrmap_find(const rp_ptrmap_t *m, const void *key)
{
    if (!m->cap)
        return 0;
    for (uint32_t i = rp_ptrmap_home(m, key);; i = (i + 1u) & (m->cap - 1u)) {
        void *e = rp_ptrmap_at(m, i);
        if (rp_ptrmap_key(e) == key)
            return e;
        if (!rp_ptrmap_key(e))
            return 0;
    }
}

void *rp_ptrmap_insert(rp_ptrmap_t *m, const void *key)
{
    uint32_t i = rp_ptrmap_home(m, key);
    while (rp_ptrmap_key(rp_ptrmap_at(m, i)))
        i = (i + 1u) & (m->cap - 1u);
    uint8_t *e = rp_ptrmap_at(m, i);
    rp_memset(e, 0, m->esize);
    *(const void **)e = key;
    m->used++;
    return e;
}

void rp_ptrmap_remove(rp_ptrmap_t *m, void *entry)
{
    uint32_t mask = m->cap - 1u, i = (uint32_t)(((uint8_t *)entry - m->slots) / m->esize), j = i;
    *(const void **)entry = 0;
    m->used--;
    for (;;) {
        j = (j + 1u) & mask;
        uint8_t *ej = rp_ptrmap_at(m, j);
        if (!rp_ptrmap_key(ej))
            return;
        uint32_t k = rp_ptrmap_home(m, rp_ptrmap_key(ej));
        /* Entry j stays unless its home k lies cyclically outside (i, j]. */
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            rp_memcpy(rp_ptrmap_at(m, i), ej, m->esize);
            *(const void **)ej = 0;
            i = j;
        }
    }
}

void rp_ptrmap_move_all(rp_ptrmap_t *dst, const rp_ptrmap_t *src)
{
    for (uint32_t i = 0; i < src->cap; i++) {
        const void *e = rp_ptrmap_at(src, i);
        if (rp_ptrmap_key(e))
            rp_memcpy(rp_ptrmap_insert(dst, rp_ptrmap_key(e)), e, dst->esize);
    }
}
