/*
 * report.c — rp_port_report and rp_port_panic (rp_port.h): broken rules are printed and
 * the core goes on (it has already refused the operation); a panic prints and ends the
 * program with RP_CM_EXIT_PANIC, so a test image run under QEMU fails.
 */
#include "cm_port.h"
#include "rp_port.h"
#include "rp_print.h"

void rp_port_report(const char *rule, const void *addr)
{
    rp_printf("refpool: %s at %p\n", rule, addr);
}

_Noreturn void rp_port_panic(const char *why, const void *addr)
{
    rp_printf("PANIC refpool: %s at %p\n", why, addr);
    rp_port_exit(RP_CM_EXIT_PANIC);
}
