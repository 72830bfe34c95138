#!/usr/bin/env bash
# The benchmark driver (issue 5). One command builds what it needs, generates
# its data, measures every figure side by side with its baseline in the same
# run (medians of several runs, and their ratio), prints a table and writes
# docs/PERFORMANCE.md.
#
# usage: tests/bench/run.sh [--smoke] [--runs N] [--out FILE] [--only hub]
#   --smoke   tiny sizes and one short run each: checks that the driver works
#             (CI runs this), writes to a temporary file unless --out is given
#   --runs N  runs per figure (median reported); default 5 (wrk figures: 3)
#   --out F   where to write the report; default docs/PERFORMANCE.md
#   --only hub  measure figure 10 (the Hub face) alone; the report goes to a
#             temporary file unless --out is given
# Needs root (it mounts, and drops the page cache for cold reads), and the
# packages installed by scripts/install-deps.sh plus wrk, redis-server,
# bindfs, libbenchmark-dev (installed here if missing).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/tests/bench
cd "$repo"

smoke=0
runs=5
out=""
only=""
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --runs) runs=$2; shift ;;
    --out) out=$2; shift ;;
    --only) only=$2; shift; [ "$only" = hub ] || { echo "run.sh: --only takes hub" >&2; exit 2; } ;;
    *) echo "usage: tests/bench/run.sh [--smoke] [--runs N] [--out FILE] [--only hub]" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (mounts, drop_caches)" >&2; exit 1; }

if [ $smoke = 1 ]; then
  runs=1; wrk_runs=1; dur=1s
  range_docs=2000; fs_docs=2000; big_docs=20000; append_docs=5000; redis_docs=20000
else
  wrk_runs=$(( runs < 3 ? runs : 3 )); dur=${BENCH_DURATION:-5s}
  range_docs=1000000; fs_docs=100000; big_docs=1000000; append_docs=100000; redis_docs=1000000
fi

# --- setup --------------------------------------------------------------------
scripts/install-deps.sh
need=()
for p in wrk redis-server bindfs libbenchmark-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" > /dev/null
fi
build=${BENCH_BUILD_DIR:-$repo/build-bench}
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPDFS_BUILD_TESTS=OFF -DPDFS_BUILD_BENCH=ON > /dev/null
cmake --build "$build" -j"$(nproc)" > "$build/bench-build.log" 2>&1 || { tail -30 "$build/bench-build.log"; exit 1; }
pdfs=$build/mountd/pdfs
tools=$build/tests/bench

work=$(mktemp -d /tmp/pdfs-bench.XXXXXX)
[ -n "$out" ] || out=$([ $smoke = 1 ] || [ -n "$only" ] && echo "$work/PERFORMANCE.md" || echo "$repo/docs/PERFORMANCE.md")
pdfs_port=${BENCH_PDFS_PORT:-19180}
base_port=${BENCH_BASE_PORT:-19181}
redis_port=${BENCH_REDIS_PORT:-19182}
pids=()
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do mountpoint -q "$m" 2>/dev/null && { fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; }; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

log() { printf '%s\n' "$*" >&2; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
fmt() { awk -v v="$1" 'BEGIN {if (v >= 100) printf "%.0f", v; else printf "%.2f", v}'; }
wait_http() {  # wait_http PORT PATH
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$1$2" > /dev/null && return 0; sleep 0.05; done
  log "nothing answers on port $1"; return 1
}

# pdfs serve (or mount) on a fresh data directory.
start_pdfs() {  # start_pdfs [extra args]; sets pdfs_pid
  rm -rf "$work/data"
  "$pdfs" serve --data "$work/data" --listen "127.0.0.1:$pdfs_port" "$@" > "$work/pdfs.log" 2>&1 &
  pdfs_pid=$!; pids+=("$pdfs_pid")
  wait_http "$pdfs_port" /health
}
start_mounted() {  # start_mounted MOUNTPOINT [keep]: pdfs mount with HTTP; "keep" keeps the data
  mkdir -p "$1"; mounts+=("$1")
  [ "${2:-}" = keep ] || rm -rf "$work/data"
  "$pdfs" mount "$1" -f --data "$work/data" --listen "127.0.0.1:$pdfs_port" > "$work/pdfs.log" 2>&1 &
  pdfs_pid=$!; pids+=("$pdfs_pid")
  for _ in $(seq 300); do grep -q "mounted at" "$work/pdfs.log" && break; sleep 0.05; done
  wait_http "$pdfs_port" /health
}
stop_pdfs() { kill "$pdfs_pid"; wait "$pdfs_pid" 2>/dev/null || true; }

doc_file=$work/doc.json
printf '{"n":0,"sensor":"s-17","pad":"%s"}' "$(head -c 150 /dev/zero | tr '\0' x)" > "$doc_file"
# JSON Lines of N documents like the others (~190 bytes each).
gen_docs() { awk -v n="$1" -v pad="$(head -c 150 /dev/zero | tr '\0' x)" \
  'BEGIN {for (i = 0; i < n; i++) printf "{\"n\":%d,\"sensor\":\"s-17\",\"pad\":\"%s\"}\n", i, pad}'; }
load_topic() {  # load_topic TOPIC N: N documents through the CLI (batches of 1000)
  gen_docs "$2" | "$pdfs" write "$1" --url "http://127.0.0.1:$pdfs_port" > /dev/null
}

start_baseline() {
  mkdir -p "$work/static"
  "$tools/bench_baseline_server" "$base_port" "$work/static" "$doc_file" > "$work/base.log" 2>&1 &
  base_pid=$!; pids+=("$base_pid")
  for _ in $(seq 100); do grep -q listening "$work/base.log" && return 0; sleep 0.05; done
  log "baseline server did not start"; cat "$work/base.log" >&2; return 1
}
stop_baseline() { kill "$base_pid"; wait "$base_pid" 2>/dev/null || true; }

# wrk_once PORT CONNS SCRIPT -> "req/s p99_ms" of one run.
wrk_once() {
  local o threads=$(( $2 < 2 ? 1 : 2 ))
  o=$(wrk -t"$threads" -c"$2" -d"$dur" --latency -s "$3" "http://127.0.0.1:$1")
  # A figure measured on error answers measures nothing: the run fails
  # (callers assign the result, so set -e sees the failure).
  if echo "$o" | grep -q "Non-2xx"; then
    log "wrk saw error answers on port $1 with $3: $(echo "$o" | grep Non-2xx)"
    return 1
  fi
  echo "$(echo "$o" | awk '/Requests\/sec/ {print $2}') $(echo "$o" | awk '$1 == "99%" {v = $2; u = v;
    sub(/[0-9.]+/, "", u); sub(/[a-z]+/, "", v); print (u == "us" ? v / 1000 : (u == "s" ? v * 1000 : v))}')"
}
# Side by side: pdfs and its baseline run alternately, one run each per round, so
# that a noisy minute on this shared machine hits both. Each round appends to the
# arrays p1 p2 b1 b2 (first and second field of each run's output).
p1=(); p2=(); b1=(); b2=()
record() {  # record p|b "FIELD1 FIELD2"
  local f1 f2; read -r f1 f2 <<< "$2"
  if [ "$1" = p ]; then p1+=("$f1"); p2+=("${f2:-0}"); else b1+=("$f1"); b2+=("${f2:-0}"); fi
}
reset_rounds() { p1=(); p2=(); b1=(); b2=(); }
med() { printf '%s\n' "$@" | median; }

# RSS sampler: peak VmRSS of PID (kB) while it runs, into FILE.
sample_rss() {  # sample_rss PID FILE &
  local peak=0 v
  while kill -0 "$1" 2>/dev/null; do
    v=$(awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    [ "${v:-0}" -gt "$peak" ] && { peak=$v; echo "$peak" > "$2"; }
    sleep 0.01
  done
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
time_cmd() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f", e - s}'; }
read_all() { find "$1" -name '*.json' -print0 | xargs -0 cat > /dev/null; }

# face_vs_stream FACE CONNS SCRIPT: the script's requests through FACE
# (katar or hub; a Hub channel is made first) (p) and as /stream appends
# (b), each on a fresh server.
face_vs_stream() {
  reset_rounds
  for _ in $(seq "$wrk_runs"); do
    start_pdfs
    if [ "$1" = hub ]; then curl -sf -X PUT "http://127.0.0.1:$pdfs_port/channel/bench" > /dev/null; fi
    record p "$(BENCH_FACE=$1 wrk_once "$pdfs_port" "$2" "$here/$3")"
    stop_pdfs
    start_pdfs
    record b "$(wrk_once "$pdfs_port" "$2" "$here/$3")"
    stop_pdfs
  done
  p_rate=$(med "${p1[@]}"); b_rate=$(med "${b1[@]}")
}
rows=()   # markdown table rows: | figure | pdfs | baseline | ratio | target |
row() { rows+=("| $1 | $2 | $3 | $4 | $5 |"); printf '%-58s %14s %14s %7s  %s\n' "$1" "$2" "$3" "$4" "$5"; }
printf '%-58s %14s %14s %7s  %s\n' "figure" "pdfs" "baseline" "ratio" "target"

if [ -z "$only" ]; then
# --- 1. single-document append ----------------------------------------------------
log "== 1. single-document append (wrk, keep-alive)"
start_baseline
for sync in on off; do
  for c in 1 8 32; do
    extra=(); [ $sync = off ] && extra=(--no-sync)
    reset_rounds
    for _ in $(seq "$wrk_runs"); do
      start_pdfs "${extra[@]}"
      r=$(wrk_once "$pdfs_port" "$c" "$here/post_one.lua")
      record p "$r"
      stop_pdfs
      r=$(wrk_once "$base_port" "$c" "$here/post_one.lua")
      record b "$r"
    done
    target=""; [ $sync = on ] && [ $c = 32 ] && target="≥ 0.50 of no-storage"
    p_rate=$(med "${p1[@]}"); b_rate=$(med "${b1[@]}"); p_p99=$(med "${p2[@]}"); b_p99=$(med "${b2[@]}")
    row "1. append 1 doc, sync $sync, $c conn: req/s" "$(fmt "$p_rate")" "$(fmt "$b_rate")" "$(ratio "$p_rate" "$b_rate")" "$target"
    row "1. append 1 doc, sync $sync, $c conn: p99 ms" "$(fmt "$p_p99")" "$(fmt "$b_p99")" "$(ratio "$p_p99" "$b_p99")" ""
  done
done

# --- 2. batch append vs the engine in process ---------------------------------------
log "== 2. batch append (1000 documents per request) vs the engine"
# Redis 7 (figure 8) runs beside it: RPUSH of the same documents in pipelined
# batches of 1000 over 4 connections, alternating with the pdfs runs.
redis-server --port "$redis_port" --save '' --appendonly no --daemonize no > "$work/redis.log" 2>&1 &
redis_pid=$!; pids+=("$redis_pid")
for _ in $(seq 100); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
reset_rounds
for _ in $(seq "$wrk_runs"); do
  start_pdfs
  r=$(wrk_once "$pdfs_port" 4 "$here/post_batch.lua")
  record p "$r"
  stop_pdfs
  redis-cli -p "$redis_port" del bench > /dev/null
  record b "$("$tools/bench_redis" "$redis_port" bench rpush "$redis_docs" 1000 4)"
done
batch_rate=$(med "${p1[@]}")
redis_docs_s=$(med "${b1[@]}"); redis_mbs=$(med "${b2[@]}")
batch_docs=$(awk -v r="$batch_rate" 'BEGIN {print r * 1000}')
doc_bytes=$(wc -c < "$doc_file")
engine_csv=$("$tools/bench_engine" --benchmark_format=csv --benchmark_repetitions="$(( runs < 3 ? 3 : runs ))" \
  --benchmark_report_aggregates_only=true --benchmark_min_time=$([ $smoke = 1 ] && echo 0.05 || echo 0.5) 2>/dev/null)
engine_docs=$(echo "$engine_csv" | awk -F, '/BM_EngineAppend\/1000\/1\/real_time_median/ {print $7}')
engine_docs_nosync=$(echo "$engine_csv" | awk -F, '/BM_EngineAppend\/1000\/0\/real_time_median/ {print $7}')
parse_docs=$(echo "$engine_csv" | awk -F, '/BM_ParseBatch\/1000_median/ {print $7}')
row "2. batch append, sync on: documents/s" "$(fmt "$batch_docs")" "$(fmt "$engine_docs")" "$(ratio "$batch_docs" "$engine_docs")" "(engine in process)"
row "2. batch append, sync on: MB/s" "$(fmt "$(awk -v d="$batch_docs" -v b="$doc_bytes" 'BEGIN {print d * b / 1e6}')")" \
  "$(fmt "$(awk -v d="$engine_docs" -v b="$doc_bytes" 'BEGIN {print d * b / 1e6}')")" "$(ratio "$batch_docs" "$engine_docs")" ""
row "2. engine append sync off / parse only: documents/s" "$(fmt "$engine_docs_nosync")" "$(fmt "$parse_docs")" "$(ratio "$engine_docs_nosync" "$parse_docs")" "(breakdown)"

# --- 3. range read vs a static file ----------------------------------------------------
log "== 3. range read of $range_docs documents vs the same bytes as a static file"
start_pdfs
load_topic range "$range_docs"
curl -sf "http://127.0.0.1:$pdfs_port/stream/range/0-" > "$work/static/range.json"
range_bytes=$(wc -c < "$work/static/range.json")
p_speeds=(); b_speeds=()
for _ in $(seq "$runs"); do
  p_speeds+=("$(curl -sf -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$pdfs_port/stream/range/0-")")
  b_speeds+=("$(curl -sf -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$base_port/static/range.json")")
done
p_mbs=$(printf '%s\n' "${p_speeds[@]}" | median | awk '{print $1 / 1e6}')
b_mbs=$(printf '%s\n' "${b_speeds[@]}" | median | awk '{print $1 / 1e6}')
row "3. range read of $range_docs docs ($((range_bytes / 1000000)) MB): MB/s" "$(fmt "$p_mbs")" "$(fmt "$b_mbs")" "$(ratio "$p_mbs" "$b_mbs")" "≥ 0.50 of static file"

# --- 4. random single-document GETs -------------------------------------------------------
log "== 4. random single-document GETs"
reset_rounds
for _ in $(seq "$wrk_runs"); do
  r=$(BENCH_DOCS=$range_docs wrk_once "$pdfs_port" 32 "$here/get_random.lua")
  record p "$r"
  r=$(BENCH_DOCS=$range_docs wrk_once "$base_port" 32 "$here/get_random.lua")
  record b "$r"
done
p_get=$(med "${p1[@]}"); b_get=$(med "${b1[@]}")
row "4. random GET of 1 doc, 32 conn: req/s" "$(fmt "$p_get")" "$(fmt "$b_get")" "$(ratio "$p_get" "$b_get")" "(no-storage server)"
stop_pdfs
stop_baseline

# --- 5. reading through the mount vs ext4 and bindfs --------------------------------------
log "== 5. filesystem: read every document of a $fs_docs-document topic"
mnt=$work/mnt; plain=$work/plain/t; bmnt=$work/bindfs
mkdir -p "$plain" "$bmnt"
start_mounted "$mnt"
load_topic fs "$fs_docs"
"$pdfs" get fs 0- --url "http://127.0.0.1:$pdfs_port" |
  awk -v dir="$plain" '{f = sprintf("%s/%06d.json", dir, NR - 1); printf "%s", $0 > f; close(f)}'
stop_pdfs
# Rounds: pdfs, ext4 and bindfs once each per round; cold (page cache dropped) then warm.
declare -A cold warm
for _ in $(seq "$runs"); do
  for kind in pdfs ext4 bindfs; do
    case $kind in
      pdfs) start_mounted "$mnt" keep; dir=$mnt/fs ;;
      ext4) dir=$plain ;;
      bindfs) bindfs "$work/plain" "$bmnt"; mounts+=("$bmnt"); dir=$bmnt/t ;;
    esac
    drop_caches
    cold[$kind]+="$(time_cmd read_all "$dir") "
    warm[$kind]+="$(time_cmd read_all "$dir") "
    case $kind in
      pdfs) fusermount3 -u "$mnt"; wait "$pdfs_pid" 2>/dev/null || true ;;
      bindfs) fusermount3 -u "$bmnt" ;;
    esac
  done
done
for kind in pdfs ext4 bindfs; do
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  cold[$kind]=$(med ${cold[$kind]}); warm[$kind]=$(med ${warm[$kind]})
done
fs_fstype=$(findmnt -no FSTYPE -T "$plain")
row "5. read $fs_docs docs through the mount, cold: s" "${cold[pdfs]}" "${cold[bindfs]} (bindfs)" "$(ratio "${cold[pdfs]}" "${cold[bindfs]}")" "< 1.00 of bindfs"
row "5. … cold, native $fs_fstype: s" "${cold[pdfs]}" "${cold[ext4]} ($fs_fstype)" "$(ratio "${cold[pdfs]}" "${cold[ext4]}")" ""
row "5. read $fs_docs docs through the mount, warm: s" "${warm[pdfs]}" "${warm[ext4]} ($fs_fstype)" "$(ratio "${warm[pdfs]}" "${warm[ext4]}")" "≤ 1.50 of native"
row "5. … warm, bindfs: s" "${warm[pdfs]}" "${warm[bindfs]} (bindfs)" "$(ratio "${warm[pdfs]}" "${warm[bindfs]}")" ""

# ls -f of a big topic, with the daemon's RSS; and the same topic streamed over HTTP (figure 7).
log "== 5/7. ls -f and a streamed range of a $big_docs-document topic, with the daemon's RSS"
start_mounted "$mnt"
load_topic big "$big_docs"
stop_pdfs
start_mounted "$mnt" keep   # a fresh daemon: its RSS is not inflated by the load
sleep 1
rss_idle=$(rss_kb "$pdfs_pid")
sample_rss "$pdfs_pid" "$work/rss_ls" & sampler=$!
ls_times=()
for _ in $(seq "$runs"); do ls_times+=("$(time_cmd ls -f "$mnt/big")"); done
ls_entries=$(ls -f "$mnt/big" | wc -l)
kill "$sampler" 2>/dev/null || true
rss_ls=$(cat "$work/rss_ls" 2>/dev/null || echo "$rss_idle")
sample_rss "$pdfs_pid" "$work/rss_range" & sampler=$!
curl -sf -o /dev/null "http://127.0.0.1:$pdfs_port/stream/big/0-"
kill "$sampler" 2>/dev/null || true
rss_range=$(cat "$work/rss_range" 2>/dev/null || echo "$rss_idle")
stop_pdfs
row "5. ls -f of $big_docs docs ($((ls_entries - 2)) names): s" "$(printf '%s\n' "${ls_times[@]}" | median)" "" "" ""
row "7. daemon RSS growth listing $big_docs docs: MiB" "$(fmt "$(awk -v a="$rss_ls" -v b="$rss_idle" 'BEGIN {print (a - b) / 1024}')")" "$(fmt "$(awk -v b="$rss_idle" 'BEGIN {print b / 1024}')") idle" "" "< 64 MiB growth"
row "7. daemon RSS growth streaming $big_docs docs: MiB" "$(fmt "$(awk -v a="$rss_range" -v b="$rss_idle" 'BEGIN {print (a - b) / 1024}')")" "$(fmt "$(awk -v b="$rss_idle" 'BEGIN {print b / 1024}')") idle" "" "< 64 MiB growth"

# --- 6. appending through the mount vs HTTP batch append ---------------------------------
log "== 6. filesystem append: $append_docs documents as JSON Lines through one file"
gen_docs "$append_docs" > "$work/append.jsonl"
fs_rates=(); http_rates=()
for _ in $(seq "$runs"); do
  start_mounted "$mnt"
  mkdir "$mnt/app"
  t=$(time_cmd cp "$work/append.jsonl" "$mnt/app/new.jsonl")
  fs_rates+=("$(awk -v n="$append_docs" -v t="$t" 'BEGIN {print n / t}')")
  t=$(time_cmd "$pdfs" write app2 --url "http://127.0.0.1:$pdfs_port" < "$work/append.jsonl")
  http_rates+=("$(awk -v n="$append_docs" -v t="$t" 'BEGIN {print n / t}')")
  fusermount3 -u "$mnt"; wait "$pdfs_pid" 2>/dev/null || true
done
fs_append=$(printf '%s\n' "${fs_rates[@]}" | median)
http_append=$(printf '%s\n' "${http_rates[@]}" | median)
row "6. append $append_docs docs through the mount: docs/s" "$(fmt "$fs_append")" "$(fmt "$http_append") (HTTP batches)" "$(ratio "$fs_append" "$http_append")" ""

# --- 8. Redis 7 ----------------------------------------------------------------------------
log "== 8. Redis 7 (in memory, no persistence): LRANGE of the range topic's documents"
redis-cli -p "$redis_port" del range > /dev/null
"$tools/bench_redis" "$redis_port" range rpush "$range_docs" 1000 4 > /dev/null
redis_range=$("$tools/bench_redis" "$redis_port" range lrange "$runs")
kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true
row "8. batch append: documents/s (pdfs HTTP, sync on)" "$(fmt "$batch_docs")" "$(fmt "$redis_docs_s") (Redis)" "$(ratio "$batch_docs" "$redis_docs_s")" "≥ 0.50 of Redis RPUSH"
row "8. batch append: MB/s" "$(fmt "$(awk -v d="$batch_docs" -v b="$doc_bytes" 'BEGIN {print d * b / 1e6}')")" "$(fmt "$redis_mbs") (Redis)" "$(ratio "$batch_docs" "$redis_docs_s")" ""
row "8. range read of $range_docs docs: MB/s" "$(fmt "$p_mbs")" "$(fmt "$redis_range") (Redis LRANGE)" "$(ratio "$p_mbs" "$redis_range")" ""

# --- 9. Katar: publish and a consumer group against the stream face, same server -------
log "== 9. Katar publish and group drain vs the stream face on the same server"
face_vs_stream katar 32 post_one.lua
row "9. publish 1 message, 32 conn: req/s" "$(fmt "$p_rate")" "$(fmt "$b_rate") (POST /stream)" "$(ratio "$p_rate" "$b_rate")" "≥ 0.80 of POST /stream"
face_vs_stream katar 4 post_batch.lua
row "9. publish batches of 1000: messages/s" "$(fmt "$(awk -v r="$p_rate" 'BEGIN {print r * 1000}')")" \
  "$(fmt "$(awk -v r="$b_rate" 'BEGIN {print r * 1000}')") (batch POST /stream)" "$(ratio "$p_rate" "$b_rate")" "≥ 0.80 of batch append"
drain_docs=$([ $smoke = 1 ] && echo 20000 || echo 1000000)
start_pdfs
load_topic drain "$drain_docs"
reset_rounds
for _ in $(seq "$runs"); do
  record p "$("$tools/bench_katar_drain" "$pdfs_port" drain 1000)"
done
stop_pdfs
p_rate=$(med "${p1[@]}"); b_rate=$(med "${p2[@]}")
row "9. group drains $drain_docs messages, pulls of 1000 + commits: messages/s" "$(fmt "$p_rate")" "$(fmt "$b_rate") (range read)" "$(ratio "$p_rate" "$b_rate")" "≥ 0.50 of range read"

fi  # [ -z "$only" ]

# --- 10. Hub channels: inserts against the stream face, queries on a big channel ----
log "== 10. Hub inserts vs the stream face, and queries on 10^6 items vs 10"
face_vs_stream hub 32 post_one.lua
row "10. Hub insert 1 item, 32 conn: req/s" "$(fmt "$p_rate")" "$(fmt "$b_rate") (POST /stream)" "$(ratio "$p_rate" "$b_rate")" "≥ 0.80 of POST /stream"
face_vs_stream hub 4 post_batch.lua
row "10. Hub bulk insert of 1000: items/s" "$(fmt "$(awk -v r="$p_rate" 'BEGIN {print r * 1000}')")" \
  "$(fmt "$(awk -v r="$b_rate" 'BEGIN {print r * 1000}')") (batch POST /stream)" "$(ratio "$p_rate" "$b_rate")" "≥ 0.50 of batch append"
# Queries: the same query on a channel of big_items and on one of 10, one
# connection, alternating; the ratio is small/big throughput (1 = no cost of size).
big_items=$([ $smoke = 1 ] && echo 20000 || echo 1000000)
start_pdfs
load_topic big "$big_items"
load_topic small 10
# Keys from the middle of each channel (the last of the first half).
key_at() {  # key_at CHANNEL N: the key of the Nth item (1-based, N <= 10000)
  curl -s "http://127.0.0.1:$pdfs_port/channel/$1/earliest/$2?stable=false" |
    jq -r '._links.uris[-1]' | sed "s|.*/channel/$1/||"
}
mid_key=$(key_at big $((big_items / 2 < 10000 ? big_items / 2 : 10000)))
small_key=$(key_at small 5)
# A minute without items (its lookups, not its list, are what grows with size:
# the loaded items all fall in the same few seconds).
minute=2001/01/01/00/00
for q in "latest latest" "earliest earliest" "next/100 $mid_key/next/100 $small_key/next/100" \
         "minute $minute"; do
  read -r label big_q small_q <<< "$q"
  small_q=${small_q:-$big_q}
  reset_rounds
  for _ in $(seq "$wrk_runs"); do
    record p "$(BENCH_CHANNEL=big BENCH_QUERY=$big_q wrk_once "$pdfs_port" 1 "$here/get_hub.lua")"
    record b "$(BENCH_CHANNEL=small BENCH_QUERY=$small_q wrk_once "$pdfs_port" 1 "$here/get_hub.lua")"
  done
  p_rate=$(med "${p1[@]}"); b_rate=$(med "${b1[@]}")
  row "10. Hub $label on $big_items items: req/s (1 conn)" "$(fmt "$p_rate")" "$(fmt "$b_rate") (10 items)" "$(ratio "$p_rate" "$b_rate")" "≥ 0.50 of the 10-item channel"
done
stop_pdfs

# --- 10. Large items: a 40 MiB item against the same bytes as a static file ------------
# Write: POST of the item to a channel vs POST of the same body to the
# baseline server (which reads it and stores nothing); read: GET of the
# item vs GET of the file from the baseline's static directory. Then the
# rate of small inserts into another channel, alone and while large items
# are written without pause (the target: large items do not starve small).
large_mib=$([ $smoke = 1 ] && echo 1 || echo 40)
log "== 10. a $large_mib MiB item vs a static file, and small inserts beside large ones"
mkdir -p "$work/static"
head -c $((large_mib << 20)) /dev/urandom > "$work/static/large.bin"
start_baseline
start_pdfs
curl -sf -X PUT "http://127.0.0.1:$pdfs_port/channel/large" > /dev/null
curl -sf -X PUT "http://127.0.0.1:$pdfs_port/channel/bench" > /dev/null
post_large() {  # post_large URL: upload speed in bytes/s
  curl -sf -o /dev/null -w '%{speed_upload}' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$work/static/large.bin" "$1"
}
pw=(); bw=(); pr=(); br=()
for _ in $(seq "$runs"); do
  pw+=("$(post_large "http://127.0.0.1:$pdfs_port/channel/large")")
  bw+=("$(post_large "http://127.0.0.1:$base_port/stream/large")")
  pr+=("$(curl -sf -L -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$pdfs_port/channel/large/latest?stable=false")")
  br+=("$(curl -sf -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$base_port/static/large.bin")")
done
mbs() { printf '%s\n' "$@" | median | awk '{print $1 / 1e6}'; }
row "10. Hub write of a $large_mib MiB item: MB/s" "$(fmt "$(mbs "${pw[@]}")")" "$(fmt "$(mbs "${bw[@]}")") (POST, no storage)" "$(ratio "$(mbs "${pw[@]}")" "$(mbs "${bw[@]}")")" "≥ 0.50 of static file"
row "10. Hub read of a $large_mib MiB item: MB/s" "$(fmt "$(mbs "${pr[@]}")")" "$(fmt "$(mbs "${br[@]}")") (static file)" "$(ratio "$(mbs "${pr[@]}")" "$(mbs "${br[@]}")")" "≥ 0.50 of static file"
reset_rounds
for _ in $(seq "$wrk_runs"); do
  record b "$(BENCH_FACE=hub wrk_once "$pdfs_port" 8 "$here/post_one.lua")"
  ( while :; do post_large "http://127.0.0.1:$pdfs_port/channel/large" > /dev/null || break; done ) &
  writer=$!
  record p "$(BENCH_FACE=hub wrk_once "$pdfs_port" 8 "$here/post_one.lua")"
  kill "$writer" 2> /dev/null; wait "$writer" 2> /dev/null || true
done
p_rate=$(med "${p1[@]}"); b_rate=$(med "${b1[@]}")
row "10. Hub small inserts (8 conn) while $large_mib MiB items are written: req/s" "$(fmt "$p_rate")" "$(fmt "$b_rate") (alone)" "$(ratio "$p_rate" "$b_rate")" "≥ 0.80 of alone"
stop_pdfs
stop_baseline

# --- the report ---------------------------------------------------------------------------
{
  cat <<EOF
# pdfs performance

Produced by \`tests/bench/run.sh\`$([ $smoke = 1 ] && echo " --smoke") on $(date -u +%Y-%m-%d) at commit
$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown). Every figure is measured side by side with its
baseline in the same run: the median of $runs runs ($wrk_runs for the wrk figures, each $dur), and the
ratio of the medians. This machine is shared and noisy: compare ratios, not absolute numbers
across runs.

## Machine

- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores
- Memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); kernel $(uname -r)
- Disk of the data directories: $(findmnt -no FSTYPE -T "$work") on $(findmnt -no SOURCE -T "$work") ($(df -h "$work" | awk 'NR == 2 {print $2}'))
- pdfs: $("$pdfs" --version), Release build; cpp-httplib $(dpkg-query -W -f='${Version}' libcpp-httplib-dev), RocksDB $(dpkg-query -W -f='${Version}' librocksdb-dev), Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')

## Figures

| figure | pdfs | baseline | ratio | target |
|---|---|---|---|---|
EOF
  printf '%s\n' "${rows[@]}"
  echo
  cat "$here/analysis.md"
} > "$out"
log "report written to $out"
