#!/usr/bin/env bash
# Seeds the fuzz corpora from the project's own files (not committed: see .gitignore).
#   read_check, read  every file under fixtures/ except the generator, its notes and configs,
#               plus the robustness regression inputs
#   rule        every rule file under rules/
#   config      every fixture config (*.tokentrail.toml)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
mkdir -p "$here/corpus/read_check" "$here/corpus/read" "$here/corpus/rule" "$here/corpus/config"
copy() { # copy SRC DIR: name by path, so files of the same name do not collide
    local rel="${1#"$root"/}"
    cp "$1" "$2/${rel//\//__}"
}
dirs=("$root/fixtures")
[ -d "$root/tests/data/robustness" ] && dirs+=("$root/tests/data/robustness")
find "${dirs[@]}" -type f ! -name '*.py' ! -name '*.md' ! -name '*.toml' -print0 |
    while IFS= read -r -d '' f; do
        copy "$f" "$here/corpus/read_check"
        copy "$f" "$here/corpus/read"
    done
find "$root/rules" -type f -name '*.toml' -print0 |
    while IFS= read -r -d '' f; do copy "$f" "$here/corpus/rule"; done
find "$root/fixtures" -type f -name '*.tokentrail.toml' -print0 |
    while IFS= read -r -d '' f; do copy "$f" "$here/corpus/config"; done
for t in read_check read rule config; do
    echo "corpus/$t: $(find "$here/corpus/$t" -type f | wc -l) files"
done
