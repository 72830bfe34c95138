#!/usr/bin/env bash
# A/B: two builds of pdfs measured side by side in one run, to show that a
# change costs no performance. BASE (a git revision, default main) is built
# from `git archive`, the working tree as it is; both are Release builds.
# Every figure is measured in N pairs, the two sides back to back (who goes
# first alternates), so that each pair sees the same moment of this shared,
# noisy machine; the ratio reported is the median of the pair ratios (this
# tree / BASE), with their range.
#
# Figures:
#   engine   bench_engine in process, compiled from THIS tree's
#            tests/bench/engine_bench.cc against each side's engine (the
#            public API it uses is the same): single-document and 1000-document
#            appends with sync on and off, and a range read of 100k documents;
#   instr.   with valgrind installed: instructions per operation, counted by
#            callgrind around the operations of bench_instructions (the same
#            file for both sides) — a figure other programs cannot disturb;
#   HTTP     each side's `pdfs serve` as the driver (run.sh) measures it:
#            single-document POSTs (wrk, 8 connections), 1000-document batch
#            POSTs (wrk, 4 connections), and a streamed range of 100k
#            documents (curl).
#
# usage: tests/bench/ab.sh [BASE] [--runs N] [--seconds S]   (N pairs, default 5;
#        S seconds per wrk run, default 5)
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
callgrind=0
[ -f /usr/include/valgrind/callgrind.h ] && command -v valgrind > /dev/null && callgrind=1
targets=(pdfs bench_engine)
[ $callgrind = 1 ] && targets+=(bench_instructions)
build() {  # build SOURCE BUILD_DIR
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DPDFS_BUILD_TESTS=OFF -DPDFS_BUILD_BENCH=ON \
    > /dev/null
  cmake --build "$2" -j"$(nproc)" --target "${targets[@]}" > "$2/ab-build.log" 2>&1 ||
    { tail -30 "$2/ab-build.log" >&2; exit 1; }
}
base_dir=$repo/build-ab-base
rm -rf "$base_dir/src"
mkdir -p "$base_dir/src"
git -C "$repo" archive "$base_rev" | tar -x -C "$base_dir/src"
# This tree's benchmark sources and their CMakeLists (which names every one
# of them) replace BASE's.
for f in "$here"/*.cc "$here"/CMakeLists.txt; do
  cp "$f" "$base_dir/src/tests/bench/"
done
log "== building $base_rev ($(git -C "$repo" rev-parse --short "$base_rev")) and the working tree"
build "$base_dir/src" "$base_dir/build"
build "$repo" "$repo/build-ab"
declare -A bin=([base]=$base_dir/build [head]=$repo/build-ab)

# --- measuring one figure on one side -------------------------------------------------
port=19281
serve() {  # serve SIDE DATA_DIR: sets serve_pid
  "${bin[$1]}/mountd/pdfs" serve --data "$2" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
  serve_pid=$!; pids+=("$serve_pid")
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && return 0; sleep 0.05; done
  log "pdfs serve did not start"; cat "$work/serve.log" >&2; exit 1
}
stop() { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; }
wrk_rate() {  # wrk_rate CONNS SCRIPT -> requests/s
  wrk -t2 -c"$1" -d"${seconds}s" -s "$2" "http://127.0.0.1:$port" | awk '/Requests\/sec/ {print $2}'
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }

figures=(
  "engine: append 1 doc, sync on (docs/s)"
  "engine: append 1 doc, sync off (docs/s)"
  "engine: append 1000 docs, sync on (docs/s)"
  "engine: append 1000 docs, sync off (docs/s)"
  "engine: range read of 100k docs (docs/s)"
  "engine: append 1 doc, sync off (docs per CPU second)"
  "engine: append 1000 docs, sync off (docs per CPU second)"
  "engine: range read of 100k docs (docs per CPU second)"
  "HTTP: append 1 doc, sync on, 8 conn (req/s)"
  "HTTP: batch append 1000 docs, sync on, 4 conn (docs/s)"
  "HTTP: range read of 200k docs, 38 MB (MB/s)"
)
# Figures 0-7 are bench_engine's: by wall time (what a user waits for), and
# for the CPU-bound ones also by the CPU time of the thread that does the
# work (a single appender always leads its own group), which other programs
# on the machine disturb much less.
engine_names=(BM_EngineAppend/1/1 BM_EngineAppend/1/0 BM_EngineAppend/1000/1 BM_EngineAppend/1000/0
  BM_EngineRangeRead/100000 BM_EngineAppend/1/0 BM_EngineAppend/1000/0 BM_EngineRangeRead/100000)
engine_items=(1 1 1000 1000 100000 1 1000 100000)
engine_cpu=(0 0 0 0 0 1 1 1)

# The range figure reads one loaded topic per side, loaded once.
load_range() {  # load_range SIDE
  serve "$1" "$work/range-$1"
  awk -v pad="$(head -c 150 /dev/zero | tr '\0' x)" \
    'BEGIN {for (i = 0; i < 200000; i++) printf "{\"n\":%d,\"sensor\":\"s-17\",\"pad\":\"%s\"}\n", i, pad}' |
    "${bin[$1]}/mountd/pdfs" write range --url "http://127.0.0.1:$port" > /dev/null
  stop
}

measure() {  # measure FIGURE SIDE -> one value
  local fig=$1 side=$2
  if [ "$fig" -lt 8 ]; then
    # CSV: name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,...
    "${bin[$side]}/tests/bench/bench_engine" --benchmark_filter="^${engine_names[$fig]}/" \
      --benchmark_format=csv --benchmark_min_time=0.5 2>/dev/null |
      awk -F, -v n="\"${engine_names[$fig]}/real_time\"" -v cpu="${engine_cpu[$fig]}" \
        -v items="${engine_items[$fig]}" '$1 == n {print cpu ? items * 1e9 / $4 : $7}'
    return
  fi
  if [ "$fig" -eq 10 ]; then
    serve "$side" "$work/range-$side"
    local speeds=()
    for _ in 1 2 3 4 5; do
      speeds+=("$(curl -sf -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$port/stream/range/0-")")
    done
    stop
    printf '%s\n' "${speeds[@]}" | median | awk '{print $1 / 1e6}'
    return
  fi
  rm -rf "$work/data"
  serve "$side" "$work/data"
  if [ "$fig" -eq 8 ]; then
    wrk_rate 8 "$here/post_one.lua"
  else
    wrk_rate 4 "$here/post_batch.lua" | awk '{print $1 * 1000}'
  fi
  stop
}

# Each figure is measured in pairs, base and this tree back to back (the order
# alternating), so that the ratio of a pair sees the same machine; the table
# gives the median of each side and the median of the pair ratios.
declare -A values ratios
load_range base
load_range head
for fig in "${!figures[@]}"; do
  log "== ${figures[$fig]}"
  for p in $(seq "$runs"); do
    order=(base head); [ $((p % 2)) = 0 ] && order=(head base)
    declare -A got=()
    for side in "${order[@]}"; do got[$side]=$(measure "$fig" "$side"); done
    values["base $fig"]+="${got[base]} "
    values["head $fig"]+="${got[head]} "
    ratios[$fig]+="$(awk -v a="${got[head]}" -v b="${got[base]}" 'BEGIN {print a / b}') "
  done
done

# Instructions per operation (deterministic: one run per side).
instr_figures=(
  "instructions per 1-document append, sync off|append 5000"
  "instructions per 1000-document append, sync off|batch 200"
  "instructions per range read of 100k docs|range 20"
)
declare -A instr
if [ $callgrind = 1 ]; then
  for f in "${instr_figures[@]}"; do
    read -r mode n <<< "${f#*|}"
    log "== instructions: $mode"
    for side in base head; do
      instr["$side $mode"]=$(valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file="$work/callgrind.out" "${bin[$side]}/tests/bench/bench_instructions" \
        "$mode" "$n" "$work/instr" 2>&1 | awk -v n="$n" '/Collected/ {print $NF / n}')
    done
  done
fi

# --- the table ------------------------------------------------------------------------
fmt() { awk -v v="$1" 'BEGIN {if (v >= 100) printf "%.0f", v; else printf "%.2f", v}'; }
echo "A/B on $(date -u +%Y-%m-%d): base $base_rev ($(git -C "$repo" rev-parse --short "$base_rev")), this tree"
echo "at $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo '+changes'); $runs pairs per figure, each pair back to back."
echo
echo "| figure | base | this | this / base (median of pairs) | pair ratios, min–max |"
echo "|---|---|---|---|---|"
for i in "${!figures[@]}"; do
  # shellcheck disable=SC2086 # space-separated numbers
  b=$(printf '%s\n' ${values["base $i"]} | median)
  # shellcheck disable=SC2086
  h=$(printf '%s\n' ${values["head $i"]} | median)
  # shellcheck disable=SC2086
  r=$(printf '%s\n' ${ratios[$i]} | median)
  # shellcheck disable=SC2086
  spread=$(printf '%s\n' ${ratios[$i]} | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f–%.2f", lo, hi}')
  echo "| ${figures[$i]} | $(fmt "$b") | $(fmt "$h") | $(awk -v v="$r" 'BEGIN {printf "%.3f", v}') | $spread |"
done
if [ $callgrind = 1 ]; then
  for f in "${instr_figures[@]}"; do
    read -r mode n <<< "${f#*|}"
    b=${instr["base $mode"]}; h=${instr["head $mode"]}
    echo "| ${f%%|*} | $(fmt "$b") | $(fmt "$h") | $(awk -v a="$h" -v b="$b" 'BEGIN {printf "%.3f", a / b}') | (deterministic, one run) |"
  done
fi
