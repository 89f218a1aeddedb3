#!/usr/bin/env python3
"""Draw refpool's heap from a console log: the arena map, heap use over time, GC pauses.

Reads a log (a file, or standard input) holding any of:

  * a heap dump, as rp_heap_dump() prints it (core/rp_heap.h documents the lines):
        hd heap v1 pool=1024 small=64 classes=8 regions=1 arena=... largest=... free=...
        hd R 0 0x20001234 0x20400000
        hd P 0 1024 2 40 41 3          pools: offset, size, class, used, capacity, count
        hd C c00 304 u 1               chunks: offset, size, used/free, count
        hd end lines=... items=...
  * heap samples, as rp_heap_sample() prints them:
        hs t=... inuse=... blocks=... footprint=... free=... largest=... failed=...
  * collection reports, as the collector prints them with RP_GC_DEBUG_STATS:
        gc: done, 12 unreachable, 0 uncollectable, 3456 cycles elapsed

and writes, next to PREFIX (default: heapmap):
  PREFIX-map.png / .svg     the arena: pools coloured by size class, their fill as a
                            dark bar; large chunks in use grey; free runs white, the
                            largest outlined in red; fragmentation in the legend.
                            Rows wholly inside one free run are folded into one row.
  PREFIX-use.png / .svg     bytes in use, footprint and largest free run per sample
  PREFIX-pauses.png / .svg  histogram of collection pauses
Each picture is made only if the log holds its lines. The last dump is drawn unless
--dump N picks another (0 = the first).

usage: heapmap.py [LOG] [-o PREFIX] [--dump N] [--title TEXT]
Needs python3-matplotlib (Debian).
"""
import argparse
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

HEAD = re.compile(r"hd heap v(\d+) (.*)")
REGION = re.compile(r"hd R (\d+) (0x[0-9a-fA-F]+) (0x[0-9a-fA-F]+)")
POOL = re.compile(r"hd P ([0-9a-f]+) (\d+) (\d+) (\d+) (\d+) (\d+)")
CHUNK = re.compile(r"hd C ([0-9a-f]+) (\d+) ([uf]) (\d+)")
SAMPLE = re.compile(r"(?:^|\s)hs (t=\d+ .*)")
PAUSE = re.compile(r"gc: done, (\d+) unreachable, (\d+) uncollectable, (\d+) cycles elapsed")


def keyvals(text):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", text)}


def parse(text):
    """Dumps (each: header dict, list of regions with their runs), samples, pauses."""
    dumps, samples, pauses = [], [], []
    cur = None
    for raw in text.splitlines():
        line = raw.strip()
        i = line.find("hd ")   # a line may carry a prefix (a timestamp, a UART tag)
        if i > 0:
            line = line[i:]
        if m := HEAD.search(line):
            cur = {"head": keyvals(m.group(2)), "regions": []}
            dumps.append(cur)
        elif cur is not None and (m := REGION.match(line)):
            cur["regions"].append({"index": int(m.group(1)), "lo": int(m.group(2), 16),
                                   "end": int(m.group(3), 16), "runs": []})
        elif cur is not None and cur["regions"] and (m := POOL.match(line)):
            off, size, cls, used, cap, n = (int(m.group(1), 16),) + tuple(int(g) for g in m.groups()[1:])
            cur["regions"][-1]["runs"].append(("P", off, size, n, cls, used, cap))
        elif cur is not None and cur["regions"] and (m := CHUNK.match(line)):
            off, size, state, n = int(m.group(1), 16), int(m.group(2)), m.group(3), int(m.group(4))
            cur["regions"][-1]["runs"].append(("C", off, size, n, state))
        elif line.startswith("hd end"):
            cur = None
        elif m := SAMPLE.search(raw):
            samples.append(keyvals(m.group(1)))
        elif m := PAUSE.search(raw):
            pauses.append(int(m.group(3)))
    return dumps, samples, pauses


def human(n):
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div:
            return f"{n / div:.1f} {unit}"
    return f"{n} B"


def pieces(region):
    """Each pool or chunk as (start, size, kind, info), offsets from the region's lo."""
    for run in region["runs"]:
        kind, off, size, n = run[:4]
        for k in range(n):
            yield off + k * size, size, kind, run[4:]


def class_colours(nclasses):
    """One hue per class, none of them grey (grey is a large chunk in use)."""
    base = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
            "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d"]
    return [base[i % len(base)] for i in range(nclasses)]


def draw_map(dump, prefix, title):
    head = dump["head"]
    pool = head.get("pool", 1024)
    nclasses = head.get("classes", 8)
    colours = class_colours(nclasses)
    all_pieces = [(r["index"], p) for r in dump["regions"] for p in pieces(r)]
    free = [(ri, p) for ri, p in all_pieces if p[2] == "C" and p[3][0] == "f"]
    free_bytes = sum(p[1] for _, p in free)
    largest = max(free, key=lambda rp: rp[1][1]) if free else None
    frag = 100.0 * (1 - largest[1][1] / free_bytes) if free_bytes else 0.0

    # Rows of `width` bytes; a row wholly inside one free chunk is folded with its
    # neighbours into one short row that says how much is folded.
    width = 8 * pool
    rows = []   # (region index, row start offset, row end offset, folded bytes or 0)
    for r in dump["regions"]:
        span = r["end"] - r["lo"]
        frees = [(p[0], p[0] + p[1]) for p in pieces(r) if p[2] == "C" and p[3][0] == "f"]
        start = 0
        while start < span:
            end = min(start + width, span)
            inside = next((f for f in frees if f[0] <= start and end <= f[1]), None)
            if inside and rows and rows[-1][3] and rows[-1][0] == r["index"] and rows[-1][2] == start:
                ri, s0, _, _ = rows[-1]
                rows[-1] = (ri, s0, end, end - s0)
            elif inside:
                rows.append((r["index"], start, end, end - start))
            else:
                rows.append((r["index"], start, end, 0))
            start = end
    height = 0.8
    fig_h = max(2.5, 0.28 * len(rows) + 1.8)
    fig, ax = plt.subplots(figsize=(11, fig_h))
    regions = {r["index"]: r for r in dump["regions"]}
    for y, (ri, s0, s1, folded) in enumerate(rows):
        yy = len(rows) - 1 - y
        lo = regions[ri]["lo"]
        if folded:
            ax.add_patch(Rectangle((0, yy), width, height, facecolor="white", edgecolor="#999999",
                                   hatch="////", linewidth=0.5))
            ax.text(width / 2, yy + height / 2, f"... {human(folded)} of free run folded ...", ha="center",
                    va="center", fontsize=7, color="#333333",
                    bbox=dict(facecolor="white", edgecolor="none", pad=1.5))
        for start, size, kind, info in pieces(regions[ri]):
            a, b = max(start, s0), min(start + size, s1)
            if a >= b:
                continue
            x = a - s0
            if kind == "P":
                cls, used, cap = info
                face = colours[cls % len(colours)]
                ax.add_patch(Rectangle((x, yy), b - a, height, facecolor=face, alpha=0.35 if used else 0.12,
                                       edgecolor="white", linewidth=0.6))
                if cap:
                    ax.add_patch(Rectangle((x, yy), b - a, height * used / cap, facecolor=face,
                                           edgecolor="none"))
            elif info[0] == "u":
                ax.add_patch(Rectangle((x, yy), b - a, height, facecolor="#606060", edgecolor="white",
                                       linewidth=0.6))
            elif not folded:
                ax.add_patch(Rectangle((x, yy), b - a, height, facecolor="white", edgecolor="#999999",
                                       linewidth=0.5))
            if (largest and kind == "C" and info[0] == "f" and largest[0] == ri and largest[1][0] == start):
                ax.add_patch(Rectangle((x, yy - 0.04), b - a, height + 0.08, facecolor="none",
                                       edgecolor="red", linewidth=1.6))
        ax.text(-0.01 * width, yy + height / 2, f"0x{lo + s0:08x}", ha="right", va="center",
                fontsize=7, family="monospace")
    ax.set_xlim(0, width)
    ax.set_ylim(-0.2, len(rows))
    ax.set_yticks([])
    ticks = list(range(0, width + 1, pool))
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"+{t // 1024} KiB" if t else "0" for t in ticks], fontsize=7)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    used_classes = sorted({info[0] for _, (s, z, k, info) in all_pieces if k == "P"})
    handles = [Patch(facecolor=colours[c % len(colours)], label=f"pool, class {c} ({8 * (c + 1)} B)")
               for c in used_classes]
    handles += [Patch(facecolor="#606060", label="large chunk in use"),
                Patch(facecolor="white", edgecolor="#999999", label="free run"),
                Patch(facecolor="none", edgecolor="red", linewidth=1.6,
                      label=f"largest free run: {human(largest[1][1]) if largest else 0}"),
                Patch(facecolor="none", edgecolor="none",
                      label=f"fragmentation {frag:.1f} % of {human(free_bytes)} free"),
                Patch(facecolor="none", edgecolor="none", label="pool fill: dark bar = blocks in use; faint: spare pool")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    ax.set_title(title or f"refpool heap: {human(head.get('arena', 0))} arena, {len(all_pieces)} pools and chunks",
                 fontsize=9)
    fig.tight_layout()
    save(fig, prefix + "-map")


def draw_use(samples, prefix, title):
    fig, ax = plt.subplots(figsize=(8, 3.5))
    xs = [s.get("t", i) for i, s in enumerate(samples)]
    if len(set(xs)) != len(xs):   # no usable clock: the sample's index
        xs = list(range(len(samples)))
    for key, label in (("inuse", "bytes in use"), ("footprint", "footprint (chunk space held)")):
        if all(key in s for s in samples):
            ax.plot(xs, [s[key] / 1024 for s in samples], marker=".", label=label)
    ax.set_xlabel("sample clock (hs t=)")
    ax.set_ylabel("KiB")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    lines, labels = ax.get_legend_handles_labels()
    if all("blocks" in s for s in samples):
        ax2 = ax.twinx()
        ax2.plot(xs, [s["blocks"] for s in samples], color="#2ca02c", linestyle="--", label="blocks in use")
        ax2.set_ylabel("blocks")
        ax2.set_ylim(bottom=0)
        more = ax2.get_legend_handles_labels()
        lines, labels = lines + more[0], labels + more[1]
    ax.legend(lines, labels, fontsize=8, loc="lower right")
    last = samples[-1]
    ax.set_title(title or f"refpool heap use over time ({len(samples)} samples; largest free run at the end "
                 f"{human(last.get('largest', 0))})", fontsize=9)
    fig.tight_layout()
    save(fig, prefix + "-use")


def draw_pauses(pauses, prefix, title):
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(pauses, bins=min(20, max(5, len(pauses))), color="#4c72b0", edgecolor="white")
    ax.set_xlabel("pause (rp_port_cycles units)")
    ax.set_ylabel("collections")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title or f"collection pauses: {len(pauses)} collections, longest {max(pauses)}, "
                 f"total {sum(pauses)}", fontsize=9)
    fig.tight_layout()
    save(fig, prefix + "-pauses")


def save(fig, stem):
    for ext in ("png", "svg"):
        fig.savefig(f"{stem}.{ext}", dpi=110)
        print(f"heapmap: wrote {stem}.{ext}")
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log", nargs="?")
    ap.add_argument("-o", "--prefix", default="heapmap")
    ap.add_argument("--dump", type=int, default=-1, help="which dump to draw (0 = first; default the last)")
    ap.add_argument("--title")
    args = ap.parse_args()
    text = open(args.log, errors="replace").read() if args.log else sys.stdin.read()
    dumps, samples, pauses = parse(text)
    if not (dumps or samples or pauses):
        sys.exit("heapmap: the log holds no heap dump (hd), sample (hs) or gc pause line")
    if dumps:
        draw_map(dumps[args.dump], args.prefix, args.title)
    if samples:
        draw_use(samples, args.prefix, None)
    if pauses:
        draw_pauses(pauses, args.prefix, None)


if __name__ == "__main__":
    main()
