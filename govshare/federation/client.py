"""Calling a peer platform: every request signed with this platform's Ed25519 key (RFC 9421,
the exchange nodes' profile, `govshare.node.signing`), sent through the node's own HTTP client,
and every failure turned into one clear error naming the peer: 504 when it is slow, 502 when it
is down, refuses, or answers something that is not the expected JSON.
"""

import json
from functools import cache
from pathlib import Path

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from govshare.core.exceptions import PeerTimeout, PeerUnavailable, ValidationError
from govshare.node.client import PlatformClient, PlatformError
from govshare.node.signing import (
    RequestSigner,
    generate_key,
    key_id_of,
    load_key,
    public_key_from_text,
    public_key_text,
)

from .models import Peer

# Where calls go: None for the network. Tests route them to a platform in the same process.
transport: httpx.BaseTransport | None = None


@cache
def _signer_for(path: Path) -> RequestSigner:
    key = load_key(path) if path.exists() else generate_key(path)
    return RequestSigner(key)


def platform_signer() -> RequestSigner:
    """This platform's signer; its key is created on first use (mode 0600, outside the
    database, like the audit checkpoint key)."""
    path = Path(settings.GOVSHARE_FEDERATION_KEY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    return _signer_for(path)


def own_descriptor() -> dict:
    """What this platform tells a peer about itself when they register with each other."""
    return {"name": settings.GOVSHARE_PLATFORM_NAME, "base_url": settings.GOVSHARE_BASE_URL,
            "region_code": settings.GOVSHARE_ROOT_REGION,
            "public_key": public_key_text(platform_signer().public_key)}


def peer_from(descriptor):
    """An unsaved Peer from the description a platform gives of itself."""
    try:
        public_key = public_key_from_text(str(descriptor["public_key"]))
        peer = Peer(name=str(descriptor["name"])[:200], base_url=str(descriptor["base_url"]),
                    region_code=str(descriptor["region_code"]),
                    public_key=str(descriptor["public_key"]), key_id=key_id_of(public_key))
    except (KeyError, TypeError, ValueError):
        message = _("平台描述须含名称、地址、区划代码和 Ed25519 公钥。")
        raise ValidationError({"public_key": [message]}) from None
    return peer


class PeerRefused(PeerUnavailable):
    """The peer answered with an error of its own; its status and message pass through so a
    refusal by the provider reads as one (a 403 stays a 403)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status_code = status if 400 <= status < 500 else 502


def call(peer_name: str, base_url: str, method: str, path: str, *, payload=None,
         params=None) -> dict | list:
    """One signed JSON call to a peer; the decoded answer, or PeerUnavailable / PeerTimeout."""
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"} if payload is not None else {}
    client = PlatformClient(base_url, platform_signer(),
                            timeout=settings.GOVSHARE_FEDERATION_TIMEOUT, max_retries=0,
                            transport=transport)
    try:
        response = client.request(method, path, body=body, params=params, headers=headers)
    except httpx.TimeoutException:
        raise PeerTimeout(_("对方平台“%(peer)s”在 %(seconds)s 秒内未应答。") % {
            "peer": peer_name, "seconds": settings.GOVSHARE_FEDERATION_TIMEOUT}) from None
    except httpx.TransportError as error:
        raise PeerUnavailable(_("无法连接对方平台“%(peer)s”：%(error)s") % {
            "peer": peer_name, "error": error}) from None
    except PlatformError as error:
        raise PeerRefused(_("对方平台“%(peer)s”拒绝了请求（HTTP %(status)d）：%(message)s") % {
            "peer": peer_name, "status": error.status, "message": error.message},
            error.status) from None
    finally:
        client.close()
    try:
        return response.json()
    except ValueError:
        raise PeerUnavailable(_("对方平台“%(peer)s”的应答无法解读（不是 JSON）。") % {
            "peer": peer_name}) from None


def call_peer(peer, method: str, path: str, **kwargs):
    return call(peer.name, peer.base_url, method, path, **kwargs)


def garbled(peer) -> PeerUnavailable:
    """The error for an answer that is JSON but not the shape the protocol promises."""
    return PeerUnavailable(_("对方平台“%(peer)s”的应答格式不正确。") % {"peer": peer})
