#!/usr/bin/env bash
# Makes .venv-signing (Huawei's SDK core, pinned in requirements.txt) if needed and prints
# its python. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-signing
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/huawei-signing/requirements.txt
echo "$PWD/$venv/bin/python"
