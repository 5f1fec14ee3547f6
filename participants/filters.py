"""Filters of the participant list; choices only ever show the user's own teams."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from collectief.models import Neighbourhood, Team

from .models import Participant


def _teams(request):
    return Team.objects.for_user(request.user)


def _neighbourhoods(request):
    return Neighbourhood.objects.filter(municipality__in=_teams(request).values("municipality"))


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_name", max_length=100)
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=_teams, empty_label=_("All teams"))
    neighbourhood = django_filters.ModelChoiceFilter(
        label=_("Neighbourhood"), queryset=_neighbourhoods, empty_label=_("All neighbourhoods")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        method="filter_status",
        empty_label=_("Any status"),
        choices=[("active", _("Active")), ("inactive", _("Inactive"))],
    )

    class Meta:
        model = Participant
        fields = ["q", "team", "neighbourhood", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def filter_name(self, queryset, name, value):
        return queryset.search(value)

    def filter_status(self, queryset, name, value):
        # ``is_active`` is annotated by ``with_active_flag`` on the list's base queryset.
        return queryset.filter(is_active=(value == "active"))
