from django.contrib import admin

from .models import (
    AuditEvent,
    EndReason,
    Framework,
    GroupKind,
    LifeDomain,
    Membership,
    Municipality,
    MunicipalityTarget,
    MunicipalityUser,
    Neighbourhood,
    Team,
)

admin.site.site_header = "Collectief – beheer"


class NeighbourhoodInline(admin.TabularInline):
    model = Neighbourhood
    extra = 0


class TargetInline(admin.TabularInline):
    model = MunicipalityTarget
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    inlines = [NeighbourhoodInline, TargetInline]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    autocomplete_fields = ["user", "team"]


@admin.register(MunicipalityUser)
class MunicipalityUserAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality"]
    autocomplete_fields = ["user"]


@admin.register(MunicipalityTarget)
class MunicipalityTargetAdmin(admin.ModelAdmin):
    list_display = ["municipality", "year", "residents_collective"]
    list_filter = ["municipality"]


class CodeListAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "sort_order", "active"]
    list_editable = ["sort_order", "active"]

    def get_readonly_fields(self, request, obj=None):
        # Codes are referenced by reports and imports: they can be added, never renamed.
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Framework, CodeListAdmin)
admin.site.register(LifeDomain, CodeListAdmin)
admin.site.register(EndReason, CodeListAdmin)


@admin.register(GroupKind)
class GroupKindAdmin(CodeListAdmin):
    list_display = [*CodeListAdmin.list_display, "counts_for_kpi"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "event", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "event", "user__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
