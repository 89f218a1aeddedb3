/*
 * memfuncs.c — memcpy, memmove, memset and memcmp, which GCC may call on its own even in
 * freestanding code (struct copies and initialisations, loops it recognises), and which
 * every freestanding C environment must therefore provide. Firmware links no libc, so
 * the port brings them. The core never calls them by name; it has rp_memcpy and
 * rp_memset, which these reuse.
 *
 * This file, like the rest of the port, is built with -fno-builtin and
 * -fno-tree-loop-distribute-patterns: otherwise GCC could compile these very loops
 * into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include "rp_mem.h"

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    rp_memcpy(dst, src, n);
    return dst;
}

/* Overlapping moves: forwards is safe when the destination is below the source,
 * backwards otherwise. rp_memcpy promises nothing for overlaps, so bytes here. */
void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((uintptr_t)d < (uintptr_t)s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else if ((uintptr_t)d > (uintptr_t)s) {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    rp_memset(dst, c, n);
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}
