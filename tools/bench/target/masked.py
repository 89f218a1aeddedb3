#!/usr/bin/env python3
"""masked.py — the longest windows with interrupts masked, from QEMU's execution log.

    qemu-system-arm ... -singlestep -d exec,nochain -kernel IMAGE 2>&1 >/dev/null \\
        | masked.py IMAGE --entry rp_malloc --entry rp_free [--entry ...]

A window opens at an instruction that masks interrupts while they are not masked
(`cpsid i`, or `msr BASEPRI_MAX` / `msr BASEPRI` for a BASEPRI critical section) and
closes at the instruction that restores the state the outermost one found (`msr PRIMASK`
/ `msr BASEPRI` with the token): its length is the instructions executed after the
opening one up to and including the closing one, i.e. those during which a pending
interrupt waits. Nesting is followed as the tokens nest: each masking instruction pushes
the state it found, each restoring one pops it (the log shows no register values; the
core's sections always pair). With -singlestep every translation block is one guest
instruction, and with -d exec,nochain QEMU logs each as it runs (as profile.py reads it).
Two corrections to the log: QEMU logs a block before it checks for an exit request, so a
block can be logged and then not run (an interrupt taken first, or a main-loop exit) and
logged again when it runs: a pc logged twice in a row counts once, and a masking
instruction counts only if the next instruction logged is the one after it (otherwise
an interrupt was taken before it ran, and it is logged again after the handler).

Windows are attributed to the --entry function whose call was running (an entry
function reached from --outer, default main, as profile.py does; --entry-prefix P makes
every function named P... an entry, printed without P) and to the function holding the
masking instruction; printed: per entry, the number of windows, the mean and the longest
(with its functions), and the longest of all as `RT irq_masked_max N`, leaving out the
entries named with --unbounded (calls whose window grows with the heap by contract:
they are printed, marked, but are not in the figure). --no-rt prints the table alone.
"""
import argparse
import collections
import re
import subprocess
import sys

TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/[0-9a-f]+\] (\S*)")
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(?:[0-9a-f]{4}\s?){1,2}\s+(\S+)\s*(.*)$")


def classify(image, objdump):
    """Masking instructions (address -> size in bytes) and restoring ones (addresses)."""
    out = subprocess.run([objdump, "-d", image], check=True, capture_output=True, text=True).stdout
    mask, restore = {}, set()
    for line in out.splitlines():
        m = INSN.match(line)
        if not m:
            continue
        addr, op, args = int(m.group(1), 16), m.group(2).lower(), m.group(3).lower().replace(" ", "")
        if op == "cpsid" and args.startswith("i"):
            mask[addr] = 2
        elif op == "msr" and args.startswith("basepri_max,"):
            mask[addr] = 4
        elif op == "msr" and (args.startswith("primask,") or args.startswith("basepri,")):
            restore.add(addr)
    return mask, restore


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("--entry", action="append", default=[], help="public call the windows are attributed to")
    ap.add_argument("--outer", action="append", default=[], help="function the calls return to (default main)")
    ap.add_argument("--entry-prefix", default=None, help="every function named so is an entry")
    ap.add_argument("--unbounded", action="append", default=[], help="entry left out of irq_masked_max")
    ap.add_argument("--no-rt", action="store_true", help="no RT line")
    ap.add_argument("--objdump", default="arm-none-eabi-objdump")
    args = ap.parse_args()
    entries, outer = set(args.entry), set(args.outer or ["main"])
    prefix, unbounded = args.entry_prefix, set(args.unbounded)
    mask, restore = classify(args.image, args.objdump)

    stack = []            # states found by the open masking instructions
    count = 0             # instructions of the open window
    where = None          # (entry, function of the masking instruction) of the open window
    ctx = None            # the entry call running
    stats = collections.defaultdict(lambda: [0, 0, 0, None])   # entry -> [windows, sum, max, functions]
    funcs = set()

    prev_pc, pending = None, None   # pending: a masking instruction logged, not yet known to have run
    for line in sys.stdin:
        m = TRACE.match(line)
        if not m:
            continue
        pc, sym = int(m.group(1), 16), m.group(2)
        if pc == prev_pc:   # logged, not run, logged again
            continue
        prev_pc = pc
        if pending:
            mpc, msym = pending
            pending = None
            if pc == mpc + mask[mpc]:   # it ran: the window opens (or nests)
                if not stack:
                    count, where, funcs = 0, (ctx or "(other)", msym), {msym}
                stack.append(bool(stack))
        if sym.split(".")[0] in outer and not stack:   # a clone (churn.constprop.0) too
            ctx = None
        elif ctx is None and (sym in entries or (prefix and sym.startswith(prefix))):
            ctx = sym[len(prefix):] if prefix and sym.startswith(prefix) else sym
        if stack:
            count += 1
            funcs.add(sym)
        if pc in mask:
            pending = (pc, sym)
        elif pc in restore and stack:
            if not stack.pop():   # back to unmasked: the window closes
                s = stats[where[0]]
                s[0] += 1
                s[1] += count
                if count > s[2]:
                    s[2], s[3] = count, "%s (from %s)" % (" ".join(sorted(funcs)), where[1])

    if not stats:
        print("no masked window seen", file=sys.stderr)
        return 1
    print("| call | windows | mean | longest | functions in the longest |")
    print("| --- | ---: | ---: | ---: | --- |")
    for entry in sorted(stats, key=lambda e: -stats[e][2]):
        n, total, longest, fn = stats[entry]
        mark = " (O(heap) by contract)" if entry in unbounded else ""
        print("| %s%s | %d | %.2f | %d | %s |" % (entry, mark, n, total / n, longest, fn))
    if not args.no_rt:
        worst = max(s[2] for e, s in stats.items() if e not in unbounded and (e != "(other)" or len(stats) == 1))
        print("RT irq_masked_max %d" % worst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
