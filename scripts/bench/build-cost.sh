#!/usr/bin/env bash
# Build cost for a downstream crate: cold `cargo build` (debug) of a crate that depends on the
# packaged workspace-app-client, as published, against the same crate with its generated code
# written out beforehand (no build.rs work, no build-dependencies). The difference is what
# build-time generation costs a downstream user. A third build uses the `rustls-ring` feature
# instead of the default TLS provider. Also lists the slowest units of the first.
#
#   bash scripts/bench/build-cost.sh        (three cold builds: about 3 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== packaging workspace-app-client, its build-dependency workspace-app-codegen, and its generated code"
cargo package --quiet --package workspace-app-codegen --package workspace-app-client --allow-dirty --no-verify
cargo build --quiet --package workspace-app-client
crate=target/package/workspace-app-client-0.1.0.crate
# The codegen crate is not on crates.io: downstream builds take it from its package instead.
tar xzf target/package/workspace-app-codegen-0.1.0.crate -C "$work"
out_dir=$(dirname "$(ls -t target/debug/build/workspace-app-client-*/out/workspace_app_generated.rs | head -n 1)")

for variant in generated-at-build pregenerated; do
    mkdir -p "$work/$variant"
    tar xzf "$crate" -C "$work/$variant"
done
pregenerated="$work/pregenerated/workspace-app-client-0.1.0"
# The client and, beside it, the spec tables: every file src/generated.rs includes from OUT_DIR.
for file in workspace_app_generated.rs workspace_app_spec_tables.rs; do
    cp "$out_dir/$file" "$pregenerated/src/pregenerated_$file"
    sed -i "s|include!(concat!(env!(\"OUT_DIR\"), \"/$file\"));|include!(\"pregenerated_$file\");|" \
        "$pregenerated/src/generated.rs"
done
if grep -q 'env!("OUT_DIR")' "$pregenerated/src/generated.rs"; then
    echo "src/generated.rs still includes from OUT_DIR" >&2
    exit 1
fi
echo 'fn main() {}' >"$pregenerated/build.rs"
# Drop every [build-dependencies.*] table of the normalized manifest.
python3 - "$pregenerated/Cargo.toml" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = re.sub(r"\n\[build-dependencies\.[^\]]+\]\n(?:[^\[\n][^\n]*\n?)*", "\n", text)
open(path, "w").write(text)
EOF

build() {
    local variant=$1 label=$2 features=$3 downstream="$work/downstream-$2"
    mkdir -p "$downstream/src"
    cat >"$downstream/Cargo.toml" <<EOF
[package]
name = "downstream"
version = "0.1.0"
edition = "2021"
[dependencies]
workspace-app-client = { path = "$work/$variant/workspace-app-client-0.1.0"$features }
[patch.crates-io]
workspace-app-codegen = { path = "$work/workspace-app-codegen-0.1.0" }
[workspace]
EOF
    echo 'fn main() { let _ = workspace_app_client::ClientBuilder::new(); }' >"$downstream/src/main.rs"
    # The same dependency versions as the workspace, from its lock file.
    cp "$root/Cargo.lock" "$downstream/"
    local started=$EPOCHREALTIME
    (cd "$downstream" && CARGO_TARGET_DIR="$work/target-$label" cargo build --quiet --timings)
    awk -v a="$started" -v b="$EPOCHREALTIME" -v v="$label" \
        'BEGIN { printf "%-34s cold build %6.1f s\n", v, b - a }' | tee -a "$work/results"
}

echo "== cold builds of a downstream crate (debug, $(nproc) cores)"
build generated-at-build as-published ""
build pregenerated pregenerated ""
build generated-at-build as-published-with-rustls-ring ', default-features = false, features = ["rustls-ring"]'
awk '{ t[NR] = $(NF - 1) } END {
    printf "build-time generation adds %.1f s (%.0f%%)\n", t[1] - t[2], 100 * (t[1] - t[2]) / t[1]
    printf "rustls-ring instead of aws-lc-rs saves %.1f s (%.0f%%)\n", t[1] - t[3], 100 * (t[1] - t[3]) / t[1]
}' "$work/results"

echo "== slowest units of the first build (cargo --timings)"
python3 - "$work/target-as-published/cargo-timings/cargo-timing.html" <<'EOF'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", html, re.S).group(1))
for unit in sorted(units, key=lambda u: -u["duration"])[:12]:
    target = unit.get("target", "").strip() or "lib"
    print(f"{unit['duration']:6.1f} s  {unit['name']} {unit['version']} ({target})")
EOF
