#!/usr/bin/env bash
# What the disk is asked for per message at a steady rate of webhooks: `pwrite`, `pread` and
# `fdatasync` calls by thread over 5 s while `webhook_load` sends RATE webhooks a second to a
# new demo shop, divided by the messages stored in those 5 s. Needs `perf` (Debian's
# linux-perf) and `sqlite3`; run from the project root after
# `cargo build --release --bin novi --example webhook_load`.
# usage: scripts/steady-writes.sh [RATE]   (default 2000; NOVI_BIN picks another build)
set -u
RATE=${1:-2000}
NOVI=${NOVI_BIN:-$(pwd)/target/release/novi}
EX=$(pwd)/target/release/examples
URL=http://127.0.0.1:3904
D=$(mktemp -d)
"$NOVI" serve --listen 127.0.0.1:3904 --data-dir "$D" --demo >/tmp/novi-steady.log 2>&1 & P=$!
for _ in $(seq 400); do curl -sf -o /dev/null $URL/health && break; sleep 0.025; done
NOVI_DATA_DIR="$D" "$NOVI" whatsapp configure --business demo --provider cloud \
  --phone-number-id 106540352242922 --verify-token v --app-secret bench-secret --access-token a \
  --graph-base http://127.0.0.1:9 >/dev/null
stored() {
  sqlite3 "$D/novi.db" "PRAGMA busy_timeout=2000; SELECT count(*) FROM messages WHERE direction = 'in'" | tail -n1
}
"$EX/webhook_load" --url $URL/webhooks/whatsapp/demo --secret bench-secret \
  --phone-number-id 106540352242922 --rate "$RATE" --connections 16 --warmup 2 --seconds 10 \
  >/tmp/novi-steady-load.txt & W=$!
# Past the warm-up, then 5 s in the middle of the load.
sleep 4
n0=$(stored)
perf stat -e 'syscalls:sys_enter_pwrite64,syscalls:sys_enter_pread64,syscalls:sys_enter_fdatasync' \
  --per-thread -p $P -o /tmp/novi-steady-perf.txt -- sleep 5
n=$(( $(stored) - n0 ))
wait $W
echo "messages stored in 5 s: $n"
# perf names each thread "comm-tid"; calls are summed by thread name.
awk -v n="$n" '/syscalls:/ {
    t = $1; sub(/-[0-9]+$/, "", t); c = $2; gsub(",", "", c); k = $3; sub(/.*sys_enter_/, "", k)
    s[t " " k] += c
  } END { for (x in s) if (s[x] >= 100) printf "%s %d (%.2f a message)\n", x, s[x], s[x] / n }' \
  /tmp/novi-steady-perf.txt | sort
grep '^latency' /tmp/novi-steady-load.txt | sed 's/^/webhooks /'
kill $P; wait $P 2>/dev/null; rm -rf "$D"
