#!/usr/bin/env bash
# Writes packaging/link-order.txt: the functions Novi runs when it starts, waits, and serves
# pages, the API and webhooks, for the release build's linker to lay out together (see
# build.rs). Run it from the project root after a release build when startup or serving
# changed; functions it does not list are laid out as the compiler emits them. Build Novi
# alone first (`cargo build --release`): built together with the examples its dependencies
# get other features, and the names written would not match the binary users build.
# Needs valgrind (callgrind) and curl.
# usage: scripts/link-order.sh [NOVI_BIN]
set -eu
NOVI=${1:-target/release/novi}
[ -x "$NOVI" ] || { echo "no Novi binary at $NOVI (build one with cargo build --release)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is needed (Debian: apt-get install valgrind)" >&2; exit 1; }
EX=target/release/examples
[ -x "$EX/pages_bench" ] && [ -x "$EX/webhook_load" ] ||
  cargo build --release --example pages_bench --example webhook_load
out=packaging/link-order.txt
work=$(mktemp -d); pid=
trap '[ -z "$pid" ] || kill $pid 2>/dev/null; rm -rf "$work"' EXIT
port=3917; url=http://127.0.0.1:$port

# Runs Novi under callgrind on a new demo shop; $1 names the run, $2 drives it, and a run
# with orders ($3) has them filled in first.
profile() {
  local data="$work/$1"
  [ -z "${3:-}" ] || "$NOVI" --data-dir "$data" demo fill --business demo --orders "$3" --customers 200 >/dev/null 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$work/$1.cg" --dump-instr=no --demangle=no \
    "$NOVI" serve --listen 127.0.0.1:$port --data-dir "$data" --demo >"$work/$1.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null $url/health; do
    kill -0 $pid 2>/dev/null || { echo "Novi did not start:" >&2; tail -n 5 "$work/$1.log" >&2; exit 1; }
    sleep 0.2
  done
  NOVI_DATA_DIR="$data" "$NOVI" whatsapp configure --business demo --provider cloud \
    --phone-number-id 106540352242922 --verify-token v --app-secret bench-secret \
    --access-token a --graph-base http://127.0.0.1:9 >/dev/null
  "$2" "$data"
  sleep 2
  kill -TERM $pid; wait $pid || true; pid=
}
idle() { :; }
serve() {
  local token
  token=$(NOVI_DATA_DIR="$1" "$NOVI" token create --business demo --name order 2>/dev/null | tail -n1)
  "$EX/pages_bench" --url $url --token "$token" --users 2 --seconds 6 >/dev/null
  "$EX/webhook_load" --url $url/webhooks/whatsapp/demo --secret bench-secret \
    --phone-number-id 106540352242922 --rate 40 --connections 2 --warmup 0 --seconds 4 >/dev/null
  curl -sf -o /dev/null $url/s/demo
}
# A flood of webhooks at once takes paths a steady pace never does (the writer's large batches,
# answering that steps back for them, handing memory back in the quiet after), and the pages
# they touch stay mapped after it: laid out apart, a minute after a flood the server kept about
# 3 MB more of its code in memory than idle.
flood() {
  "$EX/webhook_load" --url $url/webhooks/whatsapp/demo --secret bench-secret \
    --phone-number-id 106540352242922 --connections 64 --warmup 0 --seconds 4 >/dev/null
  sleep 12
}
profile idle idle
profile serve serve 3000
profile flood flood

# Each run's functions in this binary, as callgrind lists them; the idle run's come first, so
# that what a waiting server keeps mapped lies together. Callgrind marks recursion with 'N.
python3 - "$work/idle.cg" "$work/serve.cg" "$work/flood.cg" "$(basename "$NOVI")" >"$out" <<'PY'
import re, sys
*runs, binary = sys.argv[1:]
seen = set()
for run in runs:
    objects, names, current = {}, {}, None
    for line in open(run, errors="replace"):
        key, _, value = line.rstrip("\n").partition("=")
        table = objects if key in ("ob", "cob") else names if key in ("fn", "cfn") else None
        if table is None:
            continue
        m = re.match(r"\((\d+)\)(?: (.*))?$", value)
        if m and m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        value = table.get(m.group(1)) if m else value
        if key == "ob":
            current = value
        elif key == "fn" and current and current.endswith(binary):
            name = re.sub(r"'\d+$", "", value)
            if name not in seen:
                seen.add(name)
                print(name)
PY
echo "$(wc -l <"$out") functions in $out"
