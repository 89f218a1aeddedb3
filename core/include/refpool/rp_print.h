/*
 * rp_print.h — formatted output through the port's console, with no libc.
 * Understands %s %c %d %u %x %p %% and the length modifier l (long) and z (size_t), plus
 * a field width (%8u, %-12s). Anything else is printed as is. rp_printf and rp_vprintf:
 * O(format length + output length, field widths included), plus one write to the sink or
 * the console per 96 bytes of output, which takes what they take (the Cortex-M port's
 * UART polls: the time to send the bytes at its baud rate). No allocation.
 *
 * Interrupts: rp_printf and rp_vprintf may be called from handlers (the port reports
 * broken rules from them): output is buffered on the caller's stack, 96 bytes at a time,
 * and written through the sink or the port's console, which must accept calls from
 * handlers (the Cortex-M port's UART writes poll). Lines of a handler and of thread mode
 * may interleave at those 96-byte writes. rp_print_set_sink: thread mode (not checked).
 */
#ifndef RP_PRINT_H
#define RP_PRINT_H

#include <stdarg.h>

/* Where output goes: NULL (the default) is the port console. Tests capture output with a
 * sink of their own. Returns the previous sink. O(1). */
typedef void (*rp_sink_t)(const char *s, unsigned n);
rp_sink_t rp_print_set_sink(rp_sink_t sink);

void rp_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rp_vprintf(const char *fmt, va_list ap);

#endif
