/*
 * layout.c — refuses a program compiled against another configuration than the library
 * (rp_layout.h). Runs once, at rp_heap_init: a few comparisons, and on a mismatch one
 * console line per option that differs, so that the message says what to fix.
 */
#include "rp_heap.h"
#include "rp_layout.h"
#include "rp_print.h"
#include "rp_port.h"

typedef struct layout_field {
    const char *option;
    uint8_t at;
    uint8_t bits;
    uint16_t unit;   /* the field holds the option's value divided by this */
} layout_field_t;

static const layout_field_t fields[] = {
    {"refpool's header version (RP_LAYOUT_VERSION)", RP_LAYOUT_AT_VERSION, RP_LAYOUT_BITS_VERSION, 1},
    {"RP_CFG_DEBUG", RP_LAYOUT_AT_DEBUG, RP_LAYOUT_BITS_DEBUG, 1},
    {"RP_CFG_GC_LINK16", RP_LAYOUT_AT_GC_LINK16, RP_LAYOUT_BITS_GC_LINK16, 1},
    {"RP_CFG_TRACE", RP_LAYOUT_AT_TRACE, RP_LAYOUT_BITS_TRACE, 1},
    {"RP_CFG_CRITICAL", RP_LAYOUT_AT_CRITICAL, RP_LAYOUT_BITS_CRITICAL, 1},
    {"the pointer size (sizeof(void *))", RP_LAYOUT_AT_POINTER, RP_LAYOUT_BITS_POINTER, 1},
    {"RP_CFG_POOL_SIZE", RP_LAYOUT_AT_POOL_SIZE, RP_LAYOUT_BITS_POOL_SIZE, 256},
    {"RP_CFG_SMALL_MAX", RP_LAYOUT_AT_SMALL_MAX, RP_LAYOUT_BITS_SMALL_MAX, 8},
    {"RP_CFG_MAX_TYPES", RP_LAYOUT_AT_MAX_TYPES, RP_LAYOUT_BITS_MAX_TYPES, 1},
    {"RP_CFG_CHUNK_MAX_LOG2", RP_LAYOUT_AT_CHUNK_MAX, RP_LAYOUT_BITS_CHUNK_MAX, 1},
    {"RP_CFG_BUILTINS", RP_LAYOUT_AT_BUILTINS, RP_LAYOUT_BITS_BUILTINS, 1},
    {"RP_CFG_WEAKREF", RP_LAYOUT_AT_WEAKREF, RP_LAYOUT_BITS_WEAKREF, 1},
    {"RP_CFG_GC_INCREMENTAL", RP_LAYOUT_AT_GC_INC, RP_LAYOUT_BITS_GC_INC, 1},
};

static uint32_t field_value(uint64_t signature, const layout_field_t *f)
{
    return (uint32_t)((signature >> f->at) & ((1u << f->bits) - 1u)) * f->unit;
}

rp_err_t rp_layout_check(uint64_t program)
{
    const uint64_t library = RP_LAYOUT_SIGNATURE;
    if (program == library)
        return RP_E_OK;
    for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        uint32_t mine = field_value(library, &fields[i]);
        uint32_t theirs = field_value(program, &fields[i]);
        if (mine != theirs)
            rp_printf("refpool: %s is %lu where rp_heap_init was called but %lu in the library: "
                      "compile every file with the library's configuration (link refpool::refpool)\n",
                      fields[i].option, (unsigned long)theirs, (unsigned long)mine);
    }
    rp_port_report("layout: the program's configuration differs from the library's; heap not initialised",
                   0);
    return RP_E_LAYOUT;
}
