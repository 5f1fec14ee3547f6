"""The participant list: search, filters, paging, and a query count that does not grow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collectief.models import AuditEvent
from tests.factories import (
    EnrolmentFactory,
    GroupFactory,
    IndividualSupportFactory,
    MembershipFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    TeamFactory,
)

URL = "/deelnemers/"


def _names(response):
    return response.content.decode()


def test_list_url_keeps_its_name():
    assert reverse("participants:list") == URL


@pytest.mark.django_db
def test_list_shows_own_team_residents_and_a_new_participant_button(client_for, worker, participant):
    response = client_for(worker).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "El Amrani, Fatima" in html
    assert "Nieuwe deelnemer" in html
    assert reverse("participants:create") in html


@pytest.mark.django_db
def test_search_ignores_case_and_accents(client_for, worker, team_a):
    ParticipantFactory(team=team_a, first_name="Zoë", last_name="Hoekstra")
    ParticipantFactory(team=team_a, first_name="Piet", last_name="Bakker")
    response = client_for(worker).get(URL, {"q": "zoe hoek"})
    assert "Hoekstra" in _names(response)
    assert "Bakker" not in _names(response)


@pytest.mark.django_db
def test_filter_by_neighbourhood_and_team(client_for, worker, team_a, municipality, neighbourhood):
    other_team = TeamFactory(municipality=municipality, name="Wijkteam Zuid")
    MembershipFactory(user=worker, team=other_team)
    elsewhere = NeighbourhoodFactory(municipality=municipality, name="Heechterp")
    ParticipantFactory(team=team_a, neighbourhood=neighbourhood, last_name="Bilgaardster")
    ParticipantFactory(team=other_team, neighbourhood=elsewhere, last_name="Heechterper")
    client = client_for(worker)
    by_wijk = _names(client.get(URL, {"neighbourhood": neighbourhood.pk}))
    assert "Bilgaardster" in by_wijk and "Heechterper" not in by_wijk
    by_team = _names(client.get(URL, {"team": other_team.pk}))
    assert "Heechterper" in by_team and "Bilgaardster" not in by_team


@pytest.mark.django_db
def test_filter_active_and_inactive(client_for, worker, team_a):
    in_group = ParticipantFactory(team=team_a, last_name="Ingroep")
    EnrolmentFactory(
        participant=in_group, group=GroupFactory(team=team_a), start_date=datetime.date(2024, 1, 1)
    )
    supported = ParticipantFactory(team=team_a, last_name="Thuishulp")
    IndividualSupportFactory(participant=supported, start_date=datetime.date(2024, 1, 1))
    stopped = ParticipantFactory(team=team_a, last_name="Gestopt")
    IndividualSupportFactory(
        participant=stopped, start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2023, 6, 1)
    )
    client = client_for(worker)
    active = _names(client.get(URL, {"status": "active"}))
    assert "Ingroep" in active and "Thuishulp" in active and "Gestopt" not in active
    inactive = _names(client.get(URL, {"status": "inactive"}))
    assert "Gestopt" in inactive and "Ingroep" not in inactive


@pytest.mark.django_db
def test_team_filter_does_not_offer_or_accept_another_teams_id(
    client_for, worker, team_b, other_team_participant
):
    client = client_for(worker)
    html = _names(client.get(URL))
    assert "Wijkteam Centrum" not in html
    response = client.get(URL, {"team": team_b.pk})
    assert response.status_code == 200
    assert "Zijlstra" not in _names(response)
    assert "genegeerd" in _names(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"team": "abc", "page": "zzz"},
        {"neighbourhood": "-1", "status": "maybe"},
        {"q": "x" * 500},
        {"page": "99999"},
        {"q": "%_\\'\"<script>"},
    ],
)
def test_garbage_in_the_filters_gives_a_page_not_an_error(client_for, worker, participant, query):
    response = client_for(worker).get(URL, query)
    assert response.status_code == 200


@pytest.mark.django_db
def test_list_is_paginated_and_keeps_the_filters_in_page_links(client_for, worker, team_a):
    ParticipantFactory.create_batch(30, team=team_a, first_name="Jan")
    response = client_for(worker).get(URL, {"q": "jan"})
    html = _names(response)
    assert "Pagina 1 van 2" in html
    assert "q=jan&amp;page=2" in html
    second = client_for(worker).get(URL, {"q": "jan", "page": 2})
    assert second.context["page"].number == 2
    assert len(second.context["page"].object_list) == 5


@pytest.mark.django_db
def test_htmx_search_returns_only_the_results(client_for, worker, participant):
    response = client_for(worker).get(
        URL, {"q": "fatima"}, headers={"HX-Request": "true", "HX-Target": "participant-results"}
    )
    html = response.content.decode()
    assert "El Amrani" in html
    assert "<html" not in html


@pytest.mark.django_db
def test_viewing_the_list_is_audited_with_ids_not_names(client_for, worker, participant):
    client_for(worker).get(URL, {"q": "Fatima"})
    event = AuditEvent.objects.get(event="participant_list.viewed")
    assert event.user == worker
    assert event.data == {"filters": ["q"], "participant_ids": [participant.pk]}


def _many_residents(team, neighbourhood, count):
    group = GroupFactory(team=team)
    for i in range(count):
        p = ParticipantFactory(team=team, neighbourhood=neighbourhood)
        if i % 2:
            EnrolmentFactory(participant=p, group=group)
        if i % 3 == 0:
            IndividualSupportFactory(participant=p)


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_the_number_of_residents(
    client_for, worker, team_a, neighbourhood, django_assert_max_num_queries
):
    client = client_for(worker)
    _many_residents(team_a, neighbourhood, 3)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"status": "active"})
    _many_residents(team_a, neighbourhood, 60)
    with django_assert_max_num_queries(14), CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"status": "active", "neighbourhood": neighbourhood.pk})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25
    assert len(many) <= len(few) + 1  # +1: the neighbourhood filter validates its choice
