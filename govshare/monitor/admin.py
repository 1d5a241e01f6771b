"""The operator reads monitoring's records in the admin; every change goes through the
services (alert decisions on the alert page, reports and statistics by their tasks)."""

from django.contrib import admin

from govshare.core.admin import operator_admin

from .models import Alert, Baseline, Report, StatsDay


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert, site=operator_admin)
class AlertAdmin(_ReadOnly):
    list_display = ["opened_at", "rule", "application", "organization", "observed", "threshold",
                    "state", "redistribution"]
    list_filter = ["state", "rule", "redistribution"]
    search_fields = ["application__name", "organization__name", "subject"]


@admin.register(Report, site=operator_admin)
class ReportAdmin(_ReadOnly):
    list_display = ["created_at", "title", "kind", "pdf_sha256"]
    list_filter = ["kind"]


@admin.register(Baseline, site=operator_admin)
class BaselineAdmin(_ReadOnly):
    list_display = ["application", "day", "active_days", "hourly_calls", "off_hours_share"]


@admin.register(StatsDay, site=operator_admin)
class StatsDayAdmin(_ReadOnly):
    list_display = ["day", "computed_at", "rows"]
