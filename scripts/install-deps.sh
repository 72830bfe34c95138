#!/usr/bin/env bash
# Installs the Debian 12 packages pdfs needs to build and test. Skips apt when
# everything is already installed. Uses sudo when not root.
set -euo pipefail
packages=(
  build-essential cmake pkg-config git ca-certificates
  librocksdb-dev libcpp-httplib-dev nlohmann-json3-dev libsimdjson-dev libgtest-dev libzip-dev
  libfuse3-dev fuse3 attr curl
  # /etc/mime.types: the mount names items by content type from it.
  media-types
  # The real-tools suite (tests/fs/real_tools_test.cc) runs what people use
  # on files: vim (the package with /usr/bin/vim, for `vim -es`), ed, rsync,
  # tar, python3, and coreutils/findutils/sed (Essential, always present).
  vim ed rsync tar python3
  # tests/e2e/sync_test.cc counts the real program's fsync calls with strace.
  strace
  # README.md's Katar examples trim answers (timestamps) with jq.
  jq
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
