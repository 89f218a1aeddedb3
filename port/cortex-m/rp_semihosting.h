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

/* A file on the host (SYS_OPEN; with QEMU's target=native, relative to QEMU's working
 * directory): mode is the call's ISO C mode number (4 = "w", 8 = "a"). Returns the handle,
 * or -1. */
#define RP_SEMIHOSTING_MODE_W 4u
#define RP_SEMIHOSTING_MODE_A 8u
int rp_semihosting_open(const char *path, unsigned mode);
/* Writes n bytes to an open file (SYS_WRITE); returns the bytes not written (0: all). */
size_t rp_semihosting_fwrite(int handle, const void *p, size_t n);
void rp_semihosting_close(int handle);

/* Ends the program with `status` as the host process's exit status: SYS_EXIT_EXTENDED
 * with ADP_Stopped_ApplicationExit and the status; SYS_EXIT (status lost: 0 or 1) if the
 * host lacks the extended call. Never returns. */
_Noreturn void rp_semihosting_exit(int status);

#endif
