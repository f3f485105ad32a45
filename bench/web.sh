#!/usr/bin/env bash
# The browser page against the native CLI on one generated HAR (docs/performance.md, "In the
# browser"). Needs web/dist/ (web/build.sh), tests/browser/node_modules (`npm ci`) and Chromium.
#
#   bench/web.sh            # 20 MB, 5 runs each, interleaved; medians
#   MB=50 RUNS=3 bench/web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-20}
RUNS=${RUNS:-5}
DIR=${BENCH_DIR:-/tmp/tokentrail-bench}
mkdir -p "$DIR"
HAR="$DIR/web-${MB}mb.har"
[ -f "$HAR" ] || python3 bench/gen_har.py --mb "$MB" "$HAR" >&2
cargo build --release --quiet
BIN=$PWD/target/release/tokentrail
cat "$HAR" > /dev/null

native() { # FORMAT -> seconds, wall clock, of one run
    local t0 t1
    t0=$(date +%s%N)
    "$BIN" check "$HAR" --format "$1" -o /dev/null || [ $? -eq 1 ]
    t1=$(date +%s%N)
    echo "scale=3; ($t1 - $t0) / 1000000000" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

html=() json=() page=() load=()
for ((i = 0; i < RUNS; i++)); do
    html+=("$(native html)")
    json+=("$(native json)")
    manifest=$(mktemp)
    printf '{"page":"%s","downloads":"%s","runs":[{"files":["%s"],"timeoutMs":300000}]}' \
        "$PWD/web/dist/index.html" "$DIR/web-downloads" "$HAR" > "$manifest"
    out=$(cd tests/browser && node page.mjs "$manifest")
    rm -f "$manifest"
    page+=("$(jq -r '.runs[0].timing.pageMs / 1000' <<< "$out")")
    load+=("$(jq -r '.runs[0].loadMs / 1000' <<< "$out")")
    [ "$(jq -r '.runs[0].state' <<< "$out")" = done ] || { echo "bench: the page did not finish" >&2; exit 1; }
done
printf 'native check --format html: %s s (runs: %s)\n' "$(printf '%s\n' "${html[@]}" | median)" "${html[*]}"
printf 'native check --format json: %s s (runs: %s)\n' "$(printf '%s\n' "${json[@]}" | median)" "${json[*]}"
printf 'page, files chosen to report shown: %s s (runs: %s)\n' "$(printf '%s\n' "${page[@]}" | median)" "${page[*]}"
printf 'page load (module compiled, warm-up): %s s (runs: %s)\n' "$(printf '%s\n' "${load[@]}" | median)" "${load[*]}"
