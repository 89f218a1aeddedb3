#!/usr/bin/env bash
# tools/bench/run-masked.sh [board] — the longest windows in which refpool's allocator
# holds interrupts off, per public call, on workloads W1 and W1s (board mps2-an385,
# Cortex-M3, by default; -O2): exact instruction counts from QEMU's execution log of the
# benchmark's profile image (rp_tbench_prof_alloc), read by tools/bench/target/masked.py.
# Prints a table and `RT irq_masked_max N`. About 5 minutes on two cores. Figures only:
# nothing is asserted. Method: tools/bench/README-target.md, "Masked windows".
set -euo pipefail
cd "$(dirname "$0")/../.."
board=${1:-mps2-an385}
dir=build/bench-$board-O2
cmake --preset "$board" -B "$dir" -DRP_BENCH=ON -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null
cmake --build "$dir" --target rp_tbench_prof_alloc >"$dir/masked-build.log" 2>&1 ||
    { tail -n 20 "$dir/masked-build.log" >&2; exit 1; }
# The board's QEMU command as the benchmark runs it, without -icount (the log counts).
qemu=$(sed -n 's/^exec "\(.*\)" "\$1".*/\1/p' "$dir/run-bench-firmware" | sed 's/" "/\n/g' |
    grep -v -e '^-icount$' -e '^shift=' -e '^-kernel$' | tr '\n' ' ')
img=$dir/tools/bench/target/rp_tbench_prof_alloc
echo "### $board -O2: interrupt-masked windows per call (instructions), W1 and W1s"
echo
# shellcheck disable=SC2086
$qemu -singlestep -d exec,nochain -kernel "$img" </dev/null 2>&1 >/dev/null |
    python3 tools/bench/target/masked.py "$img" --entry rp_malloc --entry rp_free --entry rp_realloc --entry rp_calloc
