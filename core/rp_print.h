/*
 * rp_print.h — formatted output through the port's console, with no libc.
 * Understands %s %c %d %u %x %p %% and the length modifier l (long) and z (size_t), plus
 * a field width (%8u, %-12s). Anything else is printed as is. O(length of output).
 */
#ifndef RP_PRINT_H
#define RP_PRINT_H

#include <stdarg.h>

void rp_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rp_vprintf(const char *fmt, va_list ap);

#endif
