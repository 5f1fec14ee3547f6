"""The admin pages of the participants app open, and viewing a resident there is audited."""

import pytest
from django.urls import reverse

from collectief.models import AuditEvent
from tests.factories import ChangeWishFactory, ConsentFactory, HelpRequestFactory, IndividualSupportFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", ["participant", "consent", "changewish", "helprequest", "individualsupport"]
)
def test_administrator_opens_every_participants_admin_list(client_for, administrator, participant, model):
    ConsentFactory(participant=participant)
    ChangeWishFactory(participant=participant)
    HelpRequestFactory(participant=participant)
    IndividualSupportFactory(participant=participant)
    response = client_for(administrator).get(reverse(f"admin:participants_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_opening_a_resident_in_the_admin_is_audited(client_for, administrator, participant):
    response = client_for(administrator).get(
        reverse("admin:participants_participant_change", args=[participant.pk])
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(event="participant.viewed")
    assert event.object_id == str(participant.pk) and event.data == {"page": "admin"}


@pytest.mark.django_db
def test_social_worker_cannot_open_the_admin(client_for, worker, participant):
    response = client_for(worker).get(reverse("admin:participants_participant_changelist"))
    assert response.status_code == 302
