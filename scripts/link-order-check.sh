#!/usr/bin/env bash
# Says how many of the functions packaging/link-order.txt names a release binary still has, and
# whether the linker laid them out in the file's order. The file goes stale silently as code
# changes (each name carries a hash of the function's path and types), and a build can leave
# it out (a linker that does not read it); either costs an idle server megabytes, never
# correctness. Run by packaging/build-release.sh; exits 1 when fewer than MIN percent (default
# 90) are found, or fewer than MIN percent of those found follow the one before in the binary.
# usage: scripts/link-order-check.sh [NOVI_BIN] [MIN]
set -eu
bin=${1:-target/release/novi}
min=${2:-90}
order=packaging/link-order.txt
[ -f "$bin" ] || { echo "no Novi binary at $bin (build one with cargo build --release)" >&2; exit 1; }
[ -f "$order" ] || { echo "no $order: run from the project root" >&2; exit 1; }
command -v nm >/dev/null || { echo "nm is needed (Debian: apt-get install binutils)" >&2; exit 1; }
defined=$(mktemp)
trap 'rm -f "$defined"' EXIT
nm --defined-only "$bin" 2>/dev/null | awk '{ print $1, $NF }' >"$defined"
[ -s "$defined" ] || { echo "$bin has no symbol table (stripped?): cannot check $order" >&2; exit 1; }
awk -v min="$min" -v order="$order" '
  FNR == NR { at[$2] = $1; next }
  NF {
    total++
    if (!($0 in at)) next
    found++
    # Addresses are hex of one width: compared as text, a later one is greater.
    if (found > 1 && ("x" at[$0]) > ("x" last)) along++
    last = at[$0]
  }
  END {
    pct = total ? 100 * found / total : 0
    laid = found > 1 ? 100 * along / (found - 1) : 0
    printf "link order: %d of %d functions in %s found in the binary (%.0f%%), %.0f%% of them in its order\n", found, total, order, pct, laid
    if (pct < min) {
      printf "link order: stale; write it again with scripts/link-order.sh (an idle server holds megabytes more)\n" > "/dev/stderr"
      exit 1
    }
    if (laid < min) {
      printf "link order: not laid out by it; was the binary linked with LLD, from this checkout? (an idle server holds megabytes more)\n" > "/dev/stderr"
      exit 1
    }
  }' "$defined" "$order"
