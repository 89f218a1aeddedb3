/*
 * rp_object.h — reference-counted objects: the header every object carries, type
 * descriptors, slot objects, and deallocation.
 *
 * The header (one 32-bit word for every object)
 *     bits  0..7   type number (index into the type table)
 *     bits  8..9   generation (enum rp_gen), meaningful while tracked
 *     bit   10     TRACKED      on a generation list of the cycle collector
 *     bit   11     FINALIZED    the finalizer has run (PEP 442: at most once)
 *     bit   12     WEAKREFS     weak references to it exist (side table, rp_weakref.h)
 *     bit   13     COLLECTING   examined by the collector: in generation 0 between
 *                                collections, in the set being examined during one
 *     bit   14     UNREACHABLE  tentatively unreachable (collector scratch)
 *     bits 15..30  reference count (0..RP_RC_MAX)
 *     bit   31     SPECIAL      the count is not to be changed inline: immortal
 *                                (RP_RC_IMMORTAL), or watched by an incremental
 *                                collection (rp_gc.h, "Incremental collection")
 * Objects of GC types (RP_TYPE_GC) follow it with two links, prev and next, that put
 * them on their generation's circular list. Links are offsets in 8-byte units from the
 * lowest heap address: 16-bit with RP_CFG_GC_LINK16 (header 8 bytes), 32-bit otherwise.
 * While a collection runs, prev also counts the references from inside the set examined.
 *
 * Sizes on 32-bit targets with RP_CFG_GC_LINK16: untracked header 4 bytes, tracked header
 * 8 bytes, a tracked instance with two reference slots 16 bytes. (CPython on 32-bit: 16
 * bytes of header; Duktape 16, or 12 with 16-bit pointers.)
 *
 * Immortal objects (PEP 683) have bit 31 set: INCREF and DECREF test it first and never
 * write, so immortal objects may be const and live in flash (None, True, False, small
 * ints, static strings). A count that would overflow saturates into immortality.
 * With RP_CFG_GC_INCREMENTAL, an old object an incremental collection is examining has
 * bit 31 set too ("watched": generation bits 3 with UNREACHABLE, which no immortal or
 * frozen object carries), with its count kept in bits 15..30: INCREF and DECREF call
 * rp_gc_touch on it instead of writing, which tells the collection that the count
 * changed (Bacon and Rajan's delta test). Immortal objects pay one test for it; mortal
 * ones nothing (the branch was there already).
 *
 * Interrupts: thread mode only, every call and inline function of this header. INCREF
 * and DECREF are plain read-modify-writes of the header word (a handler's change between
 * thread mode's load and store would be lost, on ARMv6-M and ARMv7-M alike: no LDREX/STREX
 * and no critical section, to keep them at three instructions), and a DECREF to zero runs
 * deallocation, finalizers and weak-reference callbacks. Thread mode with interrupts
 * masked is allowed. Handlers exchange raw blocks (rp_malloc, rp_free) or plain data with
 * thread mode, never objects. Debug builds (RP_CFG_DEBUG) check at the entry of rp_new,
 * rp_obj_alloc, rp_obj_malloc and every INCREF/DECREF (rp_obj_debug_live) with
 * rp_port_in_handler: a call from a handler is reported through the port (the call's
 * name, the type's or object's address) and refused (NULL; the count unchanged).
 * Release builds do not check: there a call from a handler is a data race.
 *
 * Costs (each function says its own): "an object allocation" below is rp_new and
 * rp_obj_alloc. Before it allocates, it destroys up to RP_CFG_FREE_PER_ALLOC pending
 * objects (rp_gc.h, "Bounded frees") and, for a GC type whose allocation crosses the
 * threshold, runs an automatic collection: O(objects of the generations collected + their
 * references) whole, one step of about RP_CFG_GC_STEP_BUDGET units with
 * RP_CFG_GC_INCREMENTAL (rp_gc.h). If the heap has no room, the emergency collection
 * first destroys every pending object, then collects all generations: O(tracked objects +
 * their references). Each of these also costs the finalizers, weak-reference callbacks,
 * gc callbacks and OOM hook it runs. "A DECREF" is O(1), or, when it takes a count to
 * zero, at most RP_CFG_FREE_BUDGET objects destroyed (0: no limit; inside a running
 * deallocation it only queues a GC object), each O(its references + its weak
 * references), plus its type's hooks and its weak references' callbacks.
 *
 * Rules
 * - A type whose objects hold references to other objects is a GC type, even if its
 *   objects are often untracked: deallocation queues dying GC objects through their links,
 *   which is how a chain of any length is freed in bounded stack (no recursion). So is a
 *   type whose objects run code when they die (a finalize or clear hook, RP_TYPE_WEAKREF:
 *   that code may drop the next object); rp_type_ready refuses such a type (RP_E_ARG)
 *   without RP_TYPE_GC. An untracked GC object plays CPython's non-GC object with __del__.
 * - Bodies of non-GC objects start 4 bytes in and may rely on 4-byte alignment only.
 * - A DECREF to zero frees at once unless a deallocation is already running, in which
 *   case the object waits on the refzero queue that the running one drains. O(1) stack.
 *   One DECREF destroys at most RP_CFG_FREE_BUDGET objects; the rest stay on the queue
 *   until later calls free them (rp_gc.h, "Bounded frees").
 *   An object the running collection found to be garbage (UNREACHABLE) is left where it
 *   is: the collector frees it once every garbage object is cleared.
 */
#ifndef RP_OBJECT_H
#define RP_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include "rp_config.h"
#include "rp_error.h"

typedef struct rp_obj {
    uint32_t head;
} rp_obj_t;

enum rp_gen { RP_GEN_YOUNG = 0, RP_GEN_MIDDLE = 1, RP_GEN_OLD = 2, RP_GEN_PERMANENT = 3 };

#define RP_HEAD_TYPE_MASK 0xFFu
#define RP_HEAD_GEN_SHIFT 8u
#define RP_HEAD_GEN_MASK (3u << RP_HEAD_GEN_SHIFT)
#define RP_HEAD_TRACKED (1u << 10)
#define RP_HEAD_FINALIZED (1u << 11)
#define RP_HEAD_WEAKREFS (1u << 12)
#define RP_HEAD_COLLECTING (1u << 13)
#define RP_HEAD_UNREACHABLE (1u << 14)
#define RP_RC_SHIFT 15u
#define RP_RC_ONE (1u << RP_RC_SHIFT)
#define RP_RC_SPECIAL 0x80000000u      /* bit 31: immortal, or watched */
#define RP_RC_IMMORTAL (0xFFFFFFFFu << RP_RC_SHIFT)   /* the head bits of a static immortal */
#define RP_RC_MAX ((RP_RC_SPECIAL >> RP_RC_SHIFT) - 1u)   /* largest mortal count: 65535 */
#define RP_HEAD_WATCH_MASK (RP_HEAD_GEN_MASK | RP_HEAD_COLLECTING | RP_HEAD_UNREACHABLE)
#define RP_HEAD_WATCHED ((3u << RP_HEAD_GEN_SHIFT) | RP_HEAD_UNREACHABLE)

#if RP_CFG_GC_LINK16
typedef uint16_t rp_link_t;
#else
typedef uint32_t rp_link_t;
#endif

typedef struct rp_gchead {
    uint32_t head;
    rp_link_t prev;
    rp_link_t next;
} rp_gchead_t;

#define RP_HEAD_SIZE 4u
#define RP_GC_HEAD_SIZE ((unsigned)((sizeof(rp_gchead_t) + sizeof(void *) - 1u) & ~(sizeof(void *) - 1u)))

/* ---- types ---- */

typedef void (*rp_visit_t)(rp_obj_t *child, void *arg);

enum {
    RP_TYPE_GC = 1u << 0,               /* objects may hold references; have links */
    RP_TYPE_WEAKREF = 1u << 1,          /* may be weakly referenced */
    RP_TYPE_DICT = 1u << 2,             /* a __dict__ slot after the named slots */
    RP_TYPE_LEGACY_FINALIZER = 1u << 3, /* finalizer forbids collection in a cycle: gc.garbage.
                                           Differs from CPython: no second hook (tp_del); the
                                           one finalize hook still runs at most once */
    RP_TYPE_VAR = 1u << 4,              /* size given at creation (str, tuple, ...) */
    RP_TYPE_UNHASHABLE = 1u << 5,       /* no hash at all (list, dict); without this flag
                                           and without a hash hook, objects hash by
                                           identity, as Python's object.__hash__ */
    RP_TYPE_CLEAR_DROPS_ONLY = 1u << 6, /* the clear hook only drops references and frees
                                           no more than release does: garbage none of whose
                                           references leave it is freed without it (list,
                                           dict) */
};

typedef struct rp_type {
    const char *name;
    uint8_t *number;                   /* RAM byte: the type's table index, 0 until ready */
    const struct rp_type *base;        /* slots of the base come first */
    const char *const *slot_names;     /* this type's own reference slots (nslots names) */
    uint16_t nslots;                   /* own reference slots */
    uint16_t nbytes;                   /* raw bytes after all slots */
    uint16_t flags;
    /* Hooks; NULL means the default. */
    void (*traverse)(rp_obj_t *o, rp_visit_t visit, void *arg);  /* default: every slot */
    void (*clear)(rp_obj_t *o);        /* drop references; default: every slot to NULL */
    void (*finalize)(rp_obj_t *o);     /* runs at most once; may resurrect */
    void (*release)(rp_obj_t *o);      /* free owned buffers after clear; no references */
    uint32_t (*hash)(rp_obj_t *o);     /* NULL: identity, or none with RP_TYPE_UNHASHABLE */
    int (*equal)(rp_obj_t *a, rp_obj_t *b);
    size_t (*size)(const rp_obj_t *o); /* bytes as allocated (getsizeof); default: layout */
    /* 1 if o refers only to untracked or non-GC objects, so that the collector may stop
     * tracking it (CPython untracks such tuples and dicts). NULL: always tracked. Only for
     * types whose references never change (tuples) or whose setters call rp_gc_track when
     * they store a tracked object (dicts): otherwise a cycle through o would be missed. */
    int (*untrackable)(rp_obj_t *o);
} rp_type_t;

/* Declares a type's RAM number byte; use as .number = &RP_TYPE_NUMBER(name). */
#define RP_TYPE_NUMBER(name) name##_number

/* Error codes (rp_err_t, RP_E_*): rp_error.h. */

/* Validates t (slot names unique along the base chain; RP_E_ARG for reference slots, a
 * finalize or clear hook, or RP_TYPE_WEAKREF without RP_TYPE_GC) and gives it a number.
 * Called by rp_new on first use. The first time O(own slots x (slots along the chain x
 * name length + chain length squared) + RP_CFG_MAX_TYPES), and the same for each base not
 * ready yet (readied first); O(1) once t is ready. */
rp_err_t rp_type_ready(const rp_type_t *t);

extern const rp_type_t *rp_type_table[RP_CFG_MAX_TYPES];

static inline const rp_type_t *rp_type_of(const rp_obj_t *o)
{
    return rp_type_table[o->head & RP_HEAD_TYPE_MASK];
}

/* rp_type_of, rp_is_gc, rp_head_watched, rp_is_immortal, rp_refcnt, rp_body, and below
 * rp_slots and rp_slot: O(1), no hook, nothing written. */
static inline int rp_is_gc(const rp_obj_t *o) { return (rp_type_of(o)->flags & RP_TYPE_GC) != 0; }
/* A head with bit 31 set: watched by an incremental collection (else immortal). */
static inline int rp_head_watched(uint32_t h)
{
    return RP_CFG_GC_INCREMENTAL && (h & RP_HEAD_WATCH_MASK) == RP_HEAD_WATCHED;
}
static inline int rp_is_immortal(const rp_obj_t *o)
{
    return o->head >= RP_RC_SPECIAL && !rp_head_watched(o->head);
}
/* The count; RP_RC_MAX for an immortal object. */
static inline uint32_t rp_refcnt(const rp_obj_t *o)
{
    return rp_is_immortal(o) ? RP_RC_MAX : (o->head >> RP_RC_SHIFT) & RP_RC_MAX;
}

/* Where the body starts: after the GC links for GC types. */
static inline void *rp_body(const rp_obj_t *o)
{
    return (uint8_t *)(uintptr_t)o + (rp_is_gc(o) ? RP_GC_HEAD_SIZE : RP_HEAD_SIZE);
}

/* ---- reference counting ---- */

/* Count reached zero: "a DECREF" to zero (above). */
void rp_obj_dealloc(rp_obj_t *o);
/* A DECREF below zero (reported, refused): one rp_printf and one rp_report through the
 * port, O(length of the type's name) plus what the port's report does. */
void rp_obj_underflow(rp_obj_t *o);
/* INCREF (+1) or DECREF (-1) of a watched object (rp_gc.h): the collection learns of it.
 * O(1): a count to zero only counts the death for the cycle, which destroys it later. */
void rp_gc_touch(rp_obj_t *o, int delta);

#if RP_CFG_DEBUG
/* Debug builds: 0 if o lies in the heap but is no live block (a use after free), which is
 * reported through the port naming o and the rule; 1 otherwise. Checked before the header
 * is read, whatever the freed memory now holds (it may even read as immortal). O(1). */
int rp_obj_debug_live(const rp_obj_t *o);
#endif

/* INCREF: O(1) (release builds: three instructions for a mortal object; rp_gc_touch,
 * O(1), for a watched one; debug builds add rp_obj_debug_live).
 * DECREF: O(1), or a deallocation when the count reaches zero ("a DECREF", above). The X
 * forms and the macros cost the same. */
static inline void rp_incref(rp_obj_t *o)
{
#if RP_CFG_DEBUG
    if (!rp_obj_debug_live(o))
        return;
#endif
    uint32_t h = o->head;
    if (h < RP_RC_SPECIAL)
        o->head = h + RP_RC_ONE;
    else if (rp_head_watched(h))
        rp_gc_touch(o, 1);
}

static inline void rp_decref(rp_obj_t *o)
{
#if RP_CFG_DEBUG
    if (!rp_obj_debug_live(o))
        return;
#endif
    uint32_t h = o->head;
    if (h >= RP_RC_SPECIAL) {
        if (rp_head_watched(h))
            rp_gc_touch(o, -1);
        return;
    }
#if RP_CFG_DEBUG
    if (h < RP_RC_ONE) {
        rp_obj_underflow(o);
        return;
    }
#endif
    h -= RP_RC_ONE;
    o->head = h;
    if (h < RP_RC_ONE)
        rp_obj_dealloc(o);
}

/* The X forms accept NULL. */
static inline void rp_xincref(rp_obj_t *o)
{
    if (o)
        rp_incref(o);
}

static inline void rp_xdecref(rp_obj_t *o)
{
    if (o)
        rp_decref(o);
}

/* The macros only add the cast to rp_obj_t * (any object pointer may be passed); each
 * evaluates its argument exactly once, as every public macro of the core does, so
 * RP_XDECREF(take(x)) calls take once. */
#define RP_INCREF(o) rp_incref((rp_obj_t *)(o))
#define RP_DECREF(o) rp_decref((rp_obj_t *)(o))
#define RP_XINCREF(o) rp_xincref((rp_obj_t *)(o))
#define RP_XDECREF(o) rp_xdecref((rp_obj_t *)(o))

/* Through the type's hooks (or the defaults): visit every reference / drop them all.
 * Default hooks: traverse O(slots), calling visit once per non-NULL slot; clear O(slots)
 * plus a DECREF per non-NULL slot (which may destroy up to RP_CFG_FREE_BUDGET objects,
 * or queue them if a deallocation is running). A type's own hooks: their cost. */
void rp_obj_traverse(rp_obj_t *o, rp_visit_t visit, void *arg);
void rp_obj_clear(rp_obj_t *o);

/* ---- creation ---- */

/* A new object of fixed-size type t: count 1, slots NULL, raw bytes zero, tracked if t is a
 * GC type. NULL if t is invalid or memory ran out (after one emergency collection).
 * O(object size) plus an object allocation's work (above): rp_malloc's O(1) when nothing
 * is pending, no threshold is crossed and the heap has room; plus rp_type_ready the first
 * time. */
rp_obj_t *rp_new(const rp_type_t *t);

/* A new object of t with `body` bytes of body (zeroed), count 1, NOT tracked: built-in
 * containers track it once their fields are valid (CPython's PyObject_GC_Track).
 * O(body) plus an object allocation's work (above), as rp_new. */
rp_obj_t *rp_obj_alloc(const rp_type_t *t, size_t body);

/* rp_malloc for an object's own buffers (a list's items). Once rp_objects_init has run,
 * every rp_malloc that fails runs one emergency collection and retries — which runs
 * finalizers and weak-reference callbacks. So no pointer into an object's buffers may be
 * held across an allocation (and rp_realloc is unfit for them): re-read after it.
 * Cost: rp_malloc's, O(1) (rp_heap.h); when the heap has no room, plus the emergency
 * collection (above). Unlike an object allocation it destroys no pending object and
 * starts no automatic collection. */
void *rp_obj_malloc(size_t n);

/* ---- slots ---- */

/* Total reference slots of t's instances (its own, its bases', and the __dict__ slot).
 * O(length of t's base chain): walks it, works for a type not ready yet. */
unsigned rp_type_slots(const rp_type_t *t);

static inline rp_obj_t **rp_slots(rp_obj_t *o)
{
    return (rp_obj_t **)((uint8_t *)o + RP_GC_HEAD_SIZE);
}

/* Borrowed reference in slot i (no check: the caller knows the layout). */
static inline rp_obj_t *rp_slot(rp_obj_t *o, unsigned i) { return rp_slots(o)[i]; }

/* Stores v (new reference taken) in slot i, dropping the old value: an INCREF and a
 * DECREF (above). */
static inline void rp_slot_set(rp_obj_t *o, unsigned i, rp_obj_t *v)
{
    rp_obj_t *old = rp_slots(o)[i];
    if (v)
        rp_incref(v);
    rp_slots(o)[i] = v;
    if (old)
        rp_decref(old);
}

/* Index of the __dict__ slot of t's instances (the last slot), or -1 if they have none.
 * O(length of t's base chain). */
int rp_type_dict_slot(const rp_type_t *t);

/* Slot index of `name` along t's base chain, or -1. O(chain length squared + slots along
 * the chain x name length): string compares, no table. */
int rp_slot_index(const rp_type_t *t, const char *name);

/* Raw bytes (rp_type_t.nbytes) of an object of a fixed-size type: after its slots for a
 * GC type, right after the 4-byte header for a non-GC type (which has no slots; 4-byte
 * aligned only). O(1). */
void *rp_raw(rp_obj_t *o);

/* ---- sys ---- */

/* Bytes as allocated for o, GC header included, as sys.getsizeof counts. 0 for NULL.
 * O(1) through the type's size hook (the built-in ones are O(1)), plus that hook's cost;
 * without one O(length of the type's base chain). */
size_t rp_sys_getsizeof(const rp_obj_t *o);

/* o's reference count plus one for the argument, as sys.getrefcount reports (an immortal
 * object: RP_RC_MAX + 1, which no reference changes). 0 for NULL. O(1). */
uint32_t rp_sys_getrefcount(const rp_obj_t *o);

/* The type name of the object a live heap block holds, or NULL: what rp_heap_walk names
 * blocks by (rp_objects_init registers it with rp_heap_set_namer). `p` is the pointer
 * rp_malloc returned, `usable` its usable bytes. A tracked object is recognised by its
 * generation list linking back to it; an untracked one only by a header naming a ready
 * type with a live count, so a buffer that looks like one is named too. NULL during a
 * collection. O(regions). Reads the block only. */
const char *rp_obj_guess_type(const void *p, size_t usable);

/* ---- object system state ---- */

/* Prepares objects and the collector over the current heap (call after rp_heap_init).
 * RP_E_ARG if the GC links cannot reach the whole heap (RP_CFG_GC_LINK16: beyond 512 KiB
 * of its lowest address; 32-bit links: 2 GiB) or there is no heap, RP_E_NOMEM if the
 * collector's list heads do not fit. After a failure no object call may be made until a
 * call succeeds (over a new heap, or after freeing memory); nothing stays allocated.
 * O(heap): it reads rp_heap_stats, whose walk holds interrupts off throughout (rp_heap.h),
 * then a few rp_malloc calls and the built-in types' registration (below). Thread mode,
 * before any other object call; handlers may allocate raw blocks meanwhile. */
rp_err_t rp_objects_init(void);

/* Registers the built-in types (core/builtins.c) at their fixed numbers, and forgets the
 * intern table (rp_builtins.h) as rp_objects_init starts over a new heap. O(1): a fixed
 * set of types with few slots and fixed numbers (no search of the type table). */
rp_err_t rp_builtin_types_ready(void);

/* Peak depth of the refzero queue (W5 figures): objects waiting in a running
 * deallocation, or pending after a bounded one (rp_gc_pending gives the depth now). O(1). */
uint32_t rp_obj_refzero_peak(void);

#endif
