#!/usr/bin/env python3
"""Walks every sub-job of a job type with Huawei's official Python SDK
(huaweicloudsdkworkspaceapp), paging 100 at a time, and prints one sub-job id per line:
the same work as `workspace-app sub-jobs list --all --output ndjson`.

Usage: python_sdk_walk.py ENDPOINT PROJECT_ID JOB_TYPE   (AK/SK from HUAWEICLOUD_SDK_AK/SK)
"""

import os
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkworkspaceapp.v1 import ListSubJobsRequest, WorkspaceAppClient

PAGE = 100


def main():
    endpoint, project_id, job_type = sys.argv[1:4]
    credentials = BasicCredentials(
        os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"], project_id
    )
    client = (
        WorkspaceAppClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([endpoint])
        .build()
    )
    out = sys.stdout
    offset, count = 0, None
    while True:
        page = client.list_sub_jobs(
            ListSubJobsRequest(job_type=job_type, offset=offset, limit=PAGE)
        )
        items = page.items or []
        for item in items:
            out.write(item.id + "\n")
        offset += len(items)
        count = page.count if count is None else min(count, page.count)
        if len(items) < PAGE or offset >= count:
            break


if __name__ == "__main__":
    main()
