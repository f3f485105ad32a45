#!/usr/bin/env bash
# Checks that a build gives the same answers as an earlier one: speed work must not change a
# finding, a position or a masked value.
#
#   bench/same-answers.sh BASE_BIN [NEW_BIN]
#
# NEW_BIN defaults to this tree's release build (built first). Compared byte for byte, with the
# exit code:
#  * every capture under fixtures/ (every format), checked alone with --format json, human,
#    sarif and html (the page holds no timestamp: compared as it is, nothing stripped) (with its sibling `<name>.tokentrail.toml` as --config where there is one, else
#    --isolated);
#  * the same files in one invocation (the batch path), --format json and html;
#  * the real exports of ../shared/captures/{real,more} when present, --format json;
#  * the four benchmark shapes of bench/gen_har.py at $MB MB (default 50; `MB=200` for the
#    benchmark's own size), --format json, and their `sanitize` copies under a fixed key;
#    generated into $BENCH_DIR (default /tmp/tokentrail-bench) and reused as bench/run.sh does.
# Prints the differences found (the first lines of each diff) and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/same-answers.sh BASE_BIN [NEW_BIN]}
if [ -n "${2:-}" ]; then
    NEW=$2
else
    cargo build --release --quiet
    NEW=$PWD/target/release/tokentrail
fi
MB=${MB:-50}
DIR=${BENCH_DIR:-/tmp/tokentrail-bench}
mkdir -p "$DIR"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
GEN_HASH=$(sha256sum bench/gen_har.py | cut -c1-12)

compared=0
differ=0
same() { # same LABEL ARGS... -> runs both binaries with ARGS, compares stdout and exit code
    local label=$1
    shift
    local a=0 b=0
    NO_COLOR=1 "$BASE" "$@" >"$OUT/a" 2>/dev/null || a=$?
    NO_COLOR=1 "$NEW" "$@" >"$OUT/b" 2>/dev/null || b=$?
    compared=$((compared + 1))
    if [ "$a" != "$b" ] || ! cmp -s "$OUT/a" "$OUT/b"; then
        differ=$((differ + 1))
        echo "DIFFERS: $label (exit $a vs $b)"
        diff "$OUT/a" "$OUT/b" | head -8 || true
    fi
}

mapfile -t fixtures < <(find fixtures -type f \
    \( -name '*.har' -o -name '*.chlsj' -o -name '*.saz' -o -name '*.xml' -o -name '*.http' \
    -o -name '*.mitm' \) | sort)
for f in "${fixtures[@]}"; do
    config=(--isolated)
    toml="${f%.*}.tokentrail.toml"
    [ -f "$toml" ] && config=(--config "$toml")
    for format in json human sarif html; do
        same "$f ($format)" check "$f" --format "$format" --color never "${config[@]}"
    done
done
echo "fixtures: ${#fixtures[@]} files × json, human, sarif, html"
same "all fixtures in one invocation (json)" check "${fixtures[@]}" --format json --isolated
same "all fixtures in one invocation (html)" check "${fixtures[@]}" --format html --isolated

for d in ../shared/captures/real ../shared/captures/more; do
    [ -d "$d" ] || continue
    for f in "$d"/*; do
        case "$f" in *.md) continue ;; esac
        same "$f (json)" check "$f" --format json --isolated
    done
done

echo "a fixed key for bench/same-answers.sh" >"$OUT/key"
for shape in sparse logged-in oauth-dense cookie-list; do
    f="$DIR/gen-$shape-${MB}mb-$GEN_HASH.har"
    if [ ! -f "$f" ]; then
        python3 bench/gen_har.py --mb "$MB" --shape "$shape" "$f.tmp" >&2
        mv "$f.tmp" "$f"
    fi
    same "bench $shape ${MB} MB (json)" check "$f" --format json --isolated
    # sanitize reads the way check does (the skim): its copy must not change either.
    same "bench $shape ${MB} MB (sanitize)" sanitize "$f" -o - --key-file "$OUT/key"
done

echo "compared $compared outputs of $NEW with $BASE: $differ differ"
[ "$differ" = 0 ]
