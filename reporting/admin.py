from django.contrib import admin

from collectief.admin import AuditedAdminMixin

from .models import QuarterlyReport


@admin.register(QuarterlyReport)
class QuarterlyReportAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """View-only: reports are made, annotated and approved through the workflow (services.py),
    which keeps figures, PDF and checksum consistent and audits every step. Approved reports
    can never be changed or deleted; a draft may be deleted (it was never sent anywhere), and
    that is audited (``report.deleted``) like every page here."""

    audit_prefix = "report"

    list_display = ["municipality", "year", "quarter", "version", "status", "render_status", "generated_at",
                    "approved_at"]
    list_filter = ["status", "render_status", "municipality", "year"]
    search_fields = ["municipality__name"]
    date_hierarchy = "created_at"
    list_select_related = ["municipality"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == QuarterlyReport.Status.APPROVED:
            return False
        # Bulk delete from the list would include approved reports: only per draft.
        return obj is not None and super().has_delete_permission(request, obj)
