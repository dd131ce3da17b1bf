#!/usr/bin/env bash
# Writes the manual page and shell completions the .deb ships into target/man/, made by the
# binary being packaged so they list exactly its commands and flags.
# Usage: packaging/deb/manual.sh [BINARY]      (default target/release/novi)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/novi}
mkdir -p target/man
"$bin" man > target/man/novi.1
"$bin" completions bash > target/man/novi.bash
"$bin" completions zsh > target/man/_novi
"$bin" completions fish > target/man/novi.fish
