#!/usr/bin/env bash
# What the spec's size costs a contributor: the product spec (one operation) and the whole
# service (every operation of Huawei's SDK, derive.py), side by side in one run, in one
# scratch tree with one target dir (the dependencies are built once, for both). For each
# spec, once everything is built, one word of ListSubJobs' description is changed and the
# contributor loop of docs/contributing.md is timed step by step:
#
#   diff        `cargo xtask diff` (no compile)
#   codegen     the client's build script run, as cargo --timings reports it (load, lint,
#               progenitor, tables)
#   test-build  `cargo test --workspace --no-run`: every crate the edit reaches, once
#   regenerate  `cargo xtask regenerate` (the snapshot tests run on that build)
#   check       `cargo xtask check`
#
# then, apart from the loop, an incremental `cargo build -p workspace-app-cli` (the CLI's
# build script generates a command per operation) and the CLI's binary size; with
# --release, the release binary's size and build time too (a build from scratch of the
# workspace's crates, the slowest part of the run).
#
#   bash scripts/whole-service/cost.sh [--release] [one|whole ...]    (default: both)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
release=
specs=()
for arg in "$@"; do
    case $arg in
    --release) release=--release ;;
    one | whole) specs+=("$arg") ;;
    *) echo "usage: cost.sh [--release] [one|whole ...]" >&2; exit 2 ;;
    esac
done
((${#specs[@]})) || specs=(one whole)
work="${CARGO_TARGET_DIR:-$root/target}/whole-service-cost"
tree="$work/tree"
export CARGO_TARGET_DIR="$work/target"
export CARGO_INCREMENTAL=0
results="$work/results"
mkdir -p "$work"

# Seconds since `$1` (an $EPOCHREALTIME), one decimal.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# The run of a crate's build script in the newest cargo --timings report.
build_script_run() {
    python3 - "$1" <<'EOF'
import glob, json, os, re, sys
html = max(glob.glob(os.path.join(os.environ["CARGO_TARGET_DIR"], "cargo-timings", "cargo-timing-*.html")), key=os.path.getmtime)
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", open(html).read(), re.S).group(1))
run = [u for u in units if u["name"] == sys.argv[1] and "run-custom-build" in (u.get("mode", "") + u.get("target", ""))]
print(f"{run[0]['duration']:.1f}" if run else "?")
EOF
}

bash scripts/spec-evolution/copy-tree.sh "$tree"
cp openapi/workspace-app.yaml "$work/one.yaml"
bash scripts/whole-service/derive.sh --spec openapi/workspace-app.yaml --out "$work/whole.yaml" >/dev/null
cd "$tree"
printf '%-6s %5s %7s %6s %8s %11s %11s %6s %8s %9s %10s %9s\n' spec ops yaml-KB diff-s codegen-s test-build-s regenerate-s check-s cli-s cli-debug-MB cli-release-MB release-s |
    tee "$results"
for spec in "${specs[@]}"; do
    cp "$work/$spec.yaml" openapi/workspace-app.yaml
    operations=$(grep -c '^      operationId: ' openapi/workspace-app.yaml)
    size=$(($(wc -c <openapi/workspace-app.yaml) / 1024))
    # Everything built and in sync before the edit.
    cargo xtask regenerate >/dev/null
    cargo test --quiet --workspace --no-run 2>/dev/null
    cargo build --quiet -p workspace-app-cli
    # The edit: one word of a description every spec here has.
    sed -i '0,/Queries the execution status/s//Reports the execution status/' openapi/workspace-app.yaml
    grep -q 'Reports the execution status' openapi/workspace-app.yaml

    started=$EPOCHREALTIME
    cargo xtask diff >/dev/null || true # a description edit is a patch: exit 0 unless the spec is broken
    diff=$(since "$started")
    started=$EPOCHREALTIME
    cargo test --quiet --workspace --no-run --timings 2>/dev/null
    test_build=$(since "$started")
    codegen=$(build_script_run workspace-app-client)
    started=$EPOCHREALTIME
    cargo xtask regenerate >/dev/null
    regenerate=$(since "$started")
    started=$EPOCHREALTIME
    cargo xtask check >/dev/null
    check=$(since "$started")

    started=$EPOCHREALTIME
    cargo build --quiet -p workspace-app-cli
    cli=$(since "$started")
    debug=$(awk -v b="$(stat -c %s "$CARGO_TARGET_DIR/debug/workspace-app")" 'BEGIN { printf "%.1f", b / 1e6 }')
    release_size=- release_time=-
    if [ "$release" = --release ]; then
        started=$EPOCHREALTIME
        cargo build --quiet --release -p workspace-app-cli
        release_time=$(since "$started")
        release_size=$(awk -v b="$(stat -c %s "$CARGO_TARGET_DIR/release/workspace-app")" 'BEGIN { printf "%.1f", b / 1e6 }')
    fi
    printf '%-6s %5s %7s %6s %8s %11s %11s %6s %8s %9s %10s %9s\n' "$spec" "$operations" "$size" "$diff" "$codegen" \
        "$test_build" "$regenerate" "$check" "$cli" "$debug" "$release_size" "$release_time" | tee -a "$results"
done
echo "results in $results; the scratch tree and its target dir in $work (remove it when done: several GB)"
