from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Neighbourhood, Team


class TeamScopedFormMixin:
    """For a ModelForm with ``team`` and ``neighbourhood`` fields: only the user's teams, and
    only neighbourhoods of those teams' municipalities; the two must belong together."""

    def scope_to_user(self, user):
        """Limit the choices to the user's teams; return those teams."""
        self.user = user
        teams = Team.objects.for_user(user).select_related("municipality")
        self.fields["team"].queryset = teams
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(
            municipality__in=teams.values("municipality")
        ).select_related("municipality")
        return teams

    def check_neighbourhood_in_team_municipality(self, cleaned):
        team, neighbourhood = cleaned.get("team"), cleaned.get("neighbourhood")
        if team and neighbourhood and neighbourhood.municipality_id != team.municipality_id:
            self.add_error("neighbourhood", _("This neighbourhood is not in the team's municipality."))


CHOOSE = _("Choose…")


def friendly_blanks(form) -> None:
    """Say "Kies…" instead of Django's "---------" on every select that may be left empty or must be chosen."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
            if field.empty_label == "---------":
                field.empty_label = CHOOSE
        elif isinstance(field, forms.ChoiceField) and field.choices:
            choices = list(field.choices)
            if choices and choices[0][0] == "" and choices[0][1] == "---------":
                field.choices = [("", CHOOSE), *choices[1:]]


class FriendlyBlanksMixin:
    """Apply ``friendly_blanks`` after the form is built."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        friendly_blanks(self)
