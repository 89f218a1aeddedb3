/*
 * stack.c — stack painting at reset, the high-water mark and the guard check
 * (see rp_stack.h).
 */
#include "cm_port.h"
#include "rp_stack.h"

/* Runs from the reset handler, on the stack it paints: everything below the current
 * stack pointer is unused (Arm has no red zone, and nothing has run deeper yet), so the
 * loop paints from the guard's bottom up to SP. It calls nothing, so its own frame stays
 * above SP. The guard is painted by the same loop: it lies right under the stack. */
void rp_stack_paint(void)
{
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = __rp_stack_limit; p < sp; p++)
        *p = RP_STACK_PAINT;
}

size_t rp_stack_size(void)
{
    return (size_t)((uintptr_t)__rp_stack_top - (uintptr_t)__rp_stack_guard_end);
}

/* A function could leave a painted value in a word it used; the peak is then under-read
 * by that word at most, at the very bottom of what was used, which does not matter for
 * sizing a stack. */
size_t rp_stack_peak(void)
{
    const uint32_t *p = __rp_stack_guard_end;
    while (p < __rp_stack_top && *p == RP_STACK_PAINT)
        p++;
    return (size_t)((uintptr_t)__rp_stack_top - (uintptr_t)p);
}

int rp_stack_guard_intact(void)
{
    for (const uint32_t *p = __rp_stack_limit; p < __rp_stack_guard_end; p++)
        if (*p != RP_STACK_PAINT)
            return 0;
    return 1;
}
