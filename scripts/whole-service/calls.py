#!/usr/bin/env python3
"""One CLI call per operation of a (derived) spec: the `workspace-app api` command line that
calls it with every required parameter, and a JSON body with every required property.

    python3 calls.py SPEC [--shapes]        (JSON lines on stdout)

Each line: {"operation", "method", "body": "none"|"json", "shape", "argv": [...],
"json_body": {...} or null, "status": "200"|"204"|...}. `argv` follows the command name
(`api <command> ...`); a JSON body goes in a file given with `--json-body FILE`. Operations
without a JSON form of their body (multipart uploads) are not generated and not listed.

With --shapes: one operation per shape (method, body kind), for the signed calls.

How progenitor names commands and flags: the operationId in kebab case (`ListSubJobs` →
`list-sub-jobs`), each parameter's name in snake case, then kebab (`X-Language` →
`x-language`, `app_group_id` → `app-group-id`).
"""

import json
import re
import sys

import yaml


def kebab(name):
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    snake = re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").lower()
    return snake.replace("_", "-")


def resolve(document, node, depth=0):
    while isinstance(node, dict) and "$ref" in node and depth < 32:
        pointer = node["$ref"].lstrip("#/").split("/")
        node = document
        for part in pointer:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        depth += 1
    return node


def value_for(document, schema, depth=0):
    """A value the schema accepts: the example, an enum's first value, a bound, else a
    placeholder of the type; objects with their required properties only."""
    schema = resolve(document, schema)
    if depth > 12:
        return None
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    for combined in ("allOf", "anyOf", "oneOf"):
        if combined in schema and schema[combined]:
            return value_for(document, schema[combined][0], depth + 1)
    kind = schema.get("type")
    if kind == "integer" or kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return [value_for(document, schema.get("items", {}), depth + 1)
                for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "object" or "properties" in schema:
        return {name: value_for(document, prop, depth + 1)
                for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if schema.get("format") == "date-time":
        return "2024-01-01T00:00:00Z"
    length = max(1, schema.get("minLength", 1))
    return "x" * length


def flag_values(value):
    if isinstance(value, list):
        return [flag_text(item) for item in value]
    return [flag_text(value)]


def flag_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def calls(document):
    for path, item in document.get("paths", {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = item.get(method)
            if not operation:
                continue
            body = resolve(document, operation.get("requestBody", {}))
            content = body.get("content", {})
            if content and "application/json" not in content:
                continue  # left out of the generated client
            argv = [kebab(operation["operationId"])]
            parameters = [resolve(document, p) for p in item.get("parameters", [])
                          + operation.get("parameters", [])]
            for parameter in parameters:
                if parameter["in"] == "path" and parameter["name"] == "project_id":
                    continue  # the CLI's --project-id
                if not parameter.get("required") and parameter["in"] != "path":
                    continue
                if parameter["in"] == "header" and parameter["name"].lower() == "x-auth-token":
                    continue
                value = value_for(document, parameter.get("schema", {}))
                for text in flag_values(value):
                    argv += [f"--{kebab(parameter['name'])}", text]
            json_body = None
            if content:
                json_body = value_for(document, content["application/json"].get("schema", {}))
            success = sorted(s for s in operation.get("responses", {}) if s.startswith("2"))
            yield {
                "operation": operation["operationId"],
                "method": method.upper(),
                "path": path,
                "body": "json" if content else "none",
                "shape": f"{method.upper()}/{'json' if content else 'none'}",
                "argv": argv,
                "json_body": json_body,
                "status": success[0] if success else None,
            }


def main():
    spec, shapes = sys.argv[1], "--shapes" in sys.argv[2:]
    with open(spec, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    seen = set()
    for call in calls(document):
        if shapes:
            if call["shape"] in seen:
                continue
            seen.add(call["shape"])
        print(json.dumps(call, ensure_ascii=False))


if __name__ == "__main__":
    main()
