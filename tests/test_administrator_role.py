"""Administrator is an explicit role; Django's staff flag opens nothing of the application."""

import pytest
from django.urls import reverse

from collectief.models import Administrator, AuditEvent
from tests.factories import ParticipantFactory


@pytest.mark.parametrize("url", ["participants:list", "groups:list", "importer:upload", "reporting:dashboard"])
def test_a_staff_user_without_the_role_sees_no_resident_and_no_import(client_for, staff_without_role, url):
    response = client_for(staff_without_role).get(reverse(url))
    assert response.status_code == 403


def test_a_staff_user_without_the_role_cannot_open_a_resident(client_for, staff_without_role, team_a):
    resident = ParticipantFactory(team=team_a)
    client = client_for(staff_without_role)
    assert client.get(reverse("participants:detail", args=[resident.pk])).status_code == 403


def test_even_a_superuser_needs_the_role_to_see_residents(client_for, team_a):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    resident = ParticipantFactory(team=team_a)
    assert client_for(root).get(reverse("participants:detail", args=[resident.pk])).status_code == 403
    Administrator.objects.create(user=root)
    assert client_for(root).get(reverse("participants:detail", args=[resident.pk])).status_code == 200


def test_the_administrator_role_sees_every_team(client_for, administrator, team_b):
    resident = ParticipantFactory(team=team_b)
    assert client_for(administrator).get(reverse("participants:detail", args=[resident.pk])).status_code == 200


def test_granting_the_role_in_the_admin_is_audited(client_for, administrator, staff_without_role):
    response = client_for(administrator).post(reverse("admin:collectief_administrator_add"),
                                              {"user": staff_without_role.pk})
    assert response.status_code == 302
    assert Administrator.objects.filter(user=staff_without_role).exists()
    assert AuditEvent.objects.filter(event="administrator.created").exists()


def test_staff_without_model_permissions_sees_no_data_in_the_admin(client_for, staff_without_role, team_a):
    ParticipantFactory(team=team_a)
    client = client_for(staff_without_role)
    assert client.get(reverse("admin:participants_participant_changelist")).status_code == 403
