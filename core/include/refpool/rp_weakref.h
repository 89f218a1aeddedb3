/*
 * rp_weakref.h — weak references, with Python's weakref module as the model.
 *
 * A weak reference names an object without keeping it alive. rp_weakref_get returns the
 * object while it lives and NULL once it has died. Only objects of types flagged
 * RP_TYPE_WEAKREF can be weakly referenced.
 *
 * Cost: an object pays nothing until it has weak references — no per-object word. The
 * first one sets RP_HEAD_WEAKREFS in its header and enters it in a side table (open
 * addressing, grown from the heap) that maps the object to its newest weak reference;
 * its weak references are chained newest first. A weak reference is a GC object of
 * 8 + 4 pointer-sized fields (28 bytes on 32-bit targets).
 *
 * Semantics (CPython's):
 * - When the object dies, all its weak references are cleared first; then the callbacks
 *   run, newest first, each with its weak reference, only for weak references that were
 *   themselves alive at that moment. A callback sees rp_weakref_get(ref) == NULL, so it
 *   cannot resurrect the object. Each callback runs at most once.
 * - A callback-less weak reference is shared: rp_weakref_new(o, NULL, NULL) twice returns
 *   the same reference (ref(o) is ref(o)).
 * - In a collection, weak references to the garbage are cleared before any finalizer
 *   runs; weak references that are part of the garbage are cleared without callbacks.
 * - rp_weakref_get returns NULL as soon as the referent's count is 0, even while it waits
 *   on the refzero queue with its references not yet cleared (CPython issue 16602).
 *
 * Re-entrancy: a callback, and a finalize function run by one, see the referent's weak
 * references cleared and, when it dies by reference counting, the referent already off
 * the collector's lists (a collection cannot see it). They may
 * - allocate, which may start a collection (unless one is running already);
 * - drop references: their own weak reference's last one, other weak references to the
 *   same object (each pending one is held until it has been called), the callback
 *   argument (held during the call) and any other;
 * - create weak references and finalizers to any live object;
 * - call rp_gc_collect: it collects when the callback runs outside a collection, and
 *   returns 0 without collecting when a collection runs the callback (as gc.collect
 *   inside a collection does in CPython).
 * They cannot reach the dead referent. Each case is tested (test_weakref: test_reentrant_*).
 *
 * Deliberate differences from CPython:
 * - A weak reference's hash is its referent's taken at creation: one never hashed while
 *   its referent lived still hashes once dead (CPython raises TypeError).
 * - Two weak references to the same live object are equal without calling its equality
 *   hook (rp_equal compares identity first; CPython calls __eq__).
 * - Weak references have no proxy, no subclasses, no __callback__ attribute and no repr.
 *
 * Costs: each call states its worst case. The side table is a linear-probing map of the
 * weakly referenced objects: "probe length" is O(1) expected at its load (3/4 at most),
 * O(objects with weak references) at worst. A constructor costs an object allocation
 * (rp_object.h, "Costs"), and its first weak reference to an object, when the side table
 * is full, O(objects with weak references) to rehash into a doubled array (rp_malloc,
 * with the emergency collection if the heap has no room). An object's death costs
 * O(probe length + its weak references), plus their callbacks and what those drop.
 *
 * Interrupts: thread mode only, every call (weak references are objects, rp_object.h).
 * Debug builds report a call from a handler (the call's name and the object's address)
 * and refuse it at the entry of rp_weakref_new, rp_weakref_get, rp_weakref_getweakrefcount,
 * rp_weakref_getweakrefs, rp_finalize_new, rp_finalize_call, rp_finalize_detach,
 * rp_finalize_shutdown, rp_weakdict_set, rp_weakdict_get, rp_weakdict_del and
 * rp_weakdict_next (so rp_weakset_add, _contains, _discard, _next); the constructors
 * through rp_obj_alloc.
 */
#ifndef RP_WEAKREF_H
#define RP_WEAKREF_H

#include "rp_heap.h"
#include "rp_object.h"

#define RP_TN_WEAKREF 9u
#define RP_TN_FINALIZE 10u

/* Called with the dead weak reference and the argument given at creation (borrowed). */
typedef void (*rp_weakref_cb_t)(rp_obj_t *ref, rp_obj_t *arg);

extern const rp_type_t rp_weakref_type;

/* A new reference to a weak reference to obj. The weak reference holds a strong
 * reference to arg (may be NULL) until its callback has run or it dies. NULL if obj's type
 * is not weak-referenceable or memory ran out. O(probe length), plus O(obj's weak
 * references) without callback and arg (the shared one is looked for along the chain),
 * plus obj's hash hook, an object allocation and, if it is obj's first, the side table's
 * growth (above). */
rp_obj_t *rp_weakref_new(rp_obj_t *obj, rp_weakref_cb_t callback, rp_obj_t *arg);

/* The referent (borrowed), or NULL once it has died. NULL for a non-weakref argument.
 * O(1). */
rp_obj_t *rp_weakref_get(rp_obj_t *ref);

/* weakref.getweakrefcount / getweakrefs: borrowed references, at most cap into buf (NULL:
 * cap 0); returns how many it wrote, and *total (unless NULL) how many there are. Both
 * O(probe length + obj's weak references); nothing allocated. */
uint32_t rp_weakref_getweakrefcount(rp_obj_t *obj);
size_t rp_weakref_getweakrefs(rp_obj_t *obj, rp_obj_t **buf, size_t cap, size_t *total);

/* ---- weakref.finalize ---- */

typedef void (*rp_finalize_fn_t)(rp_obj_t *arg);

/* Registers fn(arg) to run once when obj dies, or at rp_finalize_call, or at
 * rp_finalize_shutdown. Returns a borrowed reference to the finalizer object: the
 * registry owns it until it has run or been detached. Two object allocations (the
 * finalizer and its weak reference with a callback: rp_weakref_new's cost) and O(1). */
rp_obj_t *rp_finalize_new(rp_obj_t *obj, rp_finalize_fn_t fn, rp_obj_t *arg);
/* Runs it now if still pending; 1 if it ran. O(1) plus fn, and the DECREFs of its
 * argument, its weak reference and the registry's reference (rp_object.h). */
int rp_finalize_call(rp_obj_t *f);
/* Cancels it; 1 if it was pending. O(1) plus the same DECREFs, without fn. */
int rp_finalize_detach(rp_obj_t *f);
/* 1 while it is pending. O(1). */
int rp_finalize_alive(rp_obj_t *f);
/* Whether rp_finalize_shutdown runs it (finalize.atexit, default 1). O(1). */
void rp_finalize_set_atexit(rp_obj_t *f, int atexit);
/* Runs every pending finalizer whose atexit is set, newest first, until none is left: one
 * registered meanwhile (by a finalizer that runs here) runs next, as in CPython. O(pending
 * finalizers) per one run. Differs from CPython: those left pending (atexit off) still run
 * if their object dies later (CPython's finalize._shutdown stops every finalizer). */
void rp_finalize_shutdown(void);

/* ---- WeakValueDictionary, WeakKeyDictionary, WeakSet ----
 * Containers whose entries vanish when the weakly held side dies: the value for a
 * WeakValueDictionary, the key for a WeakKeyDictionary and a WeakSet. Built on a dict
 * and weak references with callbacks (each callback knows its container only weakly, so
 * the container itself makes no cycle). Keys follow dict rules (hash and equality of the
 * key; a weakly held key is looked up through the hash and equality of its referent).
 * Getters return borrowed references. A lookup in a WeakKeyDictionary or WeakSet may
 * create the key's shared weak reference.
 * Costs: the constructors, two object allocations (the container and its dict). set, get
 * and del: the dict's (rp_builtins.h: O(probe length) plus the key's hash and equality
 * hooks; a weak reference as key hashes as its referent and compares referents through
 * rp_equal) plus rp_weakref_new's for the weak references they make: set makes two (the
 * shared one to the container, O(its weak references), and the entry's, with a callback)
 * and a tuple; get and del on a WeakKeyDictionary or WeakSet look up, or make, the
 * key's shared one (O(the key's weak references)); set, and del, drop references
 * (DECREFs). next: O(entries skipped: deleted or dead), at worst O(entries); len
 * iterates: O(entries). The callbacks that remove dead entries: a dict lookup and
 * deletion each. */
#define RP_TN_WEAKVALUEDICT 11u
#define RP_TN_WEAKKEYDICT 12u
#define RP_TN_WEAKSET 13u

rp_obj_t *rp_weakvaluedict_new(void);
rp_obj_t *rp_weakkeydict_new(void);
rp_obj_t *rp_weakset_new(void);

/* w[key] = value. RP_E_TYPE if the weakly held side is not weak-referenceable or the key
 * is unhashable; RP_E_NOMEM. */
rp_err_t rp_weakdict_set(rp_obj_t *w, rp_obj_t *key, rp_obj_t *value);
/* Borrowed w[key]; RP_E_KEY if missing (or its value has died). For a WeakKeyDictionary
 * or WeakSet, RP_E_TYPE if key is not weak-referenceable (Python's TypeError), for get and
 * del as for set; rp_weakset_contains reads that as "not in". */
rp_err_t rp_weakdict_get(rp_obj_t *w, rp_obj_t *key, rp_obj_t **out);
rp_err_t rp_weakdict_del(rp_obj_t *w, rp_obj_t *key);
/* Entries whose weakly held side is alive. */
int32_t rp_weakdict_len(rp_obj_t *w);
/* Iteration as rp_dict_next, skipping entries whose weakly held side has died. */
rp_err_t rp_weakdict_next(rp_obj_t *w, uint32_t *pos, rp_obj_t **key, rp_obj_t **value);

rp_err_t rp_weakset_add(rp_obj_t *s, rp_obj_t *item);
int rp_weakset_contains(rp_obj_t *s, rp_obj_t *item);
rp_err_t rp_weakset_discard(rp_obj_t *s, rp_obj_t *item);
static inline int32_t rp_weakset_len(rp_obj_t *s) { return rp_weakdict_len(s); }
static inline rp_err_t rp_weakset_next(rp_obj_t *s, uint32_t *pos, rp_obj_t **item)
{
    return rp_weakdict_next(s, pos, item, 0);
}

/* Set up by rp_objects_init: rp_weakref_init forgets the side table and the finalize
 * registry (the old heap is gone) and readies the weak-reference types, then the
 * containers' (rp_weakcontainers_ready). O(1) each: fixed types at fixed numbers. Thread
 * mode, before any other call of this header. */
rp_err_t rp_weakref_init(void);
rp_err_t rp_weakcontainers_ready(void);

/* Checks the side table against the headers: every entry's object has WEAKREFS set and a
 * well-linked chain of live weak references that point back to it; entry count matches.
 * O(table capacity + entries x probe length + weak references); writes nothing. Thread
 * mode (rp_check_all calls it); handlers never touch weak references, so it holds no
 * critical section. */
rp_fault_t rp_weakref_check(void);

#endif
