#!/usr/bin/env bash
# Builds a release archive: the novi binary, the systemd unit and the README.
# Usage: packaging/build-release.sh   ->   target/novi-<version>-<arch>-linux.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(uname -m)
cargo build --release --locked
stage=$(mktemp -d)
name="novi-${version}-${arch}-linux"
mkdir -p "$stage/$name"
cp target/release/novi systemd/novi.service README.md "$stage/$name/"
tar -C "$stage" -czf "target/$name.tar.gz" "$name"
rm -rf "$stage"
echo "target/$name.tar.gz"
