#!/usr/bin/env bash
# Installs what refpool's build, tests and benchmarks need on Debian 12, skipping what is
# already there. Run as root (or with sudo available). Safe to run again. Quiet: apt's
# output is printed only if it fails.
set -euo pipefail

packages=(
    cmake ninja-build gcc gcc-multilib make python3-matplotlib gdb-multiarch
    gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
    qemu-system-arm qemu-user
    libmimalloc-dev libjemalloc-dev python3-dev
    clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $sudo apt-get update -qq && \
       $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: apt-get failed installing ${missing[*]}" >&2
    exit 1
fi
