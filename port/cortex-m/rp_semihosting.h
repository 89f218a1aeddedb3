/*
 * rp_semihosting.h — the Arm semihosting calls the Cortex-M port uses (BKPT 0xAB,
 * operation in r0, argument in r1), as serviced by QEMU with
 * -semihosting-config enable=on,target=native or by a debugger with semihosting on.
 * Without a debugger or emulator servicing them these calls fault; only use them when
 * RP_PORT_SEMIHOSTING is 1.
 */
#ifndef RP_SEMIHOSTING_H
#define RP_SEMIHOSTING_H

#include <stddef.h>

/* Writes n bytes to the host's console (SYS_WRITE0, in NUL-terminated pieces; NUL bytes
 * in s are skipped). */
void rp_semihosting_write(const char *s, size_t n);

/* Ends the program with `status` as the host process's exit status: SYS_EXIT_EXTENDED
 * with ADP_Stopped_ApplicationExit and the status; SYS_EXIT (status lost: 0 or 1) if the
 * host lacks the extended call. Never returns. */
_Noreturn void rp_semihosting_exit(int status);

#endif
