/* A minimal image: the core plus a do-nothing port, linked with -nostdlib. If the core
 * needed anything from libc, this would not link. */
#include "rp_heap.h"
#include "rp_port.h"

rp_critical_t rp_port_critical_enter(void) { return 0; }
void rp_port_critical_exit(rp_critical_t token) { (void)token; }
void rp_port_report(const char *rule, const void *addr) { (void)rule; (void)addr; }
_Noreturn void rp_port_panic(const char *why, const void *addr)
{
    (void)why;
    (void)addr;
    for (;;)
        ;
}
void rp_port_console_write(const char *s, size_t n) { (void)s; (void)n; }
int rp_port_in_interrupt(void) { return 0; }
int rp_port_in_handler(void) { return 0; }
uint32_t rp_port_cycles(void) { return 0; }
static _Alignas(8) unsigned char heap[16384];
void *rp_port_heap(size_t *size)
{
    *size = sizeof heap;
    return heap;
}
_Noreturn void rp_port_exit(int status)
{
    (void)status;
    for (;;)
        ;
}

void rp_image_entry(void);
void rp_image_entry(void)
{
    size_t n;
    rp_region_t r = {rp_port_heap(&n), 0};
    r.size = n;
    rp_heap_init(&r, 1);
    void *p = rp_malloc(100);
    p = rp_realloc(p, 300);
    rp_free(rp_calloc(3, 5));
    rp_free(p);
    rp_heap_stats_t s;
    rp_heap_stats(&s);
    rp_port_exit(rp_heap_check().rule != 0);
}
