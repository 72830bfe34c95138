#!/usr/bin/env bash
# A/B: two builds of pdfs measured side by side in one run, to show that a
# change costs no performance. BASE (a git revision, default main) is built
# from `git archive`, the working tree as it is; both are Release builds. The
# two sides alternate round by round (and swap who goes first), so that a
# noisy minute on this shared machine hits both; each figure is the median
# over the rounds, and the ratio is this tree / BASE.
#
# Figures:
#   engine   bench_engine in process, compiled from THIS tree's
#            tests/bench/engine_bench.cc against each side's engine (the
#            public API it uses is the same): single-document and 1000-document
#            appends with sync on and off, and a range read of 100k documents;
#   HTTP     each side's `pdfs serve` as the driver (run.sh) measures it:
#            single-document POSTs (wrk, 8 connections), 1000-document batch
#            POSTs (wrk, 4 connections), and a streamed range of 100k
#            documents (curl).
#
# usage: tests/bench/ab.sh [BASE] [--runs N] [--seconds S]
# Prints a markdown table on stdout (progress on stderr). The builds stay in
# build-ab/ (this tree) and build-ab-base/ (BASE's sources and build), so a
# second run rebuilds only what changed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/tests/bench

base_rev=main
runs=5
seconds=5
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    -*) echo "usage: tests/bench/ab.sh [BASE] [--runs N] [--seconds S]" >&2; exit 2 ;;
    *) base_rev=$1 ;;
  esac
  shift
done
for tool in wrk curl cmake; do
  command -v "$tool" > /dev/null || { echo "ab.sh: needs $tool" >&2; exit 1; }
done

work=$(mktemp -d /tmp/pdfs-ab.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
log() { printf '%s\n' "$*" >&2; }

# --- builds ---------------------------------------------------------------------
build() {  # build SOURCE BUILD_DIR
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DPDFS_BUILD_TESTS=OFF -DPDFS_BUILD_BENCH=ON \
    > /dev/null
  cmake --build "$2" -j"$(nproc)" --target pdfs bench_engine > "$2/ab-build.log" 2>&1 ||
    { tail -30 "$2/ab-build.log" >&2; exit 1; }
}
base_dir=$repo/build-ab-base
rm -rf "$base_dir/src"
mkdir -p "$base_dir/src"
git -C "$repo" archive "$base_rev" | tar -x -C "$base_dir/src"
cp "$here/engine_bench.cc" "$base_dir/src/tests/bench/engine_bench.cc"
log "== building $base_rev ($(git -C "$repo" rev-parse --short "$base_rev")) and the working tree"
build "$base_dir/src" "$base_dir/build"
build "$repo" "$repo/build-ab"
declare -A bin=([base]=$base_dir/build [head]=$repo/build-ab)

# --- one round of one side ------------------------------------------------------------
port=19281
serve() {  # serve SIDE: a fresh data directory; sets serve_pid
  rm -rf "$work/data"
  "${bin[$1]}/mountd/pdfs" serve --data "$work/data" --listen "127.0.0.1:$port" \
    > "$work/serve.log" 2>&1 &
  serve_pid=$!; pids+=("$serve_pid")
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && return 0; sleep 0.05; done
  log "pdfs serve did not start"; cat "$work/serve.log" >&2; exit 1
}
stop() { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; }
wrk_rate() {  # wrk_rate CONNS SCRIPT -> requests/s
  wrk -t2 -c"$1" -d"${seconds}s" -s "$2" "http://127.0.0.1:$port" | awk '/Requests\/sec/ {print $2}'
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }

declare -A results  # "side figure" -> space-separated values
add() { results["$1 $2"]+="$3 "; }

figures=(
  "engine: append 1 doc, sync on (docs/s)"
  "engine: append 1 doc, sync off (docs/s)"
  "engine: append 1000 docs, sync on (docs/s)"
  "engine: append 1000 docs, sync off (docs/s)"
  "engine: range read of 100k docs (docs/s)"
  "HTTP: append 1 doc, sync on, 8 conn (req/s)"
  "HTTP: batch append 1000 docs, sync on, 4 conn (docs/s)"
  "HTTP: range read of 100k docs (MB/s)"
)

round() {  # round SIDE
  local side=$1 csv
  csv=$("${bin[$side]}/tests/bench/bench_engine" --benchmark_filter='BM_Engine' \
    --benchmark_format=csv --benchmark_min_time=1 2>/dev/null)
  item() { echo "$csv" | awk -F, -v n="\"$1\"" '$1 == n {print $7}'; }
  add "$side" 0 "$(item BM_EngineAppend/1/1/real_time)"
  add "$side" 1 "$(item BM_EngineAppend/1/0/real_time)"
  add "$side" 2 "$(item BM_EngineAppend/1000/1/real_time)"
  add "$side" 3 "$(item BM_EngineAppend/1000/0/real_time)"
  add "$side" 4 "$(item BM_EngineRangeRead/100000/real_time)"
  serve "$side"
  add "$side" 5 "$(wrk_rate 8 "$here/post_one.lua")"
  stop
  serve "$side"
  add "$side" 6 "$(wrk_rate 4 "$here/post_batch.lua" | awk '{print $1 * 1000}')"
  stop
  serve "$side"
  awk -v pad="$(head -c 150 /dev/zero | tr '\0' x)" \
    'BEGIN {for (i = 0; i < 100000; i++) printf "{\"n\":%d,\"sensor\":\"s-17\",\"pad\":\"%s\"}\n", i, pad}' |
    "${bin[$side]}/mountd/pdfs" write range --url "http://127.0.0.1:$port" > /dev/null
  local speeds=()
  for _ in 1 2 3; do
    speeds+=("$(curl -sf -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$port/stream/range/0-")")
  done
  add "$side" 7 "$(printf '%s\n' "${speeds[@]}" | median | awk '{print $1 / 1e6}')"
  stop
}

for r in $(seq "$runs"); do
  order=(base head); [ $((r % 2)) = 0 ] && order=(head base)
  for side in "${order[@]}"; do
    log "== round $r/$runs: $side"
    round "$side"
  done
done

# --- the table ------------------------------------------------------------------------
fmt() { awk -v v="$1" 'BEGIN {if (v >= 100) printf "%.0f", v; else printf "%.2f", v}'; }
echo "A/B on $(date -u +%Y-%m-%d): base $base_rev ($(git -C "$repo" rev-parse --short "$base_rev")), this tree"
echo "at $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo '+changes'); medians of $runs rounds, alternating."
echo
echo "| figure | base | this | this / base |"
echo "|---|---|---|---|"
for i in "${!figures[@]}"; do
  # shellcheck disable=SC2086 # space-separated numbers
  b=$(printf '%s\n' ${results["base $i"]} | median)
  # shellcheck disable=SC2086
  h=$(printf '%s\n' ${results["head $i"]} | median)
  echo "| ${figures[$i]} | $(fmt "$b") | $(fmt "$h") | $(awk -v a="$h" -v b="$b" 'BEGIN {printf "%.3f", a / b}') |"
done
