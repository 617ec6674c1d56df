#!/usr/bin/env bash
# Install the host packages the test suite's real fixtures need (Debian/Ubuntu, as root):
# FUSE exFAT/FAT32 and fusepy's libfuse2, patchelf and a C toolchain for the simulated Nix store,
# Gradle 4.4.1 and GNU Make for the build-tool end-to-end tests.
set -euo pipefail
packages=(exfat-fuse exfatprogs fusefat dosfstools libfuse2 fuse3 patchelf gcc libc6-dev gradle make)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-test-deps: run as root to install: ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-test-deps: ${#packages[@]} packages present"
