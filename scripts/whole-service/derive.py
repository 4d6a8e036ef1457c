#!/usr/bin/env python3
"""Derives every operation of Huawei's Workspace App SDK into a scratch copy of the spec.

Reads the pinned SDK (huaweicloudsdkworkspaceapp and huaweicloudsdkcore, requirements.txt):
`WorkspaceAppClient._<op>_http_info` for each operation's method, path, path/query/header
parameters, body, collection formats and response headers, and `v1/model/*.py` for the
request, body and response models (`openapi_types`, `attribute_map` for wire names, required =
set unconditionally in `__init__`, enum values listed in descriptions as `* `VALUE` - ...`).

    derive.py --spec openapi/workspace-app.yaml --out PATH [--only A,B | --only-picked] [--exclude A,B]
    derive.py --list-shapes [--only ...] [--exclude ...]    one line per SDK operation
    derive.py --pick-shapes [--pick product|cover]           one operation per distinct shape

--out writes the spec with every selected SDK operation that is not already in it (matched
by operationId, the PascalCase of the SDK method: list_sub_jobs -> ListSubJobs) added; the
spec's own text is kept byte for byte (the new path items and schemas are spliced in; the
result is checked to parse to the same tree as the merge, else the whole tree is dumped).
The output is checked with openapi-spec-validator and with the codegen's structural rules
(unique operationIds, every path placeholder declared, every parameter, named schema and
property described, every example valid against its schema) before it is written.

Conventions, mirrored from the spec's ListSubJobs:
  * parameters inline, project_id as ListSubJobs declares it; the document's `security` applies;
  * success: `200` with the response model and a minimal example (its required fields,
    recursively, and the top-level scalar fields); a response model without fields is `204`
    without content, unless the SDK's description says the answer is 200 (`响应200`): then
    `200` without content;
  * errors: 400, 401, 403, 404, 405, 500 and 503 as `$ref`s to components/responses;
  * query arrays: `style: form`; SDK collection format `csv` -> `explode: false`, `multi`
    (or none) -> `explode: true`. `--query-arrays as-sent` makes every one `explode: true`,
    which is what the SDK's core actually sends (it rewrites every collection format of a
    query parameter to `multi`, huaweicloudsdkcore/client.py `_parse_query_params`);
  * JSON bodies: `requestBody` with `application/json` and a `$ref` to the SDK's body model;
    multipart bodies: `multipart/form-data`, the SDK's form model (its `file` fields become
    `type: string, format: binary` parts);
  * schemas are named after the SDK's model classes; an SDK class whose name the spec already
    uses is the spec's schema when both describe the same JSON (same property names with the
    same kind of value, or the same enum values), else it is named `Sdk<Name>`;
  * enum values listed in an SDK description close the value of a request parameter or of a
    field of a model only requests use; a model that a response reaches keeps plain strings
    (its description lists the values), as the spec keeps response values open.
"""

from __future__ import annotations

import argparse
import copy
import html
import importlib.metadata
import inspect
import json
import re
import sys
from pathlib import Path

import yaml

import huaweicloudsdkworkspaceapp.v1 as sdk
from huaweicloudsdkworkspaceapp.v1.workspaceapp_client import WorkspaceAppClient

HERE = Path(__file__).resolve().parent
METHOD_ORDER = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
ERROR_RESPONSES = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "405": "MethodNotAllowed",
    "500": "InternalServerError",
    "503": "ServiceUnavailable",
}
PROJECT_ID = {
    "name": "project_id",
    "in": "path",
    "required": True,
    "description": "Unique ID of a project.",
    "schema": {"type": "string", "minLength": 1},
}
SCHEMA_PREFIX = "Sdk"
# Rust keywords (strict and reserved): a wire name that is one needs a rename in Rust.
RUST_KEYWORDS = set("""as async await break const continue crate dyn else enum extern false fn for
    if impl in let loop match mod move mut pub ref return self Self static struct super trait
    true type unsafe use where while abstract become box do final macro override priv try
    typeof unsized virtual yield gen""".split())
SCALARS = {
    "str": {"type": "string"},
    "int": {"type": "integer", "format": "int64"},
    "float": {"type": "number", "format": "double"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "file": {"type": "string", "format": "binary"},
    "object": {},
}


def fail(message: str):
    print(f"derive.py: {message}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# Reading the SDK
# ---------------------------------------------------------------------------------------------

def check_pins():
    """The installed SDK must be the one requirements.txt pins."""
    pins = dict(re.findall(r"^(huaweicloudsdk\w+)==(\S+)", (HERE / "requirements.txt").read_text(),
                           re.M))
    for package, pinned in sorted(pins.items()):
        installed = importlib.metadata.version(package)
        if installed != pinned:
            fail(f"{package} {installed} is installed, requirements.txt pins {pinned}")


def pascal(snake: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in snake.split("_"))


def clean(text: str) -> str:
    text = html.unescape(text or "")
    lines = [ln.strip() for ln in text.strip().splitlines()]
    out, blank = [], False
    for ln in lines:
        if ln:
            if blank and out:
                out.append("")
            out.append(ln)
            blank = False
        else:
            blank = True
    return "\n".join(out)


def attribute_description(cls, attr: str) -> str:
    """The text of the attribute's property docstring (between its first line and `:return:`)."""
    prop = getattr(cls, attr, None)
    doc = inspect.getdoc(prop) if isinstance(prop, property) else None
    if doc:
        body = doc.split("\n", 1)[1] if "\n" in doc else ""
        body = body.split(":return:", 1)[0]
        text = clean(body)
        if text:
            return text
    doc = inspect.getdoc(cls.__init__) or ""
    m = re.search(rf"^:param {re.escape(attr)}:(.*)$", doc, re.M)
    text = clean(m.group(1)) if m else ""
    return "" if re.fullmatch(r"Body of the \w+", text) else text


def sdk_required(cls) -> set:
    """Attributes that __init__ sets unconditionally (the generator's mark of a required one)."""
    lines = [ln.strip() for ln in inspect.getsource(cls.__init__).splitlines() if ln.strip()]
    required = set()
    for i, ln in enumerate(lines):
        m = re.fullmatch(r"self\.(\w+) = (\w+)", ln)
        if m and m.group(1) == m.group(2):
            if i == 0 or lines[i - 1] != f"if {m.group(1)} is not None:":
                required.add(m.group(1))
    return required


def documented_values(description: str) -> list:
    """Enum values an SDK description lists as `* `VALUE` - meaning`."""
    seen = []
    for value in re.findall(r"\*\s*`([^`]+)`\s*-", description):
        if value not in seen:
            seen.append(value)
    return seen


def enum_constants(cls) -> list:
    return [v for k, v in vars(cls).items()
            if k.isupper() and not k.startswith("_") and isinstance(v, (str, int))
            and not isinstance(v, bool)]


def is_enum_class(cls) -> bool:
    return not cls.openapi_types and bool(enum_constants(cls))


def sdk_class(name: str):
    cls = getattr(sdk, name, None)
    if cls is None or not hasattr(cls, "openapi_types"):
        fail(f"SDK: no model class {name} in huaweicloudsdkworkspaceapp.v1")
    return cls


def model_names(type_name: str) -> list:
    """The model classes a type string names, e.g. `dict(str, list[Foo])` -> [Foo]."""
    words = re.findall(r"[A-Za-z_]\w*", type_name)
    return [w for w in words if w not in SCALARS and w not in ("list", "dict")]


class Operation:
    """One SDK operation, read from `_<op>_http_info` and its request/response models."""

    def __init__(self, method_name: str):
        self.method_name = method_name
        self.op_id = pascal(method_name)
        self.request_cls = sdk_class(f"{self.op_id}Request")
        http_info_of = getattr(WorkspaceAppClient, f"_{method_name}_http_info")
        self.source = inspect.getsource(http_info_of)
        info = http_info_of(self.request_cls())
        if info["request_type"] != self.request_cls.__name__:
            fail(f"{self.op_id}: request type {info['request_type']}")
        self.method = info["method"].lower()
        self.path = info["resource_path"]
        self.response_cls = sdk_class(info["response_type"])
        self.response_headers = list(info.get("response_headers") or [])
        self.collection_formats = dict(info.get("collection_formats") or {})
        self.content_type = info["header_params"].get("Content-Type", "application/json")
        req = self.request_cls
        self.wire_to_attr = {w: a for a, w in req.attribute_map.items()}
        self.required = sdk_required(req)
        self.path_params = list(info["path_params"])
        self.query_params = [k for k, _ in info["query_params"]]
        self.header_params = [k for k in info["header_params"] if k != "Content-Type"]
        # placeholders the SDK fills from its credentials (project_id), not from the request
        self.credential_params = [p for p in re.findall(r"\{(\w+)\}", self.path)
                                  if p not in self.path_params]
        self.has_body = "body" in req.attribute_map and \
            "body = local_var_params['body']" in self.source
        self.body_type = req.openapi_types["body"] if self.has_body else None
        if self.has_body:
            self.body_kind = "multipart" if self.content_type == "multipart/form-data" else "json"
        else:
            self.body_kind = "none"
        placed = set(self.path_params) | set(self.query_params) | set(self.header_params)
        placed |= {"body"} if self.has_body else set()
        unplaced = set(req.attribute_map.values()) - placed
        if unplaced:
            fail(f"{self.op_id}: request attributes the SDK sends nowhere: {sorted(unplaced)}")
        doc = inspect.getdoc(getattr(WorkspaceAppClient, method_name)) or ""
        doc = doc.split("Please refer to HUAWEI cloud API Explorer", 1)[0]
        doc = doc.split(":param request:", 1)[0]
        first, _, rest = doc.partition("\n")
        self.summary = clean(first) or self.op_id
        self.description = clean(rest)
        # the body fields of the response (its attributes less the response headers)
        body_fields = [a for a, w in self.response_cls.attribute_map.items()
                       if w not in self.response_headers]
        self.response_body_fields = body_fields
        if body_fields:
            self.success = "200"
        elif re.search(r"响应\s*200", self.description):
            self.success = "200-empty"
        else:
            self.success = "204"

    def param_type(self, wire: str) -> str:
        return self.request_cls.openapi_types[self.wire_to_attr[wire]]

    def array_params(self) -> list:
        """(name, collection format as the SDK declares it) of each array query parameter."""
        return [(w, self.collection_formats.get(w, "none")) for w in self.query_params
                if self.param_type(w).startswith("list[")]


def sdk_operations() -> list:
    names = sorted(m.group(1) for n in dir(WorkspaceAppClient)
                   if (m := re.fullmatch(r"_(\w+)_http_info", n)))
    return [Operation(n) for n in names]


# ---------------------------------------------------------------------------------------------
# SDK models -> schemas
# ---------------------------------------------------------------------------------------------

def coarse(schema, resolve) -> str:
    """A schema's kind of JSON value, for comparing an SDK model with a spec schema."""
    schema = resolve(schema)
    if "anyOf" in schema or "oneOf" in schema:
        kinds = {coarse(s, resolve) for s in schema.get("anyOf", schema.get("oneOf"))}
        return kinds.pop() if len(kinds) == 1 else "any"
    t = schema.get("type")
    if t is None and "properties" in schema:
        return "object"
    return t or "any"


class Schemas:
    """The components/schemas the derived operations need, built from the SDK's classes."""

    def __init__(self, spec: dict, response_classes: set, header_fields: dict):
        self.header_fields = header_fields  # response class -> wire names that are headers
        self.roles: dict = {}  # class name -> ["Request body of X", "Response body of Y"]
        self.spec_schemas = spec.get("components", {}).get("schemas", {})
        self.response_classes = response_classes  # classes reachable from a response
        self.names: dict = {}  # SDK class name -> schema name
        self.new: dict = {}  # schema name -> schema
        self.reused: dict = {}  # SDK class -> spec schema it is
        self.renamed: dict = {}  # SDK class -> prefixed name

    def resolve_spec(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.spec_schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def ref(self, cls_name: str) -> dict:
        return {"$ref": f"#/components/schemas/{self.name_of(cls_name)}"}

    def name_of(self, cls_name: str) -> str:
        if cls_name in self.names:
            return self.names[cls_name]
        cls = sdk_class(cls_name)
        if cls_name in self.spec_schemas:
            if self.same_json(cls, self.spec_schemas[cls_name]):
                self.names[cls_name] = cls_name
                self.reused[cls_name] = cls_name
                return cls_name
            name = SCHEMA_PREFIX + cls_name
            while name in self.spec_schemas or hasattr(sdk, name):
                name = SCHEMA_PREFIX + name
            self.renamed[cls_name] = name
        else:
            name = cls_name
        self.names[cls_name] = name
        self.new[name] = None  # placeholder: a class may refer to itself
        self.new[name] = self.model_schema(cls)
        return name

    def same_json(self, cls, spec_schema) -> bool:
        spec_schema = self.resolve_spec(spec_schema)
        if is_enum_class(cls):
            return sorted(map(str, spec_schema.get("enum", []))) == \
                sorted(map(str, enum_constants(cls)))
        props = spec_schema.get("properties")
        if props is None:
            return False
        sdk_props = {cls.attribute_map[a]: t for a, t in cls.openapi_types.items()}
        if set(props) != set(sdk_props):
            return False
        for wire, t in sdk_props.items():
            sdk_kind = coarse(self.type_schema(t, cls, reuse_probe=True), lambda s: s)
            if sdk_kind != coarse(props[wire], self.resolve_spec):
                return False
        return True

    def type_schema(self, type_name: str, owner=None, reuse_probe=False) -> dict:
        m = re.fullmatch(r"list\[(.+)\]", type_name)
        if m:
            return {"type": "array", "items": self.type_schema(m.group(1), owner, reuse_probe)}
        m = re.fullmatch(r"dict\(\s*str\s*,\s*(.+)\)", type_name)
        if m:
            return {"type": "object",
                    "additionalProperties": self.type_schema(m.group(1), owner, reuse_probe)}
        if type_name in SCALARS:
            return copy.deepcopy(SCALARS[type_name])
        cls = sdk_class(type_name)
        if reuse_probe:  # only the kind of value, without creating schemas
            if is_enum_class(cls):
                return {"type": "integer" if isinstance(enum_constants(cls)[0], int)
                        else "string"}
            return {"type": "object"}
        return self.ref(type_name)

    def model_schema(self, cls) -> dict:
        name = cls.__name__
        if is_enum_class(cls):
            values = enum_constants(cls)
            kind = "integer" if isinstance(values[0], int) else "string"
            return {"type": kind,
                    "description": f"{name} (Huawei's SDK): one of " +
                                   ", ".join(map(str, values)) + ".",
                    "enum": values}
        required = sdk_required(cls)
        closed = name not in self.response_classes
        props = {}
        req = []
        for attr, type_name in cls.openapi_types.items():
            wire = cls.attribute_map[attr]
            if wire in self.header_fields.get(name, ()):
                continue  # a response header, not a body field
            props[wire] = self.field_schema(cls, attr, type_name, closed)
            if attr in required:
                req.append(wire)
        schema = {"type": "object", "description": self.model_description(cls)}
        if req:
            schema["required"] = req
        schema["properties"] = props
        return schema

    def field_schema(self, cls, attr, type_name, closed_enums) -> dict:
        wire = cls.attribute_map[attr]
        description = attribute_description(cls, attr)
        schema = self.type_schema(type_name, cls)
        if "$ref" in schema:
            return schema  # described by the schema it points at
        if not description:
            description = f"`{wire}` (no description in Huawei's SDK)."
        values = documented_values(description)
        if values and closed_enums and type_name == "str":
            schema["enum"] = values
        return {**schema, "description": description}

    def model_description(self, cls) -> str:
        roles = self.roles.get(cls.__name__)
        if roles:
            return "; ".join(roles) + " (Huawei's SDK model " + cls.__name__ + ")."
        return f"{cls.__name__}: a model of Huawei's Workspace App SDK (huaweicloudsdkworkspaceapp)."


def reachable_classes(type_names) -> set:
    """Every model class reachable from the given type strings."""
    seen = set()
    todo = [n for t in type_names for n in model_names(t)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        cls = sdk_class(name)
        for t in cls.openapi_types.values():
            todo.extend(model_names(t))
    return seen


# ---------------------------------------------------------------------------------------------
# Examples: the required fields, recursively, and the top-level scalars
# ---------------------------------------------------------------------------------------------

def example_of(schema: dict, components: dict, top: bool = False, depth: int = 0):
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "enum" in schema:
        return schema["enum"][0]
    t = schema.get("type")
    if t == "string":
        return {"date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01"}.get(
            schema.get("format"), "string")
    if t == "integer":
        return schema.get("minimum", 0)
    if t == "number":
        return 0
    if t == "boolean":
        return False
    if t == "array":
        return []
    if t == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        out = {}
        for key, prop in props.items():
            resolved = prop
            while "$ref" in resolved:
                resolved = components[resolved["$ref"].rsplit("/", 1)[1]]
            scalar = resolved.get("type") in ("string", "integer", "number", "boolean") \
                and resolved.get("format") != "binary"
            if key in required or (top and scalar):
                if depth > 16:
                    fail("example: required fields nest too deep (a cycle?)")
                out[key] = example_of(prop, components, depth=depth + 1)
        return out
    return {}


# ---------------------------------------------------------------------------------------------
# Operations -> path items
# ---------------------------------------------------------------------------------------------

def describe_param(op, wire, where) -> str:
    attr = op.wire_to_attr[wire]
    text = attribute_description(op.request_cls, attr)
    return text or f"`{wire}` ({where} parameter; no description in Huawei's SDK)."


def param_schema(op, wire, schemas: Schemas, closed: bool = True) -> tuple:
    type_name = op.param_type(wire)
    schema = schemas.type_schema(type_name)
    description = describe_param(op, wire, "")
    values = documented_values(description)
    if values and closed and type_name == "str":
        schema["enum"] = values
    return schema, description


def operation_object(op: Operation, schemas: Schemas, query_arrays: str) -> dict:
    parameters = []
    for name in re.findall(r"\{(\w+)\}", op.path):
        if name in op.credential_params:
            if name != "project_id":
                fail(f"{op.op_id}: path placeholder {{{name}}} comes from nowhere")
            parameters.append(copy.deepcopy(PROJECT_ID))
            continue
        schema, description = param_schema(op, name, schemas)
        parameters.append({"name": name, "in": "path", "required": True,
                           "description": description, "schema": schema})
    for name in op.query_params:
        schema, description = param_schema(op, name, schemas)
        p = {"name": name, "in": "query",
             "required": op.wire_to_attr[name] in op.required,
             "description": description}
        if schema.get("type") == "array":
            fmt = op.collection_formats.get(name, "none")
            if fmt not in ("csv", "multi", "none"):
                fail(f"{op.op_id}.{name}: collection format {fmt!r} has no OpenAPI form here")
            explode = query_arrays == "as-sent" or fmt != "csv"
            p["style"] = "form"
            p["explode"] = explode
        p["schema"] = schema
        parameters.append(p)
    for name in op.header_params:
        schema, description = param_schema(op, name, schemas)
        parameters.append({"name": name, "in": "header",
                           "required": op.wire_to_attr[name] in op.required,
                           "description": description, "schema": schema})

    obj = {"operationId": op.op_id, "summary": op.summary}
    obj["description"] = op.description or op.summary
    obj["parameters"] = parameters
    if op.has_body:
        if model_names(op.body_type) != [op.body_type]:
            fail(f"{op.op_id}: body type {op.body_type} is not a model")
        media = "multipart/form-data" if op.body_kind == "multipart" else "application/json"
        obj["requestBody"] = {
            "required": "body" in op.required,
            "content": {media: {"schema": schemas.ref(op.body_type)}},
        }
    responses = {}
    if op.success == "200":
        body = {a: t for a, t in op.response_cls.openapi_types.items()
                if a in op.response_body_fields}
        if list(body) == ["body"]:  # the response is one value, not an object
            schema = schemas.type_schema(body["body"])
        else:
            schema = schemas.ref(op.response_cls.__name__)
        response = {"description": "Response to a successful request.",
                    "content": {"application/json": {"schema": schema}}}
    elif op.success == "200-empty":
        response = {"description": "Response to a successful request (no body): the SDK's "
                                   "description says the service answers 200."}
    else:
        response = {"description": "Response to a successful request (no body)."}
    if op.response_headers:
        headers = {}
        for wire in op.response_headers:
            attr = next(a for a, w in op.response_cls.attribute_map.items() if w == wire)
            headers[wire] = {
                "description": attribute_description(op.response_cls, attr) or f"{wire}.",
                "schema": schemas.type_schema(op.response_cls.openapi_types[attr])}
        response["headers"] = headers
    responses[op.success[:3]] = response
    for status, name in ERROR_RESPONSES.items():
        responses[status] = {"$ref": f"#/components/responses/{name}"}
    obj["responses"] = responses
    return obj


def add_examples(paths: dict, components: dict):
    for item in paths.values():
        for op in item.values():
            for status, response in op["responses"].items():
                media = response.get("content", {}).get("application/json")
                if media is not None:
                    media["example"] = example_of(media["schema"], components, top=True)


# ---------------------------------------------------------------------------------------------
# Checks of the result
# ---------------------------------------------------------------------------------------------

def check_document(doc: dict):
    problems = []
    seen = {}
    for path, item in doc["paths"].items():
        placeholders = set(re.findall(r"\{(\w+)\}", path))
        for method in METHOD_ORDER:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            op_id = op.get("operationId")
            if op_id in seen:
                problems.append(f"{where}: operationId {op_id} also used by {seen[op_id]}")
            seen[op_id] = where
            params = item.get("parameters", []) + op.get("parameters", [])
            declared = {p["name"] for p in params if p.get("in") == "path"}
            if declared != placeholders:
                problems.append(f"{where}: path parameters {sorted(declared)} "
                                f"!= placeholders {sorted(placeholders)}")
            for p in params:
                if "$ref" not in p and not str(p.get("description", "")).strip():
                    problems.append(f"{where}: parameter {p.get('name')} has no description")

    def described(schema, name, at):
        if not isinstance(schema, dict):
            return
        if name is not None and "$ref" not in schema and \
                not str(schema.get("description", "")).strip():
            problems.append(f"{at}: no description")
        for key, prop in schema.get("properties", {}).items():
            described(prop, key, f"{at}/properties/{key}")
        for key in ("items", "additionalProperties", "not"):
            if isinstance(schema.get(key), dict):
                described(schema[key], None, f"{at}/{key}")
        for key in ("allOf", "anyOf", "oneOf"):
            for i, sub in enumerate(schema.get(key, [])):
                described(sub, None, f"{at}/{key}/{i}")

    for name, schema in doc["components"]["schemas"].items():
        described(schema, name, f"#/components/schemas/{name}")
    if problems:
        fail("the derived document breaks the spec's rules:\n  " + "\n  ".join(problems))


def check_examples(doc: dict):
    """Each response example against its schema (draft 4, `nullable` understood), as the
    codegen's lint-examples does."""
    import jsonschema

    def to_json_schema(node):
        if isinstance(node, dict):
            out = {k: to_json_schema(v) for k, v in node.items()}
            if out.get("nullable") is True:
                out.pop("nullable")
                if isinstance(out.get("type"), str):
                    out["type"] = [out["type"], "null"]
            return out
        if isinstance(node, list):
            return [to_json_schema(v) for v in node]
        return node

    components = to_json_schema(doc["components"]["schemas"])
    problems = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHOD_ORDER:
                continue
            for status, response in op.get("responses", {}).items():
                media = response.get("content", {}).get("application/json", {})
                if "example" not in media:
                    continue
                root = {"allOf": [to_json_schema(media["schema"])],
                        "components": {"schemas": components}}
                for e in jsonschema.Draft4Validator(root).iter_errors(media["example"]):
                    problems.append(f"{op['operationId']} {status}: {e.message}")
    if problems:
        fail("examples that do not match their schemas:\n  " + "\n  ".join(problems))


def validate_openapi(doc: dict):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    try:
        validate(json.loads(json.dumps(doc)))
    except OpenAPIValidationError as e:
        fail(f"openapi-spec-validator: {e}")


# ---------------------------------------------------------------------------------------------
# Writing: the spec's text kept, the new path items and schemas spliced in
# ---------------------------------------------------------------------------------------------

class Dumper(yaml.SafeDumper):
    """Block style, key order kept, multi-line strings as literal blocks (as edits.py)."""


Dumper.add_representer(str, lambda dumper, data: dumper.represent_scalar(
    "tag:yaml.org,2002:str", data, style="|" if "\n" in data else None))


def dump(node) -> str:
    return yaml.dump(node, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)


def indented(node, indent: int) -> list:
    return [(" " * indent + ln) if ln else ln for ln in dump(node).splitlines()]


def block_end(lines: list, start: int, indent: int) -> int:
    """Index after the last content line of the block opened at `start` (whose children are
    indented more than `indent`): trailing blank and comment lines stay outside."""
    end = start + 1
    last = start
    while end < len(lines):
        ln = lines[end]
        stripped = ln.strip()
        if stripped and not stripped.startswith("#"):
            if len(ln) - len(ln.lstrip()) <= indent:
                break
            last = end
        end += 1
    return last + 1


def splice(text: str, new_paths: dict, new_schemas: dict) -> str | None:
    lines = text.split("\n")
    top = [i for i, ln in enumerate(lines) if re.match(r"[A-Za-z]\w*:", ln)]
    paths_at = next((i for i in top if lines[i].startswith("paths:")), None)
    comp_at = next((i for i in top if lines[i].startswith("components:")), None)
    if paths_at is None or comp_at is None or lines[paths_at].strip() != "paths:":
        return None
    schemas_at = next((i for i in range(comp_at + 1, block_end(lines, comp_at, 0))
                       if lines[i] == "  schemas:"), None)
    if schemas_at is None:
        return None
    inserts = [(block_end(lines, paths_at, 0), indented(new_paths, 2) if new_paths else []),
               (block_end(lines, schemas_at, 2), indented(new_schemas, 4) if new_schemas else [])]
    for at, block in sorted(inserts, key=lambda x: -x[0]):
        lines[at:at] = block
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------

def odd_wire_names(op: Operation) -> dict:
    """Wire names a Rust field or argument cannot spell as they are, by kind: `param` (a path
    or query parameter the SDK renames too, e.g. `from` -> `_from`), `field-chars` (a body
    or response field that is no snake_case identifier, e.g. `OS-EXT-IPS:port_id`) and
    `field-keyword` (a field that is a Rust keyword, e.g. `type`). Over the operation's
    parameters and every model its body and response reach."""
    odd: dict = {}

    def judge(attr, wire, where):
        if where == "param":
            kind = "param" if (attr != wire or wire in RUST_KEYWORDS or
                               not re.fullmatch(r"[a-z_][a-z0-9_]*", wire)) else None
        elif not re.fullmatch(r"[a-z_][a-z0-9_]*", wire) or attr != wire:
            kind = "field-chars"
        elif wire in RUST_KEYWORDS:
            kind = "field-keyword"
        else:
            kind = None
        if kind:
            odd.setdefault(kind, set()).add(wire)

    for wire in op.path_params + op.query_params:
        judge(op.wire_to_attr[wire], wire, "param")
    types = [op.body_type] if op.body_type else []
    types += [op.response_cls.__name__]
    for name in sorted(reachable_classes(types)):
        cls = sdk_class(name)
        for attr, wire in cls.attribute_map.items():
            if not (cls is op.response_cls and wire in op.response_headers):
                judge(attr, wire, "field")
    return {kind: sorted(wires) for kind, wires in sorted(odd.items())}


def shape_key(op: Operation, query_arrays: str) -> tuple:
    explodes = sorted({"true" if (query_arrays == "as-sent" or fmt != "csv") else "false"
                       for _, fmt in op.array_params()})
    return (op.method.upper(), op.body_kind, ",".join(explodes) or "-",
            "header" if op.header_params else "-",
            "path+" if len(op.path_params) else "-",
            op.success, ",".join(odd_wire_names(op)) or "-")


def shape_line(op: Operation, query_arrays: str, in_spec: bool) -> str:
    arrays = ",".join(f"{n}:{fmt}:explode={'true' if (query_arrays == 'as-sent' or fmt != 'csv') else 'false'}"
                      for n, fmt in op.array_params()) or "-"
    odd = ";".join(f"{kind}:{','.join(wires)}" for kind, wires in odd_wire_names(op).items()) \
        or "-"
    fields = [op.op_id, op.method.upper(), op.path, f"path+{len(op.path_params)}",
              f"arrays={arrays}", f"headers={','.join(op.header_params) or '-'}",
              f"body={op.body_kind}", f"success={op.success}", f"odd={odd}"]
    if in_spec:
        fields.append("(in spec)")
    return "\t".join(fields)


def pick(ops: list, query_arrays: str, mode: str = "product") -> list:
    """product: the first operation (by operationId) of each distinct shape, the shape being
    method x body kind x query-array explode x header parameters x extra path parameters x
    success status x odd wire names. cover: fewer, every value of each of those dimensions at
    least once (greedy: the operation covering most values not yet covered, first by
    operationId on a tie)."""
    ops = sorted(ops, key=lambda o: o.op_id)
    if mode == "product":
        chosen = {}
        for op in ops:
            chosen.setdefault(shape_key(op, query_arrays), op)
        return sorted(chosen.values(), key=lambda o: o.op_id)
    values = {op.op_id: set(enumerate(shape_key(op, query_arrays))) for op in ops}
    todo = set().union(*values.values()) if values else set()
    chosen = []
    while todo:
        best = max(ops, key=lambda o: (len(values[o.op_id] & todo), -ops.index(o)))
        chosen.append(best)
        todo -= values[best.op_id]
    return sorted(chosen, key=lambda o: o.op_id)


# ---------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, help="the product spec (openapi/workspace-app.yaml)")
    parser.add_argument("--out", type=Path, help="where to write the derived spec")
    parser.add_argument("--only", help="comma-separated operationIds: add only these")
    parser.add_argument("--only-picked", action="store_true",
                        help="add only the operations --pick-shapes lists")
    parser.add_argument("--exclude", help="comma-separated operationIds: leave these out")
    parser.add_argument("--list-shapes", action="store_true",
                        help="print one line per SDK operation (tab-separated) and exit")
    parser.add_argument("--pick-shapes", action="store_true",
                        help="print the shape line of one operation per distinct shape and exit")
    parser.add_argument("--pick", choices=("product", "cover"), default="product",
                        help="what --pick-shapes and --only-picked choose: one operation per "
                             "distinct shape (product, the default) or a smaller set with "
                             "every value of each shape dimension (cover)")
    parser.add_argument("--query-arrays", choices=("declared", "as-sent"), default="declared",
                        help="declared: csv -> explode false (default); as-sent: every query "
                             "array explode true, as the SDK's core sends it")
    parser.add_argument("--no-validate", action="store_true",
                        help="skip openapi-spec-validator (the structural checks still run)")
    args = parser.parse_args(argv)

    check_pins()
    ops = sdk_operations()
    by_id = {op.op_id: op for op in ops}
    if len(by_id) != len(ops):
        fail("two SDK methods give the same operationId")

    def names(option):
        if not option:
            return []
        listed = [n.strip() for n in option.split(",") if n.strip()]
        unknown = [n for n in listed if n not in by_id]
        if unknown:
            fail(f"not an SDK operation: {', '.join(unknown)}")
        return listed

    selected = ops
    if args.only_picked:
        selected = pick(ops, args.query_arrays, args.pick)
    if args.only:
        only = set(names(args.only))
        selected = [op for op in selected if op.op_id in only]
    exclude = set(names(args.exclude))
    selected = [op for op in selected if op.op_id not in exclude]

    spec_text = args.spec.read_text(encoding="utf-8") if args.spec else None
    spec = yaml.safe_load(spec_text) if spec_text else {"paths": {}, "components": {}}
    existing_ids = {op.get("operationId") for item in spec.get("paths", {}).values()
                    for m, op in item.items() if m in METHOD_ORDER and isinstance(op, dict)}

    if args.list_shapes or args.pick_shapes:
        listed = pick(selected, args.query_arrays, args.pick) if args.pick_shapes else selected
        for op in listed:
            print(shape_line(op, args.query_arrays, op.op_id in existing_ids))
        return 0
    if not args.spec or not args.out:
        parser.error("--spec and --out are needed (or --list-shapes / --pick-shapes)")

    new_ops = [op for op in selected if op.op_id not in existing_ids]
    response_types = [op.response_cls.__name__ for op in new_ops if op.success == "200"]
    schemas = Schemas(spec, reachable_classes(response_types),
                      {op.response_cls.__name__: set(op.response_headers) for op in new_ops})
    for op in new_ops:
        if op.has_body:
            schemas.roles.setdefault(op.body_type, []).append(f"Request body of {op.op_id}")
        schemas.roles.setdefault(op.response_cls.__name__, []).append(
            f"Response body of {op.op_id}")
    new_paths: dict = {}
    for op in sorted(new_ops, key=lambda o: (o.path, METHOD_ORDER.index(o.method))):
        item = new_paths.setdefault(op.path, {})
        item[op.method] = operation_object(op, schemas, args.query_arrays)
    clash = [p for p in new_paths if p in spec.get("paths", {})]
    taken = [f"{m.upper()} {p}: the spec's {spec['paths'][p][m].get('operationId')}, "
             f"the SDK's {new_paths[p][m]['operationId']}"
             for p in clash for m in new_paths[p] if m in spec["paths"][p]]
    if taken:
        fail("an operation of the spec already has the method and path of an SDK operation "
             "(leave it out with --exclude):\n  " + "\n  ".join(taken))
    new_schemas = {k: schemas.new[k] for k in sorted(schemas.new)}

    doc = copy.deepcopy(spec)
    doc.setdefault("paths", {})
    doc.setdefault("components", {}).setdefault("schemas", {})
    for path, item in new_paths.items():
        doc["paths"].setdefault(path, {}).update(item)
    doc["components"]["schemas"].update(new_schemas)
    components = doc["components"]["schemas"]
    add_examples(new_paths, components)

    check_document(doc)
    check_examples(doc)
    if not args.no_validate:
        validate_openapi(doc)

    text = None if clash else splice(spec_text, new_paths, new_schemas)
    if text is None or yaml.safe_load(text) != doc:
        print("derive.py: the spec's text could not be kept; the whole document is "
              "re-serialised", file=sys.stderr)
        text = dump(doc)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")

    skipped = sorted(op.op_id for op in selected if op.op_id in existing_ids)
    print(f"derive.py: {len(new_ops)} operations added ({len(new_paths)} new path items, "
          f"{len(new_schemas)} new schemas); already in the spec: {', '.join(skipped) or 'none'}",
          file=sys.stderr)
    for cls_name, name in sorted(schemas.reused.items()):
        print(f"derive.py: SDK model {cls_name} is the spec's schema {name}", file=sys.stderr)
    for cls_name, name in sorted(schemas.renamed.items()):
        print(f"derive.py: SDK model {cls_name} differs from the spec's schema of that name: "
              f"{name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
