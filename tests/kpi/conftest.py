"""A hand-built data set with known KPI answers for Leeuwarden, 2024Q3 (1 July - 30 September 2024).

Every edge of the KPI definitions in DESIGN.md has a row here; the expected figures are worked
out by hand in ``EXPECTED_2024Q3`` below, so a change in the queries shows up as a changed number.
"""

import datetime
from types import SimpleNamespace

import pytest

from collectief.models import MunicipalityTarget
from groups.models import Attendance, Group, Session
from reporting.periods import quarter
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    GroupFactory,
    IndividualSupportFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    SessionFactory,
    TeamFactory,
)

D = datetime.date
P, A, E = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED
HELD, CANCELLED = Session.Status.HELD, Session.Status.CANCELLED

Q3 = quarter(2024, 3)


def _session(group, date, status=HELD, head_count=0, marks=()):
    session = SessionFactory(group=group, date=date, status=status, head_count=head_count)
    for participant, mark in marks:
        AttendanceFactory(session=session, participant=participant, status=mark)
    return session


@pytest.fixture
def kpi_data(municipality, other_municipality, team_a, team_b):
    """Leeuwarden (M) with two teams, and Heerenveen as the other municipality.

    Groups (G) and what makes each one interesting:
      geld_telt   support, team Noord, Bilgaard, [financien, sociaal_netwerk], starts 2024-07-01 -> new
      wandelgroep support, team Zuid, municipality-wide, [lichamelijke_gezondheid, sociaal_netwerk],
                  started 2023-09-01, handed over 2024-09-30 (last day of P)
      kookgroep   support, no counting session in P (held on 30 Jun and 1 Oct, cancelled in P),
                  handed over 2024-06-30 (day before P), starts 2024-06-30
      creatief    meet, starts 2024-08-01 (a meet group: not in new_groups)
      jongeren    youth ("Jongerencafé"), starts 2024-09-30
      heerenveen  support of the other municipality, starts and is handed over in P (the day
                  after its one session: a session on or after the hand-over date would not count)
    Sessions on or after a group's hand-over date count for nothing (Kookgroep's 30 Jun and 1 Oct).
    Enrolments (inflow/outflow): see ``expected_2024q3``.
    """
    team_zuid = TeamFactory(municipality=municipality, name="Wijkteam Zuid")
    bilgaard = NeighbourhoodFactory(municipality=municipality, name="Bilgaard")
    heechterp = NeighbourhoodFactory(municipality=municipality, name="Heechterp")
    hv_noord = NeighbourhoodFactory(municipality=other_municipality, name="Heerenveen-Noord")

    def person(first, team=team_a, neighbourhood=None):
        return ParticipantFactory(first_name=first, last_name="Test", team=team, neighbourhood=neighbourhood)

    anna = person("Anna", neighbourhood=bilgaard)
    bram = person("Bram", neighbourhood=heechterp)
    cees = person("Cees", team=team_zuid)  # no neighbourhood
    dirk = person("Dirk", neighbourhood=bilgaard)
    eva = person("Eva", neighbourhood=bilgaard)
    fenna = person("Fenna", neighbourhood=heechterp)
    gijs = person("Gijs", neighbourhood=bilgaard)
    ids = person("Ids", team=team_b, neighbourhood=hv_noord)
    joost = person("Joost", neighbourhood=heechterp)
    karin = person("Karin", neighbourhood=heechterp)
    lotte = person("Lotte", team=team_zuid, neighbourhood=heechterp)

    geld_telt = GroupFactory(
        name="Geld Telt", kind_id="support", team=team_a, neighbourhood=bilgaard,
        life_domains=["financien", "sociaal_netwerk"], start_date=D(2024, 7, 1),
    )
    wandelgroep = GroupFactory(
        name="Wandelgroep", kind_id="support", team=team_zuid, neighbourhood=None,
        life_domains=["lichamelijke_gezondheid", "sociaal_netwerk"], start_date=D(2023, 9, 1),
        status=Group.Status.SELF_RUNNING, handed_over_on=D(2024, 9, 30),
    )
    kookgroep = GroupFactory(
        name="Kookgroep", kind_id="support", team=team_a, start_date=D(2024, 6, 30),
        status=Group.Status.SELF_RUNNING, handed_over_on=D(2024, 6, 30),
    )
    creatief = GroupFactory(
        name="Ontmoeten Creatief", kind_id="meet", team=team_a, life_domains=["sociaal_netwerk"],
        start_date=D(2024, 8, 1),
    )
    jongeren = GroupFactory(name="Jongerencafé", kind_id="youth", team=team_a, start_date=D(2024, 9, 30))
    heerenveen = GroupFactory(
        name="Samen Sterk Heerenveen", kind_id="support", team=team_b, start_date=D(2024, 7, 15),
        status=Group.Status.SELF_RUNNING, handed_over_on=D(2024, 8, 2), life_domains=["financien"],
    )

    # Geld Telt: the day before P, the first day, a cancelled session, the last day, the day after.
    _session(geld_telt, D(2024, 6, 30), head_count=8, marks=[(fenna, P)])
    _session(geld_telt, D(2024, 7, 1), head_count=2, marks=[(anna, P), (dirk, A)])
    _session(geld_telt, D(2024, 8, 15), status=CANCELLED, head_count=5, marks=[(fenna, P), (bram, P)])
    _session(geld_telt, D(2024, 9, 30), head_count=1, marks=[(bram, P), (anna, E)])
    _session(geld_telt, D(2024, 10, 1), head_count=9, marks=[(fenna, P)])
    # Wandelgroep: Anna is in two groups; Eva only excused; Lotte once present, once absent.
    _session(wandelgroep, D(2023, 12, 31), marks=[(karin, P)])  # last year: not in the YTD
    _session(wandelgroep, D(2024, 8, 10), head_count=0, marks=[(anna, P), (cees, P), (eva, E), (lotte, P)])
    _session(wandelgroep, D(2024, 9, 1), head_count=3, marks=[(lotte, A), (cees, P)])
    # Kookgroep: nothing counts in P.
    _session(kookgroep, D(2024, 6, 30), marks=[(bram, P)])
    _session(kookgroep, D(2024, 8, 1), status=CANCELLED, head_count=4, marks=[(dirk, P)])
    _session(kookgroep, D(2024, 10, 1), marks=[(gijs, P)])
    # meet and youth: reported by kind, never in the collective-support figures.
    _session(creatief, D(2024, 7, 10), head_count=4, marks=[(gijs, P)])
    _session(creatief, D(2024, 7, 17), marks=[(gijs, A)])
    _session(jongeren, D(2024, 9, 30), head_count=6, marks=[(gijs, P)])
    # The other municipality.
    _session(heerenveen, D(2024, 8, 1), head_count=7, marks=[(ids, P)])

    # Enrolments: inflow (start in P) by referral source, outflow (end in P) by end reason.
    EnrolmentFactory(participant=anna, group=geld_telt, start_date=D(2024, 7, 1), referral_source="own_worker")
    EnrolmentFactory(participant=bram, group=geld_telt, start_date=D(2024, 6, 30), referral_source="self",
                     end_date=D(2024, 9, 30), end_reason_id="completed_no_further_support")
    EnrolmentFactory(participant=dirk, group=geld_telt, start_date=D(2024, 7, 1), referral_source="",
                     end_date=D(2024, 8, 15), end_reason_id="dropped_out")
    EnrolmentFactory(participant=cees, group=wandelgroep, start_date=D(2024, 9, 30), referral_source="gp_hospital",
                     end_date=D(2024, 10, 1), end_reason_id="self_running")
    EnrolmentFactory(participant=lotte, group=wandelgroep, start_date=D(2023, 9, 1), referral_source="other_team",
                     end_date=D(2024, 7, 1), end_reason_id="to_other_group")
    EnrolmentFactory(participant=gijs, group=creatief, start_date=D(2024, 8, 1), referral_source="partner",
                     end_date=D(2024, 9, 1), end_reason_id="moved")  # a meet group: not counted
    EnrolmentFactory(participant=ids, group=heerenveen, start_date=D(2024, 7, 15), referral_source="partner")

    # Individual support.
    IndividualSupportFactory(participant=anna, start_date=D(2024, 5, 1), end_date=D(2024, 7, 15))  # ends in P
    IndividualSupportFactory(participant=cees, start_date=D(2024, 8, 1), end_date=None)  # starts in P, open
    IndividualSupportFactory(participant=eva, start_date=D(2024, 1, 1), end_date=D(2024, 6, 30))  # day before
    IndividualSupportFactory(participant=gijs, start_date=D(2024, 9, 30), end_date=None)  # last day
    IndividualSupportFactory(participant=joost, start_date=D(2024, 1, 1), end_date=D(2024, 12, 31))  # covers P
    IndividualSupportFactory(  # a second, overlapping period: Joost still counts once
        participant=joost, product="Schuldhulp", framework_id="wgs", start_date=D(2024, 7, 1),
        end_date=D(2024, 7, 31),
    )
    IndividualSupportFactory(participant=karin, start_date=D(2024, 10, 1), end_date=None)  # day after
    IndividualSupportFactory(participant=ids, start_date=D(2024, 7, 1), end_date=None)  # other municipality

    MunicipalityTarget.objects.create(municipality=municipality, year=2024, residents_collective=50)
    MunicipalityTarget.objects.create(municipality=municipality, year=2023, residents_collective=40)
    MunicipalityTarget.objects.create(municipality=other_municipality, year=2024, residents_collective=999)

    return SimpleNamespace(
        municipality=municipality, other_municipality=other_municipality, period=Q3,
        groups=SimpleNamespace(geld_telt=geld_telt, wandelgroep=wandelgroep, kookgroep=kookgroep,
                               creatief=creatief, jongeren=jongeren, heerenveen=heerenveen),
    )


def expected_2024q3(data) -> dict:
    """The KPI set for Leeuwarden 2024Q3, worked out by hand.

    Counting sessions (held, in P, support, Leeuwarden): Geld Telt 1 Jul and 30 Sep,
    Wandelgroep 10 Aug and 1 Sep -> sessions_held 4; walk_ins 2 + 1 + 0 + 3 = 6.
    Marks at those sessions: 1 Jul Anna P, Dirk A | 30 Sep Bram P, Anna E |
    10 Aug Anna P, Cees P, Eva E, Lotte P | 1 Sep Lotte A, Cees P
    -> 10 marks, 6 present -> attendance_rate 0.6.
    residents_collective = {Anna, Bram, Cees, Lotte} = 4 (Dirk only absent, Eva only excused,
    Fenna only outside P or at a cancelled session, Gijs only meet/youth, Ids another municipality).
    residents_individual = {Anna (ends 15 Jul), Cees (open, from 1 Aug), Gijs (from 30 Sep),
    Joost (twice)} = 4 (Eva ended 30 Jun, Karin starts 1 Oct, Ids is Heerenveen's).
    both = {Anna, Cees} = 2; collective only = {Bram, Lotte} = 2; individual only = {Gijs, Joost} = 2;
    total = 6.
    by_life_domain: financien {Anna, Bram} = 2 (Geld Telt); lichamelijke_gezondheid {Anna, Cees,
    Lotte} = 3 (Wandelgroep); sociaal_netwerk (both groups) {Anna, Bram, Cees, Lotte} = 4 (Anna once;
    Gijs's meet group does not count); every other domain 0.
    by_neighbourhood: Bilgaard {Anna} 1, Heechterp {Bram, Lotte} 2, none {Cees} 1.
    Active groups: Geld Telt, Wandelgroep (support), Ontmoeten Creatief (meet), Jongerencafé (youth);
    Kookgroep has no held session in P.
    new_groups: Geld Telt (1 Jul) = 1 (Kookgroep 30 Jun; Creatief is meet; Heerenveen elsewhere).
    groups_handed_over: Wandelgroep (30 Sep) = 1 (Kookgroep 30 Jun; Heerenveen elsewhere).
    target 2024 = 50; YTD 1 Jan - 30 Sep: the 4 above + Fenna (30 Jun) = 5 (Bram's 30 Jun is no
    extra; Karin's 31 Dec 2023 is last year) -> progress 0.1.
    self_running_groups at 30 Sep: Wandelgroep (handed over 30 Sep) and Kookgroep (30 Jun), not
    ended = 2 (any kind; Heerenveen elsewhere).
    inflow_by_referral (support groups, start in P): Anna own_worker (1 Jul), Cees gp_hospital
    (30 Sep), Dirk unknown "" (1 Jul); not Bram (30 Jun), Lotte (2023), Gijs (meet), Ids (elsewhere).
    outflow_by_end_reason (end in P): Bram completed (30 Sep), Dirk dropped_out (15 Aug), Lotte
    to_other_group (1 Jul); not Cees (1 Oct), Gijs (meet).
    """
    g = data.groups
    return {
        "residents_collective": 4,
        "residents_individual": 4,
        "residents_both": 2,
        "residents_collective_only": 2,
        "residents_individual_only": 2,
        "residents_total": 6,
        "groups_active": 2,
        "groups_active_by_kind": {"support": 2, "meet": 1, "youth": 1},
        "sessions_held": 4,
        "participants_per_group": [
            # Geld Telt: Anna (1 Jul), Bram (30 Sep); 4 marks, 2 present.
            {"group_id": g.geld_telt.pk, "group": "Geld Telt", "kind": "support", "neighbourhood": "Bilgaard",
             "participants": 2, "sessions_held": 2, "attendance_rate": 0.5},
            # Jongerencafé: Gijs once, present.
            {"group_id": g.jongeren.pk, "group": "Jongerencafé", "kind": "youth", "neighbourhood": None,
             "participants": 1, "sessions_held": 1, "attendance_rate": 1.0},
            # Ontmoeten Creatief: Gijs present once, absent once.
            {"group_id": g.creatief.pk, "group": "Ontmoeten Creatief", "kind": "meet", "neighbourhood": None,
             "participants": 1, "sessions_held": 2, "attendance_rate": 0.5},
            # Wandelgroep: Anna, Cees, Lotte; 6 marks, 4 present -> 0.6667.
            {"group_id": g.wandelgroep.pk, "group": "Wandelgroep", "kind": "support", "neighbourhood": None,
             "participants": 3, "sessions_held": 2, "attendance_rate": 0.6667},
        ],
        "attendance_rate": 0.6,
        "by_life_domain": {
            "financien": 2, "wonen": 0, "werk_dagbesteding": 0, "sociaal_netwerk": 4, "opvoeding": 0,
            "relaties": 0, "lichamelijke_gezondheid": 3, "mentale_gezondheid": 0, "zingeving": 0,
            "participatie": 0, "dagelijks_functioneren": 0, "verslaving": 0, "justitie": 0,
        },
        "by_neighbourhood": {"Bilgaard": 1, "Heechterp": 2, "": 1},
        "new_groups": 1,
        "groups_handed_over": 1,
        "target": {"year": 2024, "target": 50, "residents_collective_ytd": 5, "progress": 0.1},
        "walk_ins": 6,
        "self_running_groups": 2,
        # Issue 11: this data set has no help requests (tests/kpi/test_path_figures.py has).
        "requests_by_route": {"collective": 0, "individual": 0, "combined": 0, "undecided": 0},
        "waiting_days_median": None,
        "waiting_days_p90": None,
        "inflow_by_referral": {"own_worker": 1, "other_team": 0, "partner": 0, "gp_hospital": 1, "self": 0,
                               "other": 0, "": 1},
        "outflow_by_end_reason": {
            "completed_no_further_support": 1, "to_individual_support": 0, "to_other_group": 1, "next_series": 0,
            "self_running": 0, "dropped_out": 1, "moved": 0, "other": 0,
        },
    }


@pytest.fixture
def expected(kpi_data):
    return expected_2024q3(kpi_data)
