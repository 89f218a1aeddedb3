/*
 * error.c — rp_strerror (rp_error.h): one table, indexed by the negated code, so that a
 * name cannot drift from its code without the _Static_assert below noticing the count.
 */
#include "rp_error.h"

static const char *const names[] = {
    "RP_E_OK: success",
    "RP_E_NOMEM: out of memory",
    "RP_E_TYPE: wrong type",
    "RP_E_INDEX: index out of range",
    "RP_E_KEY: key or attribute missing",
    "RP_E_DUPLICATE: slot name repeated from the base type",
    "RP_E_FULL: type table full",
    "RP_E_ARG: invalid argument",
    "RP_E_ALIGN: heap region misaligned",
    "RP_E_OVERLAP: heap regions overlap",
    "RP_E_SIZE: heap region too small or too large",
    "RP_E_LAYOUT: compiled with another configuration than the library",
    "RP_E_REFUSED: refused now (collection running, or in an interrupt handler)",
};
_Static_assert(sizeof names / sizeof names[0] == 1 - RP_E_REFUSED, "one name per code");

const char *rp_strerror(rp_err_t e)
{
    int i = -(int)e;
    if (i < 0 || i >= (int)(sizeof names / sizeof names[0]))
        return "unknown error";
    return names[i];
}
