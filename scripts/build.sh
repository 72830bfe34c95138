#!/usr/bin/env bash
# Configures and builds pdfs into BUILD_DIR (default: build) with CMake.
# Usage: scripts/build.sh [BUILD_TYPE] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
type=${1:-RelWithDebInfo}
shift || true
dir=${BUILD_DIR:-build}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" > /dev/null
cmake --build "$dir" -j"${JOBS:-$(nproc)}"
