"""Checking the RFC 9421 signature every node request carries (R18).

The covered components are fixed by `govshare.node.signing`: method, path, query and the
Content-Digest of the body, which is checked against the bytes received; `created` must be
within five minutes. The signature's `alg` names Ed25519 or SM2 (see `govshare.node.signing`);
a key only verifies under its own algorithm, so a node cannot switch by naming the other. A
replayed push is harmless (its batch id was already applied), so no nonce.
"""

import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
)
from http_sf.compat import Dictionary

from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.core.context import client_address
from govshare.core.exceptions import NotAuthenticated, PermissionDenied, ValidationError
from govshare.node.signing import (
    COVERED_COMPONENTS,
    HTTP_ALGORITHMS,
    SIGNATURE_LABEL,
    public_key_from_text,
)

from .models import Node, RefusedPush

MAX_AGE = datetime.timedelta(minutes=5)


class _Message:
    """The shape the signature library reads: method, absolute URL, headers."""

    def __init__(self, request):
        self.method = request.method
        self.url = request.build_absolute_uri()
        self.headers = dict(request.headers)


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, lookup):
        self.lookup = lookup
        self.key_id = None
        self.refusal = None

    def resolve_public_key(self, key_id: str):
        self.key_id = key_id
        try:
            return self.lookup(key_id)
        except NotAuthenticated as error:
            # The library wraps whatever the resolver raises; keep ours to re-raise as it is.
            self.refusal = error
            raise

    def resolve_private_key(self, key_id: str):
        raise NotImplementedError("the platform never signs as a node")


def request_body(request) -> bytes:
    """The raw body, read once and bounded; signatures and ingestion both need the bytes."""
    if not hasattr(request, "_govshare_body"):
        limit = settings.GOVSHARE_BATCH_MAX_BYTES
        body = request.read(limit + 1)
        if len(body) > limit:
            raise ValidationError({"body": [_("请求体超过 %(limit)d 字节的上限。") %
                                            {"limit": limit}]})
        request._govshare_body = body
    return request._govshare_body


def _named_algorithm(request):
    """The verifier class for the `alg` the signature names; Ed25519 when it names none (the
    parameter is optional in RFC 9421, and the first nodes' signatures left it out)."""
    try:
        inputs = Dictionary()
        inputs.parse(request.headers["signature-input"].encode())
        name = dict(inputs[SIGNATURE_LABEL].params).get("alg", "ed25519")
    except (KeyError, ValueError):
        name = "ed25519"
    return HTTP_ALGORITHMS.get(name, HTTP_ALGORITHMS["ed25519"])


def verify(request, lookup) -> str:
    """Verify the request's signature with the key `lookup(key_id)` gives; return the key id."""
    if "signature-input" not in request.headers or "signature" not in request.headers:
        raise NotAuthenticated(_("请求未签名：节点的每个请求都须带 HTTP 消息签名（RFC 9421）。"),
                               reason=RefusedPush.Reason.UNSIGNED)
    keys = _Keys(lookup)
    verifier = HTTPMessageVerifier(signature_algorithm=_named_algorithm(request),
                                   key_resolver=keys)
    try:
        verifier.verify(_Message(request), max_age=MAX_AGE, require_components=COVERED_COMPONENTS,
                        body=request_body(request))
    except HTTPMessageSignaturesException as error:
        if keys.refusal is not None:
            raise keys.refusal from None
        raise NotAuthenticated(_("请求签名无效：%(error)s") % {"error": error},
                               reason=RefusedPush.Reason.BAD_SIGNATURE,
                               key_id=keys.key_id or "") from None
    return keys.key_id


def signed_node(request, *, allow_pending=False) -> Node:
    """The approved node that signed this request; 401 unsigned or bad, 403 not approved."""
    found = {}

    def lookup(key_id):
        node = Node.objects.filter(key_id=key_id).select_related("organization").first()
        if node is None:
            raise NotAuthenticated(_("未知的节点密钥 %(key)s：请先注册节点。") % {"key": key_id},
                                   reason=RefusedPush.Reason.UNKNOWN_KEY, key_id=key_id)
        found["node"] = node
        return public_key_from_text(node.public_key)

    verify(request, lookup)
    node = found["node"]
    if node.state == Node.State.PENDING and not allow_pending:
        raise PermissionDenied(_("节点“%(node)s”尚未获平台运维单位批准。") % {"node": node},
                               reason=RefusedPush.Reason.PENDING, node=node)
    if node.state == Node.State.REVOKED:
        raise PermissionDenied(_("节点“%(node)s”已被吊销。") % {"node": node},
                               reason=RefusedPush.Reason.REVOKED, node=node)
    now = clock.now()
    if node.last_seen_at is None or (now - node.last_seen_at).total_seconds() > 60:
        Node.objects.filter(pk=node.pk).update(last_seen_at=now)
    return node


def _note_refused_push(request, error) -> None:
    """Keep a refused push of data for supervision (private exchange channels, R9). Written
    outside any transaction: the refusal is the request's answer, nothing rolls it back."""
    code = str((request.resolver_match.kwargs if request.resolver_match else {}).get("code", ""))
    node = error.context.get("node")
    RefusedPush.objects.create(
        reason=error.context["reason"], key_id=(node.key_id if node else
                                                error.context.get("key_id", ""))[:200],
        node=node, resource=Resource.objects.filter(code=code).first(), resource_code=code[:40],
        path=request.path[:300], source_address=client_address(request)[:64],
    )


class NodeSignature:
    """Ninja authentication for node endpoints: the signature is the credential. With
    `note_refusals`, a refused request (a push of data) is kept as a `RefusedPush`."""

    def __init__(self, *, allow_pending=False, note_refusals=False):
        self.allow_pending = allow_pending
        self.note_refusals = note_refusals

    def __call__(self, request):
        try:
            return signed_node(request, allow_pending=self.allow_pending)
        except (NotAuthenticated, PermissionDenied) as error:
            if self.note_refusals and "reason" in error.context:
                _note_refused_push(request, error)
            raise
