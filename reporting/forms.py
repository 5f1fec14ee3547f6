"""Forms of the reporting pages: every invalid input becomes a clear message, never a 500."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import QuarterlyReport
from .periods import Period, last_quarters, parse_period, parse_quarter, previous_quarter, quarter, quarter_of
from .presentation import period_name

CURRENT = "current"
CUSTOM = "custom"
MIN_YEAR = 2000


def current_quarter_to_date(today: datetime.date) -> Period:
    """The quarter that contains ``today``, up to and including today: the dashboard's default."""
    q = quarter_of(today)
    return Period(q.start, today, q.label)


def period_choices(today: datetime.date, extra: str = ""):
    quarters = [p.label for p in reversed(last_quarters(today, 8))]
    years = [str(today.year - i) for i in range(0, 3)]
    choices = [(CURRENT, _("This quarter up to today"))]
    choices += [(label, period_name(label)) for label in quarters]
    choices += [(y, y) for y in years]
    if extra and extra not in {c for c, _ in choices} and extra != CUSTOM:
        choices.append((extra, extra))
    choices.append((CUSTOM, _("Custom dates")))
    return choices


class DashboardForm(forms.Form):
    """Municipality (within the user's access) and period: a quarter, a year or custom dates."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None, required=False, empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your municipalities.")},
    )
    period = forms.CharField(label=_("Period"), required=False, max_length=40)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a valid date.")},
    )
    end = forms.DateField(
        label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a valid date.")},
    )

    def __init__(self, *args, municipalities, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["municipality"].queryset = municipalities
        raw = (self.data.get("period") or "") if self.is_bound else ""
        self.fields["period"].widget = forms.Select(
            choices=period_choices(today, raw[:40]), attrs={"class": "form-select"}
        )
        self.fields["municipality"].widget.attrs["class"] = "form-select"

    def clean_municipality(self):
        value = self.cleaned_data.get("municipality")
        if value is None:
            value = self.fields["municipality"].queryset.first()
        return value

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        choice = (data.get("period") or CURRENT).strip()
        if choice == CURRENT:
            data["resolved_period"] = current_quarter_to_date(self.today)
        elif choice == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Enter both a start and an end date for a custom period."))
            if end < start:
                raise forms.ValidationError(_("The end date lies before the start date."))
            if start.year < MIN_YEAR or end.year > self.today.year + 1:
                raise forms.ValidationError(_("Choose dates between %(min)s and next year.") % {"min": MIN_YEAR})
            if (end - start).days > 5 * 366:
                raise forms.ValidationError(_("A custom period can be at most five years long."))
            data["resolved_period"] = Period(start, end, f"{start.isoformat()}:{end.isoformat()}")
        else:
            try:
                period = parse_period(choice)
            except ValueError:
                raise forms.ValidationError(
                    _("Unknown period. Choose a quarter, a year or custom dates.")
                ) from None
            if period.start.year < MIN_YEAR or period.start.year > self.today.year + 1:
                raise forms.ValidationError(_("Choose a period between %(min)s and next year.") % {"min": MIN_YEAR})
            data["resolved_period"] = period
        return data


class GenerateForm(forms.Form):
    """Generate (or refresh) the quarterly report of a municipality for a quarter that has ended."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None, empty_label=None,
        error_messages={
            "invalid_choice": _("Choose one of your municipalities."),
            "required": _("Choose a municipality."),
        },
    )
    quarter = forms.CharField(label=_("Quarter"), max_length=10)

    def __init__(self, *args, municipalities, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["municipality"].queryset = municipalities
        ended = [p.label for p in reversed(last_quarters(previous_quarter(today).end, 8))]
        self.fields["quarter"].widget = forms.Select(
            choices=[(q, period_name(q)) for q in ended], attrs={"class": "form-select"}
        )
        self.fields["municipality"].widget.attrs["class"] = "form-select"
        self.fields["quarter"].initial = ended[0]

    def clean_quarter(self):
        # The one parser of periods (reporting.periods), also used by the commands.
        try:
            year, q = parse_quarter(self.cleaned_data.get("quarter", ""))
        except ValueError:
            raise forms.ValidationError(_("Choose a quarter, for example 2024Q3.")) from None
        if year < MIN_YEAR:
            raise forms.ValidationError(_("Choose a quarter from %(min)s on.") % {"min": MIN_YEAR})
        if quarter(year, q).end >= self.today:
            raise forms.ValidationError(_("Only a quarter that has ended can be reported."))
        return year, q


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Explanation (toelichting)"),
        required=False,
        max_length=QuarterlyReport.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Shown in the PDF for the municipality. No names or other personal data."),
        error_messages={
            "max_length": _("The explanation can be at most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )

    def clean_note(self):
        # Normalise line endings so the same text gives the same PDF.
        return self.cleaned_data["note"].replace("\r\n", "\n").strip()


class ApproveForm(forms.Form):
    """Carries the checksum of the PDF the coordinator looked at: exactly that one is approved.

    The coordinator confirms with a checkbox that they checked the figures and the explanation:
    a confirmation step that needs no JavaScript.
    """

    sha256 = forms.RegexField(
        regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput,
        error_messages={"invalid": _("The report has changed since you opened it. Check the new PDF and try again."),
                        "required": _("The report has changed since you opened it. Check the new PDF and try again.")},
    )
    confirm = forms.BooleanField(
        label=_("I have checked the figures and the explanation"),
        error_messages={"required": _("Confirm that you have checked the figures and the explanation.")},
    )

    def first_error(self) -> str:
        for field in ("sha256", "confirm"):
            if field in self.errors:
                return self.errors[field][0]
        return next(iter(self.errors.values()))[0]
