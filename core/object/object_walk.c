/*
 * object_walk.c — the object layer's side of the heap walk: the namer rp_objects_init
 * registers with the allocator (rp_heap_set_namer), so that rp_heap_walk can name the type
 * of a live block while the allocator includes no object header (includes run one way:
 * objects know the heap, the heap knows no objects).
 *
 * A block is taken for an object when its first word reads as a live object's header: a
 * type number the type table holds and a nonzero count. A tracked object must also sit on
 * a generation list: both its neighbours lie in the heap and link back to it, which
 * stray data passes with negligible odds. An untracked object has no such witness, so a
 * buffer whose first word happens to look like a header is named too (the walk's items
 * say "probably"); the names are for pictures and summaries, never for freeing.
 */
#include "gc_internal.h"

static int in_heap(const void *p)
{
    uintptr_t a = (uintptr_t)p, lo, end;
    for (unsigned i = 0; i < rp_heap_nregions(); i++) {
        rp_heap_region_info(i, &lo, &end);
        if (a >= lo && a + sizeof(rp_gchead_t) <= end)
            return 1;
    }
    return 0;
}

static int on_a_list(const rp_gchead_t *g)
{
    const rp_gchead_t *next = rp_unlink_ptr(g->next), *prev = rp_unlink_ptr(g->prev);
    rp_link_t self = rp_link_of(g);
    return in_heap(next) && in_heap(prev) && next->prev == self && prev->next == self;
}

const char *rp_obj_guess_type(const void *user, size_t usable)
{
    const rp_obj_t *o = user;
    if (usable < RP_HEAD_SIZE || rp_gc.collecting)   /* links count references mid-collection */
        return 0;
    uint32_t h = o->head, n = h & RP_HEAD_TYPE_MASK;
    const rp_type_t *t = n < RP_CFG_MAX_TYPES ? rp_type_table[n] : 0;
    if (!t || h < RP_RC_ONE || h >= RP_RC_SPECIAL)
        return 0;
    if (!(t->flags & RP_TYPE_GC))
        return (h & RP_HEAD_TRACKED) ? 0 : t->name;
    if (usable < RP_GC_HEAD_SIZE)
        return 0;
    if ((h & RP_HEAD_TRACKED) && !on_a_list((const rp_gchead_t *)user))
        return 0;
    return t->name;
}
