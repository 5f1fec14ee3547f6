"""Filters of the groups list; every choice is limited to what the user may see."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from collectief.models import GroupKind, LifeDomain, Neighbourhood, Team

from .models import Group


class GroupFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("Name"), max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search by name")}),
    )
    kind = django_filters.ModelChoiceFilter(queryset=GroupKind.objects.filter(active=True), label=_("kind"))
    status = django_filters.ChoiceFilter(choices=Group.Status.choices, label=_("status"))
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.none(), label=_("team"))
    neighbourhood = django_filters.ModelChoiceFilter(queryset=Neighbourhood.objects.none(), label=_("neighbourhood"))
    life_domain = django_filters.ModelChoiceFilter(
        field_name="life_domains", queryset=LifeDomain.objects.filter(active=True), label=_("life domain"),
    )

    class Meta:
        model = Group
        fields = ["q", "kind", "status", "team", "neighbourhood", "life_domain"]

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        teams = Team.objects.for_user(user)
        self.filters["team"].queryset = teams
        self.filters["neighbourhood"].queryset = Neighbourhood.objects.filter(
            municipality__in=teams.values("municipality")
        )
        for name in ("kind", "status", "team", "neighbourhood", "life_domain"):
            self.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.form.fields["q"].widget.attrs["class"] = "form-control form-control-sm"
