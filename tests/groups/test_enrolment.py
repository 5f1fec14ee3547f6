"""Enrolling residents with search-as-you-type, and ending an enrolment (uitstroom)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from groups.models import Enrolment
from tests.factories import EnrolmentFactory, ParticipantFactory


@pytest.fixture
def fatima(team_a):
    return ParticipantFactory(team=team_a, first_name="Fátima", last_name="El Amrani", postcode="8921 AB")


def search(client, group, q):
    return client.get(reverse("groups:participant_search", args=[group.pk]), {"q": q}, HTTP_HX_REQUEST="true")


def test_search_finds_residents_of_my_team_ignoring_accents(client_for, worker, group, fatima):
    body = search(client_for(worker), group, "fatima").content.decode()
    assert "Fátima El Amrani" in body and f'value="{fatima.pk}"' in body
    assert 'form="enrol-form"' in body


def test_search_leaves_out_members_and_residents_of_other_teams(client_for, worker, group, fatima, stranger):
    EnrolmentFactory(group=group, participant=fatima)
    client = client_for(worker)
    assert "El Amrani" not in search(client, group, "Amrani").content.decode()
    assert "Vreemd" not in search(client, group, "Vreemd").content.decode()


def test_search_by_postcode_and_several_words(client_for, worker, group, fatima):
    assert "El Amrani" in search(client_for(worker), group, "8921 fat").content.decode()


@pytest.mark.parametrize("q", ["", "a", "%", "'; drop table", "x" * 5000, "\x00", "ab\x00cd"])
def test_odd_search_input_gives_no_error(client_for, worker, group, fatima, q):
    assert search(client_for(worker), group, q).status_code == 200


def test_the_enrol_page_works_without_javascript(client_for, worker, group, fatima):
    body = client_for(worker).get(reverse("groups:enrol", args=[group.pk]), {"q": "fatima"}).content.decode()
    assert "Fátima El Amrani" in body and 'hx-get="' in body


def test_one_click_enrols_with_role_and_referral(client_for, worker, group, fatima):
    url = reverse("groups:enrol", args=[group.pk])
    response = client_for(worker).post(url, {
        "participant": fatima.pk, "role": "co_lead", "referral_source": "gp_hospital",
        "start_date": "2024-09-03", "q": "fat",
    })
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(group=group, participant=fatima)
    assert (enrolment.role, enrolment.referral_source, enrolment.start_date) == (
        "co_lead", "gp_hospital", datetime.date(2024, 9, 3)
    )
    assert AuditEvent.objects.filter(event="enrolment.created", object_id=str(enrolment.pk)).exists()
    body = client_for(worker).get(response["Location"]).content.decode()
    assert "is aangemeld bij" in body


def test_enrolling_twice_keeps_one_running_enrolment(client_for, worker, group, fatima):
    url = reverse("groups:enrol", args=[group.pk])
    data = {"participant": fatima.pk, "role": "participant", "start_date": "2024-09-03"}
    client = client_for(worker)
    client.post(url, data)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "al in het collectief" in response.content.decode()
    assert Enrolment.objects.filter(group=group, participant=fatima).count() == 1
    assert AuditEvent.objects.filter(event="enrolment.created").count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"participant": ""}, "verplicht"),
        ({"participant": "abc"}, "niet gevonden"),
        ({"role": "boss"}, "geldige keuze"),
        ({"referral_source": "x" * 300}, "geldige keuze"),
        ({"start_date": "2024-02-30"}, "geldige datum"),
        ({"start_date": ""}, "verplicht"),
        ({"start_date": "1024-01-01"}, "plausibele datum"),
    ],
)
def test_bad_enrol_input_gives_a_message_and_saves_nothing(client_for, worker, group, fatima, change, message):
    data = {"participant": fatima.pk, "role": "participant", "referral_source": "", "start_date": "2024-09-03",
            **change}
    response = client_for(worker).post(reverse("groups:enrol", args=[group.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Enrolment.objects.exists()
    assert not AuditEvent.objects.filter(event="enrolment.created").exists()


def test_a_resident_of_another_team_cannot_be_enrolled(client_for, worker, group, stranger):
    data = {"participant": stranger.pk, "role": "participant", "start_date": "2024-09-03"}
    response = client_for(worker).post(reverse("groups:enrol", args=[group.pk]), data)
    assert response.status_code == 200
    assert "niet gevonden" in response.content.decode()
    assert not Enrolment.objects.exists()
    assert not AuditEvent.objects.filter(event="enrolment.created").exists()


# --- Ending an enrolment -------------------------------------------------------------------------


@pytest.fixture
def enrolment(group, fatima):
    return EnrolmentFactory(group=group, participant=fatima, start_date=datetime.date(2024, 9, 3))


def end_url(enrolment):
    return reverse("groups:enrolment_end", args=[enrolment.group_id, enrolment.pk])


def test_ending_an_enrolment_records_date_and_reason(client_for, worker, enrolment):
    # "next_series" now needs a planned next series (tests/groups/test_series.py); any other step ends it here.
    response = client_for(worker).post(end_url(enrolment), {"end_date": "2024-11-12", "end_reason": "to_other_group"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.end_date == datetime.date(2024, 11, 12) and enrolment.end_reason_id == "to_other_group"
    assert AuditEvent.objects.filter(event="enrolment.updated", object_id=str(enrolment.pk)).exists()


def test_the_end_form_offers_the_end_reasons_in_dutch(client_for, worker, enrolment):
    body = client_for(worker).get(end_url(enrolment)).content.decode()
    assert "Door naar individuele ondersteuning" in body and "Door naar een ander collectief" in body
    assert f'value="{timezone.localdate().isoformat()}"' in body


@pytest.mark.parametrize(
    "data, message",
    [
        ({"end_date": "", "end_reason": "moved"}, "verplicht"),
        ({"end_date": "2024-11-12", "end_reason": ""}, "verplicht"),
        ({"end_date": "2024-11-12", "end_reason": "vanished"}, "geldige keuze"),
        ({"end_date": "2024-09-01", "end_reason": "moved"}, "niet voor het begin van de aanmelding"),
        ({"end_date": "2024-13-01", "end_reason": "moved"}, "geldige datum"),
        ({"end_date": "9999-12-31", "end_reason": "moved"}, "plausibele datum"),
    ],
)
def test_bad_end_input_gives_a_message_and_changes_nothing(client_for, worker, enrolment, data, message):
    response = client_for(worker).post(end_url(enrolment), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.end_date is None and enrolment.end_reason is None
    assert not AuditEvent.objects.filter(event="enrolment.updated").exists()


def test_an_enrolment_of_another_group_is_not_found(client_for, worker, group, other_group):
    foreign = EnrolmentFactory(group=other_group)
    url = reverse("groups:enrolment_end", args=[group.pk, foreign.pk])
    assert client_for(worker).post(url, {"end_date": "2024-11-12", "end_reason": "moved"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.end_date is None and foreign.end_reason is None


def test_an_ended_enrolment_cannot_be_ended_again(client_for, worker, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(end_date=datetime.date(2024, 10, 1), end_reason_id="moved")
    response = client_for(worker).post(end_url(enrolment), {"end_date": "2024-11-12", "end_reason": "other"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.end_reason_id == "moved"
    assert enrolment.end_date == datetime.date(2024, 10, 1)
    assert not AuditEvent.objects.filter(event="enrolment.updated").exists()
