"""Read-friendly admin for administrators (functioneel beheer); every change page view is audited."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from collectief.models import log_event

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
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "birth_date", "neighbourhood", "team", "external_id"]
    list_filter = ["team__municipality", "team"]
    search_fields = ["first_name", "last_name", "external_id", "postcode"]
    list_select_related = ["team", "neighbourhood"]
    autocomplete_fields = ["neighbourhood", "team"]
    readonly_fields = ["created_at", "updated_at", "created_by"]
    date_hierarchy = "created_at"
    inlines = [ConsentInline, ChangeWishInline, HelpRequestInline, IndividualSupportInline]
    fieldsets = [
        (
            None,
            {"fields": [("first_name", "last_name"), "birth_date", ("postcode", "neighbourhood"), "team"]},
        ),
        (_("Contact details"), {"fields": [("phone", "email"), "preferred_language", "is_volunteer"]}),
        (_("Registration"), {"fields": ["external_id", ("created_at", "created_by"), "updated_at"]}),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Administrators see personal data here too: the same trail as the participant page.
        if request.method == "GET" and str(object_id).isdigit():
            with transaction.atomic():
                log_event(
                    request.user,
                    "participant.viewed",
                    None,
                    {"page": "admin"},
                    object_type=Participant._meta.label_lower,
                    object_id=object_id,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            log_event(
                request.user,
                f"participant.{'updated' if change else 'created'}",
                obj,
                {"fields": form.changed_data, "page": "admin"},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            log_event(request.user, "participant.deleted", obj, {"page": "admin"})
            super().delete_model(request, obj)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["participant", "purpose", "given", "date", "recorded_by"]
    list_filter = ["purpose", "given"]
    list_select_related = ["participant", "recorded_by"]
    autocomplete_fields = ["participant"]
    date_hierarchy = "date"


@admin.register(ChangeWish)
class ChangeWishAdmin(admin.ModelAdmin):
    list_display = ["participant", "life_domain", "status", "start_date", "end_date"]
    list_filter = ["status", "life_domain"]
    list_select_related = ["participant", "life_domain"]
    autocomplete_fields = ["participant"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ["participant", "theme", "life_domain", "route", "tenzij_reason", "date", "closed_on"]
    list_filter = ["route", "tenzij_reason", "life_domain"]
    list_select_related = ["participant", "life_domain"]
    search_fields = ["theme"]
    autocomplete_fields = ["participant"]
    date_hierarchy = "date"


@admin.register(IndividualSupport)
class IndividualSupportAdmin(admin.ModelAdmin):
    list_display = ["participant", "product", "framework", "start_date", "end_date"]
    list_filter = ["framework"]
    list_select_related = ["participant", "framework"]
    search_fields = ["product"]
    autocomplete_fields = ["participant"]


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = ["participant", "date", "moment", "filled_by"]
    list_filter = ["moment"]
    list_select_related = ["participant"]
    autocomplete_fields = ["participant"]
