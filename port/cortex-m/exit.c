/*
 * exit.c — rp_port_exit (rp_port.h): the end of every firmware run. It reports the
 * stack's high-water mark (a figure each board's stack size is chosen by) and checks the
 * stack guard, so that every test image also tests that its stack sufficed; then it
 * ends through semihosting (QEMU's exit status becomes `status`) or, on a board running
 * on its own, prints the status and halts.
 */
#include "cm_config.h"
#include "cm_port.h"
#include "rp_port.h"
#include "rp_print.h"
#include "rp_semihosting.h"
#include "rp_stack.h"

_Noreturn void rp_port_exit(int status)
{
    if (!rp_stack_guard_intact()) {
        rp_printf("FAIL the stack guard is overwritten: %u bytes of stack were not enough\n",
                  (unsigned)rp_stack_size());
        if (status == 0)
            status = RP_CM_EXIT_STACK;
    }
    rp_printf("stack: %u of %u bytes used at peak\n", (unsigned)rp_stack_peak(), (unsigned)rp_stack_size());
#if RP_PORT_SEMIHOSTING
    rp_semihosting_exit(status);
#else
    rp_printf("exit %d\n", status);
    __asm volatile("cpsid i" ::: "memory");
    for (;;)
        __asm volatile("wfi");
#endif
}
