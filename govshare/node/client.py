"""The platform's HTTP API as the node uses it: signed requests, bounded retries, clear errors.

Like the delta-sharing client's `rest_client.py`: retry with bounded exponential back-off only on
429, 5xx and connection errors (never on another 4xx: the request itself is wrong); an error is
re-raised as `PlatformError` carrying the server's own message.
"""

import hashlib
import json
import time
from collections.abc import Callable
from urllib.parse import quote

import httpx

from .protocol import (
    ARROW_STREAM,
    HAS_MORE_HEADER,
    NEXT_CURSOR_HEADER,
    BatchReceipt,
    NodeInfo,
    ResourceSchema,
)
from .signing import RequestSigner, public_key_text

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class PlatformError(Exception):
    """The platform refused a request; `message` is the platform's own explanation."""

    def __init__(self, status: int, message: str, errors: dict | None = None):
        self.status, self.message, self.errors = status, message, errors or {}
        detail = f" {self.errors}" if self.errors else ""
        super().__init__(f"HTTP {status}: {message}{detail}")


def _server_message(response: httpx.Response) -> tuple[str, dict]:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase, {}
    if isinstance(body, dict):
        return str(body.get("detail", body)), body.get("errors") or {}
    return str(body), {}


def _retry_after(response: httpx.Response | None, fallback: float) -> float:
    if response is not None:
        try:
            return float(response.headers.get("Retry-After", ""))
        except ValueError:
            pass
    return fallback


class PlatformClient:
    """One node's connection to the platform. `signer` signs; `token` adds an application's
    bearer credential (the change feed is read with the consuming application's grant)."""

    def __init__(self, base_url: str, signer: RequestSigner, *, timeout: float = 60.0,
                 max_retries: int = 6, backoff: float = 0.5, max_backoff: float = 30.0,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.signer = signer
        self.max_retries, self.backoff, self.max_backoff = max_retries, backoff, max_backoff
        self._sleep = sleep
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def close(self):
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, method: str, path: str, *, body: bytes = b"", params=None,
                headers=None, token: str | None = None) -> httpx.Response:
        """Send a signed request; retry what is safe to retry; raise PlatformError on refusal."""
        attempt = 0
        while True:
            request = self._http.build_request(method, self.base_url + path, content=body,
                                               params=params, headers=headers or {})
            if token:
                request.headers["Authorization"] = f"Bearer {token}"
            # A fresh signature per attempt: `created` must be recent when the platform checks it.
            self.signer.sign(request, body)
            response = None
            try:
                response = self._http.send(request)
            except (httpx.TransportError, httpx.TimeoutException):
                if attempt >= self.max_retries:
                    raise
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    raise PlatformError(response.status_code, *_server_message(response))
            delay = min(self.backoff * 2 ** attempt, self.max_backoff)
            self._sleep(min(_retry_after(response, delay), self.max_backoff))
            attempt += 1

    def register(self, code: str, name: str, contact: str) -> NodeInfo:
        payload = {"code": code, "name": name, "contact": contact,
                   "public_key": public_key_text(self.signer.public_key)}
        response = self.request("POST", "/api/v1/exchange/nodes", body=_json(payload),
                                headers={"Content-Type": "application/json"})
        return NodeInfo.from_json(response.json())

    def whoami(self) -> NodeInfo:
        return NodeInfo.from_json(self.request("GET", "/api/v1/exchange/node").json())

    def resource_schema(self, code: str) -> ResourceSchema:
        response = self.request("GET", f"/api/v1/exchange/resources/{code}/schema")
        return ResourceSchema.from_json(response.json())

    def push_batch(self, code: str, batch_id: str, ipc: bytes) -> BatchReceipt:
        response = self.request("PUT", f"/api/v1/exchange/resources/{code}/batches/{batch_id}",
                                body=ipc, headers={"Content-Type": ARROW_STREAM})
        return BatchReceipt.from_json(response.json())

    def upload_file(self, code: str, name: str, content: bytes) -> dict:
        """A new version of a file resource; the platform checks the stated SHA-256."""
        response = self.request("PUT", f"/api/v1/exchange/resources/{code}/files/{quote(name)}",
                                body=content, params={"sha256": hashlib.sha256(content)
                                                      .hexdigest()},
                                headers={"Content-Type": "application/octet-stream"})
        return response.json()

    def changes(self, code: str, cursor: int, limit: int, token: str):
        """One page of a grant's change feed: (Arrow IPC bytes, next cursor, more to come)."""
        response = self.request("GET", f"/api/v1/data/{code}/changes", token=token,
                                params={"cursor": cursor, "limit": limit},
                                headers={"Accept": ARROW_STREAM})
        return (response.content, int(response.headers[NEXT_CURSOR_HEADER]),
                response.headers.get(HAS_MORE_HEADER) == "true")


def _json(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
