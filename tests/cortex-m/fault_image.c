/*
 * fault_image.c — an image that faults on purpose: an undefined instruction (UDF), which
 * every M-profile core turns into a HardFault (ARMv7-M and ARMv8-M through a UsageFault
 * that is not enabled, so escalated). The test passes when the fault handler's report
 * appears on the console.
 */
#include "rp_print.h"

int main(void)
{
    rp_printf("faulting on purpose\n");
    __asm volatile("udf #0");
    rp_printf("FAIL still running after UDF\n");
    return 0;
}
