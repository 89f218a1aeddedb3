#!/usr/bin/env bash
# The main job: installs what is missing, builds and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake --preset host-release >/dev/null
cmake --build --preset host-release --target rp_demo -j "$(nproc)" >/dev/null
build/host-release/tools/rp_demo
