#!/bin/bash
# fs_read_bench.sh: time to read every document of a 20k-document topic
# through the mount, cold and warm, next to the same documents stored as
# ordinary files on the local filesystem, in the same run. On demand only
# (not in CTest): it drops the kernel's caches, which slows everything else
# on the machine for a moment.
#
# usage: tests/bench/fs_read_bench.sh [PDFS_BINARY] [DOCS] [RUNS] [DOC_BYTES]
#   PDFS_BINARY  default build-fs/mountd/pdfs next to this tree
#   DOCS         documents in the topic, default 20000
#   RUNS         runs per measurement; the median is reported, default 5
#   DOC_BYTES    approximate size of each document, default 256
# Needs root for /proc/sys/vm/drop_caches (cold runs); without it, cold
# mount runs still use a fresh mount (empty kernel and RocksDB caches) but
# the data files may sit in the page cache.
#
# "Read every document" is: find DIR -name '*.json' -print0 | xargs -0 cat
# (readdir, then open/read/close of each file), output to /dev/null.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
pdfs=${1:-$here/build-fs/mountd/pdfs}
docs=${2:-20000}
runs=${3:-5}
doc_bytes=${4:-256}
work=$(mktemp -d "${TMPDIR:-/tmp}/pdfs-bench-XXXXXX")
mnt=$work/mnt
data=$work/data
plain=$work/plain
mkdir -p "$mnt" "$plain/t"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
  if mountpoint -q "$mnt"; then fusermount3 -u "$mnt" || fusermount3 -u -z "$mnt"; fi
  if [ -n "${daemon:-}" ]; then wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

can_drop=0
if [ -w /proc/sys/vm/drop_caches ]; then can_drop=1; fi
drop_caches() {
  sync
  if [ $can_drop = 1 ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}

start_mount() {
  "$pdfs" mount "$mnt" --data "$data" --listen "127.0.0.1:$port" -f > "$work/mount.log" 2>&1 &
  daemon=$!
  for _ in $(seq 1 300); do
    if grep -q "mounted at" "$work/mount.log" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "pdfs mount did not start:" >&2
  cat "$work/mount.log" >&2
  exit 1
}
stop_mount() {
  fusermount3 -u "$mnt"
  wait "$daemon" || true
  daemon=
}

# The documents: {"n":I,"pad":"xxx..."}, appended over HTTP in batches of
# 1000 (so they are byte-identical to what the plain copies hold).
echo "generating $docs documents of about $doc_bytes bytes..." >&2
python3 - "$docs" "$doc_bytes" "$work/docs.jsonl" <<'PY'
import sys
n, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(out, "w") as f:
    for i in range(n):
        head = '{"n":%d,"pad":"' % i
        f.write(head + "x" * max(0, size - len(head) - 2) + '"}\n')
PY
start_mount
split -l 1000 "$work/docs.jsonl" "$work/chunk."
for chunk in "$work"/chunk.*; do
  python3 - "$chunk" <<'PY' | curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
      --data-binary @- "http://127.0.0.1:$port/stream/t"
import sys
print("[" + ",".join(l.rstrip("\n") for l in open(sys.argv[1])) + "]")
PY
done
python3 - "$work/docs.jsonl" "$plain/t" <<'PY'
import sys
for i, line in enumerate(open(sys.argv[1])):
    with open("%s/%06d.json" % (sys.argv[2], i), "w") as f:
        f.write(line.rstrip("\n"))
PY
count=$(ls -f "$mnt/t" | grep -c json)
[ "$count" = "$docs" ] || { echo "the mount lists $count documents, not $docs" >&2; exit 1; }
cmp <(cd "$mnt/t" && cat $(ls | head -100)) <(cd "$plain/t" && cat $(ls | head -100)) \
  || { echo "mount and plain copies differ" >&2; exit 1; }

read_all() {  # prints seconds
  local dir=$1 start end
  start=$(date +%s.%N)
  find "$dir" -name '*.json' -print0 | xargs -0 cat > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

declare -a mount_cold mount_warm plain_cold plain_warm
for r in $(seq 1 "$runs"); do
  # Mount, cold: a fresh daemon (empty RocksDB block cache, no kernel
  # entries, attributes or pages) after dropping the page cache.
  stop_mount
  drop_caches
  start_mount
  mount_cold+=("$(read_all "$mnt/t")")
  mount_warm+=("$(read_all "$mnt/t")")
  drop_caches
  plain_cold+=("$(read_all "$plain/t")")
  plain_warm+=("$(read_all "$plain/t")")
  echo "run $r: mount cold ${mount_cold[-1]} s, warm ${mount_warm[-1]} s; plain cold ${plain_cold[-1]} s, warm ${plain_warm[-1]} s" >&2
done

fs_type=$(df -T "$plain" | awk 'NR==2 {print $2}')
mc=$(printf '%s\n' "${mount_cold[@]}" | median)
mw=$(printf '%s\n' "${mount_warm[@]}" | median)
pc=$(printf '%s\n' "${plain_cold[@]}" | median)
pw=$(printf '%s\n' "${plain_warm[@]}" | median)
echo
echo "Reading all $docs documents (~$doc_bytes B each), median of $runs runs"
[ $can_drop = 1 ] || echo "(no permission to drop caches: plain cold runs are not cold)"
printf '%-28s %10s %10s %12s\n' "" "cold (s)" "warm (s)" "warm docs/s"
printf '%-28s %10s %10s %12.0f\n' "pdfs mount (FUSE)" "$mc" "$mw" "$(echo "$docs / $mw" | bc -l)"
printf '%-28s %10s %10s %12.0f\n' "plain files ($fs_type)" "$pc" "$pw" "$(echo "$docs / $pw" | bc -l)"
printf 'mount / plain: cold %.1fx, warm %.1fx\n' "$(echo "$mc / $pc" | bc -l)" "$(echo "$mw / $pw" | bc -l)"
