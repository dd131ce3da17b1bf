#!/usr/bin/env bash
# The dashboard's views of long periods on a large book: the first view after a start, views
# from the cache, then views after an order of today changes, as one does every few seconds on
# a busy day. For a range of a year to today, and for the last 30 days. Run from the project
# root after `cargo build --release`, on a data directory filled with `novi demo fill` (README,
# "Performance", "A large book, to try Novi at scale") whose shop `demo` has the owner `owner` /
# `novi-demo`.
# usage: scripts/dashboard-views.sh DATA_DIR [CHANGES]
# NOVI_BIN picks another build to measure (default target/release/novi).
set -u
DIR=${1:?the data directory}; CHANGES=${2:-4}
NOVI=${NOVI_BIN:-$(pwd)/target/release/novi}
URL=http://127.0.0.1:18080; JAR=$(mktemp)
# The shop's newest order, touched so its triggers move its day's stamp as any change does.
newest="SELECT id FROM orders WHERE business_id = (SELECT id FROM businesses WHERE short_code = 'demo')
        ORDER BY created_at DESC LIMIT 1"
# Its day and the shop's today, both on the shop's clock: the run measures a change of today.
off="(SELECT utc_offset_minutes FROM businesses WHERE short_code = 'demo') || ' minutes'"
days=$(sqlite3 "$DIR/novi.db" \
  "SELECT date(created_at, 'unixepoch', $off), date('now', $off) FROM orders WHERE id = ($newest)")
if [ "${days%|*}" != "${days#*|}" ]; then
  echo "the newest order is of ${days%|*}, not of today (${days#*|}): fill the book again" >&2
  exit 1
fi
echo "the changed order is of today, ${days%|*}"
RUST_LOG=warn "$NOVI" --data-dir "$DIR" serve --listen 127.0.0.1:18080 >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -f "$JAR"' EXIT
for _ in $(seq 400); do curl -sf -o /dev/null $URL/health && break; sleep 0.025; done
csrf=$(curl -s -c "$JAR" -b "$JAR" $URL/login | grep -o 'name="_csrf" value="[^"]*"' | head -1 |
  sed 's/.*value="//;s/"//')
curl -s -o /dev/null -c "$JAR" -b "$JAR" \
  -d "_csrf=$csrf&username=owner&password=novi-demo&next=/" $URL/login
today=${days#*|}
YEAR="?period=range&from=$(date -d "$today -365 days" +%F)&to=$today"
view() { curl -s -o /dev/null -b "$JAR" -w '%{http_code} %{time_total}s' "$URL/b/demo/$1"; }
# The server's CPU (user and system, all threads) in clock ticks: less noisy than the wall.
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
ticks=$(getconf CLK_TCK)
c0=$(cpu); first=$(view "$YEAR"); c1=$(cpu)
echo "a year to today: first view $first ($(awk -v t="$((c1 - c0))" -v hz="$ticks" \
  'BEGIN {printf "%.2f", t / hz}')s of the server's CPU), again $(view "$YEAR"), again $(view "$YEAR")"
echo "last 30 days: first view $(view '?period=30d'), again $(view '?period=30d')"
for _ in $(seq "$CHANGES"); do
  sqlite3 "$DIR/novi.db" "PRAGMA busy_timeout=2000; UPDATE orders SET notes = notes WHERE id = ($newest)" >/dev/null
  echo "after a change today: a year $(view "$YEAR"), 30 days $(view '?period=30d')"
done
