#!/usr/bin/env bash
# Seeds the cargo-fuzz corpora (fuzz/corpus/<target>/, not committed) from the test
# fixtures, the casebook and the extraction corpora in ../shared when present.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
seed() { # target, then files
    local target=$1; shift
    mkdir -p "fuzz/corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 262144 ] || continue
        cp "$f" "fuzz/corpus/$target/$(sha256sum "$f" | cut -c1-16)"
    done
}
mapfile -t feeds < <(find tests/fixtures "$shared/casebook" -type f \( -name '*.xml' -o -name '*.json' -o -name '*.rss' -o -name '*.atom' \) 2>/dev/null)
mapfile -t pages < <(find tests/fixtures "$shared/casebook" "$shared/corpus/readability-test-pages" -type f -name '*.html' 2>/dev/null | head -400)
mapfile -t coded < <(find tests/fixtures "$shared/casebook" -type f \( -name '*.gz' -o -name '*.br' -o -name '*.zlib' -o -name '*.rawdeflate' \) 2>/dev/null)
seed feed "${feeds[@]}" tests/fixtures/fuzz/feed/*
seed charset "${pages[@]:0:100}" "${feeds[@]}" "${coded[@]}"
seed extract "${pages[@]}"
seed text_diff "${pages[@]:0:100}" tests/fixtures/fuzz/text_diff/*
for t in feed charset extract text_diff; do
    echo "fuzz/corpus/$t: $(ls "fuzz/corpus/$t" | wc -l) files"
done
