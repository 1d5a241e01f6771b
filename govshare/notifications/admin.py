"""The operator sees webhook endpoints and their deliveries; secrets are set by the service."""

from django.contrib import admin

from govshare.core.admin import operator_admin

from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint, site=operator_admin)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["application", "url", "is_active", "updated_at"]
    search_fields = ["application__name", "url"]
    exclude = ["secret"]
    readonly_fields = ["application", "url", "is_active", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery, site=operator_admin)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "endpoint", "event", "status", "attempts", "last_status_code"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
