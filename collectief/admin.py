"""Admin for administrators (functioneel beheer), and the mixin that audits what happens in it."""

import re
from functools import wraps

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group as PermissionGroup
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

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


def _valid_date_part(value: str, low: int, high: int) -> bool:
    return value.isdigit() and low <= int(value) <= high


class SafeChangelistMixin:
    """A changelist never answers a hand-made query string with a 500.

    PostgreSQL refuses NUL characters in text (``?action__exact=%00``), and Django's date
    hierarchy overflows on a year it cannot add one to (``?at__year=9999``); Django itself only
    catches some of these. Such a query is dropped: the unfiltered list, with a message.
    """

    def changelist_view(self, request, extra_context=None):
        if not self._valid_query(request.GET):
            messages.warning(request, _("The filter or search was not valid and has been removed."))
            return HttpResponseRedirect(request.path)
        return super().changelist_view(request, extra_context)

    def _valid_query(self, query) -> bool:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists()):
            return False
        hierarchy = self.date_hierarchy
        if not hierarchy:
            return True
        # Year up to 9998: the hierarchy's upper bound is the next year (datetime stops at 9999).
        limits = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}
        return all(
            _valid_date_part(query[f"{hierarchy}__{part}"], low, high)
            for part, (low, high) in limits.items()
            if f"{hierarchy}__{part}" in query
        )


class AuditedAdminMixin(SafeChangelistMixin):
    """Audit what an administrator sees and changes in the admin exactly as the application's pages do.

    One ``log_event`` per created, updated or deleted object (inline rows included), in the
    transaction of the change, with field names only: the trail never holds a personal value.
    Every page that shows data is a view event too: a list (``admin_list.viewed`` with the ids of
    the rows on the page and the residents among them), an object's change, delete or history
    page (``<model>.viewed``), and an action run on selected rows (``admin_action.run``).
    """

    # The event prefix, when it is not the model's name (``report`` for QuarterlyReport).
    audit_prefix = ""

    def _audit(self, request, event, obj=None, data=None, **where):
        # Residents go to the indexed column (``participants``): the event data stays as it was.
        log_event(request.user, event, obj, {**(data or {}), "page": "admin"}, **where)

    def _event(self, model, what: str) -> str:
        prefix = self.audit_prefix if (self.audit_prefix and model is self.model) else audit_name(model)
        return f"{prefix}.{what}"

    def _atomic(self):
        return transaction.atomic(using=router.db_for_write(self.model))

    @staticmethod
    def _residents(rows) -> list:
        """The residents among ``rows``: the rows themselves when residents, else their participant."""
        return [
            row.pk if row._meta.label_lower == audit.PARTICIPANT_LABEL else getattr(row, "participant_id", None)
            for row in rows
        ]

    # --- Pages that show data -----------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) and response.context_data.get("cl")
        if response.status_code == 200 and changelist is not None:
            # Evaluates the page's rows now; the template reuses them (no second query).
            rows = list(changelist.result_list)
            self._audit(request, "admin_list.viewed", data={
                "ids": [row.pk for row in rows],
                "filters": sorted(key for key, value in request.GET.items() if value),
            }, object_type=self.model._meta.label_lower, participants=self._residents(rows))
        return response

    def _audit_object_page(self, request, response, page: str, object_id):
        view_event = self._event(self.model, "viewed")
        # Only a page that really showed the object (not the redirect for a missing one) counts.
        if request.method != "GET" or response.status_code != 200 or view_event not in audit.EVENTS:
            return
        context = getattr(response, "context_data", None) or {}
        shown = context.get("original") or context.get("object")
        # Inline rows name residents too (a group's enrolments, a session's attendance).
        rows = [form.instance for inline in context.get("inline_admin_formsets", []) for form in inline.formset.forms]
        self._audit(request, view_event, shown, {} if page == "change" else {"view": page},
                    object_type=self.model._meta.label_lower, object_id=object_id,
                    participants=self._residents(rows))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._audit_object_page(request, response, "change", object_id)
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        self._audit_object_page(request, response, "delete", object_id)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._audit_object_page(request, response, "history", object_id)
        return response

    def get_actions(self, request):
        """Every action (the site's "delete selected" too, and any added later) records the rows it ran on."""
        return {
            name: (self._audited_action(func, name), name, description)
            for name, (func, _name, description) in super().get_actions(request).items()
        }

    def _audited_action(self, func, name):
        # "Delete selected" first shows the rows (a view); confirmed, delete_queryset records each row.
        deleting = name == "delete_selected"

        @wraps(func)
        def audited(modeladmin, request, queryset):
            if not (deleting and request.POST.get("post")):
                rows = list(queryset)
                self._audit(request, "admin_list.viewed" if deleting else "admin_action.run",
                            data={"action": name, "ids": [row.pk for row in rows]},
                            object_type=self.model._meta.label_lower, participants=self._residents(rows))
            return func(modeladmin, request, queryset)

        return audited

    # --- Changes ------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        with self._atomic():
            super().save_model(request, obj, form, change)
            if change and not form.changed_data:
                return  # saved without a change: nothing to record, as for unchanged inline rows
            self._audit(request, self._event(type(obj), "updated" if change else "created"), obj,
                        {"fields": form.changed_data})

    def delete_model(self, request, obj):
        with self._atomic():
            self._audit(request, self._event(type(obj), "deleted"), obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The "delete selected" action: one event per row, as if each were deleted on its own page.
        with self._atomic():
            event = self._event(queryset.model, "deleted")
            for row in list(queryset):
                self._audit(request, event, row)
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        # Deleting clears the primary key, so note the doomed rows' ids first (the rows keep their resident).
        doomed = [(f.instance, f.instance.pk) for f in formset.deleted_forms if f.instance.pk is not None]
        with self._atomic():
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                self._audit(request, self._event(formset.model, "created"), obj,
                            {"fields": self._inline_fields(formset, obj)})
            for obj, fields in formset.changed_objects:
                self._audit(request, self._event(formset.model, "updated"), obj, {"fields": list(fields)})
            for obj, pk in doomed:
                self._audit(request, self._event(formset.model, "deleted"), obj, object_id=pk)

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
class MunicipalityAdmin(SafeChangelistMixin, admin.ModelAdmin):
    search_fields = ["name"]
    inlines = [NeighbourhoodInline, TargetInline]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(SafeChangelistMixin, admin.ModelAdmin):
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Its inline memberships are roles: granting one here is audited like on the membership page."""

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
class MunicipalityTargetAdmin(SafeChangelistMixin, admin.ModelAdmin):
    list_display = ["municipality", "year", "residents_collective"]
    list_filter = ["municipality"]


class CodeListAdmin(SafeChangelistMixin, admin.ModelAdmin):
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
class AuditEventAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-only; reading the trail is itself recorded (``audit.viewed``, ``admin_list.viewed``)."""

    audit_prefix = "audit"
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
class PostcodeAreaAdmin(SafeChangelistMixin, admin.ModelAdmin):
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


# Django's own user and permission-group pages: personal data of staff, and who may do what.
admin.site.unregister(get_user_model())
admin.site.unregister(PermissionGroup)


@admin.register(get_user_model())
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audit_prefix = "user"

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # Django saves the new password itself: record the change (never the value).
            self._audit(request, "user.updated", data={"fields": ["password"]},
                        object_type=self.model._meta.label_lower, object_id=id)
        return response


@admin.register(PermissionGroup)
class PermissionGroupAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    audit_prefix = "permission_group"
