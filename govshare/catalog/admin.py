"""The operator's admin pages for the catalog's reference data: the classification tree and the
data element register. Resources and their versions are read-only here: they change only
through the services, which check the lifecycle and write the audit log."""

from django.contrib import admin

from govshare.core.admin import operator_admin

from .models import Classification, DataElement, Resource, ResourceVersion, SourceConflict


@admin.register(Classification, site=operator_admin)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(DataElement, site=operator_admin)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["identifier", "name", "data_type", "length", "standard", "source"]
    search_fields = ["identifier", "name"]
    readonly_fields = ["source"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionInline(admin.TabularInline):
    model = ResourceVersion
    fields = ["number", "status", "name", "share_type", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Resource, site=operator_admin)
class ResourceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "provider", "status", "data_updated_at"]
    list_filter = ["status"]
    search_fields = ["code", "versions__name"]
    inlines = [VersionInline]


@admin.register(SourceConflict, site=operator_admin)
class SourceConflictAdmin(ReadOnlyAdmin):
    list_display = ["element", "status", "raised_at", "resolved_at"]
    list_filter = ["status"]
