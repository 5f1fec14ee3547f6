"""The bundling board (/collectieven/bundelen/): bundles and facets counted exactly, the threshold,
starting a group from a bundle, adding to a running group and its waiting list, scoping, audit."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent, Membership
from groups.models import Enrolment, Group, Interest
from participants.models import HelpRequest, Participant
from tests.factories import (
    EnrolmentFactory,
    GroupFactory,
    HelpRequestFactory,
    MembershipFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    TeamFactory,
    UserFactory,
)

BOARD = reverse("pathway:board")
START = reverse("pathway:board_start")
TODAY = timezone.localdate()


def years_ago(years: int, days: int = 0) -> datetime.date:
    day = TODAY - datetime.timedelta(days=days)
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def request_for(team, wijk, *, first_name="Anna", last_name="Bosma", age=40, language="nl", dayparts=(),
                days=(), domain="financien", route=HelpRequest.Route.COLLECTIVE, status=HelpRequest.Status.OPEN,
                waited=10, **extra):
    """A help request of a new resident of ``team`` living in ``wijk`` (None: unknown)."""
    person = ParticipantFactory(team=team, neighbourhood=wijk, first_name=first_name, last_name=last_name,
                                birth_date=years_ago(age, 100), preferred_language=language)
    return HelpRequestFactory(
        participant=person, life_domain_id=domain, route=route, status=status,
        tenzij_reason="too_complex" if route == HelpRequest.Route.INDIVIDUAL else "",
        close_reason="solved" if status == HelpRequest.Status.CLOSED else "",
        date=TODAY - datetime.timedelta(days=waited), preferred_dayparts=list(dayparts), preferred_days=list(days),
        **extra,
    )


@pytest.fixture
def heechterp(municipality):
    return NeighbourhoodFactory(municipality=municipality, name="Heechterp")


@pytest.fixture
def team_south(municipality):
    """Another team in the same municipality, whose residents may live in the same wijk."""
    return TeamFactory(municipality=municipality, name="Wijkteam Zuid")


@pytest.fixture
def bundle_data(team_a, team_south, neighbourhood, heechterp):
    """Financiën in Bilgaard: 3 requests on the board, 4 that are not (individual, closed, matched,
    another team's); one without a wijk, one without a life domain, one wonen in Heechterp."""
    counted = [
        request_for(team_a, neighbourhood, first_name="Sjoukje", last_name="Dijkstra", age=30,
                    dayparts=["morning"], waited=40),
        request_for(team_a, neighbourhood, first_name="Ahmed", last_name="Bakri", age=70, language="ar",
                    route=HelpRequest.Route.UNDECIDED, waited=30),
        request_for(team_a, neighbourhood, first_name="Wieke", last_name="Hoekstra", age=31,
                    dayparts=["evening", "afternoon"], days=[1], waited=20),
    ]
    left_out = [
        request_for(team_a, neighbourhood, first_name="Ingrid", last_name="Individueel",
                    route=HelpRequest.Route.INDIVIDUAL),
        request_for(team_a, neighbourhood, first_name="Klaas", last_name="Gesloten", status=HelpRequest.Status.CLOSED),
        request_for(team_a, neighbourhood, first_name="Marco", last_name="Gekoppeld",
                    status=HelpRequest.Status.MATCHED),
        request_for(team_south, neighbourhood, first_name="Tjitske", last_name="Zuiderteam"),
    ]
    no_wijk = request_for(team_a, None, first_name="Douwe", last_name="Zonderwijk", age=50, waited=5)
    no_domain = request_for(team_a, neighbourhood, first_name="Femke", last_name="Zonderdomein", domain=None)
    wonen = request_for(team_a, heechterp, first_name="Hennie", last_name="Woonvraag", domain="wonen")
    return {"counted": counted, "left_out": left_out, "no_wijk": no_wijk, "no_domain": no_domain, "wonen": wonen}


def bundles(response) -> dict:
    """{(life domain or None, wijk name or "gemeente"): Bundle} as the board showed them."""
    return {
        (b.domain.pk if b.domain else None, b.wijk or "gemeente"): b
        for _domain, group in response.context["sections"] for b in group
    }


def text(response) -> str:
    return response.content.decode()


# --- Who may open the board ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login_and_a_municipality_contact_gets_403(client, municipality_user, client_for):
    assert client.get(BOARD).status_code == 302
    assert client.get(START).status_code == 302
    client_for(municipality_user)
    assert client.get(BOARD).status_code == 403
    assert client.get(START).status_code == 403


# --- Bundles and facets -------------------------------------------------------------------------


def test_a_bundle_counts_exactly_the_open_collective_or_undecided_requests_of_my_teams(bundle_data, worker,
                                                                                        client_for):
    response = client_for(worker).get(BOARD)
    assert response.status_code == 200
    shown = bundles(response)
    bilgaard = shown[("financien", "Bilgaard")]
    assert bilgaard.count == 3
    facets = {name: {code: count for code, _label, count in values} for name, values in bilgaard.facets.items()}
    assert facets["age_band"] == {"27_44": 2, "67plus": 1}
    assert facets["language"] == {"nl": 2, "ar": 1}
    # Ahmed named no daypart: he counts for every one.
    assert facets["daypart"] == {"morning": 2, "afternoon": 2, "evening": 2}
    # Municipality-wide: every financiën request of Leeuwarden, also the one without a wijk.
    assert shown[("financien", "gemeente")].count == 4
    assert shown[("wonen", "Heechterp")].count == 1
    # The request without a life domain is in no bundle of this view, and the page says where it is.
    assert sum(b.count for key, b in shown.items() if key[1] != "gemeente") == 4
    assert response.context["without_domain"] == 1
    assert "1 vraag heeft geen leefgebied" in text(response)


def test_the_mixed_view_bundles_per_wijk_across_life_domains(bundle_data, worker, client_for):
    response = client_for(worker).get(BOARD, {"view": "mixed"})
    shown = bundles(response)
    assert shown[(None, "Bilgaard")].count == 4  # three financiën and the one without a life domain
    assert shown[(None, "Heechterp")].count == 1
    assert shown[(None, "gemeente")].count == 6
    assert set(shown) == {(None, "Bilgaard"), (None, "Heechterp"), (None, "gemeente")}


def test_facet_filters_narrow_the_bundles(bundle_data, worker, client_for):
    client = client_for(worker)
    assert bundles(client.get(BOARD, {"language": "ar"}))[("financien", "Bilgaard")].count == 1
    assert bundles(client.get(BOARD, {"age_band": "27_44"}))[("financien", "Bilgaard")].count == 2
    # Morning: Sjoukje (morning) and Ahmed (no preference): not Wieke (afternoon, evening).
    morning = client.get(BOARD, {"daypart": "morning"})
    assert bundles(morning)[("financien", "Bilgaard")].count == 2
    # Wonen in Heechterp has no one over 67: the bundle disappears.
    assert ("wonen", "Heechterp") not in bundles(client.get(BOARD, {"age_band": "67plus"}))


def test_opening_a_bundle_lists_its_residents_and_nobody_elses(bundle_data, worker, client_for):
    response = client_for(worker).get(BOARD, {"life_domain": "financien", "wijk": bundle_data["counted"][0]
                                              .participant.neighbourhood_id})
    page = text(response)
    for hr in bundle_data["counted"]:
        assert hr.participant.full_name in page
    for hr in [*bundle_data["left_out"], bundle_data["no_wijk"], bundle_data["no_domain"], bundle_data["wonen"]]:
        assert hr.participant.last_name not in page
    assert [hr.pk for hr in response.context["shown"]] == [hr.pk for hr in bundle_data["counted"]]  # longest first
    assert "40 dagen" in page
    event = AuditEvent.objects.get(event="bundling_board.viewed")
    assert sorted(event.participant_ids) == sorted(hr.participant_id for hr in bundle_data["counted"])


def test_a_link_with_only_a_life_domain_opens_its_municipality_wide_bundle(bundle_data, worker, client_for):
    response = client_for(worker).get(BOARD, {"life_domain": "financien"})
    assert response.context["opened"].count == 4
    assert "Douwe Zonderwijk" in text(response)


def test_threshold_marks_enough_for_a_group_from_three(team_a, neighbourhood, heechterp, worker, client_for):
    for i in range(2):
        request_for(team_a, neighbourhood, last_name=f"Twee{i}")
    for i in range(3):
        request_for(team_a, heechterp, last_name=f"Drie{i}")
    response = client_for(worker).get(BOARD)
    shown = bundles(response)
    assert not shown[("financien", "Bilgaard")].enough
    assert shown[("financien", "Heechterp")].enough
    page = text(response)
    assert page.count('class="badge text-bg-success enough-for-a-group"') == 2  # Heechterp, whole municipality (5)
    assert "genoeg voor een groep</span>" in page and "nog 1 nodig" in page  # Bilgaard: text, not colour only


def test_enough_for_a_group_counts_residents_not_requests(team_a, neighbourhood, worker, client_for):
    first = request_for(team_a, neighbourhood, last_name="Eerste")
    request_for(team_a, neighbourhood, last_name="Tweede")
    HelpRequestFactory(participant=first.participant, life_domain_id="financien", theme="Schulden")
    response = client_for(worker).get(BOARD)
    bilgaard = bundles(response)[("financien", "Bilgaard")]
    assert (bilgaard.count, bilgaard.residents, bilgaard.enough) == (3, 2, False)
    assert "(2 inwoners)" in text(response) and "nog 1 nodig" in text(response)


def test_the_threshold_is_a_setting(team_a, neighbourhood, heechterp, worker, client_for, settings):
    settings.BUNDLE_THRESHOLD = 4
    for i in range(3):
        request_for(team_a, heechterp, last_name=f"Drie{i}")
    shown = bundles(client_for(worker).get(BOARD))
    assert not shown[("financien", "Heechterp")].enough
    assert shown[("financien", "Heechterp")].still_needed == 1
    request_for(team_a, heechterp, last_name="Vier")
    assert bundles(client_for(worker).get(BOARD))[("financien", "Heechterp")].enough


# --- What already exists ------------------------------------------------------------------------


def test_a_bundle_lists_the_forming_and_running_groups_that_fit_with_free_places(
    bundle_data, team_a, neighbourhood, heechterp, worker, client_for
):
    fits = GroupFactory(name="Geld Telt Bilgaard", team=team_a, neighbourhood=neighbourhood,
                        life_domains=["financien"], capacity=8)
    for _ in range(3):
        EnrolmentFactory(group=fits, participant=ParticipantFactory(team=team_a))
    wide = GroupFactory(name="Schuldenvrij Leeuwarden", team=team_a, neighbourhood=None,
                        life_domains=["financien"], capacity=None, status=Group.Status.FORMING)
    GroupFactory(name="Geld Telt Heechterp", team=team_a, neighbourhood=heechterp, life_domains=["financien"])
    GroupFactory(name="Wandelgroep Bilgaard", team=team_a, neighbourhood=neighbourhood, life_domains=["wonen"])
    GroupFactory(name="Oude groep", team=team_a, neighbourhood=neighbourhood, life_domains=["financien"],
                 status=Group.Status.ENDED, end_date=datetime.date(2024, 6, 1))
    response = client_for(worker).get(BOARD, {"life_domain": "financien", "wijk": neighbourhood.pk})
    groups = response.context["opened"].groups
    assert [g.name for g in groups] == ["Geld Telt Bilgaard", "Schuldenvrij Leeuwarden"]
    assert [g.free for g in groups] == [5, None]
    page = text(response)
    assert "geen limiet" in page and wide.name in page


# --- Starting a new group -----------------------------------------------------------------------


def _start_data(form_initial: dict, **overrides) -> dict:
    data = {
        "name": form_initial["name"], "theme": form_initial.get("theme", ""), "kind": "support",
        "life_domains": form_initial["life_domains"], "team": form_initial["team"],
        "neighbourhood": form_initial["neighbourhood"] or "", "location": "Buurthuis", "start_date":
        TODAY.isoformat(), "rhythm": "weekly", "usual_weekday": "1", "usual_time": "10:00",
        "planned_sessions": "", "capacity": "10", "facilitators": form_initial["facilitators"],
        "help_requests": form_initial["help_requests"],
    }
    data.update(overrides)
    return data


def test_starting_a_group_from_a_bundle_enrols_exactly_the_chosen_and_matches_their_requests(
    bundle_data, neighbourhood, coordinator, client_for
):
    client = client_for(coordinator)
    chosen = bundle_data["counted"][:2]
    response = client.post(f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}",
                           {"action": "start", "requests": [hr.pk for hr in chosen]})
    assert response.status_code == 302 and response.url.startswith(START)
    form_page = client.get(response.url)
    assert form_page.status_code == 200
    initial = form_page.context["form"].initial
    assert initial["kind"] == "support" and initial["life_domains"] == ["financien"]
    assert initial["neighbourhood"] == neighbourhood.pk and initial["facilitators"] == [coordinator.pk]
    assert initial["help_requests"] == [hr.pk for hr in chosen]
    assert "Bilgaard" in initial["name"]
    assert initial["usual_time"] == datetime.time(10, 0)  # Sjoukje: mornings

    created = client.post(response.url, _start_data(initial))
    group = Group.objects.get(name=initial["name"])
    assert created.status_code == 302 and created.url == reverse("groups:detail", args=[group.pk])
    assert group.status == Group.Status.FORMING and group.kind_id == "support"
    assert list(group.life_domains.values_list("code", flat=True)) == ["financien"]
    assert list(group.facilitators.all()) == [coordinator]
    enrolments = Enrolment.objects.filter(group=group)
    assert sorted(e.participant_id for e in enrolments) == sorted(hr.participant_id for hr in chosen)
    assert sorted(e.help_request_id for e in enrolments) == sorted(hr.pk for hr in chosen)
    for hr in chosen:
        hr.refresh_from_db()
        assert hr.status == HelpRequest.Status.MATCHED
    left = bundle_data["counted"][2]
    left.refresh_from_db()
    assert left.status == HelpRequest.Status.OPEN
    events = list(AuditEvent.objects.filter(event__in=["group.created", "enrolment.created", "help_request.updated"])
                  .values_list("event", flat=True))
    assert sorted(events) == ["enrolment.created", "enrolment.created", "group.created",
                              "help_request.updated", "help_request.updated"]


def test_a_new_group_respects_its_capacity_and_puts_the_rest_on_its_waiting_list(
    bundle_data, neighbourhood, coordinator, client_for
):
    client = client_for(coordinator)
    chosen = bundle_data["counted"]
    url = f"{START}?life_domain=financien&wijk={neighbourhood.pk}&" + "&".join(f"request={hr.pk}" for hr in chosen)
    initial = client.get(url).context["form"].initial
    response = client.post(url, _start_data(initial, capacity="2"), follow=True)
    group = Group.objects.get(name=initial["name"])
    # Longest waiting first: Sjoukje (40 days) and Ahmed (30) get the places, Wieke (20) waits.
    assert sorted(group.enrolments.values_list("participant_id", flat=True)) == sorted(
        hr.participant_id for hr in chosen[:2])
    interest = Interest.objects.get(group=group)
    assert interest.participant_id == chosen[2].participant_id and interest.help_request_id == chosen[2].pk
    chosen[2].refresh_from_db()
    assert chosen[2].status == HelpRequest.Status.OPEN
    page = text(response)
    assert "wachtlijst" in page and "Wieke Hoekstra" in page


def test_a_refused_resident_means_nothing_is_saved(bundle_data, neighbourhood, team_a, coordinator, client_for):
    client = client_for(coordinator)
    # Two requests of the same resident: enrolling them twice in the new group is refused.
    person = bundle_data["counted"][0].participant
    second = HelpRequestFactory(participant=person, life_domain_id="financien", route="collective")
    chosen = [bundle_data["counted"][0], second]
    url = f"{START}?life_domain=financien&wijk={neighbourhood.pk}&" + "&".join(f"request={hr.pk}" for hr in chosen)
    initial = client.get(url).context["form"].initial
    groups_before = Group.objects.count()
    response = client.post(url, _start_data(initial))
    assert response.status_code == 200
    assert "twee keer gekozen" in text(response)
    assert Group.objects.count() == groups_before
    assert not Enrolment.objects.filter(participant=person).exists()
    assert HelpRequest.objects.filter(participant=person, status="open").count() == 2


def test_the_start_form_without_a_facilitator_or_with_a_bad_date_answers_200(bundle_data, neighbourhood,
                                                                            coordinator, client_for):
    client = client_for(coordinator)
    hr = bundle_data["counted"][0]
    url = f"{START}?request={hr.pk}"
    initial = client.get(url).context["form"].initial
    for bad in ({"facilitators": []}, {"start_date": "2024-02-30"}, {"capacity": "-1"}, {"help_requests": []},
                {"team": "99999999999999999999"}, {"name": ""}):
        response = client.post(url, _start_data(initial, **bad))
        assert response.status_code == 200, bad
        assert "Verbeter de gemarkeerde velden" in text(response) or "alert-danger" in text(response)
    assert not Group.objects.exists()
    hr.refresh_from_db()
    assert hr.status == HelpRequest.Status.OPEN


# --- A running group and its waiting list -------------------------------------------------------


@pytest.fixture
def running_group(team_a, neighbourhood, worker):
    group = GroupFactory(name="Geld Telt Bilgaard", team=team_a, neighbourhood=neighbourhood,
                         life_domains=["financien"], capacity=3)
    group.facilitators.add(worker)
    for _ in range(2):
        EnrolmentFactory(group=group, participant=ParticipantFactory(team=team_a))
    return group


def test_adding_to_a_running_group_enrols_while_there_is_room_then_the_waiting_list(
    bundle_data, neighbourhood, running_group, worker, client_for
):
    chosen = bundle_data["counted"][:2]
    response = client_for(worker).post(
        f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}",
        {"action": "add", "group": running_group.pk, "requests": [hr.pk for hr in chosen],
         "start_date": TODAY.isoformat()}, follow=True,
    )
    assert response.status_code == 200
    enrolled = running_group.enrolments.get(participant=chosen[0].participant)
    assert enrolled.help_request_id == chosen[0].pk and enrolled.start_date == TODAY
    waiting = Interest.objects.get(group=running_group)
    assert waiting.participant_id == chosen[1].participant_id and waiting.help_request_id == chosen[1].pk
    chosen[0].refresh_from_db()
    chosen[1].refresh_from_db()
    assert (chosen[0].status, chosen[1].status) == ("matched", "open")
    page = text(response)
    assert "ingeschreven bij Geld Telt Bilgaard" in page and "wachtlijst van Geld Telt Bilgaard" in page
    # Still open and still on the board, marked as waiting for the group.
    assert "wachtlijst: Geld Telt Bilgaard" in page


def test_putting_residents_on_the_waiting_list_of_a_group(bundle_data, neighbourhood, running_group, worker,
                                                          client_for):
    chosen = bundle_data["counted"]
    response = client_for(worker).post(
        f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}",
        {"action": "wait", "group": running_group.pk, "requests": [hr.pk for hr in chosen]},
    )
    assert response.status_code == 302
    interests = Interest.objects.filter(group=running_group)
    assert sorted(i.help_request_id for i in interests) == sorted(hr.pk for hr in chosen)
    assert not running_group.enrolments.filter(participant__in=[hr.participant for hr in chosen]).exists()
    assert AuditEvent.objects.filter(event="interest.created").count() == 3
    # Twice on the same list is refused, for all of them: nothing more is saved.
    again = client_for(worker).post(
        f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}",
        {"action": "wait", "group": running_group.pk, "requests": [hr.pk for hr in chosen]},
    )
    assert again.status_code == 200 and "al op de wachtlijst" in text(again)
    assert Interest.objects.filter(group=running_group).count() == 3


def test_add_or_wait_without_a_group_or_residents_says_what_is_missing(bundle_data, neighbourhood, worker,
                                                                       client_for):
    client = client_for(worker)
    url = f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}"
    no_group = client.post(url, {"action": "add", "requests": [bundle_data["counted"][0].pk]})
    assert no_group.status_code == 200 and "Kies eerst de groep" in text(no_group)
    nobody = client.post(url, {"action": "start"})
    assert nobody.status_code == 200 and "Kies ten minste één inwoner" in text(nobody)
    assert not Enrolment.objects.filter(help_request__isnull=False).exists()


# --- Scoping --------------------------------------------------------------------------------------


def test_nobody_outside_my_teams_appears_on_my_board(bundle_data, team_b, neighbourhood, outsider, worker,
                                                     client_for):
    request_for(team_b, None, first_name="Ottoline", last_name="Buitenhuizinga")
    mine = text(client_for(worker).get(BOARD, {"life_domain": "financien", "municipality":
                                               neighbourhood.municipality_id}))
    assert "Buitenhuizinga" not in mine and "Zuiderteam" not in mine
    theirs = client_for(outsider).get(BOARD, {"life_domain": "financien", "wijk": neighbourhood.pk})
    assert theirs.status_code == 200 and theirs.context["bundle_error"]
    page = text(theirs)
    assert "Buitenhuizinga" not in page  # no wijk: only in a bundle the outsider opens
    assert not any(hr.participant.last_name in page for hr in bundle_data["counted"])
    assert set(bundles(theirs)) == {("financien", "gemeente")}


def test_requests_and_groups_of_another_team_cannot_be_posted(bundle_data, team_b, neighbourhood, worker,
                                                              client_for):
    client = client_for(worker)
    url = f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}"
    theirs = request_for(team_b, None, first_name="Ottoline", last_name="Buitenhuizinga")
    their_group = GroupFactory(team=team_b, life_domains=["financien"])
    response = client.post(url, {"action": "wait", "group": their_group.pk,
                                 "requests": [bundle_data["counted"][0].pk]})
    assert response.status_code == 200 and "Deze groep kan (niet meer) gekozen worden" in text(response)
    response = client.post(url, {"action": "start", "requests": [theirs.pk]})
    assert response.status_code == 200
    assert client.get(f"{START}?request={theirs.pk}").status_code == 302  # nothing of theirs to start with
    assert not Interest.objects.exists() and Group.objects.filter(team=team_b).count() == 1


def test_a_group_of_my_other_team_appears_but_the_team_rule_of_the_services_holds(
    bundle_data, neighbourhood, team_south, client_for
):
    two_teams = UserFactory(username="twee-teams")
    MembershipFactory(user=two_teams, team=bundle_data["counted"][0].participant.team,
                      role=Membership.Role.COORDINATOR)
    MembershipFactory(user=two_teams, team=team_south, role=Membership.Role.COORDINATOR)
    south_group = GroupFactory(name="Geldcafé Zuid", team=team_south, neighbourhood=neighbourhood,
                               life_domains=["financien"], capacity=10)
    client = client_for(two_teams)
    url = f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}"
    page = client.get(url)
    assert "Geldcafé Zuid" in text(page) and "Tjitske Zuiderteam" in text(page)
    assert page.context["opened"].count == 4
    response = client.post(url, {"action": "add", "group": south_group.pk,
                                 "requests": [bundle_data["counted"][0].pk, bundle_data["left_out"][3].pk]})
    assert response.status_code == 200
    assert "toestemming" in text(response)  # a resident of team A in a group of team Zuid needs consent
    assert not south_group.enrolments.exists()
    assert HelpRequest.objects.get(pk=bundle_data["left_out"][3].pk).status == "open"


# --- Bad input and query counts ------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    {"life_domain": "zzz", "wijk": "abc"}, {"wijk": "99999999999999999999"}, {"municipality": "-1"},
    {"age_band": "\x00", "language": "x" * 5000, "daypart": "noon"}, {"view": "everything"},
    {"life_domain": "financien", "municipality": "99999999999999999999"},
])
def test_garbage_in_the_query_string_gives_no_error_page(bundle_data, worker, client_for, query):
    response = client_for(worker).get(BOARD, query)
    assert response.status_code == 200


@pytest.mark.parametrize("data", [
    {"action": "start", "requests": ["zzz"]}, {"action": "add", "requests": ["99999999999999999999"], "group": "x"},
    {"action": "fly"}, {"action": "add", "group": "99999999999999999999", "requests": ["1"],
                        "start_date": "2024-02-30"},
    {"action": "wait", "requests": ["\x00"], "group": "\x00"},
])
def test_garbage_posted_to_the_board_gives_a_message_not_an_error(bundle_data, neighbourhood, worker, client_for,
                                                                   data):
    response = client_for(worker).post(f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}", data)
    assert response.status_code == 200
    assert "Er is niets opgeslagen" in text(response)
    assert not Interest.objects.exists()
    assert not Enrolment.objects.filter(help_request__isnull=False).exists()


def test_garbage_on_the_start_page_gives_no_error_page(bundle_data, worker, client_for):
    client = client_for(worker)
    assert client.get(f"{START}?request=zzz&request=99999999999999999999").status_code == 302
    assert client.post(f"{START}?request=zzz", {"name": "\x00", "team": "x", "help_requests": ["y"]}).status_code \
        == 200


def _many(team, wijken, count):
    """``count`` bundleable requests spread over wijken and life domains, in bulk."""
    people = Participant.objects.bulk_create([
        Participant(team=team, first_name="P", last_name=f"Veel{i:04d}", neighbourhood=wijken[i % len(wijken)],
                    birth_date=years_ago(20 + i % 60), preferred_language=["nl", "ar", "tr"][i % 3])
        for i in range(count)
    ])
    domains = ["financien", "wonen", "sociaal_netwerk", None]
    HelpRequest.objects.bulk_create([
        HelpRequest(participant=p, theme="t", life_domain_id=domains[i % 4], date=TODAY - datetime.timedelta(days=i),
                    preferred_dayparts=[["morning"], [], ["evening"]][i % 3])
        for i, p in enumerate(people)
    ])


def test_the_number_of_queries_does_not_grow_with_requests_or_bundles(team_a, neighbourhood, heechterp, worker,
                                                                      client_for, django_assert_max_num_queries,
                                                                      municipality):
    client = client_for(worker)
    GroupFactory(team=team_a, neighbourhood=neighbourhood, life_domains=["financien"], capacity=5)
    _many(team_a, [neighbourhood, heechterp, None], 12)
    url = f"{BOARD}?life_domain=financien&wijk={neighbourhood.pk}"
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        small_response = client.get(url)
    wijken = [NeighbourhoodFactory(municipality=municipality) for _ in range(8)]
    _many(team_a, [neighbourhood, *wijken], 300)
    for _ in range(5):
        GroupFactory(team=team_a, neighbourhood=neighbourhood, life_domains=["financien", "wonen"], capacity=5)
    with django_assert_max_num_queries(30) as big:
        response = client.get(url)
    assert len(response.context["shown"]) > 3 * len(small_response.context["shown"])
    assert len(response.context["sections"]) >= 3 and len(response.context["opened"].groups) == 6
    assert len(big.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(30):
        client.get(BOARD, {"view": "mixed", "daypart": "morning"})
