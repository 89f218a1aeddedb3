#!/usr/bin/env bash
# On-target benchmarks: configures, builds and runs the benchmark firmware of
# tools/bench/target/ on mps2-an385 (Cortex-M3) and microbit (Cortex-M0), each at -O2 and
# -Os, under QEMU with -icount (exact instruction counts), then prints every figure as
# markdown tables: the allocator (W1, W1s, W1-M0) against newlib and newlib-nano, the
# smallest heap per workload, code size, the cost of tracing, and the collector (W2-target,
# W4, W5, instructions per young object). tools/bench/README-target.md says how each
# figure is measured. Prints figures only (no test, nothing asserted); exits non-zero only
# if something cannot be built or run. About 3 minutes on two cores.
#
#   tools/bench/run-target-bench.sh             # the tables
#   tools/bench/run-target-bench.sh --profile   # and where the instructions go, per function
#   tools/bench/run-target-bench.sh --raw FILE  # also keep the images' raw output in FILE
#
# Build directories: build/bench-<board>-<O2|Os> (the presets' own are not touched).
set -euo pipefail
cd "$(dirname "$0")/../.."

profile=0
raw=""
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) profile=1 ;;
        --raw) raw="$2"; shift ;;
        *) echo "usage: $0 [--profile] [--raw FILE]" >&2; exit 2 ;;
    esac
    shift
done

for tool in cmake ninja arm-none-eabi-gcc qemu-system-arm python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (tools/setup.sh installs it)" >&2; exit 1; }
done

commit=""
if git rev-parse --git-dir >/dev/null 2>&1; then
    commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- core port || echo ' + uncommitted core/ or port/ changes')"
fi

boards=(mps2-an385 microbit)
opts=(O2 Os)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

declare -A opt_flags=(   # CMake cache settings of each optimisation level
    [O2]="-DCMAKE_BUILD_TYPE=Release;-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG"
    [Os]="-DCMAKE_BUILD_TYPE=MinSizeRel;-DCMAKE_C_FLAGS_MINSIZEREL=-Os -DNDEBUG")

text_of() {     # .text bytes (all .text* sections) of object files or archives
    arm-none-eabi-size -A "$@" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }'
}

# .text of chunk.c, pool.c and heap.c that rp_tbench_size links (input sections of those
# objects placed in the image, from its link map: --gc-sections has dropped the rest).
linked_text() {
    python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
text = text[text.index("Linker script and memory map"):]
total = 0
for m in re.finditer(r"^ (\.text\S*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$", text, re.M):
    if re.search(r"\((chunk|pool|heap)\.c\.obj\)$", m.group(4)):
        total += int(m.group(3), 16)
print(total)
EOF
}

for board in "${boards[@]}"; do
    for opt in "${opts[@]}"; do
        dir=build/bench-$board-$opt
        echo "=== $board -$opt: configure and build ($dir)" >&2
        IFS=';' read -r -a flags <<<"${opt_flags[$opt]}"
        cmake --preset "$board" -B "$dir" -DRP_BENCH=ON "${flags[@]}" >/dev/null
        images=(rp_tbench_alloc rp_tbench_alloc_nano rp_tbench_size)
        [ "$board" = microbit ] || images+=(rp_tbench_gc)
        targets=("${images[@]}")
        [ $profile -eq 0 ] || targets+=(rp_tbench_prof_alloc)
        [ $profile -eq 0 ] || [ "$board" = microbit ] || targets+=(rp_tbench_prof_gc)
        if ! cmake --build "$dir" --target "${targets[@]}" -- -j "$(nproc)" >"$dir/bench-build.log" 2>&1; then
            grep -E -m 20 'error|undefined|overflow' "$dir/bench-build.log" >&2 || tail -n 20 "$dir/bench-build.log" >&2
            echo "build of $dir failed (log: $dir/bench-build.log)" >&2
            exit 1
        fi

        core=$dir/core/CMakeFiles/refpool_core.dir
        sum=0
        for f in chunk pool heap; do
            t=$(text_of "$core/alloc/$f.c.obj")
            sum=$((sum + t))
            echo "Z|$board|$opt|$f.c|$t" >>"$out"
        done
        echo "Z|$board|$opt|allocator objects (chunk.c + pool.c + heap.c)|$sum" >>"$out"
        echo "Z|$board|$opt|allocator as linked (malloc, calloc, realloc, free, init)|$(linked_text "$dir/tools/bench/target/rp_tbench_size.map")" >>"$out"
        echo "Z|$board|$opt|whole core (librefpool_core.a)|$(text_of "$dir/core/librefpool_core.a")" >>"$out"

        for img in "${images[@]}"; do
            [ "$img" = rp_tbench_size ] && continue
            echo "=== $board -$opt: $img" >&2
            log=$(mktemp)
            if ! "$dir/run-bench-firmware" "$dir/tools/bench/target/$img" >"$log" 2>&1 ||
                grep -q -e '^FAIL' -e 'NOT EXACT' "$log"; then
                echo "E|$board -$opt $img: $(grep -m1 -e '^FAIL' -e 'NOT EXACT' -e 'exit' "$log" || tail -n1 "$log")" >>"$out"
            fi
            cat "$log" >>"$out"
            rm -f "$log"
        done
    done
done

[ -z "$raw" ] || cp "$out" "$raw"

echo "# On-target benchmarks"
echo
echo "- command: tools/bench/run-target-bench.sh$([ $profile -eq 1 ] && echo ' --profile')"
[ -z "$commit" ] || echo "- commit: $commit (when the builds started)"
echo "- $(arm-none-eabi-gcc --version | head -n1); $(qemu-system-arm --version | head -n1)"
echo "- newlib: Debian's libnewlib-arm-none-eabi $(dpkg-query -W -f='${Version}' libnewlib-arm-none-eabi 2>/dev/null || echo '?') (libc.a and libc_nano.a as shipped)"
echo
python3 tools/bench/target/tables.py <"$out"

if [ $profile -eq 1 ]; then
    echo "## Profile: instructions per call, by function (QEMU -singlestep -d exec)"
    echo
    for board in "${boards[@]}"; do
        dir=build/bench-$board-O2
        qemu=$(sed -n 's/^exec "\(.*\)" "\$1".*/\1/p' "$dir/run-bench-firmware" | sed 's/" "/\n/g' |
            grep -v -e '^-icount$' -e '^shift=' -e '^-kernel$' | tr '\n' ' ')
        for img in rp_tbench_prof_alloc rp_tbench_prof_gc; do
            [ -f "$dir/tools/bench/target/$img" ] || continue
            echo "=== profile $board -O2 $img (a few minutes)" >&2
            entries=(--entry rp_malloc --entry rp_free)
            [ "$img" = rp_tbench_prof_gc ] && entries=(--entry rp_gc_collect --outer profile)
            echo "### $board -O2, $img"
            echo
            # shellcheck disable=SC2086
            $qemu -singlestep -d exec,nochain -kernel "$dir/tools/bench/target/$img" </dev/null 2>&1 >/dev/null |
                python3 tools/bench/target/profile.py "$dir/tools/bench/target/$img" "${entries[@]}" --outer main \
                    | sed 's/^### /#### /'
        done
    done
fi
