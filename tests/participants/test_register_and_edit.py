"""Registering a resident (consent, duplicate check) and editing their details."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from participants.models import Consent, Participant
from tests.factories import NeighbourhoodFactory, ParticipantFactory

from .conftest import new_resident

CREATE = "/deelnemers/nieuw/"


@pytest.mark.django_db
def test_worker_registers_a_resident_with_consent_and_lands_on_their_page(
    client_for, worker, team_a, neighbourhood
):
    response = client_for(worker).post(CREATE, new_resident(team_a, neighbourhood=neighbourhood.pk))
    anouk = Participant.objects.get(last_name="de Vries")
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[anouk.pk])
    assert anouk.postcode == "8921 AB"
    assert anouk.created_by == worker
    consent = anouk.consents.get()
    assert (consent.purpose, consent.given, consent.date, consent.recorded_by) == (
        Consent.Purpose.REGISTRATION,
        True,
        timezone.localdate(),
        worker,
    )


@pytest.mark.django_db
def test_registration_form_shows_the_consent_checkbox_in_dutch(client_for, worker):
    html = client_for(worker).get(CREATE).content.decode()
    assert "Toestemming voor registratie gegeven" in html


@pytest.mark.django_db
def test_registering_is_audited_with_field_names_only(client_for, worker, team_a):
    client_for(worker).post(CREATE, new_resident(team_a, phone="06 12345678"))
    event = AuditEvent.objects.get(event="participant.created")
    assert event.user == worker and event.action == "create"
    assert "phone" in event.data["fields"]
    dumped = json.dumps(event.data)
    assert "Anouk" not in dumped and "12345678" not in dumped and "1975" not in dumped


@pytest.mark.django_db
def test_without_consent_nobody_is_registered(client_for, worker, team_a):
    response = client_for(worker).post(CREATE, new_resident(team_a, consent_registration=None))
    assert response.status_code == 200
    assert "Vraag eerst toestemming aan de inwoner" in response.content.decode()
    assert not Participant.objects.exists()


# --- Duplicate check ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_likely_duplicate_is_shown_with_a_link_and_nothing_is_saved(client_for, worker, team_a, participant):
    data = new_resident(
        team_a, first_name="fatima", last_name="El-Amrani", birth_date="1980-05-01", postcode=""
    )
    response = client_for(worker).post(CREATE, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Deze inwoner staat misschien al geregistreerd" in html
    assert reverse("participants:detail", args=[participant.pk]) in html
    assert "1 mei 1980" in html and "Bilgaard" in html  # one date format across the app
    assert "Dit is iemand anders, toch opslaan" in html
    assert Participant.objects.count() == 1
    assert not AuditEvent.objects.filter(event="participant.created").exists()


@pytest.mark.django_db
def test_confirming_someone_else_saves_the_second_resident(client_for, worker, team_a, participant):
    data = new_resident(
        team_a, first_name="Fatima", last_name="El Amrani", birth_date="1980-05-01", not_a_duplicate="on"
    )
    response = client_for(worker).post(CREATE, data)
    assert response.status_code == 302
    assert Participant.objects.filter(last_name="El Amrani").count() == 2
    assert AuditEvent.objects.get(event="participant.created").data["duplicate_warning_overridden"] is True


@pytest.mark.django_db
def test_duplicate_check_does_not_reveal_residents_of_other_teams(client_for, outsider, team_b, participant):
    data = new_resident(team_b, first_name="Fatima", last_name="El Amrani", birth_date="1980-05-01")
    response = client_for(outsider).post(CREATE, data)
    assert response.status_code == 302
    assert Participant.objects.filter(last_name="El Amrani").count() == 2


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_name": "", "last_name": "", "birth_date": ""}, "Dit veld is verplicht."),
        ({"first_name": "A" * 101}, "niet meer dan 100 tekens"),
        ({"birth_date": "2999-01-01"}, "De geboortedatum kan niet in de toekomst liggen."),
        ({"birth_date": "31-02-2020"}, "Voer een geldige datum in."),
        ({"birth_date": "1850-01-01"}, "vóór 1900"),
        ({"postcode": "12345"}, "Vul een Nederlandse postcode in"),
        ({"email": "geen-adres"}, "e-mailadres"),
        ({"preferred_language": "klingon"}, "Selecteer een geldige keuze"),
        ({"team": "abc"}, "Selecteer een geldige keuze"),
    ],
)
def test_bad_input_gives_a_dutch_message_and_saves_nothing(client_for, worker, team_a, overrides, message):
    response = client_for(worker).post(CREATE, new_resident(team_a, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Participant.objects.exists()
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_another_teams_team_or_neighbourhood_cannot_be_chosen(
    client_for, worker, team_a, team_b, other_municipality
):
    foreign_wijk = NeighbourhoodFactory(municipality=other_municipality, name="Skoatterwald")
    client = client_for(worker)
    for data in [new_resident(team_b), new_resident(team_a, neighbourhood=foreign_wijk.pk)]:
        response = client.post(CREATE, data)
        assert response.status_code == 200
        assert "Selecteer een geldige keuze" in response.content.decode()
    assert not Participant.objects.exists()
    assert not Consent.objects.exists()
    assert "Skoatterwald" not in client.get(CREATE).content.decode()


@pytest.mark.django_db
def test_an_empty_post_gives_messages_not_an_error(client_for, worker):
    response = client_for(worker).post(CREATE, {})
    assert response.status_code == 200
    assert "Dit veld is verplicht." in response.content.decode()
    assert not Participant.objects.exists()
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(event="participant.created").exists()


# --- Edit ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_colleague_edits_details_and_the_change_is_audited_by_field_name(client_for, colleague, participant):
    url = reverse("participants:edit", args=[participant.pk])
    form = client_for(colleague).get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"phone": "0581 123456", "is_volunteer": "on", "birth_date": "1980-05-01"})
    response = client_for(colleague).post(url, data)
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.phone == "0581 123456" and participant.is_volunteer
    event = AuditEvent.objects.get(event="participant.updated")
    assert sorted(event.data["fields"]) == ["is_volunteer", "phone"]
    assert "123456" not in json.dumps(event.data)


@pytest.mark.django_db
def test_opening_the_edit_page_is_audited_as_a_view(client_for, worker, participant):
    client_for(worker).get(reverse("participants:edit", args=[participant.pk]))
    assert AuditEvent.objects.filter(event="participant.viewed", object_id=str(participant.pk)).exists()


@pytest.mark.django_db
def test_bad_edit_keeps_the_saved_details(client_for, worker, participant):
    url = reverse("participants:edit", args=[participant.pk])
    response = client_for(worker).post(
        url,
        {"first_name": "", "last_name": "X" * 300, "birth_date": "2999-12-31", "team": participant.team_id},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dit veld is verplicht." in html and "toekomst" in html
    participant.refresh_from_db()
    assert participant.first_name == "Fatima"
    assert not AuditEvent.objects.filter(event="participant.updated").exists()


@pytest.mark.django_db
def test_outsider_cannot_edit_by_posting(client_for, outsider, participant, team_b):
    response = client_for(outsider).post(
        reverse("participants:edit", args=[participant.pk]), new_resident(team_b, first_name="Gekaapt")
    )
    assert response.status_code == 404
    participant.refresh_from_db()
    assert participant.first_name == "Fatima"
    assert not AuditEvent.objects.filter(event="participant.updated").exists()


@pytest.mark.django_db
def test_walk_in_registration_can_still_use_the_plain_form(worker, team_a):
    from participants.forms import ParticipantForm

    form = ParticipantForm(new_resident(team_a, consent_registration=None), user=worker)
    assert form.is_valid(), form.errors
    existing = ParticipantFactory(team=team_a, birth_date=datetime.date(1990, 1, 1))
    form = ParticipantForm({**new_resident(team_a), "first_name": "Nieuw"}, user=worker, instance=existing)
    assert form.is_valid()
