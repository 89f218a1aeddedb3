#!/usr/bin/env python3
"""Turn refpool trace output into file:line statistics, as tracemalloc prints them.

Reads a console log (a file, or standard input) holding the lines that
rp_trace_print_snapshot and rp_trace_print_diff write:

    trace-anchor: rp_trace_start=0x...
    trace: 0x08001234 size=480 count=10
    trace-diff: 0x08001234 size=480 (+480) count=10 (+10)

and symbolizes each return address against the ELF that printed it, with the
toolchain's addr2line (arm-none-eabi-addr2line for firmware). The anchor gives the
load bias of position-independent host programs. Groups that map to the same line are
merged; output is sorted by size (snapshots) or by the size difference (diffs), largest
first, as tracemalloc's statistics('lineno') and compare_to('lineno').

With --inline the whole log is printed, each printed snapshot or diff replaced where it
stands by its symbolized table (indented as the raw lines were), so that a heading the
firmware printed above the raw lines now stands above the symbolized ones.

usage: trace_symbolize.py ELF [LOG] [--limit N] [--inline]
"""
import argparse
import collections
import contextlib
import io
import re
import shutil
import subprocess
import sys

ANCHOR = re.compile(r"trace-anchor: rp_trace_start=(0x[0-9a-f]+)")
STAT = re.compile(r"^trace: (.+?) size=(\d+) count=(\d+)")
DIFF = re.compile(r"^trace-diff: (.+?) size=(\d+) \(([+-]\d+)\) count=(\d+) \(([+-]\d+)\)")


def tool(elf, name):
    machine = subprocess.run(["readelf", "-h", elf], capture_output=True, text=True).stdout
    if "ARM" in machine and shutil.which("arm-none-eabi-" + name):
        return "arm-none-eabi-" + name, True
    return name, False


def symbol_address(elf, nm, symbol):
    out = subprocess.run([nm, elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == symbol:
            return int(parts[0], 16)
    sys.exit(f"trace_symbolize: {symbol} not found in {elf}")


def symbolize(elf, addrs, bias, arm):
    """Map each runtime return address to 'file:line' (the call, not the return)."""
    addr2line, _ = tool(elf, "addr2line")
    # A return address points after the call; step back into it (Thumb: clear bit 0 too).
    probes = [((a - bias) & ~1) - 2 if arm else (a - bias) - 1 for a in addrs]
    out = subprocess.run([addr2line, "-e", elf] + [hex(p) for p in probes],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    names = {}
    for a, loc in zip(addrs, out):
        path, _, line = loc.rpartition(":")
        line = line.split()[0] if line else "?"
        names[a] = f"{path.rsplit('/', 1)[-1] or '??'}:{line}"
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("elf")
    ap.add_argument("log", nargs="?")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--inline", action="store_true",
                    help="print the whole log, each snapshot symbolized in its place")
    args = ap.parse_args()
    text = open(args.log).read() if args.log else sys.stdin.read()

    nm, arm = tool(args.elf, "nm")
    bias = 0
    m = ANCHOR.search(text)
    if m:
        bias = int(m.group(1), 16) - symbol_address(args.elf, nm, "rp_trace_start")

    # Each anchor line starts a block: one printed snapshot or diff.
    blocks = []
    for line in text.splitlines():
        if ANCHOR.search(line):
            blocks.append(([], []))
        elif (m := STAT.match(line)) and blocks:
            blocks[-1][0].append((m.group(1), int(m.group(2)), int(m.group(3))))
        elif (m := DIFF.match(line)) and blocks:
            blocks[-1][1].append((m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5))))

    everything = [k for stats, diffs in blocks for k, *_ in stats + diffs]
    addrs = sorted({int(k, 16) for k in everything if k.startswith("0x")})
    names = symbolize(args.elf, addrs, bias, arm) if addrs else {}

    def where(key):
        return names.get(int(key, 16), key) if key.startswith("0x") else key

    if args.inline:
        print_inline(text, blocks, where, args.limit)
        return
    for stats, diffs in blocks:
        if stats:
            print_stats(stats, where, args.limit)
        if diffs:
            print_diffs(diffs, where, args.limit)


def print_inline(text, blocks, where, limit):
    """The log as it was, each block (an anchor line and the trace lines after it)
    replaced by its symbolized table, indented as the block's first trace line was."""
    it = iter(blocks)
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not ANCHOR.search(line):
            print(line)
            i += 1
            continue
        stats, diffs = next(it)
        i += 1
        indent = ""
        while i < len(lines) and (STAT.match(lines[i].lstrip()) or DIFF.match(lines[i].lstrip())):
            indent = indent or lines[i][:len(lines[i]) - len(lines[i].lstrip())]
            i += 1
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            if stats:
                print_stats(stats, where, limit)
            if diffs:
                print_diffs(diffs, where, limit)
        for row in out.getvalue().splitlines():
            print(indent + "  " + row)


def print_stats(stats, where, limit):
    merged = collections.defaultdict(lambda: [0, 0])
    for key, size, count in stats:
        merged[where(key)][0] += size
        merged[where(key)][1] += count
    top = sorted(merged.items(), key=lambda kv: (kv[1][0], kv[1][1]), reverse=True)
    print(f"[ Top {min(limit, len(top))} ]")
    for loc, (size, count) in top[:limit]:
        print(f"{loc}: size={size} B, count={count}, average={size // max(count, 1)} B")


def print_diffs(diffs, where, limit):
    merged = collections.defaultdict(lambda: [0, 0, 0, 0])
    for key, size, dsize, count, dcount in diffs:
        m4 = merged[where(key)]
        m4[0] += size
        m4[1] += dsize
        m4[2] += count
        m4[3] += dcount
    top = sorted(merged.items(), key=lambda kv: (abs(kv[1][1]), kv[1][0], abs(kv[1][3])), reverse=True)
    print(f"[ Top {min(limit, len(top))} differences ]")
    for loc, (size, dsize, count, dcount) in top[:limit]:
        print(f"{loc}: size={size} B ({dsize:+d} B), count={count} ({dcount:+d}), "
              f"average={size // max(count, 1)} B")


if __name__ == "__main__":
    main()
