/*
 * rp_error.h — refpool's one set of error codes, shared by every layer, and their names.
 *
 * Calls that can fail return an rp_err_t (0 for success, a negative code otherwise), a
 * pointer (NULL on failure, with the reason stated in the call's comment) or, where
 * Python returns a number, that number (its comment says what a failure returns).
 * rp_strerror names a code for a log line.
 */
#ifndef RP_ERROR_H
#define RP_ERROR_H

typedef enum rp_err {
    RP_E_OK = 0,
    RP_E_NOMEM = -1,     /* allocation failed (after an emergency collection) */
    RP_E_TYPE = -2,      /* wrong type */
    RP_E_INDEX = -3,     /* index out of range */
    RP_E_KEY = -4,       /* key or attribute missing */
    RP_E_DUPLICATE = -5, /* a slot name repeated from the base, as Python refuses it */
    RP_E_FULL = -6,      /* type table full (RP_CFG_MAX_TYPES) */
    RP_E_ARG = -7,       /* NULL or otherwise invalid argument */
    RP_E_ALIGN = -8,     /* a heap region not aligned to RP_ALIGNMENT */
    RP_E_OVERLAP = -9,   /* two heap regions overlap */
    RP_E_SIZE = -10,     /* a heap region too small for its page table and one pool, or too large */
    RP_E_LAYOUT = -11,   /* the caller was compiled with another configuration (rp_layout.h) */
    RP_E_REFUSED = -12,  /* not now: a collection is running, or the caller is an interrupt handler */
} rp_err_t;

/* The code's name and meaning in a few words ("RP_E_NOMEM: out of memory"); an unknown
 * code gives "unknown error". O(1); any context, interrupt handlers included. */
const char *rp_strerror(rp_err_t e);

/* The allocator's older names for the same codes, kept so that code written against them
 * still builds; new code uses rp_err_t and RP_E_*. */
typedef rp_err_t rp_status_t;
#define RP_OK RP_E_OK
#define RP_ERR_ARG RP_E_ARG
#define RP_ERR_ALIGN RP_E_ALIGN
#define RP_ERR_OVERLAP RP_E_OVERLAP
#define RP_ERR_SIZE RP_E_SIZE
#define RP_ERR_LAYOUT RP_E_LAYOUT

#endif
