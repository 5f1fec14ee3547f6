"""Admin of groups, enrolments, sessions and attendance; every change (inline rows too) is audited."""

from django.contrib import admin

from collectief.admin import AuditedAdminMixin

from .models import Attendance, Enrolment, Group, GroupCheck, GroupStatusChange, HandOver, Interest, Session


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    raw_id_fields = ["participant"]
    fields = ["participant", "role", "start_date", "end_date", "end_reason", "referral_source"]


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "series_number", "kind", "team", "neighbourhood", "status", "rhythm", "start_date",
                    "end_date"]
    list_filter = ["kind", "status", "rhythm", "team", "life_domains"]
    search_fields = ["name", "theme", "external_id"]
    filter_horizontal = ["life_domains", "facilitators"]
    raw_id_fields = ["previous_series"]
    list_select_related = ["kind", "team", "neighbourhood"]
    date_hierarchy = "start_date"
    inlines = [EnrolmentInline]


@admin.register(Enrolment)
class EnrolmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["participant", "group", "role", "start_date", "end_date", "end_reason"]
    list_filter = ["role", "end_reason", "referral_source", "group__team"]
    search_fields = ["participant__first_name", "participant__last_name", "group__name"]
    raw_id_fields = ["participant", "group"]
    filter_horizontal = ["change_wishes"]
    list_select_related = ["participant", "group", "end_reason"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["participant"]


@admin.register(Session)
class SessionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["group", "date", "start_time", "status", "head_count", "topic"]
    list_filter = ["status", "group__team", "group__kind"]
    search_fields = ["group__name", "topic", "external_id"]
    raw_id_fields = ["group", "created_by"]
    date_hierarchy = "date"
    list_select_related = ["group"]
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["session", "participant", "status"]
    list_filter = ["status"]
    raw_id_fields = ["session", "participant"]
    list_select_related = ["session__group", "participant"]


@admin.register(Interest)
class InterestAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The waiting lists; the group page is where they are worked with."""

    list_display = ["participant", "group", "status", "since", "trial_date", "ended_on"]
    list_filter = ["status", "group__team"]
    search_fields = ["participant__first_name", "participant__last_name", "group__name"]
    raw_id_fields = ["participant", "group", "trial_session", "help_request", "enrolment", "created_by"]
    list_select_related = ["participant", "group"]


@admin.register(GroupStatusChange)
class GroupStatusChangeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_prefix = "group_status"  # the declared event name (collectief.audit)
    list_display = ["group", "status", "date", "changed_by"]
    list_filter = ["status", "group__team"]
    search_fields = ["group__name"]
    raw_id_fields = ["group", "changed_by"]
    list_select_related = ["group", "changed_by"]


@admin.register(HandOver)
class HandOverAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["group", "planned_on", "contact_person", "check_quarterly"]
    search_fields = ["group__name"]
    raw_id_fields = ["group", "updated_by"]
    list_select_related = ["group"]


@admin.register(GroupCheck)
class GroupCheckAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["group", "date", "still_meets", "approx_attendance", "checked_by"]
    list_filter = ["still_meets"]
    search_fields = ["group__name"]
    raw_id_fields = ["group", "checked_by"]
    list_select_related = ["group", "checked_by"]
