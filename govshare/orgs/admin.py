"""The operator's admin pages for reference data (regions, organisations, people)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from govshare.core.admin import operator_admin

from .models import Application, Organization, Region, RoleAssignment, User


@admin.register(Region, site=operator_admin)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Organization, site=operator_admin)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "kind", "duty", "region"]
    list_filter = ["duty", "kind", "region__level"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region", "parent"]


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["organization", "region"]


@admin.register(User, site=operator_admin)
class GovshareUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "organization", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = [*UserAdmin.fieldsets, (None, {"fields": ["display_name", "organization"]})]
    inlines = [RoleInline]
    autocomplete_fields = ["organization"]


@admin.register(Application, site=operator_admin)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "is_active"]
    search_fields = ["name"]
    # Credentials are issued through the service only, so their secrets are never typed here.
    readonly_fields = ["created_at"]
