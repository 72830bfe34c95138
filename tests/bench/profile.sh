#!/usr/bin/env bash
# The profiles behind "What limits each figure" in docs/PERFORMANCE.md. Run
# after tests/bench/run.sh (it uses the Release tree that run.sh builds in
# build-bench/). As root: it mounts.
#
#   tests/bench/profile.sh [--seconds N]
#
# 0. the disk: how many synchronous small writes per second it takes;
# 1. single-document append, 32 connections, sync on: CPU time and context
#    switches per request in pdfs and in the no-storage server (/proc);
# 2. batch append: where pdfs spends its CPU (perf record, flat profile), and
#    its rate with sync on and off beside Redis RPUSH;
# 3. reading small files warm through FUSE: requests the daemon receives per
#    file read, for pdfs and for bindfs (strace counts each request as one
#    read(2) of /dev/fuse).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/tests/bench
build=${BENCH_BUILD_DIR:-$repo/build-bench}
secs=5
[ "${1:-}" = --seconds ] && secs=$2
[ "$(id -u)" -eq 0 ] || { echo "profile.sh: needs root (it mounts)" >&2; exit 1; }
for t in perf strace wrk bindfs redis-server; do
  command -v "$t" > /dev/null || { echo "profile.sh: needs $t (apt-get install linux-perf strace wrk bindfs)" >&2; exit 1; }
done
[ -x "$build/mountd/pdfs" ] || { echo "profile.sh: run tests/bench/run.sh first (no $build/mountd/pdfs)" >&2; exit 1; }
pdfs=$build/mountd/pdfs
port=19190
work=$(mktemp -d /tmp/pdfs-profile.XXXXXX)
pids=()
cleanup() {
  for m in "$work/mnt" "$work/bindfs"; do mountpoint -q "$m" 2>/dev/null && umount -l "$m"; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
wait_http() { for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port$1" > /dev/null && return 0; sleep 0.05; done; return 1; }
# CPU time (ms) and context switches of every thread of PID, from /proc
# (perf stat -p misses threads a pool starts later; pool threads never exit).
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
# The process PID while wrk runs CONNS connections with SCRIPT: prints
# "requests cpu_ms context_switches" over the middle $secs seconds.
stat_under_load() {  # stat_under_load PID CONNS SCRIPT
  wrk -t2 -c"$2" -d"$((secs + 1))s" -s "$3" "http://127.0.0.1:$port" > "$work/wrk.out" &
  local w=$! c0 s0 c1 s1
  sleep 0.5
  c0=$(cpu_ms "$1"); s0=$(switches "$1")
  sleep "$secs"
  c1=$(cpu_ms "$1"); s1=$(switches "$1")
  wait "$w"
  # Requests during the window: wrk's total scaled to the window.
  awk -v c="$c1" -v c0="$c0" -v s="$s1" -v s0="$s0" -v w="$secs" \
    '/requests in/ {print $1 * w / (w + 1), c - c0, s - s0}' "$work/wrk.out"
}

echo "== 0. the disk under the data directory: synchronous 200-byte writes (O_DSYNC), one at a time"
dd if=/dev/zero of="$work/dsync" bs=200 count=3000 oflag=dsync 2>&1 |
  awk '/copied/ {for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) t = $(i - 1); printf "%.0f synchronous writes/s, %.2f ms each\n", 3000 / t, t / 3 }'
rm -f "$work/dsync"

echo
echo "== 1. single-document append, 32 connections, sync on (per request)"
"$pdfs" serve --data "$work/data" --listen "127.0.0.1:$port" > "$work/pdfs.log" 2>&1 &
pid=$!; pids+=("$pid"); wait_http /health
read -r reqs cpu cs <<< "$(stat_under_load "$pid" 32 "$here/post_one.lua")"
kill "$pid"; wait "$pid" 2>/dev/null || true
mkdir -p "$work/static"
printf '{"n":0}' > "$work/doc.json"
"$build/tests/bench/bench_baseline_server" "$port" "$work/static" "$work/doc.json" > "$work/base.log" 2>&1 &
bpid=$!; pids+=("$bpid"); sleep 0.5
read -r breqs bcpu bcs <<< "$(stat_under_load "$bpid" 32 "$here/post_one.lua")"
kill "$bpid"; wait "$bpid" 2>/dev/null || true
awk -v r="$reqs" -v c="$cpu" -v s="$cs" -v br="$breqs" -v bc="$bcpu" -v bs="$bcs" -v w="$secs" 'BEGIN {
  printf "%-22s %12s %14s %18s\n", "", "requests/s", "CPU us/request", "switches/request"
  printf "%-22s %12.0f %14.1f %18.2f\n", "pdfs (sync on)", r / w, c * 1000 / r, s / r
  printf "%-22s %12.0f %14.1f %18.2f\n", "no-storage server", br / w, bc * 1000 / br, bs / br
}'

echo
echo "== 2. batch append (1000 documents per request, 4 connections): pdfs CPU profile"
rm -rf "$work/data"
"$pdfs" serve --data "$work/data" --listen "127.0.0.1:$port" > "$work/pdfs.log" 2>&1 &
pid=$!; pids+=("$pid"); wait_http /health
wrk -t2 -c4 -d"$((secs + 1))s" -s "$here/post_batch.lua" "http://127.0.0.1:$port" > /dev/null &
w=$!
sleep 0.5
perf record -F 499 -p "$pid" -o "$work/perf.data" -- sleep "$secs" 2> /dev/null
wait "$w"
kill "$pid"; wait "$pid" 2>/dev/null || true
perf report -i "$work/perf.data" --stdio --no-children --sort dso,sym --percent-limit 2 2> /dev/null |
  grep -E '^ +[0-9]' | head -20

echo
echo "== 2b. batch append: sync on, sync off and Redis RPUSH, alternating (median of 3)"
redis-server --port $((port + 1)) --save '' --appendonly no --daemonize no > "$work/redis.log" 2>&1 &
rpid=$!; pids+=("$rpid")
for _ in $(seq 100); do redis-cli -p $((port + 1)) ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
on=(); off=(); red=()
batch_rate() {  # batch_rate [pdfs serve args]: documents/s of HTTP batch append
  rm -rf "$work/data"
  "$pdfs" serve --data "$work/data" --listen "127.0.0.1:$port" "$@" > "$work/pdfs.log" 2>&1 &
  local p=$!; wait_http /health
  wrk -t2 -c4 -d"${secs}s" -s "$here/post_batch.lua" "http://127.0.0.1:$port" |
    awk '/Requests\/sec/ {print $2 * 1000}'
  kill "$p"; wait "$p" 2>/dev/null || true
}
for _ in 1 2 3; do
  on+=("$(batch_rate)")
  off+=("$(batch_rate --no-sync)")
  redis-cli -p $((port + 1)) del bench > /dev/null
  red+=("$("$build/tests/bench/bench_redis" $((port + 1)) bench rpush 1000000 1000 4 | awk '{print $1}')")
done
kill "$rpid"; wait "$rpid" 2>/dev/null || true
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
awk -v on="$(med "${on[@]}")" -v off="$(med "${off[@]}")" -v r="$(med "${red[@]}")" 'BEGIN {
  printf "pdfs sync on:  %9.0f documents/s  %.2f of Redis\n", on, on / r
  printf "pdfs sync off: %9.0f documents/s  %.2f of Redis\n", off, off / r
  printf "Redis RPUSH:   %9.0f documents/s\n", r
}'

echo
echo "== 3. FUSE requests per small file read, warm cache"
n=2000
rm -rf "$work/data"; mkdir -p "$work/mnt" "$work/plain/t" "$work/bindfs"
"$pdfs" mount "$work/mnt" -f --data "$work/data" --listen "127.0.0.1:$port" > "$work/pdfs.log" 2>&1 &
pid=$!; pids+=("$pid"); wait_http /health
awk -v n=$n 'BEGIN {for (i = 0; i < n; i++) printf "{\"n\":%d,\"pad\":\"xxxxxxxxxxxxxxxxxxxx\"}\n", i}' |
  "$pdfs" write fs --url "http://127.0.0.1:$port" > /dev/null
for i in $(seq 0 $((n - 1))); do printf '{"n":%d}' "$i" > "$work/plain/t/$(printf %06d "$i").json"; done
bindfs "$work/plain" "$work/bindfs"
count_requests() {  # count_requests DAEMON_PID DIR: read(2) calls of the daemon while DIR is read warm
  find "$2" -name '*.json' -print0 | xargs -0 cat > /dev/null   # warm the caches
  strace -f -c -e trace=read -p "$1" -o "$work/strace.out" 2> /dev/null & local s=$!
  sleep 1
  find "$2" -name '*.json' -print0 | xargs -0 cat > /dev/null
  sleep 0.5
  kill -INT "$s"; wait "$s" 2>/dev/null || true
  awk '$NF == "read" {print $4}' "$work/strace.out"
}
# pdfs counts its own requests (the root's user.pdfs.fuse_requests); strace's
# read(2) calls also count a worker's reads that return no request.
pdfs_requests() { getfattr --absolute-names --only-values -n user.pdfs.fuse_requests "$work/mnt" | awk '{t += $2} END {print t}'; }
find "$work/mnt/fs" -name '*.json' -print0 | xargs -0 cat > /dev/null   # warm the caches
p_before=$(pdfs_requests)
find "$work/mnt/fs" -name '*.json' -print0 | xargs -0 cat > /dev/null
sleep 0.5   # RELEASE comes in the background
p_reads=$(( $(pdfs_requests) - p_before - 1 ))   # less the getxattr that read the count
b_reads=$(count_requests "$(pgrep -n -x bindfs)" "$work/bindfs/t")
awk -v p="$p_reads" -v b="$b_reads" -v n=$n 'BEGIN {
  printf "pdfs:   %d requests for %d files: %.1f per file (its own counter)\n", p, n, p / n
  printf "bindfs: %d requests for %d files: %.1f per file (read(2) calls on /dev/fuse)\n", b, n, b / n
}'
umount "$work/bindfs"
fusermount3 -u "$work/mnt"; wait "$pid" 2>/dev/null || true
