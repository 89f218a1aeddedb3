/*
 * builtins.c — the registry of built-in types. Each has a fixed type number (below
 * RP_FIRST_USER_TYPE in object.c) so its immortal instances can be const data in flash;
 * rp_objects_init puts every type listed here into the type table.
 */
#include "rp_object.h"

static const rp_type_t *const builtin_types[] = {
    0,
};

rp_err_t rp_builtin_types_ready(void)
{
    for (unsigned i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++) {
        if (!builtin_types[i])
            continue;
        rp_err_t e = rp_type_ready(builtin_types[i]);
        if (e != RP_E_OK)
            return e;
    }
    return RP_E_OK;
}
