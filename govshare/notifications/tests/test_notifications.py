"""The inbox, e-mail and signed webhooks with bounded retries."""

import json

import pytest
from django.core import mail

from govshare.core.exceptions import PermissionDenied, ValidationError
from govshare.notifications import services
from govshare.notifications.dispatch import notify
from govshare.notifications.models import Notification, WebhookDelivery
from govshare.notifications.signing import verify
from govshare.orgs import services as org_services

MESSAGE = "共享申请 %(number)s 已提交"


@pytest.fixture
def application(person):
    return org_services.application_create(person("mzt_officer"),
                                           organization=person("mzt_officer").organization,
                                           name="社会救助系统")


def test_r13_notification_reaches_the_inbox_and_the_unread_count(person, login):
    officer = person("mzt_officer")
    officer.email = "officer@mzt.example"
    officer.save()
    notify([officer, person("gat_officer")], event="share_request.filed", message=MESSAGE,
           params={"number": "GX2026000001"}, url="/sharing/requests/1/")
    page = login("mzt_officer").get("/notifications/").content.decode()
    assert "共享申请 GX2026000001 已提交" in page
    assert 'id="unread-count">1<' in page
    english = login("mzt_officer").get("/notifications/", headers={"accept-language": "en"})
    assert english.status_code == 200
    # E-mail goes to whoever has an address, in the platform's language.
    assert [m.to for m in mail.outbox] == [["officer@mzt.example"]]
    assert "GX2026000001" in mail.outbox[0].subject
    assert "/sharing/requests/1/" in mail.outbox[0].body


def test_r13_mark_read_is_for_the_recipient_only(person, login):
    notify([person("mzt_officer")], event="x", message=MESSAGE, params={"number": "1"})
    notification = Notification.objects.get()
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(person("mzt_admin"), notification)
    assert login("mzt_admin").post(f"/notifications/{notification.pk}/read/").status_code == 404
    client = login("mzt_officer")
    assert client.post(f"/notifications/{notification.pk}/read/").status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'id="unread-count"' not in client.get("/notifications/").content.decode()


def test_r13_inbox_api_lists_and_marks_all_read(person, login):
    notify([person("gat_officer")], event="a", message=MESSAGE, params={"number": "7"})
    notify([person("gat_officer")], event="b", message=MESSAGE, params={"number": "8"})
    client = login("gat_officer")
    body = client.get("/api/v1/notifications").json()
    assert body["unread"] == 2
    assert {item["text"] for item in body["items"]} == {"共享申请 7 已提交", "共享申请 8 已提交"}
    assert login("mzt_officer").get("/api/v1/notifications").json() == {"unread": 0, "items": []}
    first = body["items"][0]["id"]
    assert login("mzt_officer").post(f"/api/v1/notifications/{first}/read").status_code == 404
    assert client.post(f"/api/v1/notifications/{first}/read").json()["read_at"]
    assert client.post("/api/v1/notifications/read-all").json() == {"count": 1}
    assert client.get("/api/v1/notifications?unread=true").json()["items"] == []


def test_r14_webhook_posts_a_signed_body(person, application, receiver):
    endpoint, secret = services.webhook_configure(person("mzt_admin"), application,
                                                  url=receiver.url)
    notify([person("mzt_officer")], event="grant.activated", message=MESSAGE,
           params={"number": "9"}, application=application, data={"grant": 5})
    [request] = receiver.received
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-govshare-event"] == "grant.activated"
    assert headers["x-govshare-signature"].startswith("sha256=")
    assert verify(secret, request["body"], headers["x-govshare-signature"])
    assert not verify("another-secret", request["body"], headers["x-govshare-signature"])
    payload = json.loads(request["body"])
    assert payload["event"] == "grant.activated"
    assert payload["application"] == {"id": application.pk, "name": "社会救助系统"}
    assert payload["data"] == {"grant": 5}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert headers["x-govshare-delivery"] == str(delivery.pk)
    # After rotation, deliveries are signed with the new secret only.
    _endpoint, new_secret = services.webhook_secret_rotate(person("mzt_admin"), endpoint)
    notify([], event="grant.revoked", message=MESSAGE, application=application, data={})
    latest = receiver.received[-1]
    signature = {k.lower(): v for k, v in latest["headers"].items()}["x-govshare-signature"]
    assert verify(new_secret, latest["body"], signature)
    assert not verify(secret, latest["body"], signature)


def test_r14_webhook_retries_server_errors_then_succeeds(person, application, receiver):
    services.webhook_configure(person("mzt_admin"), application, url=receiver.url)
    receiver.answers = [503, 500]
    notify([], event="grant.activated", message=MESSAGE, application=application, data={})
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    assert delivery.attempts == 3
    assert len(receiver.received) == 3
    assert len({r["body"] for r in receiver.received}) == 1  # the same signed body each time


def test_r14_webhook_retries_are_bounded(person, application, receiver, settings):
    settings.GOVSHARE_WEBHOOK_RETRY_DELAYS = [1, 2]
    services.webhook_configure(person("mzt_admin"), application, url=receiver.url)
    receiver.answers = [500] * 10
    notify([], event="grant.activated", message=MESSAGE, application=application, data={})
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts == 3 and len(receiver.received) == 3
    assert delivery.last_status_code == 500


def test_r14_webhook_client_errors_are_not_retried(person, application, receiver):
    services.webhook_configure(person("mzt_admin"), application, url=receiver.url)
    receiver.answers = [401]
    notify([], event="grant.activated", message=MESSAGE, application=application, data={})
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 401)


def test_r14_unreachable_webhook_fails_after_bounded_retries(person, application, settings):
    settings.GOVSHARE_WEBHOOK_RETRY_DELAYS = [1]
    settings.GOVSHARE_WEBHOOK_TIMEOUT = 1
    # Port 9 on loopback: nothing listens there, the connection is refused.
    services.webhook_configure(person("mzt_admin"), application, url="http://127.0.0.1:9/x")
    notify([], event="grant.activated", message=MESSAGE, application=application, data={})
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert "Error" in delivery.last_error


def test_r15_only_the_applications_managers_configure_its_webhook(person, application, login):
    with pytest.raises(PermissionDenied):
        services.webhook_configure(person("gat_admin"), application, url="https://x.example/")
    with pytest.raises(ValidationError) as error:
        services.webhook_configure(person("mzt_admin"), application, url="ftp://x.example/")
    assert "url" in error.value.field_errors
    response = login("gat_admin").put(f"/api/v1/notifications/webhooks/{application.pk}",
                                      {"url": "https://x.example/"},
                                      content_type="application/json")
    assert response.status_code == 404
    client = login("mzt_officer")
    created = client.put(f"/api/v1/notifications/webhooks/{application.pk}",
                         {"url": "https://hooks.mzt.example/govshare"},
                         content_type="application/json")
    assert created.status_code == 201 and len(created.json()["secret"]) == 64
    updated = client.put(f"/api/v1/notifications/webhooks/{application.pk}",
                         {"url": "https://hooks.mzt.example/v2", "is_active": False},
                         content_type="application/json")
    assert updated.status_code == 200 and "secret" not in updated.json()
    rotated = client.post(f"/api/v1/notifications/webhooks/{application.pk}/rotate")
    assert rotated.json()["secret"] != created.json()["secret"]
    assert client.delete(f"/api/v1/notifications/webhooks/{application.pk}").status_code == 204
    assert client.get(f"/api/v1/notifications/webhooks/{application.pk}").status_code == 404


def test_r15_webhook_settings_page_shows_the_secret_once(person, application, login):
    client = login("mzt_admin")
    page = client.post(f"/notifications/webhooks/{application.pk}/",
                       {f"app{application.pk}-url": "https://hooks.mzt.example/",
                        f"app{application.pk}-is_active": "on"})
    assert page.status_code == 200
    secret = application.webhook.secret
    assert secret in page.content.decode()
    again = client.get("/notifications/webhooks/").content.decode()
    assert "https://hooks.mzt.example/" in again and secret not in again
    assert secret not in login("gat_admin").get("/notifications/webhooks/").content.decode()


@pytest.mark.parametrize("profile", ["international", "national"])
def test_r18_webhook_secrets_are_sealed_at_rest(person, application, settings, profile):
    from django.db import connection

    from govshare.core import crypto
    from govshare.notifications.models import WebhookEndpoint

    settings.GOVSHARE_CRYPTO_PROFILE = profile
    endpoint, secret = services.webhook_configure(person("mzt_admin"), application,
                                                  url="https://hooks.mzt.example/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_webhookendpoint WHERE id = %s",
                       [endpoint.pk])
        [(stored,)] = cursor.fetchall()
    assert secret not in stored
    assert stored.startswith(crypto.profile(profile).cipher + ":")
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret


def test_r18_the_migration_seals_secrets_stored_in_clear(person, application):
    import importlib

    from django.db import connection

    from govshare.notifications.models import WebhookEndpoint

    migration = importlib.import_module(
        "govshare.notifications.migrations.0002_webhook_secret_sealed")
    endpoint, secret = services.webhook_configure(person("mzt_admin"), application,
                                                  url="https://hooks.mzt.example/")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notifications_webhookendpoint SET secret = %s WHERE id = %s",
                       ["a-clear-secret", endpoint.pk])

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.seal_existing(None, editor)
    migration.seal_existing(None, editor)  # already sealed rows are left as they are
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "a-clear-secret"


def test_r18_reseal_moves_secrets_to_the_current_cipher_and_key(person, application, settings):
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from govshare.notifications.models import WebhookEndpoint

    settings.GOVSHARE_CRYPTO_PROFILE = "international"
    endpoint, secret = services.webhook_configure(person("mzt_admin"), application,
                                                  url="https://hooks.mzt.example/")
    settings.GOVSHARE_CRYPTO_PROFILE = "national"
    out = StringIO()
    call_command("secrets", "reseal", stdout=out)
    assert out.getvalue().startswith("1 sealed values")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_webhookendpoint WHERE id = %s",
                       [endpoint.pk])
        assert cursor.fetchone()[0].startswith("sm4-gcm:")
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret
    out = StringIO()
    call_command("secrets", "reseal", stdout=out)
    assert out.getvalue().startswith("0 sealed values")
