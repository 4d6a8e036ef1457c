#!/usr/bin/env python3
"""Shows that compare.py catches what it claims to: each case below breaks a copy of the spec in
one way, and the comparison must report the difference it introduces (a new DIFF row with the
expected aspect and name, or an allow-list entry gone stale).  Exits 1 when one does not.

    python scripts/sdk-check/selftest.py --spec openapi/workspace-app.yaml \
        --allow scripts/sdk-check/allowed-differences.txt
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import yaml

from compare import DIFF, check, read_allow_list


def operation(doc):
    return doc["paths"]["/v1/{project_id}/app-server-sub-jobs"]["get"]


def param(doc, name):
    return next(p for p in operation(doc)["parameters"] if p["name"] == name)


def schemas(doc):
    return doc["components"]["schemas"]


def without(values, value):
    values.remove(value)


# (what is broken, how, the (aspect, name) that must be reported; "stale" = an allow-list
# entry that must go stale)
CASES = [
    ("a region dropped", lambda d: without(d["servers"][0]["variables"]["region"]["enum"],
                                           "cn-north-9"), ("region", "cn-north-9")),
    ("a region's host changed", lambda d: d["servers"][1].update(
        url="https://appstream.{region}.myhuaweicloud.com"), ("region", "ap-southeast-1")),
    ("an extra region", lambda d: d["servers"][1]["variables"]["region"]["enum"].append(
        "eu-west-101"), ("region", "eu-west-101")),
    ("the path changed", lambda d: d["paths"].update(
        {"/v1/{project_id}/sub-jobs": d["paths"].pop("/v1/{project_id}/app-server-sub-jobs")}),
     ("operation", "ListSubJobs")),
    ("job_type made optional", lambda d: param(d, "job_type").update(required=False),
     ("required", "ListSubJobs.job_type")),
    ("offset made a string", lambda d: param(d, "offset").update(schema={"type": "string"}),
     ("param", "ListSubJobs.offset")),
    ("job_id moved to a header", lambda d: param(d, "job_id").update({"in": "header"}),
     ("param", "ListSubJobs.job_id")),
    ("limit's maximum raised", lambda d: param(d, "limit")["schema"].update(maximum=1000),
     ("range", "ListSubJobs.limit")),
    ("limit's default changed", lambda d: param(d, "limit")["schema"].update(default=20),
     ("default", "ListSubJobs.limit")),
    ("a parameter the SDK lacks", lambda d: operation(d)["parameters"].append(
        {"name": "sub_job_ids", "in": "query", "schema": {"type": "string"}}),
     ("param", "ListSubJobs.sub_job_ids")),
    ("a parameter dropped", lambda d: operation(d)["parameters"].remove(param(d, "job_id")),
     ("param", "ListSubJobs.job_id")),
    ("a status dropped (request)", lambda d: without(schemas(d)["SubJobStatus"]["enum"],
                                                     "ABORTING"), ("enum", "ListSubJobs.status")),
    ("a status dropped (response)", lambda d: without(schemas(d)["SubJobStatus"]["enum"],
                                                      "ABORTING"),
     ("enum", "JobDetailInfo.status")),
    ("a job_type filter value added", lambda d: schemas(d)["JobTypeFilter"]["enum"].append(
        "COLLECT_HDA_LOG"), ("enum", "ListSubJobs.job_type")),
    ("a response job_type dropped", lambda d: without(schemas(d)["JobType"]["enum"],
                                                      "UNINSTALL_CES_AGENT"),
     ("enum", "JobDetailInfo.job_type")),
    ("a response field dropped", lambda d: schemas(d)["JobDetailInfo"]["properties"].pop(
        "error_code"), ("field", "JobDetailInfo.error_code")),
    ("a response field's type changed", lambda d: schemas(d)["ListSubJobsResponse"][
        "properties"]["count"].update(type="string"), ("field", "ListSubJobsResponse.count")),
    ("a nested field dropped", lambda d: schemas(d)["JobResourceInfo"]["properties"].pop(
        "resource_name"), ("field", "JobResourceInfo.resource_name")),
    ("a response field made required", lambda d: schemas(d)["JobDetailInfo"].update(
        required=["id"]), ("required", "JobDetailInfo.id")),
    ("response job_type closed (its allow-list entry goes stale)",
     lambda d: schemas(d)["JobDetailInfo"]["properties"].update(
         job_type={"$ref": "#/components/schemas/JobType"}),
     ("stale", ("enum-open", "JobDetailInfo.job_type"))),
]


def differences(doc, allowed):
    rows, stale = check(doc, allowed)
    return {(r.aspect, r.name) for r in rows if r.status == DIFF}, set(stale)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--allow", type=Path, required=True)
    args = parser.parse_args()
    doc = yaml.safe_load(args.spec.read_text(encoding="utf-8"))
    allowed, _ = read_allow_list(args.allow)
    base_diff, base_stale = differences(doc, allowed)

    failures = 0
    for what, breaks, expected in CASES:
        broken = copy.deepcopy(doc)
        breaks(broken)
        diff, stale = differences(broken, allowed)
        if expected[0] == "stale":
            caught = expected[1] in stale - base_stale
        else:
            caught = expected in diff - base_diff
        print(f"{'caught' if caught else 'MISSED'}: {what} -> {expected}")
        failures += not caught
    print(f"compare.py self-test: {len(CASES) - failures} of {len(CASES)} broken specs caught")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
