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

/* Exceptions an application may take over by defining a function of the same name;
 * until then they count as unexpected. External interrupts all enter rp_irq_handler,
 * which can tell them apart by IPSR (exception number - 16 = IRQ number). */
void rp_svc_handler(void) __attribute__((weak, alias("rp_unexpected_exception")));
void rp_pendsv_handler(void) __attribute__((weak, alias("rp_unexpected_exception")));
void rp_irq_handler(void) __attribute__((weak, alias("rp_unexpected_exception")));

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

__attribute__((section(".isr_vector"), used)) const rp_vector_table_t rp_vector_table = {
    __rp_stack_top,
    {
        rp_reset_handler,         /*  1 Reset */
        rp_unexpected_exception,  /*  2 NMI */
        rp_fault_entry,           /*  3 HardFault */
        rp_fault_entry,           /*  4 MemManage (v7-M, v8-M Mainline) */
        rp_fault_entry,           /*  5 BusFault */
        rp_fault_entry,           /*  6 UsageFault */
        rp_fault_entry,           /*  7 SecureFault (v8-M with Security Extension) */
        0, 0, 0,                  /*  8-10 reserved */
        rp_svc_handler,           /* 11 SVCall */
        rp_unexpected_exception,  /* 12 DebugMonitor */
        0,                        /* 13 reserved */
        rp_pendsv_handler,        /* 14 PendSV */
        rp_systick_handler,       /* 15 SysTick */
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
    },
};

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
