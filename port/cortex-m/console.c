/*
 * console.c — rp_port_console_write (rp_port.h): the board's UART, or semihosting when
 * the board says it has no UART the port can drive (RP_PORT_CONSOLE_SEMIHOSTING), with
 * "\n" sent as "\r\n" when the board asks (RP_PORT_CONSOLE_CRLF).
 *
 * Not serialised against interrupt handlers: a handler that prints while thread code
 * prints interleaves lines (rp_printf hands over whole lines, so at line granularity at
 * most). Masking interrupts for the length of a UART line would cost milliseconds of
 * interrupt latency on real boards.
 */
#include "board_hooks.h"
#include "cm_config.h"
#include "rp_port.h"
#include "rp_semihosting.h"

static void out(const char *s, size_t n)
{
#if RP_PORT_CONSOLE_SEMIHOSTING
    rp_semihosting_write(s, n);
#else
    rp_board_console_write(s, n);
#endif
}

void rp_port_console_write(const char *s, size_t n)
{
#if RP_PORT_CONSOLE_CRLF
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            out(s + from, i - from);
            out("\r\n", 2);
            from = i + 1;
        }
    }
    out(s + from, n - from);
#else
    out(s, n);
#endif
}
