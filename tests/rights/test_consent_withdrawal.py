"""Withdrawing registration consent starts the erasure route: a request another coordinator confirms."""

import datetime

import pytest
from django.urls import reverse

from collectief.models import AuditEvent
from participants.models import ErasureRequest, Participant


def _withdraw(client, participant, purpose="registration"):
    return client.post(
        reverse("participants:consent_add", args=[participant.pk]),
        {"consent-purpose": purpose, "consent-given": "0", "consent-date": datetime.date.today().isoformat()},
        follow=True,
    )


@pytest.mark.django_db
def test_withdrawn_registration_consent_creates_an_erasure_request(client_for, worker, resident):
    response = _withdraw(client_for(worker), resident)
    assert response.status_code == 200
    request = ErasureRequest.objects.get(participant=resident)
    assert (request.status, request.requested_by, request.reason, request.source) == (
        "requested", worker, "consent withdrawn", "consent")
    assert AuditEvent.objects.filter(event="erasure_request.created", object_id=str(resident.pk)).exists()
    # The page says that another coordinator must confirm it (the message, in the page's language).
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 2
    assert not Participant.objects.get(pk=resident.pk).is_erased


@pytest.mark.django_db
def test_withdrawing_another_consent_starts_nothing(client_for, worker, resident):
    _withdraw(client_for(worker), resident, purpose="quote_report")
    assert not ErasureRequest.objects.exists()


@pytest.mark.django_db
def test_withdrawing_twice_makes_one_request(client_for, worker, resident):
    client = client_for(worker)
    _withdraw(client, resident)
    _withdraw(client, resident)
    assert ErasureRequest.objects.filter(participant=resident).count() == 1


@pytest.mark.django_db
def test_a_coordinator_confirms_the_request_of_the_worker(client_for, worker, coordinator, resident):
    _withdraw(client_for(worker), resident)
    page = client_for(coordinator).get(reverse("participants:detail", args=[resident.pk]))
    assert page.context["rights"]["may_confirm"]
    assert reverse("participants:erasure_confirm", args=[resident.pk]) in page.content.decode()
    client_for(coordinator).post(reverse("participants:erasure_confirm", args=[resident.pk]), {"confirm": "on"})
    assert Participant.objects.get(pk=resident.pk).is_erased
