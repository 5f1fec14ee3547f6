"""Read-friendly admin for administrators (functioneel beheer); every view and change is audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from collectief.admin import AuditedAdminMixin

from .models import ChangeWish, Consent, HelpRequest, IndividualSupport, Measurement, Participant


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ["purpose", "given", "date", "recorded_by", "created_at"]
    readonly_fields = ["recorded_by", "created_at"]


class ChangeWishInline(admin.TabularInline):
    model = ChangeWish
    extra = 0
    fields = ["text", "life_domain", "status", "start_date", "end_date"]


class HelpRequestInline(admin.TabularInline):
    model = HelpRequest
    extra = 0
    fields = ["theme", "life_domain", "date", "route", "tenzij_reason", "closed_on"]


class IndividualSupportInline(admin.TabularInline):
    model = IndividualSupport
    extra = 0
    fields = ["product", "framework", "start_date", "end_date"]


@admin.register(Participant)
class ParticipantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["last_name", "first_name", "birth_date", "neighbourhood", "team", "external_id"]
    list_filter = ["team__municipality", "team"]
    search_fields = ["first_name", "last_name", "external_id", "postcode"]
    list_select_related = ["team", "neighbourhood"]
    autocomplete_fields = ["neighbourhood", "team"]
    readonly_fields = ["created_at", "updated_at", "created_by"]
    date_hierarchy = "created_at"
    inlines = [ConsentInline, ChangeWishInline, HelpRequestInline, IndividualSupportInline]

    def has_delete_permission(self, request, obj=None):
        # A resident is never deleted (a database trigger refuses it too): deleting cascaded to
        # attendance and rewrote history. Erasure is anonymisation, from the resident's page.
        return False
    fieldsets = [
        (
            None,
            {"fields": [("first_name", "last_name"), "birth_date", ("postcode", "neighbourhood"), "team"]},
        ),
        (_("Contact details"), {"fields": [("phone", "email"), "preferred_language", "is_volunteer"]}),
        (_("Registration"), {"fields": ["external_id", ("created_at", "created_by"), "updated_at"]}),
    ]


@admin.register(Consent)
class ConsentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "purpose", "given", "date", "recorded_by"]
    list_filter = ["purpose", "given"]
    list_select_related = ["participant", "recorded_by"]
    autocomplete_fields = ["participant"]
    date_hierarchy = "date"


@admin.register(ChangeWish)
class ChangeWishAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "life_domain", "status", "start_date", "end_date"]
    list_filter = ["status", "life_domain"]
    list_select_related = ["participant", "life_domain"]
    autocomplete_fields = ["participant"]


@admin.register(HelpRequest)
class HelpRequestAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "theme", "life_domain", "route", "tenzij_reason", "date", "closed_on"]
    list_filter = ["route", "tenzij_reason", "life_domain"]
    list_select_related = ["participant", "life_domain"]
    search_fields = ["theme"]
    autocomplete_fields = ["participant"]
    date_hierarchy = "date"


@admin.register(IndividualSupport)
class IndividualSupportAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "product", "framework", "start_date", "end_date"]
    list_filter = ["framework"]
    list_select_related = ["participant", "framework"]
    search_fields = ["product"]
    autocomplete_fields = ["participant"]


@admin.register(Measurement)
class MeasurementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "date", "moment", "filled_by"]
    list_filter = ["moment"]
    list_select_related = ["participant"]
    autocomplete_fields = ["participant"]
