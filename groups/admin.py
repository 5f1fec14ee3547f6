"""Admin of groups, enrolments, sessions and attendance; every change (inline rows too) is audited."""

from django.contrib import admin

from collectief.admin import AuditedAdminMixin

from .models import Attendance, Enrolment, Group, Session


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    raw_id_fields = ["participant"]
    fields = ["participant", "role", "start_date", "end_date", "end_reason", "referral_source"]


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "team", "neighbourhood", "status", "rhythm", "start_date", "end_date"]
    list_filter = ["kind", "status", "rhythm", "team", "life_domains"]
    search_fields = ["name", "theme", "external_id"]
    filter_horizontal = ["life_domains", "facilitators"]
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
