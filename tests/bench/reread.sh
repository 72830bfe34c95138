#!/usr/bin/env bash
# Warm re-read through the mount against native ext4 (figure 5's warm row of
# run.sh), alone and quicker, for A/B of pdfs builds: every PDFS binary given
# mounts the same data directory in turn, interleaved with the same documents
# read as plain files, ROUNDS times; prints each median and its ratio to ext4,
# and the FUSE requests per file from the daemon's own counter (the root's
# user.pdfs.fuse_requests) during one warm pass.
# Usage (root): tests/bench/reread.sh [-n DOCS] [-r ROUNDS] PDFS...
set -euo pipefail
docs=20000 rounds=5
while getopts n:r: o; do
  case $o in
    n) docs=$OPTARG ;;
    r) rounds=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n DOCS] [-r ROUNDS] PDFS..." >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "reread.sh: needs root (mounts)" >&2; exit 1; }

work=$(mktemp -d /tmp/pdfs-reread.XXXXXX)
port=$((20000 + RANDOM % 20000))
mnt=$work/mnt plain=$work/plain/t
mkdir -p "$mnt" "$plain"
pid=
cleanup() {
  mountpoint -q "$mnt" && fusermount3 -u "$mnt"
  [ -n "$pid" ] && wait "$pid" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
time_cmd() {
  local s e
  s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f", e - s}'
}
read_all() { find "$1" -name '*.json' -print0 | xargs -0 cat > /dev/null; }
requests() { getfattr --absolute-names --only-values -n user.pdfs.fuse_requests "$mnt"; }
mount_pdfs() {  # mount_pdfs BINARY
  "$1" mount "$mnt" -f --data "$work/data" --listen "127.0.0.1:$port" > "$work/pdfs.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && return 0; sleep 0.05; done
  echo "pdfs did not start" >&2; cat "$work/pdfs.log" >&2; exit 1
}
unmount_pdfs() { fusermount3 -u "$mnt"; wait "$pid" 2> /dev/null || true; pid=; }

# Documents like run.sh's (~190 bytes), appended over HTTP, copied out as files.
mount_pdfs "$1"
awk -v n="$docs" -v pad="$(head -c 150 /dev/zero | tr '\0' x)" \
  'BEGIN {for (i = 0; i < n; i++) printf "{\"n\":%d,\"sensor\":\"s-17\",\"pad\":\"%s\"}\n", i, pad}' |
  "$1" write fs --url "http://127.0.0.1:$port" > /dev/null
"$1" get fs 0- --url "http://127.0.0.1:$port" |
  awk -v dir="$plain" '{f = sprintf("%s/%06d.json", dir, NR - 1); printf "%s", $0 > f; close(f)}'
unmount_pdfs

declare -A warm first
for _ in $(seq "$rounds"); do
  for i in $(seq $#); do
    mount_pdfs "${!i}"
    # The first pass after mounting fills the kernel's caches (the daemon's
    # store is warm from the previous round).
    first[$i]+="$(time_cmd read_all "$mnt/fs") "
    warm[$i]+="$(time_cmd read_all "$mnt/fs") "
    unmount_pdfs
  done
  read_all "$plain"
  warm[ext4]+="$(time_cmd read_all "$plain") "
done

# shellcheck disable=SC2086 # space-separated numbers
ext4=$(printf "%s\n" ${warm[ext4]} | median)
printf 'warm re-read of %d documents, median of %d rounds (s)\n' "$docs" "$rounds"
printf '%-40s %8s %6s   %s\n' binary seconds "/ext4" "runs"
printf '%-40s %8s %6s   %s\n' "ext4" "$ext4" "1.00" "${warm[ext4]}"
for i in $(seq $#); do
  # shellcheck disable=SC2086
  m=$(printf "%s\n" ${warm[$i]} | median)
  printf '%-40s %8s %6s   %s\n' "${!i}" "$m" "$(awk -v a="$m" -v b="$ext4" 'BEGIN {printf "%.2f", a / b}')" "${warm[$i]}"
done

echo "first pass after mounting, same rounds (s)"
for i in $(seq $#); do
  # shellcheck disable=SC2086
  m=$(printf "%s\n" ${first[$i]} | median)
  printf '%-40s %8s   %s\n' "${!i}" "$m" "${first[$i]}"
done
echo "warm, each binary / the first binary, per round: the median"
for i in $(seq 2 $#); do
  # shellcheck disable=SC2086
  printf '%-40s %8s\n' "${!i}" "$(paste <(printf '%s\n' ${warm[$i]}) <(printf '%s\n' ${warm[1]}) |
    awk '{print $1 / $2}' | median | xargs printf '%.2f')"
done
echo "FUSE requests per file in one warm pass (the daemon's counter)"
for i in $(seq $#); do
  mount_pdfs "${!i}"
  read_all "$mnt/fs"
  if ! before=$(requests 2> /dev/null); then
    echo "${!i}: no request counter"; unmount_pdfs; continue
  fi
  read_all "$mnt/fs"
  sleep 0.5  # RELEASE comes in the background
  after=$(requests)
  echo "${!i}:"
  awk -v n="$docs" 'NR == FNR {b[$1] = $2; next}
    {d = $2 - b[$1]; if ($1 == "getxattr") d--; if (d > 0) {printf "  %-12s %8d %6.2f\n", $1, d, d / n; t += d}}
    END {printf "  %-12s %8d %6.2f\n", "total", t, t / n}' <(echo "$before") <(echo "$after")
  unmount_pdfs
done
