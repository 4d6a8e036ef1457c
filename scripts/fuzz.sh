#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo-fuzz, libFuzzer, on the nightly toolchain) for a
# time budget each, starting from the committed corpus (fuzz/corpus/<target>/), and prints
# a table: executions, corpus size, crashes. A crash stops that target, leaves its input in
# fuzz/artifacts/<target>/ and fails the script: turn it into a regression test.
#
#   bash scripts/fuzz.sh [SECONDS] [target...]     (default: 10 s each, every target)
#
# CI runs the short default; longer runs (e.g. `bash scripts/fuzz.sh 600`) are for people.
# New corpus entries are written to a scratch copy, not to fuzz/corpus: commit the ones
# worth keeping (`cargo +nightly fuzz cmin`).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shift || true
cargo_fuzz_version=0.13.2

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "the nightly toolchain is needed (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "cargo-fuzz $cargo_fuzz_version"; then
    cargo install cargo-fuzz --locked --version "$cargo_fuzz_version"
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
    # Captured first, so that a failing `fuzz list` stops the script (errexit does not see a
    # process substitution's status), and an empty list is not "no crash in 0 targets".
    list=$(cd fuzz && cargo +nightly fuzz list)
    mapfile -t targets <<<"$list"
    if [ -z "$list" ]; then
        echo "cargo fuzz list found no target in fuzz/" >&2
        exit 1
    fi
fi

# Without a sanitizer: the code under test is safe Rust (`unsafe_code = "forbid"`), so the
# properties each target asserts are what find bugs, and the build is much shorter.
(cd fuzz && cargo +nightly fuzz build --sanitizer none)

work="${CARGO_TARGET_DIR:-$(pwd)/target}/fuzz-corpus"
rm -rf "$work"
mkdir -p "$work"
printf '%-22s %12s %10s %8s\n' target executions corpus crashes | tee "$work/results"
failed=()
for target in "${targets[@]}"; do
    corpus="$work/$target"
    mkdir -p "$corpus"
    cp -r "fuzz/corpus/$target/." "$corpus/" 2>/dev/null || true
    log="$work/$target.log"
    status=0
    (cd fuzz && cargo +nightly fuzz run --sanitizer none "$target" "$corpus" -- \
        -max_total_time="$seconds" -seed=1 -print_final_stats=1 -rss_limit_mb=2048 \
        -max_len=16384 -timeout=10) >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    size=$(find "$corpus" -type f | wc -l)
    crashes=0
    if ((status != 0)); then
        crashes=1
        failed+=("$target")
        # The panic's message is on the lines after `panicked at file:line`; libFuzzer's
        # ERROR/SUMMARY lines name a timeout or out-of-memory. Neither: the log's end.
        report=$(
            grep -A2 'panicked at' "$log" | head -n 9
            grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 4
        ) || true
        if [ -n "$report" ]; then
            printf '%s\n' "$report" >&2
        else
            tail -n 15 "$log" >&2
        fi
    fi
    printf '%-22s %12s %10s %8s\n' "$target" "${runs:-?}" "$size" "$crashes" | tee -a "$work/results"
done
if ((${#failed[@]})); then
    echo "crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "no crash in ${#targets[@]} targets, ${seconds} s each"
