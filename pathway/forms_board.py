"""Forms of the bundling board (/collectieven/bundelen/): its filters, the bundle a link opens, the
action on the chosen residents of a bundle, and the new group started from a bundle."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief import access
from collectief.forms import FriendlyBlanksMixin, TeamScopedFormMixin
from collectief.models import LifeDomain, Municipality, Neighbourhood, Team
from collectief.validators import validate_plausible_date
from groups.forms import TimeInput
from groups.models import Group
from participants.forms import DateInput
from participants.models import HelpRequest

from . import requests
from .requests import AGE_BANDS, DAYPARTS, LANGUAGES

MIXED = "mixed"
# What a new group from the board may be: running or about to (the board places residents in it).
OPEN_GROUP_STATUSES = (Group.Status.FORMING, Group.Status.RUNNING)


class BoardFilterForm(forms.Form):
    """The facets as filters (GET, no JavaScript). A value that is not understood is left out."""

    age_band = forms.ChoiceField(label=_("Age group"), required=False,
                                 choices=[("", _("Any age")), *[(code, label) for code, label, *_r in AGE_BANDS]])
    language = forms.ChoiceField(label=_("Preferred language"), required=False,
                                 choices=[("", _("Any language")), *LANGUAGES.choices])
    daypart = forms.ChoiceField(label=_("Time of day"), required=False,
                                choices=[("", _("Any time of day")), *DAYPARTS.choices],
                                help_text=_("A request without a preferred time of day counts for every time of day."))

    def __init__(self, data):
        super().__init__(data)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"
        self.is_valid()  # fills cleaned_data with the values that are understood

    @property
    def used(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("age_band"):
            queryset = queryset.filter(age_band=data["age_band"])
        if data.get("language"):
            queryset = queryset.filter(language=data["language"])
        if data.get("daypart"):
            queryset = queryset.filter(requests.daypart_q(data["daypart"]))
        return queryset


class BundleChoice(forms.Form):
    """Which bundle the query string opens: ``?life_domain=<code>&wijk=<id>`` (a wijk) or
    ``&municipality=<id>`` (municipality-wide); without a life domain, or with ``view=mixed``,
    the mixed bundle of that wijk or municipality. Only wijken and municipalities of my teams."""

    view = forms.ChoiceField(choices=[("", ""), (MIXED, MIXED)], required=False)
    life_domain = forms.ModelChoiceField(queryset=LifeDomain.objects.all(), required=False)
    wijk = forms.ModelChoiceField(queryset=Neighbourhood.objects.none(), required=False)
    municipality = forms.ModelChoiceField(queryset=Municipality.objects.none(), required=False)

    def __init__(self, data, *, user):
        super().__init__(data)
        municipalities = Team.objects.for_user(user).values("municipality")
        self.fields["wijk"].queryset = Neighbourhood.objects.filter(municipality__in=municipalities)
        self.fields["municipality"].queryset = Municipality.objects.filter(pk__in=municipalities)
        self.user = user
        self.is_valid()

    @property
    def mixed(self) -> bool:
        data = self.cleaned_data
        return data.get("view") == MIXED or bool(self.selected and not data.get("life_domain"))

    @property
    def selected(self) -> bool:
        """Whether the query string names a bundle (valid or not)."""
        return any(self.data.get(name) for name in ("wijk", "municipality", "life_domain"))

    def bundle(self):
        """(life domain or None, wijk or None, municipality or None); None when nothing valid is named."""
        data = self.cleaned_data
        wijk, municipality = data.get("wijk"), data.get("municipality")
        domain = None if data.get("view") == MIXED else data.get("life_domain")
        if wijk is None and municipality is None:
            if not data.get("life_domain") or self.errors:
                return None
            # Only a life domain: its municipality-wide bundle, when my teams work in one municipality.
            only = list(Municipality.objects.filter(pk__in=Team.objects.for_user(self.user).values("municipality"))[:2])
            if len(only) != 1:
                return None
            municipality = only[0]
        if wijk is not None:
            municipality = None
        if self.errors.keys() & {"wijk", "municipality", "life_domain"}:
            return None
        return domain, wijk, municipality


def open_groups(user):
    """Groups of my teams that take residents from the board: forming or running."""
    return Group.objects.for_user(user).filter(status__in=OPEN_GROUP_STATUSES)


class BundleActionForm(forms.Form):
    """What to do with the residents chosen in a bundle."""

    START, ADD, WAIT = "start", "add", "wait"

    requests = forms.ModelMultipleChoiceField(
        queryset=HelpRequest.objects.none(), label=_("Residents"),
        error_messages={
            "required": _("Choose at least one resident."),
            "invalid_choice": _("One of the chosen help requests is no longer open: someone placed or closed it "
                                "meanwhile. Nothing was saved; look at the list again."),
            "invalid_pk_value": _("One of the chosen help requests is no longer open: someone placed or closed it "
                                  "meanwhile. Nothing was saved; look at the list again."),
        },
    )
    group = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, label=_("Group"),
        error_messages={"invalid_choice": _("This group cannot be chosen (any more). Choose one of the list.")},
    )
    start_date = forms.DateField(label=_("Start in the group on"), widget=DateInput(), required=False,
                                 validators=[validate_plausible_date])
    action = forms.ChoiceField(choices=[(START, START), (ADD, ADD), (WAIT, WAIT)],
                               error_messages={"required": _("Choose what to do."),
                                               "invalid_choice": _("Choose what to do.")})

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.fields["requests"].queryset = requests.bundleable(requests.for_user(user))
        self.fields["group"].queryset = open_groups(user).select_related("team", "neighbourhood")
        self.fields["start_date"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in (self.ADD, self.WAIT) and not cleaned.get("group") and "group" not in self.errors:
            self.add_error("group", _("Choose the group first (under “What already exists”)."))
        if action == self.ADD and not cleaned.get("start_date") and "start_date" not in self.errors:
            cleaned["start_date"] = timezone.localdate()
        return cleaned


# What a new group's usual start time is, from the time of day most of its residents prefer.
DAYPART_TIMES = {"morning": datetime.time(10, 0), "afternoon": datetime.time(14, 0), "evening": datetime.time(19, 30)}


class StartGroupForm(FriendlyBlanksMixin, TeamScopedFormMixin, forms.ModelForm):
    """A new group from a bundle, pre-filled; the chosen residents are ticked and can be unticked."""

    help_requests = forms.ModelMultipleChoiceField(
        queryset=HelpRequest.objects.none(), label=_("Residents to enrol"), widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one resident."),
            "invalid_choice": _("One of the chosen help requests is no longer open: someone placed or closed it "
                                "meanwhile. Nothing was saved; look at the list again."),
            "invalid_pk_value": _("One of the chosen help requests is no longer open: someone placed or closed it "
                                  "meanwhile. Nothing was saved; look at the list again."),
        },
    )

    class Meta:
        model = Group
        fields = [
            "name", "theme", "kind", "life_domains", "team", "neighbourhood", "location", "start_date", "rhythm",
            "usual_weekday", "usual_time", "planned_sessions", "capacity", "facilitators",
        ]
        widgets = {
            "life_domains": forms.CheckboxSelectMultiple,
            "facilitators": forms.CheckboxSelectMultiple,
            "start_date": DateInput(),
            "usual_time": TimeInput(),
        }

    def __init__(self, data=None, *, user, chosen=(), initial=None):
        super().__init__(data, initial=initial)
        teams = self.scope_to_user(user)
        self.fields["facilitators"].queryset = (
            get_user_model().objects.filter(is_active=True, memberships__team__in=teams.values("pk"))
            .distinct().order_by("first_name", "last_name", "username")
        )
        self.fields["facilitators"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["facilitators"].required = True
        self.fields["facilitators"].error_messages["required"] = _(
            "A group run by the organisation needs at least one social worker."
        )
        self.fields["kind"].queryset = self.fields["kind"].queryset.filter(active=True)
        self.fields["life_domains"].queryset = self.fields["life_domains"].queryset.filter(active=True)
        self.fields["kind"].empty_label = None
        self.fields["team"].empty_label = None
        self.fields["neighbourhood"].empty_label = _("Municipality-wide")
        for name in ("planned_sessions", "capacity"):
            self.fields[name].widget.attrs["min"] = 1
        self.fields["help_requests"].queryset = requests.bundleable(requests.for_user(user)).select_related(
            "participant"
        ).order_by("date", "id")
        # Only the chosen residents are offered (ticked): the form is about them, not the whole team.
        if chosen:
            self.fields["help_requests"].queryset = self.fields["help_requests"].queryset.filter(
                pk__in=[hr.pk for hr in chosen]
            )
        self.fields["help_requests"].label_from_instance = lambda hr: hr.participant.full_name
        self.order_fields(["help_requests", *self.Meta.fields])

    def clean(self):
        cleaned = super().clean()
        self.check_neighbourhood_in_team_municipality(cleaned)
        return cleaned

    @staticmethod
    def suggestion(user, chosen, domain, wijk, municipality) -> dict:
        """The pre-filled values: kind support, the bundle's life domain and wijk, my team, me."""
        teams = {hr.participant.team_id for hr in chosen}
        own = list(access.teams_for(user).filter(pk__in=teams)[:2]) if len(teams) == 1 else []
        if not own:
            own = list(Team.objects.filter(memberships__user=user).order_by("name")[:1])
        place = wijk.name if wijk else (municipality.name if municipality else "")
        if domain is not None:
            name = f"{domain.label} {place}".strip()
        else:
            name = (_("Mixed group %(place)s") % {"place": place}).strip()
        initial = {
            "name": name[:120], "theme": domain.label if domain else "", "kind": "support",
            "life_domains": [domain.pk] if domain else [], "neighbourhood": wijk.pk if wijk else None,
            "team": own[0].pk if own else None, "facilitators": [user.pk], "start_date": timezone.localdate(),
            "capacity": 10, "rhythm": Group.Rhythm.WEEKLY,
            "help_requests": [hr.pk for hr in chosen],
        }
        initial.update(_most_suited_time(chosen))
        return initial


def _most_suited_time(chosen) -> dict:
    """The weekday and time of day that suit most of the chosen residents (none named: nothing)."""
    days, parts = {}, {}
    for hr in chosen:
        for day in hr.preferred_days or ():
            days[day] = days.get(day, 0) + 1
        for part in hr.preferred_dayparts or ():
            parts[part] = parts.get(part, 0) + 1
    suggestion = {}
    if days:
        suggestion["usual_weekday"] = max(sorted(days), key=lambda d: days[d])
    if parts:
        order = list(DAYPART_TIMES)
        best = max(sorted(parts, key=lambda p: order.index(p) if p in order else len(order)), key=lambda p: parts[p])
        suggestion["usual_time"] = DAYPART_TIMES.get(best)
    return suggestion
