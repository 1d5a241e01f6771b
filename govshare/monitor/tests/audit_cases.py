"""Each monitor service, called once as the demo user allowed to call it (see audit/testing.py)."""

from django.utils import timezone

from govshare.audit.testing import AuditCase
from govshare.monitor import services
from govshare.monitor.models import Alert
from govshare.orgs.models import Application


def _alert(person):
    """An open alert on 民政厅's relief system, as the detector would have raised it."""
    mzt = person("mzt_admin").organization
    application, _ = Application.objects.get_or_create(organization=mzt, name="社会救助系统")
    now = timezone.now()
    return Alert.objects.create(rule=Alert.Rule.KEY_ENUMERATION, application=application,
                                organization=mzt, subject="101000000-GAT-0001",
                                resource_code="101000000-GAT-0001", window_start=now,
                                window_end=now, observed=900, threshold=300)


CASES = [
    AuditCase("monitor.alert_detect", lambda person: services.alert_detect(person("operator")),
              ("alert.detect",)),
    AuditCase("monitor.alert_confirm", lambda person: services.alert_confirm(
        person("operator"), _alert(person), comment="核实属实"), ("alert.confirm",)),
    AuditCase("monitor.alert_dismiss", lambda person: services.alert_dismiss(
        person("operator"), _alert(person), comment="已报备的全量核对"), ("alert.dismiss",)),
]
