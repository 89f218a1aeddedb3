#!/usr/bin/env bash
# Installs what refpool's build, tests and benchmarks need on Debian 12, skipping what is
# already there. Run as root (or with sudo available). Safe to run again.
set -euo pipefail

packages=(
    cmake ninja-build gcc gcc-multilib make
    gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
    qemu-system-arm
    libmimalloc-dev libjemalloc-dev python3-dev
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
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
