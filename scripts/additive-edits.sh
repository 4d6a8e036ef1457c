#!/usr/bin/env bash
# Promise 1, "the YAML is the only hand edit", as a test of the whole pipeline. On a scratch
# copy of this working tree, each case edits openapi/workspace-app.yaml and nothing else, runs
# `cargo xtask regenerate`, then `cargo test --workspace`, which must pass:
#
#   optional-field   an optional, described `resource_region` string on JobResourceInfo
#   new-operation    Huawei's CountSubJobs (GET /v1/{project_id}/app-server-sub-jobs/actions/count):
#                    ListSubJobs's filters, a 200 `{count}` with an example, the same errors
#
# Every case runs, whatever the others do; the script fails if any failed, naming them.
#
# The cases share one scratch tree and one target dir of their own, both under
# $CARGO_TARGET_DIR/additive-edits/ (default: this repository's target/), so dependencies
# are compiled once and later runs are incremental. Not this repository's own target dir:
# cargo hashes workspace crates by their path relative to the workspace root, so a copy
# elsewhere would share (and overwrite) this tree's artifacts, CARGO_MANIFEST_DIR baked in.
# Files are copied with fresh mtimes, so every workspace crate is rebuilt for each case.
#
#   bash scripts/additive-edits.sh [case...]      (default: every case)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch_root="${CARGO_TARGET_DIR:-$root/target}/additive-edits"
export CARGO_TARGET_DIR="$scratch_root/target"

all_cases=(optional-field new-operation)
cases=("${@:-${all_cases[@]}}")

# The working tree as it is (tracked files and untracked ones not ignored), without target/,
# every file with a fresh mtime (see above).
copy_tree() {
    local dest=$1
    rm -rf "$dest"
    mkdir -p "$dest"
    git ls-files -z --cached --others --exclude-standard |
        python3 -c '
import os, shutil, sys
dest = sys.argv[1]
for path in sys.stdin.buffer.read().split(b"\0"):
    path = path.decode()
    if path and os.path.isfile(path):
        os.makedirs(os.path.join(dest, os.path.dirname(path)), exist_ok=True)
        shutil.copy(path, os.path.join(dest, path))
' "$dest"
}

# Applies a case's edit to the spec under $1: textual, each anchor checked to occur once.
edit_spec() {
    python3 - "$1/openapi/workspace-app.yaml" "$2" <<'EOF'
import sys

path, case = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()


def insert_after(anchor, addition):
    global text
    count = text.count(anchor)
    if count != 1:
        sys.exit(f"{case}: anchor {anchor!r} occurs {count} times in the spec, not once")
    text = text.replace(anchor, anchor + addition)


if case == "optional-field":
    insert_after(
        "        resource_name:\n"
        "          type: string\n"
        "          description: Product name or operated resource name.\n",
        "        resource_region:\n"
        "          type: string\n"
        "          description: Region the resource is in, e.g. ap-southeast-1.\n",
    )
elif case == "new-operation":
    insert_after(
        "        '503':\n"
        "          $ref: '#/components/responses/ServiceUnavailable'\n",
        """\
  /v1/{project_id}/app-server-sub-jobs/actions/count:
    get:
      operationId: CountSubJobs
      tags: [jobs]
      summary: Querying the Number of Subtasks
      description: Counts the sub-jobs (subtasks) that match the filters.
      parameters:
        - name: project_id
          in: path
          required: true
          description: Unique ID of a project.
          schema:
            type: string
            minLength: 1
        - name: status
          in: query
          required: false
          description: Job status. Only sub-jobs in this status are counted.
          schema:
            $ref: '#/components/schemas/SubJobStatus'
        - name: job_type
          in: query
          required: true
          description: Job type. Only sub-jobs of this type are counted.
          schema:
            $ref: '#/components/schemas/JobTypeFilter'
        - name: job_id
          in: query
          required: false
          description: Job ID. Only the sub-jobs of this job are counted.
          schema:
            type: string
        - name: X-Auth-Token
          in: header
          required: false
          description: >-
            User token. It can be obtained by calling the IAM API used to obtain a user token.
            The value of X-Subject-Token in the response header is the user token.
          schema:
            type: string
      responses:
        '200':
          description: Response to a successful request.
          content:
            application/json:
              schema:
                type: object
                properties:
                  count:
                    type: integer
                    format: int32
                    minimum: 0
                    description: Number of sub-jobs matching the filters.
              example:
                count: 2
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
        '404':
          $ref: '#/components/responses/NotFound'
        '405':
          $ref: '#/components/responses/MethodNotAllowed'
        '500':
          $ref: '#/components/responses/InternalServerError'
        '503':
          $ref: '#/components/responses/ServiceUnavailable'
""",
    )
else:
    sys.exit(f"unknown case {case!r}")

open(path, "w", encoding="utf-8").write(text)
EOF
}

# What each case must have changed once regenerated: the edit reached the derived files.
check_derived() {
    local dir=$1 case=$2 snapshots=crates/workspace-app-client/tests/snapshots
    case $case in
    optional-field)
        grep -q resource_region "$dir/$snapshots/snapshots__schema_JobResourceInfo.snap"
        ;;
    new-operation)
        test -f "$dir/$snapshots/snapshots__example_count_sub_jobs_200_reserialized.snap" &&
            grep -q count_sub_jobs "$dir/crates/workspace-app-httpmock/src/generated.rs" &&
            grep -q CountSubJobs "$dir/crates/workspace-app-client/openapi/workspace-app.yaml"
        ;;
    esac
}

failed=()
dir="$scratch_root/tree"
for case in "${cases[@]}"; do
    printf '\n==> %s: edit the spec in %s, regenerate, test\n' "$case" "$dir"
    copy_tree "$dir"
    edit_spec "$dir" "$case"
    if ! (cd "$dir" && cargo xtask regenerate); then
        failed+=("$case (cargo xtask regenerate)")
        continue
    fi
    if ! check_derived "$dir" "$case"; then
        failed+=("$case (the regenerated files do not show the edit)")
        continue
    fi
    # --no-fail-fast: every failing test is reported, not only the first crate's.
    if ! (cd "$dir" && cargo test --workspace --no-fail-fast); then
        failed+=("$case (cargo test --workspace)")
        continue
    fi
    echo "==> $case: passed"
done

echo
if ((${#failed[@]})); then
    printf 'additive edits that needed more than the YAML:\n' >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "every additive edit passed with the YAML as the only hand edit"
