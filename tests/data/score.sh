#!/bin/sh
# Scores the reader on every corpus, each against its own shop's catalog, one line per corpus:
# exact match, item precision and item recall.
# Run from the repository root: tests/data/score.sh [NOVI_BINARY]   (default target/release/novi)
# The three dev corpora are in ../shared/corpus; the four shops' corpora in tests/data/shops.
set -eu
N=${1:-target/release/novi}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
score() { # short-code catalog corpus...
    code=$1 catalog=$2
    shift 2
    "$N" --data-dir "$D" business add --name "$code" --short-code "$code" >/dev/null
    "$N" --data-dir "$D" catalog import --business "$code" "$catalog" >/dev/null
    for corpus in "$@"; do
        out=$("$N" --data-dir "$D" parse --business "$code" --score "$corpus")
        printf '%-44s %s\n' "$corpus" "$(echo "$out" | sed -n '2p;4p;5p' | sed 's/ rate//' | paste -sd ';' | sed 's/;/; /g')"
    done
}
score sweets ../shared/fixtures/sweetshop-catalog.csv ../shared/corpus/orders-dev.jsonl tests/data/orders-dev-devanagari.jsonl
score sabzi ../shared/fixtures/sabzi-catalog.csv ../shared/corpus/orders-sabzi.jsonl
score snacks ../shared/fixtures/snacks-catalog.csv ../shared/corpus/orders-snacks.jsonl
for shop in generalstore meatshop bakery dairy; do
    score "$shop" "tests/data/shops/$shop-catalog.csv" "tests/data/shops/orders-$shop.jsonl"
done
