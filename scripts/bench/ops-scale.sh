#!/usr/bin/env bash
# What an operation costs to generate and to build: the spec grown by N operations (each
# with its own path, three schemas of its own and the usual parameters and errors, about
# 220 lines of YAML), then, for each N, in one scratch copy of this tree with its own
# target dir:
#
#   codegen       the client's build script (load, lint, progenitor, tables, render), as
#                 cargo --timings measures its run
#   generated     the size of the code it writes into OUT_DIR
#   build         an incremental `cargo build -p workspace-app-client` after the spec
#                 changed: the build script, then the crate (its dependencies are built)
#
# and, for each later N, the cost per added operation against the first N given (a slope:
# (cost - first cost) / (N - first N)), so the first need not be 0 and the last line is the
# slope between the first and the last.
#
#   bash scripts/bench/ops-scale.sh [N...]      (default: 0 25 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
counts=("${@:-0 25 100}")
read -ra counts <<<"${counts[*]}"
work="${CARGO_TARGET_DIR:-$root/target}/ops-scale"
tree="$work/tree"
bash scripts/spec-evolution/copy-tree.sh "$tree"
python=$(bash scripts/spec-evolution/python.sh)
export CARGO_TARGET_DIR="$work/target"
export CARGO_INCREMENTAL=0

# The spec with N more operations, each `BenchOpI` with schemas of its own.
grow() {
    "$python" - "$root/openapi/workspace-app.yaml" "$tree/openapi/workspace-app.yaml" "$1" <<'EOF'
import copy, sys
import yaml
source, destination, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = yaml.safe_load(open(source, encoding="utf-8"))
listing = doc["paths"]["/v1/{project_id}/app-server-sub-jobs"]["get"]
schemas = doc["components"]["schemas"]
for i in range(count):
    name = f"BenchOp{i}"
    schemas[f"{name}State"] = {
        "type": "string", "description": f"State of a {name} record.",
        "enum": ["PENDING", "ACTIVE", "RETIRED"],
    }
    schemas[f"{name}Record"] = {
        "type": "object", "description": f"One {name} record.",
        "properties": {
            "id": {"type": "string", "description": "Record ID."},
            "name": {"type": "string", "description": "Record name."},
            "state": {"$ref": f"#/components/schemas/{name}State"},
            "size": {"type": "integer", "format": "int64", "description": "Size in bytes."},
            "created_at": {"type": "string", "description": "Creation time (ISO 8601, UTC)."},
            "tags": {"type": "array", "description": "Tags.", "items": {"type": "string"}},
        },
    }
    schemas[f"{name}Response"] = {
        "type": "object", "description": f"One page of {name} records.",
        "properties": {
            "count": {"type": "integer", "format": "int32", "minimum": 0, "description": "Total."},
            "items": {"type": "array", "description": "Records.",
                      "items": {"$ref": f"#/components/schemas/{name}Record"}},
        },
    }
    operation = copy.deepcopy(listing)
    operation["operationId"] = name
    operation["summary"] = f"Listing {name} records"
    operation["description"] = f"Lists the {name} records of a project."
    operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "job_type"] + [{
        "name": "state", "in": "query", "required": False, "description": "Only records in this state.",
        "schema": {"$ref": f"#/components/schemas/{name}State"},
    }]
    ok = operation["responses"]["200"]["content"]["application/json"]
    ok["schema"] = {"$ref": f"#/components/schemas/{name}Response"}
    ok["example"] = {"count": 1, "items": [{"id": "r-1", "name": "one", "state": "ACTIVE", "size": 1}]}
    doc["paths"][f"/v1/{{project_id}}/bench-op-{i}"] = {"get": operation}
yaml.safe_dump(doc, open(destination, "w", encoding="utf-8"), sort_keys=False, allow_unicode=True)
EOF
}

printf '%-5s %10s %12s %12s %10s\n' N yaml-lines codegen-s generated-KB build-s | tee "$work/results"
(cd "$tree" && cargo build --quiet -p workspace-app-client) # the dependencies, once
for n in "${counts[@]}"; do
    grow "$n"
    lines=$(wc -l <"$tree/openapi/workspace-app.yaml")
    started=$EPOCHREALTIME
    (cd "$tree" && cargo build --quiet -p workspace-app-client --timings)
    elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    codegen=$(python3 - "$tree" <<'EOF'
import glob, json, os, re, sys
html = max(glob.glob(os.path.join(os.environ["CARGO_TARGET_DIR"], "cargo-timings", "cargo-timing-*.html")), key=os.path.getmtime)
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", open(html).read(), re.S).group(1))
run = [u for u in units if u["name"] == "workspace-app-client" and "run-custom-build" in (u.get("mode", "") + u.get("target", ""))]
print(f"{run[0]['duration']:.1f}" if run else "?")
EOF
)
    out=$(dirname "$(ls -t "$CARGO_TARGET_DIR"/debug/build/workspace-app-client-*/out/workspace_app_generated.rs | head -n 1)")
    size=$(du -k -c "$out"/*.rs | tail -n 1 | cut -f1)
    printf '%-5s %10s %12s %12s %10s\n' "$n" "$lines" "$codegen" "$size" "$elapsed" | tee -a "$work/results"
done
# Against the first row, whatever its N (an equal N has no slope).
awk 'NR == 2 { n0 = $1; c0 = $3; s0 = $4; b0 = $5 }
     NR > 2 && $1 != n0 { d = $1 - n0
         printf "per operation (N = %s to %s): codegen %.3f s, generated %.1f KB, build %.2f s\n",
                n0, $1, ($3 - c0) / d, ($4 - s0) / d, ($5 - b0) / d }' "$work/results"
