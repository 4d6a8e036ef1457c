#!/usr/bin/env bash
# Build cost for a downstream crate, cold `cargo build` (debug), four crates in one run (the
# first two alternately, ROUNDS times):
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
#   ROUNDS=3 bash scripts/bench/build-cost.sh
#
# 2 x ROUNDS + 2 cold builds: 8 with the default ROUNDS=3, about 12 minutes on 2 cores
# (PERFORMANCE.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== packaging workspace-app-client, its build-dependency workspace-app-codegen, and its generated code"
cargo package --quiet --package workspace-app-codegen --package workspace-app-client --allow-dirty --no-verify
cargo build --quiet --package workspace-app-client
# The packages' versions from the manifests, not written here: `cargo xtask release` bumps them.
versions=$(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
version = {p["name"]: p["version"] for p in json.load(sys.stdin)["packages"]}
print(version["workspace-app-client"], version["workspace-app-codegen"])')
read -r client_version codegen_version <<<"$versions"
client_dir=workspace-app-client-$client_version
codegen_dir=workspace-app-codegen-$codegen_version
crate=target/package/$client_dir.crate
# The codegen crate is not on crates.io: downstream builds take it from its package instead.
tar xzf "target/package/$codegen_dir.crate" -C "$work"
out_dir=$(dirname "$(ls -t target/debug/build/workspace-app-client-*/out/workspace_app_generated.rs | head -n 1)")

for variant in generated-at-build pregenerated; do
    mkdir -p "$work/$variant"
    tar xzf "$crate" -C "$work/$variant"
done
pregenerated="$work/pregenerated/$client_dir"
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
workspace-app-codegen = { path = "$work/$codegen_dir" }
[workspace]
EOF
    echo "$main" >"$downstream/src/main.rs"
    # The same dependency versions as the workspace, from its lock file.
    cp "$root/Cargo.lock" "$downstream/"
    rm -rf "$work/target-$label" # cold, every time
    local started=$EPOCHREALTIME
    (cd "$downstream" && CARGO_TARGET_DIR="$work/target-$label" cargo build --quiet --timings)
    local cpu
    cpu=$(units "$work/target-$label/cargo-timings/cargo-timing.html" | awk '{ s += $1 } END { printf "%.1f", s }')
    awk -v a="$started" -v b="$EPOCHREALTIME" -v v="$label" -v cpu="$cpu" \
        'BEGIN { printf "%-16s cold build %6.1f s  (units %6.1f s of CPU)\n", v, b - a, cpu }' |
        tee -a "$work/results"
}

# units TIMINGS_HTML: "seconds name version (target)" for each unit cargo --timings saw.
units() {
    python3 - "$1" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
for unit in json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", html, re.S).group(1)):
    target = unit.get("target", "").strip() or "lib"
    print(f"{unit['duration']:.1f} {unit['name']} {unit['version']} ({target})")
PY
}

client() { # client VARIANT [EXTRA]: the dependency on the packaged client
    echo "workspace-app-client = { path = \"$work/$1/$client_dir\"${2:-} }"
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

rounds=${ROUNDS:-3}
echo "== cold builds of a downstream crate (debug, $(nproc) cores): the floor and the client alternately, $rounds rounds"
for _ in $(seq "$rounds"); do
    build floor "$floor" "$uses_floor"
    build as-published "$(client generated-at-build)" "$uses_client"
done
build pregenerated "$(client pregenerated)" "$uses_client"
build rustls-aws-lc \
    "$(client generated-at-build ', default-features = false, features = ["rustls-aws-lc"]')" "$uses_client"
python3 - "$work/results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, seconds = line.split()[0], float(line.split()[3])
    runs.setdefault(label, []).append(seconds)
median = {label: statistics.median(times) for label, times in runs.items()}
ratios = [c / f for f, c in zip(runs["floor"], runs["as-published"])]
print(f"the client as published, against the floor: {statistics.median(ratios):.2f}x "
      f"(median of {len(ratios)} rounds: {', '.join(f'{r:.2f}' for r in ratios)}; "
      f"medians {median['as-published']:.1f} s vs {median['floor']:.1f} s)")
generation = median["as-published"] - median["pregenerated"]
print(f"build-time generation adds {generation:.1f} s ({100 * generation / median['as-published']:.0f}%)")
aws = median["rustls-aws-lc"] - median["as-published"]
print(f"rustls-aws-lc instead of ring adds {aws:.1f} s ({100 * aws / median['as-published']:.0f}%)")
PY

echo "== slowest units of the last as-published build (cargo --timings)"
units "$work/target-as-published/cargo-timings/cargo-timing.html" | sort -rn | head -n 15
