#!/usr/bin/env bash
# Every test: installs what is missing, then builds and runs the host suites (debug
# allocator with ASan+UBSan, release, 32-bit), the Cortex-M core builds with their
# freestanding check, every suite as firmware in QEMU on six emulated boards, and the
# firmware of three real boards (built and linked; their ctest has the freestanding
# check only), each under ctest. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

presets=(host host-release host-m32 cm0 cm3 cm4 cm33
    mps2-an385 mps2-an386 mps2-an500 mps2-an505 microbit netduinoplus2
    nucleo-f401re nrf52840dk nucleo-g071rb)
jobs=$(nproc)
failed=()
for p in "${presets[@]}"; do
    echo "=== preset $p"
    if ! cmake --preset "$p" >/dev/null; then
        failed+=("$p")
        continue
    fi
    # One image that does not build (say, a suite too big for a board's RAM) fails the
    # preset but does not keep the others from building and running.
    ok=1
    cmake --build --preset "$p" -j "$jobs" -- -k 0 || ok=0
    ctest --preset "$p" -j "$jobs" || ok=0
    [ $ok -eq 1 ] || failed+=("$p")
done
if [ ${#failed[@]} -ne 0 ]; then
    echo "FAILED presets: ${failed[*]}"
    exit 1
fi
echo "all presets passed: ${presets[*]}"
