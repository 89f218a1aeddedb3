#!/usr/bin/env bash
# The main job: installs what is missing, builds the demo as firmware for the default
# board (mps2-an385, a Cortex-M3) and runs it in QEMU; then symbolizes the demo's
# tracemalloc output against the firmware ELF on the host, in place, and draws the heap
# map, heap use and collection pauses the demo printed (tools/heapmap.py, PNG and SVG in
# build/mps2-an385). Exits with the demo's status.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake --preset mps2-an385 >/dev/null
cmake --build --preset mps2-an385 --target rp_demo -j "$(nproc)" >/dev/null
elf=build/mps2-an385/tools/rp_demo
log=build/mps2-an385/demo.log
set +e
# (from the build folder: the demo also writes heapdump.log there, through semihosting)
(cd build/mps2-an385 && ./run-firmware tools/rp_demo) >"$log" 2>&1
status=$?
set -e
# The log, each tracemalloc table symbolized where the demo printed it (the firmware
# prints return addresses; addr2line against the ELF turns them into file:line).
python3 tools/trace_symbolize.py "$elf" "$log" --limit 10 --inline || cat "$log"
# The heap map, heap use over time and collection pauses (tools/heapmap.py), with the
# first Python that has matplotlib (Debian's python3-matplotlib: /usr/bin/python3).
for py in /usr/bin/python3 python3; do
    if "$py" -c "import matplotlib" 2>/dev/null; then
        echo
        echo "== pictures of the heap (tools/heapmap.py) =="
        "$py" tools/heapmap.py "$log" -o build/mps2-an385/heapmap
        break
    fi
done
exit "$status"
