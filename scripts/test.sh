#!/usr/bin/env bash
# Installs what pdfs needs, builds it with its tests, and runs the whole
# suite with CTest. Filesystem tests must run wherever /dev/fuse exists:
# a skipped test fails this script then.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build-test} scripts/build.sh RelWithDebInfo -DPDFS_BUILD_TESTS=ON
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
ctest --test-dir "${BUILD_DIR:-build-test}" -j"${JOBS:-2}" --output-on-failure "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  echo "test.sh: tests failed" >&2
  exit "$rc"
fi
if [ -e /dev/fuse ] && grep -q "Skipped" "$log"; then
  grep "Skipped" "$log" >&2
  echo "test.sh: /dev/fuse exists, yet tests were skipped" >&2
  exit 1
fi
echo "test.sh: all tests passed"
