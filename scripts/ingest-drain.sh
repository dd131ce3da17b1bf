#!/usr/bin/env bash
# Novi's side of the ingest benchmark, with what ingest.sh does not show: how long the reply
# backlog takes to drain once the load stops (and the CPU a message answered took), resident
# memory a minute later, and a cold start after SIGKILL with a 64 MB write-ahead log. The same
# load generator and the bare limit as ../shared/bench/ingest.sh (built there into
# $NOVI_BENCH_DIR), so the ratio is comparable.
# Run from the project root after `cargo build --release --bin novi`.
# usage: scripts/ingest-drain.sh [CONNS] [SECS] [--no-bare] [--no-cold] [--no-settle]
# NOVI_BIN picks another build to measure (default target/release/novi).
set -u
C=${1:-64}; S=${2:-8}; shift 2 2>/dev/null || true
BARE_RUN=1; COLD=1; SETTLE=1
for a in "$@"; do case $a in --no-bare) BARE_RUN=0;; --no-cold) COLD=0;; --no-settle) SETTLE=0;; esac; done
W=${NOVI_BENCH_DIR:-/tmp/novi-bench}
NOVI=${NOVI_BIN:-$(pwd)/target/release/novi}
LG="$W/loadgen/target/release/loadgen"
[ -x "$LG" ] || ../shared/bench/setup.sh >/dev/null
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$1/status; }
hwm() { awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$1/status; }
wait_up() { for _ in $(seq 400); do curl -sf -o /dev/null "$1" && return 0; sleep 0.025; done; return 1; }
ms() { date +%s%3N; }

if [ $BARE_RUN = 1 ]; then
  echo "== bare limit"
  rm -f /tmp/bare-peer.db*
  "$W/peers/bare/target/release/bare" 127.0.0.1:3903 /tmp/bare-peer.db bench-secret & P=$!
  wait_up http://127.0.0.1:3903/health
  "$LG" --addr 127.0.0.1:3903 --path /webhooks/whatsapp/demo --conns $C --seconds $S --run b$$
  kill $P; wait $P 2>/dev/null
fi

echo "== Novi"
D=$(mktemp -d); DB="$D/novi.db"
"$NOVI" serve --listen 127.0.0.1:3902 --data-dir "$D" --demo >/tmp/novi-drain.log 2>&1 & P=$!
wait_up http://127.0.0.1:3902/health
NOVI_DATA_DIR="$D" "$NOVI" whatsapp configure --business demo --provider cloud --phone-number-id 106540352242922 \
   --verify-token v --app-secret bench-secret --access-token a --graph-base http://127.0.0.1:9 >/dev/null
backlog() { sqlite3 "$DB" "PRAGMA busy_timeout=2000; SELECT count(*) FROM messages WHERE direction = 'in' AND handled = 0" 2>/dev/null | tail -n1; }
# Waits until no message is left unanswered, asking every 50 ms from one connection whether
# any is (one index entry). A new sqlite3 counting them all each time took a tenth of the
# machine from the drain it was timing.
wait_empty() {
  python3 - "$DB" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=2)
q = "SELECT EXISTS (SELECT 1 FROM messages WHERE direction = 'in' AND handled = 0)"
while c.execute(q).fetchall()[0][0]:
    time.sleep(0.05)
PY
}
echo "idle rss $(rss $P)"
"$LG" --addr 127.0.0.1:3902 --path /webhooks/whatsapp/demo --conns $C --seconds $S --run n$$
stop=$(ms)
echo "rss at the end of the load $(rss $P) (peak $(hwm $P))"
# CPU ticks (user + system, hundredths of a second) of the process and of the conversation
# worker's thread, over the drain: what answering costs a reply.
ticks() { awk '{print $14 + $15}' "$1/stat"; }
WT=$(for t in /proc/$P/task/*; do grep -qx novi-conversati "$t/comm" 2>/dev/null && echo "$t"; done)
p0=$(ticks /proc/$P); w0=$(ticks "$WT")
first=$(backlog)
wait_empty
echo "reply backlog: $first unanswered when the load stopped, empty $(( $(ms) - stop )) ms later"
awk -v p=$(( $(ticks /proc/$P) - p0 )) -v w=$(( $(ticks "$WT") - w0 )) -v n="$first" 'BEGIN { if (n > 0)
  printf "CPU over the drain: Novi %.1f s, the conversation worker %.1f s; a message answered: %.0f and %.0f us\n",
    p / 100, w / 100, p * 1e4 / n, w * 1e4 / n }'
echo "stored $(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE direction = 'in'") in, \
$(sqlite3 "$DB" "SELECT count(*) FROM outbox") replies queued"
[ $SETTLE = 1 ] && for t in 15 30 45 60; do sleep 15; echo "rss ${t} s after the load $(rss $P)"; done

if [ $COLD = 1 ]; then
  kill -9 $P; wait $P 2>/dev/null
  # A write-ahead log of 64 MB left by a killed writer: real rows, never checkpointed.
  python3 - "$DB" <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA wal_autocheckpoint=0")
c.execute("PRAGMA journal_mode=WAL")
while os.path.getsize(sys.argv[1] + "-wal") < 64 << 20:
    c.execute("BEGIN")
    c.execute("INSERT INTO inbound_payloads (business_id, provider, body, received_at) "
              "SELECT business_id, provider, body, received_at FROM inbound_payloads LIMIT 5000")
    c.execute("COMMIT")
os._exit(0)  # no close, so no checkpoint: the log stays as a crash leaves it
PY
  echo "wal before restart: $(( $(stat -c %s "$DB-wal") >> 20 )) MB"
  t0=$(ms)
  "$NOVI" serve --listen 127.0.0.1:3902 --data-dir "$D" >>/tmp/novi-drain.log 2>&1 & P=$!
  wait_up http://127.0.0.1:3902/ready && echo "cold start to /ready: $(( $(ms) - t0 )) ms"
  echo "rss after restart $(rss $P)"
fi
kill $P; wait $P 2>/dev/null; rm -rf "$D"
