"""Audit records and checkpoints in the admin: readable by the operator, never editable."""

from django.contrib import admin

from govshare.core.admin import operator_admin

from .models import AuditCheckpoint, AuditRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditRecord, site=operator_admin)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["id", "time", "actor_name", "action", "object_repr", "outcome"]
    list_filter = ["action", "outcome", "actor_type"]
    search_fields = ["action", "object_repr", "actor_name"]


@admin.register(AuditCheckpoint, site=operator_admin)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["id", "time", "head_id", "head_hash", "algorithm", "key_id"]
