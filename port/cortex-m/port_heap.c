/*
 * port_heap.c — rp_port_heap (rp_port.h): the RAM the image leaves free, between the end of
 * .bss and the end of RAM, as the linker script (linker/sections.ld) exports it. Both
 * bounds are 8-byte aligned there, as rp_heap_init requires.
 */
#include "cm_port.h"
#include "rp_port.h"

void *rp_port_heap(size_t *size)
{
    *size = (size_t)((uintptr_t)__rp_heap_end - (uintptr_t)__rp_heap_start);
    return __rp_heap_start;
}
