"""Erasure as anonymisation: asked by one coordinator, confirmed by another; history stays right."""

import datetime
import hashlib

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from collectief.models import AuditEvent, Membership
from participants import services
from participants.models import ErasureRequest, Measurement, Participant
from reporting import kpi
from reporting.models import QuarterlyReport
from reporting.periods import Period
from tests.factories import MembershipFactory, UserFactory

from .conftest import FIRST, LAST

D = datetime.date


def _request(client, participant, reason="De inwoner vroeg het per brief"):
    return client.post(reverse("participants:erasure_request", args=[participant.pk]), {"reason": reason})


def _confirm(client, participant):
    return client.post(reverse("participants:erasure_confirm", args=[participant.pk]), {"confirm": "on"})


@pytest.mark.django_db
def test_one_coordinator_requests_and_another_confirms(client_for, coordinator, second_coordinator, resident):
    from django.test import Client

    assert _request(client_for(coordinator), resident).status_code == 302
    pending = resident.erasure_requests.get()
    assert (pending.status, pending.requested_by, pending.source) == ("requested", coordinator, "coordinator")
    assert not Participant.objects.get(pk=resident.pk).is_erased

    # The requester cannot confirm their own request.
    assert _confirm(client_for(coordinator), resident).status_code == 302
    assert not Participant.objects.get(pk=resident.pk).is_erased

    assert _confirm(client_for(second_coordinator, client=Client()), resident).status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.confirmed_by) == ("confirmed", second_coordinator)
    erased = Participant.objects.get(pk=resident.pk)
    assert erased.is_erased
    assert (erased.first_name, erased.last_name) == ("Geanonimiseerd", f"#{resident.pk}")


@pytest.mark.django_db
def test_the_service_refuses_the_requester(coordinator, resident):
    request, created = services.request_erasure(coordinator, resident, reason="verzoek")
    assert created
    with pytest.raises(services.ErasureRefused):
        services.erase_participant(coordinator, request)
    assert not Participant.objects.get(pk=resident.pk).is_erased


@pytest.mark.django_db
def test_the_database_refuses_a_confirmation_by_the_requester(coordinator, resident):
    request, _ = services.request_erasure(coordinator, resident, reason="verzoek")
    with pytest.raises(IntegrityError), transaction.atomic():
        ErasureRequest.objects.filter(pk=request.pk).update(status="confirmed", confirmed_by=coordinator)


@pytest.mark.django_db
def test_one_pending_request_per_resident(coordinator, second_coordinator, resident):
    first, created = services.request_erasure(coordinator, resident, reason="een")
    again, created_again = services.request_erasure(second_coordinator, resident, reason="twee")
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        ErasureRequest.objects.create(participant=resident, requested_by=second_coordinator)


@pytest.mark.django_db
def test_social_workers_may_not_request_or_confirm(client_for, worker, resident):
    client = client_for(worker)
    assert _request(client, resident).status_code == 403
    assert _confirm(client, resident).status_code == 403
    assert not ErasureRequest.objects.exists()


@pytest.mark.django_db
def test_a_coordinator_of_another_team_who_works_in_this_team_may_not_decide(client_for, team_a, team_b, resident):
    # Social worker in the resident's team, coordinator elsewhere: the role counts per team.
    user = UserFactory(username="gemengd")
    MembershipFactory(user=user, team=team_a, role=Membership.Role.SOCIAL_WORKER)
    MembershipFactory(user=user, team=team_b, role=Membership.Role.COORDINATOR)
    assert _request(client_for(user), resident).status_code == 403
    assert not ErasureRequest.objects.exists()


@pytest.mark.django_db
def test_an_administrator_may_confirm(coordinator, administrator, resident):
    request, _ = services.request_erasure(coordinator, resident, reason="verzoek")
    assert services.erase_participant(administrator, request).is_erased


@pytest.mark.django_db
def test_confirming_needs_the_tick(client_for, coordinator, second_coordinator, resident):
    services.request_erasure(coordinator, resident, reason="verzoek")
    client_for(second_coordinator).post(reverse("participants:erasure_confirm", args=[resident.pk]), {})
    assert not Participant.objects.get(pk=resident.pk).is_erased


@pytest.mark.django_db
def test_a_request_can_be_cancelled_and_the_data_stay(client_for, coordinator, second_coordinator, resident):
    services.request_erasure(coordinator, resident, reason="verzoek")
    client_for(second_coordinator).post(reverse("participants:erasure_cancel", args=[resident.pk]))
    request = resident.erasure_requests.get()
    assert (request.status, request.cancelled_by) == ("cancelled", second_coordinator)
    assert AuditEvent.objects.filter(event="erasure_request.cancelled", object_id=str(resident.pk)).exists()
    assert Participant.objects.get(pk=resident.pk).first_name == FIRST


@pytest.mark.django_db
def test_anonymisation_blanks_personal_data_and_keeps_what_figures_need(coordinator, second_coordinator, resident):
    enrolments, attendance = resident.enrolments.count(), resident.attendances.count()
    neighbourhood_id, team_id = resident.neighbourhood_id, resident.team_id
    request, _ = services.request_erasure(coordinator, resident, reason="verzoek")
    services.erase_participant(second_coordinator, request)

    p = Participant.objects.get(pk=resident.pk)
    assert (p.first_name, p.last_name, p.birth_date) == ("Geanonimiseerd", f"#{p.pk}", D(1900, 1, 1))
    assert (p.postcode, p.phone, p.email, p.external_id) == ("", "", "", None)
    assert (p.neighbourhood_id, p.team_id) == (neighbourhood_id, team_id)
    assert p.erased_at is not None
    assert set(p.change_wishes.values_list("text", flat=True)) == {""}
    assert set(p.change_wishes.values_list("life_domain", flat=True)) == {None}
    assert set(p.help_requests.values_list("theme", flat=True)) == {""}
    assert set(p.consents.values_list("recorded_by", flat=True)) == {None}
    assert all(product.startswith("#") for product in p.individual_supports.values_list("product", flat=True))
    assert not Measurement.objects.filter(participant=p).exists()
    assert (p.enrolments.count(), p.attendances.count()) == (enrolments, attendance)

    event = AuditEvent.objects.get(event="participant.erased")
    assert (event.user, event.action, event.object_id) == (second_coordinator, "delete", str(p.pk))
    assert event.data["measurements_deleted"] == 1
    assert FIRST not in str(event.data) and LAST not in str(event.data)


@pytest.mark.django_db
def test_an_anonymised_resident_cannot_be_edited_or_erased_again(client_for, coordinator, second_coordinator, resident):
    request, _ = services.request_erasure(coordinator, resident, reason="verzoek")
    services.erase_participant(second_coordinator, request)
    client = client_for(coordinator)
    response = client.get(reverse("participants:edit", args=[resident.pk]))
    assert response.status_code == 302
    client.post(reverse("participants:change_wish_add", args=[resident.pk]), {"change_wish-text": "Nieuw"})
    assert not resident.change_wishes.exclude(text="").exists()
    with pytest.raises(services.ErasureRefused):
        services.request_erasure(coordinator, Participant.objects.get(pk=resident.pk))


@pytest.mark.django_db
def test_the_name_appears_nowhere_after_erasure(client_for, coordinator, second_coordinator, resident):
    group = resident.enrolments.select_related("group").filter(group__name__startswith="Kookclub").get().group
    session = group.sessions.first()
    pages = [
        reverse("participants:detail", args=[resident.pk]),
        reverse("participants:list"),
        reverse("groups:detail", args=[group.pk]),
        reverse("groups:session_edit", args=[group.pk, session.pk]),
        reverse("groups:enrol", args=[group.pk]),
        "/",
    ]
    client = client_for(coordinator)
    before = client.get(pages[0]).content.decode()
    assert FIRST in before and LAST in before
    request, _ = services.request_erasure(coordinator, resident, reason="verzoek")
    services.erase_participant(second_coordinator, request)
    for page in pages:
        response = client.get(page, follow=True)
        assert response.status_code == 200, page
        html = response.content.decode()
        for text in (FIRST, LAST, "8924 CD", "06-12345678", "hiltsje@example.nl", "oud-4711", "14 augustus 1961",
                     "Ik wil weer met mensen koken", "Eenzaamheid"):
            assert text not in html, (page, text)
    assert "Geanonimiseerd" in client.get(pages[0]).content.decode()
    # A search for the old name finds nobody (the page repeats the search words, so ask the results).
    found = client.get(reverse("participants:list"), {"q": LAST}).context["page"].object_list
    assert list(found) == []


def _periods():
    return [
        Period(D(2024, 7, 1), D(2024, 9, 30), "2024Q3"),
        Period(D(2024, 1, 1), D(2024, 12, 31), "2024"),
        Period(D(2024, 8, 1), D(2024, 8, 31), "augustus 2024"),
        Period(D(2024, 4, 1), D(2024, 6, 30), "2024Q2"),
    ]


@pytest.mark.django_db
def test_erasure_keeps_kpi_figures_of_earlier_periods_identical(report_data, coordinator, second_coordinator):
    municipality = report_data.municipality
    before = [kpi.compute_kpis(municipality, period) for period in _periods()]
    trend_before = kpi.trend(municipality, _periods())
    assert before[0]["residents_collective"] == 9
    for person in report_data.people[:4]:  # Bilgaard and Huizum residents
        request, _ = services.request_erasure(coordinator, person, reason="verzoek")
        services.erase_participant(second_coordinator, request)
    assert Participant.objects.filter(erased_at__isnull=False).count() == 4
    assert [kpi.compute_kpis(municipality, period) for period in _periods()] == before
    assert kpi.trend(municipality, _periods()) == trend_before


@pytest.mark.django_db
def test_erasure_leaves_approved_reports_byte_identical(
    approved_report, report_data, coordinator, second_coordinator, client_for
):
    from tests.reporting.conftest import read_pdf

    content, sha256, figures = read_pdf(approved_report), approved_report.sha256, approved_report.figures
    assert hashlib.sha256(content).hexdigest() == sha256
    for person in report_data.people:
        request, _ = services.request_erasure(coordinator, person, reason="verzoek")
        services.erase_participant(second_coordinator, request)
    report = QuarterlyReport.objects.get(pk=approved_report.pk)
    assert (report.status, report.sha256, report.figures) == ("approved", sha256, figures)
    assert read_pdf(report) == content
    response = client_for(coordinator).get(reverse("reporting:report_pdf", args=[report.pk]))
    assert response.status_code == 200
    downloaded = b"".join(response.streaming_content)
    assert hashlib.sha256(downloaded).hexdigest() == sha256
