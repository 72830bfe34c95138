#!/usr/bin/env bash
# Fuzzing for CI (issue 6): builds the libFuzzer targets of tests/fuzz with
# clang-14 (ASan + UBSan + coverage), replays every saved reproducer under
# tests/fuzz/regressions/, then runs each target for a bounded time on its
# committed seed corpus. Fails if any target crashes, leaks, trips a
# sanitizer or breaks an invariant; the crashing input is printed and kept
# under the build dir's fuzz-artifacts/.
# Usage: scripts/ci-fuzz.sh [TARGET...]         (default: every target)
# Environment: FUZZ_SECONDS (default 60 per target), FUZZ_BUILD_DIR
# (default build-fuzz), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${FUZZ_SECONDS:-60}
dir=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}
t_start=$(date +%s)

scripts/install-deps.sh
# clang and its runtime libraries (libFuzzer, the sanitizers) from Debian.
clang_pkgs=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${clang_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -f "$dir/CMakeCache.txt" ] && ! grep -q "^PDFS_FUZZ:BOOL=ON" "$dir/CMakeCache.txt"; then
  rm -rf "$dir"
fi
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DPDFS_FUZZ=ON -DPDFS_BUILD_TESTS=OFF > /dev/null
cmake --build "$dir" -j"$jobs" --target fuzzers
t_built=$(date +%s)
echo "ci-fuzz: build took $((t_built - t_start)) s"

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_document fuzz_document_split fuzz_path_params fuzz_http fuzz_hub_parsers)
case $dir in
  /*) artifacts=$dir/fuzz-artifacts ;;
  *) artifacts=$root/$dir/fuzz-artifacts ;;
esac
rm -rf "$artifacts"
mkdir -p "$artifacts/tmp"
# fuzz_http's store lives under TMPDIR; a crash leaves it behind, so keep it
# out of /tmp and remove it at the end.
export TMPDIR=$artifacts/tmp
trap 'rm -rf "$artifacts/tmp"' EXIT
summary=()
failed=()
for t in "${targets[@]}"; do
  bin=$dir/tests/fuzz/$t
  dict=()
  case $t in
    fuzz_document | fuzz_document_split) dict=(-dict=tests/fuzz/json.dict) ;;
    fuzz_http) dict=(-dict=tests/fuzz/http.dict) ;;
    fuzz_hub_parsers) dict=(-dict=tests/fuzz/hub.dict) ;;
  esac
  # Every saved reproducer must pass (each file is run once).
  if compgen -G "tests/fuzz/regressions/$t/*" > /dev/null; then
    if ! "$bin" tests/fuzz/regressions/"$t"/* > "$artifacts/$t-regressions.log" 2>&1; then
      tail -50 "$artifacts/$t-regressions.log" >&2
      failed+=("$t: a saved reproducer fails again")
      continue
    fi
  fi
  # New inputs go to a scratch directory; the committed corpus is only read.
  work=$artifacts/$t-corpus
  mkdir -p "$work"
  log=$artifacts/$t.log
  t0=$(date +%s)
  set +e
  "$bin" "${dict[@]}" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "$work" "tests/fuzz/corpus/$t" \
    > "$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  summary+=("$t: ${runs:-?} executions in $(( $(date +%s) - t0 )) s, ${cov:-no coverage line}, exit $rc")
  if [ "$rc" -ne 0 ]; then
    grep -v '^#' "$log" | tail -60 >&2
    for a in "$artifacts/$t-"crash-* "$artifacts/$t-"leak-* "$artifacts/$t-"timeout-* "$artifacts/$t-"oom-*; do
      [ -e "$a" ] || continue
      echo "ci-fuzz: reproducer $a (reproduce: $bin $a):" >&2
      head -c 2048 "$a" | od -c | head -40 >&2
    done
    failed+=("$t: exit $rc")
  fi
done

printf 'ci-fuzz: %s\n' "${summary[@]}"
echo "ci-fuzz: total $(( $(date +%s) - t_start )) s"
if [ ${#failed[@]} -ne 0 ]; then
  printf 'ci-fuzz: FAILED %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "ci-fuzz: all fuzz targets ran clean"
