/*
 * port_host.c — the port for unit tests and host tools. Critical sections are a nesting
 * counter (there are no interrupts), the console is stdout, and reports go to stderr.
 * The heap is a static array, as big as a generous microcontroller's RAM.
 */
#define _POSIX_C_SOURCE 200809L
#include "rp_port.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef RP_HOST_HEAP_BYTES
#define RP_HOST_HEAP_BYTES (8u * 1024u * 1024u)
#endif

static unsigned depth;
static _Alignas(4096) unsigned char host_heap[RP_HOST_HEAP_BYTES];

/* Tests may set these (test-only: the host has no interrupts). rp_host_in_isr makes the
 * port say that a handler runs. rp_host_unmasked, when set, runs each time a critical
 * section ends with interrupts back on, as an interrupt pending all along would on a
 * board, with rp_host_in_isr set; its own sections do not call it again. */
int rp_host_in_isr;
void (*rp_host_unmasked)(void);

rp_critical_t rp_port_critical_enter(void)
{
    return depth++;
}

void rp_port_critical_exit(rp_critical_t token)
{
    depth = token;
    if (token != 0 || !rp_host_unmasked || rp_host_in_isr)
        return;
    rp_host_in_isr = 1;
    rp_host_unmasked();
    rp_host_in_isr = 0;
}

void rp_port_report(const char *rule, const void *addr)
{
    if (getenv("RP_QUIET_REPORTS"))
        return;
    fprintf(stderr, "refpool: %s at %p\n", rule, addr);
}

_Noreturn void rp_port_panic(const char *why, const void *addr)
{
    fprintf(stderr, "refpool panic: %s at %p\n", why, addr);
    abort();
}

void rp_port_console_write(const char *s, size_t n)
{
    fwrite(s, 1, n, stdout);
}

int rp_port_in_interrupt(void)
{
    return rp_host_in_isr || depth > 0;
}

int rp_port_in_handler(void)
{
    return rp_host_in_isr;
}

uint32_t rp_port_cycles(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

void *rp_port_heap(size_t *size)
{
    *size = sizeof host_heap;
    return host_heap;
}

_Noreturn void rp_port_exit(int status)
{
    fflush(stdout);
    exit(status);
}
