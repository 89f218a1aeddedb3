/*
 * rp_port.h — everything refpool's core needs from the world outside it.
 *
 * The core is freestanding: it calls no libc function and owns no hardware. A port
 * (port/host for unit tests, port/cortex-m for firmware) implements these hooks and
 * nothing else is required to link the core.
 *
 * Contract
 * - rp_port_critical_enter/exit nest: each enter returns a token that the matching exit
 *   restores, so a critical section inside another leaves the outer one closed. They must
 *   be callable from thread mode and from interrupt handlers.
 * - rp_port_report is called for a rule broken by the caller (double free, foreign
 *   pointer, corrupted header, refcount below zero). It prints the message and returns:
 *   the core then refuses the operation and leaves the heap consistent. A port may choose
 *   to stop instead (the host port can be told to keep quiet for tests: RP_QUIET_REPORTS=1;
 *   the core counts reports in rp_heap_stats_t.reports).
 * - rp_port_panic is for states the core cannot continue from. It never returns.
 * - rp_port_console_write writes bytes to the board's console (UART, semihosting, stdout).
 * - rp_port_in_interrupt tells the core whether it runs in an interrupt handler or with
 *   interrupts masked (inside a critical section), so that work which must not run there
 *   (a cycle collection) is only marked as due and run later from thread mode.
 * - rp_port_in_handler tells whether an interrupt (exception) handler runs, masked or not:
 *   debug builds (RP_CFG_DEBUG) call it at the entry of the calls that are thread mode
 *   only (each public header's "Interrupts:" paragraph) and report a call from a
 *   handler. It must be cheap (one register read) and callable from anywhere.
 */
#ifndef RP_PORT_H
#define RP_PORT_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t rp_critical_t;

rp_critical_t rp_port_critical_enter(void);
void rp_port_critical_exit(rp_critical_t token);

/* A port whose critical section is a few instructions may also offer it inline, as
 * FreeRTOS's portmacro.h does: its build defines RP_PORT_INLINE_CRITICAL to 1 and puts
 * its rp_port_inline.h, defining rp_port_critical_enter_inline/exit_inline with the same
 * contract, on the include path. The core then uses those on its hot paths. */
#ifndef RP_PORT_INLINE_CRITICAL
#define RP_PORT_INLINE_CRITICAL 0
#endif
#if RP_PORT_INLINE_CRITICAL
#include "rp_port_inline.h"
#endif

/* RP_PORT_BITBAND (a board option, rp_board.h; 0 by default): 1 where the core has the
 * ARMv7-M bit-band of SRAM (0x20000000..0x200FFFFF, aliased word per bit from
 * 0x22000000; optional on Cortex-M3 and M4, absent on M0, M7 and M33) and the allocator's
 * state (rp_heap, in .bss) lies in it. The allocator then sets and clears a bin's bitmap
 * bit with one store to the bit's alias word instead of a read-modify-write of its word
 * (heap_internal.h); rp_heap_init refuses (RP_E_ARG) if rp_heap is outside the band. */
#ifdef RP_BOARD_CONFIG
#include RP_BOARD_CONFIG
#endif
#ifndef RP_PORT_BITBAND
#define RP_PORT_BITBAND 0
#endif

/* A broken rule, with the address concerned. Returns to the caller. */
void rp_port_report(const char *rule, const void *addr);

/* An unrecoverable state. Never returns. */
_Noreturn void rp_port_panic(const char *why, const void *addr);

void rp_port_console_write(const char *s, size_t n);

/* Nonzero while an interrupt handler runs or interrupts are masked (Cortex-M: IPSR != 0,
 * or PRIMASK set, or BASEPRI nonzero; host: inside rp_port_critical_enter). */
int rp_port_in_interrupt(void);

/* Nonzero while an interrupt or exception handler runs (Cortex-M: IPSR != 0, whatever
 * PRIMASK and BASEPRI say; host: the test-only flag rp_host_in_isr). Thread mode with
 * interrupts masked is not a handler: 0. */
int rp_port_in_handler(void);

/* A free-running counter (cycles or ticks) for benchmarks and pause statistics. */
uint32_t rp_port_cycles(void);

/* The RAM the board leaves free for the heap (the host port: a static array). For
 * applications and tests; the core itself never calls it. */
void *rp_port_heap(size_t *size);

/* Ends the program (a test binary or firmware) with a status; 0 means success. */
_Noreturn void rp_port_exit(int status);

#endif
