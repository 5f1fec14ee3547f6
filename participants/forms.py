import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief.models import Neighbourhood, Team

from .models import Participant

POSTCODE_RE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})\s*$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ParticipantForm(forms.ModelForm):
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
        self.user = user
        teams = Team.objects.for_user(user).select_related("municipality")
        self.fields["team"].queryset = teams
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(
            municipality__in=teams.values("municipality")
        ).select_related("municipality")
        if not self.instance.pk and len(teams) == 1:
            self.fields["team"].initial = teams[0].pk

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        if birth_date > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        if birth_date < datetime.date(1900, 1, 1):
            raise forms.ValidationError(_("Check the birth date: it is before 1900."))
        return birth_date

    def clean_postcode(self):
        postcode = self.cleaned_data.get("postcode", "")
        if not postcode:
            return ""
        match = POSTCODE_RE.match(postcode)
        if not match:
            raise forms.ValidationError(_("Enter a Dutch postcode such as 8921 AB."))
        return f"{match.group(1)} {match.group(2).upper()}"

    def clean(self):
        cleaned = super().clean()
        team, neighbourhood = cleaned.get("team"), cleaned.get("neighbourhood")
        if team and neighbourhood and neighbourhood.municipality_id != team.municipality_id:
            self.add_error("neighbourhood", _("This neighbourhood is not in the team's municipality."))
        return cleaned
