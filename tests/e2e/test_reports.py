"""Issue 4 in Chromium: the coordinator generates, annotates and approves the last quarter's
report; the municipality user then downloads exactly that PDF (eager Celery)."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from groups.models import Attendance
from reporting.models import QuarterlyReport
from reporting.periods import previous_quarter
from tests.conftest import login_in_browser
from tests.factories import AttendanceFactory, GroupFactory, ParticipantFactory, SessionFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def last_quarter_data(transactional_db, team_a, neighbourhood, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    period = previous_quarter(timezone.localdate())
    group = GroupFactory(name="Koken met Jan", team=team_a, neighbourhood=neighbourhood,
                         life_domains=["sociaal_netwerk"], start_date=period.start)
    people = [ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name=f"Hiltje{i}",
                                 last_name="Bosgraaf") for i in range(7)]
    for week in range(3):
        session = SessionFactory(group=group, date=period.start + datetime.timedelta(days=7 * week + 1))
        for person in people:
            AttendanceFactory(session=session, participant=person, status=Attendance.Status.PRESENT)
    return period


def test_coordinator_approves_and_municipality_downloads_the_same_pdf(
    page, live_server, last_quarter_data, coordinator, municipality_user
):
    period = last_quarter_data
    login_in_browser(page, live_server, coordinator.username)

    # The dashboard, for the last quarter.
    page.goto(f"{live_server.url}/rapportage/dashboard/?period={period.label}")
    assert page.locator('[data-kpi="residents_collective"]').inner_text().strip() == "7"
    assert page.locator("svg.chart title").count() >= 4

    # Generate the last quarter's report (the form preselects it).
    page.goto(f"{live_server.url}/rapportage/")
    assert page.locator("select[name=quarter]").input_value() == period.label
    page.locator("#generate-button").click()
    page.wait_for_selector('#report-status[data-render-status="done"]', timeout=30_000)
    report = QuarterlyReport.objects.get()
    assert page.url.endswith(f"/rapportage/{report.pk}/")

    # Write a note: the PDF is generated again with it; wait until it is ready.
    page.locator("textarea[name=note]").fill("Koken met Jan liep het hele kwartaal door.")
    page.locator("#save-note").click()
    page.wait_for_selector('#report-status[data-render-status="done"]', timeout=30_000)
    report.refresh_from_db()
    assert report.note == "Koken met Jan liep het hele kwartaal door."
    shown_sha = page.locator("#pdf-sha256").inner_text().strip()
    assert shown_sha == report.sha256

    # Approve exactly that PDF, after confirming the figures and the note were checked.
    page.locator("#approve-confirm").check()
    page.locator("#approve-button").click()
    page.wait_for_selector("#report-state.text-bg-success")
    report.refresh_from_db()
    assert report.status == QuarterlyReport.Status.APPROVED
    assert report.sha256 == shown_sha

    # The municipality user logs in and downloads it.
    page.context.clear_cookies()
    login_in_browser(page, live_server, municipality_user.username)
    page.goto(f"{live_server.url}/rapportage/")
    listing = page.locator("main").inner_text()
    assert "Hiltje" not in listing and "Bosgraaf" not in listing
    with page.expect_download() as download_info:
        page.locator(f'a[href="/rapportage/{report.pk}/pdf/"]').click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == report.sha256


@pytest.mark.worker
def test_report_page_polls_until_a_real_worker_has_rendered_the_pdf(
    page, live_server, last_quarter_data, coordinator, celery_worker_process
):
    """Not eager: the page shows progress and refreshes itself (htmx) when the worker is done."""
    login_in_browser(page, live_server, coordinator.username)
    page.goto(f"{live_server.url}/rapportage/")
    page.locator("#generate-button").click()
    page.wait_for_selector('#report-status[data-render-status="done"]', timeout=60_000)
    report = QuarterlyReport.objects.get()
    assert report.render_status == QuarterlyReport.RenderStatus.DONE
    assert page.locator("#pdf-sha256").inner_text().strip() == report.sha256
    assert page.locator("#approve-button").is_visible()
