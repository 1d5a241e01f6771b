"""The operator's read-only view of supervision's records; every change goes through the
services (pages, API, tasks), so it is checked and audited."""

from django.contrib import admin

from govshare.catalog.admin import ReadOnlyAdmin as _ReadOnly
from govshare.core.admin import operator_admin

from .models import Criticism, Finding, InfoProject, Inspection, RectificationNotice


@admin.register(Inspection, site=operator_admin)
class InspectionAdmin(_ReadOnly):
    list_display = ["region", "period", "trigger", "run_by", "started_at", "finished_at"]
    list_filter = ["trigger", "period"]


@admin.register(Finding, site=operator_admin)
class FindingAdmin(_ReadOnly):
    list_display = ["rule", "organization", "period", "object_repr", "status", "last_found_at"]
    list_filter = ["rule", "status", "period"]
    search_fields = ["organization__name", "object_repr"]


@admin.register(RectificationNotice, site=operator_admin)
class NoticeAdmin(_ReadOnly):
    list_display = ["number", "organization", "state", "due_date", "issued_by", "issued_at"]
    list_filter = ["state"]


@admin.register(Criticism, site=operator_admin)
class CriticismAdmin(_ReadOnly):
    list_display = ["organization", "reason", "listed_at", "published_at"]
    list_filter = ["reason"]


@admin.register(InfoProject, site=operator_admin)
class InfoProjectAdmin(_ReadOnly):
    list_display = ["name", "department", "funding", "is_secret", "state", "decided_at"]
    list_filter = ["state", "is_secret"]
    search_fields = ["name", "department__name"]
