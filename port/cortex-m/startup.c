/*
 * startup.c — the vector table and the reset handler: from power-on to main() and from
 * main's return to rp_port_exit.
 */
#include "board_hooks.h"
#include "cm_config.h"
#include "cm_port.h"
#include "cm_regs.h"
#include "rp_port.h"
#include "rp_print.h"

int main(void);

/* Handlers an application takes over by defining a function of the same name, with the
 * names CMSIS gives them, so that code written for CMSIS (an RTOS port's SVC_Handler,
 * PendSV_Handler and SysTick_Handler; a driver's USART2_IRQHandler) links unchanged.
 * - NMI_Handler, SVC_Handler, DebugMon_Handler, PendSV_Handler: unexpected until defined.
 * - HardFault_Handler, MemManage_Handler, BusFault_Handler, UsageFault_Handler,
 *   SecureFault_Handler: the port's fault report until defined (weak, in fault.c).
 * - SysTick_Handler: the port's cycle counter until defined (weak, in cycles.c); an
 *   application that takes it over leaves rp_port_cycles with the 24-bit counter alone.
 * - External interrupts: the names the board lists in RP_BOARD_IRQ_NAMES (rp_board.h),
 *   X(irq_number, name) for each, CMSIS's device names; every interrupt without a name,
 *   and every named one not defined, enters rp_irq_handler, which can tell them apart by
 *   IPSR (exception number - 16 = IRQ number) and is unexpected until defined. */
void NMI_Handler(void) RP_WEAK_ALIAS(rp_unexpected_exception);
void SVC_Handler(void) RP_WEAK_ALIAS(rp_unexpected_exception);
void DebugMon_Handler(void) RP_WEAK_ALIAS(rp_unexpected_exception);
void PendSV_Handler(void) RP_WEAK_ALIAS(rp_unexpected_exception);
void rp_irq_handler(void) RP_WEAK_ALIAS(rp_unexpected_exception);

#ifdef RP_BOARD_IRQ_NAMES
/* A named interrupt nobody defined: on to rp_irq_handler, whoever defines that. (An
 * alias straight to rp_irq_handler would bind to the port's weak default even when the
 * application defines rp_irq_handler.) */
static void rp_irq_unnamed(void)
{
    rp_irq_handler();
}
#define RP_IRQ_DECLARE(irq, name) void name(void) RP_WEAK_ALIAS(rp_irq_unnamed);
RP_BOARD_IRQ_NAMES(RP_IRQ_DECLARE)
#endif

typedef void (*rp_handler_t)(void);

/* The first word is the initial main stack pointer, then one handler per exception
 * number from 1 (reset). The linker script puts .isr_vector at the start of FLASH, where
 * the core (VTOR's reset value, or the board's boot alias) looks for it. */
typedef struct rp_vector_table {
    uint32_t *initial_sp;
    rp_handler_t handlers[15 + RP_PORT_IRQS];
} rp_vector_table_t;

#define RP_IRQ_1 rp_irq_handler
#define RP_IRQ_2 RP_IRQ_1, RP_IRQ_1
#define RP_IRQ_4 RP_IRQ_2, RP_IRQ_2
#define RP_IRQ_8 RP_IRQ_4, RP_IRQ_4
#define RP_IRQ_16 RP_IRQ_8, RP_IRQ_8
#define RP_IRQ_32 RP_IRQ_16, RP_IRQ_16
#define RP_IRQ_64 RP_IRQ_32, RP_IRQ_32
#define RP_IRQ_128 RP_IRQ_64, RP_IRQ_64
#define RP_IRQ_256 RP_IRQ_128, RP_IRQ_128

/* The board's named interrupts are set after the fill that gives every interrupt
 * rp_irq_handler: C99 lets a designated initializer override an earlier one, and the
 * warning that says so is the point here, hence the pragma around the table alone. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".isr_vector"), used)) const rp_vector_table_t rp_vector_table = {
    __rp_stack_top,
    {
        rp_reset_handler,         /*  1 Reset */
        NMI_Handler,              /*  2 NMI */
        HardFault_Handler,        /*  3 HardFault */
        MemManage_Handler,        /*  4 MemManage (v7-M, v8-M Mainline) */
        BusFault_Handler,         /*  5 BusFault */
        UsageFault_Handler,       /*  6 UsageFault */
        SecureFault_Handler,      /*  7 SecureFault (v8-M with Security Extension) */
        0, 0, 0,                  /*  8-10 reserved */
        SVC_Handler,              /* 11 SVCall */
        DebugMon_Handler,         /* 12 DebugMonitor */
        0,                        /* 13 reserved */
        PendSV_Handler,           /* 14 PendSV */
        SysTick_Handler,          /* 15 SysTick */
        /* Entries not listed are zero-initialised, so fill all of them: a designated
         * range initialiser is a GNU extension, hence the doubling macros. A vector
         * table longer than RP_PORT_IRQS lines is cut by the array size (checked). */
#if RP_PORT_IRQS > 256
        RP_IRQ_256,
#endif
#if (RP_PORT_IRQS % 256) >= 128
        RP_IRQ_128,
#endif
#if (RP_PORT_IRQS % 128) >= 64
        RP_IRQ_64,
#endif
#if (RP_PORT_IRQS % 64) >= 32
        RP_IRQ_32,
#endif
#if (RP_PORT_IRQS % 32) >= 16
        RP_IRQ_16,
#endif
#if (RP_PORT_IRQS % 16) >= 8
        RP_IRQ_8,
#endif
#if (RP_PORT_IRQS % 8) >= 4
        RP_IRQ_4,
#endif
#if (RP_PORT_IRQS % 4) >= 2
        RP_IRQ_2,
#endif
#if (RP_PORT_IRQS % 2) >= 1
        RP_IRQ_1,
#endif
#ifdef RP_BOARD_IRQ_NAMES
#define RP_IRQ_ENTRY(irq, name) [15 + (irq)] = name,
        RP_BOARD_IRQ_NAMES(RP_IRQ_ENTRY)
#endif
    },
};
#pragma GCC diagnostic pop

_Static_assert(sizeof rp_vector_table == 4u * (16u + RP_PORT_IRQS), "vector table size");

/* The FPU is off at reset: the first FP instruction would fault (NOCP). Full access for
 * CP10 and CP11 in CPACR, then barriers so that no later instruction runs before the
 * write takes effect. Kept out of line and first, before any code that the compiler
 * might give FP registers to. */
static __attribute__((noinline)) void fpu_enable(void)
{
#if RP_CM_HAS_FPU
    RP_SCB_CPACR |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif
}

/* The reset handler's loops copy words one by one: the port is compiled with
 * -fno-tree-loop-distribute-patterns, so they cannot become memcpy/memset calls that
 * would run before .data exists (ours need none, but the rule is simpler than the
 * proof). Word loops suffice: the linker script aligns every bound to 4. */
void rp_reset_handler(void)
{
    fpu_enable();
    rp_stack_paint();

    const uint32_t *src = __rp_data_load;
    for (uint32_t *dst = __rp_data_start; dst < __rp_data_end; dst++, src++)
        *dst = *src;
    for (uint32_t *dst = __rp_bss_start; dst < __rp_bss_end; dst++)
        *dst = 0;

#if RP_CM_HAS_MSPLIM
    /* An overflow now raises a UsageFault (STKOF) instead of writing into the guard. */
    __asm volatile("msr msplim, %0" : : "r"(__rp_stack_guard_end) : "memory");
#endif

    rp_critical_init();
    rp_board_init();
    rp_cycles_start();
    rp_port_exit(main());
}

/* An NMI, SVC, PendSV, debug monitor or external interrupt that no one installed a
 * handler for: enabling one without a handler is a bug, so it ends the program loudly. */
void rp_unexpected_exception(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    rp_printf("FAIL unexpected exception %u (IRQ %d) with no handler\n", (unsigned)(ipsr & 0x1FFu),
              (int)(ipsr & 0x1FFu) - 16);
    rp_port_exit(RP_CM_EXIT_UNEXPECTED);
}
