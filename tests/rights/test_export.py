"""Right of access (AVG art. 15): everything about one resident as JSON and as a readable PDF."""

import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collectief.models import AuditEvent, Membership, log_event
from tests.factories import MembershipFactory, UserFactory

from .conftest import FIRST, LAST, fill_history


def _export(client, participant, kind):
    return client.post(reverse("participants:export", args=[participant.pk]), {"format": kind})


@pytest.mark.django_db
def test_social_worker_may_not_export_and_another_teams_coordinator_gets_404(client_for, worker, team_b, resident):
    other_coordinator = UserFactory(username="coordinator-b")
    MembershipFactory(user=other_coordinator, team=team_b, role=Membership.Role.COORDINATOR)
    assert _export(client_for(worker), resident, "json").status_code == 403
    assert _export(client_for(other_coordinator), resident, "json").status_code == 404
    assert not AuditEvent.objects.filter(event="participant.exported").exists()


@pytest.mark.django_db
def test_export_is_post_only(client_for, coordinator, resident):
    assert client_for(coordinator).get(reverse("participants:export", args=[resident.pk])).status_code == 405


@pytest.mark.django_db
def test_json_export_holds_every_section_and_the_audit_trail(client_for, coordinator, resident):
    client = client_for(coordinator)
    client.get(reverse("participants:detail", args=[resident.pk]))  # a view, in the trail
    # An event that names the resident only in participant_ids (e.g. a group page), not as its object.
    log_event(coordinator, "group.viewed", None, {"participant_ids": [resident.pk]}, object_type="groups.group",
              object_id="1")
    response = _export(client, resident, "json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
    assert f'deelnemer-{resident.pk}-gegevens-' in response["Content-Disposition"]
    assert LAST not in response["Content-Disposition"]
    data = json.loads(response.content)
    person = data["participant"]
    assert (person["first_name"], person["last_name"], person["birth_date"]) == (FIRST, LAST, "1961-08-14")
    assert (person["postcode"], person["phone"], person["email"], person["external_id"]) == (
        "8924 CD", "06-12345678", "hiltsje@example.nl", "oud-4711")
    assert {c["purpose"] for c in data["consents"]} == {"registration", "quote_report"}
    assert data["change_wishes"][0]["text"] == "Ik wil weer met mensen koken 0"
    assert data["help_requests"][0]["theme"] == "Eenzaamheid 0"
    assert data["individual_support"][0]["product"] == "Schuldhulp"
    assert len(data["enrolments"]) == 2 and len(data["attendance"]) == 3
    assert data["measurements"][0]["scores"]
    events = [e["event"] for e in data["audit_trail"]]
    assert "participant.viewed" in events and "group.viewed" in events


@pytest.mark.django_db
def test_export_is_audited_as_an_export(client_for, coordinator, resident):
    _export(client_for(coordinator), resident, "json")
    event = AuditEvent.objects.get(event="participant.exported")
    assert (event.user, event.action, event.object_id, event.data) == (
        coordinator, "export", str(resident.pk), {"format": "json"})


@pytest.mark.django_db
def test_pdf_export_is_a_tagged_dutch_pdf_with_the_residents_data(client_for, administrator, resident):
    from pypdf import PdfReader

    response = _export(client_for(administrator), resident, "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (FIRST, LAST, "14 augustus 1961", "8924 CD", "Ik wil weer met mensen koken 0", "Eenzaamheid 0",
                     "Schuldhulp", "Kookclub De Pan"):
        assert expected in text, expected
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]


@pytest.mark.django_db
def test_unknown_format_exports_nothing(client_for, coordinator, resident):
    response = _export(client_for(coordinator), resident, "xlsx")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(event="participant.exported").exists()


@pytest.mark.django_db
def test_export_takes_a_constant_number_of_queries(client_for, coordinator, worker, resident, team_a):
    client = client_for(coordinator)
    with CaptureQueriesContext(connection) as few:
        assert _export(client, resident, "json").status_code == 200
    fill_history(resident, team_a, worker, scale=6, offset=1)
    for _ in range(5):
        client.get(reverse("participants:detail", args=[resident.pk]))
    with CaptureQueriesContext(connection) as many:
        response = _export(client, resident, "json")
    assert len(json.loads(response.content)["attendance"]) == 3 + 18
    # 16, plus the change wishes' history and the wishes linked to each enrolment (issue 12).
    # 18, plus one query each for route histories, waiting lists, stories and referrals (issues 11–13).
    assert len(many) == len(few) <= 22
