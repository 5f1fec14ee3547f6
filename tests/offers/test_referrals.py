"""Referrals with feedback: only with the consent "delen met een netwerkpartner", what came of it on
the resident's page, and the internal figures per period, kind of offer and partner."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from groups.models import Group
from offers import figures, services
from offers.models import Offer, Partner, Referral
from reporting.periods import Period
from tests.factories import (
    ConsentFactory,
    EnrolmentFactory,
    GroupFactory,
    NeighbourhoodFactory,
    ParticipantFactory,
)

D = datetime.date
TODAY = timezone.localdate


@pytest.fixture
def participant(team_a, neighbourhood):
    return ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name="Fatima", last_name="El Amrani")


@pytest.fixture
def library(municipality):
    return Partner.objects.create(municipality=municipality, name="Bibliotheek Leeuwarden")


@pytest.fixture
def language_cafe(municipality, library):
    offer = Offer.objects.create(municipality=municipality, source=Offer.Source.PARTNER, partner=library,
                                 name="Taalcafé", theme="Nederlands oefenen")
    offer.life_domains.set(["participatie"])
    return offer


@pytest.fixture
def knitting_club(municipality):
    return Offer.objects.create(municipality=municipality, source=Offer.Source.INITIATIVE, name="Breiclub De Steek",
                                theme="Samen breien", led_by=Offer.LedBy.RESIDENTS)


@pytest.fixture
def walking_group(team_a):
    """One of our own groups: its offer appears by itself (offers.signals)."""
    return GroupFactory(team=team_a, name="Wandelclub", theme="Wandelen", start_date=D(2024, 1, 1))


@pytest.fixture
def far_offer(other_municipality):
    return Offer.objects.create(municipality=other_municipality, source=Offer.Source.INITIATIVE,
                                name="Koor Heerenveen", theme="Zingen")


def share(participant, given=True, date=None, by=None):
    return ConsentFactory(participant=participant, purpose="share_partner", given=given, date=date or TODAY(),
                          recorded_by=by)


def refer_url(participant):
    return reverse("offers:refer", args=[participant.pk])


def outcome_url(referral):
    return reverse("offers:referral_outcome", args=[referral.pk])


def detail(client, participant) -> str:
    return client.get(reverse("participants:detail", args=[participant.pk])).content.decode()


def post_referral(client, participant, offer, **extra):
    data = {"offer": offer.pk, "date": TODAY().isoformat(), "note": "Komt met haar dochter.", **extra}
    return client.post(refer_url(participant), data)


# --- Consent ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_referral_without_the_sharing_consent_is_refused(client_for, worker, participant, language_cafe):
    ConsentFactory(participant=participant)  # registration only
    client = client_for(worker)
    response = post_referral(client, participant, language_cafe)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Verwijzen kan alleen met toestemming van de inwoner voor „delen met een netwerkpartner”" in html
    assert f"/deelnemers/{participant.pk}/#consent" in html
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(event="referral.created").exists()
    # The resident's page says so too, and offers no "Verwijzen" button.
    page = detail(client, participant)
    assert "Leg die vast bij Toestemming." in page
    assert refer_url(participant) not in page


@pytest.mark.django_db
def test_a_referral_to_our_own_group_needs_the_consent_as_well(client_for, worker, participant, walking_group):
    response = post_referral(client_for(worker), participant, walking_group.offer)
    assert response.status_code == 200
    assert "Voor een van onze eigen groepen kun je de inwoner ook inschrijven" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_with_consent_the_referral_is_stored_audited_and_shown(client_for, worker, participant, language_cafe):
    share(participant, date=D(2024, 1, 5), by=worker)
    client = client_for(worker)
    response = post_referral(client, participant, language_cafe, date="2024-02-01")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/deelnemers/{participant.pk}/#referrals")
    referral = Referral.objects.get()
    assert (referral.participant, referral.offer, referral.date, referral.note, referral.referred_by) == (
        participant, language_cafe, D(2024, 2, 1), "Komt met haar dochter.", worker,
    )
    assert referral.outcome == Referral.Outcome.PENDING
    event = AuditEvent.objects.get(event="referral.created")
    assert (event.user, event.action, event.object_type, event.object_id) == (
        worker, "create", "participants.participant", str(participant.pk),
    )
    assert event.participant_ids == [participant.pk]
    assert event.data == {"referral": referral.pk, "offer": language_cafe.pk, "source": "partner"}
    page = detail(client, participant)
    for text in ("Verwijzingen", "Taalcafé", "Bibliotheek Leeuwarden", "Nog niets bekend",
                 "Verwezen op 1 februari 2024 door Sanne", "Komt met haar dochter."):
        assert text in page, text


@pytest.mark.django_db
def test_withdrawing_the_consent_is_respected_from_then_on(client_for, worker, participant, language_cafe,
                                                          knitting_club):
    share(participant, date=D(2024, 1, 5))
    client = client_for(worker)
    assert post_referral(client, participant, language_cafe, date="2024-02-01").status_code == 302
    earlier = Referral.objects.get()
    share(participant, given=False, date=D(2024, 3, 1))

    # No new referral, also not one dated back to when the consent was still given.
    for date in (TODAY().isoformat(), "2024-02-15"):
        response = post_referral(client, participant, knitting_club, date=date)
        assert response.status_code == 200
        assert "op 1 maart 2024 ingetrokken" in response.content.decode()
    assert list(Referral.objects.all()) == [earlier]

    # No new outcome for the earlier one: it stays as history, with what was known.
    response = client.post(outcome_url(earlier), {"outcome": "started", "outcome_on": "2024-03-10"})
    assert response.status_code == 200
    assert "ingetrokken" in response.content.decode()
    earlier.refresh_from_db()
    assert (earlier.outcome, earlier.outcome_on) == (Referral.Outcome.PENDING, None)
    assert not AuditEvent.objects.filter(event="referral.updated").exists()

    page = detail(client, participant)
    assert "Taalcafé" in page  # still there as history
    assert "geen nieuwe verwijzingen en geen nieuwe uitkomsten meer" in page
    assert refer_url(participant) not in page and outcome_url(earlier) not in page

    # Given again: referring works again.
    share(participant, date=TODAY())
    assert post_referral(client, participant, knitting_club).status_code == 302
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_a_referral_cannot_be_dated_before_the_consent(client_for, worker, participant, language_cafe):
    share(participant, date=D(2024, 3, 1))
    response = post_referral(client_for(worker), participant, language_cafe, date="2024-02-01")
    assert response.status_code == 200
    assert "Op 1 februari 2024 was er nog geen toestemming" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_newest_decision_counts_not_the_newest_row(worker, participant, language_cafe):
    """A withdrawal recorded first and a (later) consent recorded afterwards with an earlier date."""
    share(participant, given=True, date=D(2024, 4, 1))
    share(participant, given=False, date=D(2024, 2, 1))
    assert services.may_share(participant)
    referral = services.refer(worker, participant, language_cafe, D(2024, 4, 2), "")
    assert referral.pk


# --- Choosing an offer -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_refer_page_finds_active_offers_of_the_residents_municipality_only(
    client_for, worker, participant, language_cafe, knitting_club, walking_group, far_offer
):
    share(participant)
    Offer.objects.create(municipality=language_cafe.municipality, source=Offer.Source.INITIATIVE, name="Oude soos",
                         active=False)
    client = client_for(worker)
    html = client.get(refer_url(participant)).content.decode()
    assert all(name in html for name in ("Taalcafé", "Breiclub De Steek", "Wandelclub"))
    assert "Koor Heerenveen" not in html and "Oude soos" not in html
    # By name or theme, by life domain, by whose offer (plain GET, no JavaScript).
    html = client.get(refer_url(participant), {"q": "breien"}).content.decode()
    assert "Breiclub De Steek" in html and "Taalcafé" not in html and "Wandelclub" not in html
    html = client.get(refer_url(participant), {"life_domain": "participatie"}).content.decode()
    assert "Taalcafé" in html and "Breiclub De Steek" not in html
    html = client.get(refer_url(participant), {"source": "own"}).content.decode()
    assert "Wandelclub" in html and "Taalcafé" not in html
    assert "Geen actief aanbod gevonden" in client.get(refer_url(participant), {"q": "zzz"}).content.decode()
    # A note's help text says: no sensitive details.
    assert "Geen gevoelige details" in html
    # Opening the page names the resident in the audit trail.
    event = AuditEvent.objects.filter(event="participant.viewed").latest("at")
    assert event.data["page"] == "refer" and event.participant_ids == [participant.pk]


@pytest.mark.django_db
def test_an_offer_of_another_municipality_or_inactive_cannot_be_chosen(
    client_for, worker, participant, far_offer, language_cafe
):
    share(participant)
    client = client_for(worker)
    Offer.objects.filter(pk=language_cafe.pk).update(active=False)
    for offer in (far_offer, language_cafe):
        response = post_referral(client, participant, offer)
        assert response.status_code == 200
        assert "Kies een actief aanbod in de gemeente van de inwoner." in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_an_anonymised_resident_cannot_be_referred(client_for, worker, participant, language_cafe):
    share(participant)
    type(participant).objects.filter(pk=participant.pk).update(erased_at=timezone.now())
    response = post_referral(client_for(worker), participant, language_cafe)
    assert response.status_code == 302
    assert not Referral.objects.exists()


# --- What came of it ---------------------------------------------------------------------------------


@pytest.fixture
def referral(worker, participant, language_cafe):
    share(participant, date=D(2024, 1, 5))
    return services.refer(worker, participant, language_cafe, D(2024, 2, 1), "")


@pytest.mark.django_db
def test_the_outcome_is_recorded_and_the_referrer_sees_it_on_the_residents_page(
    client_for, worker, colleague, participant, referral
):
    response = client_for(colleague).post(outcome_url(referral), {"outcome": "started", "outcome_on": "2024-02-13"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == (Referral.Outcome.STARTED, D(2024, 2, 13))
    event = AuditEvent.objects.get(event="referral.updated")
    assert event.participant_ids == [participant.pk]
    assert event.data == {"referral": referral.pk, "fields": ["outcome", "outcome_on"]}
    page = detail(client_for(worker), participant)
    assert "Begonnen · 13 februari 2024" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "arrived", "outcome_on": "2024-01-20"}, "Deze dag ligt vóór de verwijzing (1 februari 2024)."),
        ({"outcome": "arrived", "outcome_on": ""}, "Vul de dag in waarop het gebeurde."),
        ({"outcome": "arrived", "outcome_on": "2999-01-01"}, "is geen plausibele datum"),
        ({"outcome": "did_not_start", "outcome_on": "2024-02-30"}, "Voer een geldige datum in."),
        ({"outcome": "married", "outcome_on": "2024-02-10"}, "Kies wat er van de verwijzing is gekomen."),
    ],
)
def test_a_wrong_outcome_gets_a_message_and_changes_nothing(client_for, worker, referral, data, message):
    response = client_for(worker).post(outcome_url(referral), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    referral.refresh_from_db()
    assert referral.outcome == Referral.Outcome.PENDING


@pytest.mark.django_db
def test_an_outcome_in_the_future_is_refused(worker, referral):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.record_outcome(worker, referral, "arrived", TODAY() + datetime.timedelta(days=1))


@pytest.mark.django_db
def test_no_news_yet_puts_a_mistake_back(worker, referral):
    services.record_outcome(worker, referral, "did_not_start", D(2024, 2, 10))
    services.record_outcome(worker, referral, "pending", D(2024, 2, 10))
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == ("pending", None)


@pytest.mark.django_db
def test_an_enrolment_in_our_own_group_after_the_referral_suggests_started(
    client_for, worker, participant, walking_group
):
    share(participant, date=D(2024, 1, 5))
    referral = services.refer(worker, participant, walking_group.offer, D(2024, 2, 1), "")
    EnrolmentFactory(participant=participant, group=walking_group, start_date=D(2024, 2, 8))
    page = detail(client_for(worker), participant)
    assert "Ingeschreven in deze groep sinds 8 februari 2024: vastleggen als „Begonnen”?" in page
    assert 'value="2024-02-08"' in page
    services.record_outcome(worker, referral, "started", D(2024, 2, 8))
    assert "Ingeschreven in deze groep sinds" not in detail(client_for(worker), participant)


@pytest.mark.django_db
def test_the_outcome_page_shows_the_form_again(client_for, worker, referral):
    response = client_for(worker).get(outcome_url(referral))
    assert response.status_code == 200
    assert "Wat er van de verwijzing is gekomen" in response.content.decode()


# --- Who may do what -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_residents_team_may_refer_and_record(
    client, client_for, outsider, municipality_user, coordinator, participant, referral, language_cafe
):
    assert client.get(refer_url(participant)).status_code == 302  # to the login page
    for user, status in ((outsider, 404), (municipality_user, 403)):
        c = client_for(user)
        assert c.get(refer_url(participant)).status_code == status
        assert post_referral(c, participant, language_cafe).status_code == status
        assert c.get(outcome_url(referral)).status_code == status
        assert c.post(outcome_url(referral), {"outcome": "started", "outcome_on": "2024-02-13"}).status_code == status
    assert Referral.objects.count() == 1
    referral.refresh_from_db()
    assert referral.outcome == Referral.Outcome.PENDING
    # A coordinator of the resident's team may.
    assert post_referral(client_for(coordinator), participant, language_cafe).status_code == 302


# --- The resident's page stays fast --------------------------------------------------------------


@pytest.mark.django_db
def test_the_residents_page_does_not_query_per_referral(
    client_for, worker, participant, language_cafe, knitting_club, walking_group
):
    share(participant, date=D(2024, 1, 5))
    services.refer(worker, participant, language_cafe, D(2024, 2, 1), "")
    client = client_for(worker)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("participants:detail", args=[participant.pk]))
    for day in range(2, 12):
        offer = (knitting_club, walking_group.offer)[day % 2]
        services.refer(worker, participant, offer, D(2024, 2, day), "")
        EnrolmentFactory(participant=participant, group=GroupFactory(team=participant.team))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("participants:detail", args=[participant.pk]))
    assert response.content.decode().count('id="referral-') == 11
    assert len(many) == len(few)


# --- Internal figures ----------------------------------------------------------------------------


@pytest.fixture
def known_referrals(worker, team_a, municipality, library, language_cafe, knitting_club, walking_group, team_b,
                    other_municipality):
    """2024Q1 of Leeuwarden: 6 referrals inside (two on the boundaries), 2 just outside, 1 of Heerenveen."""
    sports = Partner.objects.create(municipality=municipality, name="bv SPORT")
    gym = Offer.objects.create(municipality=municipality, source=Offer.Source.PARTNER, partner=sports,
                               name="Bewegen voor ouderen")
    people = [ParticipantFactory(team=team_a) for _ in range(4)]
    for person in people:
        share(person, date=D(2023, 1, 1))

    def make(person, offer, day, outcome="pending", on=None):
        referral = services.refer(worker, person, offer, day, "")
        if outcome != "pending":
            services.record_outcome(worker, referral, outcome, on or day)

    make(people[0], language_cafe, D(2024, 1, 1), "started", D(2024, 1, 15))  # first day
    make(people[1], language_cafe, D(2024, 2, 1), "arrived")
    make(people[2], language_cafe, D(2024, 3, 31))  # last day, no news yet
    make(people[3], gym, D(2024, 2, 10), "did_not_start", D(2024, 4, 20))  # outcome after the period: counts
    make(people[0], knitting_club, D(2024, 3, 1), "arrived")
    make(people[1], walking_group.offer, D(2024, 1, 20), "started")
    make(people[2], language_cafe, D(2023, 12, 31), "started")  # the day before
    make(people[3], knitting_club, D(2024, 4, 1), "started", D(2024, 4, 2))  # the day after
    other = ParticipantFactory(team=team_b)
    share(other, date=D(2023, 1, 1))
    far = Offer.objects.create(municipality=other_municipality, source=Offer.Source.PARTNER, name="Elders",
                               partner=Partner.objects.create(municipality=other_municipality, name="Elders bv"))
    make(other, far, D(2024, 2, 1), "started")
    return {"sports": sports}


Q1 = Period(D(2024, 1, 1), D(2024, 3, 31), "2024Q1")


@pytest.mark.django_db
def test_figures_count_each_referral_once_under_its_outcome(municipality, library, known_referrals):
    result = figures.referral_figures(municipality, Q1)
    assert result["total"] == {"referred": 6, "arrived": 2, "started": 2, "did_not_start": 1, "pending": 1}
    by_source = {row["source"]: {k: row[k] for k in figures.COLUMNS} for row in result["by_source"]}
    assert by_source == {
        "own": {"referred": 1, "arrived": 0, "started": 1, "did_not_start": 0, "pending": 0},
        "partner": {"referred": 4, "arrived": 1, "started": 1, "did_not_start": 1, "pending": 1},
        "initiative": {"referred": 1, "arrived": 1, "started": 0, "did_not_start": 0, "pending": 0},
    }
    by_partner = [(row["name"], [row[k] for k in figures.COLUMNS]) for row in result["by_partner"]]
    assert by_partner == [("Bibliotheek Leeuwarden", [3, 1, 1, 0, 1]), ("bv SPORT", [1, 0, 0, 1, 0])]


@pytest.mark.django_db
def test_figures_period_boundaries_are_inclusive(municipality, known_referrals):
    assert figures.referral_figures(municipality, Period(D(2024, 1, 1), D(2024, 1, 1), "x"))["total"]["referred"] == 1
    assert figures.referral_figures(municipality, Period(D(2024, 3, 31), D(2024, 4, 1), "x"))["total"]["referred"] == 2
    assert figures.referral_figures(municipality, Period(D(2022, 1, 1), D(2022, 12, 31), "x"))["total"] == {
        "referred": 0, "arrived": 0, "started": 0, "did_not_start": 0, "pending": 0,
    }


@pytest.mark.django_db
def test_the_figures_page_shows_the_coordinators_municipality(client_for, coordinator, known_referrals):
    response = client_for(coordinator).get(reverse("offers:referral_figures"), {"period": "2024Q1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Verwijzingen: wat is ervan gekomen" in html and "Leeuwarden" in html
    assert '<tr data-source="total"><th scope="row">Totaal</th>' in html
    assert response.context["figures"]["total"]["referred"] == 6
    assert "Bibliotheek Leeuwarden" in html and "bv SPORT" in html
    assert "Elders bv" not in html  # another municipality's partner


@pytest.mark.django_db
def test_the_figures_page_is_for_coordinators_of_the_municipality(
    client_for, worker, municipality_user, coordinator, other_municipality, known_referrals
):
    url = reverse("offers:referral_figures")
    assert client_for(worker).get(url).status_code == 403
    assert client_for(municipality_user).get(url).status_code == 403
    response = client_for(coordinator).get(url, {"municipality": other_municipality.pk, "period": "2024Q1"})
    assert response.status_code == 200
    assert "Kies een van je gemeenten." in response.content.decode()
    assert "figures" not in response.context


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    {"period": "2024Q9"}, {"period": "custom", "start": "2024-03-01", "end": "2023-01-01"},
    {"period": "custom", "start": "31-02-2024"}, {"municipality": "abc"}, {"municipality": "99999999999999999999"},
    {"period": "x" * 5000},
])
def test_the_figures_page_answers_garbage_with_a_message(client_for, coordinator, query):
    response = client_for(coordinator).get(reverse("offers:referral_figures"), query)
    assert response.status_code == 200
    assert 'class="alert alert-danger"' in response.content.decode()


# --- No 500 on what users type ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("data", [
    {},
    {"offer": "99999999999999999999", "date": "2024-02-01"},
    {"offer": "abc", "date": "31-02-2024", "note": "x\x00y"},
    {"offer": "-1", "date": "0001-01-01", "note": "x" * 10_000},
    {"date": "99999-12-31"},
])
def test_the_refer_form_answers_garbage_with_a_message(client_for, worker, participant, language_cafe, data):
    share(participant)
    response = client_for(worker).post(refer_url(participant), data)
    assert response.status_code == 200
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_refer_page_answers_garbage_queries(client_for, worker, participant):
    client = client_for(worker)
    for query in ({"q": "x\x00'\"<script>", "life_domain": "zz", "source": "zzz"},
                  {"offer": "99999999999999999999"}, {"q": "x" * 10_000}, {"offer": "٣"}):
        assert client.get(refer_url(participant), query).status_code == 200


@pytest.mark.django_db
def test_a_note_that_is_too_long_is_refused(client_for, worker, participant, language_cafe):
    share(participant)
    response = post_referral(client_for(worker), participant, language_cafe, note="x" * 301)
    assert response.status_code == 200
    assert "300" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_group_status_changes_do_not_break_existing_referrals(worker, participant, walking_group):
    """An own group that ends: its offer becomes inactive; earlier referrals stay, new ones are refused."""
    share(participant, date=D(2024, 1, 5))
    referral = services.refer(worker, participant, walking_group.offer, D(2024, 2, 1), "")
    walking_group.status = Group.Status.ENDED
    walking_group.end_date = D(2024, 3, 1)
    walking_group.save()
    referral.refresh_from_db()
    assert referral.offer.active is False
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.refer(worker, participant, walking_group.offer, D(2024, 3, 2), "")
    services.record_outcome(worker, referral, "did_not_start", D(2024, 2, 20))


@pytest.mark.django_db
def test_neighbourhood_of_an_offer_is_shown(client_for, worker, participant, municipality, knitting_club):
    share(participant)
    knitting_club.neighbourhood = NeighbourhoodFactory(municipality=municipality, name="Heechterp")
    knitting_club.save()
    assert "Heechterp" in client_for(worker).get(refer_url(participant)).content.decode()


# --- Accessibility (axe-core in Chromium) ------------------------------------------------------------


@pytest.mark.e2e
def test_referral_pages_have_no_axe_violations(browser, live_server, transactional_db, worker, coordinator,
                                              participant, language_cafe, knitting_club, walking_group):
    from tests.e2e.test_accessibility import Audit, browser_as, submit

    share(participant, date=D(2024, 1, 5))
    referral = services.refer(worker, participant, language_cafe, D(2024, 2, 1), "Komt met haar dochter.")
    services.refer(worker, participant, walking_group.offer, D(2024, 2, 3), "")
    EnrolmentFactory(participant=participant, group=walking_group, start_date=D(2024, 2, 8))
    unshared = ParticipantFactory(team=participant.team, first_name="Wiebren", last_name="Hoekstra")
    with browser_as(browser, live_server, worker.username) as page:
        audit = Audit(page, live_server, "worker")
        audit.check("resident page with referrals", f"/deelnemers/{participant.pk}/", state="#referrals details")
        audit.check("refer page", refer_url(participant), state="#offers")
        audit.check("refer page, searched", refer_url(participant) + "?q=zzz", state="#no-offers")
        audit.goto(refer_url(participant))
        page.locator("#id_date").fill("")
        submit(page, "#refer-form button[type=submit]")
        audit.check("refer page with errors", state="#refer-form .is-invalid")
        audit.check("refer page without consent", refer_url(unshared), state="#refer-consent")
        audit.goto(outcome_url(referral))
        page.locator("#id_outcome").select_option("arrived")
        page.locator("#id_outcome_on").fill("2024-01-01")
        submit(page, "form[action$='/uitkomst/'] button[type=submit]")
        audit.check("outcome page with an error", state=".is-invalid")
        audit.check("resident page without the consent", f"/deelnemers/{unshared.pk}/", state="#referrals-consent")
    with browser_as(browser, live_server, coordinator.username) as page:
        audit_c = Audit(page, live_server, "coordinator")
        figures_url = reverse("offers:referral_figures") + "?period=2024"
        audit_c.check("referral figures", figures_url, state="#referrals-by-source")
    assert len(audit.checked) == 7 and len(audit_c.checked) == 1
    assert not audit.failures and not audit_c.failures, audit.report() + audit_c.report()
