/*
 * cm_config.h — the Cortex-M port's options, with their defaults. A board overrides any
 * of them in its rp_board.h (passed as RP_BOARD_CONFIG, like the core's options).
 * Options are 0 or 1 and tested with #if.
 */
#ifndef RP_CM_CONFIG_H
#define RP_CM_CONFIG_H

#ifdef RP_BOARD_CONFIG
#include RP_BOARD_CONFIG
#endif

/* Whether a debugger or emulator services semihosting calls (BKPT 0xAB). With 1,
 * rp_port_exit ends the program through SYS_EXIT_EXTENDED, so QEMU's exit status is the
 * program's. With 0 (a board running on its own), a semihosting call would fault, so
 * rp_port_exit prints the status and halts instead. */
#ifndef RP_PORT_SEMIHOSTING
#define RP_PORT_SEMIHOSTING 0
#endif

/* Console through semihosting (SYS_WRITE0) instead of the board's UART: for a board or
 * emulator without a UART the port can drive. Needs RP_PORT_SEMIHOSTING. */
#ifndef RP_PORT_CONSOLE_SEMIHOSTING
#define RP_PORT_CONSOLE_SEMIHOSTING 0
#endif

/* Send "\r\n" for each "\n": for a serial terminal on a real board's UART. QEMU's
 * console is a pipe or a terminal that wants "\n" alone. */
#ifndef RP_PORT_CONSOLE_CRLF
#define RP_PORT_CONSOLE_CRLF 0
#endif

/* The critical section's mask (critical.c, rp_port_inline.h). 0 (the default): PRIMASK,
 * which holds off every configurable interrupt, on every M-profile core. Nonzero, on
 * ARMv7-M and ARMv8-M Mainline only (Cortex-M3, M4, M7, M33): BASEPRI, with this value
 * as the threshold, in the form BASEPRI takes it (priority in the implemented high bits:
 * 0x80 is the lower half of the priorities on any core). The section then holds off only
 * the interrupts of priority value >= RP_PORT_BASEPRI; more urgent ones (lower values)
 * are never masked by refpool. The rule that comes with it: a handler more urgent than
 * the threshold must not call refpool at all (not even rp_malloc): the section would not
 * keep it out. At reset the port gives SVCall, PendSV, SysTick and every external
 * interrupt the threshold's priority (critical.c), so all are held off until the
 * application makes one more urgent. The core inlines the section, so the option is a
 * board option (rp_board.h), seen by the core and the port alike. */
#ifndef RP_PORT_BASEPRI
#define RP_PORT_BASEPRI 0
#endif

/* External interrupt lines the vector table has entries for (the board's NVIC). */
#ifndef RP_PORT_IRQS
#define RP_PORT_IRQS 32
#endif

_Static_assert(!RP_PORT_CONSOLE_SEMIHOSTING || RP_PORT_SEMIHOSTING,
               "RP_PORT_CONSOLE_SEMIHOSTING needs RP_PORT_SEMIHOSTING");
_Static_assert(RP_PORT_IRQS >= 0 && RP_PORT_IRQS <= 496, "RP_PORT_IRQS must be 0..496");
_Static_assert(RP_PORT_BASEPRI >= 0 && RP_PORT_BASEPRI <= 255, "RP_PORT_BASEPRI must be 0..255");
#if RP_PORT_BASEPRI && !(defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__))
#error "RP_PORT_BASEPRI needs BASEPRI: ARMv7-M or ARMv8-M Mainline (not ARMv6-M or ARMv8-M Baseline)"
#endif

#endif
