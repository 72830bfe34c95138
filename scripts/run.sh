#!/usr/bin/env bash
# Quick start: installs what pdfs needs, builds it, and runs it in the
# foreground: the streams mounted at ~/pdfs (or $PDFS_MOUNTPOINT) and served
# over HTTP on 127.0.0.1:9080, with the data in the default per-user
# directory. Ctrl-C unmounts and stops it. Extra arguments go to `pdfs mount`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=build scripts/build.sh Release -DPDFS_BUILD_TESTS=OFF
mountpoint=${PDFS_MOUNTPOINT:-$HOME/pdfs}
mkdir -p "$mountpoint"
exec build/mountd/pdfs mount "$mountpoint" -f --listen 127.0.0.1:9080 "$@"
