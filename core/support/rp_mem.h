/*
 * rp_mem.h — the few byte routines the core needs, since it may not call libc.
 * Plain loops, O(n). The core is compiled with -fno-tree-loop-distribute-patterns so the
 * compiler does not turn these loops back into calls to memset or memcpy.
 */
#ifndef RP_MEM_H
#define RP_MEM_H

#include <stddef.h>

void rp_memset(void *dst, int byte, size_t n);
void rp_memcpy(void *dst, const void *src, size_t n);  /* regions must not overlap */
int rp_memeq(const void *a, const void *b, size_t n);  /* 1 if equal */

#endif
