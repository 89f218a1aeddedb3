"""refpool's gdb commands: the heap, the collector and tracing of a live target.

Load with one line (in gdb, or in .gdbinit):

    source tools/gdb/refpool.py

Commands (each reads target memory through the image's debug information and never
calls a target function: a function the linker dropped still has debug information, and
gdb would call address 0):

    rp heap                 sys._debugmallocstats' class table and totals, as
                            rp_heap_print_stats prints them (the subset gdb can count)
    rp heap-map [PREFIX]    the heap dump rp_heap_dump prints, line for line; with PREFIX
                            also the pictures tools/heapmap.py draws (PREFIX-map.png ...)
    rp heap-text            a text map, one character per pool-size page
    rp gc                   per generation count, threshold, collections, collected,
                            uncollectable; pauses, frozen, gc.garbage (rp_gc_print_stats)
    rp objects [TYPE]       tracked objects of TYPE (address per line), or the count of
                            every type, most common first
    rp referrers ADDR       tracked objects that refer to ADDR (slot objects, lists,
                            tuples; dicts and other hooked types are not read)
    rp trace [N]            tracemalloc's top N sites (default 10), as
                            rp_trace_print_snapshot prints them (symbolize with
                            tools/trace_symbolize.py)

Assumes a release build of the allocator (RP_CFG_DEBUG=0, as on every board preset):
the debug layer's 16 bytes per block are not subtracted from the largest free run.
The image needs debug information (-g: every board build has it, cmake/board.cmake).
"""
import inspect
import os
import struct
import subprocess
import tempfile

import gdb

# This file's folder, for tools/heapmap.py: gdb's `source` defines no __file__, but the
# code's own file name is the path it was sourced from.
HERE = os.path.dirname(os.path.abspath(inspect.getframeinfo(inspect.currentframe()).filename))
MAX_LIST = 1 << 20   # no list is followed further: a corrupted link cannot hang gdb


def inferior():
    return gdb.selected_inferior()


def read(addr, n):
    return bytes(inferior().read_memory(addr, n))


def u32(addr):
    return struct.unpack("<I", read(addr, 4))[0]


def u8(addr):
    return read(addr, 1)[0]


def uint(addr, size):
    return int.from_bytes(read(addr, size), "little")


def var(name):
    sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if sym is None:
        raise gdb.GdbError(f"refpool: no symbol {name} (is this a refpool image with -g?)")
    return sym.value()


def field_offset(typ, name):
    for f in typ.strip_typedefs().fields():
        if f.name == name:
            return f.bitpos // 8, f.type.sizeof
    raise gdb.GdbError(f"refpool: {typ} has no field {name}")


def printone(label, value):
    gdb.write(f"{label:<35}= {value:>20,}\n")


class Heap:
    """The allocator's layout, read once per command from rp_heap and its types."""

    def __init__(self):
        h = var("rp_heap")
        self.h = h
        self.nregions = int(h["nregions"])
        self.regions = []
        for i in range(self.nregions):
            r = h["regions"][i]
            self.regions.append({k: int(r[k]) for k in ("lo", "end", "map_base", "grid")} | {"map": int(r["map"])})
        lo, hi = h["classes"].type.range()
        self.nclasses = hi - lo + 1
        pool_t = gdb.lookup_type("rp_pool_t")
        self.used_off, self.used_size = field_offset(pool_t, "used")
        # The page map: map_base + (a >> shift) is a's byte, and map_base = map - (grid >> shift).
        r0 = self.regions[0]
        pages = r0["map"] - r0["map_base"]
        self.shift = (r0["grid"] // pages).bit_length() - 1 if pages else 10
        self.pool_size = 1 << self.shift
        self.hdr_off = (self.pool_size - 4 - pool_t.sizeof) & ~7

    def class_size(self, cls):
        return 8 * (cls + 1)

    def capacity(self, cls):
        return self.hdr_off // self.class_size(cls)

    def items(self):
        """(region index, tag address, size, kind, state, cls, used, capacity) per chunk:
        kind P (pool) or C (chunk), state u (used), f (free) or s (spare pool)."""
        for i, r in enumerate(self.regions):
            t = r["lo"]
            while t < r["end"]:
                tag = u32(t)
                size = tag & ~7
                if size < 16 or size > r["end"] - t:
                    gdb.write(f"refpool: bad chunk tag {tag:#x} at {t:#x}: walk of region {i} stopped\n")
                    break
                if tag & 5 == 5:   # RP_CHUNK_USED | RP_CHUNK_POOL
                    window = t + 4
                    cls = u8(r["map_base"] + (window >> self.shift))
                    if cls < self.nclasses:
                        used = uint(window + self.hdr_off + self.used_off, self.used_size)
                        yield i, t, size, "P", "u" if used else "s", cls, used, self.capacity(cls)
                    else:
                        yield i, t, size, "P", "u", 0xFF, 0, 0
                else:
                    yield i, t, size, "C", "u" if tag & 1 else "f", 0xFF, 0, 0
                t += size

    def stats(self):
        s = {"classes": [[0, 0, 0] for _ in range(self.nclasses)], "spares": 0, "large_bytes": 0,
             "large_blocks": 0, "free_bytes": 0, "free_chunks": 0, "largest": 0, "pool_bytes": 0,
             "bytes_in_use": 0, "blocks_in_use": 0}
        for _, _, size, kind, state, cls, used, cap in self.items():
            if kind == "P":
                s["pool_bytes"] += size
                if state == "s":
                    s["spares"] += 1
                elif cls < self.nclasses:
                    c = s["classes"][cls]
                    c[0] += 1
                    c[1] += used
                    c[2] += cap - used
                    s["bytes_in_use"] += used * self.class_size(cls)
                    s["blocks_in_use"] += used
            elif state == "f":
                s["free_bytes"] += size
                s["free_chunks"] += 1
                s["largest"] = max(s["largest"], size - 4)
            else:
                s["large_bytes"] += size
                s["large_blocks"] += 1
                s["bytes_in_use"] += size - 4
                s["blocks_in_use"] += 1
        return s


class RpPrefix(gdb.Command):
    """refpool: the heap, the collector and tracing of the target (see tools/gdb/refpool.py)."""

    def __init__(self):
        super().__init__("rp", gdb.COMMAND_DATA, gdb.COMPLETE_NONE, True)


class RpHeap(gdb.Command):
    """Heap summary in sys._debugmallocstats' layout, as rp_heap_print_stats prints it."""

    def __init__(self):
        super().__init__("rp heap", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        hp = Heap()
        s = hp.stats()
        gdb.write(f"Small block threshold = {8 * hp.nclasses}, in {hp.nclasses} size classes.\n\n")
        gdb.write("class   size   num pools   blocks in use  avail blocks\n"
                  "-----   ----   ---------   -------------  ------------\n")
        allocated = available = pools = 0
        for c, (p, b, f) in enumerate(s["classes"]):
            if not p:
                continue
            size = hp.class_size(c)
            gdb.write(f"{c:5d} {size:6d} {p:11d} {b:15d} {f:13d}\n")
            allocated += b * size
            available += f * size
            pools += p
        gdb.write("\n")
        printone("# regions", hp.nregions)
        printone("# bytes in arena", int(hp.h["arena_bytes"]))
        printone("# bytes of page maps (metadata)", int(hp.h["metadata_bytes"]))
        printone("# pools in use", pools)
        printone("# unused pools (spares)", s["spares"])
        printone("# large chunks in use", s["large_blocks"])
        printone("# free chunks", s["free_chunks"])
        gdb.write("\n")
        printone("# bytes in allocated blocks", allocated)
        printone("# bytes in available blocks", available)
        printone("# bytes in large chunks", s["large_bytes"])
        printone("# bytes in free chunks", s["free_bytes"])
        gdb.write("\n")
        printone("# bytes in use (blocks handed out)", s["bytes_in_use"])
        printone("# blocks in use", s["blocks_in_use"])
        chunk_bytes = sum(r["end"] - r["lo"] for r in hp.regions)
        printone("# footprint (chunk space held)", chunk_bytes - s["free_bytes"])
        printone("# peak footprint", int(hp.h["peak_footprint"]))
        printone("# largest free run (one request)", s["largest"])
        printone("# failed allocations", int(hp.h["failed_allocs"]))
        printone("# broken rules reported", int(hp.h["reports"]))


def dump_lines(hp):
    s = hp.stats()
    yield (f"hd heap v1 pool={hp.pool_size} small={8 * hp.nclasses} classes={hp.nclasses} "
           f"regions={hp.nregions} arena={int(hp.h['arena_bytes'])} largest={s['largest']} "
           f"free={int(hp.h['free_bytes'])} failed={int(hp.h['failed_allocs'])}")
    lines = items = 0
    region = None
    run = None   # [key, first address, count]
    lo = 0

    def flush():
        key, addr, n = run
        kind, size, state, cls, used, cap = key
        if kind == "P":
            return f"hd P {addr - lo:x} {size} {cls} {used} {cap} {n}"
        return f"hd C {addr - lo:x} {size} {'f' if state == 'f' else 'u'} {n}"

    for i, t, size, kind, state, cls, used, cap in hp.items():
        items += 1
        key = (kind, size, state, cls, used, cap)
        if i != region:
            if run:
                yield flush()
                lines += 1
                run = None
            region = i
            lo, end = hp.regions[i]["lo"], hp.regions[i]["end"]
            yield f"hd R {i} {lo:#x} {end:#x}"
            lines += 1
        elif run and run[0] != key:
            yield flush()
            lines += 1
            run = None
        if run:
            run[2] += 1
        else:
            run = [key, t, 1]
    if run:
        yield flush()
        lines += 1
    yield f"hd end lines={lines} items={items}"


class RpHeapMap(gdb.Command):
    """The heap dump rp_heap_dump prints; with a PREFIX, also tools/heapmap.py's pictures."""

    def __init__(self):
        super().__init__("rp heap-map", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        text = "\n".join(dump_lines(Heap())) + "\n"
        gdb.write(text)
        prefix = arg.strip()
        if not prefix:
            return
        tool = os.path.join(HERE, "..", "heapmap.py")
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write(text)
        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
        out = subprocess.run([python, tool, f.name, "-o", prefix], capture_output=True, text=True)
        os.unlink(f.name)
        gdb.write(out.stdout + out.stderr)


class RpHeapText(gdb.Command):
    """A text map of the heap, one character per pool-size page (MicroPython's mem_info(1)):
    0-9 a-v a pool of that class, s a spare pool, = a large chunk in use, . free; a page
    shows what covers its middle. Rows wholly free are folded into one line."""

    def __init__(self):
        super().__init__("rp heap-text", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        hp = Heap()
        digits = "0123456789abcdefghijklmnopqrstuv"
        per_row = 64
        gdb.write(f"one character per {hp.pool_size} bytes: class digit = pool, s = spare pool, "
                  f"= large chunk, . free\n")
        pieces = {}
        for i, t, size, kind, state, cls, used, cap in hp.items():
            if kind == "P":
                ch = "s" if state == "s" else (digits[cls] if cls < len(digits) else "?")
            else:
                ch = "=" if state == "u" else "."
            pieces.setdefault(i, []).append((t, t + size, ch))
        for i, r in enumerate(hp.regions):
            items = pieces.get(i, [])
            first = r["lo"] & ~(hp.pool_size - 1)
            chars, k = [], 0
            for page in range(first, r["end"], hp.pool_size):
                mid = page + hp.pool_size // 2
                while k < len(items) and items[k][1] <= mid:
                    k += 1
                chars.append(items[k][2] if k < len(items) and items[k][0] <= mid else ".")
            folded = 0
            for row in range(0, len(chars), per_row):
                line = "".join(chars[row:row + per_row])
                if set(line) == {"."} and row + per_row < len(chars):
                    folded += len(line) * hp.pool_size
                    continue
                if folded:
                    gdb.write(f"           ({folded:,} bytes free)\n")
                    folded = 0
                gdb.write(f"{first + row * hp.pool_size:#010x} {line}\n")


class Gc:
    def __init__(self):
        self.gc = var("rp_gc")
        self.base = int(var("rp_link_base"))
        self.gchead = gdb.lookup_type("rp_gchead_t")
        self.next_off, self.next_size = field_offset(self.gchead, "next")
        ptr = gdb.lookup_type("void").pointer().sizeof
        self.head_size = (self.gchead.sizeof + ptr - 1) & ~(ptr - 1)
        self.table = var("rp_type_table")
        self.names = {}

    def members(self, index):
        """Addresses of the objects on list `index` (rp_gc.lists[index])."""
        head = int(self.gc["lists"][index])
        if not head:
            return
        o = self.base + (uint(head + self.next_off, self.next_size) << 3)
        n = 0
        while o != head and n < MAX_LIST:
            yield o
            o = self.base + (uint(o + self.next_off, self.next_size) << 3)
            n += 1

    def tracked(self):
        for g in range(4):   # generations 0..2 and the permanent one
            yield from self.members(g)

    def type_number(self, o):
        return u32(o) & 0xFF

    def type_name(self, n):
        if n not in self.names:
            t = self.table[n] if n < self.table.type.range()[1] + 1 else 0
            self.names[n] = t["name"].string() if t and int(t) else "?"
        return self.names[n]

    def referents(self, o):
        """What o refers to, for the layouts gdb knows: slot objects (no traverse hook),
        lists and tuples."""
        n = self.type_number(o)
        name = self.type_name(n)
        ptr = gdb.lookup_type("void").pointer().sizeof
        body = o + self.head_size
        if name == "list":
            size = u32(body)
            items = uint(body + 8 if ptr == 4 else body + 8, ptr)
            return [uint(items + k * ptr, ptr) for k in range(min(size, MAX_LIST))] if items else []
        if name == "tuple":
            size = u32(body) & 0x7FFFFFFF
            return [uint(body + 8 + k * ptr, ptr) for k in range(min(size, MAX_LIST))]
        bits = int(var("rp_gc_types")["bits"][n])
        if bits & 8:   # RP_TGC_TRAVERSE: a traverse hook, layout unknown here
            return []
        slots = int(var("rp_slot_count")[n])
        return [uint(body + k * ptr, ptr) for k in range(slots)]


class RpGc(gdb.Command):
    """The collector per generation, as rp_gc_print_stats prints it."""

    def __init__(self):
        super().__init__("rp gc", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        g = Gc()
        st = g.gc["stats"]
        gdb.write("generation      count  threshold  collections   collected  uncollectable\n"
                  "----------      -----  ---------  -----------   ---------  -------------\n")
        total = 0
        for k in range(3):
            s = st["gen"][k]
            gdb.write(f"{k:10d} {int(g.gc['count'][k]):10d} {int(g.gc['threshold'][k]):10d} "
                      f"{int(s['collections']):12d} {int(s['collected']):11d} {int(s['uncollectable']):14d}\n")
            total += int(s["collections"])
        gdb.write("\n")
        line = "{:<35}= {:>20}\n"
        gdb.write(line.format("# collections", total))
        gdb.write(line.format("# longest pause (cycles)", int(st["longest_pause"])))
        gdb.write(line.format("# longest pause's generation", int(st["longest_pause_generation"])))
        gdb.write(line.format("# total pause (cycles)", int(st["total_pause"])))
        gdb.write(line.format("# objects frozen (permanent)", sum(1 for _ in g.members(3))))
        gdb.write(line.format("# gc.garbage", sum(1 for _ in g.members(4))))
        gdb.write(line.format("# automatic collection", "enabled" if int(g.gc["enabled"]) else "disabled"))


class RpObjects(gdb.Command):
    """rp objects [TYPE]: tracked objects of TYPE, or the count of each type."""

    def __init__(self):
        super().__init__("rp objects", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        g = Gc()
        want = arg.strip()
        counts = {}
        found = []
        for o in g.tracked():
            name = g.type_name(g.type_number(o))
            counts[name] = counts.get(name, 0) + 1
            if name == want:
                found.append(o)
        if want:
            gdb.write(f"objects of type {want}: {len(found)}\n")
            for o in found:
                gdb.write(f"  {o:#x}\n")
            return
        gdb.write(f"tracked objects: {sum(counts.values())}\n")
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            gdb.write(f"{name:<24} {n:8d}\n")


class RpReferrers(gdb.Command):
    """rp referrers ADDR: tracked objects that refer to ADDR (gc.get_referrers)."""

    def __init__(self):
        super().__init__("rp referrers", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: rp referrers ADDR")
        target = int(gdb.parse_and_eval(arg))
        g = Gc()
        found = [o for o in g.tracked() if target in g.referents(o)]
        gdb.write(f"referrers of {target:#x}: {len(found)}\n")
        for o in found:
            gdb.write(f"  {o:#x} {g.type_name(g.type_number(o))}\n")


class RpTrace(gdb.Command):
    """rp trace [N]: the top N allocation sites by size, as rp_trace_print_snapshot prints them."""

    def __init__(self):
        super().__init__("rp trace", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        limit = int(arg) if arg.strip() else 10
        if not int(var("rp_trace_on")):
            gdb.write("tracing is off (rp_trace_start)\n")
            return
        store = var("store")
        lo, hi = store.type.range()
        groups = {}
        for k in range(lo, hi + 1):
            r = store[k]
            if not int(r["ptr"]):
                continue
            key = (int(r["site"]), int(r["named"]))
            size, count = groups.get(key, (0, 0))
            groups[key] = (size + int(r["size"]), count + 1)
        gdb.write(f"trace-anchor: rp_trace_start={int(gdb.parse_and_eval('&rp_trace_start')):#x}\n")
        site_t = gdb.lookup_type("rp_trace_site_t").pointer()
        top = sorted(groups.items(), key=lambda kv: (-kv[1][0], -kv[1][1]))[:limit]
        for (site, named), (size, count) in top:
            if named:
                s = gdb.Value(site).cast(site_t).dereference()
                where = f"{s['file'].string()}:{int(s['line'])}"
            else:
                where = f"{site:#x}"
            gdb.write(f"trace: {where} size={size} count={count}\n")


RpPrefix()
RpHeap()
RpHeapMap()
RpHeapText()
RpGc()
RpObjects()
RpReferrers()
RpTrace()
