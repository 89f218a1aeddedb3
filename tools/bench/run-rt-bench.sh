#!/usr/bin/env bash
# Real-time benchmark (issue 17): the worst case of each kind of call, printed as lines
#   RT <name> <value>          a figure
#   RT <name> n/a (<reason>)   not measured (skipped, or not measurable yet)
# after every detail line (D|..., the images' C| and S| lines, run-masked.sh's table).
# Each RT line comes once, in the issue's order:
#   malloc_max_256k, malloc_max_1m, malloc_max_3m5
#                          the largest rp_malloc of W1 at heaps of 256 KiB, 1 MiB and
#                          3.5 MiB (20,000 live blocks for the last): tb_rt.c
#   free_max_256k, free_max_1m, free_max_3m5
#                          the largest rp_free of the same runs
#   gc_step_max_w2         the longest automatic collection step of W2-target (256 KiB
#                          heap), seen through the gc callbacks (a whole collection before
#                          incremental collection)
#   gc_step_max_w3         the same for W3 scaled (100,000 garbage 2-cycles)
#   gc_step_max_full100k   the longest rp_gc_step(RP_CFG_GC_STEP_BUDGET) of a whole
#                          incremental collection with 100,000 tracked live objects (one
#                          rp_gc_collect(2) where RP_CFG_GC_INCREMENTAL is absent or 0; the
#                          stop-the-world figure is a D| line either way)
#   decref_max             the longest DECREF, or rp_gc_step(RP_CFG_FREE_BUDGET) after it,
#                          dropping a 100,000-object chain and a 32,767-node tree
#   irq_masked_max         the longest interrupt-masked window of any call whose bound does
#                          not grow with the heap: rp_malloc and rp_free on W1 and W1s, the
#                          other calls (tracing on too) on a 1 MiB heap in use
#                          (tools/bench/run-masked.sh: QEMU's execution log)
#   w2_throughput_ratio    W2-target's instructions built with RP_CFG_GC_INCREMENTAL 1
#                          divided by the same built with 0 (two W2-only images of tb_rt.c,
#                          -DTB_RT_W2_ONLY=1; n/a while rp_config.h has no such option);
#                          each image then runs W2-target again with the gc callbacks on and
#                          prints where its instructions went (young, old-generation and
#                          emergency collections, the rest), the D| lines after the total
#   host_w2_pause_max_us   W2's longest automatic pause on the host, in µs (host-release built
#                          with RP_CFG_GC_INCREMENTAL 1, rp_bench_gc W2, the median of --runs)
#   isr_ops                handler calls of the interrupt stress test
#                          (tests/cortex-m/test_isr_stress.c, ctest in build/mps2-an385 and
#                          build/microbit): the fewer of the two boards, each board's a D| line
#   isr_violations         its checker faults and pattern mismatches: the more of the two
# Instructions are counted on the Cortex-M3 (mps2-an385) at -O2 under QEMU's -icount,
# exactly (tools/bench/README-target.md), unless the name says otherwise. Figures only:
# nothing is asserted, no ctest entry (benchmarks print, tests assert).
#
# Run time, measured on two cores shared with other jobs (load 2 to 3), builds included
# where the mps2-an385 and microbit preset builds already exist: 3 minutes without
# RP_CFG_GC_INCREMENTAL (run-masked.sh 2 of them, the two stress runs 40 s of QEMU each
# under -icount), 5 minutes with it (the two W2-only builds and runs for the throughput
# ratio); a fresh checkout's preset builds add a few. --no-masked --no-isr: about one.
#
#   tools/bench/run-rt-bench.sh [--runs N] [--no-host] [--no-masked] [--no-isr] [--no-ratio]
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=3
host=1
masked=1
isr=1
ratio=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --no-host) host=0; shift ;;
        --no-masked) masked=0; shift ;;
        --no-isr) isr=0; shift ;;
        --no-ratio) ratio=0; shift ;;
        *) echo "usage: $0 [--runs N] [--no-host] [--no-masked] [--no-isr] [--no-ratio]" >&2; exit 2 ;;
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

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A fig   # RT name -> value (or "n/a (reason)")

# Builds tb_rt.c's image in $1 (extra cmake arguments after it) and runs it into $tmp/$2.
rt_image() {
    local dir=$1 out=$tmp/$2
    shift 2
    echo "=== mps2-an385 -O2: configure and build ($dir)" >&2
    cmake --preset mps2-an385 -B "$dir" -DRP_BENCH=ON -DCMAKE_BUILD_TYPE=Release \
        "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" "$@" >/dev/null
    if ! cmake --build "$dir" --target rp_tbench_rt -- -j 2 >"$dir/rt-build.log" 2>&1; then
        tail -n 20 "$dir/rt-build.log" >&2
        echo "build of rp_tbench_rt failed (log: $dir/rt-build.log)" >&2
        return 1
    fi
    echo "=== running rp_tbench_rt in QEMU (-icount, $dir)" >&2
    if ! timeout 1200 "$dir/run-bench-firmware" "$dir/tools/bench/target/rp_tbench_rt" >"$out" 2>&1; then
        echo "rp_tbench_rt did not run cleanly:" >&2
        tail -n 20 "$out" >&2
    fi
    grep -q '^C|.*NOT EXACT' "$out" && echo "# the instruction counter's check was NOT EXACT in $dir: figures unreliable"
    return 0
}

# The value of image figure $2 (an RT|name|value line) in output file $1.
image_fig() { awk -F'|' -v n="$2" '$1 == "RT" && $2 == n { print $3 }' "$1"; }

# ---- tb_rt.c: allocator, frees, collections ----
# Built in the real-time configuration: incremental collection on (rp_config.h has it 0
# by default; the allocator's figures do not depend on it).
dir=build/bench-mps2-an385-O2-rt
main_out=$tmp/main
if rt_image "$dir" main "-DCMAKE_C_FLAGS=-DRP_CFG_GC_INCREMENTAL=1"; then
    grep -E '^(C|S|D)\|' "$main_out" || true
fi
touch "$main_out"
for name in malloc_max_256k malloc_max_1m malloc_max_3m5 free_max_256k free_max_1m free_max_3m5 \
    gc_step_max_w2 gc_step_max_w3 gc_step_max_full100k decref_max; do
    v=$(image_fig "$main_out" "$name")
    fig[$name]=${v:-"n/a (the image printed no figure: see its output above)"}
done

# ---- w2_throughput_ratio: W2-target alone, incremental against stop-the-world ----
if [ $ratio = 0 ]; then
    fig[w2_throughput_ratio]="n/a (--no-ratio)"
elif ! grep -q '^#define RP_CFG_GC_INCREMENTAL' core/include/refpool/rp_config.h; then
    fig[w2_throughput_ratio]="n/a (RP_CFG_GC_INCREMENTAL is not in rp_config.h: no incremental collector yet, automatic collections run whole)"
else
    declare -A w2
    for v in 1 0; do
        w2[$v]=""
        if rt_image "build/bench-mps2-an385-O2-w2-inc$v" "w2-$v" "-DCMAKE_C_FLAGS=-DRP_CFG_GC_INCREMENTAL=$v -DTB_RT_W2_ONLY=1"; then
            # The option must have reached the image (a board could override it).
            if grep -q "^S|.*RP_CFG_GC_INCREMENTAL $v\$" "$tmp/w2-$v"; then
                w2[$v]=$(image_fig "$tmp/w2-$v" w2_total_insns)
            else
                echo "# the W2-only image built with -DRP_CFG_GC_INCREMENTAL=$v reports another value: $(grep '^S|' "$tmp/w2-$v")"
            fi
        fi
        echo "D|W2-target alone, RP_CFG_GC_INCREMENTAL $v: ${w2[$v]:-?} instructions in all; run again, watched:"
        grep -A4 '^D|W2-target, 256 KiB heap' "$tmp/w2-$v" || true
    done
    if [ -n "${w2[1]}" ] && [ -n "${w2[0]}" ] && [ "${w2[0]}" != 0 ]; then
        fig[w2_throughput_ratio]=$(awk -v a="${w2[1]}" -v b="${w2[0]}" 'BEGIN { printf "%.3f", a / b }')
    else
        fig[w2_throughput_ratio]="n/a (a W2-only image printed no total: see the lines above)"
    fi
fi

# ---- host_w2_pause_max_us ----
if [ $host = 1 ]; then
    echo "=== host-release with RP_CFG_GC_INCREMENTAL 1: W2, $runs runs" >&2
    hdir=build/host-release-inc
    cmake --preset host-release -B $hdir -DCMAKE_C_FLAGS=-DRP_CFG_GC_INCREMENTAL=1 >/dev/null
    cmake --build $hdir --target rp_bench_gc -- -j 2 >/dev/null
    pauses=()
    for ((i = 0; i < runs; i++)); do
        ms=$($hdir/tools/rp_bench_gc W2 | awk -F'|' '$4 == "auto_max_ms" { split($5, a, " "); print a[1] }')
        pauses+=("$ms")
        echo "D|host W2 run $((i + 1)): longest automatic pause $ms ms"
    done
    median=$(printf '%s\n' "${pauses[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    fig[host_w2_pause_max_us]=$(awk -v m="$median" 'BEGIN { printf "%.0f", m * 1000 }')
else
    fig[host_w2_pause_max_us]="n/a (--no-host)"
fi

# ---- irq_masked_max: run-masked.sh (its table as printed, its RT line kept for the end) ----
if [ $masked = 1 ]; then
    echo "=== tools/bench/run-masked.sh (2 to 5 minutes)" >&2
    if tools/bench/run-masked.sh >"$tmp/masked" 2>&1; then
        grep -v '^RT ' "$tmp/masked" || true
    else
        echo "run-masked.sh failed:" >&2
        tail -n 20 "$tmp/masked" >&2
    fi
    v=$(awk '$1 == "RT" && $2 == "irq_masked_max" { print $3 }' "$tmp/masked")
    fig[irq_masked_max]=${v:-"n/a (run-masked.sh printed no figure)"}
else
    fig[irq_masked_max]="n/a (--no-masked)"
fi

# ---- isr_ops, isr_violations: test_isr_stress on both boards it runs on under QEMU ----
if [ $isr = 1 ]; then
    ops_min="" viol_max="" missing=""
    for board in mps2-an385 microbit; do
        bdir=build/$board
        log=$tmp/isr-$board
        echo "=== $board: build and run test_isr_stress ($bdir)" >&2
        ops="" viol=""
        if cmake --preset "$board" >/dev/null && cmake --build "$bdir" --target test_isr_stress -- -j 2 >"$log.build" 2>&1; then
            (cd "$bdir" && ctest -R isr_stress -V) >"$log" 2>&1 || echo "# $board: test_isr_stress failed (exit status or a FAIL line): see $log" >&2
            ops=$(awk '{ for (i = 1; i < NF; i++) if ($i == "RT" && $(i + 1) == "isr_ops") v = $(i + 2) } END { print v }' "$log")
            viol=$(awk '{ for (i = 1; i < NF; i++) if ($i == "RT" && $(i + 1) == "isr_violations") v = $(i + 2) } END { print v }' "$log")
            summary=$(awk '/isr stress: / { sub(/.*isr stress: /, ""); v = $0 } END { print v }' "$log")
        else
            tail -n 20 "$log.build" >&2
            summary="build failed"
        fi
        echo "D|isr_stress $board: ${ops:-?} handler calls, ${viol:-?} violations (${summary:-no summary line})"
        if [ -z "$ops" ] || [ -z "$viol" ]; then
            missing="$missing $board"
            continue
        fi
        if [ -z "$ops_min" ] || [ "$ops" -lt "$ops_min" ]; then ops_min=$ops; fi
        if [ -z "$viol_max" ] || [ "$viol" -gt "$viol_max" ]; then viol_max=$viol; fi
    done
    if [ -n "$missing" ]; then
        fig[isr_ops]="n/a (no figure from:$missing)"
        fig[isr_violations]="n/a (no figure from:$missing)"
    else
        fig[isr_ops]=$ops_min
        fig[isr_violations]=$viol_max
    fi
else
    fig[isr_ops]="n/a (--no-isr)"
    fig[isr_violations]="n/a (--no-isr)"
fi

# ---- every RT line once, in the issue's order ----
for name in malloc_max_256k malloc_max_1m malloc_max_3m5 free_max_256k free_max_1m free_max_3m5 \
    gc_step_max_w2 gc_step_max_w3 gc_step_max_full100k decref_max irq_masked_max w2_throughput_ratio \
    host_w2_pause_max_us isr_ops isr_violations; do
    echo "RT $name ${fig[$name]}"
done
