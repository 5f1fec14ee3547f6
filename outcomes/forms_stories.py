"""Forms for stories (verhalen): a story of a group, and choosing up to three for the yearly report.

Every invalid input gives a Dutch message and nothing is saved; a resident who has not consented
to be quoted cannot be linked (the view points to the resident's consent section).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from participants.models import Consent, Participant
from reporting import privacy

from .models import Story, ThemeTag

TAG_CHOICE_ERROR = _("Choose what the group meant from the list.")


def group_residents(group):
    """The residents ever enrolled in the group (not anonymised), each with ``quote_consent``: their
    newest "quote in a report" decision (True, False or None), the rule of ``Story.with_consent``."""
    newest = Consent.objects.filter(
        participant=OuterRef("pk"), purpose=Consent.Purpose.QUOTE_REPORT
    ).order_by("-date", "-created_at", "-id").values("given")[:1]
    return (
        Participant.objects.filter(enrolments__group=group, erased_at__isnull=True)
        .distinct()
        .annotate(quote_consent=Subquery(newest))
        .order_by("sort_name", "first_name", "pk")
    )


class ResidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.quote_consent:
            return _("%(name)s (consent to be quoted given)") % {"name": obj.full_name}
        return _("%(name)s (no consent to be quoted)") % {"name": obj.full_name}


class StoryForm(forms.ModelForm):
    """A story of a group: the text, a chosen (fictitious) first name, the date, what the group
    meant, and optionally the resident it belongs to."""

    participant = ResidentChoiceField(
        label=_("Resident (optional)"), queryset=Participant.objects.none(), required=False,
        empty_label=_("No resident: the story is not linked to anyone"),
        help_text=_("Link the story only when the resident has given consent to be quoted in a report."),
        error_messages={"invalid_choice": _("Choose a resident of this group, or none.")},
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("What the group meant"), queryset=ThemeTag.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": TAG_CHOICE_ERROR, "invalid_pk_value": TAG_CHOICE_ERROR,
                        "invalid_list": TAG_CHOICE_ERROR},
    )

    class Meta:
        model = Story
        fields = ["text", "display_name", "date", "tags", "participant"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 7}),
            "date": DateInput(),
        }
        labels = {"text": _("The story"), "display_name": _("Name shown")}
        help_texts = {
            "text": _("In the resident's own words where possible. No real names, addresses or dates of birth: "
                      "a chosen story goes to the municipality."),
            "display_name": _("A chosen (fictitious) first name, never the real name."),
        }
        error_messages = {
            "text": {"required": _("Write the story."),
                     "max_length": _("A story has at most %(limit_value)d characters (it has %(show_value)d).")},
            "display_name": {"required": _("Choose a (fictitious) first name to show with the story."),
                             "max_length": _("A name has at most %(limit_value)d characters.")},
            "date": {"required": _("Enter the date of the story."), "invalid": _("Enter a valid date.")},
        }

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.instance.group = group
        self.fields["participant"].queryset = group_residents(group)
        if not self.instance.pk and not self.initial.get("date"):
            # The instance's empty date would win over a field initial: today goes in the form's initial.
            self.initial["date"] = timezone.localdate()

    def clean_display_name(self):
        return (self.cleaned_data.get("display_name") or "").strip()

    def clean_participant(self):
        participant = self.cleaned_data.get("participant")
        if participant is not None and not participant.quote_consent:
            raise ValidationError(
                _("%(name)s has not given consent to be quoted in a report. Record the consent in the resident's "
                  "consent section first, or save the story without linking the resident."),
                params={"name": participant.full_name},
            )
        return participant

    def clean(self):
        cleaned = super().clean()
        name, participant = cleaned.get("display_name"), cleaned.get("participant")
        if name and participant is not None and name.casefold() in {
            participant.first_name.strip().casefold(), participant.last_name.strip().casefold(),
        }:
            self.add_error("display_name", _("This is the resident's real name. Choose a fictitious first name."))
        text = cleaned.get("text")
        if text and not self.has_error("text"):
            found = privacy.check_note(f"{name or ''}\n{text}", self.group.team.municipality)
            if found:
                self.add_error("text", _(
                    "The story may contain personal data of a resident: %(found)s. Take it out: a chosen story "
                    "goes to the municipality."
                ) % {"found": "; ".join(privacy.describe(found))})
        return cleaned


class ChooseForm(forms.Form):
    """Choose a story for the yearly report, or take it back: one button per story."""

    story = forms.IntegerField(min_value=1, max_value=2**31 - 1, error_messages={
        "required": _("Choose a story."), "invalid": _("Choose a story."),
        "min_value": _("Choose a story."), "max_value": _("Choose a story."),
    })
    action = forms.ChoiceField(choices=[("choose", "choose"), ("unchoose", "unchoose")], error_messages={
        "required": _("Choose whether to add or remove the story."),
        "invalid_choice": _("Choose whether to add or remove the story."),
    })


class YearForm(forms.Form):
    """Which municipality and year the coordinator chooses stories for (a GET form)."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None, empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your municipalities."),
                        "required": _("Choose one of your municipalities.")},
    )
    year = forms.TypedChoiceField(
        label=_("Year"), coerce=int,
        error_messages={"invalid_choice": _("Choose a year from the list."), "required": _("Choose a year.")},
    )

    YEARS_BACK = 5

    def __init__(self, *args, municipalities, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["year"].choices = [(y, str(y)) for y in range(today.year, today.year - self.YEARS_BACK - 1, -1)]
        self.fields["year"].initial = today.year
