"""Issue 8: a group handed over mid-quarter, self-running groups, inflow and outflow, with known answers.

    Buurtkamer  support, Leeuwarden, [wonen], started 2024-01-08, handed over 2024-08-15
                sessions (all held): 10 Jul Anna P, Bram P, Cees A (walk-ins 1)
                                      1 Aug Anna P, Cees P          (walk-ins 2)
                                     15 Aug Dirk P                  (walk-ins 5)  on the hand-over date
                                      1 Sep Eva P, Anna P           (walk-ins 3)  after it
    -> in 2024Q3: sessions_held 2, residents_collective 3 (Anna, Bram, Cees), walk_ins 3,
       attendance 4 present of 5 marks = 0.8; Dirk and Eva come only after the hand-over.
"""

import datetime

import pytest

from groups.models import Attendance, Group, Session
from reporting.kpi import compute_kpis, trend
from reporting.periods import quarter
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    GroupFactory,
    ParticipantFactory,
    SessionFactory,
)

D = datetime.date
P, A = Attendance.Status.PRESENT, Attendance.Status.ABSENT


@pytest.fixture
def buurtkamer(municipality, team_a):
    people = {name: ParticipantFactory(first_name=name, last_name="Overdracht", team=team_a)
              for name in ("Anna", "Bram", "Cees", "Dirk", "Eva")}
    group = GroupFactory(name="Buurtkamer", kind_id="support", team=team_a, life_domains=["wonen"],
                         start_date=D(2024, 1, 8), status=Group.Status.SELF_RUNNING, handed_over_on=D(2024, 8, 15))
    for day, head_count, marks in (
        (D(2024, 7, 10), 1, [("Anna", P), ("Bram", P), ("Cees", A)]),
        (D(2024, 8, 1), 2, [("Anna", P), ("Cees", P)]),
        (D(2024, 8, 15), 5, [("Dirk", P)]),
        (D(2024, 9, 1), 3, [("Eva", P), ("Anna", P)]),
    ):
        session = SessionFactory(group=group, date=day, head_count=head_count, status=Session.Status.HELD)
        for name, mark in marks:
            AttendanceFactory(session=session, participant=people[name], status=mark)
    return group


def test_sessions_before_the_hand_over_count_and_those_on_or_after_it_do_not(municipality, buurtkamer):
    figures = compute_kpis(municipality, quarter(2024, 3))
    assert figures["sessions_held"] == 2
    assert figures["residents_collective"] == 3  # Anna, Bram, Cees; not Dirk (15 Aug) or Eva (1 Sep)
    assert figures["walk_ins"] == 1 + 2
    assert figures["attendance_rate"] == 0.8
    assert figures["groups_active"] == 1
    assert figures["by_life_domain"]["wonen"] == 3
    assert figures["by_neighbourhood"] == {"": 3}
    (row,) = figures["participants_per_group"]
    assert (row["group"], row["participants"], row["sessions_held"], row["attendance_rate"]) == (
        "Buurtkamer", 3, 2, 0.8)
    assert figures["target"]["residents_collective_ytd"] == 3
    assert figures["groups_handed_over"] == 1
    assert figures["self_running_groups"] == 1


def test_a_quarter_after_the_hand_over_counts_nothing_of_the_group(municipality, buurtkamer):
    SessionFactory(group=buurtkamer, date=D(2024, 10, 3))
    figures = compute_kpis(municipality, quarter(2024, 4))
    assert (figures["sessions_held"], figures["residents_collective"], figures["groups_active"]) == (0, 0, 0)
    assert figures["participants_per_group"] == []
    assert figures["target"]["residents_collective_ytd"] == 3  # the year to date keeps Q3's three
    assert figures["self_running_groups"] == 1  # still running itself
    assert figures["groups_handed_over"] == 0


def test_the_trend_leaves_out_sessions_after_the_hand_over(municipality, buurtkamer):
    rows = trend(municipality, [quarter(2024, 3)])
    assert (rows[0]["residents_collective"], rows[0]["sessions_held"]) == (3, 2)


def test_self_running_groups_counts_groups_handed_over_and_not_ended_at_the_end_of_the_period(
    municipality, team_a, buurtkamer
):
    # Handed over on the last day of P: counts. Handed over after P: not yet. Ended before the end
    # of P: no longer. Ended on the last day: still counts. A meet group counts too (any kind).
    GroupFactory(kind_id="support", team=team_a, start_date=D(2024, 1, 1), handed_over_on=D(2024, 9, 30))
    GroupFactory(kind_id="support", team=team_a, start_date=D(2024, 1, 1), handed_over_on=D(2024, 10, 1))
    GroupFactory(kind_id="support", team=team_a, start_date=D(2024, 1, 1), handed_over_on=D(2024, 3, 1),
                 end_date=D(2024, 9, 29))
    GroupFactory(kind_id="meet", team=team_a, start_date=D(2024, 1, 1), handed_over_on=D(2024, 3, 1),
                 end_date=D(2024, 9, 30))
    assert compute_kpis(municipality, quarter(2024, 3))["self_running_groups"] == 1 + 1 + 1
    assert compute_kpis(municipality, quarter(2024, 2))["self_running_groups"] == 2  # the two of 1 Mar


def test_inflow_and_outflow_count_enrolments_of_support_groups_by_code(municipality, team_a, buurtkamer):
    meet = GroupFactory(kind_id="meet", team=team_a, start_date=D(2024, 1, 1))
    for i in range(3):
        EnrolmentFactory(group=buurtkamer, start_date=D(2024, 7, 1 + i), referral_source="own_worker")
    EnrolmentFactory(group=buurtkamer, start_date=D(2024, 1, 8), referral_source="self",
                     end_date=D(2024, 8, 14), end_reason_id="self_running")
    EnrolmentFactory(group=buurtkamer, start_date=D(2024, 9, 30), referral_source="partner",
                     end_date=D(2024, 9, 30), end_reason_id="moved")
    EnrolmentFactory(group=meet, start_date=D(2024, 8, 1), referral_source="partner",
                     end_date=D(2024, 8, 2), end_reason_id="moved")
    figures = compute_kpis(municipality, quarter(2024, 3))
    assert figures["inflow_by_referral"] == {"own_worker": 3, "other_team": 0, "partner": 1, "gp_hospital": 0,
                                             "self": 0, "other": 0}
    assert figures["outflow_by_end_reason"] == {
        "completed_no_further_support": 0, "to_individual_support": 0, "to_other_group": 0, "next_series": 0,
        "self_running": 1, "dropped_out": 0, "moved": 1, "other": 0,
    }
