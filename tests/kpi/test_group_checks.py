""""Draait het nog?" is counted apart from the groups the organisation runs (issue 11)."""

import datetime

from django.urls import reverse

from groups.models import GroupCheck
from reporting import kpi
from reporting.periods import quarter
from tests.factories import GroupFactory, TeamFactory

Q3 = quarter(2024, 3)
D = datetime.date


def _self_running(team):
    return GroupFactory(team=team, status="self_running", handed_over_on=D(2024, 3, 1))


def test_the_latest_check_per_group_in_the_period_counts(municipality, other_municipality, team_a):
    walking, coffee, quiet = _self_running(team_a), _self_running(team_a), _self_running(team_a)
    GroupCheck.objects.create(group=walking, date=D(2024, 7, 2), still_meets=False)
    GroupCheck.objects.create(group=walking, date=D(2024, 9, 1), still_meets=True, approx_attendance=8)
    GroupCheck.objects.create(group=coffee, date=D(2024, 8, 1), still_meets=True, approx_attendance=12)
    GroupCheck.objects.create(group=quiet, date=D(2024, 8, 1), still_meets=False)
    # Not in Q3, not of this municipality.
    GroupCheck.objects.create(group=coffee, date=D(2024, 10, 1), still_meets=False)
    elsewhere = _self_running(TeamFactory(municipality=other_municipality))
    GroupCheck.objects.create(group=elsewhere, date=D(2024, 8, 1), still_meets=True, approx_attendance=50)

    assert kpi.group_checks(municipality, Q3) == {"checked": 3, "still_meeting": 2, "about": 20}
    assert kpi.group_checks(municipality, quarter(2024, 2)) == {"checked": 0, "still_meeting": 0, "about": 0}


def test_the_dashboard_shows_the_checks_next_to_the_self_running_groups(municipality, team_a, coordinator,
                                                                          client_for):
    GroupCheck.objects.create(group=_self_running(team_a), date=D(2024, 8, 1), still_meets=True,
                              approx_attendance=9)
    body = client_for(coordinator).get(reverse("reporting:dashboard"),
                                       {"municipality": municipality.pk, "period": "2024Q3"}).content.decode()
    block = body[body.find('id="group-checks"'):]
    assert "1 groep nagevraagd, 1 komt nog bij elkaar (ongeveer 9 mensen)" in block[:300]


def test_waiting_days_round_half_up_to_one_decimal():
    # percentile_cont gives a double: 148.45 must show as 148.5, as a person rounds, not 148.4.
    assert kpi._one_decimal(148.45) == 148.5
    assert kpi._one_decimal(2.25) == 2.3
    assert kpi._one_decimal(None) is None
