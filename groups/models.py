"""Groups (collectieven), who is in them, their sessions (bijeenkomsten) and attendance."""

import datetime

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief import access
from collectief.models import EndReason, Framework, GroupKind, LifeDomain, Neighbourhood, Team
from collectief.signals import registration_changed
from collectief.validators import (
    check_period,
    show_date,
    validate_at_most_a_year_ahead,
    validate_duration_minutes,
    validate_head_count,
    validate_plausible_date,
)
from participants.models import ChangeWish, HelpRequest, Participant


class GroupQuerySet(models.QuerySet):
    def for_user(self, user):
        """Groups of the user's team(s) (see collectief.access)."""
        return access.scope(self, user)

    def of_user(self, user):
        """The groups on a user's start page: those they facilitate or of their own team(s).

        Unlike ``for_user`` this does not widen to every group for administrators.
        """
        if not user.is_authenticated:
            return self.none()
        mine = Q(pk__in=Group.facilitators.through.objects.filter(user=user).values("group_id"))
        own_teams = Q(team__in=sorted(access.access_for(user).team_ids))
        return self.for_user(user).filter(mine | own_teams)

    def with_logged_dates(self):
        """Annotate ``logged_dates``: the dates of all sessions, held or cancelled (one subquery)."""
        return self.annotate(
            logged_dates=ArraySubquery(Session.objects.filter(group=OuterRef("pk")).order_by().values("date"))
        )

    def with_stats(self, on: datetime.date | None = None):
        """Annotate member_count, last_session_date and held_sessions with subqueries (no N+1)."""
        on = on or timezone.localdate()
        members = (
            Enrolment.objects.active(on).filter(group=OuterRef("pk"))
            .order_by().values("group").annotate(n=Count("pk")).values("n")
        )
        last = Session.objects.filter(group=OuterRef("pk")).order_by("-date").values("date")[:1]
        held = (
            Session.objects.filter(group=OuterRef("pk"), status=Session.Status.HELD)
            .order_by().values("group").annotate(n=Count("pk")).values("n")
        )
        return self.annotate(
            member_count=Coalesce(Subquery(members), 0),
            last_session_date=Subquery(last),
            held_sessions=Coalesce(Subquery(held), 0),
        )

    def with_history(self):
        """Annotate ``status_history`` and ``check_history`` (arrays of JSON, in the same query).

        Read them through ``Group.history()`` and ``Group.checks_done()``.
        """
        by = {"first": "changed_by__first_name", "last": "changed_by__last_name", "username": "changed_by__username"}
        changes = GroupStatusChange.objects.filter(group=OuterRef("pk")).order_by("date", "pk").values(
            json=JSONObject(status="status", date="date", note="note", **by)
        )
        checks = GroupCheck.objects.filter(group=OuterRef("pk")).order_by("-date", "-pk").values(
            json=JSONObject(date="date", still_meets="still_meets", approx_attendance="approx_attendance",
                            first="checked_by__first_name", last="checked_by__last_name",
                            username="checked_by__username")
        )
        return self.annotate(status_history=ArraySubquery(changes), check_history=ArraySubquery(checks))

    def with_places(self, on: datetime.date | None = None):
        """Annotate places_taken (members now or from a later start) and waiting (on the list): no N+1."""
        on = on or timezone.localdate()
        taken = (
            Enrolment.objects.not_ended(on).filter(group=OuterRef("pk"))
            .order_by().values("group").annotate(n=Count("pk")).values("n")
        )
        waiting = (
            Interest.objects.waiting().filter(group=OuterRef("pk"))
            .order_by().values("group").annotate(n=Count("pk")).values("n")
        )
        return self.annotate(
            places_taken_count=Coalesce(Subquery(taken), 0), waiting_count=Coalesce(Subquery(waiting), 0)
        )


def _entry(row: dict, **extra) -> dict:
    """A history row read from JSON: its date a date again, and who as a display name."""
    day = row["date"]
    name = f"{row.get('first') or ''} {row.get('last') or ''}".strip() or row.get("username") or ""
    return {**row, **extra, "date": datetime.date.fromisoformat(day) if isinstance(day, str) else day, "by": name}


def _on_or_after(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def _day_before(day: datetime.date | None) -> datetime.date | None:
    return day - datetime.timedelta(days=1) if day else None


class ContributorQuerySet(models.QuerySet):
    def for_user(self, user):
        """Begeleiders of the user's team(s) (see collectief.access)."""
        return access.scope(self, user)

    def active(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(active_until__isnull=True) | Q(active_until__gte=on), active_from__lte=on)


class Contributor(models.Model):
    """A begeleider: a volunteer, peer expert, student or partner's staff member who helps run groups.

    Not a resident receiving support: never enrolled, never on the roll call as a participant and
    never counted in a resident figure. A resident who also volunteers keeps the two roles apart:
    their participant record is linked, not reused.
    """

    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer")
        PEER_EXPERT = "peer_expert", _("Peer expert (ervaringsdeskundige)")
        STUDENT = "student", _("Student")
        PARTNER_STAFF = "partner_staff", _("Partner organisation's staff")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="contributors", verbose_name=_("team"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.VOLUNTEER)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    active_from = models.DateField(_("active from"), default=datetime.date.today, validators=[validate_plausible_date])
    active_until = models.DateField(_("active until"), null=True, blank=True, validators=[validate_plausible_date])
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="contributor_roles",
        verbose_name=_("also a resident (participant record)"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContributorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("begeleider")
        verbose_name_plural = _("begeleiders")
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True) | Q(active_until__gte=models.F("active_from")),
                name="contributor_until_after_from",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self):
        check_period(self.active_from, self.active_until, end_field="active_until")


class Group(models.Model):
    class Rhythm(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        BIWEEKLY = "biweekly", _("Every two weeks")
        TWICE_WEEKLY = "twice_weekly", _("Twice a week")
        COURSE = "course", _("A course of N meetings")

    class Status(models.TextChoices):
        FORMING = "forming", _("Forming")
        RUNNING = "running", _("Running")
        PHASING_OUT = "phasing_out", _("Phasing out")
        SELF_RUNNING = "self_running", _("Self-running")
        ENDED = "ended", _("Ended")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    name = models.CharField(_("name"), max_length=120)
    # What the municipality reads (PDF, CSV, report page): a reviewed name, never the internal one
    # (a group may be named after its place or its people). Empty: a neutral label is shown.
    public_name = models.CharField(
        _("name for the municipality"), max_length=120, blank=True,
        help_text=_("Shown in reports for the municipality; reviewed by the coordinator."),
    )
    kind = models.ForeignKey(GroupKind, on_delete=models.PROTECT, related_name="groups", verbose_name=_("kind"))
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    life_domains = models.ManyToManyField(
        LifeDomain, blank=True, related_name="groups", verbose_name=_("life domains")
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, null=True, blank=True, related_name="groups",
        verbose_name=_("legal framework"),
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="groups", verbose_name=_("team"))
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.PROTECT, null=True, blank=True, related_name="groups",
        verbose_name=_("neighbourhood"), help_text=_("Empty means municipality-wide."),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    rhythm = models.CharField(_("rhythm"), max_length=15, choices=Rhythm.choices, default=Rhythm.WEEKLY)
    usual_weekday = models.PositiveSmallIntegerField(
        _("usual day"), choices=Weekday.choices, null=True, blank=True
    )
    usual_time = models.TimeField(_("usual start time"), null=True, blank=True)
    usual_duration_minutes = models.PositiveSmallIntegerField(
        _("usual duration (minutes)"), default=90, validators=[validate_duration_minutes]
    )
    planned_sessions = models.PositiveSmallIntegerField(_("planned number of sessions"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), null=True, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_groups", verbose_name=_("social workers")
    )
    contributors = models.ManyToManyField(
        Contributor, blank=True, related_name="groups", verbose_name=_("begeleiders"),
        help_text=_("Volunteers, peer experts, students or partner staff who help run the group."),
    )
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.FORMING)
    start_date = models.DateField(_("start date"), validators=[validate_plausible_date])
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=[validate_plausible_date])
    handed_over_on = models.DateField(
        _("handed over on"), null=True, blank=True, validators=[validate_plausible_date]
    )
    # A course runs as numbered series (Geld Telt: series 1, 2, 3, each with its own dates): each
    # series is a group of its own, pointing at the one before. Empty: not part of a series.
    previous_series = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_series",
        verbose_name=_("previous series"),
    )
    series_number = models.PositiveSmallIntegerField(_("series number"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=50, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="group_end_after_start",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        check_period(self.start_date, self.end_date)
        if self.status == self.Status.SELF_RUNNING and not self.handed_over_on:
            raise ValidationError({"handed_over_on": _(
                "A self-running group needs the date it was handed over to the residents."
            )})
        check_period(self.start_date, self.handed_over_on, end_field="handed_over_on", message=_(
            "The hand-over date cannot be before the start date."
        ))

    @property
    def run_by_organisation(self) -> bool:
        return self.status != self.Status.SELF_RUNNING

    def history(self) -> list[dict]:
        """The dated status history (oldest first), from ``with_history`` or one query."""
        rows = getattr(self, "status_history", None)
        if rows is None:
            rows = Group.objects.with_history().values_list("status_history", flat=True).get(pk=self.pk)
        labels = dict(self.Status.choices)
        return [_entry(row, label=labels.get(row["status"], row["status"])) for row in rows]

    def checks_done(self) -> list[dict]:
        """The "draait het nog?" checks, newest first, from ``with_history``."""
        return [_entry(row) for row in (getattr(self, "check_history", None) or [])]

    @property
    def is_course(self) -> bool:
        """A course runs as numbered series (Geld Telt: reeks 1, 2, 3)."""
        return self.rhythm == self.Rhythm.COURSE or self.series_number is not None

    def handed_over_by(self, day: datetime.date) -> bool:
        """Whether the group was handed over to its residents on or before ``day``: no roll call then."""
        return self.handed_over_on is not None and day >= self.handed_over_on

    def expected_dates(self, until: datetime.date) -> list[datetime.date]:
        """The meeting dates the group's rhythm plans from its start up to ``until`` (inclusive).

        Weekly and a course meet on the usual day (the start date's weekday when none is set), every
        two weeks on every other one, twice a week on the usual day and three days later; a course
        stops after its planned number of meetings. Nothing is planned after the end date, nor on or
        after the hand-over date: a self-running group is no longer logged by the organisation.
        """
        last = min(d for d in (until, self.end_date, _day_before(self.handed_over_on)) if d is not None)
        weekday = self.start_date.weekday() if self.usual_weekday is None else self.usual_weekday
        first = _on_or_after(self.start_date, weekday)
        if self.rhythm == self.Rhythm.TWICE_WEEKLY:
            offsets, step = (0, 3), 7
        else:
            offsets, step = (0,), 14 if self.rhythm == self.Rhythm.BIWEEKLY else 7
        limit = self.planned_sessions if self.rhythm == self.Rhythm.COURSE and self.planned_sessions else None
        dates, week = [], first
        while week <= last and (limit is None or len(dates) < limit):
            days = (week + datetime.timedelta(days=offset) for offset in offsets)
            dates.extend(day for day in days if day <= last)
            week += datetime.timedelta(days=step)
        return dates[:limit] if limit else dates

    def missing_dates(self, logged: list[datetime.date], until: datetime.date) -> list[datetime.date]:
        """Planned dates up to ``until`` without a session (held or cancelled), newest first.

        A session a few days off its planned date (moved for a holiday) stands in for it: each logged
        date covers at most one planned date, the nearest within the window (three days, one for a
        group meeting twice a week). An extra session on another day covers nothing more; a date
        logged by mistake years ahead covers nothing at all.
        """
        window = 1 if self.rhythm == self.Rhythm.TWICE_WEEKLY else 3
        free = sorted(set(logged))
        missing = []
        for planned in self.expected_dates(until):
            near = [d for d in free if abs((d - planned).days) <= window]
            if near:
                free.remove(min(near, key=lambda d: (abs((d - planned).days), d)))
            else:
                missing.append(planned)
        return missing[::-1]

    @property
    def is_logged_by_organisation(self) -> bool:
        """Forming, running and phasing-out groups are logged; self-running and ended ones are not."""
        return self.status in (self.Status.FORMING, self.Status.RUNNING, self.Status.PHASING_OUT)

    def places_taken(self, on: datetime.date | None = None) -> int:
        """Residents enrolled on ``on`` or later (co-leads included): what capacity is measured against."""
        return self.enrolments.not_ended(on).count()

    def has_room(self, on: datetime.date | None = None, extra: int = 1) -> bool:
        """Whether ``extra`` more residents fit; a group without a capacity always has room."""
        return self.capacity is None or self.places_taken(on) + extra <= self.capacity


class GroupStatusChange(models.Model):
    """The dated history of a group's status: forming → running → phasing out → self-running/ended."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=15, choices=Group.Status.choices)
    date = models.DateField(_("date"), default=datetime.date.today, validators=[validate_plausible_date])
    note = models.CharField(_("note"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.group} – {self.get_status_display()} ({self.date})"


class HandOver(models.Model):
    """Afbouwen: the plan for handing a group over to its residents, with a short checklist.

    The co-leads are the group's enrolments with role co-lead; ``planned_on`` becomes the group's
    ``handed_over_on`` when the hand-over is done (no roll call from that day on).
    """

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="hand_over")
    planned_on = models.DateField(_("hand-over date"), validators=[validate_plausible_date])
    contact_person = models.CharField(
        _("contact person"), max_length=120, blank=True,
        help_text=_("Who the group and the organisation can call after the hand-over."),
    )
    room_or_key = models.CharField(
        _("room or key"), max_length=200, blank=True, help_text=_("Where the group meets and who has the key."),
    )
    agreements = models.TextField(
        _("agreements"), max_length=1000, blank=True,
        help_text=_("What was agreed: costs, materials, when to call the organisation."),
    )
    check_quarterly = models.BooleanField(
        _('ask "draait het nog?" every quarter'), default=True,
        help_text=_("The former social worker is asked each quarter whether the group still meets."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")

    def __str__(self):
        return f"{self.group} – {self.planned_on}"

    def clean(self):
        if self.group_id and self.planned_on and self.planned_on < self.group.start_date:
            raise ValidationError({"planned_on": _("The hand-over date cannot be before the start date.")})


class GroupCheck(models.Model):
    """"Draait het nog?": a quarterly check of a self-running group by its former social worker.

    Counted apart from the groups the organisation runs (never as sessions or residents).
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="checks")
    date = models.DateField(_("date"), default=datetime.date.today, validators=[validate_plausible_date])
    still_meets = models.BooleanField(_("the group still meets"))
    approx_attendance = models.PositiveSmallIntegerField(
        _("roughly how many come"), null=True, blank=True, validators=[MaxValueValidator(500)]
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("check: does it still run?")
        verbose_name_plural = _("checks: does it still run?")

    def __str__(self):
        return f"{self.group} – {self.date}"


def running_on(on: datetime.date, prefix: str = "") -> Q:
    """THE definition of an active enrolment: started on or before ``on`` and not ended before it.

    Both dates are inclusive; an empty end date means it is still running. ``prefix`` is the path
    from the queried model (``"enrolments__"`` from Participant). ``Enrolment.is_running_on`` is
    the same rule for one row already in memory.
    """
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": on})
    )


class EnrolmentQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        """Enrolments running on the given day (today by default)."""
        return self.filter(running_on(on or timezone.localdate()))

    def not_ended(self, on: datetime.date | None = None):
        """Enrolments running on ``on`` or starting later: the resident is (about to be) a member."""
        on = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on))

    def overlapping(self, start: datetime.date, end: datetime.date | None):
        """Enrolments whose period shares at least one day with [start, end] (end None = open)."""
        overlap = Q(end_date__isnull=True) | Q(end_date__gte=start)
        if end is not None:
            overlap &= Q(start_date__lte=end)
        return self.filter(overlap)


class DateRange(models.Func):
    """PostgreSQL ``daterange(start, end, '[]')``; an empty end is an open range."""

    function = "DATERANGE"
    output_field = DateRangeField()


class Enrolment(models.Model):
    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        CO_LEAD = "co_lead", _("Co-lead")

    class ReferralSource(models.TextChoices):
        OWN_WORKER = "own_worker", _("Own social worker")
        OTHER_TEAM = "other_team", _("Other team")
        PARTNER = "partner", _("Partner organisation")
        GP_HOSPITAL = "gp_hospital", _("GP / hospital")
        SELF = "self", _("Self")
        OTHER = "other", _("Other")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("participant")
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("group"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.PARTICIPANT)
    start_date = models.DateField(_("start date"), default=datetime.date.today, validators=[validate_plausible_date])
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=[validate_plausible_date])
    end_reason = models.ForeignKey(
        EndReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("end reason")
    )
    referral_source = models.CharField(
        _("referred by"), max_length=12, choices=ReferralSource.choices, blank=True
    )
    change_wishes = models.ManyToManyField(
        ChangeWish, blank=True, related_name="enrolments", verbose_name=_("change wishes")
    )
    # The help request this enrolment answers (matched through the queue, the bundling board or the
    # waiting list); empty for an enrolment made without one.
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments",
        verbose_name=_("help request"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["participant__sort_name", "participant__first_name", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="enrolment_end_after_start",
            ),
            # A resident holds at most one enrolment in a group on any day: periods may not overlap
            # (re-enrolment after an end is fine). Needs the btree_gist extension (migration 0002).
            ExclusionConstraint(
                name="enrolment_no_overlap",
                expressions=[
                    ("participant", RangeOperators.EQUAL),
                    ("group", RangeOperators.EQUAL),
                    (DateRange("start_date", "end_date", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("This resident is already enrolled in this group in that period."),
            ),
        ]

    def __str__(self):
        return f"{self.participant} – {self.group}"

    def is_running_on(self, on: datetime.date) -> bool:
        """``running_on`` for this row."""
        return self.start_date <= on and not self.has_ended_before(on)

    def has_ended_before(self, on: datetime.date) -> bool:
        """The opposite of ``EnrolmentQuerySet.not_ended`` for this row."""
        return self.end_date is not None and self.end_date < on

    def clean(self):
        check_period(self.start_date, self.end_date, message=_(
            "The end date cannot be before the start of the enrolment (%(date)s)."
        ))
        if self.end_date and not self.end_reason_id:
            raise ValidationError({"end_reason": _("Say why the enrolment ended.")})
        if self.participant_id and self.group_id and self.start_date:
            clash = (
                Enrolment.objects.filter(participant_id=self.participant_id, group_id=self.group_id)
                .overlapping(self.start_date, self.end_date).exclude(pk=self.pk).order_by("start_date").first()
            )
            if clash is not None:
                raise ValidationError(
                    _("This resident is already enrolled in this group from %(start)s%(until)s.")
                    % {"start": show_date(clash.start_date),
                       "until": (_(" to %(end)s") % {"end": show_date(clash.end_date)})
                       if clash.end_date else ""},
                    code="overlap",
                )


class Session(models.Model):
    """A bijeenkomst. Notes stay short and hold no sensitive details."""

    class Status(models.TextChoices):
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    # No index of its own: unique_session_slot (group, date, start time) starts with it and lets the
    # KPI set read a group's sessions of a period as one range.
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("group"), db_index=False
    )
    date = models.DateField(_("date"), validators=[validate_plausible_date, validate_at_most_a_year_ahead])
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=90, validators=[validate_duration_minutes]
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.HELD)
    head_count = models.PositiveSmallIntegerField(
        _("walk-ins not registered"), default=0, validators=[validate_head_count],
        help_text=_("Anonymous count of people who came but are not registered."),
    )
    notes = models.CharField(_("short note"), max_length=500, blank=True)
    contributors = models.ManyToManyField(
        Contributor, blank=True, related_name="sessions", verbose_name=_("begeleiders who helped")
    )
    external_id = models.CharField(_("external id"), max_length=50, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save (services.log_session): a save against an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-date", "-start_time"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            # A double submit or a second tab must never create a second session.
            models.UniqueConstraint(fields=["group", "date", "start_time"], name="unique_session_slot"),
        ]
        indexes = [models.Index(fields=["date", "status"])]

    def __str__(self):
        return f"{self.group} {self.date:%Y-%m-%d}"

    def clean(self):
        if self.status == self.Status.CANCELLED:
            self.head_count = 0  # a cancelled session has no walk-ins
        if not (self.date and self.group_id):
            return
        group = self.group
        if self.date < group.start_date:
            raise ValidationError({"date": _("The group started on %(date)s; a session cannot be earlier.")
                                   % {"date": show_date(group.start_date)}})
        if group.end_date and self.date > group.end_date:
            raise ValidationError({"date": _("The group ended on %(date)s; a session cannot be later.")
                                   % {"date": show_date(group.end_date)}})
        if group.handed_over_by(self.date):
            # A self-running group is the residents' own: the organisation no longer logs it.
            raise ValidationError({"date": _(
                "The group was handed over to its residents on %(date)s: sessions from that day on are "
                "not logged (no roll call after the hand-over)."
            ) % {"date": show_date(group.handed_over_on)}})
        # A session is logged once it has begun; a cancellation may be recorded in advance.
        if self.status == self.Status.HELD and self.starts_after(timezone.localtime()):
            raise ValidationError({"date": _(
                "A session in the future cannot be logged as held yet. Log it on the day, "
                "or mark it as cancelled if it will not take place."
            )})

    def starts_after(self, moment: datetime.datetime) -> bool:
        """Whether the session (date and start time, local time) begins after ``moment``."""
        if self.start_time is None:
            return self.date > moment.date()
        start = datetime.datetime.combine(self.date, self.start_time, tzinfo=moment.tzinfo)
        return start > moment

    def record_contributors(self, ids, *, new_session: bool = False) -> None:
        """Replace who helped at this session (begeleiders), in bulk."""
        through = Session.contributors.through
        with transaction.atomic(savepoint=False):
            if not new_session:
                through.objects.filter(session=self).exclude(contributor_id__in=ids).delete()
            through.objects.bulk_create(
                [through(session=self, contributor_id=cid) for cid in ids], ignore_conflicts=True
            )

    def roll_call(self, day: datetime.date) -> list[Participant]:
        """Who is on the roll call for ``day``, with their ``role``, ``trial`` and ``recorded`` status, in one query.

        Members enrolled on that day, residents of the waiting list invited to try the group on
        that day ("proef": ``trial`` is true; they are not enrolled), plus anyone already recorded
        for this session (so that editing an old session never drops a row of someone who has
        since left).
        """
        enrolled = Enrolment.objects.filter(running_on(day), group=self.group_id, participant=OuterRef("pk"))
        # Still invited, or enrolled since: the badge stays on the session that was their trial.
        trial = Interest.objects.filter(
            group=self.group_id, participant=OuterRef("pk"), trial_date=day,
            status__in=[Interest.Status.TRIAL, Interest.Status.ENROLLED],
        )
        queryset = Participant.objects.annotate(role=Subquery(enrolled.values("role")[:1]), trial=Exists(trial))
        if self.pk:
            recorded = Attendance.objects.filter(session=self.pk, participant=OuterRef("pk")).values("status")[:1]
            queryset = queryset.annotate(recorded=Subquery(recorded)).filter(
                Q(Exists(enrolled)) | Q(trial=True) | Q(recorded__isnull=False)
            )
        else:
            queryset = queryset.filter(Q(Exists(enrolled)) | Q(trial=True))
        return list(queryset.order_by("sort_name", "first_name", "pk"))

    def mark_attendance(self, statuses: dict[int, str], *, new_session: bool = False):
        """Replace this session's attendance with {participant_id: status}, in bulk.

        ``new_session=True`` skips the DELETE for a session saved just now (it has no rows yet).
        """
        # Atomic, but without a savepoint of its own inside the caller's transaction (fewer queries).
        with transaction.atomic(savepoint=False):
            if not new_session:
                self.attendances.exclude(participant_id__in=statuses.keys()).delete()
            Attendance.objects.bulk_create(
                [Attendance(session=self, participant_id=pid, status=status) for pid, status in statuses.items()],
                update_conflicts=True,
                unique_fields=["session", "participant"],
                update_fields=["status"],
            )
        registration_changed.send(sender=Attendance, **self._figure_scope())

    def _figure_scope(self) -> dict:
        """What this session's attendance touches, for the figure cache (reporting/cache.py): its
        municipality and date, from the group and team already loaded (no query), else its id."""
        group = self.group if Session.group.is_cached(self) else None
        if group is not None and Group.team.is_cached(group):
            return {"scopes": [(group.team.municipality_id, self.date)]}
        return {"sessions": [self.pk]}


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    # No index of its own: unique_attendance (session, participant) starts with it.
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances", db_index=False)
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PRESENT)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            # INCLUDE status: the KPI set reads a period's marks by an index-only scan of this
            # index (docs/performance.md); it also serves every lookup by session.
            models.UniqueConstraint(fields=["session", "participant"], name="unique_attendance", include=["status"]),
        ]
        indexes = [models.Index(fields=["participant", "status"])]

    def __str__(self):
        return f"{self.participant} @ {self.session}: {self.status}"


class InterestQuerySet(models.QuerySet):
    def waiting(self):
        """Interested or invited to a trial: still on the list."""
        return self.filter(status__in=[Interest.Status.INTERESTED, Interest.Status.TRIAL])

    def with_trial_attendance(self):
        """Annotate ``trial_attendance``: what the roll call of the trial day says (None: not logged)."""
        came = Attendance.objects.filter(
            session__group=OuterRef("group_id"), session__date=OuterRef("trial_date"),
            session__status=Session.Status.HELD, participant=OuterRef("participant_id"),
        ).order_by("session__start_time").values("status")[:1]
        return self.annotate(trial_attendance=Subquery(came))


class Interest(models.Model):
    """The waiting list (interest list) of a group: interested → trial session → enrolled, or withdrawn.

    A resident is on a group's list at most once at a time. A trial resident is on the roll call of
    the trial session with a "proef" badge, without being enrolled.
    """

    class Status(models.TextChoices):
        INTERESTED = "interested", _("Interested")
        TRIAL = "trial", _("Trial session")
        ENROLLED = "enrolled", _("Enrolled")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="interests", verbose_name=_("group"))
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="interests", verbose_name=_("resident")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.INTERESTED)
    since = models.DateField(_("on the list since"), default=datetime.date.today, validators=[validate_plausible_date])
    trial_session = models.ForeignKey(
        "Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="trial_interests",
        verbose_name=_("trial session"),
    )
    # The day of the trial: the roll call of that day lists the resident with a "proef" badge. A
    # session is logged on the day itself, so an invitation names a planned date, not a session.
    trial_date = models.DateField(
        _("trial on"), null=True, blank=True, validators=[validate_plausible_date],
    )
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="interests",
        verbose_name=_("help request"),
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("enrolment")
    )
    referral_source = models.CharField(
        _("referred by"), max_length=12, choices=Enrolment.ReferralSource.choices, blank=True
    )
    ended_on = models.DateField(_("left the list on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InterestQuerySet.as_manager()

    class Meta:
        ordering = ["since", "id"]
        verbose_name = _("interest")
        verbose_name_plural = _("waiting list")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "participant"], condition=Q(status__in=["interested", "trial"]),
                name="interest_once_per_group", violation_error_message=_(
                    "This resident is already on the waiting list of this group."
                ),
            )
        ]

    def __str__(self):
        return f"{self.participant} – {self.group}"

    @property
    def is_waiting(self) -> bool:
        return self.status in (self.Status.INTERESTED, self.Status.TRIAL)
