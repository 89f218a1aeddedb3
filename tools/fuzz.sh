#!/usr/bin/env bash
# Runs the model-based fuzzer (tests/fuzz/fuzz_refpool.c) longer than CI does.
#
#   tools/fuzz.sh --minutes N [--seed S] [--jobs J] [--preset P]
#   tools/fuzz.sh --ops N     [--seed S] [--jobs J] [--preset P]
#
# Builds the standalone driver in host-release (-O2, release allocator) and host (debug
# allocator, ASan + UBSan), then runs each preset for N minutes (or N operations), as J
# processes with seeds S, S+1, ... (J defaults to 1), and prints operations executed and
# violations per run and in total. --preset host-release or host runs only that one.
# --libfuzzer also runs the libFuzzer target (built with clang in host-release, if clang
# is installed) for the same time. Exit status 1 if any run found a violation.
# A 10^8-operation campaign: tools/fuzz.sh --ops 100000000 --preset host-release --jobs 2
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="" ops="" seed=1 jobs=1 presets="host-release host" libfuzzer=0
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --ops) ops="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --preset) presets="$2"; shift 2 ;;
        --libfuzzer) libfuzzer=1; shift ;;
        *) echo "usage: $0 --minutes N | --ops N [--seed S] [--jobs J] [--preset host-release|host] [--libfuzzer]" >&2; exit 2 ;;
    esac
done
if [ -z "$minutes" ] && [ -z "$ops" ]; then
    echo "$0: give --minutes N or --ops N" >&2
    exit 2
fi

for p in $presets; do
    cmake --preset "$p" >/dev/null
    cmake --build --preset "$p" --target fuzz_refpool -j 2 >/dev/null
done

logdir=build/fuzz-logs
mkdir -p "$logdir"
total_ops=0 total_viol=0 status=0
for p in $presets; do
    bin=build/$p/tests/fuzz/fuzz_refpool
    pids=()
    for ((j = 0; j < jobs; j++)); do
        s=$((seed + j))
        if [ -n "$ops" ]; then
            # the operations are split between the jobs
            args=(--ops $(( (ops + jobs - 1) / jobs )) --seed "$s")
        else
            args=(--seconds $((minutes * 60)) --seed "$s")
        fi
        echo "fuzz.sh: $bin ${args[*]}"
        RP_QUIET_REPORTS=1 "$bin" "${args[@]}" >"$logdir/$p-$s.log" 2>&1 &
        pids+=($!)
    done
    for ((j = 0; j < jobs; j++)); do
        wait "${pids[$j]}" || status=1
        s=$((seed + j))
        log="$logdir/$p-$s.log"
        grep -E "^VIOLATION|^fuzz: replay|ERROR|runtime error" "$log" | head -5 || true
        line=$(grep -E "^fuzz: seed" "$log" | tail -1 || true)
        echo "$p: ${line:-no summary (crashed? see $log)}"
        n=$(sed -n 's/^fuzz: seed [0-9]*: \([0-9]*\) operations.*/\1/p' "$log" | tail -1)
        v=$(sed -n 's/.*; \([0-9]*\) violations$/\1/p' "$log" | tail -1)
        [ -n "$v" ] || { v=1; status=1; }
        total_ops=$((total_ops + ${n:-0}))
        total_viol=$((total_viol + v))
    done
done

if [ "$libfuzzer" = 1 ]; then
    lf=build/host-release/tests/fuzz/libfuzzer/fuzz_refpool
    cmake --preset host-release >/dev/null
    if cmake --build --preset host-release --target fuzz_refpool_libfuzzer -j 2 >/dev/null 2>&1 && [ -x "$lf" ]; then
        corpus=build/fuzz-corpus
        mkdir -p "$corpus"
        secs=$(( ${minutes:-1} * 60 ))
        echo "fuzz.sh: $lf -max_total_time=$secs $corpus"
        RP_QUIET_REPORTS=1 "$lf" -max_total_time="$secs" -seed="$seed" -max_len=4096 "$corpus" \
            >"$logdir/libfuzzer.log" 2>&1 || { status=1; total_viol=$((total_viol + 1)); }
        tail -3 "$logdir/libfuzzer.log"
    else
        echo "fuzz.sh: no libFuzzer target (clang and libclang-rt-14-dev: tools/setup.sh)"
    fi
fi

echo "fuzz.sh: total $total_ops operations, $total_viol violations (logs in $logdir)"
exit "$status"
