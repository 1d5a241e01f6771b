"""The operator's admin pages for the sharing workflow; every change goes through a service."""

from django.contrib import admin

from govshare.core.admin import operator_admin

from . import services
from .models import CalendarOverride


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
