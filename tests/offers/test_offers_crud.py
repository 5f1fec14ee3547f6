"""Adding and keeping offers and partner organisations on the sociale kaart (offers/views_map.py):
the owner's consent and a named staff owner are required, our own groups' facts stay the group's,
"gecontroleerd" and "gestopt", partners, scoping and the audit trail."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from offers.models import Offer, Partner
from tests.factories import GroupFactory, NeighbourhoodFactory

TODAY = timezone.localdate
CREATE = reverse("offers:offer_create")
PARTNERS = reverse("offers:partners")
PARTNER_CREATE = reverse("offers:partner_create")


@pytest.fixture
def library(municipality):
    return Partner.objects.create(municipality=municipality, name="Bibliotheek Leeuwarden", phone="058 123 45 67")


@pytest.fixture
def partner_offer(municipality, library, worker):
    return Offer.objects.create(
        municipality=municipality, source=Offer.Source.PARTNER, partner=library, name="Taalcafé",
        led_by=Offer.LedBy.VOLUNTEERS, owner=worker, owner_consent_on=datetime.date(2025, 1, 6),
        last_checked_on=datetime.date(2025, 1, 6),
    )


def _data(library, worker, **extra) -> dict:
    data = {
        "source": "partner", "partner": library.pk, "name": "Taalcafé De Wâlden", "theme": "Taal",
        "description": "Samen Nederlands praten bij een kop koffie.", "life_domains": ["sociaal_netwerk"],
        "weekday": "2", "start_time": "14:00", "languages": ["nl", "ar"], "cost": "Gratis",
        "how_to_join": "Kom langs.", "contact": "058 123 45 67", "led_by": "volunteers", "form": "collective",
        "owner": worker.pk, "owner_consent_on": (TODAY() - datetime.timedelta(days=3)).isoformat(),
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def test_a_social_worker_adds_a_partners_group_with_the_owners_consent(client_for, worker, library):
    client = client_for(worker)
    form = client.get(CREATE)
    assert form.status_code == 200
    assert f'value="{worker.pk}" selected' in form.content.decode()  # the owner is me unless I choose another
    response = client.post(CREATE, _data(library, worker))
    offer = Offer.objects.get(name="Taalcafé De Wâlden")
    assert response.status_code == 302 and response["Location"] == reverse("offers:offer_detail", args=[offer.pk])
    assert offer.partner == library and offer.owner == worker and offer.municipality == library.municipality
    assert offer.languages == ["nl", "ar"] and offer.daypart == "afternoon"
    assert offer.last_checked_on == TODAY() and offer.active
    assert set(offer.life_domains.values_list("pk", flat=True)) == {"sociaal_netwerk"}
    assert offer.quadrant == "collective_informal"
    event = AuditEvent.objects.get(event="offer.created")
    assert event.object_id == str(offer.pk) and event.user == worker and "owner_consent_on" in event.data["fields"]
    assert "Samen Nederlands" not in str(event.data)  # field names, never values


@pytest.mark.parametrize(("missing", "message"), [
    ({"owner_consent_on": ""}, "Vul de datum in waarop de eigenaar toestemming gaf om dit aanbod op te nemen."),
    ({"owner": ""}, "Noem de collega die dit aanbod actueel houdt."),
    ({"partner": ""}, "Kies de partnerorganisatie van wie dit aanbod is."),
    ({"name": ""}, "Geef het aanbod een naam."),
    ({"owner_consent_on": (TODAY() + datetime.timedelta(days=1)).isoformat()},
     "De datum kan niet in de toekomst liggen."),
    ({"owner_consent_on": "1890-01-01"}, "geen aannemelijke datum"),
    ({"owner_consent_on": "31-02-2024"}, "Vul een geldige datum in"),
])
def test_an_offer_without_consent_owner_or_partner_is_refused_in_dutch_and_nothing_is_saved(
        client_for, worker, library, missing, message):
    response = client_for(worker).post(CREATE, _data(library, worker, **missing))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "Er is niets opgeslagen" in body
    assert not Offer.objects.exclude(source="own").exists()
    assert not AuditEvent.objects.filter(event__startswith="offer.").exists()


def test_a_residents_initiative_needs_no_partner(client_for, worker, library):
    response = client_for(worker).post(CREATE, _data(library, worker, source="initiative", led_by="residents"))
    assert response.status_code == 302
    offer = Offer.objects.get(name="Taalcafé De Wâlden")
    assert offer.source == "initiative" and offer.partner is None  # a chosen partner is dropped
    assert offer.quadrant == "collective_informal"


def test_another_municipalitys_partner_wijk_or_owner_cannot_be_chosen(client_for, worker, library, outsider,
                                                                       other_municipality):
    theirs = Partner.objects.create(municipality=other_municipality, name="Bibliotheek Heerenveen")
    wijk = NeighbourhoodFactory(municipality=other_municipality)
    client = client_for(worker)
    for extra in ({"partner": theirs.pk}, {"neighbourhood": wijk.pk}, {"owner": outsider.pk}):
        response = client.post(CREATE, _data(library, worker, **extra))
        assert response.status_code == 200, extra
        assert "Selecteer een geldige keuze" in response.content.decode()
    assert not Offer.objects.exclude(source="own").exists()


def test_our_own_groups_offer_takes_only_what_staff_add(client_for, worker, team_a):
    group = GroupFactory(name="Geld Telt", team=team_a, theme="Geld")
    offer = group.offer
    url = reverse("offers:offer_edit", args=[offer.pk])
    client = client_for(worker)
    body = client.get(url).content.decode()
    assert 'name="description"' in body and 'name="is_public"' in body
    assert 'name="name"' not in body and 'name="led_by"' not in body and 'name="owner_consent_on"' not in body
    response = client.post(url, {
        "description": "Vier keer samen grip op je geld.", "cost": "Gratis", "how_to_join": "Bel het wijkteam.",
        "contact": "058 000 00 00", "languages": ["nl"], "accessibility": "Lift aanwezig", "is_public": "on",
        "name": "Andere naam", "led_by": "volunteers",  # not fields of this form: ignored
    })
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.description == "Vier keer samen grip op je geld." and offer.is_public
    assert offer.name == "Geld Telt" and offer.led_by == "professionals"
    event = AuditEvent.objects.get(event="offer.updated")
    assert set(event.data["fields"]) == {"description", "cost", "how_to_join", "contact", "languages",
                                         "accessibility", "is_public"}
    # The group's next save keeps what staff added.
    group.theme = "Geld en formulieren"
    group.save()
    offer.refresh_from_db()
    assert offer.theme == "Geld en formulieren" and offer.description == "Vier keer samen grip op je geld."


def test_editing_a_partners_offer_records_the_changed_fields(client_for, worker, partner_offer, library):
    url = reverse("offers:offer_edit", args=[partner_offer.pk])
    data = _data(library, worker, name="Taalcafé", owner_consent_on="2025-01-06", active="on")
    client = client_for(worker)
    assert client.post(url, data).status_code == 302
    partner_offer.refresh_from_db()
    assert partner_offer.cost == "Gratis" and partner_offer.weekday == 2
    event = AuditEvent.objects.get(event="offer.updated")
    assert "cost" in event.data["fields"] and "name" not in event.data["fields"]


def test_marking_an_offer_checked_sets_today_and_is_recorded(client_for, colleague, partner_offer):
    response = client_for(colleague).post(reverse("offers:offer_check", args=[partner_offer.pk]))
    assert response.status_code == 302
    partner_offer.refresh_from_db()
    assert partner_offer.last_checked_on == TODAY()
    event = AuditEvent.objects.get(event="offer.updated")
    assert event.user == colleague and event.data == {"fields": ["last_checked_on"], "checked": True}


def test_checking_needs_a_post(client_for, worker, partner_offer):
    assert client_for(worker).get(reverse("offers:offer_check", args=[partner_offer.pk])).status_code == 405


def test_a_partners_offer_can_be_stopped_but_our_own_group_follows_its_status(client_for, worker, partner_offer,
                                                                              team_a):
    client = client_for(worker)
    assert client.post(reverse("offers:offer_deactivate", args=[partner_offer.pk])).status_code == 302
    partner_offer.refresh_from_db()
    assert not partner_offer.active
    assert AuditEvent.objects.filter(event="offer.updated", data__deactivated=True).count() == 1
    own = GroupFactory(team=team_a).offer
    response = client.post(reverse("offers:offer_deactivate", args=[own.pk]), follow=True)
    own.refresh_from_db()
    assert own.active
    assert "wijzig de status van het collectief" in response.content.decode()


def test_outsiders_and_municipality_contacts_cannot_touch_our_offers(client_for, outsider, municipality_user,
                                                                      partner_offer, library):
    urls = [reverse(name, args=[partner_offer.pk]) for name in ("offers:offer_detail", "offers:offer_edit")]
    posts = [reverse(name, args=[partner_offer.pk]) for name in ("offers:offer_check", "offers:offer_deactivate")]
    client = client_for(outsider)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    assert [client.post(url).status_code for url in posts] == [404, 404]
    assert client.get(reverse("offers:partner_edit", args=[library.pk])).status_code == 404
    contact = client_for(municipality_user)
    assert [contact.get(url).status_code for url in [*urls, CREATE, PARTNERS, PARTNER_CREATE]] == [403] * 5
    assert [contact.post(url).status_code for url in posts] == [403, 403]
    partner_offer.refresh_from_db()
    assert partner_offer.active and partner_offer.last_checked_on == datetime.date(2025, 1, 6)


# --- Partners --------------------------------------------------------------------------------------------


def test_a_social_worker_adds_and_corrects_a_partner_organisation(client_for, worker, colleague, municipality):
    response = client_for(worker).post(PARTNER_CREATE, {
        "name": "Humanitas Leeuwarden", "contact_name": "Anke", "phone": "058 111 22 33",
        "email": "info@humanitas.example", "website": "humanitas.example",
    })
    assert response.status_code == 302
    partner = Partner.objects.get()
    assert partner.municipality == municipality and partner.website == "https://humanitas.example"
    assert AuditEvent.objects.get(event="partner.created").object_id == str(partner.pk)
    url = reverse("offers:partner_edit", args=[partner.pk])
    # A colleague corrects the contact person: every colleague may.
    response = client_for(colleague).post(url, {"name": "Humanitas Leeuwarden", "contact_name": "Bram",
                                                "phone": "058 111 22 33", "email": "info@humanitas.example"})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.contact_name == "Bram"
    event = AuditEvent.objects.get(event="partner.updated")
    assert event.user == colleague and "contact_name" in event.data["fields"] and "Bram" not in str(event.data)
    assert "Humanitas Leeuwarden" in client_for(worker).get(PARTNERS).content.decode()


def test_a_partner_name_is_unique_within_the_municipality(client_for, worker, library):
    response = client_for(worker).post(PARTNER_CREATE, {"name": "bibliotheek leeuwarden"})
    assert response.status_code == 200
    assert "Er is al een partnerorganisatie met deze naam in Leeuwarden." in response.content.decode()
    assert Partner.objects.count() == 1


def test_a_partner_without_a_name_is_refused_in_dutch(client_for, worker):
    response = client_for(worker).post(PARTNER_CREATE, {"name": "", "email": "geen-email"})
    body = response.content.decode()
    assert response.status_code == 200 and "Vul de naam van de organisatie in." in body
    assert "Er is niets opgeslagen" in body and not Partner.objects.exists()


def test_the_partner_list_shows_only_my_municipalitys_partners(client_for, worker, library, other_municipality):
    Partner.objects.create(municipality=other_municipality, name="Bibliotheek Heerenveen")
    body = client_for(worker).get(PARTNERS).content.decode()
    assert "Bibliotheek Leeuwarden" in body and "Bibliotheek Heerenveen" not in body


def test_the_admin_lists_and_audits_offers_and_partners(client_for, administrator, partner_offer, library):
    client = client_for(administrator)
    assert client.get(reverse("admin:offers_offer_changelist")).status_code == 200
    assert client.get(reverse("admin:offers_partner_changelist")).status_code == 200
    assert client.get(reverse("admin:offers_offer_change", args=[partner_offer.pk])).status_code == 200
    assert AuditEvent.objects.filter(event="offer.viewed", object_id=str(partner_offer.pk)).exists()
    assert AuditEvent.objects.filter(event="admin_list.viewed", object_type="offers.partner").exists()
