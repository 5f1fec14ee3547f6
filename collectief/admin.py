"""Admin for administrators (functioneel beheer), and the mixin that audits changes made in it."""

import re

from django.contrib import admin
from django.db import router, transaction

from . import audit
from .models import (
    Administrator,
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
    PostcodeArea,
    Team,
    log_event,
)

admin.site.site_header = "Collectief – beheer"


def audit_name(model) -> str:
    """The event prefix of a model: ``ChangeWish`` -> ``change_wish`` (declared in collectief.audit)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()


class AuditedAdminMixin:
    """Audit what an administrator changes in the admin exactly as the application's own pages do.

    One ``log_event`` per created, updated or deleted object (inline rows included), in the
    transaction of the change, with field names only: the trail never holds a personal value.
    Opening a change page writes a view event when the model declares one (``participant.viewed``).
    """

    def _audit(self, request, event, obj=None, data=None, **where):
        log_event(request.user, event, obj, {**(data or {}), "page": "admin"}, **where)

    def _atomic(self):
        return transaction.atomic(using=router.db_for_write(self.model))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        view_event = f"{audit_name(self.model)}.viewed"
        # Administrators see personal data here too: the same trail as the application's pages.
        # Only a page that really showed the object (not the redirect for a missing one) counts.
        if request.method == "GET" and response.status_code == 200 and view_event in audit.EVENTS:
            self._audit(request, view_event, object_type=self.model._meta.label_lower, object_id=object_id)
        return response

    def save_model(self, request, obj, form, change):
        with self._atomic():
            super().save_model(request, obj, form, change)
            if change and not form.changed_data:
                return  # saved without a change: nothing to record, as for unchanged inline rows
            event = f"{audit_name(type(obj))}.{'updated' if change else 'created'}"
            self._audit(request, event, obj, {"fields": form.changed_data})

    def delete_model(self, request, obj):
        with self._atomic():
            self._audit(request, f"{audit_name(type(obj))}.deleted", obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The "delete selected" action: one event per row, as if each were deleted on its own page.
        with self._atomic():
            label = queryset.model._meta.label_lower
            for pk in queryset.values_list("pk", flat=True):
                self._audit(request, f"{audit_name(queryset.model)}.deleted", object_type=label, object_id=pk)
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        name = audit_name(formset.model)
        label = formset.model._meta.label_lower
        # Deleting clears the primary key, so note the doomed rows' ids first.
        doomed = [f.instance.pk for f in formset.deleted_forms if f.instance.pk is not None]
        with self._atomic():
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                self._audit(request, f"{name}.created", obj, {"fields": self._inline_fields(formset, obj)})
            for obj, fields in formset.changed_objects:
                self._audit(request, f"{name}.updated", obj, {"fields": list(fields)})
            for pk in doomed:
                self._audit(request, f"{name}.deleted", object_type=label, object_id=pk)

    @staticmethod
    def _inline_fields(formset, obj):
        return next((f.changed_data for f in formset.extra_forms if f.instance is obj), [])


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
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    autocomplete_fields = ["user", "team"]


@admin.register(MunicipalityUser)
class MunicipalityUserAdmin(AuditedAdminMixin, admin.ModelAdmin):
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


@admin.register(PostcodeArea)
class PostcodeAreaAdmin(admin.ModelAdmin):
    """Postcode ranges per wijk; many at once through the import (postcode_areas.csv)."""

    list_display = ["postcode_from", "postcode_to", "neighbourhood", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["postcode_from", "postcode_to", "neighbourhood__name"]
    list_select_related = ["neighbourhood", "municipality"]
    autocomplete_fields = ["neighbourhood"]


@admin.register(Administrator)
class AdministratorAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Who is functioneel beheerder: granting the role is itself a change to audit."""

    list_display = ["user", "since"]
    autocomplete_fields = ["user"]
