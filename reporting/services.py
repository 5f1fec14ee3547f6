"""The quarterly-report workflow: one code path for the view, the Celery tasks and the CLI.

    generate_report()      coordinator (view) and quarterly_report (CLI): create/reuse a draft, queue it
    create_quarterly_drafts()  the beat task: a draft for every municipality, once per quarter
    render_report_now(id)  the render task body: claim, compute, render the PDF, store, mark done
    save_note() / approve_report()  the coordinator's review; approval freezes the report

Each state change is one transaction with its audit event; rendering is queued with
``transaction.on_commit`` so a worker never looks for a row that is not committed yet.

    sweep_reports()        the beat sweeper (issue 10): re-sends renders that wait without a task
                           and takes over renders whose worker died (docs/reporting.md)

While a report is queued or running, ``render_started_at`` is when it entered that state (queued
at, or claimed at); a non-empty ``error`` then says why it waits (``QUEUE_BROKER_DOWN`` or
``QUEUE_REQUEUED``), and the status fragment offers "opnieuw genereren".
"""

import datetime
import hashlib
import json
import logging
import posixpath
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from kombu.exceptions import OperationalError as BrokerError

from collectief.db_router import read_from_replica
from collectief.models import EndReason, GroupKind, LifeDomain, Membership, Municipality, log_event
from groups.models import Enrolment, Group

from . import metrics, presentation, privacy
from .kpi import COUNT_KEYS, compute_kpis, counting_kinds, trend
from .models import QuarterlyReport
from .periods import last_quarters, previous_quarter, same_period_last_year
from .periods import year as year_period
from .suppression import SECONDARY, is_hidden, protect, protect_trend

logger = logging.getLogger(__name__)

# Errors worth a retry by the task (database restarting, connection dropped): everything else
# marks the report failed with its message.
RETRYABLE = (OperationalError, InterfaceError)
# A render "running" longer than the task time limit has lost its worker (the limit kills it).
STUCK_AFTER = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
# A report queued this long without being claimed is sent to the workers again by the sweeper.
QUEUE_GRACE = datetime.timedelta(minutes=1)
# What sending a task raises when the broker cannot be reached (kombu wraps connection errors).
QUEUE_ERRORS = (BrokerError, ConnectionError, OSError)
# Why a queued report waits (in ``error`` while queued; a claim clears it). The status fragment
# (templates/reporting/_status.html) compares with these literals.
QUEUE_BROKER_DOWN = "broker-unavailable"
QUEUE_REQUEUED = "requeued"
# 2 (issue 9): per-group rows carry the public name (or a neutral label), never the internal one.
FIGURES_SCHEMA = 2

Status = QuarterlyReport.Status
RenderStatus = QuarterlyReport.RenderStatus


class ReportError(Exception):
    """A workflow step that cannot be done now; the message is shown to the user as is."""


# --- Figures -------------------------------------------------------------------------------------


@read_from_replica()  # the figures' reads from the streaming replica when it has caught up (collectief/db_router.py)
def build_figures(report: QuarterlyReport) -> dict:
    """The figures that go OUT with the report: all small-number protected, JSON-serialisable.

    Holds the quarter's KPI set, the same quarter last year (for comparison), the trend over
    the last 8 quarters, and the code-list names as they were at generation time, so the
    frozen report stays readable whatever happens to the code lists later.
    """
    municipality = report.municipality
    period = report.period
    last_year = same_period_last_year(period)
    counting = set(counting_kinds())
    raw = compute_kpis(municipality, period)
    raw_last_year = compute_kpis(municipality, last_year)
    periods = last_quarters(period.end, 8)
    quarters = trend(municipality, periods)
    # Issue 9: whatever approved reports already showed of these periods (earlier versions of
    # this quarter, and the "last year" and trend columns of other reports) is taken into
    # account, so that no two publications can be subtracted (see reporting/suppression.py).
    published = published_figures(municipality, {period.label, last_year.label, *(p.label for p in periods)},
                                  exclude_pk=report.pk)
    # Internal figures (the path from request to group, issue 11) never leave the organisation.
    kpis = metrics.for_report(
        _without_group_rates(protect(raw, counting_kinds=counting, published=published[period.label]))
    )
    with translation.override("nl"):
        kinds = {k.code: k.label for k in GroupKind.objects.all()}
        domains = {d.code: d.label for d in LifeDomain.objects.all()}
        end_reasons = {r.code: r.label for r in EndReason.objects.all()}
        referral_sources = {code: str(label) for code, label in Enrolment.ReferralSource.choices}
        _public_group_names(municipality, kpis.get("participants_per_group", []), domains)
    figures = {
        "schema": FIGURES_SCHEMA,
        "municipality": municipality.name,
        "organisation": settings.ORGANISATION_NAME,
        "period": {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "version": report.version,
        "threshold": settings.SMALL_NUMBER_THRESHOLD,
        "kpis": kpis,
        "last_year": {
            "label": last_year.label,
            "kpis": _summary(protect(raw_last_year, counting_kinds=counting, published=published[last_year.label])),
        },
        "trend": protect_trend(quarters, reported={period.label: raw, last_year.label: raw_last_year},
                               counting_kinds=counting, published=published),
        "labels": {"kinds": kinds, "life_domains": domains, "end_reasons": end_reasons,
                   "referral_sources": referral_sources},
    }
    if report.quarter == 4:
        # The yearly section "Ervaringen en waarde" (issue 12): only in the fourth quarter's report.
        figures["experiences"] = experiences_section(municipality, report.year, kinds=kinds, domains=domains,
                                                     exclude_pk=report.pk)
    return figures


def published_figures(municipality, labels, exclude_pk=None) -> dict[str, list[dict]]:
    """What the approved reports of the municipality showed of each period in ``labels``:
    ``{label: [protected KPI sets or parts of them]}``, from each report's own figures, its
    "last year" column and its trend rows. One query."""
    found = {label: [] for label in labels}
    reports = (
        QuarterlyReport.objects.filter(municipality=municipality, status=Status.APPROVED)
        .exclude(pk=exclude_pk)
        .order_by("year", "quarter", "version")
        .values_list("figures", flat=True)
    )
    for figures in reports:
        for label, shown in _published_parts(figures or {}):
            if label in found:
                found[label].append(shown)
    return found


def _published_parts(figures: dict):
    yield figures.get("period", {}).get("label"), figures.get("kpis", {})
    last_year = figures.get("last_year") or {}
    yield last_year.get("label"), last_year.get("kpis", {})
    for row in figures.get("trend", []):
        yield row.get("label"), row


def _public_group_names(municipality, rows: list[dict], domains: dict) -> None:
    """Give every per-group row the name the municipality may read (issue 9): the group's
    reviewed ``public_name``, else a neutral label such as "Collectief 3 (Financiën)" from the
    group's number in the municipality and its first life domain. Never the internal name."""
    if not rows:
        return
    numbers = dict(
        Group.objects.filter(team__municipality=municipality)
        .annotate(number=Window(RowNumber(), order_by=F("pk").asc()))
        .values_list("pk", "number")
    )
    ids = [row["group_id"] for row in rows]
    public = dict(Group.objects.filter(pk__in=ids).values_list("pk", "public_name"))
    first_domain = {}
    for group_id, code in (
        Group.life_domains.through.objects.filter(group_id__in=ids)
        .order_by("group_id", "lifedomain__sort_order", "lifedomain__code")
        .values_list("group_id", "lifedomain__code")
    ):
        first_domain.setdefault(group_id, code)
    for row in rows:
        group_id = row["group_id"]
        row["group"] = public.get(group_id, "").strip() or presentation.neutral_group_name(
            numbers.get(group_id, group_id), domains.get(first_domain.get(group_id), "")
        )


def _without_group_rates(kpis: dict) -> dict:
    """Drop the per-group attendance rates: they stay internal (DESIGN.md), so they are not frozen
    in what goes out either. The overall rate stays."""
    for row in kpis.get("participants_per_group", []):
        row.pop("attendance_rate", None)
    return kpis


# --- The yearly section "Ervaringen en waarde" (Q4 reports, issue 12) -------------------------------
# What residents experienced and what the groups meant to them, for the calendar year: the survey
# table, the story tags with counts and up to three stories the coordinator chose. Positive Health
# and change wishes never enter it (DESIGN.md "Outcomes"). See docs/reporting.md.


def public_group_labels(municipality, group_ids, domains: dict | None = None) -> dict[int, str]:
    """{group id: the name the municipality reads}: the group's reviewed public name, else its neutral
    label ("Collectief 3 (Financiën)"), the rule of the per-group rows (issue 9). Never the internal name."""
    if domains is None:
        domains = {d.code: d.label for d in LifeDomain.objects.all()}
    rows = [{"group_id": pk} for pk in dict.fromkeys(group_ids)]
    _public_group_names(municipality, rows, domains)
    return {row["group_id"]: row["group"] for row in rows}


def _published_experiences(municipality, year_number: int, exclude_pk=None) -> dict:
    """What earlier approved versions of the year's fourth-quarter report showed in the section:
    ``{"survey": {cell key: {"asked": [...], "answered": [...]}}, "tags": {code: [...]}}``. One query."""
    found = {"survey": {}, "tags": {}}
    earlier = (
        QuarterlyReport.objects.filter(municipality=municipality, year=year_number, quarter=4, status=Status.APPROVED)
        .exclude(pk=exclude_pk)
        .values_list("figures", flat=True)
    )
    for figures in earlier:
        section = (figures or {}).get("experiences") or {}
        for cell in section.get("survey", []):
            seen = found["survey"].setdefault(cell.get("key"), {"asked": [], "answered": []})
            seen["asked"].append(cell.get("asked"))
            seen["answered"].append(cell.get("answered"))
        for tag in section.get("story_tags", []):
            found["tags"].setdefault(tag.get("code"), []).append(tag.get("stories"))
    return found


def _reveals(value: int, before, limit: int) -> bool:
    """Would showing ``value`` next to an earlier published ``before`` give a small change (1..limit-1)
    or a value hidden there back? (Rule 5 of reporting/suppression.py, for the section's counts.)"""
    if isinstance(before, int) and not isinstance(before, bool):
        return 0 < abs(value - before) < limit
    if not isinstance(before, str):
        return False  # not published there
    low, high = (1, limit - 1) if before.startswith("<") else (limit, float("inf"))
    return not (value - low <= -limit or value - high >= limit)


def _protected_count(value, earlier: list, limit: int):
    """A count of persons as it may leave the organisation: "<N" for 1..N-1, "x" when an earlier
    approved version would let a reader work out a small difference, else the number."""
    if not isinstance(value, int) or value == 0:
        return value
    if value < limit:
        return f"<{limit}"
    if any(_reveals(value, before, limit) for before in earlier):
        return SECONDARY
    return value


def _survey_cell(row: dict, types: dict, kinds: dict, limit: int, earlier: dict) -> dict:
    key = f"{row['statement']}.{row['respondent_type']}.{row['group_kind']}"
    before = earlier.get(key, {})
    asked = _protected_count(row["asked"], before.get("asked", []), limit)
    answered = _protected_count(row["answered"], before.get("answered", []), limit)
    hidden = is_hidden(answered)
    return {
        "key": key,
        "statement": row["statement"],
        "text": row["text"],
        "respondent_type": row["respondent_type"],
        "respondent_type_label": types.get(row["respondent_type"], row["respondent_type"]),
        "group_kind": row["group_kind"],
        "group_kind_label": kinds.get(row["group_kind"], row["group_kind"]),
        "asked": asked,
        "answered": answered,
        "hidden": hidden,
        # The rate would give a hidden "asked" back; the percentages a hidden "answered".
        "response_rate": None if hidden or is_hidden(asked) else row["response_rate"],
        "disagree": None if hidden else row["disagree"],
        "neutral": None if hidden else row["neutral"],
        "agree": None if hidden else row["agree"],
    }


def _story_tags(municipality, period, threshold: int, earlier: dict) -> list[dict]:
    """Tag counts over the offerable stories, protected like counts of persons: a story is one
    resident's experience, so "minder eenzaam (2×)" would speak of fewer than 5 people."""
    from outcomes import stories
    from outcomes.models import ThemeTag

    codes = dict(ThemeTag.objects.values_list("name", "code"))
    tags = []
    for name, n in stories.tag_counts(municipality, period):
        code = codes.get(name, "")
        tags.append({"code": code, "tag": name, "stories": _protected_count(n, earlier.get(code, []), threshold)})
    # Shown counts most first, then the hidden ones by name: their order must not rank them.
    return sorted(tags, key=lambda t: (1, 0, t["tag"]) if is_hidden(t["stories"]) else (0, -t["stories"], t["tag"]))


def _chosen_stories(municipality, period, domains: dict) -> list[dict]:
    """The (up to three) chosen stories that are still offerable, under their chosen name and the
    group's public name. A story whose text now holds what looks like personal data (a resident's
    name, a phone number, …: reporting/privacy.py) is left out."""
    from django.db.models import prefetch_related_objects

    from outcomes import stories

    chosen = list(stories.chosen(municipality, period))
    prefetch_related_objects(chosen, "tags")
    groups = public_group_labels(municipality, [story.group_id for story in chosen], domains)
    shown = []
    for story in chosen:
        if privacy.check_note(f"{story.display_name}\n{story.text}", municipality):
            logger.warning("Story %s left out of the yearly section: it may hold personal data", story.pk)
            continue
        shown.append({
            "display_name": story.display_name,
            "text": story.text,
            "group": groups.get(story.group_id, ""),
            "tags": sorted(tag.name for tag in story.tags.all()),
        })
    return shown


def experiences_section(municipality, year_number: int, *, kinds: dict, domains: dict, exclude_pk=None) -> dict:
    """The frozen section "Ervaringen en waarde" of the year's fourth-quarter report (in Dutch).

    - ``survey``: the survey table of the year (outcomes.survey), a cell with fewer answers than the
      threshold (at least 5) hidden: "answered" reads "<5", its percentages are None (shown "–");
    - ``story_tags``: what the groups meant, counted over the offerable stories (consent, groups of at
      least 5), each count protected as a count of persons;
    - ``stories``: up to three stories the coordinator chose, still offerable.
    Counts that an earlier approved version of this report showed are compared as in rule 5 of
    reporting/suppression.py: a small difference is shown as "x".
    """
    from outcomes import survey
    from outcomes.models import RespondentType

    period = year_period(year_number)
    threshold = settings.SMALL_NUMBER_THRESHOLD
    limit = max(threshold, survey.MIN_RESPONDENTS)
    earlier = _published_experiences(municipality, year_number, exclude_pk)
    with translation.override("nl"):
        types = {code: str(label) for code, label in RespondentType.choices}
        cells = [
            _survey_cell(row, types, kinds, limit, earlier["survey"])
            for row in survey.survey_table(municipality, period, hide_small=False)
        ]
        chosen = _chosen_stories(municipality, period, domains)
    return {
        "year": year_number,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "min_respondents": limit,
        "survey": cells,
        "story_tags": _story_tags(municipality, period, threshold, earlier["tags"]),
        "stories": chosen,
    }


SUMMARY_KEYS = (*COUNT_KEYS, "attendance_rate", "target")


def _summary(kpis: dict) -> dict:
    return {key: kpis[key] for key in SUMMARY_KEYS if key in kpis}


def canonical_json(figures: dict) -> bytes:
    """The figures as canonical JSON (sorted keys, no whitespace, UTF-8): what the checksum covers."""
    return json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def figures_checksum(figures: dict) -> str:
    return hashlib.sha256(canonical_json(figures)).hexdigest()


def render_report_pdf(report: QuarterlyReport) -> bytes:
    """The PDF of a report from its figures and note; computes the figures first when empty.

    A plain function so the benchmark can time it (DESIGN: < 5 s in the worker).
    """
    from .pdf import render_pdf

    if not report.figures:
        report.figures = build_figures(report)
        report.figures_sha256 = figures_checksum(report.figures)
        report.generated_at = report.generated_at or timezone.now()
    return render_pdf(report)


# --- Drafts and queueing -------------------------------------------------------------------------


def queue_render(report_id: int) -> bool:
    """Send the render task; when the broker is down the report stays queued, marked as waiting
    for the reporting service, and the sweeper sends it again. Never raises for a broker failure."""
    from .tasks import render_report

    try:
        # retry=False: fail at once instead of retrying the publish while the user waits (the
        # broker's connect timeout is half a second, settings.CELERY_BROKER_TRANSPORT_OPTIONS).
        # ignore_result: nobody waits for this result, so sending does not subscribe to the result
        # store first (which, with Redis down, retries and then raises a bare RuntimeError).
        render_report.apply_async((report_id,), retry=False, ignore_result=True)
    except QUEUE_ERRORS as exc:
        logger.warning("Could not queue quarterly report %s: %s: %s", report_id, exc.__class__.__name__, exc)
        QuarterlyReport.objects.filter(pk=report_id, render_status=RenderStatus.QUEUED).update(
            error=QUEUE_BROKER_DOWN
        )
        return False
    return True


def _queue_render_on_commit(report_id: int) -> None:
    transaction.on_commit(lambda: queue_render(report_id))


def get_or_create_draft(municipality, year: int, quarter: int, user=None, *, only_if_new_quarter=False):
    """The open draft of the quarter, or a new one; returns ``(report, created)``.

    A new draft becomes version 1, or the version after the last approved one (a correction),
    with that version's note as a starting point and nothing else copied. With
    ``only_if_new_quarter`` nothing is created when the quarter has any report at all (the
    beat task); ``(None, False)`` is returned then.
    """
    with transaction.atomic():
        # Serialises report creation per municipality: two requests (or beat and a coordinator)
        # cannot both decide that there is no draft yet. The one_draft_per_quarter constraint
        # would refuse the second one anyway; the lock turns that into a clean reuse.
        Municipality.objects.select_for_update().filter(pk=municipality.pk).exists()
        existing = QuarterlyReport.objects.filter(municipality=municipality, year=year, quarter=quarter)
        if only_if_new_quarter and existing.exists():
            return None, False
        draft = existing.filter(status=Status.DRAFT).first()
        if draft is not None:
            return draft, False
        latest = existing.order_by("-version").first()
        report = QuarterlyReport.objects.create(
            municipality=municipality,
            year=year,
            quarter=quarter,
            version=latest.version + 1 if latest else 1,
            note=latest.note if latest else "",
            render_status=RenderStatus.QUEUED,
            render_started_at=timezone.now(),
            generated_by=user if user is not None and user.is_authenticated else None,
        )
        log_event(user, "report.created", report, {"period": report.label, "version": report.version})
        return report, True


def _requeue(report: QuarterlyReport, now: datetime.datetime) -> bool:
    """Mark a draft queued again (refresh its figures); a running render is left alone unless stuck."""
    updated = (
        QuarterlyReport.objects.filter(pk=report.pk, status=Status.DRAFT)
        .exclude(render_status=RenderStatus.RUNNING, render_started_at__gte=now - STUCK_AFTER)
        .update(render_status=RenderStatus.QUEUED, render_started_at=now, error="")
    )
    return updated == 1


def prepare_report(municipality, year: int, quarter: int, user=None) -> QuarterlyReport:
    """Create or reuse the quarter's draft and mark it queued for rendering (no task sent)."""
    with transaction.atomic():
        report, created = get_or_create_draft(municipality, year, quarter, user)
        if not created:
            _requeue(report, timezone.now())
        log_event(user, "report.generated", report, {"period": report.label, "version": report.version})
    report.refresh_from_db()
    return report


def generate_report(municipality, year: int, quarter: int, user=None) -> QuarterlyReport:
    """On demand (coordinator): create or reuse the draft and queue its rendering on commit."""
    with transaction.atomic():
        report = prepare_report(municipality, year, quarter, user)
        if report.render_status == RenderStatus.QUEUED:
            _queue_render_on_commit(report.pk)
    return report


def create_quarterly_drafts(today: datetime.date | None = None) -> list[int]:
    """A draft for every municipality for the quarter that ended before ``today``; idempotent."""
    today = today or timezone.localdate()
    period = previous_quarter(today)
    year, q = period.start.year, (period.start.month - 1) // 3 + 1
    created = []
    for municipality in Municipality.objects.order_by("pk"):
        with transaction.atomic():
            report, new = get_or_create_draft(municipality, year, q, None, only_if_new_quarter=True)
            if new:
                _queue_render_on_commit(report.pk)
                created.append(report.pk)
    return created


def sweep_reports(now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """The beat sweeper: reports recover without an administrator.

    - a render "running" longer than the task time limit (``STUCK_AFTER``) lost its worker: it is
      taken over (queued again) and sent to the workers;
    - a report queued for more than ``QUEUE_GRACE`` has no task (the broker was down, or lost
      it): it is sent again. A task that does exist after all is harmless: the render claims its
      report with a conditional UPDATE, so the second one does nothing.
    Both are marked ``QUEUE_REQUEUED`` (or ``QUEUE_BROKER_DOWN`` when sending fails again), so the
    status fragment offers "opnieuw genereren". Returns the ids, for the log and the tests.
    """
    now = now or timezone.now()
    drafts = QuarterlyReport.objects.filter(status=Status.DRAFT)
    stale = drafts.filter(render_status=RenderStatus.RUNNING, render_started_at__lt=now - STUCK_AFTER)
    waiting = drafts.filter(render_status=RenderStatus.QUEUED).filter(
        Q(render_started_at__lt=now - QUEUE_GRACE)
        | Q(render_started_at__isnull=True, created_at__lt=now - QUEUE_GRACE)
    )
    taken_over = _mark_requeued(stale, now)
    requeued = _mark_requeued(waiting, now)
    for report_id in taken_over + requeued:
        queue_render(report_id)
    if taken_over or requeued:
        logger.warning("Report sweeper: took over %s, sent again %s", taken_over, requeued)
    return {"taken_over": taken_over, "requeued": requeued}


def _mark_requeued(reports, now: datetime.datetime) -> list[int]:
    """Queue these reports again now (each with a conditional UPDATE); the ids that were."""
    done = []
    for report_id, render_status in reports.values_list("pk", "render_status"):
        updated = reports.filter(pk=report_id, render_status=render_status).update(
            render_status=RenderStatus.QUEUED, render_started_at=now, error=QUEUE_REQUEUED
        )
        if updated:
            done.append(report_id)
    return done


# --- Rendering -----------------------------------------------------------------------------------


def claim(report_id: int, task_id: str = "") -> bool:
    """Claim a queued render for this worker: exactly one of any number of racers gets True.

    ``task_id`` is the Celery task's id (empty for the ``quarterly_report`` command). A render that
    is "running" under this very task id is claimed again: the task was delivered again because
    the worker process running it died mid-render (``CELERY_TASK_REJECT_ON_WORKER_LOST``). A task
    id never runs twice at the same time (the broker's visibility timeout exceeds the task time
    limit), so the earlier execution is gone; another task never takes a running render.
    """
    return _claim(report_id, task_id) is not None


def _claim(report_id: int, task_id: str) -> int | None:
    """Claim the render; the report's ``render_count`` of this claim, or None when not claimed.

    The count identifies the claim: the render finishes only the row still carrying it, so an
    execution that was taken over (by its own redelivery, or the sweeper) can no longer write.
    """
    drafts = QuarterlyReport.objects.filter(pk=report_id, status=Status.DRAFT)
    candidates = [drafts.filter(render_status=RenderStatus.QUEUED)]
    if task_id:
        candidates.append(drafts.filter(render_status=RenderStatus.RUNNING, render_task_id=task_id))
    for reclaim, candidate in enumerate(candidates):
        with transaction.atomic():
            updated = candidate.update(
                render_status=RenderStatus.RUNNING,
                render_started_at=timezone.now(),
                render_count=F("render_count") + 1,
                render_task_id=task_id,
                error="",
            )
            if updated == 1:
                # The row stays locked by the UPDATE until commit: this reads this claim's count.
                count = QuarterlyReport.objects.filter(pk=report_id).values_list("render_count", flat=True).get()
                if reclaim:
                    logger.warning("Quarterly report %s: task %s runs again after its worker died; "
                                   "rendering it again", report_id, task_id)
                return count
    return None


def render_report_now(report_id: int, *, final_attempt: bool = True, task_id: str = "") -> bool:
    """Render a queued report: True when this call rendered it, False when there was nothing to do.

    The body of the ``render_report`` task (with its ``task_id``) and of the ``quarterly_report``
    command. A transient database error puts the report back in the queue and is raised for the
    task to retry (unless ``final_attempt``); any other error marks it failed with the message.
    """
    claimed = _claim(report_id, task_id)
    if claimed is None:
        return False
    this_claim = QuarterlyReport.objects.filter(pk=report_id, render_status=RenderStatus.RUNNING,
                                                render_count=claimed)
    try:
        _render(report_id, this_claim)
    except RETRYABLE as exc:
        if final_attempt:
            _fail(this_claim, report_id, exc)
        else:
            this_claim.update(render_status=RenderStatus.QUEUED, render_started_at=timezone.now())
        raise
    except Exception as exc:  # noqa: BLE001 - any failure is shown to the coordinator
        logger.exception("Rendering quarterly report %s failed", report_id)
        _fail(this_claim, report_id, exc)
        return False
    return True


def _fail(this_claim, report_id: int, exc: BaseException) -> None:
    message = f"{exc.__class__.__name__}: {exc}"[:2000]
    try:
        this_claim.update(render_status=RenderStatus.FAILED, error=message)
    except DatabaseError:
        logger.exception("Could not mark quarterly report %s failed", report_id)


def _render(report_id: int, this_claim) -> None:
    report = QuarterlyReport.objects.select_related("municipality").get(pk=report_id)
    previous_file = report.pdf.name if report.pdf else ""
    report.figures = build_figures(report)
    report.figures_sha256 = figures_checksum(report.figures)
    report.generated_at = timezone.now()
    content = render_report_pdf(report)
    digest = hashlib.sha256(content).hexdigest()
    name = report.pdf.field.generate_filename(report, report.download_name("pdf"))
    stored_name = default_storage.save(name, ContentFile(content))
    with transaction.atomic():
        # Conditional: only this claim of the still-draft row is finished; never an approved one,
        # nor a render taken over meanwhile.
        finished = this_claim.filter(status=Status.DRAFT).update(
            figures=report.figures,
            figures_sha256=report.figures_sha256,
            generated_at=report.generated_at,
            pdf=stored_name,
            sha256=digest,
            render_status=RenderStatus.DONE,
            error="",
        )
    if finished != 1:
        default_storage.delete(stored_name)
        return
    # A draft's older PDF was never approved, so nobody can rely on it any more.
    if previous_file and previous_file != stored_name:
        default_storage.delete(previous_file)
    _remove_orphaned_pdfs(report, stored_name)


def _remove_orphaned_pdfs(report: QuarterlyReport, stored_name: str) -> None:
    """Delete the PDFs of this report version that a render killed between storing its file and
    finishing left behind (a worker killed mid-render): files named after the report version in
    the directory of the new PDF that no report refers to. Never raises."""
    directory, _name = posixpath.split(stored_name)
    stem = re.escape(posixpath.splitext(report.download_name("pdf"))[0])
    # Django's storage adds "_" and seven random characters when a name is taken.
    same_version = re.compile(rf"{stem}(_[A-Za-z0-9]{{7}})?\.pdf")
    try:
        names = [posixpath.join(directory, name) for name in default_storage.listdir(directory)[1]
                 if same_version.fullmatch(name)]
        names = [name for name in names if name != stored_name]
        used = set(QuarterlyReport.objects.filter(pdf__in=names).values_list("pdf", flat=True))
        for name in names:
            if name not in used:
                default_storage.delete(name)
                logger.warning("Removed %s, left behind by a render whose worker died", name)
    except (OSError, NotImplementedError, DatabaseError):
        logger.exception("Could not look for PDFs left behind by an earlier render of report %s", report.pk)


NOTE_FLAGGED = _lazy(
    "The explanation may contain personal data of a resident (see what was found below). Change the "
    "explanation before you approve the report."
)

# --- Review --------------------------------------------------------------------------------------


def approver_teams(user, municipality_id: int) -> str:
    """The team(s) of the municipality the user coordinates: how the approver is named to the
    municipality (never by their own name); empty for an administrator without such a team."""
    if user is None or not user.is_authenticated:
        return ""
    names = Membership.objects.filter(
        user=user, role=Membership.Role.COORDINATOR, team__municipality_id=municipality_id
    ).order_by("team__name").values_list("team__name", flat=True)
    return ", ".join(names)[:300]


def _why_not(report_id: int) -> str:
    fresh = QuarterlyReport.objects.filter(pk=report_id).values("status", "render_status", "note_findings").first()
    if fresh is None or fresh["status"] == Status.APPROVED:
        return _("This report has been approved and cannot be changed any more. Generate a new version instead.")
    if fresh["render_status"] in (RenderStatus.QUEUED, RenderStatus.RUNNING):
        return _("The report is still being generated. Wait until it is ready and try again.")
    if fresh["note_findings"]:
        return NOTE_FLAGGED
    if fresh["render_status"] == RenderStatus.FAILED:
        return _("Generating the report failed. Generate it again before approving it.")
    return _("The report has changed since you opened it. Check the new PDF and try again.")


def save_note(report: QuarterlyReport, user, note: str) -> list[dict]:
    """Save the coordinator's note on a draft and re-render it, so the PDF shows the note.

    The note is checked first (reporting/privacy.py): it is saved whatever is found, so nothing
    typed is lost, with its findings; a report whose note has findings cannot be approved.
    Returns the findings.
    """
    findings = privacy.check_note(note, report.municipality)
    with transaction.atomic():
        updated = (
            QuarterlyReport.objects.filter(pk=report.pk, status=Status.DRAFT)
            .exclude(render_status=RenderStatus.RUNNING)
            .update(note=note, note_findings=findings, render_status=RenderStatus.QUEUED,
                    render_started_at=timezone.now(), error="")
        )
        if updated != 1:
            raise ReportError(_why_not(report.pk))
        # Field names and the number of findings only: the audit log never holds what was typed.
        log_event(user, "report.updated", report, {"fields": ["note"], "note_findings": len(findings)})
        _queue_render_on_commit(report.pk)
    report.note, report.note_findings = note, findings
    return findings


def approve_report(report: QuarterlyReport, user, sha256: str) -> None:
    """Approve (vaststellen) exactly the PDF the coordinator saw, identified by its SHA-256.

    Approval changes nothing but the status: figures, PDF and checksum are frozen as they are,
    and from then on the model, the admin and a database trigger refuse every change.
    """
    # The note is checked again: a resident registered since the note was saved is found too.
    # A note that changes after this check changes the PDF and its SHA-256, which the UPDATE checks.
    stored_note = QuarterlyReport.objects.filter(pk=report.pk).values_list("note", flat=True).first() or ""
    if found := privacy.check_note(stored_note, report.municipality):
        raise ReportError(f"{NOTE_FLAGGED} {'; '.join(privacy.describe(found))}")
    with transaction.atomic():
        updated = (
            QuarterlyReport.objects.filter(
                pk=report.pk, status=Status.DRAFT, render_status=RenderStatus.DONE, sha256=sha256,
                note_findings=[],
            )
            .exclude(sha256="")
            .update(status=Status.APPROVED, approved_by=user, approved_at=timezone.now(),
                    approved_by_team=approver_teams(user, report.municipality_id))
        )
        if updated != 1:
            raise ReportError(_why_not(report.pk))
        log_event(user, "report.approved", report, {"version": report.version, "sha256": sha256})
