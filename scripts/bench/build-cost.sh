#!/usr/bin/env bash
# Build cost for a downstream crate, cold `cargo build` (debug), four crates in one run:
#
#   floor            no client at all: what any client on this stack costs, a crate on
#                    reqwest (its defaults plus json, query and stream), serde, serde_json,
#                    tokio and futures-util
#   as-published     a crate depending on the packaged workspace-app-client, defaults
#   pregenerated     the same with its generated code written out beforehand (no build.rs
#                    work, no build-dependencies): the difference is what build-time
#                    generation costs
#   rustls-aws-lc    the packaged client with the rustls-aws-lc feature instead of ring
#
# Then the client's cold build as a ratio of the floor's, and the slowest units of the
# as-published build (cargo --timings).
#
#   bash scripts/bench/build-cost.sh        (four cold builds: about 6 minutes on 2 cores)
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

# build LABEL DEPENDENCIES MAIN: one cold build of a crate with these dependencies.
build() {
    local label=$1 dependencies=$2 main=$3 downstream="$work/downstream-$1"
    mkdir -p "$downstream/src"
    cat >"$downstream/Cargo.toml" <<EOF
[package]
name = "downstream"
version = "0.1.0"
edition = "2021"
[dependencies]
$dependencies
[patch.crates-io]
workspace-app-codegen = { path = "$work/workspace-app-codegen-0.1.0" }
[workspace]
EOF
    echo "$main" >"$downstream/src/main.rs"
    # The same dependency versions as the workspace, from its lock file.
    cp "$root/Cargo.lock" "$downstream/"
    local started=$EPOCHREALTIME
    (cd "$downstream" && CARGO_TARGET_DIR="$work/target-$label" cargo build --quiet --timings)
    awk -v a="$started" -v b="$EPOCHREALTIME" -v v="$label" \
        'BEGIN { printf "%-34s cold build %6.1f s\n", v, b - a }' | tee -a "$work/results"
}

client() { # client VARIANT [EXTRA]: the dependency on the packaged client
    echo "workspace-app-client = { path = \"$work/$1/workspace-app-client-0.1.0\"${2:-} }"
}
uses_client='fn main() { let _ = workspace_app_client::ClientBuilder::new(); }'
floor='reqwest = { version = "0.13", features = ["json", "query", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
futures-util = "0.3"'
uses_floor='#[derive(serde::Deserialize)]
struct Page {
    count: i32,
}

#[tokio::main]
async fn main() {
    let client = reqwest::Client::new();
    let request = client.get("https://example.invalid/").query(&[("limit", 1)]).build();
    let page: Option<Page> = serde_json::from_str("{\"count\": 1}").ok();
    let _ = (request, page.map(|p| p.count), futures_util::stream::empty::<()>());
}'

echo "== cold builds of a downstream crate (debug, $(nproc) cores)"
build floor "$floor" "$uses_floor"
build as-published "$(client generated-at-build)" "$uses_client"
build pregenerated "$(client pregenerated)" "$uses_client"
build rustls-aws-lc \
    "$(client generated-at-build ', default-features = false, features = ["rustls-aws-lc"]')" "$uses_client"
awk '{ t[NR] = $(NF - 1) } END {
    printf "the client as published, against the floor: %.2fx (%.1f s vs %.1f s)\n", t[2] / t[1], t[2], t[1]
    printf "build-time generation adds %.1f s (%.0f%%)\n", t[2] - t[3], 100 * (t[2] - t[3]) / t[2]
    printf "rustls-aws-lc instead of ring adds %.1f s (%.0f%%)\n", t[4] - t[2], 100 * (t[4] - t[2]) / t[2]
}' "$work/results"

echo "== slowest units of the as-published build (cargo --timings)"
python3 - "$work/target-as-published/cargo-timings/cargo-timing.html" <<'EOF'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", html, re.S).group(1))
for unit in sorted(units, key=lambda u: -u["duration"])[:12]:
    target = unit.get("target", "").strip() or "lib"
    print(f"{unit['duration']:6.1f} s  {unit['name']} {unit['version']} ({target})")
EOF
