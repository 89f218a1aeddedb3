/*
 * cm_port.h — what the files of port/cortex-m share, and nothing else needs: the
 * exception handlers the vector table names, the start-up steps the reset handler runs,
 * and the exit statuses of abnormal ends. Internal to port/cortex-m.
 */
#ifndef RP_CM_PORT_H
#define RP_CM_PORT_H

#include <stdint.h>

/* Exit statuses of ends that are not main() returning. A test image otherwise exits with
 * its failure count (at most 255), so these are only distinguishable by what the console
 * printed before them; they are never 0. */
#define RP_CM_EXIT_FAULT 254        /* a fault exception (HardFault and the like) */
#define RP_CM_EXIT_PANIC 253        /* rp_port_panic */
#define RP_CM_EXIT_UNEXPECTED 252   /* an exception or interrupt nobody handles */
#define RP_CM_EXIT_STACK 251        /* main returned 0 but the stack guard was overwritten */

/* Exception handlers named by the vector table (startup.c). */
void rp_reset_handler(void);
void rp_fault_entry(void);          /* fault.c: HardFault, MemManage, BusFault, UsageFault, SecureFault */
void rp_systick_handler(void);      /* cycles.c */

/* The CMSIS names of the exception handlers, weak: an application's definition wins
 * (startup.c says which default each has). A weak alias must sit beside its target. */
#define RP_WEAK_ALIAS(target) __attribute__((weak, alias(#target)))
void NMI_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SecureFault_Handler(void);
void SVC_Handler(void);
void DebugMon_Handler(void);
void PendSV_Handler(void);
void SysTick_Handler(void);
void rp_irq_handler(void);
void rp_unexpected_exception(void); /* startup.c: prints the exception number and exits */

/* Start-up steps, in the order the reset handler runs them. */
void rp_stack_paint(void);          /* stack.c: before anything else uses the stack deeply */
void rp_critical_init(void);        /* critical.c: priorities for a BASEPRI section */
void rp_cycles_start(void);         /* cycles.c: after the board is initialised */

/* The fault handler's own stack (fault.c), so that a fault caused by an overflowing
 * stack can still print. */
#define RP_CM_FAULT_STACK_BYTES 512u
extern uint64_t rp_fault_stack[RP_CM_FAULT_STACK_BYTES / 8u];

/* Linker-provided symbols (linker/sections.ld); only their addresses mean anything. */
extern uint32_t __rp_data_start[], __rp_data_end[], __rp_data_load[];
extern uint32_t __rp_bss_start[], __rp_bss_end[];
extern uint32_t __rp_stack_limit[], __rp_stack_guard_end[], __rp_stack_top[];
extern uint8_t __rp_heap_start[], __rp_heap_end[];
extern uint8_t __rp_ram_start[], __rp_ram_end[];

#endif
