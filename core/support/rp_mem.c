/* rp_mem.c — byte routines (see rp_mem.h). Word-at-a-time when both ends are aligned,
 * because realloc and calloc move and clear whole blocks. */
#include "rp_mem.h"
#include <stdint.h>

void rp_memset(void *dst, int byte, size_t n)
{
    uint8_t *d = dst;
    uint32_t v = (uint8_t)byte * 0x01010101u;
    while (n && ((uintptr_t)d & 3u)) {
        *d++ = (uint8_t)byte;
        n--;
    }
    for (; n >= 4; n -= 4, d += 4)
        *(uint32_t *)d = v;
    while (n--)
        *d++ = (uint8_t)byte;
}

void rp_memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0)
        for (; n >= 4; n -= 4, d += 4, s += 4)
            *(uint32_t *)d = *(const uint32_t *)s;
    while (n--)
        *d++ = *s++;
}

int rp_memeq(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}
