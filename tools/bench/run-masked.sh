#!/usr/bin/env bash
# tools/bench/run-masked.sh [board] — the longest windows in which refpool holds
# interrupts off, per public call (board mps2-an385, Cortex-M3, by default; -O2): exact
# instruction counts from QEMU's execution log, read by tools/bench/target/masked.py, of
# two images: rp_malloc and rp_free on workloads W1 and W1s (the profile image
# rp_tbench_prof_alloc), and every other call that takes the critical section, on a
# 1 MiB heap in use (rp_tbench_masked: calloc, realloc, usable_size, trim,
# malloc from the spares, malloc and free traced, tracing's getters, and the walks).
# Prints two tables and `RT irq_masked_max N`: the longest window of any call whose
# bound does not grow with the heap (the walks, O(heap) by contract, are printed apart).
# About 6 minutes on two cores. Figures only: nothing is asserted. Method:
# tools/bench/README-target.md, "Masked windows".
set -euo pipefail
cd "$(dirname "$0")/../.."
board=${1:-mps2-an385}
dir=build/bench-$board-O2
cmake --preset "$board" -B "$dir" -DRP_BENCH=ON -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null
cmake --build "$dir" --target rp_tbench_prof_alloc rp_tbench_masked >"$dir/masked-build.log" 2>&1 ||
    { tail -n 20 "$dir/masked-build.log" >&2; exit 1; }
# The board's QEMU command as the benchmark runs it, without -icount (the log counts).
qemu=$(sed -n 's/^exec "\(.*\)" "\$1".*/\1/p' "$dir/run-bench-firmware" | sed 's/" "/\n/g' |
    grep -v -e '^-icount$' -e '^shift=' -e '^-kernel$' | tr '\n' ' ')
w1=$dir/tools/bench/target/rp_tbench_prof_alloc
calls=$dir/tools/bench/target/rp_tbench_masked
echo "### $board -O2: interrupt-masked windows per call (instructions)"
echo
echo "W1 and W1s (rp_tbench_prof_alloc):"
echo
# shellcheck disable=SC2086
$qemu -singlestep -d exec,nochain -kernel "$w1" </dev/null 2>&1 >/dev/null |
    python3 tools/bench/target/masked.py "$w1" --entry rp_malloc --entry rp_free >"$dir/masked-w1.txt"
grep -v '^RT ' "$dir/masked-w1.txt"
echo
echo "Every other call (rp_tbench_masked; the heap each ran on below):"
echo
# shellcheck disable=SC2086
$qemu -singlestep -d exec,nochain -kernel "$calls" </dev/null 2>&1 >"$dir/masked-calls.out" |
    python3 tools/bench/target/masked.py "$calls" --entry-prefix m_ --outer main --outer churn --outer fill \
        --outer heap_line --outer resize_phase --outer big_move --outer make_spares --outer tracing_phase \
        --outer from_spares --unbounded rp_heap_init \
        --unbounded rp_heap_stats --unbounded rp_heap_check --unbounded rp_heap_walk \
        --unbounded rp_trace_check >"$dir/masked-calls.txt"
grep -v '^RT ' "$dir/masked-calls.txt"
grep '^FAIL' "$dir/masked-calls.out" && exit 1
sed -n 's/^D|/  /p' "$dir/masked-calls.out"
echo
cat "$dir/masked-w1.txt" "$dir/masked-calls.txt" |
    awk '$1 == "RT" && $2 == "irq_masked_max" && $3 > m { m = $3 } END { if (m) print "RT irq_masked_max " m }'
