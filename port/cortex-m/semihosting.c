/*
 * semihosting.c — the Arm semihosting calls of rp_semihosting.h.
 */
#include "rp_semihosting.h"

#include <stdint.h>

#define SYS_OPEN 0x01u
#define SYS_CLOSE 0x02u
#define SYS_WRITE0 0x04u
#define SYS_WRITE 0x05u
#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_Stopped_ApplicationExit 0x20026u
#define ADP_Stopped_RunTimeErrorUnknown 0x20023u

/* BKPT 0xAB is the M-profile semihosting trap (SVC is for A/R profiles). The host reads
 * r0 and r1 and the memory r1 points to, and may write r0 and memory: hence the
 * "memory" clobber. */
static uint32_t call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* SYS_WRITE0 wants a NUL-terminated string, and the console hands over counted bytes:
 * copy them in pieces through a small buffer. */
void rp_semihosting_write(const char *s, size_t n)
{
    char buf[65];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\0')
            buf[k++] = s[i];
        if (k == sizeof buf - 1u || (i + 1u == n && k)) {
            buf[k] = '\0';
            call(SYS_WRITE0, buf);
            k = 0;
        }
    }
}

/* Each call takes a block of words: {path, mode, length of path}. */
int rp_semihosting_open(const char *path, unsigned mode)
{
    size_t n = 0;
    while (path[n])
        n++;
    uint32_t block[3] = {(uint32_t)(uintptr_t)path, mode, (uint32_t)n};
    return (int)call(SYS_OPEN, block);
}

size_t rp_semihosting_fwrite(int handle, const void *p, size_t n)
{
    uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)p, (uint32_t)n};
    return call(SYS_WRITE, block);
}

void rp_semihosting_close(int handle)
{
    uint32_t block[1] = {(uint32_t)handle};
    call(SYS_CLOSE, block);
}

/* SYS_EXIT_EXTENDED takes a parameter block {reason, subcode}; with
 * ADP_Stopped_ApplicationExit QEMU exits with the subcode as its status. Plain SYS_EXIT
 * on 32-bit Arm takes the reason itself in r1 and can only say success or failure. */
_Noreturn void rp_semihosting_exit(int status)
{
    uint32_t block[2] = {ADP_Stopped_ApplicationExit, (uint32_t)status};
    call(SYS_EXIT_EXTENDED, block);
    call(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_Stopped_ApplicationExit
                                                          : ADP_Stopped_RunTimeErrorUnknown));
    for (;;)
        __asm volatile("bkpt 0");
}
