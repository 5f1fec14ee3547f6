"""The social worker's start page and the rhythm that decides which session is still to log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Group, Session
from tests.factories import GroupFactory, SessionFactory

from .conftest import many_groups

D = datetime.date


# --- Group.due_date ------------------------------------------------------------------------------


def make(rhythm="weekly", weekday=1, **kwargs):
    """An unsaved group; start 2024-01-01 is a Monday."""
    defaults = {"name": "X", "kind_id": "support", "status": "running", "start_date": D(2024, 1, 1)}
    return Group(rhythm=rhythm, usual_weekday=weekday, **{**defaults, **kwargs})


@pytest.mark.parametrize(
    "rhythm, weekday, last, held, expected",
    [
        ("weekly", 1, None, 0, D(2024, 1, 2)),  # first Tuesday on or after the start date
        ("weekly", 1, D(2024, 3, 5), 5, D(2024, 3, 12)),
        ("weekly", 1, D(2024, 3, 6), 5, D(2024, 3, 12)),  # moved a day: still next Tuesday
        ("weekly", None, D(2024, 3, 6), 5, D(2024, 3, 13)),
        ("biweekly", 3, D(2024, 3, 7), 5, D(2024, 3, 21)),
        ("twice_weekly", 0, D(2024, 3, 4), 5, D(2024, 3, 7)),  # Monday -> Thursday
        ("twice_weekly", 0, D(2024, 3, 7), 5, D(2024, 3, 11)),  # Thursday -> Monday
        ("twice_weekly", None, D(2024, 3, 7), 5, D(2024, 3, 11)),
        ("course", 1, D(2024, 3, 5), 3, D(2024, 3, 12)),
        ("course", 1, D(2024, 3, 12), 4, None),  # the course of 4 is complete
    ],
)
def test_the_next_session_follows_the_rhythm(rhythm, weekday, last, held, expected):
    assert make(rhythm, weekday, planned_sessions=4).due_date(last, held) == expected


@pytest.mark.parametrize("status", ["self_running", "ended"])
def test_self_running_and_ended_groups_are_not_chased(status):
    assert make(status=status).due_date(D(2024, 3, 5), 3) is None


def test_nothing_is_due_after_the_end_date():
    assert make(end_date=D(2024, 3, 10)).due_date(D(2024, 3, 5), 3) is None


# --- The page ------------------------------------------------------------------------------------


def last_weekday(weekday, before):
    """The latest date with this weekday strictly before ``before``."""
    return before - datetime.timedelta(days=(before.weekday() - weekday - 1) % 7 + 1)


def test_the_start_page_shows_an_overdue_group_with_a_one_click_button(client_for, worker, group):
    today = timezone.localdate()
    # The group meets on Thursdays; log the Thursday two weeks ago, so last week's is missing.
    logged = last_weekday(3, today) - datetime.timedelta(days=7)
    SessionFactory(group=group, date=logged, start_time=datetime.time(10))
    body = client_for(worker).get("/").content.decode()
    assert 'id="to-log"' in body and "Wandelgroep Bilgaard" in body
    assert "Bijeenkomst van vandaag registreren" in body
    assert reverse("groups:session_create", args=[group.pk]) in body
    missing = logged + datetime.timedelta(days=7)
    assert f"?date={missing.isoformat()}" in body


def test_a_group_whose_sessions_are_all_logged_is_not_listed_as_overdue(client_for, worker, group):
    today = timezone.localdate()
    SessionFactory(group=group, date=today, start_time=datetime.time(10))
    body = client_for(worker).get("/").content.decode()
    assert 'id="to-log"' not in body and "Alle geplande bijeenkomsten zijn geregistreerd" in body
    assert "Mijn collectieven" in body and "Wandelgroep Bilgaard" in body


def test_a_colleague_sees_the_group_of_the_team_under_other_groups(client_for, colleague, group):
    body = client_for(colleague).get("/").content.decode()
    assert "Andere collectieven van mijn team" in body and "Wandelgroep Bilgaard" in body
    assert "U begeleidt nog geen collectief" in body


def test_the_start_page_hides_groups_of_other_teams(client_for, outsider, group):
    assert "Wandelgroep Bilgaard" not in client_for(outsider).get("/").content.decode()


def test_the_start_page_hides_ended_groups(client_for, worker, team_a):
    GroupFactory(name="Afgelopen reeks", team=team_a, status="ended", end_date=datetime.date(2024, 6, 1))
    assert "Afgelopen reeks" not in client_for(worker).get("/").content.decode()


def test_the_start_page_runs_a_constant_number_of_queries(client_for, worker, team_a,
                                                         django_assert_max_num_queries):
    many_groups(team_a, worker, 80)
    client = client_for(worker)
    with django_assert_max_num_queries(6):
        body = client.get("/").content.decode()
    assert body.count("Bijeenkomst van vandaag registreren") >= 80


def test_an_administrator_without_a_team_gets_a_start_page(client_for, administrator, group):
    assert client_for(administrator).get("/").status_code == 200


def test_the_start_page_link_opens_a_prefilled_form_for_the_missing_date(client_for, worker, group, members):
    today = timezone.localdate()
    logged = last_weekday(3, today) - datetime.timedelta(days=7)
    SessionFactory(group=group, date=logged, start_time=datetime.time(10))
    missing = logged + datetime.timedelta(days=7)
    client = client_for(worker)
    body = client.get(reverse("groups:session_create", args=[group.pk]) + f"?date={missing.isoformat()}").content
    assert f'value="{missing.isoformat()}"'.encode() in body
    data = {"date": missing.isoformat(), "start_time": "10:00", "duration_minutes": "90", "status": "held",
            "head_count": "0"}
    client.post(reverse("groups:session_create", args=[group.pk]), data)
    assert Session.objects.filter(group=group, date=missing).exists()
    assert 'id="to-log"' not in client.get("/").content.decode() or today.weekday() == 3
