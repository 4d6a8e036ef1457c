#!/usr/bin/env bash
# Promise 1, "the YAML is the only hand edit", as a test of the whole pipeline. On a scratch
# copy of this working tree, each case edits openapi/workspace-app.yaml and nothing else
# (on its parsed tree, with scripts/spec-evolution/edits.py), then:
#
#   reserialised  the same document dumped by PyYAML (formatting is not content):
#                 `cargo xtask regenerate` changes only the bundled copy of the spec (the
#                 snapshots pin the generated code: it is identical), `cargo xtask diff`
#                 finds no change, `cargo xtask check` and `cargo test --workspace` pass.
#   additive      every additive edit at once (an optional response field, Huawei's
#                 CountSubJobs, a request and a response enum value, an optional string
#                 parameter, an optional integer parameter bounded 0 to 9: `priority`):
#                 `cargo xtask diff` judges each compatible and at most minor for Rust, then
#                 `cargo xtask regenerate`, `cargo test --workspace`, a downstream-style
#                 crate written against today's API (the client's `downstream` example)
#                 still builds, and the CLI has `api count-sub-jobs`, which answers against
#                 the emulator, sends nothing with --dry-run, and refuses a bad enum value
#                 or an integer out of the new bounds (exit 2) with nothing sent.
#
# Every case runs, whatever the others do; the script fails if any failed, naming them.
#
# The cases share one scratch tree and one target dir of their own, both under
# $CARGO_TARGET_DIR/additive-edits/ (default: this repository's target/), so dependencies
# are compiled once and later runs are incremental. Not this repository's own target dir
# (unless ADDITIVE_EDITS_TARGET_DIR says so): cargo hashes workspace crates by their path
# relative to the workspace root, so a copy elsewhere would share (and overwrite) this
# tree's artifacts, CARGO_MANIFEST_DIR baked in.
# Files are copied with fresh mtimes, so every workspace crate is rebuilt for each case.
#
#   bash scripts/additive-edits.sh [case...]      (default: every case)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch_root="${CARGO_TARGET_DIR:-$root/target}/additive-edits"
python=$(bash scripts/spec-evolution/python.sh)
# ADDITIVE_EDITS_TARGET_DIR: another target dir to build in, e.g. this tree's own when
# nothing will use its artifacts afterwards (the last step of CI): the dependencies are
# built already.
export CARGO_TARGET_DIR="${ADDITIVE_EDITS_TARGET_DIR:-$scratch_root/target}"

all_cases=(reserialised additive)
cases=("${@:-${all_cases[@]}}")
additive_edits=$("$python" scripts/spec-evolution/edits.py list | awk -F'\t' '$2 == "additive" { print $1 }')

edit() { "$python" "$root/scripts/spec-evolution/edits.py" apply "$1" openapi/workspace-app.yaml openapi/workspace-app.yaml; }

# The diff's verdicts in the scratch tree: no change at all, or every change compatible on
# the wire and at most minor for Rust (and exit 0).
judged() {
    local expect=$1 json
    json=$(cargo xtask diff --format json) || {
        echo "cargo xtask diff failed or judged a change breaking" >&2
        return 1
    }
    python3 - "$expect" "$json" <<'EOF'
import json, sys
expect, report = sys.argv[1], json.loads(sys.argv[2])
changes = report["changes"]
for c in changes:
    print(f"  {c['rule']}: wire {c['wire']}, rust {c['rust']}: {c['message']}")
if expect == "none" and changes:
    sys.exit("a re-serialised spec is not the same document")
if expect == "additive":
    bad = [c for c in changes if c["wire"] != "compatible" or c["rust"] == "major"]
    if not changes or bad:
        sys.exit(f"not every additive edit was judged compatible and minor: {bad or 'no change'}")
EOF
}

# The CLI after the additive edits, against the emulator (both built in the scratch tree):
# the new operation is a command, and the new parameter's bounds are checked, with no other
# edit. A subshell, so that its EXIT trap (the emulator stopped and the logs removed, on any
# return or Ctrl-C) is its own. The trap is set once the emulator runs: a child forked with
# it set could run it too; `|| true`, as errexit applies inside it.
cli_follows_the_spec() (
    local log pid status=0
    cargo build --quiet -p workspace-app-mock -p workspace-app-cli || return 1
    log=$(mktemp)
    "$CARGO_TARGET_DIR/debug/workspace-app-mock" --token additive --project-id additive-edits >"$log" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log" "$log.out" "$log.err"' EXIT
    for _ in $(seq 100); do grep -q '^listening on ' "$log" && break; sleep 0.1; done
    local url
    url=$(sed -n 's/^listening on //p' "$log")
    local cli=("$CARGO_TARGET_DIR/debug/workspace-app" --endpoint "$url" --project-id additive-edits --token additive)
    requests() { grep -c ' request' "$log" || true; }
    expect() { # expect EXIT WHAT COMMAND...: runs it, checks its exit code
        local want=$1 what=$2 got
        shift 2
        "$@" >"$log.out" 2>"$log.err"
        got=$?
        if [ "$got" != "$want" ]; then
            echo "$what: exit $got, not $want: $(cat "$log.out" "$log.err")" >&2
            status=1
        fi
    }
    if [ -z "$url" ]; then
        echo "the emulator did not start: $(cat "$log")" >&2
        status=1
    else
        expect 0 "api --help" "${cli[@]}" api --help
        grep -q 'count-sub-jobs' "$log.out" || { echo "api --help does not list count-sub-jobs" >&2; status=1; }
        expect 0 "api count-sub-jobs" "${cli[@]}" api count-sub-jobs --job-type CREATE_SERVER --output json
        python3 -c 'import json, sys; body = json.load(open(sys.argv[1])); assert body == {"count": 2}, body' "$log.out" ||
            { echo "api count-sub-jobs did not print the emulator's answer" >&2; status=1; }
        local before
        before=$(requests)
        expect 0 "--dry-run api count-sub-jobs" "${cli[@]}" --dry-run api count-sub-jobs --job-type CREATE_SERVER
        expect 2 "a bad enum value" "${cli[@]}" api count-sub-jobs --job-type NOT_A_TYPE
        expect 2 "an integer out of the new bounds" "${cli[@]}" api list-sub-jobs --job-type CREATE_SERVER --priority 10
        expect 0 "an integer within the new bounds" "${cli[@]}" api list-sub-jobs --job-type CREATE_SERVER --priority 9 --output json
        # Only the last command reached the emulator.
        if [ "$(requests)" != "$((before + 1))" ]; then
            echo "the emulator received $(($(requests) - before)) requests, not 1: a dry run or a usage error sent something" >&2
            status=1
        fi
    fi
    [ "$status" = 0 ] && echo "  the CLI follows the spec: api count-sub-jobs, --priority 0 to 9"
    return $status
)

# `set -e` does not apply inside a function called as a condition: each step says it fails.
run_case() {
    local case=$1
    case $case in
    reserialised)
        edit reserialised || return 1
        local changed
        changed=$(cargo xtask regenerate | grep -E '^(updated|removed) ') || return 1
        if [ "$changed" != "updated crates/workspace-app-client/openapi/workspace-app.yaml" ]; then
            echo "regenerating a re-serialised spec changed more than its bundled copy:" >&2
            echo "$changed" >&2
            return 1
        fi
        judged none || return 1
        ;;
    additive)
        for name in $additive_edits; do
            echo "  edit: $name"
            edit "$name" || return 1
        done
        judged additive || return 1
        cargo xtask regenerate || return 1
        ;;
    *)
        echo "unknown case $case" >&2
        return 1
        ;;
    esac
    cargo xtask check || return 1
    # --no-fail-fast: every failing test is reported, not only the first crate's.
    cargo test --workspace --no-fail-fast || return 1
    # Built by `cargo test` too; named here so that its failure says what it means.
    cargo build --quiet -p workspace-app-client --example downstream || {
        echo "a downstream crate written against the released API no longer builds" >&2
        return 1
    }
    if [ "$case" = additive ]; then
        cli_follows_the_spec || return 1
    fi
}

failed=()
dir="$scratch_root/tree"
for case in "${cases[@]}"; do
    printf '\n==> %s: edit the spec in %s, regenerate, test\n' "$case" "$dir"
    bash scripts/spec-evolution/copy-tree.sh "$dir"
    if (cd "$dir" && run_case "$case"); then
        echo "==> $case: passed"
    else
        failed+=("$case")
    fi
done

echo
if ((${#failed[@]})); then
    printf 'cases that needed more than the YAML:\n' >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "every case passed with the YAML as the only hand edit"
