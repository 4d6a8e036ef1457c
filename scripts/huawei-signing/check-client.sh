#!/usr/bin/env bash
# Checks the client's AK/SK signer against Huawei's own (huaweicloudsdkcore from PyPI):
#   1. the committed fixtures are exactly what Huawei's signer writes today;
#   2. the verifier (built on Huawei's signer) itself accepts good and refuses tampered requests;
#   3. that verifier accepts requests the Rust client signs, and refuses a wrong SK.
# Run from anywhere; needs python3 and the Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv-signing
bash scripts/huawei-signing/venv.sh >/dev/null

"$venv/bin/python" scripts/huawei-signing/make_fixtures.py --check
"$venv/bin/python" scripts/huawei-signing/smoke_test.py

ak=CHECK-AK-0123456789
sk='check-sk/é+=~'
token=CHECK-SECURITY-TOKEN
out=$(mktemp)
"$venv/bin/python" scripts/huawei-signing/verifier.py --listen 127.0.0.1:0 \
    --ak "$ak" --sk "$sk" --security-token "$token" >"$out" &
verifier=$!
trap 'kill "$verifier" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$out" && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$out" | head -n 1)
[ -n "$url" ] || { echo "the verifier did not start" >&2; exit 1; }

HUAWEI_VERIFIER_URL="$url" HUAWEI_VERIFIER_AK="$ak" HUAWEI_VERIFIER_SK="$sk" \
HUAWEI_VERIFIER_SECURITY_TOKEN="$token" \
    cargo test --quiet --package workspace-app-client --test signing -- --ignored

# Differential: the signer and Huawei's (batch_signer.py) on 3000 random requests, each signed
# identically or refused before sending, never sent altered.
HUAWEI_SIGNER_PYTHON="$PWD/$venv/bin/python" SIGNING_DIFF_SEED=20240102 SIGNING_DIFF_CASES=3000 \
    cargo test --quiet --package workspace-app-client --test signing_differential -- --ignored --nocapture

# The CLI's generated `api` commands sign through the same client: one of each, by the CLI
# binary with the SDK's environment variables, must be accepted too (a refusal is a 401,
# exit 3).
cargo build --quiet --package workspace-app-cli
cli=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/workspace-app
answer=$(HUAWEICLOUD_SDK_AK="$ak" HUAWEICLOUD_SDK_SK="$sk" HUAWEICLOUD_SDK_SECURITY_TOKEN="$token" \
    HUAWEICLOUD_SDK_CREDENTIALS_FILE=/nonexistent HUAWEICLOUD_SDK_METADATA_ENDPOINT=http://127.0.0.1:9 \
    "$cli" --endpoint "$url" --project-id 'p/é +~' \
    api list-sub-jobs --job-type CREATE_SERVER --limit 5 --job-id 'j&=?#' --output json)
echo "$answer" | python3 -c 'import json, sys; body = json.load(sys.stdin); assert body["items"][0]["id"] == "verified", body'
echo "Huawei's signer accepts the client's signatures, the CLI's api commands' included"
