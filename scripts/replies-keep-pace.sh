#!/usr/bin/env bash
# Whether answers keep pace with a steady flow of webhooks: `webhook_load --rate RATE` (an open
# loop, 64 connections) for SECS seconds at a new `--demo` directory, the reply backlog (messages
# stored and not yet answered) read every half second meanwhile, then how long it takes to empty
# once the flow stops. Kept pace: the backlog stays within a moment's worth of messages and is
# empty a fraction of a second after. The WhatsApp link points at a closed port, so replies wait
# in the outbox and sending costs nothing.
# Run from the project root after
# `cargo build --release --example webhook_load && cargo build --release` (Novi built alone last).
# usage: scripts/replies-keep-pace.sh RATE [SECS]
# NOVI_BIN picks another build to measure (default target/release/novi).
set -u
R=${1:?webhooks a second}; S=${2:-10}
NOVI=${NOVI_BIN:-$(pwd)/target/release/novi}
LOAD=$(pwd)/target/release/examples/webhook_load
D=$(mktemp -d); DB="$D/novi.db"
"$NOVI" serve --listen 127.0.0.1:3904 --data-dir "$D" --demo >"$D/serve.log" 2>&1 & P=$!
for _ in $(seq 400); do curl -sf -o /dev/null http://127.0.0.1:3904/health && break; sleep 0.025; done
NOVI_DATA_DIR="$D" "$NOVI" whatsapp configure --business demo --provider cloud --phone-number-id 106540352242922 \
   --verify-token v --app-secret bench-secret --access-token a --graph-base http://127.0.0.1:9 >/dev/null
backlog() { sqlite3 "$DB" "PRAGMA busy_timeout=2000; SELECT count(*) FROM messages WHERE direction = 'in' AND handled = 0" 2>/dev/null | tail -n1; }
ms() { date +%s%3N; }
# The machine's CPU ticks: all of them, and the idle ones (idle and iowait).
ticks() { awk '/^cpu /{ t=0; for (i=2; i<=NF; i++) t+=$i; print t, $5+$6 }' /proc/stat; }
read -r t0 i0 < <(ticks)
"$LOAD" --url http://127.0.0.1:3904/webhooks/whatsapp/demo --secret bench-secret --phone-number-id 106540352242922 \
  --connections 64 --warmup 0 --seconds "$S" --rate "$R" >"$D/load.out" 2>&1 & L=$!
most=0
while kill -0 $L 2>/dev/null; do b=$(backlog); [ "${b:-0}" -gt "$most" ] && most=$b; sleep 0.5; done
stop=$(ms); left=$(backlog); first=$left
read -r t1 i1 < <(ticks)
while [ "${left:-1}" != 0 ]; do sleep 0.05; left=$(backlog); done
grep -E "^(rate|latency)" "$D/load.out"
echo "machine CPU idle during the flow: $(( 100 * (i1 - i0) / (t1 - t0) ))% (load generator included)"
echo "reply backlog: at most $most during the flow, $first when it stopped, empty $(( $(ms) - stop )) ms later"
kill $P; wait $P 2>/dev/null
rm -rf "$D"
