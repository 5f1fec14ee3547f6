"""The group finder for residents (/aanbod/, issue 13): public pages without a login, "Aanmelden",
the sign-ups on the group's waiting list, and their retention."""

import datetime
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from groups.models import Group
from offers.models import Offer, Partner, Signup
from offers.tasks import remove_old_signups
from tests.factories import EnrolmentFactory, GroupFactory, NeighbourhoodFactory, ParticipantFactory

D = datetime.date


@pytest.fixture
def heechterp(municipality):
    return NeighbourhoodFactory(municipality=municipality, name="Heechterp")


def public(group, **facts) -> Offer:
    """Make the offer of one of our groups public, with what staff add for residents."""
    Offer.objects.filter(group=group).update(**{"is_public": True, **facts})
    return Offer.objects.get(group=group)


@pytest.fixture
def walking(team_a, neighbourhood, worker):
    group = GroupFactory(team=team_a, name="Wandelgroep Bilgaard", neighbourhood=neighbourhood, usual_weekday=1,
                         usual_time=datetime.time(10, 0), life_domains=["lichamelijke_gezondheid", "sociaal_netwerk"])
    group.facilitators.add(worker)
    return public(group, description="We wandelen samen een uur door de wijk. Daarna drinken we koffie.",
                  cost="Gratis", accessibility="Rustig tempo. Ook met een rollator.")


@pytest.fixture
def partner_offer(municipality, heechterp, colleague):
    library = Partner.objects.create(municipality=municipality, name="Bibliotheek Leeuwarden", phone="058 123 4567")
    return Offer.objects.create(
        municipality=municipality, source=Offer.Source.PARTNER, partner=library, name="Taalcafé",
        neighbourhood=heechterp, daypart=Offer.Daypart.EVENING, languages=["nl", "ar"], is_public=True,
        owner=colleague, owner_consent_on=D(2024, 1, 1), led_by=Offer.LedBy.VOLUNTEERS,
    )


@pytest.fixture
def finder_world(walking, partner_offer, team_a, team_b, municipality):
    """Besides the two public offers: a private group, a stopped public one, a public one in Heerenveen,
    and one for the whole municipality."""
    public(GroupFactory(team=team_a, name="Geheime groep"), is_public=False)
    stopped = GroupFactory(team=team_a, name="Gestopte groep")
    public(stopped)
    stopped.status = Group.Status.ENDED
    stopped.save()
    everywhere = public(GroupFactory(team=team_a, name="Geldcafé", neighbourhood=None, usual_time=datetime.time(14, 0),
                                     life_domains=["financien"]))
    elsewhere = public(GroupFactory(team=team_b, name="Wandelclub Heerenveen"))
    return {"walking": walking, "partner": partner_offer, "everywhere": everywhere, "elsewhere": elsewhere}


def municipality_page(municipality, **query):
    return reverse("offers:finder_municipality", args=[municipality.pk]), query


def names_on(body: str) -> set[str]:
    return set(re.findall(r'<h3 class="h5 card-title"><a href="[^"]+">([^<]+)</a>', body))


def signup_url(offer):
    return reverse("offers:signup", args=[offer.municipality_id, offer.pk])


GOOD = {"first_name": "Fenna", "phone": "06 12345678", "email": "", "message": "Liefst na 14 uur", "consent": "on"}


# --- The public pages --------------------------------------------------------------------------------


def test_the_finder_lists_the_municipalities_with_public_offers(client, finder_world, municipality):
    from tests.factories import MunicipalityFactory

    MunicipalityFactory(name="Smallingerland")  # no offers at all
    body = client.get(reverse("offers:finder")).content.decode()
    assert "Leeuwarden" in body and "Heerenveen" in body and "Smallingerland" not in body
    assert reverse("offers:finder_municipality", args=[municipality.pk]) in body


def test_a_municipality_page_shows_only_its_public_running_offers_without_a_login(client, finder_world,
                                                                                   municipality):
    path, _ = municipality_page(municipality)
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert names_on(body) == {"Wandelgroep Bilgaard", "Taalcafé", "Geldcafé"}
    assert "3 groepen gevonden" in body
    assert "Gratis" in body and "Op dinsdag om 10:00" in body


def test_the_filters_are_a_plain_get_form_without_javascript(client, finder_world, municipality, neighbourhood):
    body = client.get(municipality_page(municipality)[0]).content.decode()
    assert '<form method="get"' in body and "<script" not in body
    # The wijk filter offers the wijken that have an offer, in words.
    assert f'<option value="{neighbourhood.pk}">Bilgaard</option>' in body
    assert ">Bewegen en gezond blijven</option>" in body and ">Financiën<" not in body


@pytest.mark.parametrize("query, expected", [
    # A wijk: its own offers first, then those for the whole municipality.
    ("wijk", ["Wandelgroep Bilgaard", "Geldcafé"]),
    ({"dagdeel": "evening"}, ["Taalcafé"]),
    ({"dagdeel": "afternoon"}, ["Geldcafé"]),
    ({"thema": "financien"}, ["Geldcafé"]),
    ({"taal": "ar"}, ["Taalcafé"]),
    # An offer without languages is held in Dutch.
    ({"taal": "nl"}, ["Geldcafé", "Taalcafé", "Wandelgroep Bilgaard"]),
    ({"wijk": "abc", "dagdeel": "nacht"}, ["Geldcafé", "Taalcafé", "Wandelgroep Bilgaard"]),
])
def test_a_resident_filters_by_wijk_day_part_theme_and_language(client, finder_world, municipality, neighbourhood,
                                                               query, expected):
    if query == "wijk":
        query = {"wijk": neighbourhood.pk}
    response = client.get(municipality_page(municipality)[0], query)
    assert response.status_code == 200
    body = response.content.decode()
    assert re.findall(r'<h3 class="h5 card-title"><a href="[^"]+">([^<]+)</a>', body) == expected


def test_a_wijk_of_another_municipality_is_not_a_choice(client, finder_world, municipality, other_municipality):
    other = NeighbourhoodFactory(municipality=other_municipality, name="Skoatterwald")
    body = client.get(municipality_page(municipality)[0], {"wijk": other.pk}).content.decode()
    assert "Skoatterwald" not in body and len(names_on(body)) == 3


def test_the_page_of_an_offer_tells_what_where_when_cost_who_and_how_to_join(client, finder_world):
    walking = finder_world["walking"]
    response = client.get(reverse("offers:public_offer", args=[walking.municipality_id, walking.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Wandelgroep Bilgaard", "We wandelen samen een uur door de wijk.", "Bilgaard", "Op dinsdag om 10:00",
                 "Elke week", "Gratis", "Een sociaal werker of een andere beroepskracht.", "Nederlands",
                 "Ook met een rollator.", "Bewegen en gezond blijven", "Aanmelden"):
        assert text in body, text
    partner = finder_world["partner"]
    body = client.get(reverse("offers:public_offer", args=[partner.municipality_id, partner.pk])).content.decode()
    assert "Georganiseerd door: Bibliotheek Leeuwarden." in body and "058 123 4567" in body
    assert "Nederlands, Arabisch" in body and "Vrijwilligers." in body


def test_an_offer_of_another_municipality_or_not_public_is_not_found(client, finder_world, municipality, walking):
    elsewhere = finder_world["elsewhere"]
    private = Offer.objects.get(name="Geheime groep")
    stopped = Offer.objects.get(name="Gestopte groep")
    for offer in (elsewhere, private, stopped):
        for name in ("offers:public_offer", "offers:signup", "offers:signup_thanks"):
            response = client.get(reverse(name, args=[municipality.pk, offer.pk]))
            assert response.status_code == 404, (name, offer.name)
            assert "Deze groep is niet te vinden" in response.content.decode()
        assert client.post(reverse("offers:signup", args=[municipality.pk, offer.pk]), GOOD).status_code == 404
    # Under its own municipality the Heerenveen offer is there.
    assert client.get(reverse("offers:public_offer", args=[elsewhere.municipality_id, elsewhere.pk])).status_code == 200
    assert client.get(reverse("offers:finder_municipality", args=[999999])).status_code == 404
    assert not Signup.objects.exists()


def test_the_public_pages_show_nothing_about_who_joined_or_how_many(client, finder_world, municipality, team_a):
    """The pages are the same, byte for byte, before and after residents enrolled and signed up."""
    walking = finder_world["walking"]
    pages = [reverse("offers:finder"), reverse("offers:finder_municipality", args=[municipality.pk]),
             reverse("offers:public_offer", args=[municipality.pk, walking.pk]),
             reverse("offers:signup_thanks", args=[municipality.pk, walking.pk])]
    before = [client.get(path).content for path in pages]
    form_before = re.sub(r'value="[^"]{40,}"', "", client.get(signup_url(walking)).content.decode())
    for i in range(7):
        EnrolmentFactory(group=walking.group, participant=ParticipantFactory(team=team_a, first_name="Sjoukje",
                                                                             last_name=f"de Vries{i}"))
    for i in range(3):
        Signup.objects.create(offer=walking, group=walking.group, first_name=f"Fenna{i}", phone="0612345678",
                              consent=True)
    assert [client.get(path).content for path in pages] == before
    assert re.sub(r'value="[^"]{40,}"', "", client.get(signup_url(walking)).content.decode()) == form_before
    assert not any(b"Sjoukje" in page or b"Fenna" in page for page in before)


def test_an_offer_nobody_of_ours_handles_has_no_sign_up(client, partner_offer):
    Offer.objects.filter(pk=partner_offer.pk).update(owner=None)
    body = client.get(reverse("offers:public_offer", args=[partner_offer.municipality_id, partner_offer.pk])
                      ).content.decode()
    assert "Aanmelden" not in body and "058 123 4567" in body
    assert client.get(signup_url(partner_offer)).status_code == 404


def test_the_municipality_page_takes_a_constant_number_of_queries(client, municipality, team_a, neighbourhood,
                                                                 django_assert_max_num_queries):
    for i in range(40):
        public(GroupFactory(team=team_a, name=f"Groep {i:02}", neighbourhood=neighbourhood,
                            life_domains=["sociaal_netwerk"]))
    with django_assert_max_num_queries(3):
        body = client.get(reverse("offers:finder_municipality", args=[municipality.pk]),
                          {"thema": "sociaal_netwerk", "pagina": "2"}).content.decode()
    assert "40 groepen gevonden" in body and "pagina 2 van 2" in body and "Groep 39" in body


# --- Aanmelden ---------------------------------------------------------------------------------------------


def test_a_resident_signs_up_and_lands_on_the_groups_list(client, walking):
    response = client.post(signup_url(walking), GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("offers:signup_thanks", args=[walking.municipality_id, walking.pk])
    signup = Signup.objects.get()
    assert (signup.offer, signup.group, signup.first_name, signup.phone, signup.message, signup.status) == (
        walking, walking.group, "Fenna", "06 12345678", "Liefst na 14 uur", "new")
    event = AuditEvent.objects.get(event="signup.created")
    assert event.user is None and event.object_id == str(signup.pk)
    assert "Fenna" not in str(event.data) and "0612" not in str(event.data)
    thanks = client.get(response["Location"]).content.decode()
    assert "Je aanmelding voor Wandelgroep Bilgaard is verstuurd." in thanks


def test_the_form_asks_consent_in_plain_words(client, walking):
    body = client.get(signup_url(walking)).content.decode()
    assert ("Ik vind het goed dat Collectief contact met mij opneemt over deze groep. Mijn gegevens worden alleen "
            "daarvoor gebruikt en na 30 dagen verwijderd als er geen contact volgt.") in body
    assert "Schrijf hier niets over je gezondheid of ziekte." in body
    assert '<form method="post"' in body and "<script" not in body


def test_a_sign_up_without_consent_is_refused(client, walking):
    response = client.post(signup_url(walking), {**GOOD, "consent": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Zet een vinkje als we contact met je mogen opnemen." in body
    assert 'value="Fenna"' in body
    assert not Signup.objects.exists() and not AuditEvent.objects.filter(event="signup.created").exists()


@pytest.mark.parametrize("data, message", [
    ({"phone": "", "email": ""}, "Vul een telefoonnummer of een e-mailadres in"),
    ({"phone": "bel me"}, "Dit is geen telefoonnummer."),
    ({"phone": "", "email": "fenna@"}, "Dit is geen e-mailadres."),
    ({"first_name": "   "}, "Vul je voornaam in."),
    ({"message": "x" * 301}, "Schrijf hoogstens 300 tekens (nu 301)."),
])
def test_a_sign_up_with_a_mistake_gets_a_dutch_message_and_nothing_is_saved(client, walking, data, message):
    response = client.post(signup_url(walking), {**GOOD, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Signup.objects.exists()


def test_a_filled_in_honeypot_is_thanked_and_ignored(client, walking):
    response = client.post(signup_url(walking), {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 302 and response["Location"].endswith("/bedankt/")
    assert not Signup.objects.exists() and not AuditEvent.objects.filter(event="signup.created").exists()


@override_settings(SURVEY_RATE_LIMIT=3)
def test_a_burst_of_sign_ups_is_limited_and_keeps_what_was_typed(client, walking):
    for i in range(3):
        assert client.post(signup_url(walking), {**GOOD, "first_name": f"Fenna{i}"}).status_code == 302
    response = client.post(signup_url(walking), {**GOOD, "first_name": "Robot"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Er zijn net veel aanmeldingen verstuurd" in body and 'value="Robot"' in body
    assert Signup.objects.count() == 3
    # Another address is not held up.
    assert client.post(signup_url(walking), GOOD, REMOTE_ADDR="10.9.8.7").status_code == 302


def test_a_sign_up_is_stored_when_the_cache_is_down(client, walking):
    with mock.patch.object(cache, "incr", side_effect=ConnectionError("redis down")):
        assert client.post(signup_url(walking), GOOD).status_code == 302
    assert Signup.objects.count() == 1


# --- Staff see the sign-ups -------------------------------------------------------------------------------


@pytest.fixture
def fenna(walking):
    return Signup.objects.create(offer=walking, group=walking.group, first_name="Fenna", phone="06 12345678",
                                 message="Liefst na 14 uur", consent=True)


def group_page(offer):
    return reverse("groups:detail", args=[offer.group_id])


def test_the_groups_social_workers_see_the_sign_up_on_the_waiting_list(client_for, worker, colleague, fenna,
                                                                       walking):
    for user in (worker, colleague):
        body = client_for(user).get(group_page(walking)).content.decode()
        section = body[body.index('id="wachtlijst"'):body.index("</section>", body.index('id="wachtlijst"'))]
        assert 'id="signups"' in section
        assert "Fenna" in section and "06 12345678" in section and "Liefst na 14 uur" in section
        assert reverse("participants:create") in section
    viewed = AuditEvent.objects.filter(event="signup.viewed")
    assert viewed.count() == 2 and viewed.first().data["signups"] == [fenna.pk]


def test_another_team_never_sees_the_sign_up(client_for, outsider, team_b, fenna, walking):
    client = client_for(outsider)
    assert client.get(group_page(walking)).status_code == 404
    own = GroupFactory(team=team_b, name="Eigen groep")
    body = client.get(reverse("groups:detail", args=[own.pk])).content.decode()
    assert "Fenna" not in body and 'id="signups"' not in body
    assert "Fenna" not in client.get("/").content.decode()
    assert not AuditEvent.objects.filter(event="signup.viewed").exists()


def test_called_back_then_closed(client_for, worker, fenna, walking):
    client = client_for(worker)
    url = reverse("offers:signup_status", args=[fenna.pk])
    response = client.post(url, {"status": "contacted"}, follow=True)
    assert "Fenna staat op teruggebeld." in response.content.decode()
    fenna.refresh_from_db()
    assert (fenna.status, fenna.handled_by) == ("contacted", worker)
    assert 'id="signups"' in response.content.decode()  # still to be registered or closed
    response = client.post(url, {"status": "closed"}, follow=True)
    fenna.refresh_from_db()
    assert fenna.status == "closed" and 'id="signups"' not in response.content.decode()
    updates = AuditEvent.objects.filter(event="signup.updated").order_by("pk")
    assert list(updates.values_list("data__status", flat=True)) == ["contacted", "closed"]
    # Closed stays closed.
    client.post(url, {"status": "contacted"})
    fenna.refresh_from_db()
    assert fenna.status == "closed"


def test_handling_a_sign_up_is_for_the_groups_team_only(client_for, outsider, municipality_user, fenna):
    url = reverse("offers:signup_status", args=[fenna.pk])
    assert client_for(outsider).post(url, {"status": "closed"}).status_code == 404
    assert client_for(municipality_user).post(url, {"status": "closed"}).status_code == 403
    assert client_for(outsider).get(url).status_code == 405
    fenna.refresh_from_db()
    assert fenna.status == "new"


def test_a_partner_offers_sign_up_goes_to_its_owner(client, client_for, worker, colleague, partner_offer):
    assert client.post(signup_url(partner_offer), {**GOOD, "first_name": "Karim"}).status_code == 302
    signup = Signup.objects.get()
    assert signup.group is None
    body = client_for(colleague).get("/").content.decode()  # the owner
    assert 'id="start-signups"' in body and "Karim" in body and "Taalcafé" in body
    assert "Karim" not in client_for(worker).get("/").content.decode()
    response = client_for(colleague).post(reverse("offers:signup_status", args=[signup.pk]), {"status": "closed"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client_for(worker).post(reverse("offers:signup_status", args=[signup.pk]),
                                   {"status": "closed"}).status_code == 404


# --- Retention ------------------------------------------------------------------------------------------


def _aged(signup, *, created_days, updated_days):
    now = timezone.now()
    Signup.objects.filter(pk=signup.pk).update(created_at=now - datetime.timedelta(days=created_days),
                                               updated_at=now - datetime.timedelta(days=updated_days))


def test_retention_deletes_old_sign_ups_nobody_handled_only(walking):
    def make(name, status, created_days, updated_days):
        signup = Signup.objects.create(offer=walking, group=walking.group, first_name=name, phone="0612345678",
                                       consent=True, status=status)
        _aged(signup, created_days=created_days, updated_days=updated_days)
        return signup

    make("Oud", "new", 32, 32)
    make("Recent", "new", 29, 29)
    make("Teruggebeld", "contacted", 60, 5)  # called back recently: being handled
    make("Lang geleden afgesloten", "closed", 90, 40)
    assert remove_old_signups.delay().get() == 2
    assert set(Signup.objects.values_list("first_name", flat=True)) == {"Recent", "Teruggebeld"}
    event = AuditEvent.objects.get(event="signup.deleted")
    assert event.user is None and len(event.data["signups"]) == 2 and "Oud" not in str(event.data)
    assert remove_old_signups() == 0  # idempotent
    assert AuditEvent.objects.filter(event="signup.deleted").count() == 1


@override_settings(SIGNUP_RETENTION_DAYS=7)
def test_the_retention_follows_the_setting(client, walking):
    signup = Signup.objects.create(offer=walking, group=walking.group, first_name="Fenna", phone="0612345678",
                                   consent=True)
    _aged(signup, created_days=9, updated_days=9)
    assert "na 7 dagen verwijderd" in client.get(signup_url(walking)).content.decode()
    assert remove_old_signups() == 1
