#!/usr/bin/env bash
# Runs every example of README.md's ```console blocks, in order, against the
# real `pdfs serve`, and compares each command's output (stdout and stderr)
# with the lines the README shows under it. Commands are run verbatim except
# that the address 127.0.0.1:9080 is replaced by the test server's, which
# $PDFS_URL also names for the CLI examples.
# Usage: readme_examples_test.sh PDFS_BINARY README.md
set -euo pipefail
pdfs=$(realpath "$1")
readme=$(realpath "$2")
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; umount -l "$work/pdfs" 2>/dev/null || true; rm -rf "$work"' EXIT

# The README's examples run in the user's home directory with the streams
# mounted at ~/pdfs (scripts/run.sh): here, a temporary home.
if [ ! -e /dev/fuse ]; then
  echo "SKIPPED: no /dev/fuse"
  exit 77
fi
mkdir -p "$work/pdfs"
export HOME=$work
cd "$work"
"$pdfs" serve --data "$work/data" --listen 127.0.0.1:0 --mount "$work/pdfs" > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 300); do grep -q "mounted at" "$work/out" && break; sleep 0.1; done
addr=$(sed -n 's|.*serving http://\([^ ]*\).*|\1|p' "$work/out")
grep -q "mounted at" "$work/out" && [ -n "$addr" ] || { echo "pdfs did not start"; cat "$work/err"; exit 1; }

# The CLI examples run `pdfs` with its default URL: point both at the server.
export PATH="$(dirname "$(realpath "$pdfs")"):$PATH"
export PDFS_URL="http://$addr"

# Split the console blocks into numbered command files and expected outputs.
awk -v dir="$work" '
  /^```console$/ { inblock = 1; next }
  /^```$/ && inblock { inblock = 0; next }
  inblock && /^\$ / { n++; printf "%s\n", substr($0, 3) > (dir "/cmd" n); printf "" > (dir "/want" n); next }
  inblock && n { print > (dir "/want" n) }
' "$readme"

# The programs a command line runs: its first word and the first word
# after each |, ; or &&.
programs_of() {
  printf '%s\n' "$1" | sed -E 's/(\|\||&&|[|;])/\n/g' | awk '{ print $1 }'
}

failures=0
count=0
for cmd in $(ls "$work"/cmd* | sort -V); do
  n=${cmd##*/cmd}
  count=$((count + 1))
  command=$(sed "s/127\.0\.0\.1:9080/$addr/g" "$cmd")
  status=0
  got=$(bash -c "$command" 2>&1) || status=$?
  want=$(cat "$work/want$n")
  if [ "$got" != "$want" ]; then
    failures=$((failures + 1))
    echo "README example $n differs: \$ $(cat "$cmd")"
    diff <(echo "$want") <(echo "$got") || true
  fi
  # The exit status is part of what the README shows: a command whose
  # output shows its own error line ("rm: cannot remove ...", "pdfs get:
  # ...") must fail, every other must succeed.
  expect_failure=0
  for prog in $(programs_of "$(cat "$cmd")"); do
    if grep -qE "^$(printf '%s' "$prog" | sed 's/[][\/.^$*]/\\&/g')( [a-z]+)?: " "$work/want$n"; then
      expect_failure=1
    fi
  done
  if { [ "$expect_failure" -eq 1 ] && [ "$status" -eq 0 ]; } ||
    { [ "$expect_failure" -eq 0 ] && [ "$status" -ne 0 ]; }; then
    failures=$((failures + 1))
    echo "README example $n exited with status $status, expected $([ "$expect_failure" -eq 1 ] && echo "a failure" || echo 0): \$ $(cat "$cmd")"
  fi
done
echo "$count README examples run, $failures differ"
[ "$count" -gt 0 ] && [ "$failures" -eq 0 ]
