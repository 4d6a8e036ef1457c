#!/usr/bin/env python3
"""Named edits of the spec, made on its parsed tree (never on its text), for the scripts
that check what an edit does: `additive-edits.sh` (the YAML is the only hand edit) and
`judges.sh` (our verdicts against cargo-semver-checks' and Optic's).

    edits.py list                       every edit: name, kind, what it does
    edits.py apply NAME IN.yaml OUT.yaml

The output is the edited tree dumped by PyYAML: a re-serialisation of the whole document
(comments and layout are gone, the content is the same), so every edit also proves that
formatting is not content. `reserialised` is that alone.
"""

import copy
import sys

import yaml

LIST = "/v1/{project_id}/app-server-sub-jobs"
COUNT = "/v1/{project_id}/app-server-sub-jobs/actions/count"


def operation(doc, path=LIST):
    return doc["paths"][path]["get"]


def parameter(doc, name):
    for p in operation(doc)["parameters"]:
        if p.get("name") == name:
            return p
    raise KeyError(f"no parameter {name!r} in ListSubJobs")


def schema(doc, name):
    return doc["components"]["schemas"][name]


def prop(doc, schema_name, name):
    return schema(doc, schema_name)["properties"][name]


def add_query_parameter(doc, required, name="resource_name", schema_=None,
                        description="Only the sub-jobs of resources with this name are returned."):
    params = operation(doc)["parameters"]
    header = next(i for i, p in enumerate(params) if p.get("in") == "header")
    params.insert(header, {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema_ or {"type": "string"},
    })


def new_operation(doc):
    """Huawei's CountSubJobs: ListSubJobs's filters, a 200 `{count}` with an example."""
    listing = operation(doc)
    parameters = [copy.deepcopy(p) for p in listing["parameters"]
                  if p["name"] not in ("offset", "limit")]
    for p in parameters:
        if p["in"] == "query":
            p["description"] = p["description"].replace("returned", "counted")
    doc["paths"][COUNT] = {"get": {
        "operationId": "CountSubJobs",
        "tags": ["jobs"],
        "summary": "Querying the Number of Subtasks",
        "description": "Counts the sub-jobs (subtasks) that match the filters.",
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "Response to a successful request.",
                "content": {"application/json": {
                    "schema": {
                        "type": "object",
                        "description": "The number of sub-jobs matching the filters.",
                        "properties": {"count": {
                            "type": "integer",
                            "format": "int32",
                            "minimum": 0,
                            "description": "Number of sub-jobs matching the filters.",
                        }},
                    },
                    "example": {"count": 2},
                }},
            },
            **{status: copy.deepcopy(response) for status, response in listing["responses"].items()
               if status != "200"},
        },
    }}


def rename_schema(doc, old, new):
    schemas = doc["components"]["schemas"]
    doc["components"]["schemas"] = {(new if k == old else k): v for k, v in schemas.items()}

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and value == f"#/components/schemas/{old}":
                    node[key] = f"#/components/schemas/{new}"
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(doc)


def remove(values, value):
    values.remove(value)


# name: (kind, what it does, the edit). Kinds: "additive" edits must pass with the YAML as
# the only hand edit (additive-edits.sh); every edit is judged by judges.sh. The kind is a
# description, not a verdict: the verdicts are the judges'.
EDITS = {
    "reserialised": ("same", "the same document, dumped by PyYAML", lambda d: None),
    "description": ("docs", "a property's description changes",
                    lambda d: prop(d, "JobDetailInfo", "id").update(description="Identifies a sub-job.")),
    "example": ("docs", "the 200 example changes",
                lambda d: operation(d)["responses"]["200"]["content"]["application/json"]["example"].update(count=1)),
    "optional-field": ("additive", "an optional resource_region on JobResourceInfo",
                       lambda d: schema(d, "JobResourceInfo")["properties"].update(resource_region={
                           "type": "string",
                           "description": "Region the resource is in, e.g. ap-southeast-1.",
                       })),
    "new-operation": ("additive", "Huawei's CountSubJobs", new_operation),
    "request-enum-value-added": ("additive", "PAUSED accepted by job_type",
                                 lambda d: schema(d, "JobTypeFilter")["enum"].append("PAUSED")),
    "response-enum-value-added": ("additive", "a job type the service reports (an open enum)",
                                  lambda d: schema(d, "JobType")["enum"].append("EXPORT_SERVER_LOG")),
    "optional-parameter": ("additive", "an optional query parameter resource_name",
                           lambda d: add_query_parameter(d, required=False)),
    "bounded-parameter": ("additive", "an optional integer query parameter with bounds and a default",
                          lambda d: add_query_parameter(
                              d, required=False, name="priority",
                              schema_={"type": "integer", "format": "int32", "minimum": 0,
                                       "maximum": 9, "default": 0},
                              description="Only sub-jobs of this priority are returned, 0 to 9.")),
    # Compatible, but not in the additive set: the paging and hostile tests pin page sizes of
    # 100, the current maximum (see the closing note of the spec-evolution work).
    "limit-maximum-raised": ("compatible", "limit accepts up to 200",
                             lambda d: parameter(d, "limit")["schema"].update(maximum=200)),
    "removed-field": ("breaking", "JobDetailInfo.error_message removed",
                      lambda d: schema(d, "JobDetailInfo")["properties"].pop("error_message")),
    "response-field-required": ("breaking", "JobDetailInfo.job_id required",
                                lambda d: schema(d, "JobDetailInfo").update(required=["job_id"])),
    "response-field-type": ("breaking", "ListSubJobsResponse.count a string",
                            lambda d: prop(d, "ListSubJobsResponse", "count").update(
                                type="string", format="int32-string")),
    "response-field-format": ("breaking", "begin_time gains format: date-time",
                              lambda d: prop(d, "JobDetailInfo", "begin_time").update(format="date-time")),
    "response-field-nullable": ("breaking", "JobDetailInfo.id may be null",
                                lambda d: prop(d, "JobDetailInfo", "id").update(nullable=True)),
    "response-enum-value-removed": ("breaking", "COLLECT_HDA_LOG no longer reported",
                                    lambda d: remove(schema(d, "JobType")["enum"], "COLLECT_HDA_LOG")),
    "removed-operation": ("breaking", "ListSubJobs removed", lambda d: d["paths"].pop(LIST)),
    "renamed-operation": ("breaking", "operationId ListSubJobs → ListSubJobsV2",
                          lambda d: operation(d).update(operationId="ListSubJobsV2")),
    "renamed-schema": ("breaking", "JobResourceInfo renamed JobResource",
                       lambda d: rename_schema(d, "JobResourceInfo", "JobResource")),
    "required-parameter": ("breaking", "a required query parameter resource_name",
                           lambda d: add_query_parameter(d, required=True)),
    "parameter-became-required": ("breaking", "job_id required",
                                  lambda d: parameter(d, "job_id").update(required=True)),
    "parameter-became-optional": ("breaking", "job_type optional",
                                  lambda d: parameter(d, "job_type").update(required=False)),
    "parameter-type": ("breaking", "offset a string",
                       lambda d: parameter(d, "offset").update(schema={"type": "string", "default": "0"})),
    "parameter-format": ("breaking", "offset int64",
                         lambda d: parameter(d, "offset")["schema"].update(format="int64")),
    "limit-maximum-lowered": ("breaking", "limit up to 50",
                              lambda d: parameter(d, "limit")["schema"].update(maximum=50)),
    "limit-minimum-raised": ("breaking", "limit from 5",
                             lambda d: parameter(d, "limit")["schema"].update(minimum=5)),
    "limit-default-changed": ("breaking", "limit defaults to 20",
                              lambda d: parameter(d, "limit")["schema"].update(default=20)),
    "job-id-max-length": ("breaking", "job_id at most 64 characters",
                          lambda d: parameter(d, "job_id")["schema"].update(maxLength=64)),
    "job-id-pattern": ("breaking", "job_id must match ^[A-Za-z0-9-]+$",
                       lambda d: parameter(d, "job_id")["schema"].update(pattern="^[A-Za-z0-9-]+$")),
    "project-id-min-length-removed": ("breaking", "project_id may be empty",
                                      lambda d: parameter(d, "project_id")["schema"].pop("minLength")),
    "request-enum-value-removed": ("breaking", "ROLLBACK no longer a status (request and response)",
                                   lambda d: remove(schema(d, "SubJobStatus")["enum"], "ROLLBACK")),
}


class Dumper(yaml.SafeDumper):
    """Block style, key order kept, multi-line strings as literal blocks."""


Dumper.add_representer(str, lambda dumper, data: dumper.represent_scalar(
    "tag:yaml.org,2002:str", data, style="|" if "\n" in data else None))


def main(argv):
    if argv[1:] == ["list"]:
        for name, (kind, what, _) in EDITS.items():
            print(f"{name}\t{kind}\t{what}")
        return 0
    if len(argv) == 5 and argv[1] == "apply":
        name, source, destination = argv[2:]
        if name not in EDITS:
            print(f"edits.py: no edit {name!r}; `edits.py list` names them", file=sys.stderr)
            return 2
        with open(source, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        EDITS[name][2](doc)
        text = yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
        with open(destination, "w", encoding="utf-8") as f:
            f.write(text)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
