"""The sociale kaart (/sociale-kaart/, issue 13): search and filters narrow to exactly the right offers,
each offer sits on the individual–collective × informal–formal model, our own groups appear by
themselves, scoping by municipality, the coordinator's overview, the 6-month flag and the bundling
board's partner offers (offers/views_map.py, docs/offers.md)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Group
from offers.models import Offer, Partner
from tests.factories import (
    GroupFactory,
    HelpRequestFactory,
    MembershipFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
    UserFactory,
)

MAP = reverse("offers:map")
OVERVIEW = reverse("offers:overview")
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def make_offer(municipality, name, **extra) -> Offer:
    """A partner's offer (checked recently) unless told otherwise."""
    domains = extra.pop("life_domains", [])
    source = extra.pop("source", Offer.Source.PARTNER)
    partner = None
    if source == Offer.Source.PARTNER:
        partner, _created = Partner.objects.get_or_create(municipality=municipality, name="Bibliotheek")
    fields = {
        "municipality": municipality, "source": source, "partner": partner, "name": name,
        "led_by": Offer.LedBy.VOLUNTEERS, "form": Offer.Form.COLLECTIVE, "last_checked_on": TODAY() - 10 * DAY,
        "owner_consent_on": TODAY() - 10 * DAY,
    }
    offer = Offer.objects.create(**{**fields, **extra})
    offer.life_domains.set(domains)
    return offer


def names(response) -> set[str]:
    return {offer.name for offer in response.context["offers"]}


@pytest.fixture
def heechterp(municipality):
    return NeighbourhoodFactory(municipality=municipality, name="Heechterp")


@pytest.fixture
def kaart(municipality, neighbourhood, heechterp, worker):
    """Six partner/initiative offers of Leeuwarden with known facts (and no own groups)."""
    return {
        "walk": make_offer(municipality, "Wandelclub Bilgaard", neighbourhood=neighbourhood, theme="Bewegen",
                           daypart="morning", languages=["nl"], life_domains=["sociaal_netwerk"]),
        "coffee": make_offer(municipality, "Koffie-ochtend", neighbourhood=heechterp, theme="Ontmoeten",
                             daypart="morning", languages=["nl", "ar"], source=Offer.Source.INITIATIVE,
                             led_by=Offer.LedBy.RESIDENTS, life_domains=["sociaal_netwerk"]),
        "money": make_offer(municipality, "Formulierenhulp", theme="Geld", daypart="afternoon", languages=["ar"],
                            description="Hulp bij brieven van de Belastingdienst", form=Offer.Form.INDIVIDUAL,
                            led_by=Offer.LedBy.VOLUNTEERS, life_domains=["financien"]),
        "budget": make_offer(municipality, "Budgetcursus", theme="Geld", daypart="evening",
                             led_by=Offer.LedBy.PROFESSIONALS, life_domains=["financien"], owner=worker),
        "advice": make_offer(municipality, "Schuldhulp spreekuur", neighbourhood=neighbourhood, theme="Geld",
                             form=Offer.Form.INDIVIDUAL, led_by=Offer.LedBy.PROFESSIONALS,
                             life_domains=["financien"], last_checked_on=TODAY() - 200 * DAY),
        "stopped": make_offer(municipality, "Oude breiclub", theme="Ontmoeten", active=False),
    }


ALL_ACTIVE = {"Wandelclub Bilgaard", "Koffie-ochtend", "Formulierenhulp", "Budgetcursus", "Schuldhulp spreekuur"}


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ALL_ACTIVE),
    ({"q": "belastingdienst"}, {"Formulierenhulp"}),  # in the description
    ({"q": "ontmoet"}, {"Koffie-ochtend"}),  # in the theme; the stopped one stays out
    ({"q": "wandel"}, {"Wandelclub Bilgaard"}),  # in the name
    ({"theme": "Geld"}, {"Formulierenhulp", "Budgetcursus", "Schuldhulp spreekuur"}),
    ({"life_domain": "sociaal_netwerk"}, {"Wandelclub Bilgaard", "Koffie-ochtend"}),
    ({"wijk": "wide"}, {"Formulierenhulp", "Budgetcursus"}),
    ({"daypart": "morning"}, {"Wandelclub Bilgaard", "Koffie-ochtend"}),
    ({"language": "ar"}, {"Koffie-ochtend", "Formulierenhulp"}),
    ({"led_by": "residents"}, {"Koffie-ochtend"}),
    ({"led_by": "professionals"}, {"Budgetcursus", "Schuldhulp spreekuur"}),
    ({"source": "initiative"}, {"Koffie-ochtend"}),
    ({"quadrant": "collective_formal"}, {"Budgetcursus"}),
    ({"quadrant": "collective_informal"}, {"Wandelclub Bilgaard", "Koffie-ochtend"}),
    ({"quadrant": "individual_formal"}, {"Schuldhulp spreekuur"}),
    ({"quadrant": "individual_informal"}, {"Formulierenhulp"}),
    ({"check": "on"}, {"Schuldhulp spreekuur"}),
    ({"mine": "on"}, {"Budgetcursus"}),
    ({"inactive": "on", "theme": "Ontmoeten"}, {"Koffie-ochtend", "Oude breiclub"}),
    ({"theme": "Geld", "daypart": "evening"}, {"Budgetcursus"}),
    ({"daypart": "zzz", "language": "xx"}, ALL_ACTIVE),  # not understood: ignored, not an error page
])
def test_each_filter_narrows_the_map_to_exactly_the_right_offers(kaart, worker, client_for, query, expected):
    response = client_for(worker).get(MAP, query)
    assert response.status_code == 200
    assert names(response) == expected


def test_a_wijk_shows_its_own_offers_and_the_municipality_wide_ones(kaart, worker, client_for, neighbourhood):
    response = client_for(worker).get(MAP, {"wijk": neighbourhood.pk})
    assert names(response) == {"Wandelclub Bilgaard", "Schuldhulp spreekuur", "Formulierenhulp", "Budgetcursus"}


def test_each_offer_shows_its_place_on_the_model_in_words(kaart, worker, client_for):
    body = client_for(worker).get(MAP).content.decode()
    coffee = body[body.index(f'id="offer-{kaart["coffee"].pk}"'):]
    coffee = coffee[:coffee.index("</li>")]
    assert "Collectief – informeel" in coffee and "Inwoners zelf" in coffee
    advice = body[body.index(f'id="offer-{kaart["advice"].pk}"'):]
    advice = advice[:advice.index("</li>")]
    assert "Individueel – formeel" in advice and "controle nodig" in advice


def test_the_quadrant_follows_who_leads_it_and_its_form():
    offer = Offer(led_by=Offer.LedBy.PROFESSIONALS, form=Offer.Form.COLLECTIVE)
    assert offer.quadrant == "collective_formal"
    offer.led_by = Offer.LedBy.VOLUNTEERS
    assert offer.quadrant == "collective_informal"
    offer.form = Offer.Form.INDIVIDUAL
    assert offer.quadrant == "individual_informal"


def test_our_own_groups_appear_by_themselves_and_turn_informal_when_self_running(team_a, neighbourhood, worker,
                                                                                 client_for):
    group = GroupFactory(name="Geld Telt Bilgaard", team=team_a, neighbourhood=neighbourhood,
                         life_domains=["financien"])
    client = client_for(worker)
    response = client.get(MAP, {"quadrant": "collective_formal"})
    assert names(response) == {"Geld Telt Bilgaard"}
    body = response.content.decode()
    assert reverse("groups:detail", args=[group.pk]) in body and "Eigen groep" in body

    group.status = Group.Status.SELF_RUNNING
    group.handed_over_on = TODAY()
    group.save()
    assert names(client.get(MAP, {"quadrant": "collective_formal"})) == set()
    response = client.get(MAP, {"quadrant": "collective_informal", "led_by": "residents"})
    assert names(response) == {"Geld Telt Bilgaard"}
    assert "Collectief – informeel" in response.content.decode()

    group.status = Group.Status.ENDED
    group.end_date = TODAY()
    group.save()
    assert names(client.get(MAP)) == set()  # ended: no longer on the map
    assert names(client.get(MAP, {"inactive": "on"})) == {"Geld Telt Bilgaard"}


def test_another_municipalitys_offers_are_never_shown(kaart, worker, outsider, client_for, other_municipality,
                                                       team_b):
    theirs = make_offer(other_municipality, "Taalcafé Heerenveen", theme="Geld")
    GroupFactory(name="Heidebloemkring", team=team_b)
    response = client_for(worker).get(MAP, {"q": "e"})
    assert "Taalcafé Heerenveen" not in names(response) and "Heidebloemkring" not in names(response)
    assert "Taalcafé Heerenveen" not in response.content.decode()
    assert client_for(worker).get(reverse("offers:offer_detail", args=[theirs.pk])).status_code == 404
    # and the other way round
    assert names(client_for(outsider).get(MAP)) == {"Taalcafé Heerenveen", "Heidebloemkring"}


def test_a_municipality_contact_may_not_open_the_map_or_the_overview(municipality_user, client_for, kaart):
    client = client_for(municipality_user)
    assert client.get(MAP).status_code == 403
    assert client.get(OVERVIEW).status_code == 403
    assert client.get(reverse("offers:offer_detail", args=[kaart["walk"].pk])).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(MAP)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_map_works_without_javascript(kaart, worker, client_for):
    body = client_for(worker).get(MAP, {"language": "ar"}).content.decode()
    form = body[body.index('id="map-filters"') - 200:body.index('id="map-filters"')]
    assert 'method="get"' in form
    assert 'name="q"' in body and 'name="wijk"' in body and 'hx-' not in body[body.index('id="map-filters"'):]


def test_the_map_takes_a_constant_number_of_queries(municipality, neighbourhood, worker, team_a, client_for,
                                                      django_assert_max_num_queries):
    for i in range(5):
        make_offer(municipality, f"Aanbod {i}", life_domains=["financien", "wonen"], owner=worker)
        GroupFactory(team=team_a, life_domains=["financien"]).facilitators.set([worker])
    client = client_for(worker)
    client.get(MAP)
    with django_assert_max_num_queries(12) as few:
        client.get(MAP, {"theme": "", "check": "on"})
    for i in range(40):
        make_offer(municipality, f"Meer aanbod {i}", neighbourhood=neighbourhood, life_domains=["wonen"],
                   theme=f"Thema {i}")
        GroupFactory(team=team_a, life_domains=["financien", "werk_dagbesteding"])
    with django_assert_max_num_queries(12) as many:
        response = client.get(MAP, {"theme": "", "check": "on"})
    assert len(response.context["offers"]) > 10
    assert len(many.captured_queries) == len(few.captured_queries)


# --- The coordinator's overview on the model -------------------------------------------------------------


def test_the_overview_counts_the_offer_per_quadrant_life_domain_and_wijk(kaart, coordinator, client_for,
                                                                         team_a, neighbourhood, heechterp,
                                                                         other_municipality):
    GroupFactory(name="Geld Telt", team=team_a, neighbourhood=heechterp, life_domains=["financien", "wonen"])
    make_offer(other_municipality, "Elders", life_domains=["financien"], led_by=Offer.LedBy.PROFESSIONALS)
    response = client_for(coordinator).get(OVERVIEW)
    assert response.status_code == 200
    context = response.context
    total = {cell["code"]: (cell["n"], cell["own"]) for cell in context["total"]}
    # Active offers: walk, coffee (collective informal), money (individual informal), budget (collective
    # formal), advice (individual formal), and our group (collective formal, own). The stopped one and
    # Heerenveen's do not count.
    assert total == {"collective_formal": (2, 1), "collective_informal": (2, 0),
                     "individual_formal": (1, 0), "individual_informal": (1, 0)}
    domains = {domain.pk: {c["code"]: c["n"] for c in cells} for domain, cells, _link in context["by_domain"]}
    assert domains["financien"] == {"collective_formal": 2, "collective_informal": 0,
                                    "individual_formal": 1, "individual_informal": 1}
    assert domains["wonen"] == {"collective_formal": 1, "collective_informal": 0,
                                "individual_formal": 0, "individual_informal": 0}
    assert domains["sociaal_netwerk"]["collective_informal"] == 2
    assert sum(domains["verslaving"].values()) == 0
    wijken = {wijk.name: {c["code"]: c["n"] for c in cells} for wijk, cells in context["by_wijk"]}
    assert wijken["Bilgaard"] == {"collective_formal": 0, "collective_informal": 1,
                                  "individual_formal": 1, "individual_informal": 0}
    assert wijken["Heechterp"] == {"collective_formal": 1, "collective_informal": 1,
                                   "individual_formal": 0, "individual_informal": 0}
    wide = {c["code"]: c["n"] for c in context["municipality_wide"]}
    assert wide == {"collective_formal": 1, "collective_informal": 0, "individual_formal": 0,
                    "individual_informal": 1}
    body = response.content.decode()
    row = body[body.index('id="domain-verslaving"'):]
    assert row[:row.index("</tr>")].count("geen aanbod") == 4
    assert "<caption>" in body and 'scope="row"' in body and 'scope="col"' in body


def test_the_overview_cell_opens_the_map_with_the_same_offers(kaart, coordinator, client_for, municipality):
    client = client_for(coordinator)
    response = client.get(MAP, {"municipality": municipality.pk, "life_domain": "financien",
                                "quadrant": "individual_informal"})
    assert names(response) == {"Formulierenhulp"}
    body = client.get(OVERVIEW).content.decode()
    assert f"?municipality={municipality.pk}&amp;life_domain=financien&amp;quadrant=individual_informal" in body


def test_a_social_worker_may_not_open_the_overview(worker, client_for):
    assert client_for(worker).get(OVERVIEW).status_code == 403


def test_the_overview_takes_a_constant_number_of_queries(kaart, coordinator, client_for, municipality,
                                                         django_assert_max_num_queries):
    client = client_for(coordinator)
    with django_assert_max_num_queries(10) as few:
        client.get(OVERVIEW)
    for i in range(30):
        make_offer(municipality, f"Aanbod {i}", neighbourhood=NeighbourhoodFactory(municipality=municipality),
                   life_domains=["wonen", "financien"])
    with django_assert_max_num_queries(10) as many:
        client.get(OVERVIEW)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Six months without a check ------------------------------------------------------------------------


def test_offers_not_checked_for_six_months_are_flagged_to_their_owner(municipality, worker, colleague, team_a,
                                                                      client_for):
    make_offer(municipality, "Wandelclub", owner=worker, last_checked_on=TODAY() - 184 * DAY)
    make_offer(municipality, "Taalcafé", owner=worker, last_checked_on=TODAY() - 150 * DAY)
    make_offer(municipality, "Breiclub", owner=colleague, last_checked_on=TODAY() - 300 * DAY)
    make_offer(municipality, "Gestopt", owner=worker, last_checked_on=TODAY() - 300 * DAY, active=False)
    group = GroupFactory(name="Geld Telt", team=team_a)  # never checked: the facilitators keep it up to date
    group.facilitators.set([worker])
    GroupFactory(name="Kookgroep", team=team_a).facilitators.set([colleague])

    body = client_for(worker).get("/").content.decode()
    assert "Aanbod om te controleren (2)" in body
    section = body[body.index('id="offer-checks"'):]
    section = section[:section.index("</ul>")]
    assert "Wandelclub" in section and "Geld Telt" in section
    assert "Taalcafé" not in section and "Breiclub" not in section and "Kookgroep" not in section
    assert names(client_for(worker).get(MAP, {"check": "on", "mine": "on"})) == {"Wandelclub", "Geld Telt"}
    assert "Aanbod om te controleren (2)" in client_for(colleague).get("/").content.decode()


def test_checking_an_offer_from_the_start_page_clears_the_flag(municipality, worker, client_for):
    offer = make_offer(municipality, "Wandelclub", owner=worker, last_checked_on=TODAY() - 200 * DAY)
    client = client_for(worker)
    response = client.post(reverse("offers:offer_check", args=[offer.pk]), {"next": "start"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    offer.refresh_from_db()
    assert offer.last_checked_on == TODAY()
    assert "Aanbod om te controleren" not in client.get("/").content.decode()


def test_the_start_page_with_offers_to_check_takes_one_query_more(municipality, worker, client_for, team_a,
                                                                   django_assert_max_num_queries):
    client = client_for(worker)
    with django_assert_max_num_queries(20) as none:
        client.get("/")
    for i in range(30):
        make_offer(municipality, f"Oud aanbod {i}", owner=worker, last_checked_on=TODAY() - 365 * DAY)
    with django_assert_max_num_queries(20) as many:
        body = client.get("/").content.decode()
    assert len(many.captured_queries) == len(none.captured_queries)
    assert "Aanbod om te controleren (30)" in body and "en nog 20 op de sociale kaart" in body


# --- The bundling board --------------------------------------------------------------------------------


def test_the_bundling_board_lists_matching_partner_offers_after_our_groups(municipality, neighbourhood, heechterp,
                                                                           team_a, worker, client_for):
    for _ in range(3):
        HelpRequestFactory(participant=ParticipantFactory(team=team_a, neighbourhood=neighbourhood),
                           life_domain_id="financien", route="collective")
    GroupFactory(name="Geld Telt Bilgaard", team=team_a, neighbourhood=neighbourhood, life_domains=["financien"])
    make_offer(municipality, "Formulierenhulp bibliotheek", life_domains=["financien"])  # municipality-wide
    make_offer(municipality, "Budgetcafé Bilgaard", neighbourhood=neighbourhood, life_domains=["financien"],
               source=Offer.Source.INITIATIVE, led_by=Offer.LedBy.RESIDENTS)
    make_offer(municipality, "Budgetcafé Heechterp", neighbourhood=heechterp, life_domains=["financien"])
    make_offer(municipality, "Wandelclub", neighbourhood=neighbourhood, life_domains=["sociaal_netwerk"])
    make_offer(municipality, "Gestopt spreekuur", life_domains=["financien"], active=False)

    response = client_for(worker).get(reverse("pathway:board"),
                                      {"life_domain": "financien", "wijk": neighbourhood.pk})
    assert response.status_code == 200
    assert [o.name for o in response.context["offers"]] == ["Budgetcafé Bilgaard", "Formulierenhulp bibliotheek"]
    body = response.content.decode()
    assert body.index("Geld Telt Bilgaard") < body.index('id="bundle-offers"')
    offers = body[body.index('id="bundle-offers"'):]
    offers = offers[:offers.index("</ul>")]
    assert "Eigen initiatief van inwoners" in offers and "Bibliotheek" in offers
    assert "Collectief – informeel" in offers
    assert reverse("offers:offer_detail", args=[response.context["offers"][0].pk]) in offers


def test_a_second_municipality_is_not_mixed_into_the_board(municipality, other_municipality, neighbourhood, team_a,
                                                             worker, client_for):
    HelpRequestFactory(participant=ParticipantFactory(team=team_a, neighbourhood=neighbourhood),
                       life_domain_id="financien", route="collective")
    make_offer(other_municipality, "Geldcafé Heerenveen", life_domains=["financien"])
    response = client_for(worker).get(reverse("pathway:board"), {"life_domain": "financien",
                                                                 "municipality": municipality.pk})
    assert response.context["offers"] == []


def test_a_coordinator_of_two_municipalities_filters_the_map_by_municipality(municipality, other_municipality,
                                                                              team_a, team_b, client_for, kaart):
    both = UserFactory(username="twee-gemeenten")
    MembershipFactory(user=both, team=team_b, role="coordinator")
    MembershipFactory(user=both, team=team_a, role="coordinator")
    make_offer(other_municipality, "Taalcafé Heerenveen")
    client = client_for(both)
    assert "Taalcafé Heerenveen" in names(client.get(MAP))
    assert names(client.get(MAP, {"municipality": municipality.pk})) == ALL_ACTIVE


# --- Accessibility (axe-core in Chromium) ----------------------------------------------------------------


@pytest.mark.e2e
def test_the_sociale_kaart_pages_have_no_axe_violations(browser, live_server, transactional_db, municipality,
                                                        neighbourhood, team_a, worker, coordinator):
    from tests.e2e.test_accessibility import Audit, browser_as, submit

    group = GroupFactory(name="Geld Telt", team=team_a, neighbourhood=neighbourhood, life_domains=["financien"])
    group.facilitators.set([worker])
    offer = make_offer(municipality, "Budgetcafé", neighbourhood=neighbourhood, life_domains=["financien"],
                       owner=coordinator, last_checked_on=TODAY() - 300 * DAY, languages=["nl", "ar"],
                       description="Samen rekenen.", weekday=2, daypart="morning")
    for _ in range(3):
        HelpRequestFactory(participant=ParticipantFactory(team=team_a, neighbourhood=neighbourhood),
                           life_domain_id="financien", route="collective")
    with browser_as(browser, live_server, coordinator.username) as page:
        audit = Audit(page, live_server, "coordinator")
        audit.check("sociale kaart", "/sociale-kaart/", state="#offers")
        audit.check("sociale kaart, filtered", "/sociale-kaart/?quadrant=collective_informal&check=on",
                    state="#offers")
        audit.check("sociale kaart, nothing found", "/sociale-kaart/?q=niets-te-vinden", state="#no-offers")
        audit.check("offer", f"/sociale-kaart/aanbod/{offer.pk}/", state="#offer-facts")
        audit.check("own group's offer form", f"/sociale-kaart/aanbod/{group.offer.pk}/bewerken/")
        audit.check("new offer", "/sociale-kaart/aanbod/nieuw/", state="#offer-form")
        submit(page, "#offer-form button[type=submit]")
        audit.check("new offer with errors", state="#offer-form .is-invalid")
        audit.check("partners", "/sociale-kaart/partners/", state="#partners")
        audit.check("new partner", "/sociale-kaart/partners/nieuw/", state="#partner-form")
        submit(page, "#partner-form button[type=submit]")
        audit.check("new partner with errors", state="#partner-form .is-invalid")
        audit.check("overview on the model", "/sociale-kaart/overzicht/", state="#model-grid")
        audit.check("start page with offers to check", "/", state="#offer-checks")
        bundle = f"/collectieven/bundelen/?life_domain=financien&wijk={neighbourhood.pk}"
        audit.check("bundle with partner offers", bundle, state="#bundle-offers")
    assert len(audit.checked) == 13
    assert not audit.failures, audit.report()
