"""In-process peers for the federation tests: this platform answering its own signed calls
(through its WSGI application, in the test's transaction), or a stub answering whatever a test
needs (down, slow, garbage)."""

from contextlib import contextmanager

import httpx
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from govshare.federation import client
from govshare.federation.models import Peer
from govshare.node.signing import public_key_text

BASE_URL = "http://testserver"


@contextmanager
def routed(transport):
    """Send every peer call through `transport` for the duration."""
    before = client.transport
    client.transport = transport
    # As Django's test client does: a request starting or ending must not close the test's
    # connection (its transaction holds the test's data).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        client.transport = before


def self_peer(region_code="130100", state=Peer.State.APPROVED) -> Peer:
    """This platform recorded as its own peer (its own key), so its signed calls to itself are
    accepted: one database plays both sides."""
    signer = client.platform_signer()
    peer, _created = Peer.objects.update_or_create(key_id=signer.key_id, defaults={
        "name": "石家庄市政务信息资源共享平台", "base_url": BASE_URL, "region_code": region_code,
        "public_key": public_key_text(signer.public_key), "state": state})
    return peer


@contextmanager
def loopback(region_code="130100"):
    """This platform as its own approved peer, answering in-process."""
    with routed(httpx.WSGITransport(app=get_wsgi_application())):
        yield self_peer(region_code)


def answering(handler):
    """A stub peer: `handler(request)` returns an httpx.Response or raises."""
    return routed(httpx.MockTransport(handler))
