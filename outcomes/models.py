"""What the groups meant to residents: the experience survey (ervaringwijzer) and stories.

Survey responses are anonymous by design: a response belongs to a group (and so its kind), a
moment and a channel, and has **no link to a resident** — not in the model, not in an export.
"""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collectief.validators import validate_not_in_future, validate_plausible_date
from groups.models import Group


class RespondentType(models.TextChoices):
    # Codes are a contract (survey_responses.csv, survey_report).
    RESIDENT = "resident", _("Resident")
    YOUTH = "youth", _("Young person")
    PARENT = "parent", _("Parent or carer")


class Survey(models.Model):
    """A versioned set of statements. A new wording is a new version; answers keep theirs."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="survey_code_version")]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    @classmethod
    def current(cls):
        return cls.objects.filter(active=True).order_by("code", "-version").first()


class Statement(models.Model):
    """One statement, answered on a 5-point scale (1–2 disagree, 3 neutral, 4–5 agree)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="statements")
    code = models.SlugField(_("code"), max_length=40)
    text = models.CharField(_("statement"), max_length=300)
    respondent_types = ArrayField(
        models.CharField(max_length=10, choices=RespondentType.choices), verbose_name=_("asked of"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="statement_code_per_survey")]

    def __str__(self):
        return self.text

    def applies_to(self, respondent_type: str) -> bool:
        return respondent_type in self.respondent_types


class ThemeTag(models.Model):
    """A theme for the open answers ("wat hielp je", "wat zou je anders doen") and for stories."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return self.name


class SurveyResponse(models.Model):
    """One filled-in survey. Deliberately without any link to a resident."""

    class Moment(models.TextChoices):
        END = "end", _("End of the group")
        FOLLOW_UP = "follow_up", _("Follow-up (after 3–6 months)")

    class Channel(models.TextChoices):
        PAPER = "paper", _("Paper, typed in later")
        LINK = "link", _("Link or QR code")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("group"))
    date = models.DateField(_("date"), validators=[validate_plausible_date, validate_not_in_future])
    moment = models.CharField(_("moment"), max_length=10, choices=Moment.choices, default=Moment.END)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    respondent_type = models.CharField(_("filled in by"), max_length=10, choices=RespondentType.choices)
    mark = models.PositiveSmallIntegerField(
        _("mark (1–10)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    what_helped = models.TextField(_("what helped you?"), max_length=2000, blank=True)
    do_differently = models.TextField(_("what would you do differently?"), max_length=2000, blank=True)
    themes = models.ManyToManyField(ThemeTag, blank=True, related_name="survey_responses", verbose_name=_("themes"))
    # Set only by the import (survey_responses.csv): a hash of the row's contents and how often the
    # same contents occurred before it in its file. Importing the same file again, or the same
    # spreadsheet with rows added, finds its rows by it instead of adding them twice
    # (imports/files/survey_responses.py). Names nobody: the row holds no resident.
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["group", "date"], name="surveyresponse_group_date")]

    def __str__(self):
        return f"{self.group} – {self.date}"


class Answer(models.Model):
    """The answer to one statement: 1–5. An unanswered statement has no row."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(
        _("answer"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "statement"], name="one_answer_per_statement"),
            models.CheckConstraint(condition=Q(value__gte=1, value__lte=5), name="answer_on_5_point_scale"),
        ]

    def __str__(self):
        return f"{self.statement.code}: {self.value}"


def new_token() -> str:
    return secrets.token_urlsafe(16)


class SurveyLink(models.Model):
    """A link (and its QR code) residents open without an account to fill in a group's survey.

    The token names only the group and the moment; whoever has it can add responses until it
    expires or is closed. No resident is identified.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="survey_links", verbose_name=_("group"))
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="links")
    moment = models.CharField(_("moment"), max_length=10, choices=SurveyResponse.Moment.choices)
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    open_until = models.DateField(_("open until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Closed early by hand (before open_until); who closed it is in the audit log.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self):
        return f"{self.group} – {self.get_moment_display()}"

    def is_open(self, on=None) -> bool:
        """Open for responses: not closed by hand and ``on`` (default today) not after open_until."""
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.closed_at is None and on <= self.open_until


class StoryQuerySet(models.QuerySet):
    def with_consent(self):
        """Stories that may be used now: anonymous ones (no resident linked) and those whose resident's
        newest "quote in a report" consent is given. A withdrawn consent excludes the story from then on."""
        from participants.models import Consent

        newest = Consent.objects.filter(
            participant=models.OuterRef("participant"), purpose=Consent.Purpose.QUOTE_REPORT
        ).order_by("-date", "-created_at", "-id").values("given")[:1]
        return self.annotate(quote_consent=models.Subquery(newest)).filter(
            Q(participant__isnull=True) | Q(quote_consent=True)
        )

    def from_groups_of_at_least(self, minimum: int):
        """Stories of groups that had at least ``minimum`` residents enrolled (ever)."""
        return self.annotate(
            group_size=models.Count("group__enrolments__participant", distinct=True)
        ).filter(group_size__gte=minimum)


class Story(models.Model):
    """A resident's story of what the group meant (verhaal), under a chosen (fictitious) first name.

    Stored only with the resident's consent to be quoted (``Consent.Purpose.QUOTE_REPORT``); a
    story may also be written without naming a resident at all (the group's own words). Never
    offered for a report from a group of fewer than 5 residents, nor once the consent is withdrawn.
    """

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="stories", verbose_name=_("group"))
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.SET_NULL, null=True, blank=True, related_name="stories",
        verbose_name=_("resident"), help_text=_("Only with the resident's consent to be quoted."),
    )
    display_name = models.CharField(
        _("name shown"), max_length=40, help_text=_("A chosen (fictitious) first name, never the real one."),
    )
    text = models.TextField(_("story"), max_length=3000)
    date = models.DateField(_("date"), validators=[validate_plausible_date, validate_not_in_future])
    tags = models.ManyToManyField(ThemeTag, blank=True, related_name="stories", verbose_name=_("what the group meant"))
    chosen_for_year = models.PositiveSmallIntegerField(
        _("chosen for the yearly report of"), null=True, blank=True,
        help_text=_("At most three stories per year are chosen by the coordinator."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self):
        return f"{self.display_name} – {self.group}"
