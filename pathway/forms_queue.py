"""Forms of the team queue (/ondersteuningsvragen/) and the weighing page of one help request."""

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from collectief.forms import FriendlyBlanksMixin
from collectief.models import LifeDomain, Neighbourhood, Team
from participants.forms import DateInput, preferred_dayparts_field, preferred_days_field
from participants.models import HelpRequest, IndividualSupport, Participant

from .requests import AGE_BAND_LABELS


class QueueFilterForm(forms.Form):
    """The queue's filters (GET). A value that is not understood is left out, never an error page."""

    STATUSES = HelpRequest.Status.choices

    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    route = forms.ChoiceField(label=_("Route"), required=False,
                              choices=[("", _("Any route")), *HelpRequest.Route.choices])
    life_domain = forms.ModelChoiceField(label=_("Life domain"), queryset=LifeDomain.objects.none(), required=False,
                                         empty_label=_("All life domains"))
    wijk = forms.ModelChoiceField(label=_("Neighbourhood"), queryset=Neighbourhood.objects.none(), required=False,
                                  empty_label=_("All neighbourhoods"))
    language = forms.ChoiceField(label=_("Preferred language"), required=False,
                                 choices=[("", _("Any language")), *Participant.Language.choices])
    age_band = forms.ChoiceField(label=_("Age group"), required=False,
                                 choices=[("", _("Any age")), *AGE_BAND_LABELS.items()])
    weeks = forms.IntegerField(label=_("Waiting longer than (weeks)"), required=False, min_value=0, max_value=520)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False,
                                  empty_label=_("All teams"))

    def __init__(self, data, *, user):
        super().__init__(data)
        teams = Team.objects.for_user(user)
        self.fields["team"].queryset = teams
        self.fields["wijk"].queryset = Neighbourhood.objects.filter(municipality__in=teams.values("municipality"))
        self.fields["life_domain"].queryset = LifeDomain.objects.filter(active=True)
        # One team: the team filter would only ever offer that team.
        self.teams = list(teams)
        if len(self.teams) < 2:
            del self.fields["team"]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        self.is_valid()  # fills cleaned_data with the values that are understood

    @property
    def status_value(self) -> str:
        return self.cleaned_data.get("status") or HelpRequest.Status.OPEN

    @property
    def used(self) -> list[str]:
        """Names of the filters in use (for the audit trail: names, never values)."""
        return sorted(name for name, value in self.cleaned_data.items() if value not in (None, "") and name != "status")

    def filter(self, queryset: QuerySet, on: datetime.date) -> QuerySet:
        """``queryset`` (annotated by ``pathway.requests.annotate``) narrowed by the valid filters."""
        data = self.cleaned_data
        queryset = queryset.filter(status=self.status_value)
        lookups = {
            "route": "route", "life_domain": "life_domain", "wijk": "participant__neighbourhood",
            "language": "participant__preferred_language", "age_band": "age_band", "team": "participant__team",
        }
        for name, lookup in lookups.items():
            if data.get(name) not in (None, ""):
                queryset = queryset.filter(**{lookup: data[name]})
        if data.get("weeks") is not None:
            # Waiting longer than N weeks: more than 7 × N days since the request.
            queryset = queryset.filter(date__lt=on - datetime.timedelta(weeks=data["weeks"]))
        return queryset


class WeighForm(FriendlyBlanksMixin, forms.Form):
    """"Afweging": the route chosen now, with the *tenzij* reason when individual, and a short why."""

    route = forms.ChoiceField(label=_("Route"), choices=HelpRequest.Route.choices, widget=forms.RadioSelect)
    tenzij_reason = forms.ChoiceField(
        label=_("Reason for individual support (tenzij)"), required=False,
        choices=[("", "---------"), *HelpRequest.TenzijReason.choices],
        help_text=_("Required when the route is individual: collective, unless…"),
    )
    why = forms.CharField(
        label=_("Why"), max_length=300, required=False,
        help_text=_("A short reason, without sensitive details: no diagnoses, no names, no stories of others."),
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )


class PreferredTimesForm(forms.Form):
    """The days and times of day that suit the resident."""

    preferred_days = preferred_days_field()
    preferred_dayparts = preferred_dayparts_field()


class MatchSupportForm(forms.Form):
    """Answer the request with one of the resident's periods of individual support."""

    support = forms.ModelChoiceField(
        label=_("Individual support"), queryset=IndividualSupport.objects.none(), widget=forms.RadioSelect,
        empty_label=None, error_messages={"required": _("Choose the individual support that answers the request.")},
    )

    def __init__(self, *args, help_request, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["support"]
        field.queryset = help_request.participant.individual_supports.select_related("framework")
        field.label_from_instance = _support_label


def _support_label(support: IndividualSupport) -> str:
    period = date_format(support.start_date, "j F Y")
    if support.end_date:
        period = f"{period} – {date_format(support.end_date, 'j F Y')}"
    return f"{support.product} · {support.framework} · {period}"


class CloseForm(FriendlyBlanksMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", "---------"), *HelpRequest.CloseReason.choices],
        error_messages={"required": _("Choose why the request is closed.")},
    )
    closed_on = forms.DateField(label=_("Closed on"), widget=DateInput(), initial=timezone.localdate)
