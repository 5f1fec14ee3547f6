"""The dashboard caches its figures, yet a change to the data shows at the next load."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collectief.signals import registration_changed
from groups.models import Attendance
from reporting.cache import cached_kpis
from reporting.periods import quarter
from tests.factories import EnrolmentFactory, ParticipantFactory, SessionFactory

Q3 = {"period": "2024Q3"}


def _collective(client):
    return client.get(reverse("reporting:dashboard"), Q3).context["kpis"]["residents_collective"]


def test_a_second_dashboard_load_reuses_the_figures(report_data, coordinator, client_for):
    client = client_for(coordinator)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("reporting:dashboard"), Q3)
    with CaptureQueriesContext(connection) as second:
        response = client.get(reverse("reporting:dashboard"), Q3)
    # Two KPI sets (7 queries each, plus the residents of the year before P once each) and the
    # trend (2) come from the cache the second time.
    assert len(second) <= len(first) - 18
    assert response.context["kpis"]["residents_collective"] == 9


def test_a_session_logged_in_bulk_shows_on_the_next_dashboard_load(report_data, team_a, coordinator, client_for):
    client = client_for(coordinator)
    assert _collective(client) == 9
    newcomer = ParticipantFactory(team=team_a)
    session = SessionFactory(group=report_data.groups[0], date=datetime.date(2024, 8, 1))
    # The session form writes attendance with one bulk INSERT, which sends no model signals.
    session.mark_attendance({newcomer.pk: Attendance.Status.PRESENT}, new_session=True)
    assert _collective(client) == 10


def test_a_single_attendance_change_shows_on_the_next_dashboard_load(report_data, coordinator, client_for):
    client = client_for(coordinator)
    assert _collective(client) == 9
    mark = Attendance.objects.filter(participant=report_data.people[0]).first()
    Attendance.objects.filter(participant=report_data.people[0]).exclude(pk=mark.pk).delete()
    mark.status = Attendance.Status.ABSENT
    mark.save()
    assert _collective(client) == 8


def test_an_import_shows_on_the_next_dashboard_load(report_data, coordinator, client_for, tmp_path):
    client = client_for(coordinator)
    assert _collective(client) == 9
    session = report_data.groups[1].sessions.first()
    session.external_id = "S-1"
    session.save()
    person = ParticipantFactory(team=report_data.groups[1].team, external_id="P-NEW")
    # The import takes attendance only of residents enrolled on that date (issue 9).
    EnrolmentFactory(participant=person, group=report_data.groups[1], start_date=session.date)
    (tmp_path / "attendance.csv").write_text(f"session,participant,status\nS-1,{person.external_id},present\n")
    call_command("import_registry", str(tmp_path), stdout=open("/dev/null", "w"))
    assert _collective(client) == 10


@pytest.mark.django_db
def test_the_bulk_write_signal_invalidates_cached_figures(report_data):
    period = quarter(2024, 3)
    before = cached_kpis(report_data.municipality, period)
    Attendance.objects.filter(participant=report_data.people[0]).update(status=Attendance.Status.ABSENT)
    # A queryset update sends no signal: the cache still answers until someone announces it.
    assert cached_kpis(report_data.municipality, period) == before
    registration_changed.send(sender=Attendance)
    assert cached_kpis(report_data.municipality, period)["residents_collective"] == 8


def test_the_data_quality_panel_follows_the_registration_at_the_next_load(report_data, coordinator, client_for):
    """The panel is cached like the figures (issue 14): marking the attendance of a session that
    had none takes it off the list at the next load."""
    client = client_for(coordinator)

    def without_attendance():
        quality = client.get(reverse("reporting:dashboard"), Q3).context["quality"]
        return [session.date for session in quality["sessions_without_attendance"]]

    assert without_attendance() == []
    session = SessionFactory(group=report_data.groups[1], date=datetime.date(2024, 9, 26))  # held, nobody marked
    assert without_attendance() == [datetime.date(2024, 9, 26)]
    assert without_attendance() == [datetime.date(2024, 9, 26)]  # read from the cache
    session.mark_attendance({report_data.people[0].pk: Attendance.Status.PRESENT})
    assert without_attendance() == []
