"""The webhook signature: HMAC-SHA256 over the exact body bytes with the endpoint's secret.

A receiver recomputes `hmac(secret, body, sha256)` over the raw request body and compares it in
constant time with the hex value after `sha256=` in the `X-Govshare-Signature` header.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Govshare-Signature"
EVENT_HEADER = "X-Govshare-Event"
DELIVERY_HEADER = "X-Govshare-Delivery"


def signature(secret: str, body: bytes) -> str:
    """The header value for `body`: "sha256=" and the hex digest."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, header_value: str) -> bool:
    """True when `header_value` is the signature of `body` under `secret`."""
    return hmac.compare_digest(signature(secret, body), header_value or "")
