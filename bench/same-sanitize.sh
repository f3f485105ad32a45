#!/usr/bin/env bash
# Compares `sanitize` of two binaries, byte for byte: every fixture (every format), a second
# run over each HAR fixture's copy (placeholders kept), and the benchmark's 200 MB file.
#
#   bench/same-sanitize.sh BASE_BIN [NEW_BIN]     # NEW_BIN defaults to target/release/tokentrail
#   BIG=path/to/gen.har bench/same-sanitize.sh …   # also compare on this file (e.g. the bench's)
#
# Prints each file whose copy (or `--report`) differs and exits 1 if any does. Run it before
# and after a change to sanitize that must not change its output.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/same-sanitize.sh BASE_BIN [NEW_BIN]}
NEW=${2:-$PWD/target/release/tokentrail}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "a fixed key for comparing sanitize" >"$TMP/key"
differ=0 n=0
compare() { # compare INPUT [copy-only]
    "$BASE" sanitize "$1" -o "$TMP/a" --key-file "$TMP/key" --report 2>"$TMP/a.err" || true
    "$NEW" sanitize "$1" -o "$TMP/b" --key-file "$TMP/key" --report 2>"$TMP/b.err" || true
    n=$((n + 1))
    sed -i "s|$TMP/a|OUT|g" "$TMP/a.err"
    sed -i "s|$TMP/b|OUT|g" "$TMP/b.err"
    if ! cmp -s "$TMP/a" "$TMP/b"; then
        echo "differs: $1"
        differ=1
    elif [ -z "${2:-}" ] && ! cmp -s "$TMP/a.err" "$TMP/b.err"; then
        echo "report differs: $1"
        differ=1
    fi
}
while IFS= read -r f; do
    compare "$f"
done < <(find fixtures -type f \( -name '*.har' -o -name '*.chlsj' -o -name '*.saz' -o -name '*.xml' -o -name '*.http' -o -name '*.mitm' \) | sort)
# A second run over a copy: the placeholders of this key are kept. (Only the copies are
# compared: before cb893c8 the summary counted kept placeholders as replaced.)
while IFS= read -r f; do
    "$BASE" sanitize "$f" -o "$TMP/first.har" --key-file "$TMP/key" 2>/dev/null || continue
    compare "$TMP/first.har" copy-only
done < <(find fixtures -type f -name '*.har' | sort | head -40)
if [ -n "${BIG:-}" ]; then
    "$BASE" sanitize "$BIG" -o "$TMP/a" --key-file "$TMP/key" 2>/dev/null || true
    "$NEW" sanitize "$BIG" -o "$TMP/b" --key-file "$TMP/key" 2>/dev/null || true
    n=$((n + 1))
    cmp -s "$TMP/a" "$TMP/b" || { echo "differs: $BIG"; differ=1; }
fi
echo "$n inputs compared; $([ $differ = 0 ] && echo all the same || echo some differ)"
exit $differ
