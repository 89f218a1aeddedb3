/* layout_mismatch.c — an application compiled with another configuration than the
 * library it links (tests/CMakeLists.txt builds this file so: on a board without the
 * board's rp_board.h, on the host with another pool size). Initialisation must refuse it
 * and say which option differs. Exit status 0 when refused as it should be. */
#include "rp_heap.h"
#include "rp_port.h"
#include "rp_print.h"

static char said[1024];
static unsigned said_len;

static void capture(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n && said_len + 1 < sizeof said; i++)
        said[said_len++] = s[i];
    said[said_len] = 0;
}

static int contains(const char *s, const char *want)
{
    for (; *s; s++) {
        unsigned i = 0;
        while (want[i] && s[i] == want[i])
            i++;
        if (!want[i])
            return 1;
    }
    return 0;
}

int main(void)
{
    size_t size;
    void *memory = rp_port_heap(&size);
    rp_region_t region = {memory, size};
    rp_sink_t old = rp_print_set_sink(capture);
    rp_err_t st = rp_heap_init(&region, 1);
    rp_print_set_sink(old);
    int failures = 0;
    if (st != RP_E_LAYOUT) {
        rp_printf("FAIL layout_mismatch: rp_heap_init returned %d, not RP_E_LAYOUT\n", (int)st);
        failures++;
    }
    if (!contains(said, LAYOUT_MISMATCH_OPTION)) {
        rp_printf("FAIL layout_mismatch: the message does not name %s:\n%s\n", LAYOUT_MISMATCH_OPTION, said);
        failures++;
    }
    if (!failures)
        rp_printf("layout_mismatch: refused as it should be:\n%s", said);
    rp_port_exit(failures);
}
