#!/usr/bin/env bash
# Conformance with tools nobody here wrote, against openapi/workspace-app.yaml:
#   1. schemathesis (PyPI) fuzzes the emulator (workspace-app-mock): every response must
#      conform to the spec, invalid requests must be refused, other methods answered 405.
#   2. Prism (npm) mocks the spec and refuses any request that breaks it; the client's
#      tests in crates/workspace-app-client/tests/prism.rs run against it.
# Run from anywhere on a machine with the Rust toolchain, Python 3 and Node.js (>= 18.20):
#   bash scripts/conformance.sh
# Tools install pinned into .venv and scripts/conformance/node_modules (both git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

tools=scripts/conformance
spec=openapi/workspace-app.yaml
token=conformance-token

# No telemetry, update checks or funding notices from the tools.
export SCARF_ANALYTICS=false DO_NOT_TRACK=1
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

step() { printf '\n==> %s\n' "$*"; }

work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints the last lines of a log, for when a step fails.
show_log() {
    echo "--- last lines of $1:" >&2
    tail -n 40 "$1" >&2 || true
}

step "install schemathesis (PyPI, pinned) into .venv"
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r "$tools/requirements.txt"
.venv/bin/schemathesis --version

step "install Prism (npm, pinned by $tools/package-lock.json)"
npm ci --prefix "$tools" --loglevel=error --no-audit --no-fund
"$tools/node_modules/.bin/prism" --version

step "build the emulator and the client's Prism tests"
cargo build --quiet --package workspace-app-mock --bin workspace-app-mock
cargo test --quiet --no-run --package workspace-app-client --test prism
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

step "schemathesis against the emulator"
"$target_dir/debug/workspace-app-mock" --listen 127.0.0.1:0 --jobs 200 --seed 1 \
    --token "$token" >"$work/emulator.out" 2>"$work/emulator.log" &
emulator=$!
pids+=("$emulator")
# Its first stdout line is `listening on http://127.0.0.1:PORT`.
url=""
for _ in $(seq 300); do
    if [[ -s "$work/emulator.out" ]]; then
        read -r line <"$work/emulator.out"
        url=${line#listening on }
        break
    fi
    if ! kill -0 "$emulator" 2>/dev/null; then
        show_log "$work/emulator.log"
        echo "the emulator exited before it listened" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ ! "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]]; then
    show_log "$work/emulator.log"
    echo "no 'listening on http://127.0.0.1:PORT' line from the emulator (got '$url')" >&2
    exit 1
fi
echo "emulator at $url"
# The config authenticates schemathesis as the IamToken scheme with $CONFORMANCE_TOKEN.
# It runs in the scratch folder so that its caches land there.
if ! (cd "$work" && CONFORMANCE_TOKEN=$token "$root/.venv/bin/schemathesis" \
    --config-file "$root/$tools/schemathesis.toml" \
    run "$root/$spec" --url "$url" --checks all \
    --max-examples 200 --seed 1 --generation-database none --workers 1); then
    show_log "$work/emulator.log"
    exit 1
fi
kill "$emulator"

step "the client's tests against Prism"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tools/node_modules/.bin/prism" mock -h 127.0.0.1 -p "$port" "$spec" >"$work/prism.log" 2>&1 &
prism=$!
pids+=("$prism")
ready=false
for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        ready=true
        break
    fi
    if ! kill -0 "$prism" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [[ $ready != true ]]; then
    show_log "$work/prism.log"
    echo "Prism did not start listening on 127.0.0.1:$port" >&2
    exit 1
fi
echo "Prism at http://127.0.0.1:$port"
if ! PRISM_URL="http://127.0.0.1:$port" cargo test --quiet --package workspace-app-client \
    --test prism -- --ignored; then
    show_log "$work/prism.log"
    exit 1
fi

echo
echo "conformance passed: schemathesis found no non-conforming response; the client passes against Prism"
