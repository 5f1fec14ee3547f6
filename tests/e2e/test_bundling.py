"""Issue 11 in Chromium: a coordinator bundles five help requests into a new group, and the five
residents are on the roll call of its first session; the bundling board passes axe-core."""

import datetime

import pytest
from django.utils import timezone

from groups.models import Enrolment, Group
from participants.models import HelpRequest
from tests.conftest import login_in_browser
from tests.e2e.test_accessibility import axe_violations
from tests.factories import GroupFactory, HelpRequestFactory, NeighbourhoodFactory, ParticipantFactory

pytestmark = pytest.mark.e2e

NAMES = [("Sjoukje", "Dijkstra"), ("Ahmed", "Bakri"), ("Wieke", "Hoekstra"), ("Olena", "Kovalenko"),
         ("Douwe", "Terpstra")]


@pytest.fixture
def five_requests(transactional_db, team_a, neighbourhood, municipality):
    """Five open financiën requests in Bilgaard (collective or undecided), and one wonen request elsewhere."""
    today = timezone.localdate()
    requests = []
    for i, (first, last) in enumerate(NAMES):
        person = ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name=first, last_name=last,
                                    birth_date=datetime.date(1960 + 5 * i, 3, 1 + i),
                                    preferred_language="ar" if i == 1 else "nl")
        requests.append(HelpRequestFactory(
            participant=person, life_domain_id="financien", theme="Rondkomen",
            route=HelpRequest.Route.UNDECIDED if i % 2 else HelpRequest.Route.COLLECTIVE,
            date=today - datetime.timedelta(days=10 * (i + 1)), preferred_dayparts=["morning"] if i < 3 else [],
        ))
    elsewhere = NeighbourhoodFactory(municipality=municipality, name="Heechterp")
    HelpRequestFactory(participant=ParticipantFactory(team=team_a, neighbourhood=elsewhere, first_name="Hennie",
                                                      last_name="Woonvraag"), life_domain_id="wonen")
    return requests


def test_a_coordinator_bundles_five_requests_into_a_new_group_and_they_are_on_its_first_roll_call(
    page, live_server, coordinator, five_requests
):
    login_in_browser(page, live_server, coordinator.username)
    page.goto(f"{live_server.url}/collectieven/bundelen/")
    row = page.locator("table.bundles tr", has=page.get_by_role("link", name="Bilgaard"))
    assert "genoeg voor een groep" in row.inner_text()
    row.get_by_role("link", name="Bilgaard").click()
    page.wait_for_selector("#bundle-requests")
    assert "5 open ondersteuningsvragen" in page.locator("#bundle").inner_text()
    assert "Woonvraag" not in page.locator("#bundle").inner_text()

    for first, last in NAMES:
        page.get_by_label(f"{first} {last}").check()
    page.get_by_role("button", name="Start een nieuwe groep").click()
    page.wait_for_selector("#start-group-form")
    assert page.locator("#id_name").input_value() == "Financiën Bilgaard"
    assert page.locator("input[name=help_requests]:checked").count() == 5
    assert page.locator("#id_life_domains_0").is_checked()  # financiën, the bundle's life domain
    page.locator("#id_location").fill("Buurthuis De Schalm")
    page.get_by_role("button", name="Collectief starten en inwoners inschrijven").click()
    page.wait_for_selector("#members")
    assert "Collectief “Financiën Bilgaard” is gestart." in page.locator(".alert-success").first.inner_text()

    group = Group.objects.get(name="Financiën Bilgaard")
    assert sorted(Enrolment.objects.filter(group=group).values_list("help_request_id", flat=True)) == sorted(
        hr.pk for hr in five_requests)
    assert set(HelpRequest.objects.filter(pk__in=[hr.pk for hr in five_requests])
               .values_list("status", flat=True)) == {"matched"}

    # The first roll call of the new group: the five residents, everyone pre-marked present.
    page.get_by_role("link", name="Nieuwe bijeenkomst").click()
    page.wait_for_selector("#roll-call")
    names = sorted(page.locator(".roll-call .participant-name").all_inner_texts())
    assert names == sorted(f"{first} {last}" for first, last in NAMES)
    assert page.locator(".roll-call input[value=present]:checked").count() == 5

    # Back on the board the five are placed: the bundle is gone, the wonen request is still there.
    page.goto(f"{live_server.url}/collectieven/bundelen/")
    assert page.get_by_role("link", name="Bilgaard").count() == 0
    assert page.get_by_role("link", name="Heechterp").count() == 1


def test_the_bundling_board_passes_axe(page, live_server, coordinator, team_a, five_requests, neighbourhood):
    GroupFactory(name="Geld Telt Bilgaard", team=team_a, neighbourhood=neighbourhood, life_domains=["financien"],
                 capacity=8)
    login_in_browser(page, live_server, coordinator.username)
    bundle = f"/collectieven/bundelen/?life_domain=financien&wijk={neighbourhood.pk}"
    failures = []

    def check(label):
        failures.extend((label, v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in axe_violations(page))

    for path in ("/collectieven/bundelen/", "/collectieven/bundelen/?view=mixed&daypart=morning", bundle,
                 f"/collectieven/bundelen/nieuwe-groep/?life_domain=financien&wijk={neighbourhood.pk}"
                 f"&request={five_requests[0].pk}&request={five_requests[1].pk}"):
        page.goto(live_server.url + path)
        check(path)
        if path == bundle:
            page.screenshot(path="/tmp/brd_bundle.png", full_page=True)
    # Adding without choosing a group: the bundle with its error message.
    page.goto(live_server.url + bundle)
    page.get_by_label("Sjoukje Dijkstra").check()
    page.get_by_role("button", name="Toevoegen aan de gekozen groep").click()
    page.wait_for_selector("#action-errors")
    assert "Kies eerst de groep" in page.locator("#action-errors").inner_text()
    assert page.get_by_label("Sjoukje Dijkstra").is_checked()  # the choice is kept
    check("bundle with an error")
    # The new-group form with an error.
    page.get_by_role("button", name="Start een nieuwe groep").click()
    page.wait_for_selector("#start-group-form")
    page.locator("#id_name").fill("")
    page.get_by_role("button", name="Collectief starten en inwoners inschrijven").click()
    page.wait_for_selector("#start-errors")
    check("start form with errors")
    assert not failures, failures
