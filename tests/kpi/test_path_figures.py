"""From help request to group (issue 11): the route of the period's requests, the waiting time to the
first session attended, inflow and outflow per quarter, the *tenzij* reasons and the open requests
that could form a group, against a hand-built data set with known answers.

Leeuwarden (M), 2024Q3 = 1 July - 30 September 2024. Every expected figure is worked out by hand
in the docstrings below; the same numbers must come out of ``compute_kpis``, ``path_figures`` and
``python manage.py kpi``.
"""

import datetime
import io
import json
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collectief.models import EndReason
from groups import services as group_services
from groups.models import Attendance, Session
from participants import services as request_services
from participants.models import HelpRequest, RouteChange
from reporting.kpi import compute_kpis, could_form_a_group, path_figures
from reporting.periods import date_range, quarter, year
from tests.factories import (
    AttendanceFactory,
    GroupFactory,
    HelpRequestFactory,
    IndividualSupportFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    SessionFactory,
    TeamFactory,
)

D = datetime.date
R = HelpRequest.Route
PRESENT, ABSENT, EXCUSED = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED
Q2, Q3, Q4 = quarter(2024, 2), quarter(2024, 3), quarter(2024, 4)
NO_REASON = dict.fromkeys(HelpRequest.TenzijReason.values, 0)


def _ask(user, participant, on, route=R.UNDECIDED, reason="", life_domain="financien"):
    """A help request made through the service: its route history starts on its own date."""
    request = HelpRequest(participant=participant, theme="Vraag", life_domain_id=life_domain, date=on,
                          route=route, tenzij_reason=reason)
    return request_services.route_help_request(user, request)


def _weigh(user, request, on, route, reason=""):
    """The weighing step on a given day (the service dates a step today; the test moves it back)."""
    request_services.weigh_request(user, request, route=route, tenzij_reason=reason, why="overleg")
    step = request.route_changes.order_by("-id").first()
    RouteChange.objects.filter(pk=step.pk).update(date=on)
    return request


@pytest.fixture
def route_data(municipality, other_municipality, team_a, team_b, worker):
    """Requests and their route history (undated steps are on the request's own date).

    In Q3, counted by the route at 30 September:
      anna   7 Jul collective                                              -> collective
      bram  10 Jul undecided; 2 Oct collective (after P)                   -> undecided
      cees   1 Aug undecided; 15 Aug individual (language)                 -> individual, language
      dirk   1 Sep individual (too_complex); 30 Sep combined (crisis)      -> combined, crisis
      eva   10 Sep combined without a reason                               -> combined, "" (no reason)
      joost 20 Aug individual (practical), no history at all (import)     -> individual, practical
      karin  1 Jul individual (no_group); 20 Jul undecided                 -> undecided (no reason counted)
      lotte  5 Sep collective, then the same day individual (declines)     -> individual, declines
    Not counted: fenna (30 Jun, before P), gijs (1 Oct, after P), ids (another municipality).
    => collective 1, individual 3, combined 2, undecided 2; tenzij: language, practical, declines,
       crisis and "" once each.
    In Q4: only gijs (undecided). In 2024 (to 31 Dec): bram collective, fenna and gijs too.
    """
    team_zuid = TeamFactory(municipality=municipality, name="Wijkteam Zuid")

    def person(name, team=team_a):
        return ParticipantFactory(first_name=name, last_name="Route", team=team)

    anna = _ask(worker, person("Anna"), D(2024, 7, 7), R.COLLECTIVE)
    bram = _weigh(worker, _ask(worker, person("Bram"), D(2024, 7, 10)), D(2024, 10, 2), R.COLLECTIVE)
    cees = _weigh(worker, _ask(worker, person("Cees"), D(2024, 8, 1)), D(2024, 8, 15), R.INDIVIDUAL, "language")
    dirk = _weigh(worker, _ask(worker, person("Dirk"), D(2024, 9, 1), R.INDIVIDUAL, "too_complex"),
                  D(2024, 9, 30), R.COMBINED, "crisis")
    eva = _ask(worker, person("Eva"), D(2024, 9, 10), R.COMBINED)
    joost = HelpRequestFactory(participant=person("Joost"), date=D(2024, 8, 20), route=R.INDIVIDUAL,
                               tenzij_reason="practical")
    karin = _weigh(worker, _ask(worker, person("Karin"), D(2024, 7, 1), R.INDIVIDUAL, "no_group"),
                   D(2024, 7, 20), R.UNDECIDED)
    lotte = _ask(worker, person("Lotte", team_zuid), D(2024, 9, 5), R.COLLECTIVE)
    _weigh(worker, lotte, D(2024, 9, 5), R.INDIVIDUAL, "declines")
    fenna = _ask(worker, person("Fenna"), D(2024, 6, 30), R.COLLECTIVE)
    gijs = _ask(worker, person("Gijs"), D(2024, 10, 1))
    ids = _ask(worker, person("Ids", team_b), D(2024, 7, 15), R.INDIVIDUAL, "crisis")
    assert not joost.route_changes.exists()
    return SimpleNamespace(anna=anna, bram=bram, cees=cees, dirk=dirk, eva=eva, joost=joost, karin=karin,
                           lotte=lotte, fenna=fenna, gijs=gijs, ids=ids)


def test_route_history_keeps_every_step(route_data):
    steps = list(route_data.dirk.route_changes.values_list("date", "route", "tenzij_reason"))
    assert steps == [(D(2024, 9, 1), "individual", "too_complex"), (D(2024, 9, 30), "combined", "crisis")]
    assert list(route_data.lotte.route_changes.values_list("route", flat=True)) == ["collective", "individual"]
    route_data.bram.refresh_from_db()
    assert route_data.bram.route == R.COLLECTIVE  # today's route; Q3 still counts it as undecided


def test_requests_are_counted_by_their_route_at_the_end_of_the_period(route_data, municipality):
    figures = compute_kpis(municipality, Q3)
    assert figures["requests_by_route"] == {"collective": 1, "individual": 3, "combined": 2, "undecided": 2}
    assert compute_kpis(municipality, Q4)["requests_by_route"] == {
        "collective": 0, "individual": 0, "combined": 0, "undecided": 1,
    }
    # The whole year ends on 31 December, after Bram's step to collective; Fenna (30 Jun) is in it.
    assert compute_kpis(municipality, year(2024))["requests_by_route"] == {
        "collective": 3, "individual": 3, "combined": 2, "undecided": 2,
    }
    # Every route is present, also with nothing to count.
    assert compute_kpis(municipality, quarter(2023, 1))["requests_by_route"] == dict.fromkeys(
        ["collective", "individual", "combined", "undecided"], 0
    )


def test_a_route_changed_on_the_last_day_counts_and_the_day_after_does_not(route_data, municipality):
    # Dirk's step to combined is dated 30 September: up to 29 September he was individual.
    assert compute_kpis(municipality, date_range(D(2024, 7, 1), D(2024, 9, 29)))["requests_by_route"] == {
        "collective": 1, "individual": 4, "combined": 1, "undecided": 2,
    }


def test_tenzij_reasons_of_the_periods_individual_and_combined_requests(route_data, municipality):
    reasons = path_figures(municipality, Q3)["tenzij_reasons"]
    assert reasons == {**NO_REASON, "language": 1, "practical": 1, "declines": 1, "crisis": 1, "": 1}
    # Karin's no_group reason was replaced by "undecided" in July; Ids is of another municipality.
    assert reasons["no_group"] == 0
    assert path_figures(municipality, Q4)["tenzij_reasons"] == NO_REASON


# --- Waiting time, inflow and outflow -------------------------------------------------------------


@pytest.fixture
def waiting_data(municipality, other_municipality, team_a, team_b, worker):
    """Requests matched to enrolments, and the first session each resident attended.

    Groups: geld_telt (support, team A), wandelclub (support, team Zuid, handed over 1 Sep),
    koffie (meet, team A), heerenveen (support, another municipality).

    Counted for Q3 (first present mark at a held session of the matched support group in Q3):
      w1  asked  3 Jun, first present  2 Jul (geld_telt)                     -> 29 days
      w2  asked  1 Jul, absent 2 Jul, first present 9 Jul                    ->  8
      w3  asked 15 May, first present 16 Jul (wandelclub, before hand-over)   -> 62
      w4  asked  1 Aug, present 25 Jun (Q2) *before* the request, again 13 Aug -> 12 (from the request on)
      w5  asked  2 Mar, first present 24 Sep                                  -> 206
      => sorted 8, 12, 29, 62, 206: median 29.0; p90 at position 0.9 x 4 = 3.6:
         62 + 0.6 x (206 - 62) = 148.4.
    Not counted:
      x1  present at geld_telt 2 Jul, but the enrolment answers no request (never matched)
      x2  matched, only absent and excused at geld_telt: never came
      x3  matched to wandelclub; present at a *cancelled* session 20 Aug, then 3 Sep, after the
          hand-over (1 Sep): no counting first session
      x4  matched to koffie (meet) and present 10 Jul: not a support group
      x5  of Heerenveen: matched to its own support group and present 10 Jul
      x6  asked 1 May, first present 25 Jun (Q2: 55 days), again 2 Jul: not Q3's
      x7  asked 20 Sep, first present 1 Oct (Q4: 11 days)
      x8  matched to individual support, present at geld_telt (enrolled without the request)
      never  an open request of a resident who comes to geld_telt without an enrolment for it

    Inflow (enrolments in support groups of M starting in the quarter, by referral source):
      Q2: x1 other_team (20 Jun), x6 own_worker (20 Jun)
      Q3: w1 own_worker, w2 self, w3 partner, w4 gp_hospital, w5 own_worker, x2 "" (unknown),
          x3 self, x7 other, x8 self  (not x4: meet; not x5: Heerenveen)
      => own_worker 2, self 3, partner 1, gp_hospital 1, other 1, other_team 0, "" 1
    Outflow (ending in the quarter, by end reason):
      Q3: w1 completed_no_further_support (30 Sep), w4 dropped_out (31 Aug), x1 moved (31 Jul),
          x3 self_running (1 Sep), x6 to_other_group (10 Jul)
      Q4: w3 self_running (15 Oct)
    """
    zuid = TeamFactory(municipality=municipality, name="Wijkteam Zuidwest")
    geld_telt = GroupFactory(name="Geld Telt", kind_id="support", team=team_a, start_date=D(2024, 1, 1))
    wandelclub = GroupFactory(name="Wandelclub", kind_id="support", team=zuid, start_date=D(2024, 1, 1),
                              handed_over_on=D(2024, 9, 1))
    koffie = GroupFactory(name="Koffie", kind_id="meet", team=team_a, start_date=D(2024, 1, 1))
    heerenveen = GroupFactory(name="Heerenveen", kind_id="support", team=team_b, start_date=D(2024, 1, 1))
    sessions = {}

    def session(group, day, status=Session.Status.HELD):
        key = (group.pk, day)
        if key not in sessions:
            sessions[key] = SessionFactory(group=group, date=day, status=status)
        return sessions[key]

    def case(name, asked, group, start, marks=(), referral="", end=None, reason=None, team=team_a,
             matched=True):
        resident = ParticipantFactory(first_name=name, last_name="Wacht", team=team)
        request = HelpRequestFactory(participant=resident, date=asked, route=R.COLLECTIVE)
        enrolment = group_services.enrol(
            worker, group, resident, start_date=start, referral_source=referral,
            help_request=request if matched else None, respect_capacity=False,
        )
        if end:
            group_services.end_enrolment(worker, enrolment, end_date=end,
                                         end_reason=EndReason.objects.get(code=reason))
        for day, status in marks:
            AttendanceFactory(session=session(group, day), participant=resident, status=status)
        return SimpleNamespace(resident=resident, request=request, enrolment=enrolment)

    w1 = case("W1", D(2024, 6, 3), geld_telt, D(2024, 7, 1), [(D(2024, 7, 2), PRESENT), (D(2024, 7, 9), PRESENT)],
              referral="own_worker", end=D(2024, 9, 30), reason="completed_no_further_support")
    case("W2", D(2024, 7, 1), geld_telt, D(2024, 7, 1), [(D(2024, 7, 2), ABSENT), (D(2024, 7, 9), PRESENT)],
         referral="self")
    case("W3", D(2024, 5, 15), wandelclub, D(2024, 7, 15), [(D(2024, 7, 16), PRESENT), (D(2024, 9, 3), PRESENT)],
         referral="partner", end=D(2024, 10, 15), reason="self_running", team=zuid)
    case("W4", D(2024, 8, 1), geld_telt, D(2024, 8, 12), [(D(2024, 6, 25), PRESENT), (D(2024, 8, 13), PRESENT)],
         referral="gp_hospital", end=D(2024, 8, 31), reason="dropped_out")
    case("W5", D(2024, 3, 2), geld_telt, D(2024, 9, 20), [(D(2024, 9, 24), PRESENT)], referral="own_worker")

    case("X1", D(2024, 6, 1), geld_telt, D(2024, 6, 20), [(D(2024, 7, 2), PRESENT)], referral="other_team",
         end=D(2024, 7, 31), reason="moved", matched=False)
    case("X2", D(2024, 6, 10), geld_telt, D(2024, 7, 1), [(D(2024, 7, 2), ABSENT), (D(2024, 7, 9), EXCUSED)])
    x3 = case("X3", D(2024, 8, 1), wandelclub, D(2024, 8, 20), [(D(2024, 9, 3), PRESENT)], referral="self",
              end=D(2024, 9, 1), reason="self_running", team=zuid)
    cancelled = session(wandelclub, D(2024, 8, 20), status=Session.Status.CANCELLED)
    AttendanceFactory(session=cancelled, participant=x3.resident, status=PRESENT)
    case("X4", D(2024, 6, 1), koffie, D(2024, 7, 1), [(D(2024, 7, 10), PRESENT)], referral="self")
    case("X5", D(2024, 6, 1), heerenveen, D(2024, 7, 1), [(D(2024, 7, 10), PRESENT)], referral="self", team=team_b)
    case("X6", D(2024, 5, 1), geld_telt, D(2024, 6, 20), [(D(2024, 6, 25), PRESENT), (D(2024, 7, 2), PRESENT)],
         referral="own_worker", end=D(2024, 7, 10), reason="to_other_group")
    case("X7", D(2024, 9, 20), geld_telt, D(2024, 9, 25), [(D(2024, 10, 1), PRESENT)], referral="other")
    x8 = case("X8", D(2024, 7, 1), geld_telt, D(2024, 7, 1), [(D(2024, 7, 9), PRESENT)], referral="self",
              matched=False)
    support = IndividualSupportFactory(participant=x8.resident, start_date=D(2024, 7, 1))
    request_services.match_to_support(worker, x8.request, support)
    never = ParticipantFactory(first_name="Never", team=team_a)
    HelpRequestFactory(participant=never, date=D(2024, 6, 1), route=R.COLLECTIVE)
    AttendanceFactory(session=session(geld_telt, D(2024, 7, 2)), participant=never, status=PRESENT)
    return SimpleNamespace(w1=w1, geld_telt=geld_telt)


def test_waiting_days_median_and_p90_against_hand_computed_answers(waiting_data, municipality):
    figures = compute_kpis(municipality, Q3)
    assert figures["waiting_days_median"] == 29.0
    assert figures["waiting_days_p90"] == 148.4
    assert path_figures(municipality, Q3)["waiting_requests"] == 5


def test_waiting_days_of_other_quarters_and_null_when_there_is_none(waiting_data, municipality):
    q2 = compute_kpis(municipality, Q2)
    assert (q2["waiting_days_median"], q2["waiting_days_p90"]) == (55.0, 55.0)  # x6 only
    q4 = compute_kpis(municipality, Q4)
    assert (q4["waiting_days_median"], q4["waiting_days_p90"]) == (11.0, 11.0)  # x7 only
    q1 = compute_kpis(municipality, quarter(2024, 1))
    assert (q1["waiting_days_median"], q1["waiting_days_p90"]) == (None, None)
    assert path_figures(municipality, quarter(2024, 1))["waiting_requests"] == 0


def test_a_waiting_time_follows_a_mark_changed_to_absent(waiting_data, municipality):
    # w1 did not come on 2 July after all: the first session attended is 9 July (36 days), and
    # the sorted values become 8, 12, 36, 62, 206.
    Attendance.objects.filter(participant=waiting_data.w1.resident, session__date=D(2024, 7, 2)).update(
        status=ABSENT
    )
    figures = compute_kpis(municipality, Q3)
    assert figures["waiting_days_median"] == 36.0
    assert figures["waiting_days_p90"] == 148.4


def test_inflow_and_outflow_per_quarter(waiting_data, municipality):
    q2, q3, q4 = (compute_kpis(municipality, q) for q in (Q2, Q3, Q4))
    zero_in = dict.fromkeys(["own_worker", "other_team", "partner", "gp_hospital", "self", "other"], 0)
    assert q2["inflow_by_referral"] == {**zero_in, "other_team": 1, "own_worker": 1}
    assert q3["inflow_by_referral"] == {**zero_in, "own_worker": 2, "self": 3, "partner": 1, "gp_hospital": 1,
                                        "other": 1, "": 1}
    assert q4["inflow_by_referral"] == zero_in
    zero_out = {code: 0 for code in EndReason.objects.order_by("sort_order", "code").values_list("code", flat=True)}
    assert q2["outflow_by_end_reason"] == zero_out
    assert q3["outflow_by_end_reason"] == {**zero_out, "completed_no_further_support": 1, "dropped_out": 1,
                                           "moved": 1, "self_running": 1, "to_other_group": 1}
    assert q4["outflow_by_end_reason"] == {**zero_out, "self_running": 1}


def test_the_kpi_command_prints_the_path_figures(route_data, waiting_data):
    out = io.StringIO()
    call_command("kpi", "--municipality", "Leeuwarden", "--period", "2024Q3", stdout=out)
    figures = json.loads(out.getvalue())
    # route_data's 8 requests, and waiting_data's requests of M dated in Q3 (all collective, made
    # without history): w2 (1 Jul), w4 (1 Aug), x3 (1 Aug), x7 (20 Sep), x8 (1 Jul).
    assert figures["requests_by_route"] == {"collective": 6, "individual": 3, "combined": 2, "undecided": 2}
    assert figures["waiting_days_median"] == 29.0
    assert figures["waiting_days_p90"] == 148.4
    assert figures["outflow_by_end_reason"]["self_running"] == 1
    assert figures["inflow_by_referral"]["self"] == 3
    # Internal figures that are not in DESIGN's KPI set stay out of the command's JSON.
    assert not {"tenzij_reasons", "could_form_a_group", "waiting_requests"} & set(figures)


def test_the_path_figures_run_a_fixed_number_of_queries(waiting_data, route_data, municipality, worker):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            compute_kpis(municipality, Q3)
            path_figures(municipality, Q3)
        return len(ctx.captured_queries)

    before = count()
    for _ in range(10):
        resident = ParticipantFactory(team=route_data.anna.participant.team)
        request = _ask(worker, resident, D(2024, 7, 1), R.COLLECTIVE)
        group_services.enrol(worker, waiting_data.geld_telt, resident, start_date=D(2024, 7, 1),
                             help_request=request, respect_capacity=False)
        AttendanceFactory(session=waiting_data.geld_telt.sessions.get(date=D(2024, 7, 9)), participant=resident)
        _weigh(worker, _ask(worker, resident, D(2024, 8, 1)), D(2024, 8, 2), R.INDIVIDUAL, "transport")
    assert count() == before
    assert path_figures(municipality, Q3)["tenzij_reasons"]["transport"] == 10


# --- Open requests that could form a group ---------------------------------------------------------


@pytest.fixture
def bundle_data(municipality, other_municipality, team_a, team_b, worker):
    """Open requests today, by life domain x the resident's wijk.

    financien x Bilgaard: ann, bea, cor (team A, open, collective/undecided) and dik (team Zuid)
        -> 4 residents in M, 3 of team A
    wonen x Heechterp: eef (two open requests) and fay -> 2 residents, 3 requests
    financien, no wijk (municipality-wide): gus, hil, ivo -> 3 residents
    Not counted: jan (financien x Bilgaard, individual route), kim (closed), lot (matched),
    mia (no life domain), nel (erased), oma (Heerenveen), and team A's second request of ann
    (still one resident).
    """
    today = timezone.localdate()
    zuid = TeamFactory(municipality=municipality, name="Wijkteam Oost")
    bilgaard = NeighbourhoodFactory(municipality=municipality, name="Bilgaard")
    heechterp = NeighbourhoodFactory(municipality=municipality, name="Heechterp")

    def request(name, wijk=None, team=team_a, route=R.COLLECTIVE, domain="financien", reason=""):
        resident = ParticipantFactory(first_name=name, last_name="Bundel", team=team, neighbourhood=wijk)
        return _ask(worker, resident, today, route, reason=reason, life_domain=domain)

    ann = request("Ann", bilgaard)
    _ask(worker, ann.participant, today, R.UNDECIDED, life_domain="financien")
    request("Bea", bilgaard, route=R.UNDECIDED)
    request("Cor", bilgaard)
    request("Dik", bilgaard, team=zuid)
    eef = request("Eef", heechterp, domain="wonen")
    _ask(worker, eef.participant, today, R.UNDECIDED, life_domain="wonen")
    request("Fay", heechterp, domain="wonen")
    for name in ("Gus", "Hil", "Ivo"):
        request(name)
    request("Jan", bilgaard, route=R.INDIVIDUAL, reason="crisis")
    request_services.close_request(worker, request("Kim", bilgaard), reason="solved")
    lot = request("Lot", bilgaard)
    request_services.match_to_support(worker, lot, IndividualSupportFactory(participant=lot.participant))
    request("Mia", bilgaard, domain=None)
    nel = request("Nel", bilgaard)
    type(nel.participant).objects.filter(pk=nel.participant_id).update(erased_at=timezone.now())
    request("Oma", team=team_b)
    return SimpleNamespace(bilgaard=bilgaard, heechterp=heechterp, zuid=zuid)


def test_open_requests_that_could_form_a_group(bundle_data, municipality, settings):
    settings.BUNDLE_THRESHOLD = 3
    rows = could_form_a_group(municipality)
    assert rows == [
        {"life_domain": "financien", "wijk_id": bundle_data.bilgaard.pk, "wijk": "Bilgaard", "residents": 4,
         "requests": 5},
        {"life_domain": "financien", "wijk_id": None, "wijk": None, "residents": 3, "requests": 3},
    ]
    assert path_figures(municipality, Q3)["could_form_a_group"] == rows


def test_the_threshold_decides_between_two_and_three_residents(bundle_data, municipality, team_a, settings):
    settings.BUNDLE_THRESHOLD = 3
    assert ("wonen", "Heechterp") not in {(r["life_domain"], r["wijk"]) for r in could_form_a_group(municipality)}
    settings.BUNDLE_THRESHOLD = 2
    wonen = [r for r in could_form_a_group(municipality) if r["life_domain"] == "wonen"]
    assert wonen == [{"life_domain": "wonen", "wijk_id": bundle_data.heechterp.pk, "wijk": "Heechterp",
                      "residents": 2, "requests": 3}]
    # Two requests of one resident are not two residents.
    settings.BUNDLE_THRESHOLD = 3
    assert could_form_a_group(municipality, threshold=3) == could_form_a_group(municipality)


def test_only_the_given_teams_are_bundled(bundle_data, municipality, team_a, settings):
    settings.BUNDLE_THRESHOLD = 3
    rows = could_form_a_group(municipality, teams=[team_a.pk])
    assert [(r["wijk"], r["residents"]) for r in rows] == [("Bilgaard", 3), (None, 3)]
    assert could_form_a_group(municipality, teams=[bundle_data.zuid.pk]) == []
