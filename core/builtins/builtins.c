/*
 * builtins.c — the registry of built-in types. Each has a fixed type number (below
 * RP_FIRST_USER_TYPE in object.c, enum rp_type_number in rp_builtins.h) so its immortal
 * instances can be const data in flash; rp_objects_init puts every type listed here into
 * the type table. It also runs over a new heap, so the built-in types' own state that
 * lives in the heap (the intern table) is forgotten here.
 */
#include "builtins_internal.h"

#if RP_CFG_BUILTINS   /* the built-in types: rp_config.h */

static const rp_type_t *const builtin_types[] = {
    &rp_none_type,
    &rp_bool_type,
    &rp_int_type,
    &rp_str_type,
    &rp_tuple_type,
    &rp_list_type,
    &rp_dict_type,
    &rp_instance_type,
};

rp_err_t rp_builtin_types_ready(void)
{
    rp_heap_set_namer(rp_obj_guess_type);   /* rp_heap_walk names the types of objects */
    rp_str_state_init();
    for (unsigned i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++) {
        if (!builtin_types[i])
            continue;
        rp_err_t e = rp_type_ready(builtin_types[i]);
        if (e != RP_E_OK)
            return e;
    }
    return RP_E_OK;
}

#endif /* RP_CFG_BUILTINS */
