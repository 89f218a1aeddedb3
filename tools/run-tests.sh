#!/usr/bin/env bash
# Every test: installs what is missing (tools/setup.sh), then, for every configure preset
# of CMakePresets.json (or those named), configures, builds and runs ctest: the host
# suites (debug allocator with ASan+UBSan, release, 32-bit), the Cortex-M core builds with
# their freestanding check, every suite as firmware in QEMU on the emulated boards, and
# the firmware of the real boards (built and linked; ctest runs the freestanding check).
#
# Prints one line per preset as it finishes, the full log of a preset only when it fails
# (every log is kept in build/logs/<preset>.log), a summary table, and the closing line
# "tests: N passed, M failed" over every preset. Exits non-zero if anything failed.
#
#   tools/run-tests.sh [-v] [preset ...]     -v: stream every build and test log
set -euo pipefail
cd "$(dirname "$0")/.."

verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
start_all=$SECONDS
tools/setup.sh

if [ $# -gt 0 ]; then
    presets=("$@")
else
    mapfile -t presets < <(cmake --list-presets=configure | sed -n 's/^ *"\([^"]*\)".*/\1/p')
fi
[ ${#presets[@]} -gt 0 ] || { echo "run-tests: no presets found in CMakePresets.json" >&2; exit 1; }
jobs=$(nproc)
mkdir -p build/logs

total_pass=0
total_fail=0
rows=()
failed=()

# run_preset P LOG: configure, build (one image that does not build fails the preset but
# does not keep the others from building and running), ctest. Returns non-zero on any
# failure; the test counts are read back from ctest's summary in the log.
run_preset() {
    local p=$1 ok=0
    cmake --preset "$p" || return 2
    cmake --build --preset "$p" -j "$jobs" -- -k 0 || ok=1
    ctest --preset "$p" -j "$jobs" || ok=1
    return $ok
}

n=0
for p in "${presets[@]}"; do
    n=$((n + 1))
    log=build/logs/$p.log
    t0=$SECONDS
    rc=0
    if [ $verbose -eq 1 ]; then
        run_preset "$p" 2>&1 | tee "$log" || true
        rc=${PIPESTATUS[0]}
    else
        run_preset "$p" >"$log" 2>&1 || rc=$?
    fi
    secs=$((SECONDS - t0))

    # "100% tests passed, 0 tests failed out of 12" (absent if ctest found no tests).
    summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
    tests=0; fails=0
    if [ -n "$summary" ]; then
        tests=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
        fails=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
    fi
    passes=$((tests - fails))
    note=$(sed -n 's/^-- host: .*tests run under \(.*\)$/under \1/p' "$log" | head -1)
    [ -n "$note" ] && note=$(basename "${note#under }") && note="under $note"

    if [ $rc -eq 2 ]; then
        result="configure FAILED"; fails=$((fails + 1)); note="configure failed"
    elif [ $rc -ne 0 ] || [ "$fails" -ne 0 ]; then
        [ "$fails" -eq 0 ] && fails=1 && note="build failed"
        result="$fails of $tests tests FAILED"
    elif [ "$tests" -eq 0 ]; then
        result="no tests FAILED"; fails=1; note="ctest found no tests"
    else
        result="$tests tests passed"
    fi
    total_pass=$((total_pass + passes))
    total_fail=$((total_fail + fails))
    dots=$(printf '%*s' $((22 - ${#p})) '' | tr ' ' '.')
    printf '[%d/%d] %s %s %s (%d s%s)\n' "$n" "${#presets[@]}" "$p" "$dots" "$result" "$secs" "${note:+; $note}"
    rows+=("$(printf '%-16s %6d %6d %6d %6d s  %s' "$p" "$tests" "$passes" "$fails" "$secs" "$note")")
    if [ "$fails" -ne 0 ]; then
        failed+=("$p")
        if [ $verbose -eq 0 ]; then
            echo "----- $log -----"
            cat "$log"
            echo "----- end of $log -----"
        fi
    fi
done

echo
printf '%-16s %6s %6s %6s %8s  %s\n' preset tests passed failed time note
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "run time: $((SECONDS - start_all)) s for ${#presets[@]} presets on $jobs cores"
[ ${#failed[@]} -eq 0 ] || echo "failed presets: ${failed[*]}"
echo "tests: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
