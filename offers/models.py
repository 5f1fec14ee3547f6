"""The offer (aanbod): every group a resident could join, our own and our partners', in one place.

- ``Partner``: a partner organisation (name, contact), used by offers and referrals.
- ``Offer``: one offer on the sociale kaart. Our own groups appear by themselves (``signals``: an
  offer per group, kept in step with the group's facts); a partner's group or a residents'
  initiative is added by staff, with the owner's consent to be listed and a named staff owner.
  Formal or informal follows from who leads it (professionals: formal; volunteers or residents:
  informal) — the individual–collective × informal–formal model wijkteams use.
- ``Signup``: "Aanmelden" from the public group finder: only what a first contact needs, with the
  resident's consent; it waits on the group's waiting list until a social worker calls back.
- ``Referral``: a resident referred to an offer (only with consent to share with a network
  partner), and what came of it (arrived, started, did not start).
"""

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief.models import LifeDomain, Municipality, Neighbourhood
from collectief.validators import validate_not_in_future, validate_plausible_date
from groups.models import Group
from participants.models import Participant

# An offer not checked for this long is flagged to its owner.
CHECK_AFTER = datetime.timedelta(days=183)


class Partner(models.Model):
    """A partner organisation (netwerkpartner): a library, a church, a sports club, a GP practice."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="partners",
                                     verbose_name=_("municipality"))
    name = models.CharField(_("name"), max_length=120)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="partner_name_per_municipality")]

    def __str__(self):
        return self.name


class OfferQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def public(self):
        return self.filter(active=True, is_public=True)

    def needs_check(self, today: datetime.date | None = None):
        """Offers not checked for six months (flagged to their owner)."""
        today = today or timezone.localdate()
        return self.filter(active=True).filter(
            Q(last_checked_on__isnull=True) | Q(last_checked_on__lt=today - CHECK_AFTER)
        )


class Offer(models.Model):
    class Source(models.TextChoices):
        OWN = "own", _("Our own group")
        PARTNER = "partner", _("Group of a partner organisation")
        INITIATIVE = "initiative", _("Residents' own initiative")

    class LedBy(models.TextChoices):
        PROFESSIONALS = "professionals", _("Professionals")
        VOLUNTEERS = "volunteers", _("Volunteers")
        RESIDENTS = "residents", _("Residents themselves")

    class Form(models.TextChoices):
        COLLECTIVE = "collective", _("Collective (a group)")
        INDIVIDUAL = "individual", _("Individual (one to one)")

    class Daypart(models.TextChoices):
        MORNING = "morning", _("Morning")
        AFTERNOON = "afternoon", _("Afternoon")
        EVENING = "evening", _("Evening")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="offers",
                                     verbose_name=_("municipality"))
    source = models.CharField(_("whose offer"), max_length=12, choices=Source.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="offer",
                                 verbose_name=_("our group"))
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="offers",
                                verbose_name=_("partner organisation"))
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(
        _("what it is"), max_length=1500, blank=True,
        help_text=_("In plain words (B1): what you do together, for whom."),
    )
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    life_domains = models.ManyToManyField(LifeDomain, blank=True, related_name="offers", verbose_name=_("life domains"))
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="offers", verbose_name=_("neighbourhood"),
                                      help_text=_("Empty means municipality-wide."))
    location = models.CharField(_("where"), max_length=200, blank=True)
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Group.Weekday.choices, null=True, blank=True)
    start_time = models.TimeField(_("time"), null=True, blank=True)
    daypart = models.CharField(_("part of the day"), max_length=10, choices=Daypart.choices, blank=True)
    schedule_note = models.CharField(_("how often"), max_length=120, blank=True,
                                     help_text=_("E.g. every week, every two weeks, a course of 4 meetings."))
    languages = ArrayField(models.CharField(max_length=10, choices=Participant.Language.choices), blank=True,
                           default=list, verbose_name=_("languages"))
    cost = models.CharField(_("cost"), max_length=120, blank=True, help_text=_("E.g. free, €2 per meeting."))
    how_to_join = models.TextField(_("how to join"), max_length=600, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True,
                               help_text=_("Phone or e-mail of the organisation, never of a resident."))
    led_by = models.CharField(_("led by"), max_length=15, choices=LedBy.choices, default=LedBy.PROFESSIONALS)
    form = models.CharField(_("form"), max_length=12, choices=Form.choices, default=Form.COLLECTIVE)
    accessibility = models.TextField(_("accessibility"), max_length=600, blank=True,
                                     help_text=_("Wheelchair, stairs, hearing loop, children welcome, …"))
    is_public = models.BooleanField(_("shown in the public group finder"), default=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="owned_offers", verbose_name=_("staff owner"),
                              help_text=_("Keeps this offer up to date."))
    owner_consent_on = models.DateField(
        _("listed with the owner's consent on"), null=True, blank=True, validators=[validate_not_in_future],
        help_text=_("A partner's or residents' offer is listed only with their consent."),
    )
    last_checked_on = models.DateField(_("last checked on"), null=True, blank=True,
                                       validators=[validate_plausible_date, validate_not_in_future])
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            # Our own groups come with their group; others name a partner or are an initiative.
            models.CheckConstraint(
                condition=(Q(source="own", group__isnull=False) | Q(~Q(source="own"), group__isnull=True)),
                name="offer_own_has_group",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_formal(self) -> bool:
        """Formal when professionals lead it; informal when volunteers or residents do."""
        return self.led_by == self.LedBy.PROFESSIONALS

    @property
    def quadrant(self) -> str:
        """Its place on the wijkteam model: ``collective_formal``, ``collective_informal``,
        ``individual_formal`` or ``individual_informal``."""
        return f"{self.form}_{'formal' if self.is_formal else 'informal'}"

    def needs_check(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.last_checked_on is None or self.last_checked_on < today - CHECK_AFTER


class Signup(models.Model):
    """"Aanmelden" from the public group finder: a first contact, not yet a registered resident.

    Only what a first contact needs (a first name, how to reach them, an optional short message)
    and the consent to be contacted. It shows on the group's waiting list until a social worker
    called back (then the resident is registered and enrolled or put on the list) or it is closed.
    Removed after ``SIGNUP_RETENTION_DAYS`` (docs/privacy.md).
    """

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Called back")
        CLOSED = "closed", _("Closed")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="signups", verbose_name=_("offer"))
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="signups",
                              verbose_name=_("group"))
    first_name = models.CharField(_("first name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    consent = models.BooleanField(_("consent to be contacted"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    participant = models.ForeignKey(Participant, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="signups", verbose_name=_("registered as"))
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("sign-up from the group finder")
        verbose_name_plural = _("sign-ups from the group finder")
        constraints = [
            models.CheckConstraint(condition=Q(consent=True), name="signup_needs_consent"),
            models.CheckConstraint(condition=~Q(phone="", email=""), name="signup_needs_a_way_to_reach"),
        ]

    def __str__(self):
        return f"{self.first_name} – {self.offer}"


class Referral(models.Model):
    """A resident referred to an offer (own or a partner's), and what came of it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("No news yet")
        ARRIVED = "arrived", _("Arrived")
        STARTED = "started", _("Started")
        DID_NOT_START = "did_not_start", _("Did not start")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="referrals",
                                    verbose_name=_("resident"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("offer"))
    date = models.DateField(_("referred on"), default=datetime.date.today,
                            validators=[validate_plausible_date, validate_not_in_future])
    note = models.CharField(_("note"), max_length=300, blank=True,
                            help_text=_("What the partner needs to know; no sensitive details."))
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="referrals_made", verbose_name=_("referred by"))
    outcome = models.CharField(_("what came of it"), max_length=15, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_on = models.DateField(_("on"), null=True, blank=True,
                                  validators=[validate_plausible_date, validate_not_in_future])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self):
        return f"{self.participant} → {self.offer}"


class Flyer(models.Model):
    """The printable one-page PDF of an offer, with a QR code to its public page (issue 13).

    Rendered in the Celery worker with the guarantees of the quarterly reports (offers/flyer.py):
    claimed with a conditional UPDATE, stored with its SHA-256, a visible waiting state while the
    broker is down, a sweeper for renders that wait without a task or lost their worker. It holds no
    personal data: only what the offer says about itself.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="flyer", verbose_name=_("offer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("PDF"), upload_to="flyers/%Y/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # The address the QR code opens, built from the staff member's request when it was asked for
    # (the worker has no request to build an absolute URL from).
    public_url = models.URLField(_("address of the public page"), max_length=500, blank=True)
    # SHA-256 of what the flyer shows of the offer when it was rendered: a different value now
    # means the offer changed since and the flyer should be made again.
    facts_sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(_("made at"), null=True, blank=True)
    # When it entered "queued" or "running" (the sweeper's clock), and which task claimed it.
    render_started_at = models.DateTimeField(null=True, blank=True)
    render_task_id = models.CharField(max_length=255, blank=True)
    # How often a worker actually rendered it: proves that a task sent twice renders once.
    render_count = models.PositiveIntegerField(default=0)
    # While queued: why it waits (offers.flyer.QUEUE_BROKER_DOWN / QUEUE_REQUEUED); when failed: the error.
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("flyer")
        verbose_name_plural = _("flyers")

    def __str__(self):
        return f"Flyer {self.offer}"

    @property
    def is_rendering(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def has_file(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    def is_stuck(self, now: datetime.datetime, after: datetime.timedelta) -> bool:
        """Queued or running for longer than ``after``: its task or its worker was lost."""
        return self.is_rendering and (self.render_started_at is None or self.render_started_at < now - after)
