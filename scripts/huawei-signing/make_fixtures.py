#!/usr/bin/env python3
"""Generate signing fixtures with Huawei's own Python signers, for each of its four
algorithms (SDK-HMAC-SHA256, SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256, SDK-SM2-SM3).

Writes crates/workspace-app-client/tests/fixtures/huawei-signing.json (relative to the
repository root, located from this file's path, so the cwd does not matter).

Every value in the fixture comes from huaweicloudsdkcore (installed from PyPI, imported,
never copied):

* ``authorization``      -- ``huaweicloudsdkcore.signer.signer.Signer(credentials).sign(request)``
                            (``SM3Signer``, ``P256SHA256Signer``, ``SM2SM3Signer`` for the others)
* ``canonical_request``  -- ``Signer._process_canonical_request`` on the same request
* ``string_to_sign``     -- ``Signer._process_string_to_sign``
* ``public_key``         -- ECDSA, SM2: the key the signer derives from the AK/SK (SEC1 hex)

ECDSA and SM2 signatures are random (the SDK draws k), so a fixture holds one that Huawei's
signer made and that its key verifies: a re-run keeps the signature already in the file while
Huawei's code still verifies it for that string to sign, so the output stays the same.  For
an SM2 key whose ZA the Python SDK computes otherwise than the standard (see algorithms.py),
``sdk_za_standard`` is false and ``signature_standard_za`` is Huawei's SM2 signature under
the standard ZA.

huaweicloudsdkcore 3.1.219 has no public module-level functions for the intermediate
steps; they are (underscore-prefixed) methods of ``Signer``, so those are what we call.
Each case is also cross-checked against the SDK's higher-level path
(``BasicCredentials(ak, sk, project_id).sign_request``), which adds ``X-Project-Id`` and
``X-Security-Token`` itself, to prove the header names/values we hand the signer are the
ones the real SDK would send.

Output is deterministic (fixed dates, sorted keys, indent 2, trailing newline), so
re-running gives a byte-identical file.

Usage (from the repo root):
    python3 -m venv .venv-signing
    .venv-signing/bin/pip install -r scripts/huawei-signing/requirements.txt
    .venv-signing/bin/python scripts/huawei-signing/make_fixtures.py [--check]
"""

import argparse
import json
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

SDK_PACKAGE = "huaweicloudsdkcore"
SDK_VERSION = "3.1.219"

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_REL = "crates/workspace-app-client/tests/fixtures/huawei-signing.json"
GENERATOR = f"scripts/huawei-signing/make_fixtures.py with {SDK_PACKAGE} {SDK_VERSION}"

RESOURCE_PATH_TEMPLATE = "/v1/{project_id}/app-server-sub-jobs"

# Fake but realistically shaped credentials (20-char AK, 40-char SK).
AK = "EXAMPLEAK0123456789A"
SK = "ExampleSecretKey0123456789abcdefghijklmn"
TEMP_AK = "EXAMPLETEMPAK0123456"
TEMP_SK = "ExampleTemporarySecretKey0123456789abcde"
TEMP_TOKEN = "gQpjbi1ub3J0aC00ExampleSecurityToken+With/Base64=Chars/And+More=="
PROJECT_ID = "0123456789abcdef0123456789abcdef"
HOST = "workspace.ap-southeast-1.myhuaweicloud.com"
DATE = "20240102T030405Z"

ALL_SPECIALS = "中文 é ~/+%&=?#*"


def require_sdk():
    try:
        installed = metadata.version(SDK_PACKAGE)
    except metadata.PackageNotFoundError:
        sys.exit(f"{SDK_PACKAGE} is not installed; run: pip install -r scripts/huawei-signing/requirements.txt")
    if installed != SDK_VERSION:
        sys.exit(f"{SDK_PACKAGE}=={installed} installed, but the fixtures are pinned to {SDK_VERSION}")


def case(name, *, query, project_id=PROJECT_ID, ak=AK, sk=SK, security_token=None,
         host=HOST, date=DATE, accept="application/json", api_version="v1", group=None,
         algorithm="SDK-HMAC-SHA256", method="GET", body=None, content_type=None):
    headers = [
        ["Accept", accept],
        ["api-version", api_version],
        ["Host", host],
        ["X-Project-Id", project_id],
        ["X-Sdk-Date", date],
    ]
    if content_type is not None:
        headers.insert(0, ["Content-Type", content_type])
    if security_token is not None:
        headers.append(["X-Security-Token", security_token])
    return {
        "name": name,
        "algorithm": algorithm,
        "ak": ak,
        "sk": sk,
        "security_token": security_token,
        "method": method,
        "body": body,
        "host": host,
        "project_id": project_id,
        "query": [list(p) for p in query],
        "headers": headers,
        # not written to the fixture: cases in one group must produce the same signature
        "_group": group,
    }


# The same pairs, in different orders; all must sign identically.
ORDER_PAIRS = [
    ("status", "SUCCESS"),
    ("job_type", "CREATE_SERVER"),
    ("offset", "0"),
    ("limit", "100"),
    ("job_id", "c5a3e1f0-0000-4000-8000-000000000001"),
]


CASES = [
    case("plain: status, job_type, offset, limit in API order",
         query=[("status", "SUCCESS"), ("job_type", "CREATE_SERVER"), ("offset", "0"), ("limit", "10")]),
    case("empty query", query=[]),
    case("single job_id (uuid)", query=[("job_id", "5f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b")]),
    case("order variant 1: all five parameters in API order", query=ORDER_PAIRS, group="order"),
    case("order variant 2: all five parameters reversed", query=list(reversed(ORDER_PAIRS)), group="order"),
    case("order variant 3: all five parameters shuffled",
         query=[ORDER_PAIRS[i] for i in (2, 4, 0, 3, 1)], group="order"),
    case("non-ASCII query values (中文, é)", query=[("job_id", "中文"), ("status", "é")]),
    case("query value with spaces and '+'", query=[("job_id", "a b+c  d"), ("job_type", " CREATE_SERVER ")]),
    case("query value with ~ / + % & = ? # *",
         query=[("job_id", "~/+%&=?#*"), ("status", "a&b=c"), ("job_type", "x?y#z")]),
    case("query value with every special character plus non-ASCII and space",
         query=[("job_id", ALL_SPECIALS)]),
    case("query value from the Go SDK encoding example: 一 (&=?!#%.*)",
         query=[("job_id", "一 (&=?!#%.*)"), ("limit", "1")]),
    case("percent-escape-looking query value %2F and %20 stays literal",
         query=[("job_id", "%2F%20%zz"), ("status", "100%")]),
    case("empty query value", query=[("job_id", ""), ("limit", "10")]),
    case("repeated key job_id: values sorted by value",
         query=[("job_id", "c"), ("job_id", "a"), ("limit", "5"), ("job_id", "b")]),
    case("repeated key status: same key, sorted by value (uppercase before lowercase)",
         query=[("status", "SUCCESS"), ("job_type", "CREATE_SERVER"), ("status", "FAILED"),
                ("status", "success"), ("status", "ABNORMAL")]),
    case("repeated key: SDK sorts RAW values, not encoded ones ('-x' < '/x' < 'A' < '~' < 'é')",
         query=[("job_id", "é"), ("job_id", "~"), ("job_id", "A"), ("job_id", "/x"), ("job_id", "-x")]),
    case("key order: job_id < job_type < limit < offset < status ('_i' < '_t')",
         query=[("status", "RUNNING"), ("offset", "20"), ("limit", "10"), ("job_type", "CREATE_SERVER"),
                ("job_id", "zzz")]),
    case("project_id with special characters ~ + % & = ? # * space and non-ASCII",
         project_id="proj " + "~+%&=?#*" + " 中文é",
         query=[("limit", "10")]),
    case("project_id containing '/': SDK unquotes the path, so %2F becomes a real '/' segment separator",
         project_id="abc/def", query=[("limit", "10")]),
    case("project_id containing literal '%2F': encoded once, stays %252F",
         project_id="abc%2Fdef", query=[("limit", "10")]),
    case("temporary credentials: X-Security-Token is signed",
         ak=TEMP_AK, sk=TEMP_SK, security_token=TEMP_TOKEN,
         query=[("job_type", "CREATE_SERVER"), ("limit", "10")]),
    case("SK with non-ASCII characters and symbols",
         sk="Sk中文é/+=%&~ \"'\\!#$^*()[]{}", query=[("limit", "10")]),
    case("header values with leading/trailing whitespace are trimmed by the signer",
         accept="  application/json \t", api_version=" v1 ", query=[("limit", "10")]),
    case("host with port: 127.0.0.1:8080 (port is part of the signed host header)",
         host="127.0.0.1:8080", query=[("job_id", "local"), ("limit", "1")]),
    case("different date",
         date="20991231T235959Z", query=[("offset", "0"), ("limit", "1")]),
]


def per_algorithm(algorithm):
    """The same requests, and bodies, signed with another algorithm."""
    short = algorithm.removeprefix("SDK-")
    return [
        case(f"{short}: plain", algorithm=algorithm,
             query=[("status", "SUCCESS"), ("job_type", "CREATE_SERVER"), ("offset", "0"), ("limit", "10")]),
        case(f"{short}: every special character in the query and project ID", algorithm=algorithm,
             project_id="proj " + "~+%&=?#*" + " 中文é", query=[("job_id", ALL_SPECIALS)]),
        case(f"{short}: temporary credentials", algorithm=algorithm,
             ak=TEMP_AK, sk=TEMP_SK, security_token=TEMP_TOKEN, query=[("limit", "10")]),
        case(f"{short}: host with port", algorithm=algorithm,
             host="127.0.0.1:8080", query=[("job_id", "local"), ("limit", "1")]),
        case(f"{short}: a JSON body is hashed", algorithm=algorithm, method="POST",
             body='{"name":"中文 é","n":1}', content_type="application/json;charset=UTF-8",
             query=[]),
        case(f"{short}: another body is UNSIGNED-PAYLOAD", algorithm=algorithm, method="PUT",
             body="plain text", content_type="text/plain", query=[("limit", "1")]),
    ]


CASES += [c for algorithm in ("SDK-HMAC-SHA256", "SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3")
          for c in per_algorithm(algorithm)
          if not (algorithm == "SDK-HMAC-SHA256" and "body" not in c["name"].lower())]
CASES += [
    # X of the derived SM2 public key starts with a zero byte: the SDK's ZA is not standard.
    case("SM2-SM3: a key whose ZA the Python SDK computes otherwise (public X starts with 00)",
         algorithm="SDK-SM2-SM3", ak="AccessKey", sk="SecretKey18", query=[("limit", "1")]),
]

# Signatures of ECDSA and SM2 cases already in the fixture file, by case name.
KEPT = {}


def resource_path(project_id):
    return RESOURCE_PATH_TEMPLATE.replace("{project_id}", quote(project_id, safe=""))


def build_request(c, headers):
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm

    algorithms = {
        "SDK-HMAC-SHA256": SigningAlgorithm.HMAC_SHA256,
        "SDK-HMAC-SM3": SigningAlgorithm.HMAC_SM3,
        "SDK-ECDSA-P256-SHA256": SigningAlgorithm.ECDSA_P256_SHA256,
        "SDK-SM2-SM3": SigningAlgorithm.SM2_SM3,
    }
    return SdkRequest(
        method=c["method"],
        schema="http" if c["host"].startswith("127.0.0.1") else "https",
        host=c["host"],
        resource_path=resource_path(c["project_id"]),
        query_params=[(k, v) for k, v in c["query"]],
        header_params={k: v for k, v in headers},
        body=c["body"].encode("utf-8") if c["body"] is not None else None,
        signing_algorithm=algorithms[c["algorithm"]],
    )


def kept_signature(c, key_name, string_to_sign, verify, make):
    """The signature in the fixture file when Huawei's code still verifies it, else a new one."""
    kept = KEPT.get(c["name"], {}).get(key_name)
    if kept is not None and verify(kept):
        return kept
    signature = make()
    assert verify(signature), "Huawei's key does not verify its own signature"
    return signature


def sign_case(c):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials

    from algorithms import ASYMMETRIC, Keys, signer_class

    algorithm = c["algorithm"]
    creds = BasicCredentials(c["ak"], c["sk"])
    signer = signer_class(algorithm)(creds)
    extra = {}

    # 1. Intermediate values, via the SDK's own building blocks (same order as Signer.sign).
    req = build_request(c, c["headers"])
    signer._process_content_header(req)
    t = signer._process_header_time(req)
    assert datetime.strftime(t, "%Y%m%dT%H%M%SZ") == dict(c["headers"])["X-Sdk-Date"]
    before = dict(req.header_params)
    signer._process_header_host(req)
    assert req.header_params == before, "signer added a header although Host was given"
    sent_headers = [[k, v] for k, v in req.header_params.items()]
    signed_headers = signer._process_signed_headers(req)
    canonical_request = signer._process_canonical_request(req, signed_headers)
    string_to_sign = signer._process_string_to_sign(canonical_request, t)
    prefix = signer._process_auth_header_value("", c["ak"], signed_headers)

    # 2. The public entry point on a fresh copy of the same request.
    req2 = build_request(c, c["headers"])
    signer_class(algorithm)(creds).sign(req2)
    public = req2.header_params["Authorization"]
    if algorithm in ASYMMETRIC:
        keys = Keys()
        key = keys.key(algorithm, c["ak"], c["sk"])
        described = keys.describe(algorithm, c["ak"], c["sk"])
        extra.update(described)
        sts = string_to_sign.encode("utf-8")
        assert public.startswith(prefix), (public, prefix)
        public_signature = public[len(prefix):]
        standard = described.get("sdk_za_standard", True)
        signature = kept_signature(
            c, "signature", string_to_sign,
            lambda s: keys.verify(algorithm, c["ak"], c["sk"], string_to_sign, s),
            lambda: public_signature)
        if not standard:
            extra["signature_standard_za"] = kept_signature(
                c, "signature_standard_za", string_to_sign,
                lambda s: keys.verify(algorithm, c["ak"], c["sk"], string_to_sign, s, standard_za=True),
                lambda: keys.standard_key(c["ak"], c["sk"]).sign(sts).hex())
        extra["signature"] = signature
        authorization = prefix + signature
        del key
    else:
        signature = signer._sign_string_to_sign(string_to_sign, c["sk"])
        authorization = prefix + signature
        assert public == authorization, (public, authorization)

    # Every header we hand over ends up signed (none of our names contain '_').
    assert signed_headers == sorted(k.lower() for k, _ in sent_headers), signed_headers

    # 3. Cross-check with the SDK's credential path, which adds X-Project-Id and
    #    X-Security-Token itself: same names, same values, same signature.
    own = {"x-project-id", "x-security-token"}
    creds3 = BasicCredentials(c["ak"], c["sk"], c["project_id"])
    if c["security_token"] is not None:
        creds3.with_security_token(c["security_token"])
    req3 = build_request(c, [h for h in c["headers"] if h[0].lower() not in own])
    creds3.sign_request(req3)
    if algorithm in ASYMMETRIC:
        assert req3.header_params["Authorization"].startswith(prefix), "BasicCredentials.sign_request disagrees"
    else:
        assert req3.header_params["Authorization"] == authorization, "BasicCredentials.sign_request disagrees"

    return canonical_request, string_to_sign, authorization, sent_headers, extra


def build_document():
    from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: F401 (fail early)

    out_cases = []
    groups = {}
    names = set()
    for c in CASES:
        assert c["name"] not in names, f"duplicate case name {c['name']!r}"
        names.add(c["name"])
        canonical_request, string_to_sign, authorization, sent_headers, extra = sign_case(c)
        if c["_group"]:
            groups.setdefault(c["_group"], set()).add((canonical_request, authorization))
        fixture = {k: v for k, v in c.items() if not k.startswith("_")}
        fixture.update(
            headers=sent_headers,
            canonical_request=canonical_request,
            string_to_sign=string_to_sign,
            authorization=authorization,
            **extra,
        )
        out_cases.append(fixture)
    for g, results in groups.items():
        assert len(results) == 1, f"query-order group {g!r} produced {len(results)} different signatures"
    return {"generator": GENERATOR, "cases": out_cases}


def render(doc):
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the fixture file is missing or differs")
    ap.add_argument("--output", type=Path, default=REPO_ROOT / OUT_REL,
                    help=f"output file (default: <repo>/{OUT_REL})")
    args = ap.parse_args()

    require_sdk()
    out = args.output
    if out.exists():
        for kept in json.loads(out.read_text(encoding="utf-8")).get("cases", []):
            KEPT[kept["name"]] = kept
    text = render(build_document())
    if args.check:
        current = out.read_text(encoding="utf-8") if out.exists() else None
        if current != text:
            print(f"{out} is out of date; re-run scripts/huawei-signing/make_fixtures.py", file=sys.stderr)
            return 1
        print(f"{out} is up to date ({len(CASES)} cases)")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {out} ({len(CASES)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
