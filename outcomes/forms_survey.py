"""Forms of the experience survey: paper entry by staff, a link for a group, the public fill-in page.

Which statements a form holds depends on who fills it in (the respondent type), so every form is
two steps that work without JavaScript: first the respondent type (a GET form), then the statements
asked of that type. Every invalid input gives a Dutch message, never a 500.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief.validators import (
    show_date,
    validate_at_most_a_year_ahead,
    validate_not_in_future,
    validate_plausible_date,
)
from participants.forms import DateInput

from .models import RespondentType, SurveyResponse, ThemeTag
from .services import LINK_DAYS_OPEN

# The 5-point scale: 1–2 disagree, 3 neutral, 4–5 agree (outcomes/survey.py counts it so).
SCALE = [
    (1, _("Strongly disagree")),
    (2, _("Disagree")),
    (3, _("Neutral")),
    (4, _("Agree")),
    (5, _("Strongly agree")),
]
MARKS = [(n, str(n)) for n in range(1, 11)]
TEXT_MAX = 2000
# What a resident who fills in the survey themselves reads for each respondent type (B1).
PUBLIC_TYPES = [
    (RespondentType.RESIDENT, _("I take part in the group myself")),
    (RespondentType.YOUTH, _("I am a young person and take part in the group")),
    (RespondentType.PARENT, _("I am a parent or carer of someone in the group")),
]


def statement_field_name(statement) -> str:
    return f"s_{statement.code}"


def _respondent_type_field(choices, required_message):
    return forms.ChoiceField(
        label=_("Who filled it in?"), choices=choices, widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


class PaperStartForm(forms.Form):
    """Step 1 of paper entry: who filled the form in, at which moment, on which date.

    Kept from one paper form to the next ("Opslaan en volgende").
    """

    respondent_type = _respondent_type_field(
        RespondentType.choices, _("Choose who filled in the form: a resident, a young person or a parent or carer."),
    )
    moment = forms.ChoiceField(
        label=_("Moment"), choices=SurveyResponse.Moment.choices, widget=forms.RadioSelect,
        initial=SurveyResponse.Moment.END,
        error_messages={"required": _("Choose the moment: the end of the group or the follow-up."),
                        "invalid_choice": _("Choose the moment: the end of the group or the follow-up.")},
    )
    date = forms.DateField(
        label=_("Filled in on"), widget=DateInput(), validators=[validate_plausible_date, validate_not_in_future],
        error_messages={"required": _("Enter the date the form was filled in."),
                        "invalid": _("Enter a valid date.")},
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["date"].initial = timezone.localdate()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < self.group.start_date:
            raise ValidationError(
                _("The group started on %(date)s: a form about it cannot be older."),
                params={"date": show_date(self.group.start_date)},
            )
        return day


class PublicStartForm(forms.Form):
    """Step 1 of the public page: who fills the survey in (nothing more: no personal data)."""

    respondent_type = _respondent_type_field(PUBLIC_TYPES, _("Choose who fills in this survey."))


class ResponseForm(forms.Form):
    """Step 2: the statements asked of the respondent type, the mark and the two open questions.

    ``statements`` are the survey's statements for this respondent type; one radio group each,
    with an option for no answer (no Answer row is stored for it). ``paper`` adds the theme tags
    staff give the open answers; the public form has a honeypot field instead.
    """

    mark = forms.TypedChoiceField(
        label=_("Which mark do you give the group?"), choices=[("", _("No mark"))] + MARKS, coerce=int,
        empty_value=None, required=False, help_text=_("1 is very bad, 10 is very good."),
        error_messages={"invalid_choice": _("Choose a mark from 1 to 10.")},
    )
    what_helped = forms.CharField(
        label=_("What helped you?"), required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Write at most %(limit_value)d characters (now %(show_value)d).")},
    )
    do_differently = forms.CharField(
        label=_("What would you do differently?"), required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Write at most %(limit_value)d characters (now %(show_value)d).")},
    )

    def __init__(self, *args, statements, paper: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements, self.paper = list(statements), paper
        no_answer = _("Not filled in") if paper else _("No answer")
        for statement in self.statements:
            self.fields[statement_field_name(statement)] = forms.TypedChoiceField(
                label=statement.text, choices=[*SCALE, ("", no_answer)], coerce=int, empty_value=None,
                required=False, widget=forms.RadioSelect,
                initial="" if paper else None,
                error_messages={"invalid_choice": _("Choose one of the answers.")},
            )
        if paper:
            self.fields["themes"] = forms.ModelMultipleChoiceField(
                label=_("Themes in the open answers"), queryset=ThemeTag.objects.all(), required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("What the open answers are about; counted on the Ervaringen page."),
                error_messages={"invalid_choice": _("Choose themes from the list."),
                                "invalid_pk_value": _("Choose themes from the list.")},
            )
        else:
            # A field people never see (and screen readers skip): a robot that fills in everything
            # fills this in too, and its response is not stored.
            self.fields["website"] = forms.CharField(required=False, label=_("Leave this field empty"))
            self.fields["mark"].label = _("Which mark do you give the group?")
            self.fields["what_helped"].label = _("What helped you in the group?")
            self.fields["do_differently"].label = _("What would you do differently in the group?")

    def statement_fields(self):
        return [self[statement_field_name(statement)] for statement in self.statements]

    def is_spam(self) -> bool:
        return bool(not self.paper and self.cleaned_data.get("website"))

    def answers(self) -> dict:
        """{statement: 1–5} for the statements answered; the others are left out."""
        found = {}
        for statement in self.statements:
            value = self.cleaned_data.get(statement_field_name(statement))
            if value is not None:
                found[statement] = value
        return found

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        empty = not self.answers() and cleaned.get("mark") is None
        empty = empty and not cleaned.get("what_helped", "").strip() and not cleaned.get("do_differently", "").strip()
        if empty and not self.is_spam():
            raise ValidationError(
                _("Nothing has been filled in yet: fill in at least one answer, the mark or an open question.")
                if self.paper else _("You have not filled in anything yet. Choose an answer for at least one sentence.")
            )
        return cleaned


class LinkForm(forms.Form):
    """A new link (and QR code) for the group's survey: the moment and until when it stays open."""

    moment = forms.ChoiceField(
        label=_("Moment"), choices=SurveyResponse.Moment.choices, widget=forms.RadioSelect,
        initial=SurveyResponse.Moment.END,
        error_messages={"required": _("Choose the moment: the end of the group or the follow-up."),
                        "invalid_choice": _("Choose the moment: the end of the group or the follow-up.")},
    )
    open_until = forms.DateField(
        label=_("Open up to and including"), widget=DateInput(),
        validators=[validate_plausible_date, validate_at_most_a_year_ahead],
        help_text=_("Four weeks from today, unless you choose otherwise."),
        error_messages={"required": _("Enter until when the link stays open."), "invalid": _("Enter a valid date.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["open_until"].initial = timezone.localdate() + datetime.timedelta(days=LINK_DAYS_OPEN)

    def clean_open_until(self):
        day = self.cleaned_data["open_until"]
        if day < timezone.localdate():
            raise ValidationError(_("This date has passed: a link must be open at least today."))
        return day
