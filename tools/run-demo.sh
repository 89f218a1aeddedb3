#!/usr/bin/env bash
# The main job: installs what is missing, builds the demo as firmware for the default
# board (mps2-an385, a Cortex-M3) and runs it in QEMU; then symbolizes the demo's
# tracemalloc output against the firmware ELF on the host. Exits with the demo's status.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake --preset mps2-an385 >/dev/null
cmake --build --preset mps2-an385 --target rp_demo -j "$(nproc)" >/dev/null
elf=build/mps2-an385/tools/rp_demo
log=build/mps2-an385/demo.log
set +e
build/mps2-an385/run-firmware "$elf" | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo
echo "== tracemalloc statistics, symbolized on the host (tools/trace_symbolize.py) =="
python3 tools/trace_symbolize.py "$elf" "$log" --limit 10
exit "$status"
