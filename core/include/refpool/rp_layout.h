/*
 * rp_layout.h — the layout signature: the configuration a file was compiled with, as one
 * number, so that a program whose files see another configuration than the library's is
 * refused at initialisation instead of corrupting memory.
 *
 * Every option that changes a public struct, an object's header or what an inline
 * function of a public header does has a field here. A file that includes rp_heap.h
 * passes RP_LAYOUT_SIGNATURE, as its own preprocessor computed it, to the library in
 * rp_heap_init; the library compares it with its own and refuses a difference
 * (RP_E_LAYOUT), printing through the port console which option differs and its two
 * values. The usual cause: refpool's headers compiled without the board's configuration
 * (RP_BOARD_CONFIG), which the CMake target refpool::refpool passes to every consumer.
 *
 * RP_LAYOUT_VERSION changes whenever a public struct changes shape, so that headers of
 * one refpool version and a library of another are refused too.
 *
 * Interrupts: compile-time values only; rp_layout_check (rp_heap.h) is called by
 * rp_heap_init, which is thread mode. No rule of its own.
 */
#ifndef RP_LAYOUT_H
#define RP_LAYOUT_H

#include <stdint.h>
#include "rp_config.h"

#define RP_LAYOUT_VERSION 2u   /* 2: 16-bit counts, bit 31 special */

/* Where each field sits in the signature: its first bit and its width. */
enum rp_layout_field_pos {
    RP_LAYOUT_AT_VERSION = 0,      RP_LAYOUT_BITS_VERSION = 8,
    RP_LAYOUT_AT_DEBUG = 8,        RP_LAYOUT_BITS_DEBUG = 1,
    RP_LAYOUT_AT_GC_LINK16 = 9,    RP_LAYOUT_BITS_GC_LINK16 = 1,
    RP_LAYOUT_AT_TRACE = 10,       RP_LAYOUT_BITS_TRACE = 1,
    RP_LAYOUT_AT_CRITICAL = 11,    RP_LAYOUT_BITS_CRITICAL = 1,
    RP_LAYOUT_AT_POINTER = 12,     RP_LAYOUT_BITS_POINTER = 4,     /* sizeof(void *) */
    RP_LAYOUT_AT_POOL_SIZE = 16,   RP_LAYOUT_BITS_POOL_SIZE = 9,   /* in 256-byte units */
    RP_LAYOUT_AT_SMALL_MAX = 25,   RP_LAYOUT_BITS_SMALL_MAX = 11,  /* in 8-byte units */
    RP_LAYOUT_AT_MAX_TYPES = 36,   RP_LAYOUT_BITS_MAX_TYPES = 9,
    RP_LAYOUT_AT_CHUNK_MAX = 45,   RP_LAYOUT_BITS_CHUNK_MAX = 5,   /* RP_CFG_CHUNK_MAX_LOG2 */
    RP_LAYOUT_AT_BUILTINS = 50,    RP_LAYOUT_BITS_BUILTINS = 1,
    RP_LAYOUT_AT_WEAKREF = 51,     RP_LAYOUT_BITS_WEAKREF = 1,
    RP_LAYOUT_AT_GC_INC = 52,      RP_LAYOUT_BITS_GC_INC = 1,
};

#define RP_LAYOUT_FIELD(value, at) ((uint64_t)(value) << (at))
#define RP_LAYOUT_SIGNATURE                                                   \
    (RP_LAYOUT_FIELD(RP_LAYOUT_VERSION, RP_LAYOUT_AT_VERSION) |               \
     RP_LAYOUT_FIELD(RP_CFG_DEBUG, RP_LAYOUT_AT_DEBUG) |                      \
     RP_LAYOUT_FIELD(RP_CFG_GC_LINK16, RP_LAYOUT_AT_GC_LINK16) |              \
     RP_LAYOUT_FIELD(RP_CFG_TRACE, RP_LAYOUT_AT_TRACE) |                      \
     RP_LAYOUT_FIELD(RP_CFG_CRITICAL, RP_LAYOUT_AT_CRITICAL) |                \
     RP_LAYOUT_FIELD(sizeof(void *), RP_LAYOUT_AT_POINTER) |                  \
     RP_LAYOUT_FIELD(RP_CFG_POOL_SIZE / 256u, RP_LAYOUT_AT_POOL_SIZE) |       \
     RP_LAYOUT_FIELD(RP_CFG_SMALL_MAX / 8u, RP_LAYOUT_AT_SMALL_MAX) |         \
     RP_LAYOUT_FIELD(RP_CFG_MAX_TYPES, RP_LAYOUT_AT_MAX_TYPES) |              \
     RP_LAYOUT_FIELD(RP_CFG_CHUNK_MAX_LOG2, RP_LAYOUT_AT_CHUNK_MAX) |          \
     RP_LAYOUT_FIELD(RP_CFG_BUILTINS, RP_LAYOUT_AT_BUILTINS) |                \
     RP_LAYOUT_FIELD(RP_CFG_WEAKREF, RP_LAYOUT_AT_WEAKREF) |                  \
     RP_LAYOUT_FIELD(RP_CFG_GC_INCREMENTAL, RP_LAYOUT_AT_GC_INC))

/* Each value fits its field (a wider one would spill into the next field unseen). */
_Static_assert(RP_CFG_DEBUG == 0 || RP_CFG_DEBUG == 1, "RP_CFG_DEBUG is 0 or 1");
_Static_assert(RP_CFG_GC_LINK16 == 0 || RP_CFG_GC_LINK16 == 1, "RP_CFG_GC_LINK16 is 0 or 1");
_Static_assert(RP_CFG_CRITICAL == 0 || RP_CFG_CRITICAL == 1, "RP_CFG_CRITICAL is 0 or 1");
_Static_assert(RP_CFG_POOL_SIZE / 256u < (1u << RP_LAYOUT_BITS_POOL_SIZE), "pool size field");
_Static_assert(RP_CFG_SMALL_MAX / 8u < (1u << RP_LAYOUT_BITS_SMALL_MAX), "small max field");
_Static_assert(RP_CFG_MAX_TYPES < (1u << RP_LAYOUT_BITS_MAX_TYPES), "type table field");
_Static_assert(RP_CFG_CHUNK_MAX_LOG2 < (1u << RP_LAYOUT_BITS_CHUNK_MAX), "chunk size field");

#endif
