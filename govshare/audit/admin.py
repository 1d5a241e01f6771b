"""Audit records in the admin: readable by the operator, never editable."""

from django.contrib import admin

from govshare.core.admin import operator_admin

from .models import AuditRecord


@admin.register(AuditRecord, site=operator_admin)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "time", "actor_name", "action", "object_repr", "outcome"]
    list_filter = ["action", "outcome", "actor_type"]
    search_fields = ["action", "object_repr", "actor_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
