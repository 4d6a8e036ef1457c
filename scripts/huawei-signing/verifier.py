#!/usr/bin/env python3
"""A tiny fake ListSubJobs endpoint that VERIFIES AK/SK signatures with Huawei's own
signers (huaweicloudsdkcore, installed from PyPI and imported), any of its four algorithms:
SDK-HMAC-SHA256, SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256, SDK-SM2-SM3.

    python3 verifier.py --listen 127.0.0.1:0 --ak AK --sk SK [--security-token T]

The first stdout line is ``listening on http://HOST:PORT`` (flushed); then it serves until
SIGTERM/SIGINT.  For every GET request it:

1. parses ``Authorization: <ALGORITHM> Access=..., SignedHeaders=a;b;c, Signature=...``;
2. rejects (401) unless Access equals --ak;
3. rebuilds an ``SdkRequest`` from what it received -- method, resource_path = the raw
   request path, query_params = ``parse_qsl(query, keep_blank_values=True)`` (so '+' and
   %20 both decode to a space), header_params = exactly the headers named in SignedHeaders
   with their received values (X-Sdk-Date and Host therefore come from the request);
4. re-signs it with the algorithm's signer (``Signer``, ``SM3Signer``, ``P256SHA256Signer``,
   ``SM2SM3Signer`` of ``huaweicloudsdkcore.signer.signer``) and the configured SK and
   compares the two Authorization values exactly; for ECDSA and SM2, whose signatures are
   random, compares them up to the signature and verifies the signature with the key the
   SDK derives from the AK and SK (SM2 under the standard ZA, which is the SDK's own except
   for the ~1 key in 128 whose public X or Y has a leading zero byte: see algorithms.py);
5. with --security-token, additionally requires X-Security-Token to be present, equal to
   the configured token, and listed in SignedHeaders.

Success: 200 ``{"count": 1, "items": [{"id": "verified", ...}]}``.

With ``--any-operation`` it verifies a request of any method to any path, its body included
(hashed as Huawei's signer hashes a JSON body), answers 200 ``{}``, and, with
``--record FILE``, appends a line per request to FILE: ``verified METHOD PATH`` or
``rejected METHOD PATH: why``: for the whole service, one signed call per method and body
shape (``scripts/whole-service/run.sh``).  Failure: 401
``{"error_code": "APIGW.0301", ...}`` and a diagnosis on stderr (which part differed, the
verifier's canonical request and string-to-sign).  A client may send its own canonical
request, base64-encoded, in the optional unsigned header ``X-Debug-Canonical-Request``;
on failure it is printed next to the verifier's one with a line-by-line comparison.
The SK is never logged.  Every response carries ``X-Request-Id``.
"""

import argparse
import base64
import binascii
import hmac
import json
import re
import signal
import sys
import threading
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from algorithms import ASYMMETRIC, SIGNERS, Keys, signer_class

AUTH_RE = re.compile(
    r"^(?P<algorithm>SDK-[A-Z0-9-]+) Access=(?P<access>[^,\s]+), SignedHeaders=(?P<signed>[^,\s]+), "
    r"Signature=(?P<signature>[0-9a-f]+)$"
)
KEYS = Keys()
PATH_PREFIX = "/v1/"
PATH_SUFFIX = "/app-server-sub-jobs"
DEBUG_HEADER = "X-Debug-Canonical-Request"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

AUTH_ERROR = {
    "error_code": "APIGW.0301",
    "error_msg": "Incorrect IAM authentication information: verify aksk signature fail",
}


class VerificationError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def header_text(raw):
    """http.server decodes header bytes as ISO-8859-1; undo that to get the UTF-8 text the
    client signed (falls back to the latin-1 text if the bytes are not valid UTF-8)."""
    try:
        return raw.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "huawei-signing-verifier/1"

    # set on the class by main()
    ak = None
    sk = None
    security_token = None
    any_operation = False
    record = None

    # ---- plumbing -------------------------------------------------------------------
    def log_message(self, fmt, *args):
        log("%s - %s" % (self.address_string(), fmt % args))

    def _send_json(self, status, obj, request_id):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", request_id)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if length:
            return self.rfile.read(int(length))
        return b""

    def _not_get(self):
        self._read_body()
        self._send_json(405, {"error_code": "VERIFIER.0405",
                              "error_msg": f"method {self.command} not supported"},
                        uuid.uuid4().hex)

    def _other_method(self):
        if self.any_operation:
            self._any_operation()
        else:
            self._not_get()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _other_method

    def _record(self, line):
        if self.record:
            with open(self.record, "a", encoding="utf-8") as out:
                out.write(line + "\n")

    def _any_operation(self):
        request_id = uuid.uuid4().hex
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        try:
            self._verify(raw_path, raw_query, body, request_id)
        except VerificationError as e:
            self._record(f"rejected {self.command} {raw_path}: {e}")
            self._send_json(401, AUTH_ERROR, request_id)
            return
        self._record(f"verified {self.command} {raw_path} body={len(body)}")
        self._send_json(200, {}, request_id)

    # ---- verification ---------------------------------------------------------------
    def do_GET(self):
        if self.any_operation:
            self._any_operation()
            return
        request_id = uuid.uuid4().hex
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        try:
            self._verify(raw_path, raw_query, body, request_id)
        except VerificationError as e:
            log(f"[{request_id}] REJECTED {self.command} {self.path}: {e}")
            self._send_json(401, AUTH_ERROR, request_id)
            return

        if not (raw_path.startswith(PATH_PREFIX) and raw_path.endswith(PATH_SUFFIX)
                and len(raw_path) > len(PATH_PREFIX) + len(PATH_SUFFIX)):
            self._send_json(404, {"error_code": "VERIFIER.0404",
                                  "error_msg": f"no such resource: {raw_path}"}, request_id)
            return
        project_id = unquote(raw_path[len(PATH_PREFIX):-len(PATH_SUFFIX)])
        query = parse_qsl(raw_query, keep_blank_values=True)
        job_id = next((v for k, v in query if k == "job_id"), "none")
        log(f"[{request_id}] verified {self.command} {self.path}")
        self._send_json(200, {"count": 1, "items": [{
            "id": "verified",
            "job_type": "CREATE_SERVER",
            "status": "SUCCESS",
            "project_id": project_id,
            "job_id": job_id,
        }]}, request_id)

    def _verify(self, raw_path, raw_query, body, request_id):
        auth = self.headers.get_all("Authorization") or []
        if len(auth) != 1:
            raise VerificationError(f"expected exactly one Authorization header, got {len(auth)}")
        m = AUTH_RE.match(auth[0])
        if not m:
            raise VerificationError(f"malformed Authorization header: {auth[0]!r}")
        algorithm = m["algorithm"]
        if algorithm not in SIGNERS:
            raise VerificationError(f"unknown signing algorithm {algorithm!r}")
        if m["access"] != self.ak:
            raise VerificationError(f"Access={m['access']!r} is not the configured AK {self.ak!r}")
        signed_names = m["signed"].split(";")
        if signed_names != sorted(set(signed_names)) or any(n != n.lower() for n in signed_names):
            raise VerificationError(f"SignedHeaders not lowercase/sorted/unique: {m['signed']!r}")
        for required in ("host", "x-sdk-date"):
            if required not in signed_names:
                raise VerificationError(
                    f"{required!r} missing from SignedHeaders {m['signed']!r} (Huawei's Python signer "
                    f"always signs host, and needs X-Sdk-Date to reproduce the signing time)")

        header_params = {}
        for name in signed_names:
            values = self.headers.get_all(name) or []
            if len(values) != 1:
                raise VerificationError(f"signed header {name!r} present {len(values)} times (need exactly 1)")
            header_params[name] = header_text(values[0])
        try:
            datetime.strptime(header_params["x-sdk-date"].strip(), SDK_DATE_FORMAT)
        except ValueError:
            raise VerificationError(f"bad X-Sdk-Date {header_params['x-sdk-date']!r}")
        header_params["x-sdk-date"] = header_params["x-sdk-date"].strip()

        if self.security_token is not None:
            got = self.headers.get("X-Security-Token")
            if got is None:
                raise VerificationError("X-Security-Token missing (temporary credentials configured)")
            if "x-security-token" not in signed_names:
                raise VerificationError("X-Security-Token present but not in SignedHeaders")
            if not hmac.compare_digest(header_text(got).strip().encode(), self.security_token.encode()):
                raise VerificationError("X-Security-Token does not match the configured token")

        request = SdkRequest(
            method=self.command,
            schema="http",
            host=header_params["host"],
            resource_path=raw_path,
            query_params=parse_qsl(raw_query, keep_blank_values=True),
            header_params=dict(header_params),
            body=body or None,
        )
        signer = signer_class(algorithm)(BasicCredentials(self.ak, self.sk))
        # Intermediate values, computed with the SDK's own steps, for the diagnosis.
        diag = SdkRequest(method=request.method, schema=request.schema, host=request.host,
                          resource_path=request.resource_path, query_params=list(request.query_params),
                          header_params=dict(request.header_params), body=request.body)
        t = signer._process_header_time(diag)
        signer._process_header_host(diag)
        expected_signed = signer._process_signed_headers(diag)
        canonical = signer._process_canonical_request(diag, expected_signed)
        string_to_sign = signer._process_string_to_sign(canonical, t)

        if algorithm in ASYMMETRIC:
            # A random signature: the same up to it, and verified with the SDK's derived key.
            prefix = signer._process_auth_header_value("", self.ak, expected_signed)
            standard = algorithm == "SDK-SM2-SM3"
            if auth[0].startswith(prefix) and KEYS.verify(
                    algorithm, self.ak, self.sk, string_to_sign, m["signature"], standard_za=standard):
                if standard and not KEYS.describe(algorithm, self.ak, self.sk)["sdk_za_standard"]:
                    log(f"[{request_id}] (an SM2 key whose ZA the Python SDK computes otherwise: "
                        "verified under the standard ZA)")
                return
            signer.get_signing_key = lambda: KEYS.key(algorithm, self.ak, self.sk)
        signer.sign(request)
        expected = request.header_params["Authorization"]
        if algorithm not in ASYMMETRIC and hmac.compare_digest(expected.encode(), auth[0].encode()):
            return

        e = AUTH_RE.match(expected)
        parts = [p for p in ("access", "signed", "signature") if e[p] != m[p]]
        lines = [
            f"[{request_id}] signature mismatch; differing part(s): "
            + ", ".join({"access": "Access", "signed": "SignedHeaders", "signature": "Signature"}[p]
                        for p in parts),
            f"  received Authorization: {auth[0]}",
            f"  expected Authorization: {expected}",
            f"  signed header names sent: {m['signed']}  recomputed: {';'.join(expected_signed)}",
            "  verifier canonical request (Huawei SDK):",
            *("    | " + line for line in canonical.split("\n")),
            "  verifier string to sign:",
            *("    | " + line for line in string_to_sign.split("\n")),
        ]
        client_canonical = self.headers.get(DEBUG_HEADER)
        if client_canonical:
            try:
                theirs = base64.b64decode(client_canonical, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as err:
                lines.append(f"  {DEBUG_HEADER} not valid base64 UTF-8: {err}")
            else:
                lines.append("  client canonical request (from X-Debug-Canonical-Request):")
                lines.extend("    | " + line for line in theirs.split("\n"))
                ours_l, theirs_l = canonical.split("\n"), theirs.split("\n")
                names = ["method", "uri", "query"]
                for i in range(max(len(ours_l), len(theirs_l))):
                    a = ours_l[i] if i < len(ours_l) else "<missing>"
                    b = theirs_l[i] if i < len(theirs_l) else "<missing>"
                    if a != b:
                        what = names[i] if i < len(names) else f"line {i + 1}"
                        lines.append(f"  first difference at {what}: verifier={a!r} client={b!r}")
                        break
                else:
                    lines.append("  canonical requests are identical (difference is in date/key/HMAC)")
        else:
            lines.append(f"  (send the client's canonical request base64-encoded in {DEBUG_HEADER} "
                         "to have it printed and compared here)")
        log("\n".join(lines))
        raise VerificationError("signature mismatch")


def parse_listen(value):
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("--listen must be HOST:PORT, e.g. 127.0.0.1:0")
    return host.strip("[]") or "127.0.0.1", int(port)


def main():
    ap = argparse.ArgumentParser(description="Verify AK/SK signatures (any of the four algorithms) with Huawei's Python signers.")
    ap.add_argument("--listen", type=parse_listen, default=("127.0.0.1", 0), help="HOST:PORT (port 0 = any)")
    ap.add_argument("--ak", required=True)
    ap.add_argument("--sk", required=True)
    ap.add_argument("--security-token", default=None)
    ap.add_argument("--any-operation", action="store_true",
                    help="verify any method and path (the body included) and answer 200 {}")
    ap.add_argument("--record", default=None, help="append a line per request to this file")
    args = ap.parse_args()

    Handler.ak, Handler.sk, Handler.security_token = args.ak, args.sk, args.security_token
    Handler.any_operation, Handler.record = args.any_operation, args.record
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(args.listen, Handler)

    def stop(signum, _frame):
        log(f"received signal {signum}, shutting down")
        # shutdown() waits for serve_forever() (running in this very thread) to return,
        # so it must be called from another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
