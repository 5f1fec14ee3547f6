"""Enrolling a resident of another team asks for their consent to be seen by the group's team."""

import pytest
from django.urls import reverse

from collectief.models import Membership
from groups.models import Enrolment
from participants.models import Consent
from tests.factories import MembershipFactory, ParticipantFactory, UserFactory


@pytest.fixture
def two_team_coordinator(team_a, team_b):
    user = UserFactory(username="twee-teams")
    MembershipFactory(user=user, team=team_a, role=Membership.Role.COORDINATOR)
    MembershipFactory(user=user, team=team_b, role=Membership.Role.COORDINATOR)
    return user


def _post(client, group, resident, **extra):
    return client.post(reverse("groups:enrol", args=[group.pk]), {
        "participant": resident.pk, "role": "participant", "referral_source": "other_team",
        "start_date": "2024-05-01", **extra,
    })


def test_a_resident_of_another_team_is_enrolled_only_with_consent(client_for, two_team_coordinator, group, team_b):
    resident = ParticipantFactory(team=team_b, first_name="Ottoline", last_name="Buitenhuizinga")
    client = client_for(two_team_coordinator)
    page = client.get(reverse("groups:enrol", args=[group.pk]), {"q": "Ottoline"}).content.decode()
    assert "Buitenhuizinga" in page and 'name="consent_other_team"' in page

    refused = _post(client, group, resident)
    assert refused.status_code == 200
    assert "Vraag of" in refused.content.decode()
    assert not Enrolment.objects.exists() and not Consent.objects.exists()

    accepted = _post(client, group, resident, consent_other_team="1")
    assert accepted.status_code == 302
    assert Enrolment.objects.filter(group=group, participant=resident).exists()
    consent = Consent.objects.get(participant=resident)
    assert (consent.purpose, consent.given, consent.recorded_by) == ("share_team", True, two_team_coordinator)


def test_a_resident_of_the_groups_own_team_needs_no_extra_consent(client_for, worker, group, team_a):
    resident = ParticipantFactory(team=team_a)
    assert _post(client_for(worker), group, resident).status_code == 302
    assert not Consent.objects.filter(purpose="share_team").exists()
