#!/usr/bin/env bash
# Quick HTTP figures for docs/PERFORMANCE.md: single-document append rate
# over keep-alive at 1, 8 and 32 connections (wrk), and the range read rate
# of 100k documents of ~200 bytes (curl), medians of RUNS runs.
# Usage: tests/bench/quick_http.sh [BUILD_DIR]   (needs wrk and curl)
set -euo pipefail
build=${1:-build}
pdfs=$(realpath "$build/mountd/pdfs")
runs=${RUNS:-3}
dur=${DURATION:-5s}
port=${PORT:-9191}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
here=$(dirname "$(realpath "$0")")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

start() {  # start [extra pdfs args]
  rm -rf "$work/data"
  "$pdfs" serve --data "$work/data" --listen 127.0.0.1:$port "$@" > "$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/health > /dev/null && return; sleep 0.1; done
  echo "pdfs did not start" >&2; cat "$work/log" >&2; exit 1
}
stop() { kill $pid; wait $pid || true; }

echo "machine: $(nproc) cores, $(uname -r), pdfs $("$pdfs" --version)"
for sync in on off; do
  extra=(); [ $sync = off ] && extra=(--no-sync)
  for c in 1 8 32; do
    rates=(); p99s=()
    for _ in $(seq $runs); do
      start "${extra[@]}"
      out=$(wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d$dur --latency -s "$here/post_one.lua" http://127.0.0.1:$port)
      stop
      rates+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
      p99s+=("$(echo "$out" | awk '$1 == "99%" {print $2}')")
    done
    printf 'append sync=%-3s conns=%-2s  req/s median %8s   p99 median %s\n' $sync $c \
      "$(printf '%s\n' "${rates[@]}" | median)" "$(printf '%s\n' "${p99s[@]}" | sort -V | median)"
  done
done

# Range read: 100k documents of ~200 bytes, appended in batches of 1000.
start
doc=$(printf '{"n":%%d,"pad":"%s"}' "$(head -c 170 /dev/zero | tr '\0' x)")
for b in $(seq 0 99); do
  seq $((b * 1000)) $((b * 1000 + 999)) | awk -v d="$doc" 'BEGIN{printf "["} {if (NR>1) printf ","; printf d, $1} END{printf "]"}' \
    > "$work/batch.json"
  curl -sf -X POST --data-binary @"$work/batch.json" -H 'Content-Type: application/json' \
    http://127.0.0.1:$port/stream/range > /dev/null
done
size=$(curl -sf http://127.0.0.1:$port/stream/range | sed 's/.*"size":\([0-9]*\).*/\1/')
speeds=()
for _ in $(seq $((runs + 2))); do
  speeds+=("$(curl -sf -o /dev/null -w '%{speed_download}' http://127.0.0.1:$port/stream/range/0-)")
done
stop
mbps=$(printf '%s\n' "${speeds[@]}" | median | awk '{printf "%.0f", $1 / 1e6}')
echo "range read of 100000 documents ($size bytes): median ${mbps} MB/s"
