#!/usr/bin/env bash
# Builds a release archive: the novi binary, the systemd unit and the README.
# Usage: packaging/build-release.sh   ->   target/novi-<version>-<arch>-linux.tar.gz
# Says how large the binary is stripped, so that growth is seen release by release. On x86-64
# it stops when packaging/link-order.txt has gone stale (scripts/link-order-check.sh): such a
# build works but idles at megabytes more. NOVI_STALE_LINK_ORDER=1 builds it all the same.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(uname -m)
cargo build --release --locked
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# build.rs hands the file to the linker on x86-64 alone, and not when told to leave it out.
if [ "$arch" = x86_64 ] && [ -z "${NOVI_NO_LINK_ORDER:-}" ]; then
  scripts/link-order-check.sh target/release/novi || [ -n "${NOVI_STALE_LINK_ORDER:-}" ] || {
    echo "no archive built: refresh the link order, or set NOVI_STALE_LINK_ORDER=1" >&2
    exit 1
  }
fi
strip -o "$stage/novi.stripped" target/release/novi
echo "novi $version: $(stat -c %s "$stage/novi.stripped") bytes stripped ($(stat -c %s target/release/novi) as built)"
name="novi-${version}-${arch}-linux"
mkdir -p "$stage/$name"
cp target/release/novi systemd/novi.service README.md "$stage/$name/"
tar -C "$stage" -czf "target/$name.tar.gz" "$name"
echo "target/$name.tar.gz"
