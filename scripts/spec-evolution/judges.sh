#!/usr/bin/env bash
# `cargo xtask diff` against two outside judges, on every edit of edits.py (each made on
# the released baseline's parsed tree):
#
#   the wire   Optic (npm @useoptic/optic, pinned in package.json): `optic diff BASE HEAD
#              --check` exits 1 on a breaking change;
#   Rust       cargo-semver-checks (crates.io, pinned below) between the client generated
#              from the baseline and the one generated from the edit (rustdoc JSON of
#              workspace-app-client built from each, in a scratch copy of this tree).
#
# Where a judge disagrees with the xtask, known-disagreements.txt must list the edit and
# the judge with the reason; a listed disagreement that no longer happens fails too, so the
# list stays true. agreement.py prints the table.
#
#   bash scripts/spec-evolution/judges.sh [edit...]   (default: every edit)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
here=$root/scripts/spec-evolution
work="${CARGO_TARGET_DIR:-$root/target}/spec-evolution"
semver_checks_version=0.47.0

python=$(bash "$here/python.sh")
if [ ! -x "$here/node_modules/.bin/optic" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
if ! cargo semver-checks --version 2>/dev/null | grep -qx "cargo-semver-checks $semver_checks_version"; then
    cargo install cargo-semver-checks --locked --version "$semver_checks_version"
fi
cargo build --quiet -p xtask

edits=("$@")
if ((${#edits[@]} == 0)); then
    # Captured first, so that a failing edits.py stops the script (errexit does not see a
    # process substitution's status).
    list=$("$python" "$here/edits.py" list | cut -f1)
    mapfile -t edits <<<"$list"
    if [ -z "$list" ]; then
        echo "edits.py listed no edit" >&2
        exit 1
    fi
fi
base=$root/$(ls openapi/released/workspace-app-client-*.yaml | sort -V | tail -n 1)
rm -rf "$work/heads" "$work/out"
mkdir -p "$work/heads" "$work/out" "$work/rustdoc" "$work/home"
bash "$here/copy-tree.sh" "$work/tree"

# The rustdoc JSON of the client generated from spec $1, into $2. Rustdoc's JSON output is
# unstable; cargo-semver-checks reads it the same way. TLS through ring: no C toolchain step.
# Every step returns on failure explicitly: the loop below calls this under `set +e`, and
# the stale JSON is removed first, so a failed build cannot hand on the previous edit's.
rustdoc_json() {
    rm -f "$work/target/doc/workspace_app_client.json" "$2"
    cp "$1" "$work/tree/openapi/workspace-app.yaml" || return 1
    (cd "$work/tree" && CARGO_TARGET_DIR="$work/target" RUSTC_BOOTSTRAP=1 \
        cargo rustdoc --quiet -p workspace-app-client --lib --no-default-features --features rustls-ring \
        -- -Z unstable-options --output-format json) || return 1
    cp "$work/target/doc/workspace_app_client.json" "$2" || return 1
}

echo "==> rustdoc of the baseline's client ($base)"
rustdoc_json "$base" "$work/rustdoc/base.json"

verdicts="$work/verdicts.tsv"
: >"$verdicts"
for edit in "${edits[@]}"; do
    echo "==> $edit"
    head="$work/heads/$edit.yaml"
    out="$work/out/$edit"
    "$python" "$here/edits.py" apply "$edit" "$base" "$head"

    set +e
    cargo xtask diff --base-file "$base" --spec "$head" --format json >"$out.xtask.json"
    xtask_status=$?
    (cd "$work" && HOME="$work/home" OPTIC_TELEMETRY_LEVEL=off NO_UPDATE_NOTIFIER=1 NO_COLOR=1 \
        timeout 120 "$here/node_modules/.bin/optic" diff "$base" "$head" --check) >"$out.optic.txt" 2>&1
    optic_status=$?
    rustdoc_json "$head" "$work/rustdoc/head.json"
    rustdoc_status=$?
    # A client that does not build has no API to compare: agreement.py accepts that only for
    # the edits known-disagreements.txt lists with the judge `build`.
    semver_status=unbuilt
    if ((rustdoc_status == 0)); then
        cargo semver-checks check-release --release-type minor \
            --baseline-rustdoc "$work/rustdoc/base.json" --current-rustdoc "$work/rustdoc/head.json" \
            >"$out.semver-checks.txt" 2>&1
        semver_status=$?
    else
        echo "  the client generated from $edit did not build (cargo rustdoc's output above)"
    fi
    set -e

    if ((xtask_status > 1)); then
        echo "cargo xtask diff could not judge $edit" >&2
        exit 1
    fi
    # Optic exits 1 for an error too; only a report of the operations is a verdict.
    if ((optic_status > 1)) || ! grep -q '^Operations: ' "$out.optic.txt"; then
        echo "Optic could not judge $edit:" >&2
        cat "$out.optic.txt" >&2
        exit 1
    fi
    if [ "$semver_status" != unbuilt ] && { ((semver_status > 1)) ||
        ! grep -qE 'Summary|no semver update required|semver requires' "$out.semver-checks.txt"; }; then
        echo "cargo-semver-checks could not judge $edit:" >&2
        cat "$out.semver-checks.txt" >&2
        exit 1
    fi
    printf '%s\t%s\t%s\t%s\n' "$edit" "$out.xtask.json" "$optic_status" "$semver_status" >>"$verdicts"
done

python3 "$here/agreement.py" "$verdicts" "$here/known-disagreements.txt"
