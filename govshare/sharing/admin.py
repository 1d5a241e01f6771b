"""The operator's admin pages for the sharing workflow; every change goes through a service."""

from django.contrib import admin

from govshare.core.admin import operator_admin

from . import services
from .models import CalendarOverride, Deadline, Grant, Objection, ShareRequest


@admin.register(CalendarOverride, site=operator_admin)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "note", "created_by", "created_at"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    fields = ["date", "kind", "note"]

    def get_readonly_fields(self, request, obj=None):
        # A changed date would be a different override: remove this one and add that one.
        return ["date"] if obj else []

    def save_model(self, request, obj, form, change):
        saved = services.calendar_override_set(request.user, date=obj.date, kind=obj.kind,
                                               note=obj.note)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.calendar_override_remove(request.user, obj)

    def delete_queryset(self, request, queryset):
        for override in queryset:
            services.calendar_override_remove(request.user, override)


class _ReadOnly(admin.ModelAdmin):
    """The workflow changes only through its services (and their timeline): the admin shows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShareRequest, site=operator_admin)
class ShareRequestAdmin(_ReadOnly):
    list_display = ["number", "resource", "consumer", "application", "state", "created_at"]
    list_filter = ["state", "share_type"]
    search_fields = ["resource__code", "consumer__name", "application__name"]


@admin.register(Grant, site=operator_admin)
class GrantAdmin(_ReadOnly):
    list_display = ["number", "application", "resource", "state", "valid_until", "daily_quota"]
    list_filter = ["state"]
    search_fields = ["resource__code", "application__name"]


@admin.register(Deadline, site=operator_admin)
class DeadlineAdmin(_ReadOnly):
    list_display = ["share_request", "objection", "step", "party", "due_date", "closed_at",
                    "overdue_at"]
    list_filter = ["party", "step", "supervised"]


@admin.register(Objection, site=operator_admin)
class ObjectionAdmin(_ReadOnly):
    list_display = ["number", "resource", "consumer", "kind", "state", "created_at"]
    list_filter = ["state", "kind"]
