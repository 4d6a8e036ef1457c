#!/usr/bin/env python3
"""Signs requests with Huawei's own SDK-HMAC-SHA256 signer (huaweicloudsdkcore, installed from
PyPI and imported, never copied), in batches, for the Rust differential test
(crates/workspace-app-client/tests/signing_differential.rs).

    .venv-signing/bin/python scripts/huawei-signing/batch_signer.py

One long-running process. It reads JSON lines on stdin; an empty line ends a batch, and then
it writes one JSON line per request of the batch, in order, and flushes. End of input ends it.

A request line:

    {"id": 7, "ak": "AK", "sk": "SK", "method": "GET", "host": "h.example",
     "resource_path": "/v1/a%2Fb/x",              # the path as sent; or
     "segments": ["v1", "a/b", "x"],              # its segments, each quoted whole
     "query": [["k", "v"], ["k", ""]],           # the pairs, as a caller gives them; or
     "raw_query": "k=v&k=",                       # the query as received (parse_qsl)
     "headers": [["X-Sdk-Date", "20240102T030405Z"], ["Host", "h.example"], ...],
     "wire_headers": false,                       # true: the values are the bytes received,
                                                  # one character per byte (latin-1), decoded
                                                  # as verifier.py does (UTF-8, else latin-1)
     "body_hex": ""}

The answer: {"id": 7, "canonical_request": ..., "string_to_sign": ..., "authorization": ...},
or {"id": 7, "error": "..."} when the SDK refuses the request (or the line is malformed).

Like make_fixtures.py and verifier.py, the intermediate values come from the SDK's own steps
(``Signer._process_*``: it has no public functions for them), and the ``Authorization`` from
the public ``Signer.sign`` on a fresh copy of the request; the two must agree.
"""

import json
import sys
from importlib import metadata
from urllib.parse import parse_qsl, quote

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

SDK_PACKAGE = "huaweicloudsdkcore"
SDK_VERSION = "3.1.219"


def header_text(raw):
    """As verifier.py: the bytes received, given one character per byte, decoded as UTF-8,
    else left as latin-1 text."""
    try:
        return raw.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def build(req):
    if "raw_query" in req:
        query = parse_qsl(req["raw_query"], keep_blank_values=True)
    else:
        query = [(k, v) for k, v in req["query"]]
    headers = {}
    for name, value in req["headers"]:
        if name in headers:
            raise ValueError(f"header {name!r} given twice")
        headers[name] = header_text(value) if req.get("wire_headers") else value
    body = bytes.fromhex(req.get("body_hex") or "")
    if "segments" in req:
        # As the SDK fills in path parameters: each one quoted whole.
        resource_path = "/" + "/".join(quote(s, safe="") for s in req["segments"])
    else:
        resource_path = req["resource_path"]
    return SdkRequest(
        method=req["method"],
        schema="https",
        host=req["host"],
        resource_path=resource_path,
        query_params=query,
        header_params=headers,
        body=body or None,
    )


def sign(req):
    signer = Signer(BasicCredentials(req["ak"], req["sk"]))
    # The steps, in Signer.sign's order, on one copy...
    steps = build(req)
    if isinstance(steps.body, str):
        steps.body = steps.body.encode("utf-8")
    signer._process_content_header(steps)
    t = signer._process_header_time(steps)
    signer._process_header_host(steps)
    signed_headers = signer._process_signed_headers(steps)
    canonical_request = signer._process_canonical_request(steps, signed_headers)
    string_to_sign = signer._process_string_to_sign(canonical_request, t)
    # ... and the public entry point on another.
    whole = build(req)
    signer.sign(whole)
    authorization = whole.header_params["Authorization"]
    signature = signer._sign_string_to_sign(string_to_sign, req["sk"])
    if authorization != signer._process_auth_header_value(signature, req["ak"], signed_headers):
        raise AssertionError("Signer.sign disagrees with its own steps")
    return {
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "authorization": authorization,
    }


def answer(line):
    try:
        req = json.loads(line)
    except ValueError as e:
        return {"id": None, "error": f"malformed request line: {e}"}
    try:
        out = sign(req)
    except Exception as e:  # noqa: BLE001 -- any refusal by the SDK is an answer
        out = {"error": f"{type(e).__name__}: {e}"}
    out["id"] = req.get("id")
    return out


def main():
    installed = metadata.version(SDK_PACKAGE)
    if installed != SDK_VERSION:
        sys.exit(f"{SDK_PACKAGE}=={installed} installed, but the comparison is pinned to {SDK_VERSION}")
    batch = []
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line:
            batch.append(line)
            continue
        out = sys.stdout
        for request in batch:
            out.write(json.dumps(answer(request), ensure_ascii=True) + "\n")
        out.flush()
        batch = []
    return 0


if __name__ == "__main__":
    sys.exit(main())
