"""Admin of partner organisations and offers; every change is audited (collectief.admin.AuditedAdminMixin).

Day-to-day work happens on the sociale kaart (/sociale-kaart/); the admin is for administrators
who correct or remove a record (a partner can be deleted only while no offer or referral points to
it). An own group's offer follows its group: its facts are overwritten on the group's next save.
"""

from django.contrib import admin
from django.db import models

from collectief.admin import AuditedAdminMixin

from .models import Offer, Partner


@admin.register(Partner)
class PartnerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "municipality", "contact_name", "phone", "email"]
    list_filter = ["municipality"]
    search_fields = ["name", "contact_name"]
    list_select_related = ["municipality"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Offer)
class OfferAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "municipality", "source", "partner", "neighbourhood", "led_by", "form", "is_public",
                    "last_checked_on", "active"]
    list_filter = ["source", "active", "is_public", "led_by", "form", "municipality", "life_domains"]
    search_fields = ["name", "theme", "description", "partner__name"]
    filter_horizontal = ["life_domains"]
    raw_id_fields = ["group", "partner", "owner", "neighbourhood"]
    list_select_related = ["municipality", "partner", "neighbourhood"]
    date_hierarchy = "last_checked_on"
