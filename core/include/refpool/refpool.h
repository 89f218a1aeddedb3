/*
 * refpool.h — the whole public API in one include: CPython's memory model for
 * microcontrollers. Each header it includes states its own contract, costs and interrupt
 * rules; docs/guide.md walks through a first application.
 *
 *   rp_config.h   compile-time options and their defaults (a board overrides them)
 *   rp_error.h    the error codes (rp_err_t) and rp_strerror
 *   rp_layout.h   the layout signature rp_heap_init checks against the library
 *   rp_heap.h     the allocator: rp_malloc, rp_free, statistics, rp_heap_check
 *   rp_object.h   objects, types, reference counts, slots
 *   rp_gc.h       the cycle collector (Python's gc module)
 *   rp_weakref.h  weak references, finalize, weak containers (Python's weakref module)
 *   rp_builtins.h int, str, tuple, list, dict, instances; sys.getsizeof and getrefcount
 *   rp_trace.h    allocation tracing (Python's tracemalloc module)
 *   rp_print.h    printf through the port's console
 *   rp_port.h     what the port provides (rp_port_heap: the board's free RAM)
 */
#ifndef REFPOOL_H
#define REFPOOL_H

#include "rp_config.h"
#include "rp_error.h"
#include "rp_layout.h"
#include "rp_heap.h"
#include "rp_object.h"
#include "rp_gc.h"
#include "rp_weakref.h"
#include "rp_builtins.h"
#include "rp_trace.h"
#include "rp_print.h"
#include "rp_port.h"

#endif
