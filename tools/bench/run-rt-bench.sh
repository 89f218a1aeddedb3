#!/usr/bin/env bash
# Real-time benchmark (issue 17): the longest call of each kind, printed as lines
#   RT <name> <value>          a figure (instructions on the Cortex-M3 at -O2 under QEMU's
#                              -icount, unless the name says otherwise)
#   RT <name> n/a (<reason>)   not measurable yet
# with the images' detail lines (D|...) above them. Builds tools/bench/target/tb_rt.c for
# mps2-an385 at -O2 (build/bench-mps2-an385-O2, as run-target-bench.sh) and runs it, then
# W2 on the host (host-release, rp_bench_gc W2, median of --runs) for the pause in µs.
# Prints figures only: nothing asserted, no ctest entry (benchmarks print, tests assert).
#
#   tools/bench/run-rt-bench.sh [--runs N] [--no-host]
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=3
host=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --no-host) host=0; shift ;;
        *) echo "usage: $0 [--runs N] [--no-host]" >&2; exit 2 ;;
    esac
done

for tool in cmake ninja arm-none-eabi-gcc qemu-system-arm; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (tools/setup.sh installs it)" >&2; exit 1; }
done

commit=""
if git rev-parse --git-dir >/dev/null 2>&1; then
    commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- core port || echo ' + uncommitted core/ or port/ changes')"
fi
echo "# run-rt-bench at ${commit:-?}, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

dir=build/bench-mps2-an385-O2
echo "=== mps2-an385 -O2: configure and build ($dir)" >&2
cmake --preset mps2-an385 -B "$dir" -DRP_BENCH=ON -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null
if ! cmake --build "$dir" --target rp_tbench_rt -- -j 2 >"$dir/rt-build.log" 2>&1; then
    tail -n 20 "$dir/rt-build.log" >&2
    echo "build of rp_tbench_rt failed (log: $dir/rt-build.log)" >&2
    exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "=== running rp_tbench_rt in QEMU (-icount)" >&2
if ! timeout 1200 "$dir/run-bench-firmware" "$dir/tools/bench/target/rp_tbench_rt" >"$out" 2>&1; then
    echo "rp_tbench_rt did not run cleanly:" >&2
    tail -n 20 "$out" >&2
fi
grep -E '^(C|S|D)\|' "$out" || true
grep -q '^C|.*NOT EXACT' "$out" && echo "# the instruction counter's check was NOT EXACT: figures unreliable"
awk -F'|' '/^RT\|/ { printf "RT %s %s\n", $2, $3 }' "$out" >"$out.rt"

fig() {   # the value of an RT line from the image, or n/a with a reason
    local v
    v=$(awk -v n="$1" '$2 == n { print $3 }' "$out.rt")
    if [ -n "$v" ]; then echo "RT $1 $v"; else echo "RT $1 n/a (the image printed no figure: see its output above)"; fi
}

for name in decref_max malloc_max_256k malloc_max_1m malloc_max_3m5 free_max_256k free_max_1m free_max_3m5 \
    gc_step_max_w2 gc_step_max_w3 gc_step_max_full100k; do
    fig "$name"
done
echo "RT w2_throughput_ratio n/a (no incremental collector yet: automatic collections run whole, stop-the-world)"

if [ $host = 1 ]; then
    echo "=== host-release: W2, $runs runs" >&2
    cmake --preset host-release >/dev/null
    cmake --build --preset host-release --target rp_bench_gc -- -j 2 >/dev/null
    pauses=()
    for ((i = 0; i < runs; i++)); do
        ms=$(build/host-release/tools/rp_bench_gc W2 | awk -F'|' '$4 == "auto_max_ms" { split($5, a, " "); print a[1] }')
        pauses+=("$ms")
        echo "D|host W2 run $((i + 1)): longest automatic pause $ms ms"
    done
    median=$(printf '%s\n' "${pauses[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "RT host_w2_pause_max_us $(awk -v m="$median" 'BEGIN { printf "%.0f", m * 1000 }')"
else
    echo "RT host_w2_pause_max_us n/a (--no-host)"
fi
echo "RT irq_masked_max n/a (interrupt-masked windows are measured by the interrupt-rules work, not here)"
echo "RT isr_ops n/a (no interrupt stress test yet)"
echo "RT isr_violations n/a (no interrupt stress test yet)"
rm -f "$out.rt"
