#!/usr/bin/env python3
"""Signs requests with Huawei's own signers (huaweicloudsdkcore, installed from PyPI and
imported, never copied), any of its four algorithms, in batches, for the Rust differential
test (crates/workspace-app-client/tests/signing_differential.rs).

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
     "body_hex": "",
     "algorithm": "SDK-SM2-SM3",                  # optional, SDK-HMAC-SHA256 by default
     "sign": true,                                # optional: false skips Signer.sign (ECDSA,
                                                  # SM2: the steps and the checks only)
     "check_authorization": "SDK-SM2-SM3 ..."}    # optional: an Authorization to verify

The answer: {"id": 7, "canonical_request": ..., "string_to_sign": ..., "authorization": ...,
"authorization_prefix": "<ALGORITHM> Access=AK, SignedHeaders=a;b, Signature="}, or
{"id": 7, "error": "..."} when the SDK refuses the request (or the line is malformed).

With SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3 the signature is random (the SDK draws k), so the
answer carries what a comparison needs instead of a value to compare: ``public_key`` (the
SDK's derived key, SEC1 hex), and with ``check_authorization`` ``verified`` (the SDK's key
verifies that signature of this string to sign).  For SM2 also ``sdk_za_standard`` (whether
the SDK's ZA of this key is the standard one, see algorithms.py), ``verified_standard_za``
(Huawei's verification with the standard ZA) and, for a key whose ZA is not standard,
``authorization_standard_za`` (Huawei's SM2 signing with the standard ZA).

Like make_fixtures.py and verifier.py, the intermediate values come from the SDK's own steps
(``Signer._process_*``: it has no public functions for them), and the ``Authorization`` from
the public ``Signer.sign`` on a fresh copy of the request; the two must agree.
"""

import json
import multiprocessing
import os
import sys
from importlib import metadata
from urllib.parse import parse_qsl, quote

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from algorithms import ASYMMETRIC, Keys, signer_class

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


KEYS = Keys()


def sign(req):
    algorithm = req.get("algorithm", "SDK-HMAC-SHA256")
    signer = signer_class(algorithm)(BasicCredentials(req["ak"], req["sk"]))
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
    prefix = signer._process_auth_header_value("", req["ak"], signed_headers)
    out = {
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "authorization_prefix": prefix,
    }
    if algorithm not in ASYMMETRIC:
        # ... and the public entry point on another.
        whole = build(req)
        signer.sign(whole)
        authorization = whole.header_params["Authorization"]
        signature = signer._sign_string_to_sign(string_to_sign, req["sk"])
        if authorization != prefix + signature:
            raise AssertionError("Signer.sign disagrees with its own steps")
        out["authorization"] = authorization
        return out
    # ECDSA, SM2: a random signature; the public entry point must agree up to it. Its key is
    # the one the SDK derives (get_signing_key), derived once per keys, not per request.
    signer.get_signing_key = lambda: KEYS.key(algorithm, req["ak"], req["sk"])
    if req.get("sign", True):
        whole = build(req)
        signer.sign(whole)
        authorization = whole.header_params["Authorization"]
        if not authorization.startswith(prefix):
            raise AssertionError("Signer.sign disagrees with its own steps")
        out["authorization"] = authorization
    out.update(KEYS.describe(algorithm, req["ak"], req["sk"]))
    sm2 = algorithm == "SDK-SM2-SM3"
    if sm2 and not out["sdk_za_standard"] and req.get("sign", True):
        standard = KEYS.standard_key(req["ak"], req["sk"])
        out["authorization_standard_za"] = prefix + standard.sign(string_to_sign.encode("utf-8")).hex()
    check = req.get("check_authorization")
    if check is not None:
        _, _, signature = check.rpartition(", Signature=")
        out["verified"] = KEYS.verify(algorithm, req["ak"], req["sk"], string_to_sign, signature)
        if sm2:
            out["verified_standard_za"] = (
                out["verified"] if out["sdk_za_standard"]
                else KEYS.verify(algorithm, req["ak"], req["sk"], string_to_sign, signature,
                                 standard_za=True))
    return out


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


def answer_group(lines):
    return [answer(line) for line in lines]


def group_key(line):
    """Requests with the same algorithm and keys go to one worker, which derives the keys
    once."""
    try:
        req = json.loads(line)
        return (req.get("algorithm"), req.get("ak"), req.get("sk"))
    except (ValueError, AttributeError):
        return None


def main():
    installed = metadata.version(SDK_PACKAGE)
    if installed != SDK_VERSION:
        sys.exit(f"{SDK_PACKAGE}=={installed} installed, but the comparison is pinned to {SDK_VERSION}")
    # The SDK's ECDSA and SM2 are pure Python (tens of ms a scalar multiplication): a batch's
    # requests are answered by a pool of processes, one per core unless
    # SIGNING_DIFF_WORKERS says otherwise.
    workers = int(os.environ.get("SIGNING_DIFF_WORKERS") or os.cpu_count() or 1)
    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
    batch = []
    try:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line:
                batch.append(line)
                continue
            groups = {}
            for index, request in enumerate(batch):
                groups.setdefault(group_key(request), []).append(index)
            order = list(groups.values())
            jobs = [[batch[i] for i in indices] for indices in order]
            results = pool.map(answer_group, jobs) if pool else [answer_group(j) for j in jobs]
            answers = [None] * len(batch)
            for indices, outs in zip(order, results):
                for i, out in zip(indices, outs):
                    answers[i] = out
            out = sys.stdout
            for one in answers:
                out.write(json.dumps(one, ensure_ascii=True) + "\n")
            out.flush()
            batch = []
    finally:
        if pool:
            pool.close()
            pool.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
