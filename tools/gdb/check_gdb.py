#!/usr/bin/env python3
"""ctest's check of tools/gdb/refpool.py against QEMU's gdbstub.

Starts QEMU halted (-S) with its gdbstub on a free port of 127.0.0.1, runs gdb-multiarch
in batch mode: it loads refpool.py, continues to rp_gdb_breakpoint in tests/gdb_target.c,
runs every command and kills the target. Then compares each command's output with what
the firmware printed of the same state (its UART, QEMU's stdout):

  rp heap       class rows and every "# label = value" line it prints
  rp heap-map   every hd line, identical
  rp heap-text  one class digit per pool in use, one s per spare pool
  rp gc         generation rows and label lines
  rp objects    the count of GNode objects
  rp referrers  the count of the target's referrers
  rp trace      the trace lines (as a set: equal sizes may sort either way)

usage: check_gdb.py --gdb GDB --image ELF [--timeout S] -- QEMU-COMMAND... (ending in -kernel)
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile

COMMANDS = ["rp heap", "rp heap-map", "rp heap-text", "rp gc", "rp objects GNode", "rp referrers gdb_target_obj", "rp trace 10"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sections(gdb_out):
    """gdb's output split at the @@ markers echoed before each command."""
    out, cur = {}, None
    for line in gdb_out.splitlines():
        if line.startswith("@@ "):
            cur = line[3:]
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


LABEL = re.compile(r"^(#[^=]*?|Total)\s*= +([\d,]+|\w+)$")
ROW = re.compile(r"^\s*\d+(\s+\d+)+$")


def labels(lines):
    return {m.group(1).strip(): m.group(2) for m in map(LABEL.match, lines) if m}


def rows(lines):
    return [line.split() for line in lines if ROW.match(line)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gdb", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--timeout", type=int, default=90)
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = [a for a in args.qemu if a != "--"]
    port = free_port()
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "refpool.py")
    log = tempfile.NamedTemporaryFile("w+", suffix=".uart", delete=False)
    cmd = [qemu[0], "-S", "-gdb", f"tcp:127.0.0.1:{port}"] + qemu[1:] + [args.image]
    # stderr apart: QEMU's own messages would overwrite the start of the appended UART log
    q = subprocess.Popen(cmd, stdout=log, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        g = [args.gdb, "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off",
             "-ex", f"file {args.image}", "-ex", f"source {script}",
             "-ex", f"target remote 127.0.0.1:{port}", "-ex", "break rp_gdb_breakpoint", "-ex", "continue"]
        for c in COMMANDS:
            g += ["-ex", f"echo @@ {c}\\n", "-ex", c]
        g += ["-ex", "kill"]
        r = subprocess.run(g, capture_output=True, text=True, timeout=args.timeout)
    finally:
        try:
            q.wait(timeout=10)
        except subprocess.TimeoutExpired:
            q.kill()
            q.wait()
    log.seek(0)
    uart = log.read()
    log.close()
    os.unlink(log.name)
    print("---- gdb ----\n" + r.stdout + r.stderr)
    print("---- firmware ----\n" + uart)
    if "at the breakpoint" not in uart:
        sys.exit("FAIL: the firmware did not reach the breakpoint:\n" + uart)
    uart = uart[:uart.index("gdb-target: at the breakpoint")].splitlines()
    got = sections(r.stdout)
    failures = []

    def check(what, ok, detail=""):
        print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + detail))
        if not ok:
            failures.append(what)

    for c in COMMANDS:
        check(f"'{c}' ran", c in got and got[c] and not any("Error" in x or "Traceback" in x for x in got[c]),
              "\n".join(got.get(c, ["(no output)"])))
    if failures:
        sys.exit(1)

    # rp heap: against rp_heap_print_stats (the part before the dump).
    fw_stats = uart[:next(i for i, x in enumerate(uart) if x.startswith("hd heap"))]
    check("rp heap: class rows", rows(got["rp heap"]) == rows(fw_stats),
          f"{rows(got['rp heap'])} != {rows(fw_stats)}")
    fw_labels, gdb_labels = labels(fw_stats), labels(got["rp heap"])
    check("rp heap: labels printed", len(gdb_labels) >= 12, str(gdb_labels))
    for k, v in gdb_labels.items():
        check(f"rp heap: {k}", fw_labels.get(k) == v, f"gdb {v}, firmware {fw_labels.get(k)}")
    # rp heap-map: the dump, line for line.
    fw_dump = [x for x in uart if x.startswith("hd ")]
    gdb_dump = [x for x in got["rp heap-map"] if x.startswith("hd ")]
    check("rp heap-map: hd lines", fw_dump == gdb_dump and len(fw_dump) >= 4,
          "\n".join(f"fw  {a}\ngdb {b}" for a, b in zip(fw_dump, gdb_dump) if a != b) or
          f"{len(fw_dump)} vs {len(gdb_dump)} lines")
    # rp heap-text: a character per page; each pool is one page.
    text = "".join(x.split()[1] for x in got["rp heap-text"] if x.startswith("0x"))
    digits = sum(c.isdigit() or "a" <= c <= "r" for c in text)
    check("rp heap-text: pools in use", str(digits) == fw_labels.get("# pools in use"),
          f"{digits} vs {fw_labels.get('# pools in use')}: {text}")
    check("rp heap-text: spare pools", str(text.count("s")) == fw_labels.get("# unused pools (spares)"),
          f"{text.count('s')} vs {fw_labels.get('# unused pools (spares)')}")
    # rp gc: against rp_gc_print_stats (after the dump).
    fw_gc = uart[next(i for i, x in enumerate(uart) if x.startswith("hd end")) + 1:]
    fw_gc = fw_gc[:next((i for i, x in enumerate(fw_gc) if x.startswith("trace")), len(fw_gc))]
    check("rp gc: generation rows", rows(got["rp gc"]) == rows(fw_gc) and len(rows(fw_gc)) == 3,
          f"{rows(got['rp gc'])} != {rows(fw_gc)}")
    fw_labels, gdb_labels = labels(fw_gc), labels(got["rp gc"])
    check("rp gc: labels printed", len(gdb_labels) >= 6, str(gdb_labels))
    for k, v in gdb_labels.items():
        check(f"rp gc: {k}", fw_labels.get(k) == v, f"gdb {v}, firmware {fw_labels.get(k)}")
    nonzero = [r for r in rows(fw_gc) if int(r[3])]
    check("rp gc: the firmware collected (the comparison means something)", bool(nonzero))
    # rp objects, rp referrers: the counts.
    fw_line = next(x for x in uart if "objects of type GNode" in x)
    check("rp objects GNode", fw_line.split("gdb-target: ")[1] in got["rp objects GNode"],
          f"{got['rp objects GNode'][:1]} vs {fw_line}")
    fw_line = next(x for x in uart if "referrers of" in x).split("gdb-target: ")[1]
    check("rp referrers", fw_line in got["rp referrers gdb_target_obj"],
          f"{got['rp referrers gdb_target_obj'][:1]} vs {fw_line}")
    check("rp referrers: four of them", fw_line.endswith(": 4"), fw_line)
    # rp trace: the same groups.
    fw_trace = {x for x in uart if x.startswith("trace: ")}
    gdb_trace = {x for x in got["rp trace 10"] if x.startswith("trace: ")}
    check("rp trace", fw_trace == gdb_trace and fw_trace, f"firmware {sorted(fw_trace)} gdb {sorted(gdb_trace)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
