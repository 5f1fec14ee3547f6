"""manage.py seed_demo: a believable demo that can be run again without changing anything."""

import datetime
import io
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.utils import timezone

from collectief.models import Membership, Municipality, MunicipalityUser
from groups.models import (
    Attendance,
    Contributor,
    Enrolment,
    Group,
    GroupCheck,
    GroupStatusChange,
    HandOver,
    Interest,
    Session,
)
from participants.models import Consent, HelpRequest, IndividualSupport, Participant, RouteChange
from reporting import periods
from reporting.kpi import compute_kpis, trend


def _counts():
    return [m.objects.count() for m in (Participant, Group, Enrolment, Session, Attendance, Membership)]


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_working_logins(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    assert first[4] > 2000  # a year and more of attendance

    printed = out.getvalue()
    for username in ("sociaalwerker", "coordinator", "gemeente", "beheerder"):
        line = next(line for line in printed.splitlines() if line.strip().startswith(username))
        password = line.split()[1]
        assert authenticate(username=username, password=password) is not None
    assert MunicipalityUser.objects.get(user__username="gemeente").municipality.name == "Leeuwarden"


@pytest.mark.django_db
def test_seed_demo_has_the_groups_of_the_research():
    call_command("seed_demo", stdout=io.StringIO())
    groups = {g.name: g for g in Group.objects.prefetch_related("life_domains")}
    geld_telt = groups["Geld Telt"]
    assert geld_telt.rhythm == Group.Rhythm.COURSE and geld_telt.planned_sessions == 4
    assert groups["Wandelgroep Bilgaard"].rhythm == Group.Rhythm.WEEKLY
    assert groups["Ouder-en-kindcafé"].rhythm == Group.Rhythm.BIWEEKLY
    assert groups["Scheidingscollectief"].neighbourhood is None  # municipality-wide
    assert "Kookgroep Samen Eten" in groups
    assert {g.kind_id for g in groups.values()} == {"support", "meet", "youth"}
    # Every group run by the organisation has a social worker.
    assert all(g.facilitators.exists() for g in groups.values())


@pytest.mark.django_db
def test_demo_social_worker_sees_a_few_sessions_still_to_log(client_for):
    call_command("seed_demo", stdout=io.StringIO())
    # (That the printed passwords work is checked above; here only what the worker sees counts.)
    worker = get_user_model().objects.get(username="sociaalwerker")
    body = client_for(worker).get("/").content.decode()
    assert 'id="to-log"' in body
    assert "Wandelgroep Bilgaard" in body.split('id="to-log"', 1)[1].split("</ul>", 1)[0]
    # The groups follow their rhythm: only a few genuinely missing dates, not hundreds.
    today = timezone.localdate()
    missing = [
        day
        for group in Group.objects.of_user(worker).exclude(status=Group.Status.ENDED).with_logged_dates()
        if group.is_logged_by_organisation
        for day in group.missing_dates(group.logged_dates or [], today)
    ]
    assert 1 <= len(missing) <= 10, missing
    assert all(today - day <= datetime.timedelta(weeks=4) for day in missing)


@pytest.mark.django_db
def test_no_session_in_the_future_and_none_after_a_hand_over():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.localtime()
    assert not Session.objects.filter(date__gt=now.date()).exists()
    held_today = Session.objects.filter(date=now.date(), status=Session.Status.HELD)
    assert all(not session.starts_after(now) for session in held_today)
    handed_over = Group.objects.filter(status=Group.Status.SELF_RUNNING)
    assert handed_over.exists()
    for group in handed_over:
        assert group.handed_over_on is not None and group.handed_over_on <= now.date()
        assert group.sessions.filter(date__lt=group.handed_over_on).exists()
        assert not group.sessions.filter(date__gte=group.handed_over_on).exists()
        # The organisation's support ended at the hand-over.
        assert not group.enrolments.filter(end_date__isnull=True).exists()


@pytest.mark.django_db
def test_begeleiders_help_run_groups_and_are_recorded_per_session():
    call_command("seed_demo", stdout=io.StringIO())
    kinds = set(Contributor.objects.values_list("kind", flat=True))
    assert {"volunteer", "peer_expert", "student", "partner_staff"} <= kinds
    assert Group.objects.filter(contributors__isnull=False).distinct().count() >= 5
    helped = Session.contributors.through.objects.select_related("session", "contributor")
    assert helped.count() > 100
    for row in helped[:200]:
        assert row.session.status == Session.Status.HELD
        assert row.session.group.contributors.filter(pk=row.contributor_id).exists()
        assert row.contributor.active_from <= row.session.date
    # A resident who also volunteers keeps both roles, linked but apart.
    assert Contributor.objects.filter(participant__isnull=False).exists()


@pytest.mark.django_db
def test_residents_come_and_go_like_a_year_of_real_work():
    call_command("seed_demo", stdout=io.StringIO())
    geld_telt = Group.objects.get(name="Geld Telt")
    # A course of four runs in series, with new residents each time.
    series = set(geld_telt.sessions.values_list("topic", flat=True))
    assert len({topic.split(",")[0] for topic in series}) >= 4
    assert geld_telt.enrolments.count() >= 4 * 5
    reasons = set(Enrolment.objects.exclude(end_reason=None).values_list("end_reason", flat=True))
    assert {"completed_no_further_support", "next_series", "to_individual_support", "dropped_out", "moved",
            "self_running"} <= reasons
    assert len(set(Enrolment.objects.values_list("referral_source", flat=True))) >= 5
    assert Session.objects.filter(status=Session.Status.CANCELLED).exists()
    assert Session.objects.filter(head_count__gt=0).exists()
    assert IndividualSupport.objects.exists()
    routes = set(HelpRequest.objects.values_list("route", flat=True))
    assert routes == {"collective", "individual", "combined", "undecided"}
    individual = HelpRequest.objects.filter(route="individual")
    assert not individual.filter(tenzij_reason="").exists()


@pytest.mark.django_db
def test_the_dashboard_trend_is_not_a_flat_line():
    call_command("seed_demo", stdout=io.StringIO())
    municipality = Municipality.objects.get(name="Leeuwarden")
    today = timezone.localdate()
    last_full_month = today.replace(day=1) - datetime.timedelta(days=1)
    first = datetime.date(last_full_month.year - 1, last_full_month.month, 1)
    months = periods.months(periods.date_range(first, last_full_month))
    rows = trend(municipality, months)
    values = [row["residents_collective"] for row in rows]
    assert len(set(values)) > 3, values
    # Growth over the two years and a summer dip: August below the months around it.
    by_month = {row["label"]: row["residents_collective"] for row in trend(municipality, periods.months(
        periods.date_range(datetime.date(today.year - 2, 1, 1), last_full_month)))}
    august = [label for label in by_month
              if label.endswith("-08") and by_month.get(f"{label[:4]}-06") and f"{label[:4]}-10" in by_month]
    assert august
    for label in august:
        year = label[:4]
        assert by_month[label] < by_month.get(f"{year}-06", 0) and by_month[label] < by_month.get(f"{year}-10", 0)
    assert values[-1] > min(v for v in by_month.values() if v)


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    models = (Participant, Group, Enrolment, Session, Attendance, Contributor, Session.contributors.through,
              HelpRequest, IndividualSupport, Consent, RouteChange, Interest, GroupStatusChange, HandOver, GroupCheck)
    before = [(m.__name__, m.objects.count()) for m in models]
    fields = ("participant_id", "group_id", "start_date", "end_date", "end_reason", "help_request")
    ends = sorted(Enrolment.objects.values_list(*fields))
    requests = sorted(HelpRequest.objects.values_list("pk", "status", "close_reason", "closed_on", "matched_support"))
    capacities = sorted(Group.objects.values_list("pk", "capacity", "status"))
    call_command("seed_demo", stdout=io.StringIO())
    assert [(m.__name__, m.objects.count()) for m in models] == before
    assert sorted(Enrolment.objects.values_list(*fields)) == ends
    assert sorted(
        HelpRequest.objects.values_list("pk", "status", "close_reason", "closed_on", "matched_support")
    ) == requests
    assert sorted(Group.objects.values_list("pk", "capacity", "status")) == capacities


# --- The path from help request to group (issue 11) -----------------------------------------------

ON_THE_BOARD = {"status": "open", "route__in": ["collective", "undecided"]}


@pytest.mark.django_db
def test_the_queue_holds_a_bundle_big_enough_for_a_group_and_a_mixed_one():
    call_command("seed_demo", stdout=io.StringIO())
    board = HelpRequest.objects.filter(**ON_THE_BOARD)
    bundles = Counter(board.values_list("life_domain", "participant__neighbourhood__name"))
    # Five residents of one wijk with money worries: above the threshold of three.
    assert bundles[("financien", "Bilgaard")] == 5
    assert max(bundles.values()) >= 3
    # A mixed bundle: three or more residents of one wijk, each with another question.
    domains = defaultdict(list)
    for domain, wijk in board.values_list("life_domain", "participant__neighbourhood__name"):
        domains[wijk].append(domain)
    assert any(len(found) >= 3 and len(set(found)) == len(found) for found in domains.values()), domains
    # Open requests in several wijken, of residents of different ages and languages, with the days that suit.
    open_requests = HelpRequest.objects.filter(status="open").select_related("participant")
    assert len({r.participant.neighbourhood_id for r in open_requests}) >= 6
    assert len({r.participant.preferred_language for r in open_requests}) >= 4
    births = [r.participant.birth_date.year for r in open_requests]
    assert max(births) - min(births) >= 30
    assert sum(bool(r.preferred_days and r.preferred_dayparts) for r in open_requests) >= 10
    assert {"collective", "undecided", "individual", "combined"} <= {r.route for r in open_requests}


@pytest.mark.django_db
def test_every_request_has_a_route_history_that_ends_in_its_route():
    call_command("seed_demo", stdout=io.StringIO())
    history = defaultdict(list)
    for request_id, route, reason in RouteChange.objects.order_by("date", "id").values_list(
        "help_request_id", "route", "tenzij_reason"
    ):
        history[request_id].append((route, reason))
    requests = HelpRequest.objects.values_list("pk", "route", "tenzij_reason")
    assert all(history[pk] and history[pk][-1] == (route, reason) for pk, route, reason in requests)
    # Routes change over time: undecided, then individual for now, then a group.
    assert any([step[0] for step in steps] == ["undecided", "individual", "collective"] for steps in history.values())
    reasons = set(RouteChange.objects.values_list("tenzij_reason", flat=True))
    assert {"clarify_first", "language", "time_does_not_fit", "transport", "too_complex"} <= reasons
    # Requests end matched (to an enrolment or individual support) or closed for a reason.
    assert HelpRequest.objects.filter(status="matched", enrolments__isnull=False).count() >= 50
    assert HelpRequest.objects.filter(status="matched", matched_support__isnull=False).exists()
    assert {"solved", "elsewhere", "moved", "not_reachable"} <= set(
        HelpRequest.objects.filter(status="closed").values_list("close_reason", flat=True)
    )


@pytest.mark.django_db
def test_the_waiting_time_figures_have_data():
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    figures = compute_kpis(
        Municipality.objects.get(name="Leeuwarden"), periods.date_range(today - datetime.timedelta(days=365), today)
    )
    assert figures["waiting_days_median"] is not None and figures["waiting_days_median"] > 7
    assert figures["waiting_days_p90"] >= figures["waiting_days_median"]
    assert all(figures["requests_by_route"][route] > 0 for route in ("collective", "individual", "undecided"))


@pytest.mark.django_db
def test_a_full_group_has_a_waiting_list_with_a_trial_at_its_next_meeting():
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    group = Group.objects.get(interests__status="trial")
    assert group.capacity and group.places_taken(today) == group.capacity  # full
    waiting = group.interests.waiting()
    assert waiting.count() == 3
    trial = waiting.get(status="trial")
    assert today < trial.trial_date <= today + datetime.timedelta(days=7)
    assert trial.trial_date.weekday() == group.usual_weekday
    assert waiting.filter(since__lt=today - datetime.timedelta(weeks=4)).exists()  # the start page shows them
    assert all(i.help_request.participant_id == i.participant_id and i.help_request.is_open for i in waiting)


@pytest.mark.django_db
def test_a_course_runs_in_three_linked_series_and_residents_go_on_to_the_next():
    call_command("seed_demo", stdout=io.StringIO())
    third = Group.objects.get(series_number=3)
    second = third.previous_series
    first = second.previous_series
    assert (first.series_number, second.series_number, first.previous_series) == (1, 2, None)
    assert {g.name for g in (first, second, third)} == {"Geld Telt Grou"}
    assert all(g.rhythm == Group.Rhythm.COURSE and g.planned_sessions == 4 for g in (first, second, third))
    assert first.end_date < second.start_date and second.end_date < third.start_date
    assert (first.status, second.status) == (Group.Status.ENDED, Group.Status.ENDED)
    assert first.sessions.count() == second.sessions.count() == 4
    for earlier, later in ((first, second), (second, third)):
        moved_on = earlier.enrolments.filter(end_reason="next_series")
        assert moved_on.exists()
        for enrolment in moved_on:
            next_one = later.enrolments.filter(participant=enrolment.participant, start_date__gt=enrolment.end_date)
            assert next_one.exists()


@pytest.mark.django_db
def test_a_group_phases_out_with_a_hand_over_plan_and_a_self_running_group_is_checked():
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    phasing_out = Group.objects.get(status=Group.Status.PHASING_OUT)
    assert phasing_out.hand_over.planned_on > today
    co_lead = phasing_out.enrolments.active(today).filter(role="co_lead").select_related("participant").get()
    assert phasing_out.hand_over.contact_person == co_lead.participant.full_name
    assert list(phasing_out.status_changes.values_list("status", flat=True)) == ["running", "phasing_out"]
    assert phasing_out.sessions.filter(date__gte=today - datetime.timedelta(weeks=3)).exists()  # still logged

    self_running = Group.objects.get(status=Group.Status.SELF_RUNNING)
    assert list(self_running.status_changes.values_list("status", flat=True)) == [
        "running", "phasing_out", "self_running"
    ]
    check = self_running.checks.get()
    assert check.still_meets and self_running.handed_over_on < check.date <= today


# --- What the groups meant (issue 12) ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_holds_wishes_with_histories_measurements_survey_responses_and_stories():
    from collectief.models import Team
    from outcomes import stories
    from outcomes.health import paired_change
    from outcomes.models import Answer, Story, SurveyLink, SurveyResponse
    from outcomes.survey import survey_table
    from participants.models import ChangeWishNote

    call_command("seed_demo", stdout=io.StringIO())
    models = (SurveyResponse, Answer, Story, SurveyLink, ChangeWishNote, Enrolment.change_wishes.through)
    before = [m.objects.count() for m in models]
    call_command("seed_demo", stdout=io.StringIO())
    assert [m.objects.count() for m in models] == before  # idempotent

    today = timezone.localdate()
    last_12_months = periods.date_range(today - datetime.timedelta(days=365), today)
    story_year = periods.year((today - datetime.timedelta(days=45)).year)  # the demo's stories are 45 days old
    municipality = Municipality.objects.get(name="Leeuwarden")
    assert ChangeWishNote.objects.filter(kind="reworded").exists()
    assert ChangeWishNote.objects.filter(kind="reflection").exists()
    teams = list(Team.objects.filter(municipality=municipality).values_list("pk", flat=True))
    assert paired_change(teams, last_12_months)["shown"]  # at least 5 residents with a start and an end
    rows = survey_table(municipality, last_12_months)
    assert any(not row["hidden"] for row in rows) and any(row["hidden"] for row in rows)
    assert stories.tag_counts(municipality, story_year)
    assert len(stories.chosen(municipality, story_year)) == 1
    assert SurveyLink.objects.filter(open_until__gte=today).exists()
