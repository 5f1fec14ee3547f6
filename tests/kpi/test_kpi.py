"""KPI figures against the hand-built data set of conftest.py (answers worked out by hand there)."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collectief.models import MunicipalityTarget
from groups.models import Attendance
from reporting.kpi import KPI_KEYS, compute_kpis, trend
from reporting.periods import date_range, parse_period, quarter
from tests.factories import (
    AttendanceFactory,
    GroupFactory,
    IndividualSupportFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    SessionFactory,
    TeamFactory,
)

D = datetime.date


@pytest.fixture
def figures(kpi_data):
    return compute_kpis(kpi_data.municipality, kpi_data.period)


def test_kpi_set_has_exactly_the_contract_keys_and_is_json(figures):
    assert tuple(figures) == KPI_KEYS
    assert json.loads(json.dumps(figures)) == figures


def test_whole_kpi_set_matches_the_hand_computed_answers(figures, expected):
    assert figures == expected


def test_residents_collective_counts_present_at_counting_support_sessions_only(figures):
    # Anna, Bram, Cees, Lotte; not Dirk (absent), Eva (excused), Fenna (outside P / cancelled),
    # Gijs (meet and youth only), Ids (other municipality).
    assert figures["residents_collective"] == 4


def test_sessions_on_first_and_last_day_count_and_the_days_around_do_not(kpi_data):
    g = kpi_data.municipality
    # 30 Jun and 1 Oct sessions (Geld Telt) fall outside 2024Q3 ...
    assert compute_kpis(g, kpi_data.period)["sessions_held"] == 4
    # ... and inside a period that reaches one day further on either side. (Issue 8: Kookgroep's
    # sessions of 30 Jun and 1 Oct lie on or after its hand-over date, 30 Jun: they never count.)
    wider = compute_kpis(g, date_range(D(2024, 6, 30), D(2024, 10, 1)))
    assert wider["sessions_held"] == 4 + 2
    # Fenna (30 Jun, 1 Oct) joins the collective residents; Gijs (Kookgroep 1 Oct) does not.
    assert wider["residents_collective"] == 4 + 1


def test_a_period_of_one_day_counts_that_day(kpi_data):
    one_day = compute_kpis(kpi_data.municipality, date_range(D(2024, 9, 30), D(2024, 9, 30)))
    # Geld Telt on 30 Sep: Bram present, Anna excused; Jongerencafé (youth) the same day.
    assert one_day["sessions_held"] == 1
    assert one_day["residents_collective"] == 1
    assert one_day["attendance_rate"] == 0.5
    assert one_day["groups_active_by_kind"] == {"support": 1, "meet": 0, "youth": 1}
    assert one_day["walk_ins"] == 1


def test_cancelled_sessions_count_for_nothing(kpi_data, figures):
    # Bram was present at the cancelled 15 Aug session too: he counts once, through 30 Sep.
    # Kookgroep has only a cancelled session in P: not active, its head count is no walk-in.
    names = [row["group"] for row in figures["participants_per_group"]]
    assert "Kookgroep" not in names
    assert figures["walk_ins"] == 6


def test_absent_and_excused_count_in_the_attendance_rate_denominator(figures):
    # 10 marks at counting sessions (incl. Dirk absent, Anna and Eva excused, Lotte absent), 6 present.
    assert figures["attendance_rate"] == 0.6


def test_attendance_rate_is_null_when_nothing_was_marked(kpi_data):
    empty = compute_kpis(kpi_data.municipality, quarter(2021, 1))
    assert empty["attendance_rate"] is None
    assert empty["residents_collective"] == 0
    assert empty["participants_per_group"] == []
    assert empty["groups_active_by_kind"] == {"support": 0, "meet": 0, "youth": 0}


def test_participant_in_two_groups_counts_once_overall_and_in_each_group(figures):
    per_group = {row["group"]: row["participants"] for row in figures["participants_per_group"]}
    # Anna: Geld Telt (1 Jul) and Wandelgroep (10 Aug).
    assert per_group["Geld Telt"] == 2 and per_group["Wandelgroep"] == 3
    assert figures["residents_collective"] == 4 < per_group["Geld Telt"] + per_group["Wandelgroep"]


def test_meet_and_youth_groups_are_reported_by_kind_but_not_counted(figures):
    assert figures["groups_active"] == 2
    assert figures["groups_active_by_kind"] == {"support": 2, "meet": 1, "youth": 1}
    # Gijs is only in the meet and youth groups; their head counts (4, 6) are no walk-ins.
    assert figures["residents_collective"] == 4
    assert figures["walk_ins"] == 6
    assert figures["sessions_held"] == 4


def test_participants_per_group_lists_every_active_group_sorted_by_name(figures, expected):
    assert [row["group"] for row in figures["participants_per_group"]] == [
        "Geld Telt", "Jongerencafé", "Ontmoeten Creatief", "Wandelgroep"
    ]
    assert figures["participants_per_group"] == expected["participants_per_group"]
    assert len(figures["participants_per_group"]) == sum(figures["groups_active_by_kind"].values())


def test_another_municipality_is_excluded(kpi_data):
    other = compute_kpis(kpi_data.other_municipality, kpi_data.period)
    # Heerenveen: its own group with Ids present, Ids's individual support, its own target.
    assert other["residents_collective"] == 1
    assert other["residents_individual"] == 1
    assert other["residents_both"] == 1
    assert other["groups_active"] == 1
    assert other["walk_ins"] == 7
    assert other["new_groups"] == 1 and other["groups_handed_over"] == 1
    assert other["target"] == {"year": 2024, "target": 999, "residents_collective_ytd": 1, "progress": 0.001}
    assert other["by_life_domain"]["financien"] == 1
    assert other["by_neighbourhood"] == {"Heerenveen-Noord": 1}


def test_individual_support_overlapping_the_period_counts(figures):
    # Anna (ends in P), Cees (starts in P, open), Gijs (starts on the last day), Joost (two
    # periods, once); not Eva (ended the day before), Karin (starts the day after), Ids (other).
    assert figures["residents_individual"] == 4


def test_individual_support_counts_for_the_municipality_of_the_participants_team(kpi_data):
    # Ids (Heerenveen team) has support running in P and does not count for Leeuwarden;
    # moved to a Leeuwarden team, Ids does.
    ids = ParticipantFactory._meta.model.objects.get(first_name="Ids")
    ids.team = TeamFactory(municipality=kpi_data.municipality, name="Wijkteam West")
    ids.save()
    assert compute_kpis(kpi_data.municipality, kpi_data.period)["residents_individual"] == 5


def test_both_only_and_total(figures):
    assert figures["residents_both"] == 2  # Anna, Cees
    assert figures["residents_collective_only"] == 2  # Bram, Lotte
    assert figures["residents_individual_only"] == 2  # Gijs, Joost
    assert figures["residents_total"] == 6
    assert figures["residents_total"] == (
        figures["residents_collective_only"] + figures["residents_individual_only"] + figures["residents_both"]
    )


def test_by_life_domain_has_every_code_and_counts_residents_once_per_domain(figures, expected):
    assert figures["by_life_domain"] == expected["by_life_domain"]
    assert len(figures["by_life_domain"]) == 13


def test_by_neighbourhood_puts_residents_without_one_under_the_empty_key(figures):
    assert figures["by_neighbourhood"] == {"Bilgaard": 1, "Heechterp": 2, "": 1}
    assert sum(figures["by_neighbourhood"].values()) == figures["residents_collective"]


def test_collective_residents_are_counted_by_the_groups_municipality(kpi_data):
    # A Heerenveen resident in a Leeuwarden group counts for Leeuwarden's collective figures
    # (the group is Leeuwarden's), under their own neighbourhood, but not for its individual ones.
    ids = ParticipantFactory._meta.model.objects.get(first_name="Ids")
    session = kpi_data.groups.geld_telt.sessions.get(date=D(2024, 7, 1))
    AttendanceFactory(session=session, participant=ids, status=Attendance.Status.PRESENT)
    figures = compute_kpis(kpi_data.municipality, kpi_data.period)
    assert figures["residents_collective"] == 5
    assert figures["residents_individual"] == 4
    assert figures["residents_both"] == 2
    assert figures["by_neighbourhood"]["Heerenveen-Noord"] == 1


def test_walk_ins_come_only_from_counting_support_sessions(figures):
    # 2 + 1 + 0 + 3; not 8 (30 Jun), 5 (cancelled), 9 (1 Oct), 4 (cancelled Kookgroep),
    # 4 (meet), 6 (youth), 7 (Heerenveen).
    assert figures["walk_ins"] == 6
    assert figures["residents_collective"] == 4  # walk-ins are never added to residents


def test_new_groups_and_groups_handed_over(figures):
    assert figures["new_groups"] == 1  # Geld Telt, 1 Jul
    assert figures["groups_handed_over"] == 1  # Wandelgroep, 30 Sep


def test_handed_over_counts_by_its_date_even_after_the_group_ended(kpi_data):
    # A group handed over in Q3 and ended later is still "handed over in Q3" when Q3 is rerun.
    wandelgroep = kpi_data.groups.wandelgroep
    wandelgroep.status = wandelgroep.Status.ENDED
    wandelgroep.save()
    assert compute_kpis(kpi_data.municipality, kpi_data.period)["groups_handed_over"] == 1


def test_target_and_year_to_date(figures):
    # YTD 1 Jan - 30 Sep 2024: Anna, Bram, Cees, Lotte + Fenna (30 Jun); Karin's 2023 visit is out.
    assert figures["target"] == {"year": 2024, "target": 50, "residents_collective_ytd": 5, "progress": 0.1}


def test_target_is_null_without_a_target_and_uses_the_year_the_period_ends_in(kpi_data):
    MunicipalityTarget.objects.filter(year=2024).delete()
    figures = compute_kpis(kpi_data.municipality, kpi_data.period)
    assert figures["target"] == {"year": 2024, "target": None, "residents_collective_ytd": 5, "progress": None}
    # A range from December 2023 into 2024 reports against 2024 (here: none left) with YTD from 1 Jan.
    across = compute_kpis(kpi_data.municipality, date_range(D(2023, 12, 1), D(2024, 7, 1)))
    assert across["target"]["year"] == 2024
    # Fenna (30 Jun), Anna (1 Jul); Bram's 30 Jun was at Kookgroep on its hand-over date (issue 8).
    assert across["target"]["residents_collective_ytd"] == 2
    assert across["residents_collective"] == 3  # + Karin on 31 Dec 2023


def test_a_year_period_reports_the_whole_year(kpi_data):
    figures = compute_kpis(kpi_data.municipality, parse_period("2024"))
    # + Fenna (30 Jun, 1 Oct); Karin's visit was in 2023. Kookgroep's sessions (Gijs on 1 Oct) lie
    # on or after its hand-over date (30 Jun) and do not count (issue 8).
    assert figures["residents_collective"] == 5
    assert figures["sessions_held"] == 4 + 2  # + Geld Telt 30 Jun, 1 Oct
    assert figures["target"]["residents_collective_ytd"] == 5
    assert figures["new_groups"] == 2  # + Kookgroep (30 Jun)
    assert figures["groups_handed_over"] == 2  # + Kookgroep


def test_compute_kpis_accepts_a_municipality_id(kpi_data, figures):
    assert compute_kpis(kpi_data.municipality.pk, kpi_data.period) == figures


def test_trend_gives_residents_and_sessions_per_period_in_order(kpi_data):
    periods = [quarter(2024, 2), quarter(2024, 3), quarter(2024, 4)]
    assert trend(kpi_data.municipality, periods) == [
        # Q2: 30 Jun Geld Telt (Fenna); Kookgroep (Bram) is on its hand-over date and does not count.
        {"label": "2024Q2", "start": "2024-04-01", "end": "2024-06-30", "residents_collective": 1,
         "sessions_held": 1},
        {"label": "2024Q3", "start": "2024-07-01", "end": "2024-09-30", "residents_collective": 4,
         "sessions_held": 4},
        # Q4: 1 Oct Geld Telt (Fenna); Kookgroep (Gijs) runs itself since 30 Jun.
        {"label": "2024Q4", "start": "2024-10-01", "end": "2024-12-31", "residents_collective": 1,
         "sessions_held": 1},
    ]
    assert trend(kpi_data.municipality, []) == []


def test_trend_agrees_with_compute_kpis(kpi_data, figures):
    (row,) = trend(kpi_data.municipality, [kpi_data.period])
    assert (row["residents_collective"], row["sessions_held"]) == (
        figures["residents_collective"], figures["sessions_held"]
    )


# --- Query count -------------------------------------------------------------------------------


def _build(municipality, scale):
    """``scale`` support and meet groups with 3 sessions of 4 marked residents each."""
    team = TeamFactory(municipality=municipality)
    wijk = NeighbourhoodFactory(municipality=municipality)
    for i in range(scale):
        group = GroupFactory(team=team, kind_id="support" if i % 2 else "meet", neighbourhood=wijk,
                             life_domains=["financien", "wonen"], start_date=D(2024, 7, 1))
        people = [ParticipantFactory(team=team, neighbourhood=wijk if j % 2 else None) for j in range(4)]
        IndividualSupportFactory(participant=people[0], start_date=D(2024, 1, 1))
        for day in (1, 2, 3):
            session = SessionFactory(group=group, date=D(2024, 8, day), head_count=1)
            for j, person in enumerate(people):
                AttendanceFactory(session=session, participant=person,
                                  status=Attendance.Status.ABSENT if j == 3 else Attendance.Status.PRESENT)


def _queries(municipality, period):
    with CaptureQueriesContext(connection) as ctx:
        compute_kpis(municipality, period)
    return len(ctx.captured_queries)


def test_compute_kpis_runs_a_fixed_small_number_of_queries(municipality, other_municipality):
    period = quarter(2024, 3)
    _build(municipality, 2)
    _build(other_municipality, 20)
    tiny, big = _queries(municipality, period), _queries(other_municipality, period)
    assert compute_kpis(other_municipality, period)["groups_active_by_kind"]["support"] == 10
    assert tiny == big
    assert big <= 15


def test_trend_runs_two_queries_whatever_the_number_of_periods(municipality):
    _build(municipality, 3)
    with CaptureQueriesContext(connection) as ctx:
        trend(municipality, [quarter(2024, q) for q in (1, 2, 3, 4)] + [quarter(2025, 1)])
    assert len(ctx.captured_queries) == 2  # residents and sessions; the counting kinds are a subquery
