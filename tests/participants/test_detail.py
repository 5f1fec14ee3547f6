"""The participant page: personal details, sections, groups through reverse relations, audit."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collectief.models import AuditEvent
from tests.factories import (
    AttendanceFactory,
    ChangeWishFactory,
    ConsentFactory,
    EnrolmentFactory,
    GroupFactory,
    HelpRequestFactory,
    IndividualSupportFactory,
    SessionFactory,
)


def _url(participant):
    return reverse("participants:detail", args=[participant.pk])


@pytest.mark.django_db
def test_page_shows_personal_details_and_every_section(client_for, worker, participant):
    ChangeWishFactory(participant=participant, text="Ik wil weer grip op mijn geld.")
    HelpRequestFactory(participant=participant, theme="Schulden", route="individual", tenzij_reason="crisis")
    IndividualSupportFactory(participant=participant, product="Schuldhulpverlening", framework_id="wgs")
    html = client_for(worker).get(_url(participant)).content.decode()
    for text in [
        "Fatima El Amrani",
        "1 mei 1980",
        "8921 AB",
        "Bilgaard",
        "Wijkteam Noord",
        "Veranderwensen",
        "Ik wil weer grip op mijn geld.",
        "Financiën",
        "Ondersteuningsvragen",
        "Schulden",
        "Crisis",
        "Individuele ondersteuning",
        "Schuldhulpverlening",
        "Toestemming",
        "Collectieven en aanwezigheid",
    ]:
        assert text in html, text


@pytest.mark.django_db
def test_groups_and_attendance_history_are_shown(client_for, worker, participant, team_a):
    group = GroupFactory(team=team_a, name="Geld Telt")
    EnrolmentFactory(participant=participant, group=group, start_date=datetime.date(2024, 1, 8))
    session = SessionFactory(group=group, date=datetime.date(2024, 2, 6))
    AttendanceFactory(session=session, participant=participant, status="absent")
    html = client_for(worker).get(_url(participant)).content.decode()
    assert "Geld Telt" in html
    assert "6 februari 2024" in html
    assert "Afwezig" in html or "absent" in html.lower()
    assert "Aanwezig bij 0 van 1 bijeenkomsten" in html


@pytest.mark.django_db
def test_viewing_the_page_writes_a_viewed_event(client_for, coordinator, participant):
    client_for(coordinator).get(_url(participant))
    event = AuditEvent.objects.get(event="participant.viewed")
    assert (event.user, event.action, event.object_type, event.object_id) == (
        coordinator,
        "view",
        "participants.participant",
        str(participant.pk),
    )


@pytest.mark.django_db
def test_refused_visitors_leave_no_viewed_event_and_see_nothing(
    client_for, outsider, municipality_user, participant
):
    # Not their resident: 404; not their role: 403.
    for user, status in ((outsider, 404), (municipality_user, 403)):
        response = client_for(user).get(_url(participant))
        assert response.status_code == status
        assert "El Amrani" not in response.content.decode()
    assert not AuditEvent.objects.filter(event="participant.viewed").exists()


@pytest.mark.django_db
def test_consent_shows_the_current_state_per_purpose_and_the_history(client_for, worker, participant):
    ConsentFactory(
        participant=participant,
        purpose="share_partner",
        given=True,
        date=datetime.date(2024, 1, 5),
        recorded_by=worker,
    )
    ConsentFactory(
        participant=participant,
        purpose="share_partner",
        given=False,
        date=datetime.date(2024, 3, 1),
        recorded_by=worker,
    )
    response = client_for(worker).get(_url(participant))
    states = {code: decision for code, _label, decision in response.context["consents"]}
    assert states["share_partner"].given is False
    assert states["registration"] is None
    html = response.content.decode()
    assert "Ingetrokken" in html and "op 1 maart 2024 door Sanne" in html
    assert "Er is geen toestemming voor registratie vastgelegd" in html


@pytest.mark.django_db
def test_withdrawn_registration_consent_is_flagged(client_for, worker, participant):
    ConsentFactory(participant=participant, given=True, date=datetime.date(2024, 1, 5))
    ConsentFactory(participant=participant, given=False, date=datetime.date(2024, 4, 1))
    html = client_for(worker).get(_url(participant)).content.decode()
    assert "op 1 april 2024 ingetrokken" in html


def _fill(participant, team, scale, offset=0):
    group = GroupFactory(team=team)
    for i in range(offset, offset + scale):
        other = GroupFactory(team=team)
        EnrolmentFactory(participant=participant, group=other)
        ChangeWishFactory(participant=participant)
        HelpRequestFactory(participant=participant, theme=f"Vraag {i}")
        IndividualSupportFactory(participant=participant, start_date=datetime.date(2020, 1, 1 + i))
        ConsentFactory(participant=participant, purpose="quote_report", given=bool(i % 2))
    for i in range(scale * 4):
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=7 * i)
        AttendanceFactory(participant=participant, session=SessionFactory(group=group, date=day))


@pytest.mark.django_db
def test_detail_query_count_does_not_grow_with_history(
    client_for, worker, participant, team_a, django_assert_max_num_queries
):
    client = client_for(worker)
    _fill(participant, team_a, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(_url(participant))
    _fill(participant, team_a, 5, offset=1)  # 6 enrolments, wishes, requests, supports; 24 attendance rows
    with django_assert_max_num_queries(22), CaptureQueriesContext(connection) as many:
        response = client.get(_url(participant))
    assert response.status_code == 200
    assert len(response.context["attendances"]) == 24
    assert len(many) == len(few)
