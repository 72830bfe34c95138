#!/usr/bin/env bash
# The mutant suite (issue 19; docs/RELIABILITY.md, "Mutant suite"): one-line
# changes of product code, each of which some test must notice. For every
# entry of mutants.txt it applies the entry's sed expression to a copy of the
# tree, checks that exactly one line changed (it fails loudly otherwise),
# builds the entry's targets incrementally, runs `ctest -R <tests>` and
# restores the file. A mutant is "killed" when a test fails (a timeout
# counts), "SURVIVED" when all pass, "no build" when it does not compile.
# Run on demand, not in CI.
#
#   tests/mutants/run.sh                 every mutant
#   tests/mutants/run.sh ID...           only these
#   tests/mutants/run.sh --list          print the entries, run nothing
#   tests/mutants/run.sh --check         apply and restore each sed, build nothing
#
# MUTANT_DIR (default /tmp/pdfs-mutants) holds the copy (src/) and its build
# (build/); it is kept, so a second run builds incrementally. JOBS (default
# 2) is the build's -j. The copy is refreshed from the working tree
# (uncommitted changes included) at every start.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
list="$root/tests/mutants/mutants.txt"
work=${MUTANT_DIR:-/tmp/pdfs-mutants}
jobs=${JOBS:-2}
mode=run
only=()
for arg in "$@"; do
  case "$arg" in
    --list) mode=list ;;
    --check) mode=check ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
    *) only+=("$arg") ;;
  esac
done

# Parse mutants.txt: blocks of "key: value" lines, each starting with
# "[ID]"; keys file, sed, tests, build (default: pdfs), what.
ids=() files=() seds=() tests=() builds=() whats=()
flush() {
  [ -z "${id:-}" ] && return
  if [ -z "${file:-}" ] || [ -z "${sedx:-}" ] || [ -z "${tst:-}" ] || [ -z "${what:-}" ]; then
    echo "run.sh: mutant $id lacks file, sed, tests or what" >&2
    exit 2
  fi
  ids+=("$id") files+=("$file") seds+=("$sedx") tests+=("$tst") builds+=("${bld:-pdfs}")
  whats+=("$what")
  id="" file="" sedx="" tst="" bld="" what=""
}
id="" file="" sedx="" tst="" bld="" what=""
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    '#'* | '') continue ;;
    '['*']') flush; id=${line:1:${#line}-2} ;;
    file:*) file=${line#file: } ;;
    sed:*) sedx=${line#sed: } ;;
    tests:*) tst=${line#tests: } ;;
    build:*) bld=${line#build: } ;;
    what:*) what=${line#what: } ;;
    *) echo "run.sh: cannot read line: $line" >&2; exit 2 ;;
  esac
done <"$list"
flush

selected=()
for i in "${!ids[@]}"; do
  if [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx -- "${ids[$i]}"; then
    selected+=("$i")
  fi
done
if [ ${#selected[@]} -eq 0 ]; then
  echo "run.sh: no mutant selected" >&2
  exit 2
fi

if [ "$mode" = list ]; then
  printf '| %s | %s | %s | %s |\n' mutant file tests "what it breaks"
  printf '|---|---|---|---|\n'
  for i in "${selected[@]}"; do
    printf '| %s | %s | `%s` | %s |\n' "${ids[$i]}" "${files[$i]}" "${tests[$i]//|/\\|}" \
      "${whats[$i]}"
  done
  exit 0
fi

# The copy: the working tree without build directories or .git. Only files
# whose content differs are copied, and they get a new modification time
# (no -t): a file left mutated by an interrupted run, or restored with an
# older time, is then always rebuilt.
mkdir -p "$work/src" "$work/logs"
rsync -rlpD --checksum --delete --exclude '/build*' --exclude '.git' "$root/" "$work/src/"
src="$work/src"

# Applies mutant i to the copy; fails loudly unless exactly one line changed.
apply() {
  local i=$1 f="$src/${files[$i]}"
  [ -f "$f" ] || { echo "run.sh: ${ids[$i]}: no file ${files[$i]}" >&2; return 1; }
  cp "$root/${files[$i]}" "$f"
  sed -i -e "${seds[$i]}" "$f"
  local changed
  changed=$(diff "$root/${files[$i]}" "$f" | grep -c '^[<>]' || true)
  if [ "$changed" -eq 0 ]; then
    echo "run.sh: ${ids[$i]}: the sed expression changed nothing in ${files[$i]}" >&2
    return 1
  fi
  if [ "$(diff "$root/${files[$i]}" "$f" | grep -c '^<' || true)" -ne 1 ]; then
    echo "run.sh: ${ids[$i]}: the sed expression changed more than one line:" >&2
    diff "$root/${files[$i]}" "$f" >&2 || true
    return 1
  fi
}
restore() { cp "$root/${files[$1]}" "$src/${files[$1]}"; }

if [ "$mode" = check ]; then
  bad=0
  for i in "${selected[@]}"; do
    if apply "$i"; then echo "ok ${ids[$i]}"; else bad=1; fi
    restore "$i"
  done
  exit $bad
fi

build="$work/build"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPDFS_BUILD_TESTS=ON \
    >"$work/logs/cmake.log"
fi

results=()
killed=0 survived=0 broken=0
current=""
# Interrupted: put the mutated file back before leaving.
trap '[ -n "$current" ] && restore "$current"' EXIT
for i in "${selected[@]}"; do
  mid=${ids[$i]}
  current=$i
  log="$work/logs/$mid.log"
  start=$(date +%s)
  if ! apply "$i"; then
    restore "$i"
    exit 1
  fi
  # shellcheck disable=SC2086
  if ! cmake --build "$build" -j"$jobs" --target ${builds[$i]} >"$log" 2>&1; then
    result="no build"
    broken=$((broken + 1))
  elif ctest --test-dir "$build" -R "${tests[$i]}" --output-on-failure >>"$log" 2>&1; then
    if grep -q "No tests were found" "$log"; then
      result="no tests ran"
      broken=$((broken + 1))
    else
      result="SURVIVED"
      survived=$((survived + 1))
    fi
  else
    result="killed"
    killed=$((killed + 1))
  fi
  restore "$i"
  current=""
  secs=$(($(date +%s) - start))
  echo "$mid: $result (${secs} s; $log)"
  results+=("| $mid | ${files[$i]} | \`${tests[$i]//|/\\|}\` | $result |")
done
# Leave the copy's build matching the tree.
cmake --build "$build" -j"$jobs" --target pdfs >/dev/null 2>&1 || true

echo
echo "| mutant | file | tests | result |"
echo "|---|---|---|---|"
printf '%s\n' "${results[@]}"
echo
echo "killed $killed, survived $survived, no build or no tests $broken, of ${#selected[@]}"
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ]
