#!/usr/bin/env bash
# Checks openapi/workspace-app.yaml against Huawei's own SDK (huaweicloudsdkworkspaceapp from
# PyPI, pinned in requirements.txt): every operation's parameters, the response models, the
# enum values and the region endpoints.  compare.py prints a table of what it compared and
# exits 1 on a difference that allowed-differences.txt does not acknowledge, or on an entry
# there that no longer matches any difference.  selftest.py first shows that the comparison
# catches a spec broken on purpose in each of the ways it claims to check.
# Run from anywhere; needs python3.  The venv lives in scripts/sdk-check/.venv (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=scripts/sdk-check/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/sdk-check/requirements.txt

args=(--spec openapi/workspace-app.yaml --allow scripts/sdk-check/allowed-differences.txt)
# first that the comparison catches a spec broken on purpose, then the real comparison
"$venv/bin/python" scripts/sdk-check/selftest.py "${args[@]}"
"$venv/bin/python" scripts/sdk-check/compare.py "${args[@]}"
