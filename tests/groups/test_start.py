"""The social worker's start page and the rhythm that decides which session is still to log."""

import datetime

from django.urls import reverse
from django.utils import timezone

from groups.models import Session
from tests.factories import GroupFactory, SessionFactory

from .conftest import many_groups

D = datetime.date


# --- The page ------------------------------------------------------------------------------------


def last_weekday(weekday, before):
    """The latest date with this weekday strictly before ``before``."""
    return before - datetime.timedelta(days=(before.weekday() - weekday - 1) % 7 + 1)


def recent_group(group, weeks=3):
    """The walking group (Thursdays), started ``weeks`` Thursdays ago."""
    group.start_date = last_weekday(3, timezone.localdate() + datetime.timedelta(days=1)) - datetime.timedelta(
        weeks=weeks
    )
    group.save(update_fields=["start_date"])
    return group


def test_the_start_page_shows_an_overdue_group_with_a_one_click_button(client_for, worker, group):
    recent_group(group)
    today = timezone.localdate()
    # Log every Thursday but last week's, which is missing.
    thursdays = [last_weekday(3, today + datetime.timedelta(days=1)) - datetime.timedelta(weeks=k) for k in range(4)]
    missing = thursdays[1] if thursdays[0] == today else thursdays[0]
    for day in thursdays:
        if day != missing:
            SessionFactory(group=group, date=day, start_time=datetime.time(0, 0))
    body = client_for(worker).get("/").content.decode()
    assert 'id="to-log"' in body and "Wandelgroep Bilgaard" in body
    assert reverse("groups:session_create", args=[group.pk]) in body
    assert f"?date={missing.isoformat()}" in body
    assert "1 geplande bijeenkomst zonder registratie" in body


def test_a_group_whose_sessions_are_all_logged_is_not_listed_as_overdue(client_for, worker, group):
    recent_group(group)
    for day in group.expected_dates(timezone.localdate()):
        SessionFactory(group=group, date=day, start_time=datetime.time(0, 0))
    body = client_for(worker).get("/").content.decode()
    assert 'id="to-log"' not in body and "Alle geplande bijeenkomsten zijn geregistreerd" in body
    assert "Mijn collectieven" in body and "Wandelgroep Bilgaard" in body


def test_a_colleague_sees_the_group_of_the_team_under_other_groups(client_for, colleague, group):
    body = client_for(colleague).get("/").content.decode()
    assert "Andere collectieven van mijn team" in body and "Wandelgroep Bilgaard" in body
    assert "Je begeleidt nog geen collectief" in body  # staff pages say je


def test_the_start_page_hides_groups_of_other_teams(client_for, outsider, group):
    assert "Wandelgroep Bilgaard" not in client_for(outsider).get("/").content.decode()


def test_the_start_page_hides_ended_groups(client_for, worker, team_a):
    GroupFactory(name="Afgelopen reeks", team=team_a, status="ended", end_date=datetime.date(2024, 6, 1))
    assert "Afgelopen reeks" not in client_for(worker).get("/").content.decode()


def test_the_start_page_runs_a_constant_number_of_queries(client_for, worker, team_a,
                                                         django_assert_max_num_queries):
    many_groups(team_a, worker, 80)
    client = client_for(worker)
    # 6, plus the sign-ups for my groups and the offers to check (issue 13): one query each.
    with django_assert_max_num_queries(8):
        body = client.get("/").content.decode()
    # Every group started in January 2024 and logged only three sessions: all 80 are listed.
    assert body.count('class="list-group-item to-log-item"') == 80


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
    assert f"?date={missing.isoformat()}" not in client.get("/").content.decode()
