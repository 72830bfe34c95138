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
# A DISABLED_ test, or one whose executable was not built, is "Not Run" and
# CTest still exits 0: that is a failure here.
if grep -q "\*\*\*Not Run" "$log"; then
  grep "\*\*\*Not Run" "$log" >&2
  echo "test.sh: tests above were not run" >&2
  exit 1
fi
# A test that silently vanishes (a file dropped from a CMakeLists, a suite
# whose discovery failed) lowers the count: tests/min_test_count is the
# floor, raised whenever tests are added.
if [ $# -eq 0 ]; then
  total=$(sed -n 's/.*tests failed out of \([0-9]*\)$/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
  floor=$(grep -v '^#' tests/min_test_count | head -1)
  if [ "$total" -lt "$floor" ]; then
    echo "test.sh: only $total tests ran; tests/min_test_count says at least $floor" >&2
    exit 1
  fi
  echo "test.sh: $total tests ran (floor $floor)"
fi
if grep -q "\*\*\*Skipped" "$log"; then
  grep "\*\*\*Skipped" "$log" >&2
  if [ -e /dev/fuse ] && [ "$(id -u)" -eq 0 ]; then
    echo "test.sh: /dev/fuse is here and this is root, yet tests were skipped" >&2
    exit 1
  fi
  echo "test.sh: the tests above were skipped (they need root or /dev/fuse)" >&2
fi
echo "test.sh: all tests passed"
