"""The operator's admin pages for exchange nodes: approval and revocation go through the
services, so they are checked and audited like every other path."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from govshare.catalog.admin import ReadOnlyAdmin
from govshare.core.admin import operator_admin
from govshare.core.exceptions import ServiceError

from . import services
from .models import Node, RefusedPush


@admin.register(Node, site=operator_admin)
class NodeAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "key_id", "state", "contact", "registered_at",
                    "last_seen_at"]
    list_filter = ["state"]
    search_fields = ["name", "key_id", "organization__name"]
    readonly_fields = [f.name for f in Node._meta.fields]
    actions = ["approve", "revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, service):
        for node in queryset:
            try:
                service(request.user, node)
            except ServiceError as error:
                self.message_user(request, f"{node}: {error.message}", messages.ERROR)

    @admin.action(description=_("批准所选节点"))
    def approve(self, request, queryset):
        self._each(request, queryset, services.node_approve)

    @admin.action(description=_("吊销所选节点"))
    def revoke(self, request, queryset):
        self._each(request, queryset, services.node_revoke)


@admin.register(RefusedPush, site=operator_admin)
class RefusedPushAdmin(ReadOnlyAdmin):
    """Pushes refused for want of an approved node, kept for supervision (read only)."""

    list_display = ["at", "reason", "resource_code", "key_id", "node", "source_address"]
    list_filter = ["reason"]
    search_fields = ["resource_code", "key_id", "source_address"]
