#!/usr/bin/env bash
# The main job: installs what is missing, builds the demo as firmware for the default
# board (mps2-an385, a Cortex-M3) and runs it in QEMU. Exits with the demo's status.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake --preset mps2-an385 >/dev/null
cmake --build --preset mps2-an385 --target rp_demo -j "$(nproc)" >/dev/null
build/mps2-an385/run-firmware build/mps2-an385/tools/rp_demo
