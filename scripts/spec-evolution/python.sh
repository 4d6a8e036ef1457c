#!/usr/bin/env bash
# Prints the path of a Python with scripts/spec-evolution/requirements.txt installed, making
# its virtual environment first if needed (under the target dir, which git ignores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="${CARGO_TARGET_DIR:-$here/../../target}/spec-evolution/venv"
stamp="$venv/requirements.txt"
if ! cmp -s "$here/requirements.txt" "$stamp" 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
    cp "$here/requirements.txt" "$stamp"
fi
echo "$venv/bin/python"
