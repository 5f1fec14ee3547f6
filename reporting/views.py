"""Dashboard and quarterly-report pages.

Access (collectief.access; see docs/architecture.md):
- coordinators: dashboard and reports of the municipalities of the teams they coordinate;
  administrators: all municipalities;
- municipality users: only the latest approved version of each quarter of their own municipality
  (list, page, PDF, CSV; issue 9);
- anyone else (social workers): 403 on every page; a report of another municipality is a 404.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from collectief import access
from collectief.db_router import read_from_replica
from collectief.models import log_event
from groups.models import Group

from . import charts, kpi, presentation, privacy, services
from .cache import cached_kpis, cached_quality, cached_trend
from .csv_export import render_csv
from .forms import ApproveForm, DashboardForm, GenerateForm, NoteForm
from .models import QuarterlyReport
from .periods import Period, last_quarters, months, same_period_last_year

REPORTS_PER_PAGE = 40


def get_report_for_user(request, pk, *, manage: bool = False) -> QuarterlyReport:
    """The report if the user may see it (or, with ``manage``, change it); 404 otherwise."""
    reports = QuarterlyReport.objects.select_related("municipality")
    reports = reports.managed_by(request.user) if manage else reports.for_user(request.user)
    return get_object_or_404(reports, pk=pk)


# --- Dashboard -----------------------------------------------------------------------------------


def _twelve_months_to(end: datetime.date) -> Period:
    first = datetime.date(end.year - 1 + (end.month == 12), end.month % 12 + 1, 1)
    return Period(first, end, f"{first.isoformat()}:{end.isoformat()}")


@access.report_management_required
@never_cache  # every reporting page and download: never kept by a browser or proxy (Cache-Control: no-store)
@require_GET
@read_from_replica()  # reads from the streaming replica when it has caught up (collectief/db_router.py)
def dashboard(request):
    """The coordinator's dashboard: real (unsuppressed) numbers of one municipality and period."""
    municipalities = access.managed_municipalities(request.user).order_by("name")
    today = timezone.localdate()
    bound = any(key in request.GET for key in ("municipality", "period", "start", "end"))
    form = DashboardForm(request.GET if bound else {}, municipalities=municipalities, today=today)
    if not form.is_valid():
        return render(request, "reporting/dashboard.html", {"form": form}, status=400)
    municipality = form.cleaned_data["municipality"]
    period = form.cleaned_data["resolved_period"]
    if municipality is None:
        raise PermissionDenied

    previous = same_period_last_year(period)
    # Cached per data version: a change to the data shows at once (see reporting/cache.py).
    kpis = cached_kpis(municipality, period)
    kpis_last_year = cached_kpis(municipality, previous)
    # One trend call (two queries) for both charts: the 12 months lie within the 8 quarters' range.
    month_periods = months(_twelve_months_to(period.end))
    rows = cached_trend(municipality, month_periods + last_quarters(period.end, 8))
    month_rows, quarter_rows = rows[: len(month_periods)], rows[len(month_periods):]
    labels = presentation.code_labels(with_flows=True)
    teams = _own_teams(request.user)
    # From help request to group (issue 11): internal figures, computed fresh (three queries).
    path = kpi.path_figures(municipality, period, teams=teams)
    context = {
        "form": form,
        "municipality": municipality,
        "period": period,
        "previous": previous,
        "kpis": kpis,
        "last_year": kpis_last_year,
        "labels": labels,
        "month_chart": presentation.month_trend_chart(
            month_rows, "residents_collective", _("Residents supported collectively per month, last 12 months"),
            kind="line", today=today,
        ),
        "quarter_chart": presentation.quarter_trend_chart(quarter_rows, today=today),
        "sessions_chart": presentation.month_trend_chart(
            month_rows, "sessions_held", _("Sessions held per month, last 12 months"), kind="column", today=today,
        ),
        "charts": presentation.breakdown_charts(kpis, labels),
        "referral_rows": presentation.referral_rows(kpis, labels),
        "end_reason_rows": presentation.end_reason_rows(kpis, labels),
        "route_rows": presentation.route_rows(kpis),
        "tenzij_rows": presentation.tenzij_rows(path["tenzij_reasons"]),
        "waiting_requests": path["waiting_requests"],
        "group_checks": path["group_checks"],
        "bundle_rows": presentation.bundle_rows(path["could_form_a_group"], labels, getattr(municipality, "pk", None)),
        "bundle_threshold": kpi.bundle_threshold(),
        "waiting": waiting_for_approval(request.user),
        "progress_bar": charts.progress_bar(
            kpis["target"]["residents_collective_ytd"], kpis["target"]["target"],
            title=_("Year-to-date progress against the yearly target"),
        ),
        "group_rows": _own_group_rows(presentation.group_rows(kpis, labels), teams, municipality),
        "own_teams_only": teams is not None,
        "quality": cached_quality(municipality, period, teams=teams),
    }
    return render(request, "reporting/dashboard.html", context)


def _own_teams(user):
    """The teams whose groups the user sees listed on the dashboard; None for all of them.

    Issue 9: a coordinator of team A sees the groups of their own teams only, also where the
    municipality has other teams (see docs/reporting.md); an administrator sees every group.
    """
    user_access = access.access_for(user)
    if user_access.is_administrator:
        return None
    return sorted(user_access.team_ids)


def _own_group_rows(rows, teams, municipality):
    """The per-group rows of the user's teams (one query); all rows when ``teams`` is None."""
    if teams is None:
        return rows
    own = set(Group.objects.filter(team__municipality=municipality, team__in=teams).values_list("pk", flat=True))
    return [row for row in rows if row["group_id"] in own]


def waiting_for_approval(user, limit: int = 20) -> list[QuarterlyReport]:
    """Drafts of the user's municipalities with a rendered PDF: waiting for the coordinator. One query."""
    return list(
        QuarterlyReport.objects.managed_by(user)
        .filter(status=QuarterlyReport.Status.DRAFT, render_status=QuarterlyReport.RenderStatus.DONE)
        .exclude(pdf="")
        .select_related("municipality")
        .order_by("-year", "-quarter", "municipality__name")[:limit]
    )


# --- Reports -------------------------------------------------------------------------------------


def _reports_page(request, generate_form=None, status=200):
    user = request.user
    manager = access.can_manage_reports(user)
    reports = QuarterlyReport.objects.for_user(user).select_related("municipality")
    if not manager:
        reports = reports.approved()
    page = Paginator(reports.order_by("municipality__name", "-year", "-quarter", "-version"),
                     REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    if manager and generate_form is None:
        generate_form = GenerateForm(
            municipalities=access.managed_municipalities(user).order_by("name"), today=timezone.localdate()
        )
    return render(
        request,
        "reporting/reports.html",
        {"page": page, "manager": manager, "generate_form": generate_form},
        status=status,
    )


@access.report_reading_required
@never_cache
@require_GET
def reports(request):
    """Coordinators: all reports of their municipalities; municipality users: approved ones only."""
    return _reports_page(request)


@access.report_management_required
@never_cache
@require_POST
def generate(request):
    """Generate (or refresh) a quarter's report; a new version when the quarter has an approved one."""
    form = GenerateForm(
        request.POST, municipalities=access.managed_municipalities(request.user).order_by("name"),
        today=timezone.localdate(),
    )
    if not form.is_valid():
        return _reports_page(request, generate_form=form, status=400)
    year, q = form.cleaned_data["quarter"]
    report = services.generate_report(form.cleaned_data["municipality"], year, q, request.user)
    report.refresh_from_db(fields=["render_status"])
    if report.is_rendering:
        messages.info(request, _("The report is being generated. This page updates itself when it is ready."))
    return redirect("reporting:report", pk=report.pk)


def _detail(request, report, *, note_form=None, approve_form=None, status=200):
    manager = QuarterlyReport.objects.managed_by(request.user).filter(pk=report.pk).exists()
    context = {"report": report, "manager": manager, "organisation_name": settings.ORGANISATION_NAME}
    if manager:
        context["note_form"] = note_form or NoteForm(initial={"note": report.note})
        context["approve_form"] = approve_form or ApproveForm(initial={"sha256": report.sha256})
        context["versions"] = (
            QuarterlyReport.objects.filter(municipality=report.municipality, year=report.year, quarter=report.quarter)
            .exclude(pk=report.pk)
            .order_by("-version")
        )
        context["stuck"] = report.is_stuck(timezone.now(), services.STUCK_AFTER)
        context["note_findings"] = privacy.describe(report.note_findings)
        figures = report.figures or {}
        if figures:
            labels = figures.get("labels", {})
            kpis = figures.get("kpis", {})
            context["out"] = {
                "kpis": kpis,
                "domain_rows": presentation.domain_rows(kpis, labels),
                "neighbourhood_rows": presentation.neighbourhood_rows(kpis),
                "group_rows": presentation.public_group_rows(figures),
            }
    return render(request, "reporting/report_detail.html", context, status=status)


@access.report_reading_required
@never_cache
@require_GET
def report_detail(request, pk):
    report = get_report_for_user(request, pk)
    return _detail(request, report)


@access.report_management_required
@never_cache
@require_GET
def report_status(request, pk):
    """The small status fragment that htmx polls every second while the report is generated."""
    report = get_report_for_user(request, pk, manage=True)
    response = render(request, "reporting/_status.html", {"report": report, "manager": True})
    if request.GET.get("poll") and not report.is_rendering:
        # Rendering finished: reload the page so the note and approval forms match the new PDF.
        response["HX-Refresh"] = "true"
    return response


@access.report_management_required
@never_cache
@require_POST
def report_note(request, pk):
    report = get_report_for_user(request, pk, manage=True)
    form = NoteForm(request.POST)
    if report.is_approved:
        messages.error(request, _("This report has been approved and cannot be changed any more. "
                                  "Generate a new version instead."))
        return _detail(request, report, note_form=form, status=400)
    if not form.is_valid():
        return _detail(request, report, note_form=form, status=400)
    try:
        services.save_note(report, request.user, form.cleaned_data["note"])
    except services.ReportError as exc:
        messages.error(request, str(exc))
        report.refresh_from_db()
        return _detail(request, report, note_form=form, status=400)
    if report.note_is_flagged:
        # Saved all the same (nothing typed is lost); the page lists what was found.
        messages.warning(request, _("The explanation has been saved, but it may contain personal data of a "
                                    "resident. Change it: a report with this explanation cannot be approved."))
    else:
        messages.success(request, _("The explanation has been saved; the PDF is being generated again."))
    return redirect("reporting:report", pk=report.pk)


@access.report_management_required
@never_cache
@require_POST
def report_approve(request, pk):
    report = get_report_for_user(request, pk, manage=True)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return _detail(request, report, status=400)
    try:
        services.approve_report(report, request.user, form.cleaned_data["sha256"])
    except services.ReportError as exc:
        messages.error(request, str(exc))
        report.refresh_from_db()
        return _detail(request, report, status=400)
    messages.success(request, _("The report has been approved. The municipality can download it now."))
    return redirect("reporting:report", pk=report.pk)


@access.report_reading_required
@never_cache
@require_GET
def report_pdf(request, pk):
    report = get_report_for_user(request, pk)
    if not report.has_pdf:
        raise Http404(_("This report has no PDF yet."))
    try:
        handle = report.pdf.open("rb")
    except FileNotFoundError:
        raise Http404(_("This report has no PDF yet.")) from None
    with transaction.atomic():
        log_event(request.user, "report.exported", report, {"format": "pdf", "sha256": report.sha256})
    return FileResponse(handle, as_attachment=True, filename=report.download_name("pdf"),
                        content_type="application/pdf")


@access.report_reading_required
@never_cache
@require_GET
def report_csv(request, pk):
    report = get_report_for_user(request, pk)
    if not report.has_pdf or not report.figures:
        raise Http404(_("This report has no figures yet."))
    content = render_csv(report)
    with transaction.atomic():
        log_event(request.user, "report.exported", report, {"format": "csv"})
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.download_name("csv")}"'
    return response
