/*
 * fault.c — the fault handler: HardFault (and MemManage, BusFault, UsageFault,
 * SecureFault, which escalate to HardFault unless enabled) prints what the core stacked
 * and the fault status registers through the console, then ends the program with
 * RP_CM_EXIT_FAULT. Its first word printed is the exception's name at the start of a
 * line ("HardFault ..."), which the test runner looks for.
 */
#include "cm_port.h"
#include "cm_regs.h"
#include "rp_port.h"
#include "rp_print.h"
#include "rp_stack.h"

uint64_t rp_fault_stack[RP_CM_FAULT_STACK_BYTES / 8u];

_Noreturn void rp_fault_report(const uint32_t *frame, uint32_t exc_return);

/* The entry finds the stacked frame (on the process stack if EXC_RETURN bit 2 says so,
 * else the main stack), then moves to a stack of its own: the fault may be a stack
 * overflow, and printing needs about 400 bytes (by -fstack-usage). It never returns, so
 * the stack it leaves needs no care. Written in ARMv6-M's Thumb subset (no IT blocks,
 * no CBZ), so it assembles for every core. */
__attribute__((naked)) void rp_fault_entry(void)
{
    __asm volatile(
        "movs r0, #4\n\t"
        "mov r1, lr\n\t"
        "tst r0, r1\n\t"
        "beq 1f\n\t"
        "mrs r0, psp\n\t"
        "b 2f\n"
        "1:\n\t"
        "mrs r0, msp\n"
        "2:\n\t"
        "ldr r2, =rp_fault_stack + 512\n\t"
        "mov sp, r2\n\t"
        "ldr r2, =rp_fault_report\n\t"
        "bx r2\n\t"
        ".ltorg\n");
}
_Static_assert(RP_CM_FAULT_STACK_BYTES == 512u, "rp_fault_entry's literal must match");

/* The CMSIS names of the fault handlers: the report above until an application defines
 * its own. */
void HardFault_Handler(void) RP_WEAK_ALIAS(rp_fault_entry);
void MemManage_Handler(void) RP_WEAK_ALIAS(rp_fault_entry);
void BusFault_Handler(void) RP_WEAK_ALIAS(rp_fault_entry);
void UsageFault_Handler(void) RP_WEAK_ALIAS(rp_fault_entry);
void SecureFault_Handler(void) RP_WEAK_ALIAS(rp_fault_entry);

static const char *exception_name(uint32_t n)
{
    switch (n) {
    case 3: return "HardFault";
    case 4: return "MemManage";
    case 5: return "BusFault";
    case 6: return "UsageFault";
    case 7: return "SecureFault";
    default: return "Fault";
    }
}

/* The frame is only read if it lies in RAM: a fault while stacking (an overflowing
 * stack, a corrupted SP) leaves SP anywhere, and a second fault here would lock up. */
static int frame_readable(const uint32_t *frame)
{
    uintptr_t f = (uintptr_t)frame;
    return (f & 3u) == 0 && f >= (uintptr_t)__rp_ram_start && f + 32u <= (uintptr_t)__rp_ram_end;
}

_Noreturn void rp_fault_report(const uint32_t *frame, uint32_t exc_return)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    rp_printf("\n%s (exception %u) from %s mode, frame at %p\n", exception_name(ipsr & 0x1FFu),
              (unsigned)(ipsr & 0x1FFu), (exc_return & 8u) ? "thread" : "handler", (const void *)frame);
    if (frame_readable(frame)) {
        rp_printf("  r0 0x%lx  r1 0x%lx  r2 0x%lx  r3 0x%lx\n", (unsigned long)frame[0], (unsigned long)frame[1],
                  (unsigned long)frame[2], (unsigned long)frame[3]);
        rp_printf("  r12 0x%lx  lr 0x%lx  pc 0x%lx  xpsr 0x%lx\n", (unsigned long)frame[4],
                  (unsigned long)frame[5], (unsigned long)frame[6], (unsigned long)frame[7]);
    } else {
        rp_printf("  stacked registers unreadable: the frame is outside RAM (stack overflow?)\n");
    }
#if RP_CM_HAS_FAULT_REGS
    rp_printf("  CFSR 0x%lx  HFSR 0x%lx  MMFAR 0x%lx  BFAR 0x%lx\n", (unsigned long)RP_SCB_CFSR,
              (unsigned long)RP_SCB_HFSR, (unsigned long)RP_SCB_MMFAR, (unsigned long)RP_SCB_BFAR);
#endif
    if (!rp_stack_guard_intact())
        rp_printf("  the stack guard is overwritten: the stack overflowed\n");
    rp_port_exit(RP_CM_EXIT_FAULT);
}
