"""The team queue of help requests (/ondersteuningsvragen/) and the weighing step of one request.

"Today" is fixed at 14 March 2025 (``django.utils.timezone.localdate`` is replaced for the test), so
days waiting and age bands have known answers.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent, Membership
from participants import services
from participants.models import HelpRequest, RouteChange
from tests.factories import (
    GroupFactory,
    HelpRequestFactory,
    IndividualSupportFactory,
    MembershipFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    TeamFactory,
    UserFactory,
)

D = datetime.date
TODAY = D(2025, 3, 14)
QUEUE = reverse("pathway:queue")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


BORN = D(1990, 5, 1)
ASKED = D(2025, 3, 1)


def _request(team, *, first_name="Anna", last_name="Bosma", birth_date=BORN, date=ASKED,
             neighbourhood=None, language="nl", **fields):
    person = ParticipantFactory(team=team, first_name=first_name, last_name=last_name, birth_date=birth_date,
                                neighbourhood=neighbourhood, preferred_language=language)
    return HelpRequestFactory(participant=person, date=date, **fields)


def _url(name, help_request):
    return reverse(f"pathway:{name}", args=[help_request.pk])


def _rows(response):
    return [hr.pk for hr in response.context["page"].object_list]


# --- Who sees what ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_lists_only_open_requests_of_my_teams(client_for, worker, team_a, team_b):
    mine = _request(team_a, first_name="Sjoukje", last_name="Dijkstra")
    _request(team_a, first_name="Geert", last_name="Gesloten", status="closed", close_reason="solved",
             closed_on=D(2025, 3, 10))
    _request(team_b, first_name="Ottoline", last_name="Buitenhuizinga")
    erased = _request(team_a, first_name="Weg", last_name="Gewist")
    erased.participant.erased_at = timezone.now()
    erased.participant.save(update_fields=["erased_at"])

    response = client_for(worker).get(QUEUE)

    assert response.status_code == 200
    assert _rows(response) == [mine.pk]
    text = response.content.decode()
    assert "Sjoukje Dijkstra" in text
    assert "Buitenhuizinga" not in text and "Gesloten" not in text and "Gewist" not in text
    assert f'id="vraag-{mine.pk}"' in text


@pytest.mark.django_db
def test_outsider_gets_404_for_another_teams_request_and_its_actions(client_for, outsider, team_a):
    theirs = _request(team_a)
    support = IndividualSupportFactory(participant=theirs.participant)
    client = client_for(outsider)
    assert client.get(_url("request", theirs)).status_code == 404
    for name, data in (("request_weigh", {"route": "collective"}), ("request_close", {"reason": "solved"}),
                       ("request_times", {"preferred_days": ["0"]}), ("request_reopen", {}),
                       ("request_match", {"support": support.pk})):
        assert client.post(_url(name, theirs), data).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.route, theirs.preferred_days) == ("open", "undecided", [])
    assert not RouteChange.objects.exists()


@pytest.mark.django_db
def test_municipality_contact_gets_403_and_anonymous_the_login_page(client, client_for, municipality_user, team_a):
    request = _request(team_a)
    assert client.get(QUEUE).status_code == 302
    contact = client_for(municipality_user)
    assert contact.get(QUEUE).status_code == 403
    assert contact.get(_url("request", request)).status_code == 403
    assert contact.post(_url("request_weigh", request), {"route": "collective"}).status_code == 403


# --- What a row says ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_days_waiting_and_age_band_follow_the_dates(client_for, worker, team_a):
    turns_18_today = _request(team_a, first_name="Jong", birth_date=D(2007, 3, 14), date=D(2025, 2, 12))
    turns_18_tomorrow = _request(team_a, first_name="Jonger", birth_date=D(2007, 3, 15), date=D(2025, 3, 14))
    turns_67_today = _request(team_a, first_name="Oud", birth_date=D(1958, 3, 14), date=D(2024, 3, 14))
    still_66 = _request(team_a, first_name="Bijna", birth_date=D(1958, 3, 15), date=D(2025, 3, 13))

    response = client_for(worker).get(QUEUE)

    rows = {hr.pk: hr for hr in response.context["page"].object_list}
    assert {pk: (hr.days_waiting, hr.age_band) for pk, hr in rows.items()} == {
        turns_18_today.pk: (30, "18_26"),
        turns_18_tomorrow.pk: (0, "u18"),
        turns_67_today.pk: (365, "67plus"),
        still_66.pk: (1, "45_66"),
    }
    # Longest waiting first.
    assert _rows(response) == [turns_67_today.pk, turns_18_today.pk, still_66.pk, turns_18_tomorrow.pk]
    text = response.content.decode()
    assert "30 dagen" in text and "365 dagen" in text and "1 dag<" in text
    assert "18–26" in text and "67 en ouder" in text
    # An age band, never the birth date.
    assert "2007" not in text and "1958" not in text


@pytest.mark.django_db
def test_row_shows_route_with_reason_wijk_language_and_days_that_suit(client_for, worker, team_a, neighbourhood):
    _request(team_a, neighbourhood=neighbourhood, language="ar", route="individual", tenzij_reason="language",
             preferred_days=[0, 2], preferred_dayparts=["morning", "evening"])
    text = client_for(worker).get(QUEUE).content.decode()
    assert "Individueel" in text and "tenzij: taal" in text
    assert "Bilgaard" in text and "Arabisch" in text
    assert "maandag, woensdag · ochtend, avond" in text


# --- Filters ----------------------------------------------------------------------------------------


@pytest.fixture
def spread(municipality, team_a, neighbourhood, coordinator):
    """Requests that differ in one thing each; the coordinator also works in a second team."""
    other_wijk = NeighbourhoodFactory(municipality=municipality, name="Camminghaburen")
    team_c = TeamFactory(municipality=municipality, name="Wijkteam Zuid")
    MembershipFactory(user=coordinator, team=team_c, role=Membership.Role.SOCIAL_WORKER)
    rows = {
        "a": _request(team_a, first_name="Aaltje", route="collective", life_domain_id="financien",
                      neighbourhood=neighbourhood, language="nl", birth_date=D(1990, 1, 1), date=D(2025, 3, 4)),
        "b": _request(team_a, first_name="Baukje", route="individual", tenzij_reason="language",
                      life_domain_id="wonen", neighbourhood=other_wijk, language="ar", birth_date=D(1950, 1, 1),
                      date=D(2025, 2, 2)),
        "c": _request(team_a, first_name="Cornelis", route="undecided", life_domain_id=None, language="tr",
                      birth_date=D(2004, 1, 1), date=D(2024, 12, 4)),
        "closed": _request(team_a, first_name="Dirk", status="closed", close_reason="moved",
                           closed_on=D(2025, 3, 1), date=D(2025, 1, 1)),
        "matched": _request(team_a, first_name="Eelke", status="matched", closed_on=D(2025, 3, 2),
                            date=D(2025, 1, 2)),
        "f": _request(team_c, first_name="Fokje", route="combined", life_domain_id="wonen", language="nl",
                      birth_date=D(1985, 1, 1), date=D(2025, 3, 10)),
    }
    return {"rows": rows, "other_wijk": other_wijk, "team_c": team_c}


FILTERS = [
    ({}, {"c", "b", "a", "f"}),
    ({"route": "collective"}, {"a"}),
    ({"route": "individual"}, {"b"}),
    ({"life_domain": "financien"}, {"a"}),
    ({"life_domain": "wonen"}, {"b", "f"}),
    ({"wijk": "other_wijk"}, {"b"}),
    ({"language": "ar"}, {"b"}),
    ({"age_band": "18_26"}, {"c"}),
    ({"age_band": "67plus"}, {"b"}),
    ({"age_band": "27_44"}, {"a", "f"}),
    ({"weeks": "4"}, {"b", "c"}),  # 40 and 100 days; 10 and 4 days are not longer than 28
    ({"weeks": "6"}, {"c"}),
    ({"team": "team_c"}, {"f"}),
    ({"status": "closed"}, {"closed"}),
    ({"status": "matched"}, {"matched"}),
    ({"status": "open", "route": "individual", "language": "ar", "weeks": "4"}, {"b"}),
    ({"route": "collective", "language": "ar"}, set()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_each_filter_narrows_to_exactly_the_right_requests(query, expected, spread, client_for, coordinator):
    values = {"other_wijk": spread["other_wijk"].pk, "team_c": spread["team_c"].pk}
    query = {key: values.get(value, value) for key, value in query.items()}
    response = client_for(coordinator).get(QUEUE, query)
    assert response.status_code == 200
    assert set(_rows(response)) == {spread["rows"][name].pk for name in expected}


@pytest.mark.django_db
def test_team_filter_is_offered_only_to_someone_in_several_teams(spread, client_for, coordinator, worker):
    assert 'name="team"' in client_for(coordinator).get(QUEUE).content.decode()
    assert 'name="team"' not in client_for(worker).get(QUEUE).content.decode()


@pytest.mark.django_db
def test_filters_not_understood_are_ignored_with_a_message(spread, client_for, coordinator, team_b):
    response = client_for(coordinator).get(QUEUE, {"route": "zzz", "weeks": "-3", "team": team_b.pk,
                                                   "life_domain": "x\x00y", "status": "everything"})
    assert response.status_code == 200
    assert "Sommige filters zijn niet begrepen en genegeerd" in response.content.decode()
    assert len(_rows(response)) == 4  # the open requests, nothing of team B


@pytest.mark.django_db
def test_long_queue_is_paginated_and_keeps_its_filters(client_for, worker, team_a):
    for day in range(60):
        _request(team_a, date=D(2025, 1, 1) + datetime.timedelta(days=day), route="collective")
    client = client_for(worker)
    first = client.get(QUEUE, {"route": "collective"})
    assert len(_rows(first)) == 50
    assert "route=collective&amp;page=2" in first.content.decode()
    second = client.get(QUEUE, {"route": "collective", "page": "2"})
    assert len(_rows(second)) == 10
    assert set(_rows(first)).isdisjoint(_rows(second))


@pytest.mark.django_db
def test_queue_query_count_does_not_grow_with_the_rows(
    client_for, worker, team_a, neighbourhood, django_assert_max_num_queries
):
    client = client_for(worker)
    for i in range(3):
        _request(team_a, neighbourhood=neighbourhood, life_domain_id="financien", preferred_days=[i])
    client.get(QUEUE)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert len(_rows(client.get(QUEUE))) == 3
    for i in range(40):
        _request(team_a, neighbourhood=neighbourhood, life_domain_id="wonen", route="individual",
                 tenzij_reason="transport", preferred_dayparts=["morning"], date=D(2025, 1, 1 + i % 28))
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        assert len(_rows(client.get(QUEUE))) == 43
    assert len(many) == len(few)


@pytest.mark.django_db
def test_viewing_the_queue_is_audited_with_the_residents_on_the_page(client_for, worker, team_a, team_b):
    shown = [_request(team_a, first_name=f"Naam{i}") for i in range(2)]
    _request(team_b)
    client_for(worker).get(QUEUE, {"route": "undecided", "q": "ignored"})
    event = AuditEvent.objects.get(event="help_request_queue.viewed")
    assert event.user == worker
    assert sorted(event.participant_ids) == sorted(hr.participant_id for hr in shown)
    assert event.data["filters"] == ["route"]


# --- The weighing step --------------------------------------------------------------------------------


@pytest.fixture
def weighed(worker, team_a):
    """A request registered through the service, so its first route step exists."""
    person = ParticipantFactory(team=team_a, first_name="Wiebren", last_name="Hoekstra")
    return services.route_help_request(
        worker, HelpRequest(participant=person, theme="Schulden", life_domain_id="financien", date=D(2025, 2, 1))
    )


@pytest.mark.django_db
def test_route_history_keeps_every_weighing(client_for, worker, colleague, weighed):
    steps = [
        (worker, {"route": "collective", "why": "Past bij Geld Telt"}),
        (colleague, {"route": "individual", "tenzij_reason": "language", "why": "Spreekt nog weinig Nederlands"}),
        (worker, {"route": "combined", "tenzij_reason": "clarify_first", "why": "Eerst samen uitzoeken"}),
    ]
    for user, data in steps:
        response = client_for(user).post(_url("request_weigh", weighed), data)
        assert response.status_code == 302

    history = list(weighed.route_changes.order_by("id"))
    assert [(s.route, s.tenzij_reason, s.changed_by) for s in history] == [
        ("undecided", "", worker),
        ("collective", "", worker),
        ("individual", "language", colleague),
        ("combined", "clarify_first", worker),
    ]
    assert [s.date for s in history] == [D(2025, 2, 1), TODAY, TODAY, TODAY]
    assert history[2].why == "Spreekt nog weinig Nederlands"
    weighed.refresh_from_db()
    assert (weighed.route, weighed.tenzij_reason) == ("combined", "clarify_first")

    page = client_for(worker).get(_url("request", weighed)).content.decode()
    for text in ("Past bij Geld Telt", "tenzij: taal", "tenzij: eerst vraag verhelderen", "Jelle", "Gecombineerd"):
        assert text in page
    assert page.count('class="list-group-item"') == 4


@pytest.mark.django_db
def test_individual_route_without_a_tenzij_reason_is_refused_and_nothing_is_saved(client_for, worker, weighed):
    response = client_for(worker).post(_url("request_weigh", weighed), {"route": "individual", "why": "x"})
    assert response.status_code == 200
    assert "Route individueel: geef aan waarom een collectief (nog) niet past." in response.content.decode()
    weighed.refresh_from_db()
    assert weighed.route == "undecided"
    assert weighed.route_changes.count() == 1
    assert not AuditEvent.objects.filter(event="help_request.updated").exists()
    # The page shows what is stored, not the refused choice.
    assert response.context["help_request"].route == "undecided"


@pytest.mark.django_db
def test_weighing_page_shows_every_tenzij_reason_in_dutch_and_warns_about_sensitive_details(
    client_for, worker, weighed
):
    text = client_for(worker).get(_url("request", weighed)).content.decode()
    for label in ("Te complex voor een groep", "Eerst vraag verhelderen", "Taal", "Dag of tijd past niet",
                  "Vervoer", "Geen passend collectief"):
        assert f">{label}</option>" in text
    assert "zonder gevoelige details" in text


@pytest.mark.django_db
def test_weighing_page_links_to_the_board_for_its_life_domain_and_wijk(client_for, worker, team_a, neighbourhood):
    request = _request(team_a, neighbourhood=neighbourhood, life_domain_id="financien")
    text = client_for(worker).get(_url("request", request)).content.decode()
    assert f'{reverse("pathway:board")}?life_domain=financien&amp;wijk={neighbourhood.pk}' in text
    assert reverse("participants:detail", args=[request.participant_id]) in text


@pytest.mark.django_db
def test_opening_the_weighing_page_is_audited_against_the_resident(client_for, worker, weighed):
    client_for(worker).get(_url("request", weighed))
    event = AuditEvent.objects.get(event="help_request.viewed")
    assert (event.user, event.participant_ids, event.data["help_request"]) == (
        worker, [weighed.participant_id], weighed.pk
    )


@pytest.mark.django_db
def test_days_and_dayparts_are_saved_in_order_and_audited(client_for, worker, weighed):
    response = client_for(worker).post(
        _url("request_times", weighed), {"preferred_days": ["4", "0"], "preferred_dayparts": ["evening", "morning"]}
    )
    assert response.status_code == 302
    weighed.refresh_from_db()
    assert (weighed.preferred_days, weighed.preferred_dayparts) == ([0, 4], ["morning", "evening"])
    event = AuditEvent.objects.get(event="help_request.updated")
    assert event.data["fields"] == ["preferred_days", "preferred_dayparts"]
    assert event.participant_ids == [weighed.participant_id]


@pytest.mark.django_db
def test_an_unknown_day_is_refused_with_a_message(client_for, worker, weighed):
    response = client_for(worker).post(_url("request_times", weighed), {"preferred_days": ["9"]})
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()
    weighed.refresh_from_db()
    assert weighed.preferred_days == []


# --- How a request ends ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_closing_with_a_reason_takes_the_request_out_of_the_queue(client_for, worker, weighed):
    client = client_for(worker)
    response = client.post(_url("request_close", weighed), {"reason": "no_longer_needed", "closed_on": "2025-03-10"})
    assert response.status_code == 302
    weighed.refresh_from_db()
    assert (weighed.status, weighed.close_reason, weighed.closed_on) == ("closed", "no_longer_needed", D(2025, 3, 10))
    assert _rows(client.get(QUEUE)) == []
    closed = client.get(QUEUE, {"status": "closed"})
    assert _rows(closed) == [weighed.pk]
    assert closed.context["page"].object_list[0].days_waited == 37
    assert AuditEvent.objects.filter(event="help_request.updated", data__status="closed").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), [
    ({"reason": "", "closed_on": "2025-03-10"}, "Kies waarom de vraag wordt afgesloten."),
    ({"reason": "solved", "closed_on": "2025-01-01"}, "De afsluitdatum kan niet vóór de datum van de vraag liggen."),
    ({"reason": "solved", "closed_on": "2025-03-15"}, "De datum kan niet in de toekomst liggen."),
])
def test_closing_needs_a_reason_and_a_plausible_date(client_for, worker, weighed, data, message):
    response = client_for(worker).post(_url("request_close", weighed), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    weighed.refresh_from_db()
    assert (weighed.status, weighed.close_reason, weighed.closed_on) == ("open", "", None)


@pytest.mark.django_db
def test_a_closed_request_can_be_reopened_and_an_open_one_is_left_alone(client_for, worker, weighed):
    client = client_for(worker)
    client.post(_url("request_close", weighed), {"reason": "not_reachable", "closed_on": "2025-03-14"})
    assert client.post(_url("request_reopen", weighed)).status_code == 302
    weighed.refresh_from_db()
    assert (weighed.status, weighed.close_reason, weighed.closed_on) == ("open", "", None)
    assert _rows(client.get(QUEUE)) == [weighed.pk]

    response = client.post(_url("request_reopen", weighed), follow=True)
    assert "Alleen een afgesloten vraag kan worden heropend." in response.content.decode()
    assert AuditEvent.objects.filter(event="help_request.updated", data__status="open").count() == 1


@pytest.mark.django_db
def test_matching_to_the_residents_individual_support(client_for, worker, weighed, team_a):
    support = IndividualSupportFactory(participant=weighed.participant, product="Schuldhulpverlening")
    someone_elses = IndividualSupportFactory(participant=ParticipantFactory(team=team_a))
    client = client_for(worker)

    refused = client.post(_url("request_match", weighed), {"support": someone_elses.pk})
    assert refused.status_code == 200
    weighed.refresh_from_db()
    assert weighed.status == "open"

    assert client.post(_url("request_match", weighed), {"support": support.pk}).status_code == 302
    weighed.refresh_from_db()
    assert (weighed.status, weighed.matched_support, weighed.closed_on) == ("matched", support, TODAY)
    page = client.get(_url("request", weighed)).content.decode()
    assert "Schuldhulpverlening" in page and "Gekoppeld" in page
    # An answered request is not weighed again.
    response = client.post(_url("request_weigh", weighed), {"route": "collective"})
    assert response.status_code == 200
    assert "Deze vraag staat niet meer open." in response.content.decode()


@pytest.mark.django_db
def test_a_request_matched_to_a_group_names_the_group(client_for, worker, weighed, team_a):
    from groups import services as group_services

    group = GroupFactory(team=team_a, name="Geld Telt Noord", start_date=D(2025, 1, 1))
    group_services.enrol(worker, group, weighed.participant, start_date=TODAY, help_request=weighed)
    response = client_for(worker).get(_url("request", weighed))
    assert "Geld Telt Noord" in response.content.decode()
    assert response.context["help_request"].status == "matched"


# --- The resident's page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_residents_page_shows_status_and_links_to_the_weighing(client_for, worker, weighed):
    text = client_for(worker).get(reverse("participants:detail", args=[weighed.participant_id])).content.decode()
    assert _url("request", weighed) in text
    assert ">Open</span>" in text
    # The add form asks for the days and times that suit, as checkbox groups with a legend.
    assert "<legend" in text and 'name="help_request-preferred_days"' in text


@pytest.mark.django_db
def test_adding_a_request_on_the_residents_page_saves_days_and_a_first_route_step(client_for, worker, team_a):
    person = ParticipantFactory(team=team_a)
    data = {
        "help_request-theme": "Eenzaam", "help_request-life_domain": "sociaal_netwerk",
        "help_request-date": "2025-03-01", "help_request-route": "collective", "help_request-tenzij_reason": "",
        "help_request-preferred_days": ["1", "3"], "help_request-preferred_dayparts": ["afternoon"],
        "help_request-closed_on": "",
    }
    response = client_for(worker).post(reverse("participants:help_request_add", args=[person.pk]), data)
    assert response.status_code == 302
    request = person.help_requests.get()
    assert (request.preferred_days, request.preferred_dayparts) == ([1, 3], ["afternoon"])
    assert list(request.route_changes.values_list("route", "date")) == [("collective", D(2025, 3, 1))]


@pytest.mark.django_db
def test_someone_in_two_teams_sees_both_teams_requests(client_for, team_a, municipality):
    team_c = TeamFactory(municipality=municipality)
    user = UserFactory(username="twee")
    MembershipFactory(user=user, team=team_a)
    MembershipFactory(user=user, team=team_c)
    rows = {_request(team_a).pk, _request(team_c).pk}
    assert set(_rows(client_for(user).get(QUEUE))) == rows
