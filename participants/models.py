"""Residents (deelnemers) and what they bring: change wishes, help requests, support, consent."""

import datetime
import unicodedata

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Unaccent
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief import access
from collectief.models import Framework, LifeDomain, Neighbourhood, Team
from collectief.validators import (
    check_period,
    validate_birth_date,
    validate_not_in_future,
    validate_plausible_date,
    validate_postcode,
)

# Dutch surname prefixes (tussenvoegsels), one or more at the start: "van der", "de", "in 't", "van 't".
TUSSENVOEGSEL_PATTERN = (
    r"^((van|de|der|den|het|'t|ten|ter|te|in|op|aan|bij|uit|voor|over|onder|la|le|du|d'|l'|el|al)\s+)+"
)


def name_key(name: str) -> str:
    """A name without case, accents, spaces or hyphens: "Fatima El-Amrani" → "fatimaelamrani"."""
    plain = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in plain if c.isascii() and c.isalnum())


def birth_date_variants(day: datetime.date) -> set[datetime.date]:
    """The birth date, a day either side, day and month swapped, and every date one digit off.

    The typing mistakes a second registration of the same person typically holds.
    """
    variants = {day, day - datetime.timedelta(days=1), day + datetime.timedelta(days=1)}
    digits = day.strftime("%Y%m%d")
    candidates = [(day.year, day.day, day.month)]
    for position, current in enumerate(digits):
        for digit in "0123456789":
            if digit != current:
                text = digits[:position] + digit + digits[position + 1:]
                candidates.append((int(text[:4]), int(text[4:6]), int(text[6:])))
    for year, month, day_of_month in candidates:
        try:
            variants.add(datetime.date(year, month, day_of_month))
        except ValueError:
            continue
    return variants


# Monday = 0, as datetime.date.weekday() and groups.Group.usual_weekday.
WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
    (5, _("Saturday")), (6, _("Sunday")),
]


class ParticipantQuerySet(models.QuerySet):
    def for_user(self, user):
        """Participants of the user's team(s) (see collectief.access)."""
        return access.scope(self, user)

    def likely_duplicates(self, first_name: str, last_name: str, birth_date=None, postcode: str = "", team=None):
        """Residents who may be the same person, most alike first.

        - a similar name (trigram similarity without case and accents, so "Fatima el Amrani" finds
          "Fatima El-Amrani") and a birth date that is the same, one day off, has day and month
          swapped or differs in one digit, or the same postcode;
        - or, within ``team``, the same name once case, accents, spaces and hyphens are ignored,
          whatever the birth date.
        Call it on an already scoped queryset (``for_user``): it never reveals other teams' residents.
        """
        first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
        postcode = (postcode or "").replace(" ", "").upper()
        if not (first_name or last_name):
            return self.none()
        alike = Q(pk__in=[])
        if birth_date:
            alike |= Q(birth_date__in=birth_date_variants(birth_date))
        if postcode:
            alike |= Q(postcode_compact=postcode)
        same_name = Q(name_key=name_key(f"{first_name} {last_name}"))
        if team is not None:
            same_name &= Q(team=team)
        else:
            same_name = Q(pk__in=[])
        full = Lower(Unaccent(models.Value(f"{first_name} {last_name}")))
        stored = Lower(Unaccent(Concat("first_name", models.Value(" "), "last_name")))
        return (
            self.annotate(
                postcode_compact=models.Func(
                    models.F("postcode"), models.Value(" "), models.Value(""), function="REPLACE"
                ),
                name_similarity=TrigramSimilarity(stored, full),
                name_key=models.Func(
                    stored, models.Value("[^a-z0-9]"), models.Value(""), models.Value("g"),
                    function="regexp_replace", output_field=models.CharField(),
                ),
            )
            .filter((alike & Q(name_similarity__gte=0.4)) | same_name)
            .order_by("-name_similarity", "pk")
        )

    def search(self, text: str):
        """Every word must occur in the first or last name, ignoring case and accents."""
        qs = self
        for word in (text or "").split()[:5]:
            qs = qs.filter(Q(first_name__unaccent__icontains=word) | Q(last_name__unaccent__icontains=word))
        return qs

    def with_active_flag(self, on: datetime.date | None = None):
        """Annotate ``is_active`` (see ``active``) in the same query, for lists and filters."""
        running = Participant.objects.active(on).filter(pk=models.OuterRef("pk"))
        return self.annotate(is_active=models.Exists(running))

    def inactive_since(self, cutoff: datetime.date):
        """Residents with no activity on or after ``cutoff`` (retention; see docs/participants.md).

        Activity: registered, an enrolment not ended before the cutoff, attendance at a session on
        or after it, individual support not ended before it, a help request dated or closed on or
        after it, or an erasure request that a coordinator cancelled on or after it (they decided
        to keep the record). Residents already anonymised or with a pending request are left out.
        Enrolments and attendance are reached through the reverse relations: no import of groups.
        """
        since = datetime.datetime.combine(cutoff, datetime.time.min, tzinfo=timezone.get_current_timezone())
        related = {name: self.model._meta.get_field(name).related_model for name in (
            "enrolments", "attendances", "individual_supports", "help_requests", "erasure_requests",
        )}
        not_ended = Q(end_date__isnull=True) | Q(end_date__gte=cutoff) | Q(start_date__gte=cutoff)
        recent = {
            "enrolments": not_ended,
            "attendances": Q(session__date__gte=cutoff),
            "individual_supports": not_ended,
            "help_requests": Q(date__gte=cutoff) | Q(closed_on__gte=cutoff),
            "erasure_requests": Q(status=ErasureRequest.Status.REQUESTED)
            | Q(status=ErasureRequest.Status.CANCELLED, cancelled_at__gte=since),
        }
        queryset = self.filter(erased_at__isnull=True, created_at__lt=since)
        for name, condition in recent.items():
            rows = related[name].objects.filter(condition, participant=models.OuterRef("pk"))
            queryset = queryset.exclude(models.Exists(rows))
        return queryset

    def active(self, on: datetime.date | None = None):
        """Residents with a running enrolment or running individual support."""
        on = on or timezone.localdate()
        return self.filter(
            Q(enrolments__start_date__lte=on, enrolments__end_date__isnull=True)
            | Q(enrolments__start_date__lte=on, enrolments__end_date__gte=on)
            | Q(individual_supports__start_date__lte=on, individual_supports__end_date__isnull=True)
            | Q(individual_supports__start_date__lte=on, individual_supports__end_date__gte=on)
        ).distinct()


class Participant(models.Model):
    """An inwoner. Only what the work needs: no diagnoses, no scores, no labels."""

    class Language(models.TextChoices):
        NL = "nl", _("Dutch")
        EN = "en", _("English")
        AR = "ar", _("Arabic")
        TR = "tr", _("Turkish")
        PL = "pl", _("Polish")
        TI = "ti", _("Tigrinya")
        UK = "uk", _("Ukrainian")
        FY = "fy", _("Frisian")
        OTHER = "other", _("Other")

    # No index of its own: participant_team_sort starts with it.
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="participants", verbose_name=_("team"), db_index=False
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"), validators=[validate_birth_date])
    postcode = models.CharField(_("postcode"), max_length=7, blank=True, validators=[validate_postcode])
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.PROTECT, null=True, blank=True, related_name="participants",
        verbose_name=_("neighbourhood"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.NL
    )
    is_volunteer = models.BooleanField(_("also volunteers"), default=False)
    # "de Jong" sorts under J: the surname without its tussenvoegsel, kept by PostgreSQL itself so
    # that bulk writes (the import) fill it too. Order by it everywhere residents are listed.
    sort_name = models.GeneratedField(
        expression=models.Func(
            Lower("last_name"), models.Value(TUSSENVOEGSEL_PATTERN), models.Value(""),
            function="regexp_replace", output_field=models.CharField(),
        ),
        output_field=models.CharField(max_length=100),
        db_persist=True,
    )
    external_id = models.CharField(_("external id"), max_length=50, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every save of the personal data: a save against an older version is a concurrent
    # edit, shown to the user instead of overwriting (issue 10).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when the resident's personal data were replaced by anonymous values (services.erase_participant).
    # The row itself stays: attendance and enrolments point at it, and historic figures count it.
    erased_at = models.DateTimeField(_("anonymised on"), null=True, blank=True, editable=False)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["sort_name", "first_name", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [
            # The lists of a team in name order; INCLUDE id and wijk: the KPI set reads a
            # municipality's residents (by their teams) by an index-only scan (docs/performance.md).
            models.Index(fields=["team", "sort_name"], include=["id", "neighbourhood"], name="participant_team_sort"),
            models.Index(fields=["birth_date"]),
            models.Index(fields=["postcode"]),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def age(self) -> int:
        today = timezone.localdate()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def record_consent(self, purpose: str, given: bool, user, date: datetime.date | None = None):
        """Append a consent decision; history is kept, the newest row per purpose counts."""
        return Consent.objects.create(
            participant=self, purpose=purpose, given=given, date=date or timezone.localdate(),
            recorded_by=user,
        )

    def current_consents(self) -> list[tuple[str, str, "Consent | None"]]:
        """(purpose code, label, newest decision or None) for every purpose.

        Uses ``self.consents.all()`` so a ``prefetch_related("consents")`` avoids extra queries.
        """
        newest = {}
        for consent in sorted(self.consents.all(), key=lambda c: (c.date, c.created_at), reverse=True):
            newest.setdefault(consent.purpose, consent)
        return [(code, label, newest.get(code)) for code, label in Consent.Purpose.choices]


class Consent(models.Model):
    """One consent decision; the newest row per purpose is the current state."""

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        SHARE_PARTNER = "share_partner", _("Sharing with a network partner")
        QUOTE_REPORT = "quote_report", _("Quote in a report")
        SHARE_TEAM = "share_team", _("Being seen by another team (a group of another team)")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given = models.BooleanField(_("given"))
    date = models.DateField(_("date"), validators=[validate_not_in_future])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.get_purpose_display()}: {'+' if self.given else '-'} {self.date:%Y-%m-%d}"

    @property
    def recorded_by_name(self) -> str:
        user = self.recorded_by
        return (user.get_full_name() or user.username) if user else "?"


class ChangeWish(models.Model):
    """Veranderwens: what the resident wants to change, in their own words."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WORKING = "working", _("Working on it")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="change_wishes")
    text = models.TextField(_("in the resident's own words"), max_length=1000)
    # Optional: some life domains (addiction, justice, mental health) are special categories of
    # personal data. Groups can always be tagged with them; a resident's record need not be.
    life_domain = models.ForeignKey(
        LifeDomain, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("life domain"), help_text=_("Optional."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    start_date = models.DateField(_("since"), default=datetime.date.today, validators=[validate_not_in_future])
    end_date = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("change wish")
        verbose_name_plural = _("change wishes")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="changewish_end_after_start",
            )
        ]

    def __str__(self):
        return self.text[:60]

    def clean(self):
        check_period(self.start_date, self.end_date)


class ChangeWishNote(models.Model):
    """The thread of a change wish: an earlier or new wording, or how it stands at the end of a group.

    The question people come with is often not the one they end up working on: a new wording keeps
    the old one here (``REWORDED`` holds the text as it was before). At the end of an enrolment
    "hoe staat het met je veranderwens?" is answered in the resident's own words (``REFLECTION``).
    """

    class Kind(models.TextChoices):
        REWORDED = "reworded", _("Earlier wording")
        REFLECTION = "reflection", _("How it stands now")

    change_wish = models.ForeignKey(ChangeWish, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("in the resident's own words"), max_length=1000)
    date = models.DateField(_("date"), default=datetime.date.today, validators=[validate_not_in_future])
    enrolment_id = models.PositiveIntegerField(null=True, blank=True, editable=False)  # the group it ended with
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("change wish note")
        verbose_name_plural = _("change wish history")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.date})"


class HelpRequest(models.Model):
    """Ondersteuningsvraag: weighed for a group first ("collectief, tenzij"), then matched or closed.

    ``route`` and ``tenzij_reason`` hold the current weighing; every change is kept in
    ``RouteChange`` (who, when, why). A request ends as *matched* (to an enrolment in a group —
    ``groups.Enrolment.help_request`` points here — or to individual support) or *closed* with a
    reason; ``closed_on`` is the day it left the queue either way.
    """

    class Route(models.TextChoices):
        COLLECTIVE = "collective", _("Collective")
        INDIVIDUAL = "individual", _("Individual")
        COMBINED = "combined", _("Combined")
        UNDECIDED = "undecided", _("Undecided")

    class TenzijReason(models.TextChoices):
        # Codes are a contract (DESIGN, help_requests.csv); labels may change.
        TOO_COMPLEX = "too_complex", _("Too complex for a group")
        NOT_YET = "not_yet", _("Shame / not yet ready")
        NO_GROUP = "no_group", _("No suitable group")
        PRACTICAL = "practical", _("Practical barrier")
        CRISIS = "crisis", _("Crisis")
        DECLINES = "declines", _("Resident declines")
        CLARIFY_FIRST = "clarify_first", _("Clarify the question first")
        LANGUAGE = "language", _("Language")
        TIME_DOES_NOT_FIT = "time_does_not_fit", _("Day or time does not fit")
        TRANSPORT = "transport", _("Transport")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        SOLVED = "solved", _("Question answered or solved")
        ELSEWHERE = "elsewhere", _("Helped elsewhere")
        NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
        NOT_REACHABLE = "not_reachable", _("Resident not reachable")
        MOVED = "moved", _("Moved away")
        OTHER = "other", _("Other")

    class Daypart(models.TextChoices):
        MORNING = "morning", _("Morning")
        AFTERNOON = "afternoon", _("Afternoon")
        EVENING = "evening", _("Evening")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="help_requests")
    theme = models.CharField(_("theme"), max_length=200)
    # Optional: some life domains (addiction, justice, mental health) are special categories of
    # personal data. Groups can always be tagged with them; a resident's record need not be.
    life_domain = models.ForeignKey(
        LifeDomain, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("life domain"), help_text=_("Optional."),
    )
    date = models.DateField(_("date"), default=datetime.date.today, validators=[validate_not_in_future])
    route = models.CharField(_("route"), max_length=12, choices=Route.choices, default=Route.UNDECIDED)
    tenzij_reason = models.CharField(
        _("reason for individual support"), max_length=20, choices=TenzijReason.choices, blank=True
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    close_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=CloseReason.choices, blank=True
    )
    matched_support = models.ForeignKey(
        "IndividualSupport", on_delete=models.SET_NULL, null=True, blank=True, related_name="help_requests",
        verbose_name=_("matched to individual support"),
    )
    # The days and dayparts that suit the resident (empty: not asked yet / anything goes).
    preferred_days = ArrayField(
        models.PositiveSmallIntegerField(choices=WEEKDAYS), blank=True, default=list,
        verbose_name=_("days that suit"),
    )
    preferred_dayparts = ArrayField(
        models.CharField(max_length=10, choices=Daypart.choices), blank=True, default=list,
        verbose_name=_("times of day that suit"),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True, validators=[validate_not_in_future])
    # The id in a previous system: help_requests.csv upserts by it (imports/files/help_requests.py).
    external_id = models.CharField(_("external id"), max_length=50, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        indexes = [models.Index(fields=["status", "date"], name="helprequest_status_date")]

    def __str__(self):
        return self.theme

    def clean(self):
        # "Collectief, tenzij": choosing individual support needs the reason why not a group.
        if self.route == self.Route.INDIVIDUAL and not self.tenzij_reason:
            raise ValidationError(
                {"tenzij_reason": _("Individual route: say why a group is not (yet) the answer.")}
            )
        if self.route in (self.Route.COLLECTIVE, self.Route.UNDECIDED):
            self.tenzij_reason = ""
        if self.status == self.Status.CLOSED and not self.close_reason:
            raise ValidationError({"close_reason": _("Say why the request is closed.")})
        if self.status == self.Status.OPEN:
            self.close_reason = ""
        check_period(self.date, self.closed_on, end_field="closed_on", message=_(
            "The closing date cannot be before the date of the request."
        ))

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class RouteChange(models.Model):
    """One step of weighing a help request: the route chosen on a day, by whom and why.

    The newest row is the request's current route (copied onto ``HelpRequest.route``); a route may
    change over time ("eerst vraag verhelderen", then a group), and every step is kept.
    """

    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="route_changes")
    route = models.CharField(_("route"), max_length=12, choices=HelpRequest.Route.choices)
    tenzij_reason = models.CharField(
        _("reason for individual support"), max_length=20, choices=HelpRequest.TenzijReason.choices, blank=True
    )
    date = models.DateField(_("date"), default=datetime.date.today, validators=[validate_not_in_future])
    why = models.CharField(
        _("why"), max_length=300, blank=True,
        help_text=_("A short reason, without sensitive details."),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("route change")
        verbose_name_plural = _("route changes")

    def __str__(self):
        return f"{self.get_route_display()} ({self.date})"


class IndividualSupport(models.Model):
    """A period of individual support (a product under a legal framework)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="individual_supports")
    product = models.CharField(_("product"), max_length=100)
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="+", verbose_name=_("legal framework")
    )
    start_date = models.DateField(_("start date"), validators=[validate_plausible_date])
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=[validate_plausible_date])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("individual support")
        verbose_name_plural = _("individual support")
        indexes = [models.Index(fields=["start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="support_end_after_start",
            ),
            # The import upserts by (participant, product, framework, start_date).
            models.UniqueConstraint(
                fields=["participant", "product", "framework", "start_date"], name="unique_support_period"
            ),
        ]

    def __str__(self):
        return f"{self.product} ({self.framework_id}) {self.start_date:%Y-%m-%d}"

    def clean(self):
        check_period(self.start_date, self.end_date)


SCORE = [MinValueValidator(0), MaxValueValidator(10)]


class Measurement(models.Model):
    """Positive Health spider web: a conversation aid, never a ranking."""

    class Instrument(models.TextChoices):
        POSITIVE_HEALTH = "positive_health", _("Positive Health")

    class Moment(models.TextChoices):
        START = "start", _("Start")
        INTERIM = "interim", _("Interim")
        END = "end", _("End")

    class FilledBy(models.TextChoices):
        RESIDENT = "resident", _("By the resident")
        TOGETHER = "together", _("Together")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="measurements")
    instrument = models.CharField(
        max_length=20, choices=Instrument.choices, default=Instrument.POSITIVE_HEALTH
    )
    date = models.DateField(_("date"))
    moment = models.CharField(_("moment"), max_length=10, choices=Moment.choices)
    filled_by = models.CharField(_("filled in"), max_length=10, choices=FilledBy.choices)
    lichaamsfuncties = models.PositiveSmallIntegerField(_("bodily functions"), validators=SCORE)
    mentaal_welbevinden = models.PositiveSmallIntegerField(_("mental well-being"), validators=SCORE)
    zingeving = models.PositiveSmallIntegerField(_("meaningfulness"), validators=SCORE)
    kwaliteit_van_leven = models.PositiveSmallIntegerField(_("quality of life"), validators=SCORE)
    meedoen = models.PositiveSmallIntegerField(_("participation"), validators=SCORE)
    dagelijks_functioneren = models.PositiveSmallIntegerField(_("daily functioning"), validators=SCORE)
    # "Hier wil ik over praten": the dimensions the resident wants to talk about (codes of DIMENSIONS).
    talk_about = ArrayField(
        models.CharField(max_length=30), blank=True, default=list, verbose_name=_("I want to talk about this"),
    )

    # The six dimensions, as descriptive labels only (not the licensed questionnaire).
    DIMENSIONS = (
        "lichaamsfuncties", "mentaal_welbevinden", "zingeving", "kwaliteit_van_leven", "meedoen",
        "dagelijks_functioneren",
    )

    class Meta:
        ordering = ["-date"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self):
        return f"{self.get_instrument_display()} {self.date:%Y-%m-%d} ({self.get_moment_display()})"


def may_decide_erasure(user, participant: Participant) -> bool:
    """Whether ``user`` may request or confirm the erasure of ``participant``.

    An administrator, or a coordinator *of the resident's team* (decided in ``collectief.access``).
    """
    return access.coordinates_team(user, participant.team_id)


class ErasureRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ErasureRequest.Status.REQUESTED)


class ErasureRequest(models.Model):
    """A request to anonymise a resident (AVG art. 17): asked by one person, confirmed by another.

    Made by a coordinator, automatically when registration consent is withdrawn, or proposed by the
    retention task (then ``requested_by`` is empty until a coordinator takes it over). Confirmed
    by *another* coordinator of the resident's team or an administrator; the database refuses a
    confirmation by the requester (``erasure_confirmed_by_another``).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        COORDINATOR = "coordinator", _("Requested by a coordinator")
        CONSENT = "consent", _("Registration consent withdrawn")
        RETENTION = "retention", _("Retention period: no activity")

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="erasure_requests", verbose_name=_("participant")
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.COORDINATOR)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested on"), default=timezone.now)
    # Why, in a few words and without names: the request outlives the resident's name.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed on"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled on"), null=True, blank=True)

    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            # One pending request per resident: a second click or the nightly task adds none.
            models.UniqueConstraint(
                fields=["participant"], condition=Q(status="requested"), name="one_pending_erasure_request"
            ),
            # Four eyes: whoever confirms is not whoever asked, and someone must have asked.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True)
                | (Q(requested_by__isnull=False) & ~Q(confirmed_by=models.F("requested_by"))),
                name="erasure_confirmed_by_another",
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} #{self.participant_id} {self.requested_at:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.REQUESTED

    def may_be_confirmed_by(self, user) -> bool:
        """Pending, asked by someone, and ``user`` is not that someone (the role is checked apart)."""
        return self.is_pending and self.requested_by_id is not None and self.requested_by_id != user.pk
