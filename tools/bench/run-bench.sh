#!/usr/bin/env bash
# Allocator benchmark: builds the host-release preset and runs workloads W1 and W1s
# (../shared/bench/WORKLOADS.md) against refpool, glibc, mimalloc and jemalloc, then
# prints every figure side by side as markdown tables. tools/bench/README.md says how
# each figure is measured. Prints figures only; exits non-zero only if it cannot run.
set -euo pipefail
cd "$(dirname "$0")/../.."

cmake --preset host-release >/dev/null
cmake --build --preset host-release >/dev/null
bin=build/host-release/tools

# One CPU, the last, for every run: no migration between cores in the middle of a run.
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
    pin=(taskset -c "$(($(nproc) - 1))")
fi

load=$(cut -d' ' -f1-3 /proc/loadavg)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for w in W1 W1s; do
    for exe in rp_bench_w1 rp_bench_w1_mimalloc rp_bench_w1_jemalloc; do
        if [ -x "$bin/$exe" ]; then
            "${pin[@]}" "$bin/$exe" "$w" >>"$out"
        else
            echo "D|$exe was not built (its library or header is missing)" >>"$out"
        fi
    done
done

echo "# W1 / W1s allocator benchmark"
echo
echo "- command: tools/bench/run-bench.sh (preset host-release: -O2, RP_DEBUG OFF)"
if git rev-parse --git-dir >/dev/null 2>&1; then
    echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- core || echo ' + uncommitted core/ changes')"
fi
echo "- cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')${pin[*]:+, runs under ${pin[*]}}"
echo "- compiler: $(cc --version | head -n1)"
echo "- load average before the runs: $load (the time figures assume an otherwise idle machine)"
echo
echo "## Time (ns; median of 5 runs after a warm-up run; the last column: best of 5)"
echo
echo "| workload | allocator | ns/malloc | ns/free | max malloc | max free | max malloc, filtered | max free, filtered | ns/call, no timers |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -F'|' '$1 == "T" { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$out"
echo
echo "## refpool: smallest arena that runs the workload with no failed allocation"
echo
echo "| workload | peak live requested (B) | smallest arena (B) | arena / peak live | target | metadata (B) | metadata / arena | target | of it inside the arena (B) |"
echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: |"
awk -F'|' '$1 == "R" {
    t = ($2 == "W1") ? 1.25 : 1.30
    printf "| %s | %s | %s | %.3fx | <= %.2fx %s | %s | %.2f %% | <= 1 %% %s | %s |\n", $2, $3, $4, $5, t,
        ($5 + 0 <= t) ? "met" : "MISSED", $6, $7, ($7 + 0 <= 1.0) ? "met" : "MISSED", $8 }' "$out"
echo
echo "## Memory at the peak of live requested bytes (every allocator)"
echo
echo "| workload | allocator | figure | bytes | / peak live |"
echo "| --- | --- | --- | ---: | ---: |"
awk -F'|' '$1 == "M" { printf "| %s | %s | %s | %s | %.3fx |\n", $2, $3, $4, $5, $6 }' "$out"
echo
echo "## Code size of the allocator (.text bytes: chunk.c heap.c pool.c rp_mem.c)"
echo
objs=(alloc/chunk alloc/heap alloc/pool support/rp_mem)
host_text=0
for o in "${objs[@]}"; do
    f=build/host-release/core/CMakeFiles/refpool_core.dir/$o.c.o
    host_text=$((host_text + $(size -A "$f" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }')))
done
echo "- x86-64, host-release (-O2): $host_text"
if command -v arm-none-eabi-gcc >/dev/null; then
    tmp=$(mktemp -d)
    for cpu in cortex-m0 cortex-m4; do
        text=0
        for o in "${objs[@]}"; do
            arm-none-eabi-gcc -std=c11 -Os -mcpu=$cpu -mthumb -ffreestanding -fno-builtin \
                -fno-tree-loop-distribute-patterns -fno-strict-aliasing -DRP_CFG_DEBUG=0 -Icore/include/refpool -Icore/support -Icore/alloc -Iport \
                -c "core/$o.c" -o "$tmp/${o##*/}.o"
            text=$((text + $(arm-none-eabi-size -A "$tmp/${o##*/}.o" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }')))
        done
        echo "- $cpu, arm-none-eabi-gcc -Os: $text"
    done
    rm -rf "$tmp"
fi
echo
echo "## Notes and diagnosis"
echo
awk -F'|' '$1 == "S" && !seen[$0]++ { sub(/^S\|/, ""); print "- " $0 }' "$out"
echo
awk -F'|' '$1 == "D" { sub(/^D\|/, ""); print "    " $0 }' "$out"
