#!/usr/bin/env bash
# The downstream example (crates/workspace-app-example: an interceptor, a per-call override,
# a retry classifier, OpenTelemetry to stdout) built against the client AS PACKAGED
# (`cargo package`), not the workspace's sources: what a crate that depends on the published
# client gets. Then run against the emulator.
#
#   bash scripts/packaged-example.sh      (after `cargo package -p workspace-app-codegen
#                                          -p workspace-app-client`, which .ci/run does;
#                                          it runs it itself if the packages are not there)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
client="$root/target/package/workspace-app-client-$version"
codegen="$root/target/package/workspace-app-codegen-$version"
if [ ! -d "$client" ] || [ ! -d "$codegen" ]; then
    cargo package --package workspace-app-codegen --package workspace-app-client --allow-dirty
fi
scratch="$root/target/packaged-example"
rm -rf "$scratch"
mkdir -p "$scratch"
cp -r crates/workspace-app-example/src "$scratch/"
# The workspace's lock: the same versions of every dependency, already built.
cp Cargo.lock "$scratch/"
python3 - "$root/crates/workspace-app-example/Cargo.toml" "$scratch/Cargo.toml" "$client" "$codegen" "$version" <<'PY'
import re, sys
source, out, client, codegen, version = sys.argv[1:]
text = open(source).read()
deps = text[text.index("[dependencies]"):text.index("[lints]")]
deps = deps.replace("tokio = { workspace = true,", 'tokio = { version = "1.54.1",')
deps = deps.replace('workspace-app-client = { workspace = true,', f'workspace-app-client = {{ path = "{client}",')
open(out, "w").write(f"""[package]
name = "workspace-app-example"
version = "{version}"
edition = "2024"
publish = false

{deps}
# The packaged client's build-dependency, as packaged too (not on crates.io).
[patch.crates-io]
workspace-app-codegen = {{ path = "{codegen}" }}

[workspace]
""")
PY
CARGO_TARGET_DIR="$root/target" cargo build --quiet --manifest-path "$scratch/Cargo.toml"
example="$root/target/debug/workspace-app-example"
echo "built against the packaged client: $client"

# Against the emulator: the calls succeed, the interceptor counts them, and both exporters
# print (a span named by OpenTelemetry's conventions, the client's metrics).
cargo build --quiet --package workspace-app-mock
log=$(mktemp)
"$root/target/debug/workspace-app-mock" --token example --project-id example >"$log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true; rm -f "$log" "$log.out"' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$log" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$log")
"$example" "$url" example example >"$log.out" 2>&1
for expected in "2 calls counted by the interceptor" "Name         : GET /v1/{project_id}/app-server-sub-jobs" \
    "Kind         : Client" "http.client.request.duration" "workspace_app.client.attempts"; do
    grep -qF "$expected" "$log.out" || { echo "the example's output lacks: $expected" >&2; cat "$log.out" >&2; exit 1; }
done
echo "the packaged client's downstream example ran against the emulator"
