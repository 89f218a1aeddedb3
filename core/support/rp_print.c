/* rp_print.c — a small printf for the console (see rp_print.h). Output is buffered per
 * call so a line reaches the console in one write, which keeps UART logs readable when
 * an interrupt handler prints too. */
#include "rp_print.h"
#include "rp_port.h"

#include <stdint.h>

static rp_sink_t sink;

rp_sink_t rp_print_set_sink(rp_sink_t s)
{
    rp_sink_t old = sink;
    sink = s;
    return old;
}

static void emit(const char *s, unsigned n)
{
    if (sink)
        sink(s, n);
    else
        rp_port_console_write(s, n);
}

typedef struct out {
    char buf[96];
    unsigned n;
} out_t;

static void put(out_t *o, char c)
{
    if (o->n == sizeof o->buf) {
        emit(o->buf, o->n);
        o->n = 0;
    }
    o->buf[o->n++] = c;
}

static void put_padded(out_t *o, const char *s, unsigned len, int width, int left)
{
    for (int i = (int)len; !left && i < width; i++)
        put(o, ' ');
    for (unsigned i = 0; i < len; i++)
        put(o, s[i]);
    for (int i = (int)len; left && i < width; i++)
        put(o, ' ');
}

static unsigned digits(char *tmp, unsigned long long v, unsigned base)
{
    unsigned n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    for (unsigned i = 0; i < n / 2; i++) {
        char c = tmp[i];
        tmp[i] = tmp[n - 1 - i];
        tmp[n - 1 - i] = c;
    }
    return n;
}

void rp_vprintf(const char *fmt, va_list ap)
{
    out_t o;
    o.n = 0;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        int left = 0, width = 0, lng = 0;
        if (*++f == '-') {
            left = 1;
            f++;
        }
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (*f++ - '0');
        if (*f == 'l' || *f == 'z') {
            lng = 1;
            f++;
        }
        char tmp[24];
        unsigned n;
        switch (*f) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            for (n = 0; s[n]; n++)
                ;
            put_padded(&o, s, n, width, left);
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left);
            break;
        case 'd': {
            long long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            tmp[0] = '-';
            n = digits(tmp + (v < 0), m, 10) + (v < 0);
            put_padded(&o, tmp, n, width, left);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            n = digits(tmp, v, *f == 'x' ? 16u : 10u);
            put_padded(&o, tmp, n, width, left);
            break;
        }
        case 'p':
            tmp[0] = '0';
            tmp[1] = 'x';
            n = 2 + digits(tmp + 2, (uintptr_t)va_arg(ap, void *), 16);
            put_padded(&o, tmp, n, width, left);
            break;
        case '\0':
            f--;
            break;
        default:
            put(&o, *f);
        }
    }
    if (o.n)
        emit(o.buf, o.n);
}

void rp_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_vprintf(fmt, ap);
    va_end(ap);
}
