#!/usr/bin/env python3
"""Smoke test for verifier.py (no curl needed).

Starts verifier.py as a child process for each credential set, then:
* signs fresh requests with Huawei's Signer and sends them (expect 200),
* replays every case of the fixture file byte-for-byte with its recorded Authorization
  (expect 200 -- proves fixtures, wire encoding and verifier agree),
* tampers with a query value / the AK / the token / a signed header (expect 401).
The verifier processes are always terminated (SIGTERM) before exiting.

    .venv-signing/bin/python scripts/huawei-signing/smoke_test.py
"""

import base64
import http.client
import json
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode, quote_plus

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
FIXTURE = REPO_ROOT / "crates/workspace-app-client/tests/fixtures/huawei-signing.json"

failures = []


def check(label, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + label + (f"  [{detail}]" if detail and not cond else ""))
    if not cond:
        failures.append(label)


@contextmanager
def verifier(ak, sk, token=None, any_operation=False):
    cmd = [sys.executable, str(HERE / "verifier.py"), "--listen", "127.0.0.1:0", "--ak", ak, "--sk", sk]
    if token is not None:
        cmd += ["--security-token", token]
    if any_operation:
        cmd += ["--any-operation"]
    # Its log goes to a file: a pipe nobody reads while it runs fills up and stalls it.
    log_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log_file, text=True)
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on http://"), first
        hostport = first[len("listening on http://"):]
        yield hostport, proc
    finally:
        proc.terminate()  # SIGTERM
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.seek(0)
        err = log_file.read()
        log_file.close()
        check(f"verifier ({ak}) exited cleanly on SIGTERM (rc={proc.returncode})", proc.returncode == 0, err[-2000:])
        assert sk not in err, "SK leaked into the verifier log!"
        smoke_logs.append(err)


smoke_logs = []


def send(hostport, path, headers, method="GET", body=None):
    """headers: list of (name, str) -- sent exactly, values UTF-8 encoded, Host included."""
    host, port = hostport.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers:
        conn.putheader(k, v.encode("utf-8"))
    body = body.encode("utf-8") if body is not None else None
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    body = resp.read()
    rid = resp.getheader("X-Request-Id")
    conn.close()
    return resp.status, json.loads(body), rid


def wire_path(project_id, query):
    """Path as our Rust client sends it: project id with quote(safe=''), form-style query
    (space -> '+')."""
    p = "/v1/%s/app-server-sub-jobs" % quote(project_id, safe="")
    if query:
        p += "?" + urlencode([tuple(kv) for kv in query], quote_via=quote_plus, safe="~")
    return p


def sdk_sign(ak, sk, host, project_id, query, date="20240102T030405Z", token=None, extra=None):
    headers = {"Accept": "application/json", "Host": host, "X-Project-Id": project_id, "X-Sdk-Date": date}
    if token is not None:
        headers["X-Security-Token"] = token
    headers.update(extra or {})
    req = SdkRequest(method="GET", schema="http", host=host,
                     resource_path="/v1/%s/app-server-sub-jobs" % quote(project_id, safe=""),
                     query_params=list(query), header_params=dict(headers))
    sent = dict(headers)
    Signer(BasicCredentials(ak, sk)).sign(req)
    sent["Authorization"] = req.header_params["Authorization"]
    return sent, req.uri


def main():
    AK, SK = "SMOKEAK0123456789ABC", "smoke-secret-key-0123456789"
    with verifier(AK, SK) as (hp, _):
        q = [("status", "SUCCESS"), ("job_type", "CREATE_SERVER"), ("offset", "0"), ("limit", "10"),
             ("job_id", "a b+c/中文~é")]
        headers, sdk_uri = sdk_sign(AK, SK, hp, "proj/1 中", q)

        st, body, rid = send(hp, wire_path("proj/1 中", q), list(headers.items()))
        check("fresh SDK-signed request, '+'-encoded query -> 200", st == 200, (st, body))
        check("X-Request-Id present", bool(rid))
        check("project_id and job_id echoed decoded",
              body.get("items", [{}])[0].get("project_id") == "proj/1 中"
              and body["items"][0].get("job_id") == "a b+c/中文~é", body)

        st, body, _ = send(hp, sdk_uri, list(headers.items()))
        check("same request on the SDK's own wire form (sorted, %20) -> 200", st == 200, (st, body))

        tampered = [(k, "SUCCESS " if k == "status" else v) for k, v in q]
        st, body, _ = send(hp, wire_path("proj/1 中", tampered), list(headers.items()))
        check("tampered query value -> 401 APIGW.0301", st == 401 and body.get("error_code") == "APIGW.0301",
              (st, body))

        bad = dict(headers, Accept="text/plain")
        st, _, _ = send(hp, wire_path("proj/1 中", q), list(bad.items()))
        check("tampered signed header -> 401", st == 401)

        h2, _ = sdk_sign("OTHERAK0123456789ABC", SK, hp, "p", [("limit", "1")])
        st, _, _ = send(hp, wire_path("p", [("limit", "1")]), list(h2.items()))
        check("wrong AK -> 401", st == 401)

        h3, _ = sdk_sign(AK, "wrong-sk", hp, "p", [("limit", "1")])
        h3["X-Debug-Canonical-Request"] = base64.b64encode(b"GET\n/v1/p/app-server-sub-jobs/\nlimit=2\n").decode()
        st, _, _ = send(hp, wire_path("p", [("limit", "1")]), list(h3.items()))
        check("wrong SK (with debug canonical header) -> 401", st == 401)

        h4 = dict(headers)
        h4["Authorization"] = h4["Authorization"].replace("x-project-id", "x-missing;x-project-id")
        st, _, _ = send(hp, wire_path("proj/1 中", q), list(h4.items()))
        check("SignedHeaders naming an absent header -> 401", st == 401)

        st, body, _ = send(hp, "/v1/p/app-server-sub-jobs", [("Host", hp)])
        check("no Authorization -> 401", st == 401, (st, body))

    TOKEN = "smoke+token/with=symbols"
    with verifier(AK, SK, TOKEN) as (hp, _):
        h, _ = sdk_sign(AK, SK, hp, "p", [("limit", "1")], token=TOKEN)
        st, body, _ = send(hp, wire_path("p", [("limit", "1")]), list(h.items()))
        check("temporary credentials, signed X-Security-Token -> 200", st == 200, (st, body))
        h, _ = sdk_sign(AK, SK, hp, "p", [("limit", "1")])
        st, _, _ = send(hp, wire_path("p", [("limit", "1")]), list(h.items()))
        check("temporary credentials configured, token missing -> 401", st == 401)
        h, _ = sdk_sign(AK, SK, hp, "p", [("limit", "1")], token="other")
        st, _, _ = send(hp, wire_path("p", [("limit", "1")]), list(h.items()))
        check("wrong token (correctly signed) -> 401", st == 401)

    # Replay every fixture case exactly as recorded (its Host header is sent verbatim), with
    # its method and body (a verifier of any operation for those with a body). An SM2 key
    # whose ZA the Python SDK computes otherwise is replayed with Huawei's signature under
    # the standard ZA, which the verifier checks (see algorithms.py).
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    by_creds = {}
    for c in doc["cases"]:
        key = (c["ak"], c["sk"], c["security_token"], c.get("body") is not None)
        by_creds.setdefault(key, []).append(c)
    for (ak, sk, token, with_body), cases in by_creds.items():
        with verifier(ak, sk, token, any_operation=with_body) as (hp, _):
            for c in cases:
                authorization = c["authorization"]
                if c.get("signature_standard_za"):
                    authorization = authorization[:authorization.rfind("Signature=") + 10] \
                        + c["signature_standard_za"]
                hdrs = [tuple(h) for h in c["headers"]] + [("Authorization", authorization)]
                method, payload = c["method"], c.get("body")
                st, body, _ = send(hp, wire_path(c["project_id"], c["query"]), hdrs, method, payload)
                ok = st == 200 and (with_body or body["items"][0]["project_id"] == c["project_id"])
                check(f"fixture replay: {c['name']}", ok, (st, body))
                if c["query"]:
                    k, v = c["query"][0]
                    tq = [[k, v + "x"]] + c["query"][1:]
                    st, _, _ = send(hp, wire_path(c["project_id"], tq), hdrs, method, payload)
                    check(f"fixture replay tampered: {c['name']}", st == 401)

    print()
    print("---- verifier stderr of the first run (for eyeballing diagnostics) ----")
    print(smoke_logs[0] if smoke_logs else "")
    if failures:
        print(f"{len(failures)} FAILURE(S)")
        return 1
    print("all smoke checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
