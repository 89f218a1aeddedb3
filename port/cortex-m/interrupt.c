/*
 * interrupt.c — rp_port_in_interrupt (rp_port.h): nonzero in an exception handler or
 * with interrupts masked, so the core defers work that must not run there.
 *
 * IPSR holds the number of the exception being handled (0 in thread mode); that covers
 * faults and NMI too. PRIMASK set means interrupts are masked (the port's own critical
 * section, or the application's). BASEPRI, where the core has it (ARMv7-M, ARMv8-M
 * Mainline), masks interrupts by priority: any nonzero value counts as masked.
 *
 * rp_port_in_handler: IPSR alone (one MRS), for the debug builds' entry checks.
 */
#include "rp_port.h"

int rp_port_in_interrupt(void)
{
    uint32_t ipsr, primask;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    __asm volatile("mrs %0, primask" : "=r"(primask));
    uint32_t masked = primask & 1u;
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__)
    uint32_t basepri;
    __asm volatile("mrs %0, basepri" : "=r"(basepri));
    masked |= basepri != 0;
#endif
    return (ipsr & 0x1FFu) != 0 || masked;
}

int rp_port_in_handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    return (ipsr & 0x1FFu) != 0;
}
