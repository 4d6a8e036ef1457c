#!/usr/bin/env bash
# Runs derive.py (every operation of Huawei's pinned Workspace App SDK into a scratch copy of
# the spec) in its own venv, scripts/whole-service/.venv (git-ignored), made and kept in step
# with requirements.txt here.  Arguments go to derive.py, paths relative to the repository:
#
#   bash scripts/whole-service/derive.sh --spec openapi/workspace-app.yaml --out /tmp/whole.yaml
#   bash scripts/whole-service/derive.sh --list-shapes
#   bash scripts/whole-service/derive.sh --pick-shapes
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=scripts/whole-service/.venv
stamp="$venv/requirements.txt"
if ! cmp -s scripts/whole-service/requirements.txt "$stamp" 2>/dev/null; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        -r scripts/whole-service/requirements.txt >&2
    cp scripts/whole-service/requirements.txt "$stamp"
fi
exec "$venv/bin/python" scripts/whole-service/derive.py "$@"
