/*
 * bench_gc_cpython.c — workloads W2, W3, W4 and W5 of ../shared/bench/WORKLOADS.md on
 * CPython (Debian's 3.11) embedded through its C API: the peer that bench_gc.c is
 * measured against. Same workloads, same figures, same output lines; run-gc-bench.sh
 * prints both side by side. How every figure is measured: README-gc.md.
 *
 *     rp_bench_gc_cpython W2|W3|W3full|W4|W5
 *
 * Objects are lists, as a Python program would build them: a W2 node is the 3-item list
 * [left, right, parent], a W3/W4/W5 object the 1-item list [ref]. None stands where
 * refpool leaves a slot NULL. Automatic collection runs as in any CPython 3.11 process:
 * inside the allocation that crosses threshold 0 (_PyObject_GC_Link).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>

#include "bench_gc_util.h"

#define IMPL "CPython"
#define MIB (1024.0 * 1024.0)

static PyObject *gc_module, *gc_collect_fn;

static void die(const char *what)
{
    if (PyErr_Occurred())
        PyErr_Print();
    fprintf(stderr, "rp_bench_gc_cpython: %s\n", what);
    exit(1);
}

/* ---- collection figures, through gc.callbacks ---- */

static bench_watch_t watch;

/* gc.callbacks entry: callback(phase, info). The pause runs from the end of the "start"
 * call to the beginning of the "stop" call. */
static PyObject *on_gc(PyObject *self, PyObject *args)
{
    uint64_t now = bench_now_ns();
    PyObject *phase, *info;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &phase, &info))
        return NULL;
    if (PyUnicode_CompareWithASCIIString(phase, "start") == 0) {
        bench_watch_start(&watch);   /* last: the pause starts here */
        Py_RETURN_NONE;
    }
    PyObject *c = PyDict_GetItemString(info, "collected");
    PyObject *g = PyDict_GetItemString(info, "generation");
    long collected = c ? PyLong_AsLong(c) : 0;
    long gen = g ? PyLong_AsLong(g) : 0;
    bench_watch_stop(&watch, gen, (uint64_t)collected, now);
    Py_RETURN_NONE;
}

static PyMethodDef on_gc_def = {"bench_on_gc", on_gc, METH_VARARGS, NULL};
static PyObject *on_gc_fn;

static void python_setup(void)
{
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    config.install_signal_handlers = 0;
    PyStatus st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st))
        Py_ExitStatusException(st);
    gc_module = PyImport_ImportModule("gc");
    if (!gc_module)
        die("import gc");
    gc_collect_fn = PyObject_GetAttrString(gc_module, "collect");
    PyObject *callbacks = PyObject_GetAttrString(gc_module, "callbacks");
    on_gc_fn = PyCFunction_New(&on_gc_def, NULL);
    if (!gc_collect_fn || !callbacks || !on_gc_fn || PyList_Append(callbacks, on_gc_fn) != 0)
        die("gc.callbacks");
    Py_DECREF(callbacks);
}

/* gc.collect(gen), as a program calls it (PyGC_Collect does nothing while gc is disabled). */
static long collect(int gen)
{
    watch.manual = 1;
    PyObject *r = PyObject_CallFunction(gc_collect_fn, "i", gen);
    watch.manual = 0;
    if (!r)
        die("gc.collect");
    long n = PyLong_AsLong(r);
    Py_DECREF(r);
    return n;
}

static PyObject *none_ref(void)
{
    Py_INCREF(Py_None);
    return Py_None;
}

/* A 1-item list [ref]; steals ref. */
static PyObject *box(PyObject *ref)
{
    PyObject *l = PyList_New(1);
    if (!l)
        die("out of memory");
    PyList_SET_ITEM(l, 0, ref);
    return l;
}

/* ---- W2: binary trees with parent references ---- */

#define W2_MAX_DEPTH 16
#define W2_MIN_DEPTH 4

static PyObject *make_tree(int depth, PyObject *parent)
{
    PyObject *n = PyList_New(3);
    if (!n)
        die("out of memory");
    PyObject *p = parent ? parent : Py_None;
    Py_INCREF(p);
    PyList_SET_ITEM(n, 2, p);
    if (depth > 0) {
        PyList_SET_ITEM(n, 0, make_tree(depth - 1, n));
        PyList_SET_ITEM(n, 1, make_tree(depth - 1, n));
    } else {
        PyList_SET_ITEM(n, 0, none_ref());
        PyList_SET_ITEM(n, 1, none_ref());
    }
    return n;
}

static uint32_t check_tree(PyObject *n)
{
    PyObject *l = PyList_GET_ITEM(n, 0);
    return l != Py_None ? 1u + check_tree(l) + check_tree(PyList_GET_ITEM(n, 1)) : 1u;
}

static uint64_t w2_nodes;

static void build_check_drop(int depth)
{
    PyObject *t = make_tree(depth, NULL);
    uint32_t want = (2u << depth) - 1u;
    if (check_tree(t) != want)
        die("W2: wrong node count");
    w2_nodes += want;
    Py_DECREF(t);
}

void bench_run_w2(void);
__attribute__((noinline)) void bench_run_w2(void)
{
    build_check_drop(W2_MAX_DEPTH + 1);
    PyObject *long_lived = make_tree(W2_MAX_DEPTH, NULL);
    w2_nodes += (2u << W2_MAX_DEPTH) - 1u;
    for (int d = W2_MIN_DEPTH; d <= W2_MAX_DEPTH; d += 2) {
        uint32_t iterations = 1u << (W2_MAX_DEPTH - d + W2_MIN_DEPTH);
        for (uint32_t i = 0; i < iterations; i++)
            build_check_drop(d);
    }
    if (check_tree(long_lived) != (2u << W2_MAX_DEPTH) - 1u)
        die("W2: long-lived tree damaged");
    Py_DECREF(long_lived);
    collect(2);
}

/* ---- W3 ---- */

#define W3_PAIRS 1000000u

static void make_pair_and_drop(void)
{
    PyObject *a = box(none_ref()), *b = box(none_ref());
    Py_INCREF(b);
    PyList_SetItem(a, 0, b);   /* a[0] = b */
    Py_INCREF(a);
    PyList_SetItem(b, 0, a);   /* b[0] = a */
    Py_DECREF(a);
    Py_DECREF(b);
}

void bench_run_w3(void);
__attribute__((noinline)) void bench_run_w3(void)
{
    for (uint32_t i = 0; i < W3_PAIRS; i++)
        make_pair_and_drop();
    collect(2);
}

static bench_span_t run_timed(const char *w, void (*run)(void))
{
    bench_span_t span = bench_timed(run);
    long peak = bench_peak_rss_kib(), rss0 = span.rss0_kib;
    bench_fig_gc(w, IMPL, &watch, span);
    bench_fig(w, IMPL, "rss_peak", "%.1f", peak / 1024.0);
    bench_fig(w, IMPL, "rss_base", "%.1f", rss0 / 1024.0);
    /* statm and ru_maxrss count a little differently: never below zero. */
    bench_fig(w, IMPL, "heap_peak", "%.1f", (peak > rss0 ? peak - rss0 : 0) / 1024.0);
    return span;
}

static void run_w2(void)
{
    bench_span_t span = run_timed("W2", bench_run_w2);
    bench_fig_w2(IMPL, span, w2_nodes);
}

static void run_w3(void)
{
    bench_fig_w3(IMPL, &watch, run_timed("W3", bench_run_w3));
}

void bench_run_w3full(void);
__attribute__((noinline)) void bench_run_w3full(void)
{
    collect(2);
}

static void run_w3full(void)
{
    PyGC_Disable();
    uint64_t t0 = bench_now_ns();
    for (uint32_t i = 0; i < W3_PAIRS; i++)
        make_pair_and_drop();
    uint64_t t1 = bench_now_ns();
    watch.collected = 0;
    bench_run_w3full();
    uint64_t t2 = bench_now_ns();
    if (watch.collected < 2u * W3_PAIRS)
        die("W3full: not every object collected");
    bench_fig_w3full(IMPL, t0, t1, t2, watch.collected);
    PyGC_Enable();
}

/* ---- W4 ---- */

#define W4_YOUNG 700u
#define W4_REPS 51

static double w4_pause_us(uint32_t n_old)
{
    PyObject **old = malloc(n_old * sizeof *old);
    PyObject *young[W4_YOUNG];
    uint64_t pauses[W4_REPS];
    if (!old)
        die("no memory for W4's roots");
    for (uint32_t i = 0; i < n_old; i++)
        old[i] = box(none_ref());
    collect(2);
    PyGC_Disable();
    for (int r = 0; r < W4_REPS; r++) {
        for (uint32_t i = 0; i < W4_YOUNG; i++)
            young[i] = box(none_ref());
        collect(0);
        pauses[r] = watch.last_ns;
        for (uint32_t i = 0; i < W4_YOUNG; i++)
            Py_DECREF(young[i]);
    }
    for (uint32_t i = 0; i < n_old; i++)
        Py_DECREF(old[i]);
    free(old);
    PyGC_Enable();
    return bench_median(pauses, W4_REPS) / 1e3;
}

static void run_w4(void)
{
    bench_w4(IMPL, w4_pause_us);
}

/* ---- W5 ---- */

#define W5_LEN 100000u

static PyObject *make_chain(uint32_t len, PyObject **tail_out)
{
    PyObject *head = box(none_ref()), *tail = head;
    for (uint32_t i = 1; i < len; i++) {
        PyObject *n = box(none_ref());
        PyList_SetItem(tail, 0, n);   /* tail[0] = [None]; steals n */
        tail = n;
    }
    *tail_out = tail;
    return head;
}

static void run_w5(void)
{
    PyGC_Disable();
    PyObject *tail;

    /* Warm-up, as bench_gc.c: no first-call lazy binding inside the measure. */
    PyObject *head = make_chain(1000, &tail);
    Py_DECREF(head);
    head = make_chain(1000, &tail);
    Py_INCREF(head);
    PyList_SetItem(tail, 0, head);
    Py_DECREF(head);
    collect(2);
    (void)bench_now_ns();

    bench_stack_paint();
    bench_nothing();
    size_t empty = bench_stack_used();

    head = make_chain(W5_LEN, &tail);
    bench_stack_paint();
    Py_DECREF(head);
    size_t release = bench_stack_used();

    head = make_chain(W5_LEN, &tail);
    Py_INCREF(head);
    PyList_SetItem(tail, 0, head);   /* close the ring */
    Py_DECREF(head);
    bench_stack_paint();
    long n = collect(2);
    size_t collection = bench_stack_used();
    if (n < (long)W5_LEN)
        die("W5: ring not collected");

    head = make_chain(W5_LEN, &tail);
    uint64_t t0 = bench_now_ns();
    Py_DECREF(head);
    uint64_t t1 = bench_now_ns();
    head = make_chain(W5_LEN, &tail);
    Py_INCREF(head);
    PyList_SetItem(tail, 0, head);
    Py_DECREF(head);
    uint64_t t2 = bench_now_ns();
    collect(2);
    uint64_t t3 = bench_now_ns();

    bench_fig_w5(IMPL, empty, release, collection, t0, t1, t2, t3);
    PyGC_Enable();
}

static const bench_workload_t workloads[] = {
    {"W2", run_w2}, {"W3", run_w3}, {"W3full", run_w3full}, {"W4", run_w4}, {"W5", run_w5},
};

int main(int argc, char **argv)
{
    const bench_workload_t *w = bench_pick(argc, argv, workloads, sizeof workloads / sizeof *workloads);
    if (!w)
        return 2;
    python_setup();
    w->run();
    Py_DECREF(on_gc_fn);
    Py_DECREF(gc_collect_fn);
    Py_DECREF(gc_module);
    if (Py_FinalizeEx() < 0)
        return 1;
    return 0;
}
