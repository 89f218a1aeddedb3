#!/usr/bin/env python3
"""tables.py — turns the lines of the on-target benchmark images (tb_alloc.c, tb_gc.c) and
of run-target-bench.sh (Z| sizes) into markdown tables. Reads them on stdin.

Line kinds: C calibration, S set-up, T counted run, H heap search, X tracing, G collector
figure, Z code size, D diagnosis, E an image that failed. See tb_alloc.c and tb_gc.c.
"""
import collections
import sys

TARGETS = {  # refpool on mps2-an385 (Cortex-M3), critical section included
    "W1s": {"malloc mean": 25, "malloc max": 60, "free mean": 20, "free max": 50, "heap": 1.30},
    "W1": {"malloc mean": 40, "malloc max": 150, "free mean": 30, "free max": 100, "heap": 1.25},
}
TEXT_TARGET = 1000          # allocator .text at -Os, bytes
YOUNG_TARGET = 60           # instructions per young object collected, Cortex-M3


def status(value, limit):
    return "met" if value <= limit else "**missed**"


def main():
    rows = collections.defaultdict(list)
    for line in sys.stdin:
        line = line.rstrip("\n")
        if "|" in line and line[0] in "CSTHXGZDEP" and line[1] == "|":
            rows[line[0]].append(line.split("|")[1:])

    out = []
    p = out.append

    if rows["E"]:
        p("## Images that did not run cleanly")
        p("")
        for e in rows["E"]:
            p("- " + " ".join(e))
        p("")

    p("## Counting")
    p("")
    seen = set()
    for c in rows["C"]:
        if tuple(c) not in seen:
            seen.add(tuple(c))
            p(f"- -{c[0]}: {c[1]} ({c[2]})")
    p("")

    # ---- A: instructions per call ----
    T = rows["T"]
    heaps = {}      # (board, opt, workload, allocator) -> H row
    for h in rows["H"]:
        heaps[(h[0], h[1], h[2], h[3])] = h
    p("## A. Allocator: instructions per call (exact, QEMU -icount)")
    p("")
    p("Every call of the workload counted; critical section included (refpool); newlib's")
    p("`__malloc_lock` is an empty function in Debian's build. Heap: the workload's (1 MiB on")
    p("mps2-an385; 8 KiB for W1-M0, whose peak live bytes exceed 8 KiB, hence the failures).")
    p("")
    p("| board | workload | allocator | opt | heap (B) | malloc mean | malloc max | free mean | free max | failed mallocs |")
    p("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    first = {}
    for t in T:
        board, opt, work, alloc, heap = t[0], t[1], t[2], t[3], t[4]
        key = (board, opt, work, alloc)
        if key in first:
            continue          # the second T row of a key is the run in the smallest heap
        first[key] = t
    order_alloc = {"refpool": 0, "newlib": 1, "newlib-nano": 2}
    for key in sorted(first, key=lambda k: (k[0], k[2], order_alloc.get(k[3], 9), k[1])):
        t = first[key]
        p(f"| {t[0]} | {t[2]} | {t[3]} | -{t[1]} | {t[4]} | {t[8]} | {t[9]} | {t[10]} | {t[11]} | {t[7]} |")
    p("")

    p("refpool by path (mean instructions): requests up to 64 B go to the pools, larger ones to the chunk heap.")
    p("")
    p("| board | workload | opt | malloc <= 64 B | malloc > 64 B | free <= 64 B | free > 64 B |")
    p("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for key in sorted(first, key=lambda k: (k[0], k[2], k[1])):
        if key[3] != "refpool":
            continue
        t = first[key]
        p(f"| {t[0]} | {t[2]} | -{t[1]} | {t[12]} | {t[13]} | {t[14]} | {t[15]} |")
    p("")

    second = {}
    seen = set()
    for t in T:
        key = (t[0], t[1], t[2], t[3])
        if key in seen:
            second[key] = t
        seen.add(key)
    if second:
        p("The same, counted again in the smallest heap that runs the workload (section A2):")
        p("")
        p("| board | workload | allocator | opt | heap (B) | malloc mean | malloc max | free mean | free max |")
        p("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for key in sorted(second, key=lambda k: (k[0], k[2], order_alloc.get(k[3], 9), k[1])):
            t = second[key]
            p(f"| {t[0]} | {t[2]} | {t[3]} | -{t[1]} | {t[4]} | {t[8]} | {t[9]} | {t[10]} | {t[11]} |")
        p("")

    # ---- A2: smallest heap ----
    p("## A2. Smallest heap with no failed allocation / peak live requested bytes")
    p("")
    p("Binary search in 8-byte steps over the size given to `rp_heap_init` (refpool) or the")
    p("limit of `_sbrk` (newlib). The search runs at both optimisation levels; the algorithm")
    p("does not depend on them, and the table says where they agree.")
    p("")
    p("| board | workload | allocator | peak live (B) | smallest heap (B) | heap / peak live | -O2 and -Os agree | in use at the peak, in that heap (B) | what that is |")
    p("| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |")
    done = set()
    for key in sorted(heaps, key=lambda k: (k[0], k[2], order_alloc.get(k[3], 9), k[1])):
        board, opt, work, alloc = key
        if (board, work, alloc) in done:
            continue
        done.add((board, work, alloc))
        h = heaps[key]
        others = [heaps[k] for k in heaps if (k[0], k[2], k[3]) == (board, work, alloc)]
        agree = "yes" if len({(o[4], o[5]) for o in others}) == 1 else "NO: " + ", ".join(
            f"-{o[1]} {o[5]}" for o in others)
        ratio = h[6] + "x" if h[6] != "-" else "-"
        p(f"| {board} | {work} | {alloc} | {h[4]} | {h[5]} | {ratio} | {agree if len(others) > 1 else '(one build)'} | {h[7]} | {h[8]} |")
    p("")

    # ---- code size ----
    Z = rows["Z"]
    if Z:
        p("## A3. Code size (.text bytes)")
        p("")
        items = []
        for z in Z:
            if z[2] not in items:
                items.append(z[2])
        cols = sorted({(z[0], z[1]) for z in Z})
        p("| | " + " | ".join(f"{b} -{o}" for b, o in cols) + " |")
        p("| --- |" + " ---: |" * len(cols))
        val = {(z[0], z[1], z[2]): z[3] for z in Z}
        for it in items:
            p(f"| {it} | " + " | ".join(val.get((b, o, it), "-") for b, o in cols) + " |")
        p("")

    # ---- targets ----
    p("## Targets (refpool, mps2-an385 = Cortex-M3, -O2 counts, -Os code size)")
    p("")
    p("| target | limit | measured | |")
    p("| --- | ---: | ---: | --- |")
    for work in ("W1s", "W1"):
        t = first.get(("mps2-an385", "O2", work, "refpool"))
        if not t:
            continue
        lim = TARGETS[work]
        for name, idx in (("malloc mean", 8), ("malloc max", 9), ("free mean", 10), ("free max", 11)):
            v = float(t[idx])
            p(f"| {work} {name} | {lim[name]} | {t[idx]} | {status(v, lim[name])} |")
        h = heaps.get(("mps2-an385", "O2", work, "refpool"))
        if h and h[6] != "-":
            p(f"| {work} smallest heap / peak live | {lim['heap']:.2f}x | {h[6]}x | {status(float(h[6]), lim['heap'])} |")
    for z in Z:
        if z[1] == "Os" and z[2].startswith("allocator objects"):
            p(f"| allocator .text, {z[0]} -Os (objects) | {TEXT_TARGET} | {z[3]} | {status(int(z[3]), TEXT_TARGET)} |")
        if z[1] == "Os" and z[2].startswith("allocator as linked"):
            p(f"| allocator .text, {z[0]} -Os (as linked) | {TEXT_TARGET} | {z[3]} | {status(int(z[3]), TEXT_TARGET)} |")
    for g in rows["G"]:
        if g[0] == "mps2-an385" and g[1] == "O2" and g[3] == "instructions per young object collected":
            p(f"| instructions per young object collected | {YOUNG_TARGET} | {g[4]} | {status(float(g[4]), YOUNG_TARGET)} |")
    p("")

    # ---- B: tracing ----
    X = rows["X"]
    if X:
        p("## B. Tracing cost (refpool, W1s sizes, live cap 500, 200,000 operations)")
        p("")
        p("| board | opt | tracing | malloc mean | malloc max | free mean | free max | malloc + free (mean) | dropped | bytes per record | records |")
        p("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for x in X:
            p(f"| {x[0]} | -{x[1]} | {x[2]} | {x[3]} | {x[4]} | {x[5]} | {x[6]} | {x[7]} | {x[8]} | {x[9]} | {x[10]} |")
        p("")

    # ---- C: collector ----
    G = rows["G"]
    if G:
        p("## C. Collector (mps2-an385)")
        p("")
        opts = sorted({g[1] for g in G})
        figs = []
        val = {}
        for g in G:
            k = (g[2], g[3])
            if k not in figs:
                figs.append(k)
            val[(g[1],) + k] = g[4] + (" " + g[5] if g[5] else "")
        p("| workload | figure | " + " | ".join(f"-{o}" for o in opts) + " |")
        p("| --- | --- |" + " ---: |" * len(opts))
        for w, f in figs:
            p(f"| {w} | {f} | " + " | ".join(val.get((o, w, f), "-") for o in opts) + " |")
        p("")

    if rows["D"]:
        p("## Details")
        p("")
        for d in rows["D"]:
            p("- " + "|".join(d))
        p("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
