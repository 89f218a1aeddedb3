/*
 * rp_stack.h — the main stack's high-water mark and overflow guard (Cortex-M port).
 *
 * The stack has a fixed size set by the board's memory map (linker/sections.ld places
 * it at the bottom of RAM, below .data, .bss and the heap). At reset every word of it
 * below the reset handler's frame is painted with RP_STACK_PAINT; so is a guard region
 * under its lowest usable word. Usage is then measured by finding the lowest word that
 * no longer holds the paint, and an overflow shows as a guard word that lost it.
 * On ARMv8-M Mainline the hardware stack limit (MSPLIM) is also set to the guard's top,
 * so an overflow faults before it reaches the guard.
 *
 * All are O(stack size) at most, callable at any time, and need no initialisation by
 * the caller (the reset handler paints).
 */
#ifndef RP_STACK_H
#define RP_STACK_H

#include <stddef.h>

#define RP_STACK_PAINT 0x57AC57ACu

/* Usable stack bytes (the guard excluded). */
size_t rp_stack_size(void);

/* The most stack bytes in use at any time since reset. */
size_t rp_stack_peak(void);

/* 1 while every guard word still holds the paint, 0 once the stack overflowed into it. */
int rp_stack_guard_intact(void);

#endif
