
import datetime

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from collectief.forms import FriendlyBlanksMixin, TeamScopedFormMixin
from collectief.models import PostcodeArea
from collectief.validators import normalise_postcode, validate_not_in_future, validate_plausible_date

from .models import WEEKDAYS, ChangeWish, Consent, HelpRequest, IndividualSupport, Measurement, Participant


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ParticipantForm(FriendlyBlanksMixin, TeamScopedFormMixin, forms.ModelForm):
    """Create or edit a resident; teams and neighbourhoods are limited to the user's teams."""

    class Meta:
        model = Participant
        fields = [
            "first_name", "last_name", "birth_date", "postcode", "neighbourhood", "team",
            "phone", "email", "preferred_language", "is_volunteer",
        ]
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = self.scope_to_user(user)
        if not self.instance.pk and len(teams) == 1:
            self.fields["team"].initial = teams[0].pk

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data.get("postcode", ""))

    def clean(self):
        cleaned = super().clean()
        team = cleaned.get("team")
        if team and cleaned.get("postcode") and not cleaned.get("neighbourhood") and "neighbourhood" in self.fields:
            # The wijk follows from the postcode when an administrator keeps the table; the worker
            # can still choose another one.
            cleaned["neighbourhood"] = PostcodeArea.objects.neighbourhood_for(
                cleaned["postcode"], [team.municipality_id]
            )
        self.check_neighbourhood_in_team_municipality(cleaned)
        return cleaned


class ParticipantEditForm(ParticipantForm):
    """Edit a resident's personal details, against the version the user opened (issue 10).

    The hidden ``version`` goes back with the save; when someone else saved in between, the view
    refuses the save and this form shows both: what the other person saved next to what this user
    typed (still filled in), posting "save my version" against the version now stored.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.stale = None  # what someone else saved meanwhile, once refused

    @property
    def opened_version(self) -> int | None:
        """The version the user opened; None (an old page without it): not checked."""
        return self.cleaned_data.get("version")

    @property
    def fields_to_save(self) -> list[str]:
        """The personal details that differ from what is stored now."""
        return [name for name in self.changed_data if name != "version"]

    def refused_as_stale(self, current: Participant, saved_by: str = "") -> None:
        """Someone else saved meanwhile: list where theirs and this user's input differ; a save
        from here ("save my version") is checked against the version now stored."""
        labels = {name: self.fields[name].label for name in self.fields}
        self.stale = {
            "participant": current,
            "by": saved_by,
            "differences": [
                {"field": name, "label": labels[name], "theirs": _shown(current, name),
                 "mine": _shown(self.instance, name)}
                for name in self.fields_to_save
            ],
        }
        self.data = self.data.copy()
        self.data["version"] = str(current.version)


def _shown(participant: Participant, name: str) -> str:
    """A personal detail as the user reads it (choice labels, dates, yes/no); "–" when empty."""
    value = getattr(participant, name)
    if value in (None, ""):
        return "–"
    if participant._meta.get_field(name).choices:
        return str(getattr(participant, f"get_{name}_display")())
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    return str(value)


# --- Registration with consent and the duplicate check ------------------------------------------


class ParticipantCreateForm(ParticipantForm):
    """A new resident: registering needs their consent; a likely duplicate needs a second look.

    ``ParticipantForm`` itself stays free of both, because walk-in registration in the session
    form reuses it and asks for consent in its own way.
    """

    consent_registration = forms.BooleanField(
        label=_("The resident has given consent for registration"),
        error_messages={
            "required": _(
                "Ask the resident for consent first. Without consent, count them as an anonymous "
                "walk-in at the session instead."
            )
        },
    )
    # Only shown next to the list of likely duplicates (see the participant_form template).
    not_a_duplicate = forms.BooleanField(label=_("This is someone else, save anyway"), required=False)


# --- What a resident brings: change wishes, help requests, support, consent ---------------------


class CodeListChoicesMixin:
    """Offer only active codes, but keep the current one of an existing row selectable."""

    code_fields: tuple[str, ...] = ()

    def limit_code_lists(self):
        for name in self.code_fields:
            field = self.fields[name]
            current = getattr(self.instance, f"{name}_id", None)
            field.queryset = field.queryset.model.objects.filter(
                models.Q(active=True) | models.Q(pk=current)
            )


class ChangeWishForm(FriendlyBlanksMixin, CodeListChoicesMixin, forms.ModelForm):
    code_fields = ("life_domain",)

    class Meta:
        model = ChangeWish
        fields = ["text", "life_domain", "status", "start_date"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
            "start_date": DateInput(),
        }
        help_texts = {
            "text": _("Write it down as the resident says it, e.g. “I want to get a grip on my money”."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_code_lists()
        if self.instance.pk:
            self.fields["text"].help_text = _(
                "Write it down as the resident says it now. The earlier wording stays in the wish's history."
            )

    def save(self, commit=True):
        wish = super().save(commit=False)
        wish.end_date = closing_date(wish)
        if commit:
            wish.save()
        return wish


def closing_date(wish):
    """A wish that is achieved or dropped closes today (kept if it was closed before); else open."""
    if wish.status in (ChangeWish.Status.ACHIEVED, ChangeWish.Status.DROPPED):
        # Never before the start: the database refuses a wish that closes before it began.
        return max(wish.end_date or timezone.localdate(), wish.start_date)
    return None


class ChangeWishStatusForm(forms.ModelForm):
    """The one-tap status change on the participant page."""

    class Meta:
        model = ChangeWish
        fields = ["status"]

    def save(self, commit=True):
        wish = super().save(commit=False)
        wish.end_date = closing_date(wish)
        if commit:
            wish.save(update_fields=["status", "end_date", "updated_at"])
        return wish


def preferred_days_field():
    """The days that suit the resident: checkboxes (a fieldset with a legend), none ticked = not asked."""
    return forms.TypedMultipleChoiceField(
        label=_("Days that suit"), choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def preferred_dayparts_field():
    return forms.MultipleChoiceField(
        label=_("Times of day that suit"), choices=HelpRequest.Daypart.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class HelpRequestForm(FriendlyBlanksMixin, CodeListChoicesMixin, forms.ModelForm):
    code_fields = ("life_domain",)
    preferred_days = preferred_days_field()
    preferred_dayparts = preferred_dayparts_field()

    class Meta:
        model = HelpRequest
        fields = [
            # Closing (with a reason) and matching happen on the weighing page (pathway:request).
            "theme", "life_domain", "date", "route", "tenzij_reason", "preferred_days", "preferred_dayparts",
        ]
        widgets = {"date": DateInput()}
        help_texts = {
            "tenzij_reason": _("Required when the route is individual: collective, unless…"),
            "theme": _("A few words, e.g. debts, loneliness, parenting a teenager."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_code_lists()



PRODUCT_SUGGESTIONS = [
    "Thuisondersteuning",
    "Praktische thuisondersteuning",
    "Persoonlijke verzorging",
    "Schuldhulpverlening",
    "Lichte opvoedondersteuning",
    "Ambulante begeleiding",
]


class IndividualSupportForm(FriendlyBlanksMixin, CodeListChoicesMixin, forms.ModelForm):
    code_fields = ("framework",)

    class Meta:
        model = IndividualSupport
        fields = ["product", "framework", "start_date", "end_date"]
        widgets = {
            "product": forms.TextInput(attrs={"list": "product-suggestions"}),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }
        help_texts = {"end_date": _("Leave empty while the support is still running.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_code_lists()

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start_date")
        product, framework = cleaned.get("product"), cleaned.get("framework")
        # The unique constraint includes the participant, which is not a form field, so the
        # form would not check it: a clash would otherwise end as a database error.
        if product and framework and start and self.instance.participant_id:
            clash = IndividualSupport.objects.filter(
                participant_id=self.instance.participant_id, product=product, framework=framework,
                start_date=start,
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError(_("This support period has already been registered."))
        return cleaned


class ConsentForm(FriendlyBlanksMixin, forms.ModelForm):
    given = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Consent given")), ("0", _("Consent withdrawn"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )

    class Meta:
        model = Consent
        fields = ["purpose", "given", "date"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate




class ExportForm(forms.Form):
    """Which file of a resident's data to download (right of access)."""

    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("json", "JSON")])


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=200,
        help_text=_("A few words, without names: for example “the resident asked for it by letter”."),
    )


class ErasureConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked the request: anonymise this resident's data. This cannot be undone."),
    )


# --- Positive Health (a conversation aid, never a score) ----------------------------------------


# A short, neutral description of each dimension, in our own words (not the licensed questionnaire).
DIMENSION_HELP = {
    "lichaamsfuncties": _("How the body is doing, as the resident experiences it."),
    "mentaal_welbevinden": _("How the resident is doing in their feelings and thoughts."),
    "zingeving": _("What gives the resident's life meaning and direction."),
    "kwaliteit_van_leven": _("How the resident values their life as a whole."),
    "meedoen": _("Belonging and taking part with other people."),
    "dagelijks_functioneren": _("Managing everyday life: the household, money, work or daytime activity."),
}
SCORE_CHOICES = [(str(score), str(score)) for score in range(0, 11)]


def talk_field_name(dimension: str) -> str:
    return f"talk_{dimension}"


class MeasurementForm(FriendlyBlanksMixin, forms.ModelForm):
    """A Positive Health conversation: moment, date, who filled it in, six scores 0–10 and, per
    dimension, "hier wil ik over praten" (stored together in ``talk_about``)."""

    date = forms.DateField(
        label=_("Date"), widget=DateInput(),
        validators=[validate_plausible_date, validate_not_in_future],
        error_messages={"required": _("Enter the date of the conversation."), "invalid": _("Enter a valid date.")},
    )

    class Meta:
        model = Measurement
        fields = ["moment", "date", "filled_by", *Measurement.DIMENSIONS]
        widgets = {"moment": forms.RadioSelect, "filled_by": forms.RadioSelect}
        error_messages = {
            "moment": {"required": _("Choose the moment: start, interim or end.")},
            "filled_by": {"required": _("Say who filled it in: the resident, or the two of you together.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("moment", "filled_by"):
            # A radio group offers no empty choice.
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        if self.instance.pk is None:
            self.fields["date"].initial = timezone.localdate
        for code in Measurement.DIMENSIONS:
            label = self.fields[code].label
            self.fields[code] = forms.TypedChoiceField(
                label=label, choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect,
                help_text=DIMENSION_HELP[code],
                error_messages={
                    "required": _("Choose a number from 0 to 10 for “%(dimension)s”.") % {"dimension": label},
                    "invalid_choice": _("Choose a number from 0 to 10 for “%(dimension)s”.") % {"dimension": label},
                },
            )
            self.fields[talk_field_name(code)] = forms.BooleanField(
                label=_("I want to talk about this"), required=False,
                initial=code in (self.instance.talk_about or []),
            )

    def dimensions(self):
        """(score field, talk field) per dimension, in the order of the chart."""
        return [(self[code], self[talk_field_name(code)]) for code in Measurement.DIMENSIONS]

    def clean(self):
        cleaned = super().clean()
        # Not a form field of its own: one checkbox per dimension fills the list.
        self.instance.talk_about = [
            code for code in Measurement.DIMENSIONS if cleaned.get(talk_field_name(code))
        ]
        return cleaned

    @property
    def fields_changed(self) -> list[str]:
        """The stored fields this form changed (the talk checkboxes count as ``talk_about``)."""
        names = [n for n in self.changed_data if not n.startswith("talk_")]
        if any(n.startswith("talk_") for n in self.changed_data):
            names.append("talk_about")
        return names
