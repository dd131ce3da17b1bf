#!/usr/bin/env bash
# The owner pages beside a steady flow of webhooks, with where the server's CPU went: the run
# of README's "Performance" goals (32 owners in a closed loop while 2,000 webhooks a second
# arrive), plus CPU time by thread name over the pages run, read calls a page on the reading
# threads, and the write-ahead log's size after it. Run from the project root after
# `cargo build --release --example pages_bench --example webhook_load && cargo build --release`
# (Novi built alone last: built with the examples it links other features), on a data
# directory filled with `novi demo fill` whose shop `demo` is configured for the Cloud API with
# app secret `bench-secret` and phone number id 106540352242922 (README, "Performance", gives
# the commands).
# usage: scripts/pages-beside-webhooks.sh DATA_DIR TOKEN [RATE]   (RATE 0: pages alone)
# NOVI_BIN picks another build to measure (default target/release/novi).
set -u
DIR=${1:?the data directory}; TOKEN=${2:?an API token of shop demo}; RATE=${3:-2000}
NOVI=${NOVI_BIN:-$(pwd)/target/release/novi}
EX=$(pwd)/target/release/examples
URL=http://127.0.0.1:18080
# CPU ticks (user + system) by thread name, one "name ticks" line each.
by_thread() {
  for t in /proc/$1/task/*; do
    echo "$(cat "$t/comm" 2>/dev/null) $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)"
  done | awk 'NF == 2 {a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
# Read system calls made so far by the reading threads.
reads() {
  for t in /proc/$1/task/*; do
    grep -qx novi-read "$t/comm" 2>/dev/null && awk '/^syscr/ {print $2}' "$t/io"
  done | awk '{s += $1} END {print s + 0}'
}
backlog() {
  sqlite3 "$DIR/novi.db" "PRAGMA busy_timeout=2000;
    SELECT count(*) FROM messages WHERE direction = 'in' AND handled = 0" 2>/dev/null | tail -n1
}

# The log starts empty, so its size afterwards is what this run wrote and could not start over.
sqlite3 "$DIR/novi.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
RUST_LOG=warn "$NOVI" --data-dir "$DIR" serve --listen 127.0.0.1:18080 >/tmp/novi-pages.log 2>&1 & P=$!
for _ in $(seq 400); do curl -sf -o /dev/null $URL/health && break; sleep 0.025; done
# A warm run first: a book left alone is read from disk again.
"$EX/pages_bench" --url $URL --token "$TOKEN" --users 32 --seconds 10 >/dev/null
if [ "$RATE" != 0 ]; then
  "$EX/webhook_load" --url $URL/webhooks/whatsapp/demo --secret bench-secret \
    --phone-number-id 106540352242922 --rate "$RATE" --connections 16 --warmup 2 --seconds 24 \
    >/tmp/novi-pages-webhooks.txt & W=$!
  sleep 3
fi
by_thread $P >/tmp/novi-pages-cpu0; r0=$(reads $P)
"$EX/pages_bench" --url $URL --token "$TOKEN" --users 32 --seconds 20 >/tmp/novi-pages-bench.txt
by_thread $P >/tmp/novi-pages-cpu1; r1=$(reads $P)
pages=$(awk '$1 == "all" {print $2}' /tmp/novi-pages-bench.txt)
grep '^all' /tmp/novi-pages-bench.txt
echo "CPU seconds by thread over the pages run:" \
  "$(join /tmp/novi-pages-cpu0 /tmp/novi-pages-cpu1 | awk '$3 > $2 {printf "%s %.2f  ", $1, ($3 - $2) / 100}')"
echo "reading threads' read calls a page: $(awk -v r=$((r1 - r0)) -v n="$pages" 'BEGIN {printf "%.1f", r / n}')"
if [ "$RATE" != 0 ]; then
  wait $W
  grep '^latency' /tmp/novi-pages-webhooks.txt | sed 's/^/webhooks /'
fi
echo "write-ahead log file $(stat -c %s "$DIR/novi.db-wal" 2>/dev/null || echo 0) bytes"
# The next run starts with no replies waiting.
for _ in $(seq 300); do [ "$(backlog)" = 0 ] && break; sleep 1; done
kill $P; wait $P 2>/dev/null
