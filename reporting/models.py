"""Quarterly reports for the municipality: frozen, aggregated figures and their PDF."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from collectief import access
from collectief.models import Municipality

from .periods import Period, quarter


class QuarterlyReportQuerySet(models.QuerySet):
    def for_user(self, user):
        """Reports the user may see: all of the managed municipalities, plus (for a
        municipality user) the *latest approved version* of each quarter of their own
        municipality. Nothing else.

        An older approved version is a 404 for the municipality (issue 9): holding two versions
        of one quarter lets a reader subtract them. Coordinators still see every version.
        """
        user_access = access.access_for(user)
        visible = Q(pk__in=[])
        if user_access.has_any(access.REPORT_MANAGEMENT):
            visible = user_access.managed_municipality_q()
        if user_access.municipality_id is not None:
            newer = QuarterlyReport.objects.filter(
                municipality_id=OuterRef("municipality_id"), year=OuterRef("year"), quarter=OuterRef("quarter"),
                version__gt=OuterRef("version"), status=QuarterlyReport.Status.APPROVED,
            )
            visible |= Q(municipality_id=user_access.municipality_id, status=QuarterlyReport.Status.APPROVED) & ~Q(
                Exists(newer)
            )
        return self.filter(visible)

    def managed_by(self, user):
        """Reports the user may generate, annotate and approve."""
        user_access = access.access_for(user)
        if not user_access.has_any(access.REPORT_MANAGEMENT):
            return self.none()
        return self.filter(user_access.managed_municipality_q())

    def approved(self):
        return self.filter(status=QuarterlyReport.Status.APPROVED)


class QuarterlyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    class RenderStatus(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being generated")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    NOTE_MAX_LENGTH = 5000

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="quarterly_reports")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)])
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    render_status = models.CharField(
        _("generation"), max_length=10, choices=RenderStatus.choices, default=RenderStatus.QUEUED
    )
    note = models.TextField(_("explanation (toelichting)"), blank=True, max_length=NOTE_MAX_LENGTH)
    # What the note check found that could identify a resident (reporting/privacy.py): a note
    # with findings is saved, so nothing typed is lost, but the report cannot be approved.
    note_findings = models.JSONField(_("findings in the explanation"), default=list, blank=True)
    # The figures exactly as they leave the organisation: small-number protected (see
    # docs/reporting.md). The coordinator's real numbers live on the dashboard, never here.
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    # SHA-256 of the canonical JSON of ``figures``: printed in the PDF footer, because the
    # checksum of the PDF file itself cannot be printed inside that same file.
    figures_sha256 = models.CharField(_("SHA-256 of the figures"), max_length=64, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="reports/%Y/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(blank=True)
    # How often a worker actually rendered this report: proves that racing workers render once.
    render_count = models.PositiveIntegerField(_("times generated"), default=0)
    render_started_at = models.DateTimeField(_("generation started at"), null=True, blank=True)
    # The Celery task that claimed the running render (empty for the quarterly_report command): the
    # same task delivered again after its worker died may take the render over (services.claim).
    render_task_id = models.CharField(_("generation task"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The approver's role as the municipality may read it: the team(s) they coordinate in the
    # municipality at approval time, empty for an administrator. Never a person's name.
    approved_by_team = models.CharField(_("approved on behalf of"), max_length=300, blank=True)

    objects = QuarterlyReportQuerySet.as_manager()

    class Meta:
        ordering = ["municipality__name", "-year", "-quarter", "-version"]
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "quarter", "version"], name="unique_report_version"
            ),
            # At most one draft per municipality and quarter: generating again reuses it, and
            # two racing requests (or beat plus a coordinator) cannot create two drafts.
            models.UniqueConstraint(
                fields=["municipality", "year", "quarter"],
                condition=Q(status="draft"),
                name="one_draft_per_quarter",
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="report_quarter_1_to_4"),
        ]

    def __str__(self):
        return f"{self.municipality} {self.year}Q{self.quarter} v{self.version}"

    def save(self, *args, **kwargs):
        # An approved report is frozen: the stored row may not change any more. (A database
        # trigger, see migration 0002, refuses it as well, also for queryset updates.)
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.APPROVED:
                raise ValidationError(_("An approved report cannot be changed; make a new version instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == self.Status.APPROVED:
            raise ValidationError(_("An approved report cannot be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def period(self) -> Period:
        return quarter(self.year, self.quarter)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def note_is_flagged(self) -> bool:
        return bool(self.note_findings)

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_rendering(self) -> bool:
        return self.render_status in (self.RenderStatus.QUEUED, self.RenderStatus.RUNNING)

    @property
    def has_pdf(self) -> bool:
        return self.render_status == self.RenderStatus.DONE and bool(self.pdf)

    def download_name(self, extension: str) -> str:
        slug = "".join(c if c.isalnum() else "-" for c in self.municipality.name.lower()).strip("-")
        return f"kwartaalrapportage-{slug}-{self.year}Q{self.quarter}-v{self.version}.{extension}"

    def is_stuck(self, now: datetime.datetime, after: datetime.timedelta = datetime.timedelta(minutes=10)):
        """A render that has been 'running' far longer than the task's time limit: its worker died."""
        return (
            self.render_status == self.RenderStatus.RUNNING
            and self.render_started_at is not None
            and now - self.render_started_at > after
        )


class FigureVersion(models.Model):
    """The version of the cached dashboard figures of one municipality from one quarter on
    (reporting/cache.py, docs/performance.md "Figures that survive a save").

    A committed write bumps the row of the municipality and quarter its dates fall in; the row of
    ``quarter_start`` 0001-01-01 stands for "every quarter of the municipality" (a group or a
    resident changed). ``version`` is a value of the sequence ``reporting_figure_version_seq``:
    never taken twice, so a set of versions once seen never comes back.
    """

    municipality_id = models.BigIntegerField()
    quarter_start = models.DateField()
    version = models.BigIntegerField()

    class Meta:
        db_table = "reporting_figure_version"
        constraints = [
            models.UniqueConstraint(fields=["municipality_id", "quarter_start"], name="figure_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.quarter_start}: {self.version}"


class AttendanceQuarter(models.Model):
    """The marks of one resident at one group's sessions that count, in one quarter: kept exact on
    every write by the database's triggers (migration 0007, docs/performance.md "The quarter
    summary"). The KPI set of a quarter or a year reads these rows instead of every mark.

    Never written by the application: only the triggers write it. ``quarter`` is the quarter's
    first day; ``recorded`` counts every mark (present, absent, excused), ``present`` the present
    ones. No foreign keys: the rows follow the marks, not the other way round.
    """

    group_id = models.BigIntegerField()
    quarter = models.DateField()
    participant_id = models.BigIntegerField()
    present = models.IntegerField()
    recorded = models.IntegerField()

    class Meta:
        db_table = "reporting_attendance_quarter"
        constraints = [
            # INCLUDE the counts: the KPI set reads a group's rows by an index-only scan.
            models.UniqueConstraint(fields=["group_id", "quarter", "participant_id"],
                                    include=["present", "recorded"], name="attendance_quarter_unique"),
        ]

    def __str__(self) -> str:
        return f"group {self.group_id} {self.quarter} resident {self.participant_id}: {self.present}/{self.recorded}"


class SessionQuarter(models.Model):
    """How many sessions of one group count in one quarter (``held``: held, before the hand-over)
    and their walk-ins (``walk_ins``: the sum of their ``head_count``): kept exact by the same
    triggers as ``AttendanceQuarter``, never written by the application."""

    group_id = models.BigIntegerField()
    quarter = models.DateField()
    held = models.IntegerField()
    walk_ins = models.IntegerField()

    class Meta:
        db_table = "reporting_session_quarter"
        constraints = [
            models.UniqueConstraint(fields=["group_id", "quarter"], include=["held", "walk_ins"],
                                    name="session_quarter_unique"),
        ]

    def __str__(self) -> str:
        return f"group {self.group_id} {self.quarter}: {self.held} sessions, {self.walk_ins} walk-ins"
