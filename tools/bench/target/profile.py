#!/usr/bin/env python3
"""profile.py — where the instructions of a benchmark's calls go, by function and by
instruction, from QEMU's execution log.

    qemu-system-arm ... -singlestep -d exec,nochain -kernel IMAGE 2>&1 >/dev/null \\
        | profile.py IMAGE --entry rp_malloc --entry rp_free [--annotate FUNC ...]

With -singlestep every translation block is one guest instruction, and with
-d exec,nochain QEMU logs each one as it runs: "Trace 0: 0x... [../PC/../..] symbol".
Phases: a call to tb_phase_<name>() (TB_PHASE in tb.h) starts phase <name>.
Calls: an instruction of an --entry function reached from outside every entry function
starts a call of that entry, which lasts until an instruction of an --outer function
(default: main, where the benchmark's loop is inlined) runs again. So each call's
instructions are exactly what the counted wrappers of tb_count.c count, callees
included, and they are shown per call, by function (code inlined into a function counts
as that function's), with the largest call's own breakdown. With --annotate, a function's disassembly with the executions of
each instruction per call. The log is read as a stream and not stored.
"""
import argparse
import collections
import re
import subprocess
import sys

TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/[0-9a-f]+\] (\S*)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("--entry", action="append", default=[], help="function whose calls are profiled")
    ap.add_argument("--outer", action="append", default=[], help="function the calls return to (default main)")
    ap.add_argument("--annotate", action="append", default=[], help="function to show instruction by instruction")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--over", type=int, default=0,
                    help="also group the calls of more than this many instructions by the functions they ran")
    ap.add_argument("--objdump", default="arm-none-eabi-objdump")
    args = ap.parse_args()
    entries = set(args.entry)
    outer = set(args.outer or ["main"])

    calls = collections.Counter()                              # (phase, entry) -> calls
    by_func = collections.defaultdict(collections.Counter)     # (phase, entry) -> symbol -> count
    by_pc = collections.defaultdict(collections.Counter)       # (phase, entry) -> pc -> count
    largest = {}                                               # (phase, entry) -> (count, call number, by symbol)
    long_calls = collections.defaultdict(collections.Counter)  # (phase, entry) -> functions run -> calls
    long_max = collections.defaultdict(collections.Counter)    # (phase, entry) -> functions run -> largest
    current = None                                             # the running call: [key, count, number, by symbol]
    phase, ctx, order = "start", None, []

    def end_call():
        if current and current[1] > largest.get(current[0], (0,))[0]:
            largest[current[0]] = (current[1], current[2], current[3])
        if current and args.over and current[1] > args.over:
            path = " ".join(sorted(s or "?" for s in current[3]))
            long_calls[current[0]][path] += 1
            long_max[current[0]][path] = max(long_max[current[0]][path], current[1])

    for line in sys.stdin:
        m = TRACE.match(line)
        if not m:
            continue
        sym = m.group(2)
        if sym.startswith("tb_phase_"):
            end_call()
            phase, ctx, current = sym[len("tb_phase_"):], None, None
            continue
        if sym in outer:
            if ctx is not None:
                end_call()
                current = None
            ctx = None
            continue
        if ctx is None:
            if sym not in entries:
                continue
            ctx = sym
            key = (phase, ctx)
            if key not in calls:
                order.append(key)
            calls[key] += 1
            current = [key, 0, calls[key], collections.Counter()]
        key = (phase, ctx)
        by_func[key][sym] += 1
        by_pc[key][int(m.group(1), 16)] += 1
        current[1] += 1
        current[3][sym] += 1
    end_call()

    for key in order:
        ph, entry = key
        n = calls[key]
        total = sum(by_func[key].values())
        print(f"### phase {ph}, `{entry}`: {n} calls, {total / n:.2f} instructions per call")
        print()
        print("| function | per call | share |")
        print("| --- | ---: | ---: |")
        for sym, c in by_func[key].most_common(args.top):
            print(f"| `{sym or '?'}` | {c / n:.2f} | {100.0 * c / total:.1f} % |")
        print()
        if key in largest and n > 1:
            c, num, syms = largest[key]
            parts = ", ".join(f"`{s or '?'}` {k}" for s, k in syms.most_common(12))
            print(f"Largest call: number {num} of {n}, {c} instructions: {parts}.")
            print()
        if long_calls[key]:
            print(f"Calls of more than {args.over} instructions, by the functions they ran:")
            print()
            print("| calls | largest | functions |")
            print("| ---: | ---: | --- |")
            for path, k in long_calls[key].most_common(args.top):
                print(f"| {k} | {long_max[key][path]} | {path} |")
            print()

    if args.annotate:
        dis = subprocess.run([args.objdump, "-d", "--no-show-raw-insn", args.image], capture_output=True,
                             text=True, check=True).stdout
        for func in args.annotate:
            m = re.search(r"^[0-9a-f]+ <" + re.escape(func) + r">:\n(.*?)(?:\n\n|\Z)", dis, re.S | re.M)
            if not m:
                print(f"(no function {func} in {args.image})")
                continue
            for key in order:
                n = calls[key]
                rows, hit = [], 0
                for ln in m.group(1).splitlines():
                    a = re.match(r"\s*([0-9a-f]+):\s*(.*)", ln)
                    if not a:
                        continue
                    c = by_pc[key].get(int(a.group(1), 16), 0)
                    hit += c
                    rows.append(f"{c / n:7.3f}  {a.group(1)}: {a.group(2)}")
                if hit:
                    print(f"#### `{func}` in phase {key[0]}, calls of `{key[1]}` (executions per call)")
                    print()
                    print("```")
                    print("\n".join(rows))
                    print("```")
                    print()


if __name__ == "__main__":
    main()
