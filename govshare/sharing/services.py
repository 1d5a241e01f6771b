"""Every change to share requests, grants, objections and the working-day calendar.

Each service checks its permission first, validates, writes, leaves its timeline entry and audit
record, and sends its notifications, all in one transaction.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from govshare.audit.services import audit_record
from govshare.core.exceptions import ValidationError
from govshare.core.permissions import authorize
from govshare.core.validation import validated

from .models import CalendarOverride


@transaction.atomic
def calendar_override_set(actor, *, date, kind, note=""):
    """Declare `date` a holiday or a working day, whatever the official calendar says."""
    override = CalendarOverride.objects.filter(date=date).first() or CalendarOverride(date=date)
    authorize(actor, "calendar_override.set", override)
    if kind not in CalendarOverride.Kind.values:
        raise ValidationError({"kind": [_("类型须为休息日或工作日。")]})
    override.kind, override.note, override.created_by = kind, note.strip(), actor
    validated(override).save()
    audit_record(actor, "calendar_override.set", override, {"date": date, "kind": kind})
    return override


@transaction.atomic
def calendar_override_remove(actor, override):
    authorize(actor, "calendar_override.remove", override)
    audit_record(actor, "calendar_override.remove", override,
                 {"date": override.date, "kind": override.kind})
    override.delete()
