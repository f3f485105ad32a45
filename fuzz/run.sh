#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after the other, on the stable
# toolchain (RUSTC_BOOTSTRAP=1 unlocks the sanitizer flags cargo-fuzz needs).
#   fuzz/run.sh 600            ten minutes per target
#   TARGETS="rule" fuzz/run.sh 60
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Crashes land in fuzz/artifacts/<target>/;
# each libFuzzer log is kept in fuzz/logs/<target>.log (its last line gives the executions).
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
./seed.sh
mkdir -p logs
export RUSTC_BOOTSTRAP=1
status=0
for t in ${TARGETS:-read_check read rule config}; do
    echo "== $t for ${seconds}s"
    # -max_len: the fixtures go up to ~100 KB; -timeout: a case slower than 10 s is a hang.
    if ! cargo fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=131072 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"logs/$t.log" 2>&1; then
        echo "   $t FAILED: see fuzz/logs/$t.log and fuzz/artifacts/$t/"
        status=1
    fi
    grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "logs/$t.log" || true
done
exit $status
