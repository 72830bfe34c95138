#!/usr/bin/env bash
# Installs what pdfs needs, builds it with its tests, and runs the whole
# suite with CTest: everything but the reliability suites in parallel, then
# the reliability suites (which load the machine on their own) one by one.
# Filesystem tests must run wherever /dev/fuse exists, and as root nothing
# may be skipped; as another user the tests that mount a tmpfs (disk full)
# skip themselves, and this script says so.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export BUILD_DIR=${BUILD_DIR:-build-test}
scripts/build.sh RelWithDebInfo -DPDFS_BUILD_TESTS=ON
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
{
  ctest --test-dir "$BUILD_DIR" -j"${JOBS:-2}" --output-on-failure -LE reliability "$@" &&
    ctest --test-dir "$BUILD_DIR" -j1 --output-on-failure -L reliability "$@"
} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  echo "test.sh: tests failed" >&2
  exit "$rc"
fi
if grep -q "Skipped" "$log"; then
  grep "Skipped" "$log" >&2
  if [ -e /dev/fuse ] && [ "$(id -u)" -eq 0 ]; then
    echo "test.sh: /dev/fuse is here and this is root, yet tests were skipped" >&2
    exit 1
  fi
  echo "test.sh: the tests above were skipped (they need root or /dev/fuse)" >&2
fi
echo "test.sh: all tests passed"
