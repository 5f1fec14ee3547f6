"""The permission ladder on every reporting view, and no personal data for the municipality."""

import pytest
from django.urls import reverse

from reporting import services
from reporting.models import QuarterlyReport
from tests.factories import MunicipalityUserFactory, UserFactory

from .conftest import pdf_text


@pytest.fixture
def other_report(other_municipality, team_b):
    """An approved report of Heerenveen."""
    report = services.prepare_report(other_municipality, 2024, 3)
    services.render_report_now(report.pk)
    report.refresh_from_db()
    services.approve_report(report, None, report.sha256)
    report.refresh_from_db()
    return report


def _urls(report):
    return {
        "dashboard": ("get", reverse("reporting:dashboard")),
        "reports": ("get", reverse("reporting:reports")),
        "generate": ("post", reverse("reporting:generate")),
        "report": ("get", reverse("reporting:report", args=[report.pk])),
        "status": ("get", reverse("reporting:report_status", args=[report.pk])),
        "note": ("post", reverse("reporting:report_note", args=[report.pk])),
        "approve": ("post", reverse("reporting:report_approve", args=[report.pk])),
        "pdf": ("get", reverse("reporting:report_pdf", args=[report.pk])),
        "csv": ("get", reverse("reporting:report_csv", args=[report.pk])),
    }


def test_anonymous_is_sent_to_login_everywhere(client, rendered_report):
    for name, (method, url) in _urls(rendered_report).items():
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert reverse("login") in response["Location"], name


@pytest.mark.parametrize("persona", ["worker", "outsider"])
def test_social_workers_get_403_on_every_reporting_page(persona, request, rendered_report, client_for):
    # Not their role: 403 before any report is looked up, so the answer reveals no report ids.
    client = client_for(request.getfixturevalue(persona))
    for name, (method, url) in _urls(rendered_report).items():
        assert getattr(client, method)(url).status_code == 403, name


def test_coordinator_sees_their_municipality(rendered_report, coordinator, client_for):
    client = client_for(coordinator)
    for name in ("dashboard", "reports", "report", "status", "pdf", "csv"):
        method, url = _urls(rendered_report)[name]
        assert getattr(client, method)(url).status_code == 200, name


def test_coordinator_gets_404_for_another_municipalitys_report(other_report, coordinator, client_for):
    client = client_for(coordinator)
    for name in ("report", "status", "note", "approve", "pdf", "csv"):
        method, url = _urls(other_report)[name]
        assert getattr(client, method)(url).status_code == 404, name
    # ... and cannot choose it on the dashboard.
    response = client.get(reverse("reporting:dashboard"), {"municipality": other_report.municipality_id})
    assert response.status_code == 400
    assert "Heerenveen" not in response.content.decode()


def test_administrator_sees_every_municipality(other_report, administrator, client_for):
    client = client_for(administrator)
    assert client.get(_urls(other_report)["report"][1]).status_code == 200
    response = client.get(reverse("reporting:dashboard"), {"municipality": other_report.municipality_id})
    assert response.status_code == 200


def test_municipality_user_sees_only_approved_reports_of_their_own_municipality(
    rendered_report, other_report, municipality_user, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(municipality_user)
    # A draft of their own municipality: invisible.
    assert client.get(_urls(rendered_report)["report"][1]).status_code == 404
    assert client.get(_urls(rendered_report)["pdf"][1]).status_code == 404
    listing = client.get(reverse("reporting:reports"))
    assert listing.status_code == 200
    assert reverse("reporting:report_pdf", args=[rendered_report.pk]) not in listing.content.decode()
    # Approved: visible, downloadable.
    services.approve_report(rendered_report, coordinator, rendered_report.sha256)
    listing = client.get(reverse("reporting:reports")).content.decode()
    assert reverse("reporting:report_pdf", args=[rendered_report.pk]) in listing
    assert "Heerenveen" not in listing
    for name in ("report", "pdf", "csv"):
        method, url = _urls(rendered_report)[name]
        assert getattr(client, method)(url).status_code == 200, name
    # Never any management, never another municipality.
    for name in ("dashboard", "generate"):
        method, url = _urls(rendered_report)[name]
        assert getattr(client, method)(url).status_code == 403, name
    for name in ("status", "note", "approve"):
        method, url = _urls(rendered_report)[name]
        assert getattr(client, method)(url).status_code == 403, name
    for name in ("report", "pdf", "csv"):
        method, url = _urls(other_report)[name]
        assert getattr(client, method)(url).status_code == 404, name


def test_municipality_user_never_sees_a_personal_name(approved_report, report_data, municipality_user, coordinator,
                                                      client_for):
    client = client_for(municipality_user)
    pages = [
        client.get(reverse("reporting:reports")).content.decode(),
        client.get(reverse("reporting:report", args=[approved_report.pk])).content.decode(),
        client.get(reverse("reporting:report_csv", args=[approved_report.pk])).content.decode("utf-8-sig"),
        pdf_text(b"".join(client.get(reverse("reporting:report_pdf", args=[approved_report.pk])).streaming_content)),
    ]
    for content in pages:
        for name in report_data.names:
            assert name not in content
        # Not even the name of the coordinator who approved it.
        assert coordinator.get_full_name() not in content
        assert "Marieke" not in content


def test_a_user_with_no_role_gets_403_with_the_page_that_says_how_to_get_one(rendered_report, client_for):
    client = client_for(UserFactory(username="nobody"))
    for name in ("dashboard", "reports", "report"):
        response = client.get(_urls(rendered_report)[name][1])
        assert response.status_code == 403, name
        assert "beheerder" in response.content.decode(), name


def test_municipality_user_of_another_municipality_gets_404(approved_report, other_municipality, client_for):
    stranger = UserFactory(username="gemeente-heerenveen")
    MunicipalityUserFactory(user=stranger, municipality=other_municipality)
    client = client_for(stranger)
    for name in ("report", "pdf", "csv"):
        assert client.get(_urls(approved_report)[name][1]).status_code == 404, name
    assert str(approved_report.year) + " Q" not in client.get(reverse("reporting:reports")).content.decode()


def test_status_fragment_polls_while_rendering_and_refreshes_when_done(report_data, coordinator, client_for):
    report = services.prepare_report(report_data.municipality, 2024, 3, coordinator)
    client = client_for(coordinator)
    url = reverse("reporting:report_status", args=[report.pk])
    response = client.get(url, {"poll": 1}, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in response.content.decode()
    assert "HX-Refresh" not in response
    services.render_report_now(report.pk)
    response = client.get(url, {"poll": 1}, headers={"HX-Request": "true"})
    assert "hx-trigger" not in response.content.decode()
    assert response["HX-Refresh"] == "true"
    assert QuarterlyReport.objects.get(pk=report.pk).render_status == "done"
