#!/usr/bin/env bash
# Builds and runs the cargo-fuzz targets of fuzz/ (issue 9), each for SECONDS.
#   bash scripts/fuzz.sh SECONDS [TARGET...]     (default: every target; CI runs 30 s each)
# Installs cargo-fuzz (pinned, --locked) once into ${XDG_CACHE_HOME:-~/.cache}/strata-ci/cargo.
# Uses the nightly toolchain when rustup has one, else stable with RUSTC_BOOTSTRAP=1
# (cargo-fuzz passes -Z flags). The seed corpus is written fresh into the gitignored
# fuzz/corpus/<target>/ from the repository's own examples/ and tests/fixtures/, and kept
# there between runs. A crash stops the run with exit 1 and prints where its input is:
# copy it into tests/fuzz_cases/<target>/ once fixed, so `cargo test` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
ALL_TARGETS=(yaml_merge compile promql_confine templates)
RSS_LIMIT_MB=${FUZZ_RSS_LIMIT_MB:-2048}
TIMEOUT_S=${FUZZ_TIMEOUT_S:-20}

seconds=${1:-}
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS [TARGET...]   (targets: ${ALL_TARGETS[*]})" >&2
    exit 2
fi
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
    [ -f "fuzz/fuzz_targets/$t.rs" ] || { echo "fuzz.sh: unknown target $t (${ALL_TARGETS[*]})" >&2; exit 2; }
done

cache="${XDG_CACHE_HOME:-$HOME/.cache}/strata-ci"
fuzz_bin="$cache/cargo/bin/cargo-fuzz"
if ! "$fuzz_bin" --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
    echo "fuzz.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION into $cache/cargo"
    cargo install --quiet --locked --root "$cache/cargo" --version "$CARGO_FUZZ_VERSION" cargo-fuzz
fi
export PATH="$cache/cargo/bin:$PATH"

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

# Release with debug assertions (overflow checks); no sanitizer: the code under test is
# safe Rust, and ASan would halve the executions per second.
build_flags=(--release --debug-assertions --sanitizer none)
# Every target at once: they share the strata build.
cargo "${toolchain[@]}" fuzz build "${build_flags[@]}"

# The seed corpus: every repository of examples/ and tests/fixtures/ in the harness's
# `#> path` format (tests/fuzz_harness/repo.rs), and each PromQL `expr:` of their files.
seed() {
    local target=$1 dir=fuzz/corpus/$1 repo n=0
    mkdir -p "$dir"
    case $target in
        promql_confine)
            grep -rhoE '^\s*expr: .*' examples tests/fixtures 2>/dev/null | sed -E 's/^\s*expr: //; s/^"(.*)"$/\1/' |
                sort -u | while IFS= read -r expr; do
                    n=$((n + 1))
                    printf 'a%s' "$expr" >"$dir/seed-$n"
                done
            ;;
        *)
            for repo in examples/*/ tests/fixtures/*/; do
                [ -f "$repo/strata.toml" ] || continue
                n=$((n + 1))
                (cd "$repo" && find . -path ./out -prune -o -type f \( -name '*.yaml' -o -name strata.toml \) -print |
                    sort | head -16 | while IFS= read -r f; do
                        printf '#> %s\n' "${f#./}"
                        cat "$f"
                        printf '\n'
                    done) >"$dir/seed-$n"
            done
            ;;
    esac
}

status=0
for t in "${targets[@]}"; do
    seed "$t"
    mkdir -p "fuzz/artifacts/$t"
    echo "fuzz.sh: $t for ${seconds}s (corpus fuzz/corpus/$t)"
    # Not in fuzz/artifacts/: cargo-fuzz reports the newest file there as the crash input.
    mkdir -p fuzz/logs
    log="fuzz/logs/$t.log"
    if cargo "${toolchain[@]}" fuzz run "${build_flags[@]}" "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb="$RSS_LIMIT_MB" -timeout="$TIMEOUT_S" \
        -max_len=65536 -print_final_stats=1 2>"$log"; then
        grep -E '^stat::number_of_executed_units|Done [0-9]+ runs' "$log" | tail -2 | sed "s/^/fuzz.sh: $t: /"
    else
        status=1
        grep -a -m1 -A4 'panicked at\|ERROR: libFuzzer' "$log" | cut -c1-2000 >&2 || tail -20 "$log" >&2
        echo "fuzz.sh: $t FAILED; the crash input is:" >&2
        grep -aoE 'Test unit written to .*' "$log" | sed 's/^Test unit written to /  /' >&2 || true
        echo "  full log: $log" >&2
        echo "  reproduce: cargo ${toolchain[*]} fuzz run ${build_flags[*]} $t <input>" >&2
        echo "  once fixed, copy it into tests/fuzz_cases/$t/ so cargo test replays it" >&2
    fi
done
exit $status
