#!/usr/bin/env bash
# Cycle-collector benchmark: builds the host-release preset and runs workloads W2, W3, W4
# and W5 (../shared/bench/WORKLOADS.md) on refpool and on CPython 3.11 embedded through
# its C API, then prints every figure side by side as a markdown table.
# tools/bench/README-gc.md says how each figure is measured. Prints figures only; exits
# non-zero only if it cannot run.
#
#   tools/bench/run-gc-bench.sh [--runs N] [--callgrind]
#
#   --runs N      run every timed workload N times (default 3); each figure is the median
#   --callgrind   also count instructions with valgrind --tool=callgrind for W2, W3 and
#                 W3full on both sides (slow: about 12 minutes, most of it CPython's W2)
set -euo pipefail
cd "$(dirname "$0")/../.."

args="$*"
runs=3
callgrind=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --callgrind) callgrind=1; shift ;;
        *) echo "usage: $0 [--runs N] [--callgrind]" >&2; exit 2 ;;
    esac
done

cmake --preset host-release >/dev/null
cmake --build --preset host-release >/dev/null
bin=build/host-release/tools
rp=$bin/rp_bench_gc
py=$bin/rp_bench_gc_cpython
[ -x "$rp" ] || { echo "rp_bench_gc was not built (64-bit host without sanitizers only)" >&2; exit 1; }
have_py=1
[ -x "$py" ] || have_py=0

# One CPU, the last, for every run: no migration between cores in the middle of a run.
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
    pin=(taskset -c "$(($(nproc) - 1))")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
raw=$tmp/raw
: >"$raw"
load_before=$(cut -d' ' -f1 /proc/loadavg)

for w in W2 W3 W3full W4 W5; do
    for ((i = 0; i < runs; i++)); do
        "${pin[@]}" "$rp" "$w" >>"$raw"
        if [ $have_py = 1 ]; then "${pin[@]}" "$py" "$w" >>"$raw"; fi
    done
done
# The footprint runs are untimed: once is enough.
"${pin[@]}" "$rp" W2mem >>"$raw"
"${pin[@]}" "$rp" W3mem >>"$raw"

if [ $callgrind = 1 ] && command -v valgrind >/dev/null; then
    # Instructions inside the workload's function only (--toggle-collect), so neither
    # start-up nor Py_Initialize is counted.
    cg() { # impl exe workload function divisor-key
        local out
        out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$4" "$2" "$3" 2>&1 >"$tmp/cg.out")
        local ir
        ir=$(printf '%s\n' "$out" | awk '/Collected :/ { gsub(/,/, "", $NF); print $NF }' | tail -n1)
        printf 'C|%s|%s|%s\n' "$3" "$1" "$ir" >>"$raw"
        grep '^F|' "$tmp/cg.out" | sed 's/^F|/G|/' >>"$raw" || true
    }
    for w in W2:bench_run_w2 W3:bench_run_w3 W3full:bench_run_w3full; do
        cg refpool "$rp" "${w%%:*}" "${w#*:}"
        if [ $have_py = 1 ]; then cg CPython "$py" "${w%%:*}" "${w#*:}"; fi
    done
fi
load_after=$(cut -d' ' -f1 /proc/loadavg)

# Median of each figure over the runs, each figure on its own: sort by the number the
# value starts with, take the middle line (a value such as "0.356 (gen 0)" keeps its
# generation).
med=$tmp/med
grep '^F|' "$raw" | sort -t'|' -k2,2 -k3,3 -k4,4 -k5,5g |
    awk -F'|' '{ k = $2 "|" $3 "|" $4; n[k]++; v[k, n[k]] = $5; if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
        END { for (i = 1; i <= m; i++) { k = order[i]; print k "|" v[k, int((n[k] + 1) / 2)] } }' |
    # W4 ratio: recomputed from the two median pauses, so that the three figures agree.
    awk -F'|' '$1 == "W4" && $3 ~ /^pause_/ { p[$2, $3] = $4 }
        { line[++m] = $0; w[m] = $1; impl[m] = $2; key[m] = $3 }
        END { for (i = 1; i <= m; i++) {
                  if (w[i] == "W4" && key[i] == "ratio" && p[impl[i], "pause_10k_us"] > 0)
                      printf "W4|%s|ratio|%.3f\n", impl[i], p[impl[i], "pause_1m_us"] / p[impl[i], "pause_10k_us"]
                  else
                      print line[i] } }' >"$med"

pyver="(not built)"
[ $have_py = 1 ] && pyver=$(pkg-config --modversion python3-embed 2>/dev/null || echo 3)
echo "# Cycle-collector benchmark: refpool against CPython $pyver"
echo
echo "- command: tools/bench/run-gc-bench.sh${args:+ $args} (preset host-release: -O2, RP_DEBUG OFF); each figure the median of $runs runs"
if git rev-parse --git-dir >/dev/null 2>&1; then
    echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- core || echo ' + uncommitted core/ changes')"
fi
echo "- cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs${pin[*]:+, runs under ${pin[*]}}"
echo "- load average before / after: $load_before / $load_after (times are only comparable on an idle machine; cpu ms are less disturbed)"
echo "- compiler: $(cc --version | head -n1)"
echo

# workload|key|label|target: "rel:X" refpool/CPython <= X, "abs:X" refpool <= X, "" none
rows='W2|time_ms|W2 total time (ms)|rel:0.3334
W2|cpu_ms|W2 CPU time (ms)|rel:0.3334
W2|ns_per_node|W2 ns per node (wall)|
W2|rss_peak|W2 peak RSS, whole process (MiB)|rel:0.5
W2|heap_peak|W2 peak heap (MiB): refpool footprint / CPython RSS growth|rel:0.5
W2|live_peak|W2 peak heap footprint, allocator (MiB)|
W2|collected|W2 objects collected|
W2|auto_n|W2 automatic collections|
W2|auto_gen|W2 automatic collections of gen 0 / 1 / 2|
W2|auto_max_ms|W2 longest automatic pause (ms)|
W2|auto_sum_ms|W2 time in automatic collections (ms)|
W2|final_ms|W2 final full collection (ms)|
W2|all_back|W2 every block back after the final collection|
W3|time_ms|W3 total time (ms)|rel:0.3334
W3|cpu_ms|W3 CPU time (ms)|rel:0.3334
W3|rss_peak|W3 peak RSS, whole process (MiB)|rel:0.5
W3|heap_peak|W3 peak heap (MiB): refpool footprint / CPython RSS growth|rel:0.5
W3|collected|W3 objects collected|
W3|auto_n|W3 automatic collections|
W3|auto_max_ms|W3 longest automatic pause (ms)|
W3|ns_per_obj|W3 total time per object collected (ns)|
W3|ns_per_obj_gc|W3 time in collections per object collected (ns)|
W3|all_back|W3 every block back|
W3full|ns_per_obj|one full collection of 1M garbage 2-cycles, ns per object|abs:19
W3full|collect_ms|  that collection (ms)|
W3full|build_ms|  building the 1M 2-cycles, gc off (ms)|
W4|pause_10k_us|W4 young pause, N = 10,000 (us)|
W4|pause_1m_us|W4 young pause, N = 1,000,000 (us)|
W4|ratio|W4 pause(1M) / pause(10k)|abs:1.2
W5|stack_release|W5 stack bytes, releasing a 100,000 chain|
W5|stack_collect|W5 stack bytes, collecting a 100,000 ring|
W5|stack_empty|W5 stack bytes, empty operation (the method'"'"'s zero)|
W5|refzero_peak|W5 refzero queue peak (objects)|
W5|release_ms|W5 release time (ms)|
W5|collect_ms|W5 collection time (ms)|'

awk -F'|' -v rows="$rows" '
    FILENAME == ARGV[1] && $1 == "C" { ir[$2, $3] = $4; next }
    FILENAME == ARGV[1] && $1 == "G" && $4 == "nodes" { nodes[$2, $3] = $5; next }
    FILENAME == ARGV[1] { next }
    { val[$1, $2, $3] = $4 }
    function num(s) { return s + 0 }
    function fmt(x) { return (x >= 100) ? sprintf("%.0f", x) : sprintf("%.2f", x) }
    END {
        print "| figure | refpool | CPython | refpool / CPython | target |"
        print "| --- | ---: | ---: | ---: | --- |"
        n = split(rows, r, "\n")
        for (i = 1; i <= n; i++) {
            split(r[i], f, "|")
            a = val[f[1], "refpool", f[2]]; b = val[f[1], "CPython", f[2]]
            if (a == "" && b == "") continue
            ratio = ""
            if (a != "" && b != "" && a ~ /^[0-9.]+/ && b ~ /^[0-9.]+/ && num(b) > 0 && f[2] != "collected" && f[2] !~ /^auto_n|auto_gen/)
                ratio = sprintf("%.3f", num(a) / num(b))
            t = ""
            if (f[4] ~ /^rel:/ && ratio != "") {
                lim = substr(f[4], 5) + 0
                t = sprintf("<= %s CPython: %s", (lim < 0.4 ? "1/3" : "1/2"), (ratio + 0 <= lim) ? "met" : "MISSED")
            } else if (f[4] ~ /^abs:/ && a != "") {
                lim = substr(f[4], 5) + 0
                t = sprintf("<= %s: %s", substr(f[4], 5), (num(a) <= lim) ? "met" : "MISSED")
            }
            printf "| %s | %s | %s | %s | %s |\n", f[3], (a == "" ? "-" : a), (b == "" ? "-" : b), ratio, t
        }
        # Instructions (callgrind), when asked for.
        if (length(ir) > 0) {
            print ""
            print "| instructions (callgrind, inside the workload function) | refpool | CPython | refpool / CPython |"
            print "| --- | ---: | ---: | ---: |"
            split("W2 W3 W3full", ws, " ")
            split("per node|per pair|per object collected", us, "|")
            split("1|1000000|2000000", ds, "|")
            for (j = 1; j <= 3; j++) {
                w = ws[j]
                x = ir[w, "refpool"]; y = ir[w, "CPython"]
                d = (w == "W2") ? nodes[w, "refpool"] : ds[j]
                dy = (w == "W2") ? nodes[w, "CPython"] : ds[j]
                xs = (x != "" && d > 0) ? sprintf("%.0f", x / d) : "-"
                ys = (y != "" && dy > 0) ? sprintf("%.0f", y / dy) : "-"
                rs = (xs != "-" && ys != "-") ? sprintf("%.3f", (x / d) / (y / dy)) : ""
                printf "| %s %s | %s | %s | %s |\n", w, us[j], xs, ys, rs
            }
        }
    }' "$raw" "$med"

echo
echo "Reference (the brief, CPython 3.11.2 through the C API on this machine kind): W2 3.46 s, 41 MB peak RSS,"
echo "longest automatic pause 46 ms; W3 149 ms, 8.6 MB; full collection of 2-cycles 57 ns per object;"
echo "W4 11.7 us / 12.0 us; 1,293 instructions per W2 node, 1,358 per W3 pair."
notes=$(grep '^N|' "$raw" | sort -u | sed 's/^N|/- /' || true)
if [ -n "$notes" ]; then
    echo
    echo "$notes"
fi
