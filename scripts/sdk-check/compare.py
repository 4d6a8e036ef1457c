#!/usr/bin/env python3
"""Compares openapi/workspace-app.yaml with Huawei's own Python SDK (huaweicloudsdkworkspaceapp).

For every operation in the spec, found in the SDK by its operationId (ListSubJobs ->
WorkspaceAppClient.list_sub_jobs, ListSubJobsRequest, ListSubJobsResponse), it compares:

  operation  the method and path template
  param      each parameter: where it goes (path, query, header) and its type; a path
             placeholder the SDK fills from its credentials (project_id) counts as a path parameter
  required   each parameter's required-ness: the SDK's request model sets a required attribute
             unconditionally in __init__ and an optional one under `if x is not None`
  default    a parameter's default, where the SDK's description states one (默认值N)
  range      a parameter's bounds, where the SDK's description states them (值区间[a-b])
  enum       enum values: the SDK's enum classes (JobType, JobDetailStatus, ...) and the values
             its descriptions list (* `VALUE` - meaning) against the spec's enums
  response   the 200 response's model
  field      every response field, recursively through the SDK's models (openapi_types): present
             on both sides, with the same type
  required   a response field's required-ness, where either side says it is required
  enum-open  a response enum that one side leaves open (any string) and the other closes
And once for the service:
  region     every region id and its endpoint (WorkspaceAppRegion.static_fields) against the
             spec's servers, expanded over their `region` variable

Every comparison is a row of the table (aspect | name | spec | SDK | status). A row whose two
sides differ is `DIFF`, unless a line of the allow-list acknowledges it (`allowed`). The exit
status is 1 when a DIFF is left, when an allow-list line matches no difference (it is stale:
delete it), or when an allow-list line has no reason; 0 otherwise.

Allow-list format: one difference a line, `ASPECT NAME  # reason`, e.g.
    enum-open JobDetailInfo.job_type  # the spec keeps job_type open on purpose: ...
Blank lines and lines starting with `#` are ignored.
"""

from __future__ import annotations

import argparse
import html
import inspect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import huaweicloudsdkworkspaceapp.v1 as sdk
from huaweicloudsdkworkspaceapp.v1.region.workspaceapp_region import WorkspaceAppRegion
from huaweicloudsdkworkspaceapp.v1.workspaceapp_client import WorkspaceAppClient

OK, ALLOWED, DIFF = "ok", "allowed", "DIFF"
ABSENT = "-"


# ---------------------------------------------------------------------------------------------
# Types, as both sides are normalised to them
# ---------------------------------------------------------------------------------------------

@dataclass
class Scalar:
    name: str  # str, int, float, bool, datetime, date, object, file
    fmt: str = ""  # the spec's own spelling, for the table

    def render(self) -> str:
        return self.fmt or self.name


@dataclass
class Enum:
    name: str
    values: tuple
    open: bool
    base: str = "str"

    def render(self) -> str:
        kind = "open enum" if self.open else "enum"
        return f"{kind} {self.name} ({len(self.values)})"


@dataclass
class List:
    item: object
    spelling: str = "list[{}]"

    def render(self) -> str:
        return self.spelling.format(self.item.render())


@dataclass
class Dict:
    value: object

    def render(self) -> str:
        return f"dict(str, {self.value.render()})"


@dataclass
class Model:
    name: str
    # json name -> (type thunk, required, description)
    fields: dict = field(default_factory=dict)

    def render(self) -> str:
        return self.name


@dataclass
class Other:
    text: str

    def render(self) -> str:
        return self.text


# ---------------------------------------------------------------------------------------------
# The spec side
# ---------------------------------------------------------------------------------------------

class Spec:
    def __init__(self, doc: dict):
        self.doc = doc

    def resolve(self, obj: dict):
        """Follows local $refs; returns (object, name of the last component followed)."""
        name = None
        seen = set()
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/") or ref in seen:
                raise SystemExit(f"spec: cannot follow $ref {ref!r}")
            seen.add(ref)
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            name = ref.rsplit("/", 1)[1]
            obj = node
        return obj, name

    def shape(self, schema: dict):
        s, name = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in s:
                alts = [self.shape(a) for a in s[key]]
                enums = [a for a in alts if isinstance(a, Enum)]
                plain = [a for a in alts if isinstance(a, Scalar) and a.name == "str"]
                if len(alts) == 2 and len(enums) == 1 and len(plain) == 1:
                    e = enums[0]
                    return Enum(e.name, e.values, True, e.base)
                return Other(f"{key}[{', '.join(a.render() for a in alts)}]")
        t = s.get("type")
        if "enum" in s:
            base = {"integer": "int", "number": "float"}.get(t, "str")
            return Enum(name or "(inline)", tuple(s["enum"]), False, base)
        if t == "string":
            fmt = s.get("format")
            if fmt == "date-time":
                return Scalar("datetime", "string (date-time)")
            if fmt == "date":
                return Scalar("date", "string (date)")
            if fmt == "binary":
                return Scalar("file", "string (binary)")
            return Scalar("str", "string")
        if t == "integer":
            return Scalar("int", f"integer ({s['format']})" if "format" in s else "integer")
        if t == "number":
            return Scalar("float", "number")
        if t == "boolean":
            return Scalar("bool", "boolean")
        if t == "array":
            return List(self.shape(s.get("items", {})), "array of {}")
        if t == "object" or "properties" in s:
            props = s.get("properties")
            if props:
                required = set(s.get("required", []))
                return Model(name or "(inline object)", {
                    k: (lambda v=v: self.shape(v), k in required, v.get("description", ""))
                    for k, v in props.items()
                })
            extra = s.get("additionalProperties")
            if isinstance(extra, dict):
                return Dict(self.shape(extra))
            return Scalar("object", "object")
        if not s:
            return Scalar("object", "any")
        return Other(str(t))

    def operations(self):
        for path, item in self.doc.get("paths", {}).items():
            common = item.get("parameters", [])
            for method in ("get", "put", "post", "delete", "patch", "head", "options"):
                op = item.get(method)
                if op is not None:
                    yield path, method.upper(), op, common + op.get("parameters", [])

    def regions(self) -> dict:
        """region id -> set of endpoints, from the top-level servers."""
        out: dict = {}
        for server in self.doc.get("servers", []):
            url = server["url"]
            variables = server.get("variables", {})
            region = variables.get("region")
            if region is None:
                continue
            for name, var in variables.items():
                if name != "region":
                    url = url.replace("{" + name + "}", str(var["default"]))
            for rid in region.get("enum", [region.get("default")]):
                out.setdefault(rid, set()).add(url.replace("{region}", rid))
        return out


# ---------------------------------------------------------------------------------------------
# The SDK side
# ---------------------------------------------------------------------------------------------

SDK_SCALARS = {"str", "int", "float", "bool", "datetime", "date", "object", "file"}


def sdk_descriptions(cls) -> dict:
    """attribute -> its description, from the `:param name: text` lines of __init__."""
    doc = inspect.getdoc(cls.__init__) or ""
    return {m.group(1): html.unescape(m.group(2)).strip()
            for m in re.finditer(r"^:param (\w+):(.*)$", doc, re.M)}


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


def documented_values(description: str) -> tuple:
    """Enum values an SDK description lists as `* `VALUE` - meaning`."""
    return tuple(re.findall(r"\*\s*`([^`]+)`\s*-", description))


def sdk_class(name: str):
    cls = getattr(sdk, name, None)
    if cls is None:
        raise SystemExit(f"SDK: no model class {name} in huaweicloudsdkworkspaceapp.v1")
    return cls


def sdk_shape(type_name: str):
    m = re.fullmatch(r"list\[(.+)\]", type_name)
    if m:
        return List(sdk_shape(m.group(1)))
    m = re.fullmatch(r"dict\(\s*str\s*,\s*(.+)\)", type_name)
    if m:
        return Dict(sdk_shape(m.group(1)))
    if type_name in SDK_SCALARS:
        return Scalar(type_name)
    return sdk_model(sdk_class(type_name))


def sdk_model(cls):
    consts = tuple(v for k, v in vars(cls).items()
                   if k.isupper() and not k.startswith("_") and isinstance(v, (str, int)))
    if not cls.openapi_types and consts:
        return Enum(cls.__name__, consts, False, "int" if isinstance(consts[0], int) else "str")
    required = sdk_required(cls)
    descriptions = sdk_descriptions(cls)
    return Model(cls.__name__, {
        cls.attribute_map[attr]: (lambda t=t: sdk_shape(t), attr in required,
                                  descriptions.get(attr, ""))
        for attr, t in cls.openapi_types.items()
    })


def snake(operation_id: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).lower()


# ---------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------

@dataclass
class Row:
    aspect: str
    name: str
    spec: str
    sdk: str
    same: bool
    status: str = ""


class Comparison:
    def __init__(self, spec: Spec):
        self.spec = spec
        self.rows: list = []
        self.models_done: set = set()
        self.pending: list = []  # nested models, compared after the fields of the current one

    def add(self, aspect, name, spec_text, sdk_text, same):
        self.rows.append(Row(aspect, name, str(spec_text), str(sdk_text), bool(same)))

    # -- types ------------------------------------------------------------------------------

    def same_type(self, a, b, sdk_doc_values=()) -> bool:
        """Whether spec type a and SDK type b describe the same JSON (one level deep for models)."""
        if isinstance(a, Scalar) and isinstance(b, Scalar):
            return a.name == b.name
        if isinstance(a, Enum) and isinstance(b, Enum):
            return a.base == b.base
        if isinstance(a, Enum) and isinstance(b, Scalar):
            # an SDK string whose description lists the values is an enum too; an open spec enum
            # is any string
            return a.base == b.name and (a.open or bool(sdk_doc_values))
        if isinstance(a, List) and isinstance(b, List):
            return self.same_type(a.item, b.item)
        if isinstance(a, Dict) and isinstance(b, Dict):
            return self.same_type(a.value, b.value)
        if isinstance(a, Model) and isinstance(b, Model):
            return True
        return False

    def compare_enum(self, name, spec_values, spec_label, sdk_values, sdk_label):
        only_spec = [v for v in spec_values if v not in sdk_values]
        only_sdk = [v for v in sdk_values if v not in spec_values]
        spec_text = f"{spec_label} ({len(spec_values)})"
        sdk_text = f"{sdk_label} ({len(sdk_values)})"
        if only_spec:
            spec_text += "; only here: " + ", ".join(map(str, only_spec))
        if only_sdk:
            sdk_text += "; only here: " + ", ".join(map(str, only_sdk))
        self.add("enum", name, spec_text, sdk_text, not only_spec and not only_sdk)

    def compare_value(self, name, a, b, sdk_description):
        """Compares below a field or parameter whose own type row is already written."""
        doc_values = documented_values(sdk_description)
        if isinstance(a, Enum) and isinstance(b, Enum):
            self.compare_enum(name, a.values, a.name, b.values, b.name)
            if a.open != b.open:
                self.add("enum-open", name,
                         "open (any string)" if a.open else "closed",
                         "open (any string)" if b.open else f"closed ({b.name})", False)
        elif isinstance(a, Enum) and isinstance(b, Scalar) and doc_values:
            self.compare_enum(name, a.values, a.name, doc_values, "documented")
        elif isinstance(b, Scalar) and doc_values:
            self.add("enum", name, f"{a.render()}, no enum", f"documented ({len(doc_values)})",
                     False)
        elif isinstance(a, List) and isinstance(b, List):
            self.compare_value(name + "[]", a.item, b.item, "")
        elif isinstance(a, Dict) and isinstance(b, Dict):
            self.compare_value(name + "{}", a.value, b.value, "")
        elif isinstance(a, Model) and isinstance(b, Model):
            self.pending.append((a, b))

    def compare_model(self, a: Model, b: Model):
        self.pending.append((a, b))
        while self.pending:
            a, b = self.pending.pop(0)
            if a.name not in self.models_done:
                self.models_done.add(a.name)
                self.compare_fields(a, b)

    def compare_fields(self, a: Model, b: Model):
        for key in list(a.fields) + [k for k in b.fields if k not in a.fields]:
            name = f"{a.name}.{key}"
            if key not in a.fields:
                self.add("field", name, ABSENT, b.fields[key][0]().render(), False)
                continue
            if key not in b.fields:
                self.add("field", name, a.fields[key][0]().render(), ABSENT, False)
                continue
            sa, req_a, _ = a.fields[key]
            sb, req_b, desc_b = b.fields[key]
            ta, tb = sa(), sb()
            self.add("field", name, ta.render(), tb.render(),
                     self.same_type(ta, tb, documented_values(desc_b)))
            if req_a or req_b:
                self.add("required", name, "required" if req_a else "optional",
                         "required" if req_b else "optional", req_a == req_b)
            self.compare_value(name, ta, tb, desc_b)

    # -- operations -------------------------------------------------------------------------

    def compare_operation(self, path, method, op, parameters):
        op_id = op.get("operationId")
        if not op_id:
            self.add("operation", f"{method} {path}", "no operationId", ABSENT, False)
            return
        http_info_of = getattr(WorkspaceAppClient, f"_{snake(op_id)}_http_info", None)
        request_cls = getattr(sdk, f"{op_id}Request", None)
        if http_info_of is None or request_cls is None:
            self.add("operation", op_id, f"{method} {path}", ABSENT, False)
            return
        info = http_info_of(request_cls())
        self.add("operation", op_id, f"{method} {path}",
                 f"{info['method']} {info['resource_path']}",
                 (method, path) == (info["method"], info["resource_path"]))

        # where the SDK puts each request attribute, by its wire name
        descriptions = sdk_descriptions(request_cls)
        required = sdk_required(request_cls)
        wire = {v: k for k, v in request_cls.attribute_map.items()}
        location = {}
        for key, _ in info["query_params"]:
            location[key] = "query"
        for key in info["path_params"]:
            location[key] = "path"
        for key in info["header_params"]:
            if key in wire:
                location[key] = "header"
        # placeholders the SDK does not take from the request: its credentials fill them
        from_credentials = [p for p in re.findall(r"\{(\w+)\}", info["resource_path"])
                            if p not in location]

        spec_params = {}
        for p in parameters:
            p, _ = self.spec.resolve(p)
            spec_params[p["name"]] = p
        for key in list(spec_params) + [k for k in list(wire) + from_credentials
                                        if k not in spec_params]:
            name = f"{op_id}.{key}"
            p = spec_params.get(key)
            if key in from_credentials:
                sdk_loc, sdk_type, sdk_req, desc = "path", Scalar("str"), True, ""
                sdk_text = "path, str (from the credentials)"
            elif key in wire:
                attr = wire[key]
                sdk_loc = location.get(key, "body")
                sdk_type = sdk_shape(request_cls.openapi_types[attr])
                sdk_req = attr in required
                desc = descriptions.get(attr, "")
                sdk_text = f"{sdk_loc}, {sdk_type.render()}"
            else:
                sdk_loc = None
            if p is None:
                self.add("param", name, ABSENT, sdk_text, False)
                continue
            spec_type = self.spec.shape(p.get("schema", {}))
            spec_text = f"{p['in']}, {spec_type.render()}"
            if sdk_loc is None:
                self.add("param", name, spec_text, ABSENT, False)
                continue
            self.add("param", name, spec_text, sdk_text,
                     p["in"] == sdk_loc
                     and self.same_type(spec_type, sdk_type, documented_values(desc)))
            spec_req = bool(p.get("required", False))
            self.add("required", name, "required" if spec_req else "optional",
                     "required" if sdk_req else "optional", spec_req == sdk_req)
            self.compare_bounds(name, p.get("schema", {}), desc)
            self.compare_value(name, spec_type, sdk_type, desc)

        # the response
        ok = next((c for c in ("200", "201", "202", "204") if c in op.get("responses", {})), None)
        sdk_response = sdk_model(sdk_class(info["response_type"]))
        if ok is None:
            self.add("response", op_id, ABSENT, sdk_response.render(), False)
            return
        response, _ = self.spec.resolve(op["responses"][ok])
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        spec_response = self.spec.shape(schema) if schema else Other("no JSON body")
        self.add("response", op_id, f"{ok}: {spec_response.render()}", sdk_response.render(),
                 isinstance(spec_response, Model))
        if isinstance(spec_response, Model):
            # the SDK lists response headers among the response's attributes: not body fields
            headers = set(info.get("response_headers", []))
            sdk_response.fields = {k: v for k, v in sdk_response.fields.items()
                                   if k not in headers}
            self.compare_model(spec_response, sdk_response)

    def compare_bounds(self, name, schema, description):
        schema, _ = self.spec.resolve(schema)
        m = re.search(r"默认值\s*[:：]?\s*(-?\d+)", description)
        if m:
            self.add("default", name, schema.get("default", ABSENT), m.group(1),
                     str(schema.get("default")) == m.group(1))
        m = re.search(r"值区间\s*[\[［(（]\s*(-?\d+)\s*[-~,，]\s*(-?\d+)\s*[\]］)）]", description)
        if m:
            lo, hi = schema.get("minimum", ABSENT), schema.get("maximum", ABSENT)
            self.add("range", name, f"[{lo}, {hi}]", f"[{m.group(1)}, {m.group(2)}]",
                     (str(lo), str(hi)) == (m.group(1), m.group(2)))

    # -- regions ----------------------------------------------------------------------------

    def compare_regions(self):
        spec_regions = self.spec.regions()
        sdk_regions = {rid: set(region.endpoints)
                       for rid, region in WorkspaceAppRegion.static_fields.items()}
        for rid in list(spec_regions) + sorted(r for r in sdk_regions if r not in spec_regions):
            a = spec_regions.get(rid)
            b = sdk_regions.get(rid)
            self.add("region", rid, ", ".join(sorted(a)) if a else ABSENT,
                     ", ".join(sorted(b)) if b else ABSENT, a == b)


# ---------------------------------------------------------------------------------------------
# The allow-list and the table
# ---------------------------------------------------------------------------------------------

def read_allow_list(path: Path):
    entries = {}
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, _, reason = stripped.partition("#")
        parts = tuple(key.split())
        where = f"{path}:{number}"
        if len(parts) != 2:
            problems.append(f"{where}: expected `ASPECT NAME  # reason`, got {stripped!r}")
        elif not reason.strip():
            problems.append(f"{where}: `{' '.join(parts)}` has no reason after `#`")
        elif parts in entries:
            problems.append(f"{where}: `{' '.join(parts)}` is listed twice")
        else:
            entries[parts] = (where, reason.strip())
    return entries, problems


def print_table(rows):
    header = ("aspect", "name", "spec", "SDK", "status")
    cells = [header] + [(r.aspect, r.name, r.spec, r.sdk, r.status) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    line = lambda c: "| " + " | ".join(v.ljust(w) for v, w in zip(c, widths)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells[1:]:
        print(line(c))


def check(doc: dict, allowed: dict):
    """Compares the spec (parsed) with the SDK; returns the rows, with their status set, and the
    allow-list keys that matched no difference."""
    spec = Spec(doc)
    comparison = Comparison(spec)
    for path, method, op, parameters in spec.operations():
        comparison.compare_operation(path, method, op, parameters)
    comparison.compare_regions()
    used = set()
    for row in comparison.rows:
        key = (row.aspect, row.name)
        if row.same:
            row.status = OK
        elif key in allowed:
            row.status = ALLOWED
            used.add(key)
        else:
            row.status = DIFF
    return comparison.rows, [key for key in allowed if key not in used]


def sdk_version() -> str:
    from importlib.metadata import version
    return version("huaweicloudsdkworkspaceapp")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--allow", type=Path, required=True, help="the allow-list file")
    parser.add_argument("--differences-only", action="store_true",
                        help="print only the rows that differ (allowed or not)")
    args = parser.parse_args()

    doc = yaml.safe_load(args.spec.read_text(encoding="utf-8"))
    allowed, problems = read_allow_list(args.allow)
    rows, stale = check(doc, allowed)

    print(f"{args.spec} against huaweicloudsdkworkspaceapp {sdk_version()}\n")
    print_table([r for r in rows if not (args.differences_only and r.status == OK)])
    counts = {s: sum(r.status == s for r in rows) for s in (OK, ALLOWED, DIFF)}
    print(f"\n{counts[OK]} same, {counts[ALLOWED]} allowed differences, "
          f"{counts[DIFF]} unacknowledged differences", flush=True)

    for key in stale:
        where, _ = allowed[key]
        problems.append(f"{where}: `{' '.join(key)}` matches no difference any more "
                        f"(delete the line)")
    if counts[DIFF]:
        problems.append(f"{counts[DIFF]} difference(s) between the spec and Huawei's SDK. Fix "
                        f"the spec or, only if the difference is deliberate, add "
                        f"`ASPECT NAME  # reason` to {args.allow}:\n" + "\n".join(
                            f"  {r.aspect} {r.name}" for r in rows if r.status == DIFF))
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("the spec agrees with Huawei's SDK, apart from the acknowledged differences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
