"""Positive Health, aggregated for the organisation: paired change from start to end per dimension.

For coordinators (``report_management_required``) over the teams *they coordinate* (administrators:
every team). The figures come from ``outcomes.health.paired_change`` and are shown only for at least
``MIN_PAIRS`` residents with both a start and an end measurement; there is no breakdown per team
(nothing to rank) and nothing here is offered for a report, an export or a municipality page.
"""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from collectief import access
from collectief.models import Municipality
from participants.health_chart import dimension_label
from reporting.forms import DashboardForm

from .health import MIN_PAIRS, paired_change


class HealthPeriodForm(DashboardForm):
    """The dashboard's period choice (a quarter, a year or custom dates), without a municipality."""

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, municipalities=Municipality.objects.none(), today=today, **kwargs)
        del self.fields["municipality"]


def coordinated_teams(user):
    """The teams whose residents count: those the user coordinates (an administrator: all)."""
    teams = access.teams_for(user)
    if not access.is_administrator(user):
        teams = teams.filter(pk__in=sorted(access.access_for(user).coordinated_team_ids))
    return teams


@access.report_management_required
@never_cache
@require_GET
def health_change(request):
    """Start → end per dimension for residents with both measurements; hidden under MIN_PAIRS."""
    today = timezone.localdate()
    bound = any(key in request.GET for key in ("period", "start", "end"))
    form = HealthPeriodForm(request.GET if bound else {"period": str(today.year)}, today=today)
    teams = list(coordinated_teams(request.user).select_related("municipality"))
    context = {"form": form, "teams": teams, "min_pairs": MIN_PAIRS}
    if form.is_valid():
        period = form.cleaned_data["resolved_period"]
        result = paired_change([team.pk for team in teams], period)
        for row in result["dimensions"]:
            row["label"] = dimension_label(row["dimension"])
        context.update({"period": period, "result": result})
    return render(request, "outcomes/health_change.html", context)
