#!/usr/bin/env bash
# Promise 1 at the real service's size and shape: on a scratch copy of this tree, the spec
# gains Huawei's Workspace App operations (derive.py, from the pinned SDK) with the YAML as
# the only edit, and the whole pipeline follows:
#
#   1. `cargo xtask diff`: every change is an addition, compatible on the wire, at most minor
#      for Rust, and exit 0;
#   2. `cargo xtask regenerate`, then `cargo xtask check`;
#   3. the client, the CLI and the emulator build (the multipart uploads are left out of the
#      client with a build warning naming them);
#   4. the CLI has an `api` command for every operation the client generates;
#   5. the emulator answers every one of them, called through the CLI with its required
#      parameters and body (calls.py), each exit 0;
#   6. one signed call per method and body shape (GET, POST and DELETE with and without a
#      JSON body, PATCH, PUT), through the CLI with AK/SK, is accepted by a verifier built on
#      Huawei's own signer (scripts/huawei-signing/verifier.py --any-operation).
#
#   bash scripts/whole-service/run.sh [quick|all]
#     quick (CI): the product spec plus one operation per distinct shape (33 operations)
#     all: every operation of the SDK (173 added to ListSubJobs)
#
# The scratch tree lives under $CARGO_TARGET_DIR/whole-service/ (default: this repository's
# target/), built in a target dir of its own there unless WHOLE_SERVICE_TARGET_DIR names
# another (CI: this tree's own, as its last step: cargo names a workspace crate's artifacts
# by its path within the workspace, so the scratch tree's overwrite this tree's). Timings of
# each step are printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
scope=${1:-quick}
case $scope in quick | all) ;; *) echo "usage: run.sh [quick|all]" >&2; exit 2 ;; esac
work="${CARGO_TARGET_DIR:-$root/target}/whole-service"
tree="$work/tree"
export CARGO_TARGET_DIR="${WHOLE_SERVICE_TARGET_DIR:-$work/target}"
timings=()
started=$SECONDS
step() {
    local now=$SECONDS
    if [ -n "${step_name:-}" ]; then timings+=("$(printf '%5ds  %s' $((now - step_started)) "$step_name")"); fi
    step_name=$1
    step_started=$now
    printf '\n==> [%s] %s\n' "$(date +%T)" "$1"
}

step "derive the service's operations into a scratch copy of the spec ($scope)"
bash scripts/spec-evolution/copy-tree.sh "$tree"
derive_args=(--spec "$tree/openapi/workspace-app.yaml" --out "$tree/openapi/workspace-app.yaml")
[ "$scope" = quick ] && derive_args+=(--only-picked)
bash scripts/whole-service/derive.sh "${derive_args[@]}"
python=scripts/whole-service/.venv/bin/python
calls=$("$python" scripts/whole-service/calls.py "$tree/openapi/workspace-app.yaml")
shapes=$("$python" scripts/whole-service/calls.py "$tree/openapi/workspace-app.yaml" --shapes)
operations=$(wc -l <<<"$calls")
printf '%s\n' "$calls" >"$work/calls.jsonl"
printf '%s\n' "$shapes" >"$work/shapes.jsonl"
echo "$operations operations with a JSON form or none ($(wc -l <<<"$shapes") method/body shapes)"
cd "$tree"

step "cargo xtask diff: every change an addition"
# Through files, not arguments: one argument holds at most 128 KiB.
cargo xtask diff --format json >"$work/diff.json"
python3 - "$work/diff.json" <<'EOF'
import json, sys
changes = json.load(open(sys.argv[1]))["changes"]
bad = [c for c in changes if c["wire"] != "compatible" or c["rust"] == "major"]
added = sum(c["rule"] == "endpoint-added" for c in changes)
print(f"{len(changes)} changes, {added} endpoint-added, all compatible and at most minor" if not bad else "")
if bad or not added:
    sys.exit(f"not every change is an addition: {bad[:5] or 'no endpoint added'}")
EOF

step "cargo xtask regenerate, then cargo xtask check"
cargo xtask regenerate | tail -n 1
cargo xtask check | tail -n 2

step "the client, the CLI and the emulator build"
build_log=$(mktemp)
cargo build -p workspace-app-client -p workspace-app-cli -p workspace-app-mock 2>&1 | tee "$build_log" | grep -E 'warning: .*not generated|^error' || true
grep -q '^error' "$build_log" && exit 1
rm -f "$build_log"
cli="$CARGO_TARGET_DIR/debug/workspace-app"
mock="$CARGO_TARGET_DIR/debug/workspace-app-mock"
ls -l "$cli" | awk '{print "CLI binary (debug):", $5, "bytes"}'

step "a CLI command for every operation"
"$cli" api --help >"$work/api-help.txt"
python3 - "$work/api-help.txt" "$work/calls.jsonl" <<'EOF'
import json, re, sys
listed = set(re.findall(r"^  ([a-z0-9-]+)\s", open(sys.argv[1]).read(), re.M))
wanted = [json.loads(line)["argv"][0] for line in open(sys.argv[2]).read().splitlines()]
missing = [name for name in wanted if name not in listed]
print(f"{len(wanted)} operations, {len(listed)} commands listed")
if missing:
    sys.exit(f"no command for: {missing}")
EOF

# Runs the CLI for each call of a JSON-lines file; `$1` names the run, the rest of the
# arguments come first on every command line. Prints a failure per call that does not
# exit 0, and fails if any did.
run_calls() {
    local name=$1 list=$2
    shift 2
    local failed=0 line argv body
    while IFS= read -r line; do
        mapfile -t argv < <(python3 -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])["argv"]))' "$line")
        body=$(python3 -c 'import json, sys; b = json.loads(sys.argv[1])["json_body"]; print("" if b is None else json.dumps(b))' "$line")
        if [ -n "$body" ]; then
            printf '%s' "$body" >"$work/body.json"
            argv+=(--json-body "$work/body.json")
        fi
        local status=0
        "$cli" "$@" api "${argv[@]}" >"$work/out" 2>"$work/err" </dev/null || status=$?
        if [ "$status" != 0 ]; then
            echo "  $name: api ${argv[*]}: exit $status: $(head -c 400 "$work/err")" >&2
            failed=$((failed + 1))
        fi
    done <"$list"
    [ "$failed" = 0 ] || { echo "$name: $failed calls failed" >&2; return 1; }
}

step "the emulator answers every operation, called through the CLI"
mock_log="$work/mock.log"
"$mock" --token whole-service --project-id whole-service >"$mock_log" 2>&1 &
mock_pid=$!
verifier_pid=
trap 'kill $mock_pid $verifier_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$mock_log" && break; sleep 0.1; done
mock_url=$(sed -n 's/^listening on //p' "$mock_log")
[ -n "$mock_url" ] || { echo "the emulator did not start: $(cat "$mock_log")" >&2; exit 1; }
env -i PATH="$PATH" HUAWEICLOUD_SDK_CREDENTIALS_FILE=/nonexistent HUAWEICLOUD_SDK_METADATA_ENDPOINT=http://127.0.0.1:9 \
    bash -c "$(declare -f run_calls); cli='$cli' work='$work' run_calls emulator \"\$1\" --endpoint '$mock_url' --project-id whole-service --token whole-service" _ "$work/calls.jsonl"
echo "$operations operations answered"

step "one signed call per method and body shape, accepted by Huawei's signer"
bash scripts/huawei-signing/venv.sh >/dev/null
ak=WHOLE-SERVICE-AK-0001
sk='whole-service-sk/é'
record="$work/verified.txt"
rm -f "$record"
"$root/.venv-signing/bin/python" "$root/scripts/huawei-signing/verifier.py" --listen 127.0.0.1:0 \
    --ak "$ak" --sk "$sk" --any-operation --record "$record" >"$work/verifier.log" 2>&1 &
verifier_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/verifier.log" && break; sleep 0.1; done
verifier_url=$(sed -n 's/^listening on //p' "$work/verifier.log")
[ -n "$verifier_url" ] || { echo "the verifier did not start: $(cat "$work/verifier.log")" >&2; exit 1; }
# The verifier answers `{}`: a command whose answer must hold more fails after the call,
# so what counts is what the verifier recorded: every call verified, none rejected.
env -i PATH="$PATH" HUAWEICLOUD_SDK_AK="$ak" HUAWEICLOUD_SDK_SK="$sk" \
    HUAWEICLOUD_SDK_CREDENTIALS_FILE=/nonexistent HUAWEICLOUD_SDK_METADATA_ENDPOINT=http://127.0.0.1:9 \
    bash -c "$(declare -f run_calls); cli='$cli' work='$work' run_calls signed \"\$1\" --endpoint '$verifier_url' --allow-insecure-http --project-id whole-service" _ "$work/shapes.jsonl" || true
python3 - "$record" "$shapes" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines() if __import__("os").path.exists(sys.argv[1]) else []
shapes = [json.loads(line) for line in sys.argv[2].splitlines()]
rejected = [l for l in lines if l.startswith("rejected")]
verified = [l for l in lines if l.startswith("verified")]
for l in lines:
    print("  " + l)
if rejected or len(verified) != len(shapes):
    sys.exit(f"{len(verified)} of {len(shapes)} signed calls verified; rejected: {rejected}")
print(f"{len(verified)} signed calls, one per shape ({', '.join(s['shape'] for s in shapes)}), verified")
EOF

step "done"
echo
echo "timings ($scope, $operations operations):"
printf '%s\n' "${timings[@]}"
echo "whole service: passed in $((SECONDS - started)) s"
