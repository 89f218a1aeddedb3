/*
 * rp_builtins.h — the built-in types: None, bool, int, str, tuple, list, dict and the
 * plain (dict-backed) instance, plus attribute access on any object.
 *
 * Type numbers
 *   Built-in types have fixed numbers (enum rp_type_number), so their immortal
 *   instances — None, True, False, the small ints, static strings, the empty tuple and
 *   the empty string — are const initializers that live in flash and cost no RAM.
 *   9..15 are reserved for later built-ins (weak references, ...); user types start at 16.
 *   rp_objects_init registers every built-in type (core/builtins.c).
 *
 * Reference ownership (CPython's conventions)
 *   - Constructors (rp_*_new, rp_int_from_i64, rp_str_intern, ...) return a NEW reference,
 *     or NULL: when memory ran out after one emergency collection, or for the bad input
 *     named at the function.
 *   - Getters (rp_list_get, rp_tuple_get, rp_dict_get, rp_dict_next, rp_getattr) store a
 *     BORROWED reference: valid while its container holds it. INCREF to keep it longer.
 *   - Setters (rp_list_set, rp_list_append, rp_dict_set, rp_setattr, ...) never steal:
 *     the container takes its own reference; the caller keeps its.
 *   - rp_list_pop hands the list's reference over to the caller (a new reference).
 *   - Immortal objects ignore INCREF/DECREF, so the rules cost nothing for them.
 *
 * Interrupts
 *   Thread mode only, every call (the objects are rp_object.h's), except rp_none,
 *   rp_true, rp_false, rp_bool and RP_STR, which only give the address of a const in
 *   flash. Debug builds report a call from a handler (the call's name and the object's
 *   address) and refuse it at every creation (rp_obj_alloc), every reference change
 *   (INCREF/DECREF: every setter), and at the entry of the getters that take no
 *   reference: rp_list_get, rp_tuple_get, rp_dict_get, rp_dict_next, rp_getattr. Not
 *   checked: the lengths, rp_str_data, rp_int_as_i64, rp_hash, rp_equal, rp_is_*.
 *
 * Costs
 *   Each function states its worst case in O() of what it depends on. Besides that:
 *   - every constructor (rp_*_new, rp_tuple_pack, rp_int_from_i64 outside -5..256, and
 *     rp_str_intern* when they make a str) costs an object allocation (rp_object.h,
 *     "Costs": pending frees, an automatic collection when the threshold is crossed, the
 *     emergency collection when the heap has no room), and so may every call that gets a
 *     new buffer from rp_obj_malloc (a list or dict that grows or shrinks, the intern
 *     table that grows): the emergency collection when the heap has no room;
 *   - every call that drops a reference (setters replacing a value, rp_list_pop with out
 *     NULL, the deletions) costs a DECREF (rp_object.h): O(1), or at most
 *     RP_CFG_FREE_BUDGET objects destroyed when a count reaches zero;
 *   - hash and equality hooks of user types, finalizers and callbacks the above run,
 *     cost what they do ("plus the hooks it calls").
 *   "Probe length" is the number of slots an open-addressing lookup visits: O(1)
 *   expected at the tables' load factors (2/3 for dicts, 3/4 for the intern table),
 *   O(table size) at worst (every hash colliding).
 *
 * Errors
 *   Every operation checks its arguments and returns an rp_err_t (or NULL / a negative
 *   length): RP_E_ARG for a NULL argument, RP_E_TYPE for an object of the wrong type or an
 *   unhashable key, RP_E_INDEX for an index out of range (or the end of an iteration),
 *   RP_E_KEY for a missing key or attribute, RP_E_NOMEM when memory ran out (the object is
 *   then unchanged). Indexes are int32_t and may be negative, counting from the end, as in
 *   Python. Nothing here crashes on bad input made of valid objects.
 *
 * Memory (getsizeof = header + body + owned buffers, as requested from the allocator)
 *   None, True, False  the 4-byte header alone (deliberate difference: CPython's
 *          True and False are ints, sized as 1).
 *   int    4-byte header + 4 bytes (values that fit int32) or + 12 (64-bit values)
 *          (deliberate difference: two sizes, not one step per 30-bit digit; no big ints).
 *          -5..256 are cached immortal consts in flash: no RAM at all.
 *   str    4 + 8 (hash, length) + length + 1 (a terminating NUL, so data is a C string).
 *   tuple  GC header + 8 (length, cached hash) + one pointer per item.
 *   list   GC header + 8 + pointer, plus `allocated` pointers of item array, grown as
 *          CPython 3.11 grows it: same capacities, so getsizeof steps in the same places.
 *   dict   GC header + 3 words + pointer (16 bytes on 32-bit, 24 on 64-bit), plus its
 *          table once it holds a key: an index array of 2^k int8/16/32 and 2/3 * 2^k
 *          entries (hash, key, value), k >= 3 (CPython's compact dict, 3.6+; deliberate
 *          difference: the hash is kept for str keys too, which CPython 3.11+ omits).
 *   instance  GC header + one pointer (its __dict__, created on the first setattr).
 *
 * Garbage collection
 *   tuple, list, dict and instance are GC types. An object "may be tracked" if it is of a
 *   GC type and is not an untracked tuple. A tuple is tracked at creation only if one of
 *   its items may be tracked (CPython's tuple untracking). A dict starts untracked and is
 *   tracked once a key or value that may be tracked goes in (CPython's lazy dict
 *   tracking). An untracked dict still counts as "may be tracked" for the tuples and
 *   dicts that hold it, since it can gain tracked contents later. Both types give the
 *   collector an untrackable hook with the same rule, so it untracks a tuple or dict
 *   whose contents no longer need it, as CPython's collector does. Lists and instances
 *   are always tracked.
 *   Any allocation may run an emergency collection, and with it finalizers; every
 *   operation re-reads its object after allocating, so a finalizer that changes the same
 *   container cannot corrupt it. Equality hooks must not change containers.
 *
 * Hashing and equality
 *   Hashable: None, bool, int, str, instances (by identity) and tuples whose items are all
 *   hashable. True == 1 and False == 0 with equal hashes, as in Python, so they are the same
 *   dict key. A tuple computes its hash once, at creation, from its items' hashes; hashing
 *   and comparing never recurse with the data (rp_equal walks nested tuples with a fixed
 *   stack of RP_EQUAL_DEPTH levels). list and dict are unhashable and compare by identity.
 */
#ifndef RP_BUILTINS_H
#define RP_BUILTINS_H

#include <stddef.h>
#include <stdint.h>
#include "rp_object.h"

enum rp_type_number {
    RP_TN_NONE = 1,
    RP_TN_BOOL = 2,
    RP_TN_INT = 3,
    RP_TN_STR = 4,
    RP_TN_TUPLE = 5,
    RP_TN_LIST = 6,
    RP_TN_DICT = 7,
    RP_TN_INSTANCE = 8,
    RP_TN_RESERVED = 9,    /* 9..15: later built-ins (weakref, ...) */
    RP_TN_FIRST_USER = 16,
};

extern const rp_type_t rp_none_type, rp_bool_type, rp_int_type, rp_str_type, rp_tuple_type,
    rp_list_type, rp_dict_type, rp_instance_type;

/* Type tests by fixed number: one mask and compare, no table lookup, O(1). NULL gives 0. */
static inline int rp_is_type(const rp_obj_t *o, unsigned number)
{
    return o && (o->head & RP_HEAD_TYPE_MASK) == number;
}
static inline int rp_is_none(const rp_obj_t *o) { return rp_is_type(o, RP_TN_NONE); }
static inline int rp_is_bool(const rp_obj_t *o) { return rp_is_type(o, RP_TN_BOOL); }
static inline int rp_is_int(const rp_obj_t *o) { return rp_is_type(o, RP_TN_INT); }
static inline int rp_is_str(const rp_obj_t *o) { return rp_is_type(o, RP_TN_STR); }
static inline int rp_is_tuple(const rp_obj_t *o) { return rp_is_type(o, RP_TN_TUPLE); }
static inline int rp_is_list(const rp_obj_t *o) { return rp_is_type(o, RP_TN_LIST); }
static inline int rp_is_dict(const rp_obj_t *o) { return rp_is_type(o, RP_TN_DICT); }
static inline int rp_is_instance(const rp_obj_t *o) { return rp_is_type(o, RP_TN_INSTANCE); }

/* ---- None, True, False: immortal const singletons (flash) ---- */
/* Their addresses, O(1); the only calls a handler may make (above). */

extern const rp_obj_t rp_none_object, rp_true_object, rp_false_object;

static inline rp_obj_t *rp_none(void) { return (rp_obj_t *)(uintptr_t)&rp_none_object; }
static inline rp_obj_t *rp_true(void) { return (rp_obj_t *)(uintptr_t)&rp_true_object; }
static inline rp_obj_t *rp_false(void) { return (rp_obj_t *)(uintptr_t)&rp_false_object; }
static inline rp_obj_t *rp_bool(int v) { return v ? rp_true() : rp_false(); }

/* ---- int ---- */

/* New reference to an int of value v; -5..256 give the cached immortal ints.
 * NULL when memory ran out. O(1). */
rp_obj_t *rp_int_from_i64(int64_t v);
static inline rp_obj_t *rp_int_from_i32(int32_t v) { return rp_int_from_i64(v); }

/* The value of an int (or of a bool: 0 or 1, as bool is an int in Python).
 * RP_E_ARG if o or out is NULL, RP_E_TYPE for any other type. O(1). */
rp_err_t rp_int_as_i64(const rp_obj_t *o, int64_t *out);

/* ---- str: immutable bytes (UTF-8 agnostic) ---- */

#define RP_STR_MAX_LEN 0x7FFFFFFFu

/* New reference to a str holding a copy of len bytes (len 0: the immortal empty string).
 * NULL if bytes is NULL with len > 0, len > RP_STR_MAX_LEN, or memory ran out. O(len):
 * the copy and the hash, plus an object allocation. */
rp_obj_t *rp_str_new(const void *bytes, size_t len);
rp_obj_t *rp_str_from_cstr(const char *s);   /* NULL s gives NULL. O(strlen(s)), as above */

/* Borrowed pointer to the bytes, NUL-terminated; NULL if s is not a str. O(1). */
const char *rp_str_data(const rp_obj_t *s);
/* Length in bytes, or RP_E_ARG / RP_E_TYPE (negative). O(1). */
int32_t rp_str_len(const rp_obj_t *s);

/* sys.intern: a new reference to the canonical str equal to s — s itself, now interned,
 * or the one interned before. The intern table holds borrowed pointers: interning keeps
 * nothing alive, and a dying interned str leaves the table (its type's release hook).
 * The table is an open-addressing array from rp_obj_malloc that doubles at 3/4 load and
 * is freed when its last string dies. NULL if s is not a str or memory ran out.
 * Cost below. */
rp_obj_t *rp_str_intern(rp_obj_t *s);
/* The same for a C string: looks it up first, allocating only if it is not interned.
 * Costs, both: O(len + probe length), the bytes compared only against an interned str of
 * the same hash and length; a static str hashes its bytes (O(len)). When s is new to the
 * table: the table's growth when it is 3/4 full, O(interned strings) to rehash into the
 * doubled array (from rp_obj_malloc), and for the C string a new str (rp_str_new). */
rp_obj_t *rp_str_intern_cstr(const char *s);
/* 1 if s is the interned str for its bytes. O(len + probe length); allocates nothing. */
int rp_str_is_interned(const rp_obj_t *s);
/* Strings in the intern table. O(1). */
uint32_t rp_str_interned_count(void);

/* A static immortal str in flash: RP_STR_STATIC(name, "literal") defines it, RP_STR(name)
 * is its rp_obj_t *. Its hash is computed when needed (flash cannot cache it). */
#define RP_STR_STATIC(name, literal)                                                        \
    static const struct {                                                                  \
        uint32_t head, hash, len;                                                          \
        char data[sizeof("" literal)];                                                     \
    } name##_rp_str = {RP_RC_IMMORTAL | RP_TN_STR, 0u, sizeof("" literal) - 1u, literal}
#define RP_STR(name) ((rp_obj_t *)(uintptr_t)&name##_rp_str)

/* ---- tuple: fixed references ---- */

/* New reference to a tuple of the n objects in items (each gets a reference; n == 0 gives
 * the immortal empty tuple). Computes the tuple's hash from its items' hash hooks.
 * NULL if items is NULL with n > 0, an item is NULL, n > INT32_MAX, or memory ran out.
 * O(n) plus the items' hash hooks (a static str item: O(its length)) and an object
 * allocation. */
rp_obj_t *rp_tuple_new(size_t n, rp_obj_t *const *items);
/* The same with the n items as arguments: rp_tuple_pack(2, a, b). Same cost; a NULL
 * item drops the tuple built so far (a DECREF). */
rp_obj_t *rp_tuple_pack(size_t n, ...);
/* Borrowed item i. RP_E_INDEX out of range; RP_E_KEY for an item the collector cleared.
 * O(1). */
rp_err_t rp_tuple_get(rp_obj_t *t, int32_t i, rp_obj_t **out);
/* Items, or RP_E_ARG / RP_E_TYPE (negative). O(1). */
int32_t rp_tuple_len(const rp_obj_t *t);

/* ---- list ---- */

/* New reference to an empty list (no item array until the first item). NULL: no memory.
 * O(1) plus an object allocation. */
rp_obj_t *rp_list_new(void);
/* Appends v (not stolen). Amortised O(1); O(n) when the item array grows (a new array
 * from rp_obj_malloc, then the copy). */
rp_err_t rp_list_append(rp_obj_t *l, rp_obj_t *v);
/* Inserts v before index i; i is clamped to 0..len as Python's list.insert does. O(n):
 * the shift, and the copy when the item array grows (as append). */
rp_err_t rp_list_insert(rp_obj_t *l, int32_t i, rp_obj_t *v);
/* Borrowed item i. O(1). */
rp_err_t rp_list_get(rp_obj_t *l, int32_t i, rp_obj_t **out);
/* Replaces item i with v (not stolen), dropping the old item. O(1) plus a DECREF. */
rp_err_t rp_list_set(rp_obj_t *l, int32_t i, rp_obj_t *v);
/* Removes item i; *out receives the list's reference (a new reference for the caller),
 * or with out NULL the item is dropped (del l[i]). The item array shrinks as CPython's
 * does when less than half of it is used. O(n - i); O(n) when the array shrinks (a new
 * array from rp_obj_malloc, then the copy; kept as it is if that fails). */
rp_err_t rp_list_pop(rp_obj_t *l, int32_t i, rp_obj_t **out);
/* Items, or RP_E_ARG / RP_E_TYPE (negative). O(1). */
int32_t rp_list_len(const rp_obj_t *l);

/* ---- dict: insertion-ordered, compact ---- */

/* New reference to an empty dict (no table until the first key). NULL: no memory.
 * O(1) plus an object allocation. */
rp_obj_t *rp_dict_new(void);
/* d[key] = value; neither is stolen. An existing key keeps its place and its key object.
 * RP_E_TYPE if key is unhashable. O(probe length) (above: the table never shrinks, so
 * after deletions its size may exceed n) plus the hooks it calls: key's hash hook, and
 * the equality hook for each stored key of the same hash (a str: O(length)); O(table
 * size) more when the table grows (a new one from rp_obj_malloc, filled from the live
 * entries); a DECREF of the value replaced. */
rp_err_t rp_dict_set(rp_obj_t *d, rp_obj_t *key, rp_obj_t *value);
/* Borrowed d[key]. RP_E_KEY if missing, RP_E_TYPE if unhashable. O(probe length) plus
 * the hash and equality hooks it calls, as rp_dict_set; allocates nothing. */
rp_err_t rp_dict_get(rp_obj_t *d, rp_obj_t *key, rp_obj_t **out);
/* del d[key]. RP_E_KEY if missing. As rp_dict_get, plus a DECREF of the key and of the
 * value; the table does not shrink until the next growth, as in CPython. */
rp_err_t rp_dict_del(rp_obj_t *d, rp_obj_t *key);
/* Live items, or RP_E_ARG / RP_E_TYPE (negative). O(1). */
int32_t rp_dict_len(const rp_obj_t *d);
/* Iteration in insertion order: start with *pos = 0; each call stores the next borrowed
 * key and value (either pointer may be NULL) and returns RP_E_OK, then RP_E_INDEX at the
 * end. Changing the dict while iterating may skip or repeat items, never crashes.
 * O(deleted entries skipped), at worst O(n + deletions since the table last grew); a
 * whole iteration O(those entries), with no hook. */
rp_err_t rp_dict_next(rp_obj_t *d, uint32_t *pos, rp_obj_t **key, rp_obj_t **value);
/* The same with str keys given as C strings (the key stored is the interned str).
 * get and del: O(key length + probe length), plus O(key length) for each stored str of
 * the same hash and length (the bytes compared); no hook runs, and get allocates nothing;
 * del adds a DECREF of the key and of the value. set: rp_str_intern_cstr's cost, then
 * rp_dict_set's with the interned str as the key. */
rp_err_t rp_dict_get_cstr(rp_obj_t *d, const char *key, rp_obj_t **out);
rp_err_t rp_dict_set_cstr(rp_obj_t *d, const char *key, rp_obj_t *value);
rp_err_t rp_dict_del_cstr(rp_obj_t *d, const char *key);

/* ---- plain instances and attributes ---- */

/* New reference to a plain instance (Python's object without __slots__): one slot holding
 * its attribute dict, created on the first rp_setattr. Tracked. NULL: no memory.
 * O(1) plus an object allocation (rp_new). */
rp_obj_t *rp_instance_new(void);

/* Attribute access on any object: the named slots along its type's base chain first,
 * then its __dict__ (types with RP_TYPE_DICT, the plain instance among them), else
 * RP_E_KEY — as Python's AttributeError, also for an empty slot or a missing key.
 * rp_getattr stores a borrowed reference; the name "__dict__" gives the dict itself,
 * creating it if needed. rp_setattr does not steal v (RP_E_ARG if v is NULL: use
 * rp_delattr); dict attributes are keyed by interned strs. Cost: the slot search,
 * rp_slot_index's (rp_object.h: O(chain length squared + slots along the chain x name
 * length)); then for a slot an INCREF and a DECREF (setattr, delattr), for a __dict__
 * attribute rp_dict_get_cstr's, rp_dict_set_cstr's or rp_dict_del_cstr's cost; setattr
 * (and getattr of "__dict__") creating the dict adds an object allocation. */
rp_err_t rp_getattr(rp_obj_t *o, const char *name, rp_obj_t **out);
rp_err_t rp_setattr(rp_obj_t *o, const char *name, rp_obj_t *v);
rp_err_t rp_delattr(rp_obj_t *o, const char *name);

/* ---- hashing and equality ---- */

#define RP_EQUAL_DEPTH 16

/* o's hash. RP_E_TYPE if o's type has no hash hook or o is a tuple holding an unhashable
 * item. O(1) (a tuple's is cached), except a static str's (O(length)), plus the hash hook
 * of a user type. */
rp_err_t rp_hash(rp_obj_t *o, uint32_t *out);
/* 1 if a == b in Python's sense, 0 if not; RP_E_ARG (negative) if either is NULL or
 * tuples are nested deeper than RP_EQUAL_DEPTH. Identity first, then a's equal hook.
 * O(1) plus one equal hook (str: O(length)); two tuples: O(items compared, nested ones
 * included; the cached hash and length reject most unequal pairs first) plus the equal
 * hooks it calls. A fixed stack of RP_EQUAL_DEPTH frames, no recursion. */
int rp_equal(rp_obj_t *a, rp_obj_t *b);

#endif
