#!/usr/bin/env bash
# Quick start: installs what pdfs needs, builds it, and runs it in the
# foreground, serving HTTP on 127.0.0.1:9080 with its data in the default
# per-user directory. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=build scripts/build.sh Release -DPDFS_BUILD_TESTS=OFF
exec build/mountd/pdfs serve --listen 127.0.0.1:9080 "$@"
