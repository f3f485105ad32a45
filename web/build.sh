#!/usr/bin/env bash
# Builds the browser page into web/dist/: the library alone for wasm32-unknown-unknown (without
# the `cli` feature), and index.html with everything inline (web/assemble.py). Needs the wasm
# target (`rustup target add wasm32-unknown-unknown`) and python3; nothing else is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v rustup > /dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
target_dir=${CARGO_TARGET_DIR:-target}
# The library as a cdylib only here: native builds and tests stay a plain rlib. SIMD (every
# current browser has it) lets memchr and aho-corasick scan as they do natively.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128"
cargo rustc --locked --lib --crate-type cdylib --target wasm32-unknown-unknown \
    --profile wasm --no-default-features
python3 web/assemble.py "$target_dir/wasm32-unknown-unknown/wasm/tokentrail.wasm" web/dist
