"""Each notifications service, called once as the demo user allowed to call it (see
audit/testing.py)."""

from govshare.audit.testing import AuditCase
from govshare.notifications import services
from govshare.notifications.dispatch import notify
from govshare.orgs.models import Application

HOOK = "https://mzt.example.gov.cn/govshare/hook"


def _notification(person):
    (notification,) = notify([person("mzt_officer")], event="test.event",
                             message="测试通知 %(n)s", params={"n": 1})
    return notification


def _application(person):
    return Application.objects.get_or_create(organization=person("mzt_officer").organization,
                                             name="社会救助系统")[0]


def _endpoint(person):
    endpoint, _secret = services.webhook_configure(person("mzt_officer"), _application(person),
                                                   url=HOOK)
    return endpoint


def _mark_all_read(person):
    _notification(person)
    return services.notification_mark_all_read(person("mzt_officer"))


CASES = [
    AuditCase("notifications.notification_mark_read", lambda person:
              services.notification_mark_read(person("mzt_officer"), _notification(person)),
              ("notification.read",)),
    AuditCase("notifications.notification_mark_all_read", _mark_all_read,
              ("notification.read_all",)),
    AuditCase("notifications.webhook_configure", _endpoint, ("webhook.configure",)),
    AuditCase("notifications.webhook_secret_rotate", lambda person:
              services.webhook_secret_rotate(person("mzt_officer"), _endpoint(person)),
              ("webhook.configure", "webhook.rotate")),
    AuditCase("notifications.webhook_remove", lambda person:
              services.webhook_remove(person("mzt_officer"), _endpoint(person)),
              ("webhook.configure", "webhook.remove")),
]
