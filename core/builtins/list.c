/*
 * list.c — growable arrays of references, grown as CPython 3.11's list_resize grows
 * them: new_allocated = (n + (n >> 3) + 6) & ~3, and no over-allocation when the new size
 * is closer to that than to the old size; shrunk when less than half is used. The same
 * capacities mean rp_sys_getsizeof steps where Python's sys.getsizeof does.
 *
 * A new item array is allocated, filled and swapped in; rp_realloc is not used because
 * a failing allocation runs an emergency collection whose finalizers may change this
 * very list, and realloc would then copy from an array the list no longer owns. After
 * the allocation the list is read again, and the resize retried if the new array no
 * longer fits. A shrink that cannot allocate keeps the larger array.
 */
#include "builtins_internal.h"
#include "rp_trace.h"
#include "rp_mem.h"
#include "thread_only.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

static uint8_t RP_TYPE_NUMBER(rp_list_type) = RP_TN_LIST;

typedef struct list_body {
    uint32_t size;
    uint32_t allocated;
    rp_obj_t **items;
} list_body_t;

static inline list_body_t *body(const rp_obj_t *o)
{
    return (list_body_t *)((uint8_t *)(uintptr_t)o + RP_GC_HEAD_SIZE);
}

/* CPython 3.11 list_resize's capacity for newsize items, from a list of size items. */
static size_t capacity_for(uint32_t newsize, uint32_t size)
{
    if (newsize == 0)
        return 0;
    size_t cap = ((size_t)newsize + (newsize >> 3) + 6u) & ~(size_t)3;
    if ((int64_t)newsize - (int64_t)size > (int64_t)(cap - newsize))
        cap = ((size_t)newsize + 3u) & ~(size_t)3;
    return cap;
}

/* Makes allocated >= newsize and newsize >= allocated / 2, as list_resize does; the
 * caller sets the size. On failure the list keeps its array (a shrink may just not
 * happen). */
static rp_err_t list_resize(rp_obj_t *o, uint32_t newsize)
{
    list_body_t *l = body(o);
    for (;;) {
        if (l->allocated >= newsize && newsize >= (l->allocated >> 1))
            return RP_E_OK;
        size_t cap = capacity_for(newsize, l->size);
        if (cap > SIZE_MAX / sizeof(rp_obj_t *))
            return RP_E_NOMEM;
        rp_obj_t **items = 0;
        if (cap) {
            items = rp_obj_malloc(cap * sizeof(rp_obj_t *));
            if (!items)
                return RP_E_NOMEM;
            if (l->size > cap) {   /* a finalizer grew the list meanwhile: size again */
                rp_free(items);
                continue;
            }
        }
        if (l->size)
            rp_memcpy(items, l->items, l->size * sizeof(rp_obj_t *));
        rp_free(l->items);
        l->items = items;
        l->allocated = (uint32_t)cap;
        return RP_E_OK;
    }
}

/* Room for one more item. */
static rp_err_t list_grow(rp_obj_t *o)
{
    list_body_t *l = body(o);
    while (l->size >= l->allocated) {
        if (l->size >= INT32_MAX)
            return RP_E_NOMEM;
        rp_err_t e = list_resize(o, l->size + 1u);
        if (e != RP_E_OK)
            return e;
    }
    return RP_E_OK;
}

static rp_err_t check(const rp_obj_t *l)
{
    if (!l)
        return RP_E_ARG;
    return rp_is_list(l) ? RP_E_OK : RP_E_TYPE;
}

rp_obj_t *rp_list_new(void)
{
    RP_TRACE_CALLER();
    rp_obj_t *o = rp_obj_alloc(&rp_list_type, sizeof(list_body_t));
    if (o)
        rp_gc_track(o);
    return o;
}

/* What append and insert check before they store: a list, an item, room for one more. */
static rp_err_t ready_for_one_more(rp_obj_t *o, rp_obj_t *v)
{
    rp_err_t e = check(o);
    if (e != RP_E_OK)
        return e;
    if (!v)
        return RP_E_ARG;
    return list_grow(o);
}

rp_err_t rp_list_append(rp_obj_t *o, rp_obj_t *v)
{
    rp_err_t e = ready_for_one_more(o, v);
    if (e != RP_E_OK)
        return e;
    list_body_t *l = body(o);
    RP_INCREF(v);
    l->items[l->size++] = v;
    return RP_E_OK;
}

rp_err_t rp_list_insert(rp_obj_t *o, int32_t i, rp_obj_t *v)
{
    rp_err_t e = ready_for_one_more(o, v);
    if (e != RP_E_OK)
        return e;
    list_body_t *l = body(o);
    uint32_t n = l->size;
    int64_t k = i < 0 ? (int64_t)i + n : (int64_t)i;   /* clamped, as list.insert */
    uint32_t at = k < 0 ? 0u : k > (int64_t)n ? n : (uint32_t)k;
    for (uint32_t j = n; j > at; j--)
        l->items[j] = l->items[j - 1];
    RP_INCREF(v);
    l->items[at] = v;
    l->size = n + 1u;
    return RP_E_OK;
}

/* The checks every indexed operation makes: a list, a non-NULL argument, an index in
 * range (negative from the end, as Python's); *k gets the position. */
static rp_err_t item_at(rp_obj_t *o, int32_t i, const void *arg, uint32_t *k)
{
    rp_err_t e = check(o);
    if (e != RP_E_OK)
        return e;
    if (!arg)
        return RP_E_ARG;
    return rp_index(i, body(o)->size, k) ? RP_E_OK : RP_E_INDEX;
}

rp_err_t rp_list_get(rp_obj_t *o, int32_t i, rp_obj_t **out)
{
    if (RP_FROM_HANDLER("rp_list_get", o))
        return RP_E_ARG;
    uint32_t k;
    rp_err_t e = item_at(o, i, out, &k);
    if (e != RP_E_OK)
        return e;
    *out = body(o)->items[k];
    return RP_E_OK;
}

rp_err_t rp_list_set(rp_obj_t *o, int32_t i, rp_obj_t *v)
{
    uint32_t k;
    rp_err_t e = item_at(o, i, v, &k);
    if (e != RP_E_OK)
        return e;
    rp_obj_t *old = body(o)->items[k];
    RP_INCREF(v);
    body(o)->items[k] = v;
    RP_DECREF(old);   /* last: it may run code that uses the list */
    return RP_E_OK;
}

rp_err_t rp_list_pop(rp_obj_t *o, int32_t i, rp_obj_t **out)
{
    uint32_t k;
    rp_err_t e = check(o);
    if (e != RP_E_OK)
        return e;
    list_body_t *l = body(o);
    if (!rp_index(i, l->size, &k))
        return RP_E_INDEX;
    rp_obj_t *v = l->items[k];
    for (uint32_t j = k + 1u; j < l->size; j++)
        l->items[j - 1u] = l->items[j];
    l->size--;
    list_resize(o, l->size);   /* may fail: the larger array is kept */
    if (out) {
        /* The list's reference changes hands: as the caller's INCREF and the list's
         * DECREF, so that an incremental cycle that counted it in the list sees v's count
         * move (rp_gc.h: a reference taken out of an object by hand). */
        RP_INCREF(v);
        RP_DECREF(v);
        *out = v;
    } else {
        RP_DECREF(v);
    }
    return RP_E_OK;
}

int32_t rp_list_len(const rp_obj_t *o)
{
    rp_err_t e = check(o);
    return e != RP_E_OK ? e : (int32_t)body(o)->size;
}

/* ---- hooks ---- */

static void list_traverse(rp_obj_t *o, rp_visit_t visit, void *arg)
{
    list_body_t *l = body(o);
    for (uint32_t i = 0; i < l->size; i++)
        visit(l->items[i], arg);
}

/* CPython's _list_clear: the array is detached before any reference is dropped, since a
 * DECREF may run code that appends to this list; it leaves a valid empty list. */
static void list_clear(rp_obj_t *o)
{
    list_body_t *l = body(o);
    rp_obj_t **items = l->items;
    uint32_t n = l->size;
    l->items = 0;
    l->size = 0;
    l->allocated = 0;
    while (n > 0)
        RP_DECREF(items[--n]);
    rp_free(items);
}

/* After clear there is nothing left; kept for a clear that ever leaves the array. */
static void list_release(rp_obj_t *o)
{
    list_body_t *l = body(o);
    rp_free(l->items);
    l->items = 0;
    l->allocated = 0;
}

static size_t list_size(const rp_obj_t *o)
{
    return RP_GC_HEAD_SIZE + sizeof(list_body_t) + (size_t)body(o)->allocated * sizeof(rp_obj_t *);
}

const rp_type_t rp_list_type = {
    .name = "list",
    .number = &RP_TYPE_NUMBER(rp_list_type),
    .nbytes = sizeof(list_body_t),
    .flags = RP_TYPE_GC | RP_TYPE_UNHASHABLE | RP_TYPE_CLEAR_DROPS_ONLY,
    .traverse = list_traverse,
    .clear = list_clear,
    .release = list_release,
    .size = list_size,
};

#endif /* RP_CFG_BUILTINS */
