#!/usr/bin/env python3
"""Checks that core/'s includes run one way: from higher layers to lower ones.

The layers, lowest first, are core/'s folders (core/CMakeLists.txt says what each
holds); a public header in core/include/refpool/ belongs to the layer named for it
below. A file may include headers of its own layer and of lower ones, and the port's
contract (rp_port.h), which every layer may use. Prints each include that runs upward
and exits 1 if there is any.

    tools/check_layers.py [core folder]
"""
import pathlib
import re
import sys

LAYERS = ["support", "alloc", "object", "trace", "builtins", "weakref", "runtime"]

# Public headers: the layer whose API each one is.
PUBLIC = {
    "rp_config.h": "support", "rp_error.h": "support", "rp_print.h": "support",
    "rp_layout.h": "alloc", "rp_heap.h": "alloc",
    "rp_object.h": "object", "rp_gc.h": "object",
    "rp_trace.h": "trace",
    "rp_builtins.h": "builtins",
    "rp_weakref.h": "weakref",
    "refpool.h": "runtime",
}
ANY_LAYER = {"rp_port.h", "rp_port_inline.h"}   # the port's contract, below the core

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path, core):
    rel = path.relative_to(core)
    if rel.parts[0] == "include":
        return PUBLIC.get(path.name)
    return rel.parts[0] if rel.parts[0] in LAYERS else None


def main():
    core = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "core").resolve()
    headers = {}   # header name -> layer
    files = sorted(p for p in core.rglob("*") if p.suffix in (".c", ".h"))
    for p in files:
        if p.suffix == ".h":
            layer = layer_of(p, core)
            if layer is None:
                print(f"{p.relative_to(core)}: in no layer (add it to tools/check_layers.py)")
                return 1
            headers[p.name] = layer
    bad = 0
    for p in files:
        mine = layer_of(p, core)
        if mine is None:
            print(f"{p.relative_to(core)}: in no layer")
            bad += 1
            continue
        for name in INCLUDE.findall(p.read_text()):
            if name in ANY_LAYER:
                continue
            theirs = headers.get(name)
            if theirs is None:
                print(f"{p.relative_to(core)}: includes {name}, which is in no layer")
                bad += 1
            elif LAYERS.index(theirs) > LAYERS.index(mine):
                print(f"{p.relative_to(core)} ({mine}) includes {name} ({theirs}): upward")
                bad += 1
    count = len(files)
    print(f"check_layers: {count} files, {bad} upward includes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
