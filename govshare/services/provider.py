"""A small provider service standing for a department's existing interface: 河北省市场监督管理局's
company lookup (企业登记信息查询). Standalone (no Django): the demo, the tests and the benchmark
start it on 127.0.0.1.

It checks the platform's RFC 9421 signature with the platform's published public key when it
has one, logs each call's `X-Request-Id` and request hash as the platform computes them, and
keeps what it received and answered so tests can compare. `behaviour` makes it misbehave on
purpose: "slow" (sleeps `delay` seconds), "trickle" (sends its answer a byte every `delay`
seconds), "extra" (adds undeclared fields), "malformed" (answers a number where text is
declared), "error" (HTTP 500).
"""

import argparse
import contextlib
import hashlib
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)

from govshare.node.signing import COVERED_COMPONENTS, public_key_from_text

logger = logging.getLogger(__name__)

COMPANIES = [
    {"credit_code": "91130100MA0CXXXX1A", "name": "石家庄恒信建材有限公司",
     "legal_representative": "张建国", "registered_capital": 500.0, "status": "存续",
     "established": "2016-03-18", "address": "石家庄市长安区建设北大街18号",
     "phone": "031185551234"},
    {"credit_code": "91130200MA0DXXXX2B", "name": "唐山北方钢铁贸易有限公司",
     "legal_representative": "李卫东", "registered_capital": 2000.0, "status": "存续",
     "established": "2012-07-02", "address": "唐山市路北区新华西道66号",
     "phone": "031528887766"},
    {"credit_code": "91130600MA0EXXXX3C", "name": "保定云帆软件科技有限公司",
     "legal_representative": "王晓燕", "registered_capital": 100.0, "status": "注销",
     "established": "2019-11-11", "address": "保定市竞秀区朝阳北大街9号",
     "phone": "031232223333"},
]
BY_CODE = {c["credit_code"]: c for c in COMPANIES}

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "企业登记信息查询", "version": "1.0"},
    "paths": {
        "/companies/{credit_code}": {"get": {
            "operationId": "company_by_code", "summary": "按统一社会信用代码查询企业",
            "parameters": [{"name": "credit_code", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9A-Z]{18}$"}}],
            "responses": {"200": {"description": "企业登记信息", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Company"}}}}}}},
        "/companies": {"get": {
            "operationId": "companies_by_name", "summary": "按企业名称查询",
            "parameters": [{"name": "name", "in": "query", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "匹配的企业", "content": {
                "application/json": {"schema": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Company"}}}}}}}},
    },
    "components": {"schemas": {"Company": {
        "type": "object", "required": ["credit_code", "name"],
        "properties": {
            "credit_code": {"type": "string"}, "name": {"type": "string"},
            "legal_representative": {"type": "string"},
            "registered_capital": {"type": "number"}, "status": {"type": "string"},
            "established": {"type": "string"}, "address": {"type": "string"}}}}},
}


def request_hash(method: str, target: str, request_id: str, body: bytes) -> str:
    """The platform's request hash, recomputed from what arrived (see docs/services.md)."""
    return hashlib.sha256(f"{method} {target}\n{request_id}\n".encode() + body).hexdigest()


class _PlatformKey(HTTPSignatureKeyResolver):
    def __init__(self, public_key):
        self.public_key = public_key

    def resolve_public_key(self, key_id: str):
        return self.public_key

    def resolve_private_key(self, key_id: str):
        raise NotImplementedError("the provider only verifies")


class _Message:
    def __init__(self, method, url, headers):
        self.method, self.url, self.headers = method, url, headers


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for
    # the client's delayed ACK (about 40 ms) on every kept-alive call.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002  (the base class's signature)
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.behaviour == "trickle":
            for index in range(len(body)):
                self.wfile.write(body[index:index + 1])
                self.wfile.flush()
                time.sleep(self.server.delay)
        else:
            self.wfile.write(body)

    def _verified(self, body: bytes) -> bool | None:
        """True/False when the platform's key is known and the request signed, else None."""
        key = self.server.platform_key
        if key is None or "Signature" not in self.headers:
            return None
        verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                       key_resolver=_PlatformKey(key))
        message = _Message(self.command, f"http://{self.headers.get('Host', '')}{self.path}",
                           dict(self.headers.items()))
        try:
            verifier.verify(message, require_components=COVERED_COMPONENTS, body=body)
        except (HTTPMessageSignaturesException, ValueError, KeyError):
            return False
        return True

    def _answer(self, path: str, query: dict, body: bytes):
        if path == "/openapi.json":
            return 200, OPENAPI
        if path == "/companies" or (path == "/companies/search" and self.command == "POST"):
            name = (query.get("name") or [""])[0] if self.command == "GET" else str(
                json.loads(body or b"{}").get("name", ""))
            return 200, [dict(c) for c in COMPANIES if name and name in c["name"]]
        if path.startswith("/companies/"):
            company = BY_CODE.get(unquote(path[len("/companies/"):]))
            return (200, dict(company)) if company else (404, {"detail": "not found"})
        return 404, {"detail": "no such operation"}

    def _misbehave(self, payload):
        behaviour = self.server.behaviour
        rows = payload if isinstance(payload, list) else [payload]
        for row in rows:
            if behaviour == "extra":
                row["internal_note"] = "内部备注：不应外传"
            elif behaviour == "malformed":
                row["name"] = 12345
        return payload

    def do_GET(self):  # noqa: N802  (http.server's naming)
        self._handle()

    def do_POST(self):  # noqa: N802
        self._handle()

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request_id = self.headers.get("X-Request-Id", "")
        verified = self._verified(body)
        server = self.server
        if server.behaviour == "slow":
            time.sleep(server.delay)
        parts = urlsplit(self.path)
        if server.require_signature and not verified and parts.path != "/openapi.json":
            status, payload = 401, {"detail": "platform signature required"}
        elif server.behaviour == "error":
            status, payload = 500, {"detail": "internal error"}
        else:
            status, payload = self._answer(parts.path, parse_qs(parts.query), body)
            if status == 200 and parts.path != "/openapi.json":
                payload = self._misbehave(payload)
        sent = json.dumps(payload, ensure_ascii=False).encode()
        digest = request_hash(self.command, self.path, request_id, body)
        if server.log_requests:
            logger.info("request %s %s %s hash %s signature %s", request_id, self.command,
                        self.path, digest, verified)
        # Kept before answering: a test reading `received` once the answer is in must find it.
        with server.lock:
            server.received.append({
                "method": self.command, "target": self.path, "request_id": request_id,
                "body": body, "headers": dict(self.headers.items()), "verified": verified,
                "request_sha256": digest, "status": status,
                "response_sha256": hashlib.sha256(sent).hexdigest()})
            del server.received[:-1000]
        # The platform may have given up waiting (the timeout tests).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(status, sent)


class ProviderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, *, platform_key_text: str = "", require_signature=False,
                 log_requests=False):
        super().__init__(address, Handler)
        self.platform_key = public_key_from_text(platform_key_text) if platform_key_text else None
        self.require_signature = require_signature
        self.log_requests = log_requests
        self.behaviour, self.delay = "normal", 0.0
        self.received: list[dict] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start(host="127.0.0.1", port=0, **options) -> ProviderServer:
    """The provider serving in a background thread; `shutdown()` and `server_close()` stop it."""
    server = ProviderServer((host, port), **options)
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-provider").start()
    return server


def main(argv=None):
    """`python -m govshare.services.provider --port 18201 [--platform-key BASE64]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18201)
    parser.add_argument("--platform-key", default="",
                        help="the platform's public key (base64), to check its signatures")
    parser.add_argument("--require-signature", action="store_true")
    args = parser.parse_args(argv)
    server = ProviderServer((args.host, args.port), platform_key_text=args.platform_key,
                            require_signature=args.require_signature)
    print(f"serving on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
