"""The federation page: everyone signed in sees the approved peers; the operator registers,
approves, harvests and revokes, and a refusal or an unreachable peer is shown, not a 500
(R7, R8)."""

import httpx
import pytest

from govshare.federation.models import Peer

from .audit_cases import describing, new_peer
from .loopback import answering

pytestmark = pytest.mark.django_db


def _saved(state):
    peer = new_peer(state)
    peer.save()
    return peer


def test_r8_the_page_lists_approved_peers_to_everyone_and_all_to_the_operator(login):
    approved, pending = _saved(Peer.State.APPROVED), new_peer()
    pending.key_id, pending.name = pending.key_id[::-1], "待批准的县平台"
    pending.save()
    staff = login("gat_staff").get("/federation/").content.decode()
    assert approved.key_id in staff and pending.key_id not in staff
    assert "/revoke/" not in staff and "/federation/peers/register/" not in staff
    operator = login("operator").get("/federation/").content.decode()
    assert approved.key_id in operator and pending.key_id in operator
    assert f"/federation/peers/{pending.pk}/approve/" in operator
    assert f"/federation/peers/{approved.pk}/revoke/" in operator


def test_r8_the_operator_registers_a_peer_and_approves_it_on_the_page(login):
    descriptor = new_peer()
    operator = login("operator")
    with describing(descriptor):
        response = operator.post("/federation/peers/register/",
                                 {"base_url": "http://city.example"}, follow=True)
    assert "已向对方平台登记" in response.content.decode()
    peer = Peer.objects.get(key_id=descriptor.key_id)
    assert peer.state == Peer.State.PENDING
    operator.post(f"/federation/peers/{peer.pk}/approve/")
    peer.refresh_from_db()
    assert peer.state == Peer.State.APPROVED


def test_r8_an_unreachable_peer_and_a_bad_address_are_named_on_the_page(login):
    def down(request):
        raise httpx.ConnectError("refused")

    operator = login("operator")
    with answering(down):
        page = operator.post("/federation/peers/register/", {"base_url": "http://city.example"},
                             follow=True)
    assert page.status_code == 200 and "city.example" in page.content.decode()
    page = operator.post("/federation/peers/register/", {"base_url": "ftp://x"}, follow=True)
    assert "base_url" in page.content.decode() and "http://" in page.content.decode()
    assert not Peer.objects.exists()


def test_r8_a_department_cannot_approve_or_revoke_a_peer(login):
    peer = _saved(Peer.State.APPROVED)
    staff = login("gat_admin")
    page = staff.post(f"/federation/peers/{peer.pk}/revoke/", {"reason": "试图吊销"}, follow=True)
    assert page.status_code == 200
    peer.refresh_from_db()
    assert peer.state == Peer.State.APPROVED
    pending = new_peer()
    pending.key_id = pending.key_id[::-1]
    pending.save()
    assert staff.post(f"/federation/peers/{pending.pk}/approve/").status_code == 404
    pending.refresh_from_db()
    assert pending.state == Peer.State.PENDING


def test_r8_revoking_needs_a_reason(login):
    peer = _saved(Peer.State.APPROVED)
    page = login("operator").post(f"/federation/peers/{peer.pk}/revoke/", {"reason": " "},
                                  follow=True)
    assert "reason" in page.content.decode()
    peer.refresh_from_db()
    assert peer.state == Peer.State.APPROVED
