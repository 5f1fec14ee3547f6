"""Issue 8 for the reporting pages: the note check, the report a policy officer reads, the tagged
PDF, no per-group attendance rate for the municipality, and the coordinator's dashboard."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation

from groups.models import Session
from reporting import charts, presentation, privacy, services
from reporting.csv_export import render_csv
from reporting.models import QuarterlyReport
from reporting.pdf import render_html
from tests.factories import ParticipantFactory, SessionFactory, TeamFactory

from .conftest import pdf_text, read_pdf

D = datetime.date
Status = QuarterlyReport.Status


def _save_note(report, user, note, capture):
    with capture(execute=True):
        return services.save_note(report, user, note)


def _approve(client, report):
    report.refresh_from_db()
    return client.post(reverse("reporting:report_approve", args=[report.pk]),
                       {"sha256": report.sha256, "confirm": "on"})


# --- The note cannot leak a resident ------------------------------------------------------------


def test_a_note_containing_a_residents_name_is_saved_flagged_and_cannot_be_approved(
    rendered_report, report_data, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    note = "Fijn dat sjoukje1 KUIPERSMA weer meedeed."  # case-insensitive, whole words
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:report_note", args=[rendered_report.pk]), {"note": note})
    assert response.status_code == 302
    rendered_report.refresh_from_db()
    assert rendered_report.note == note  # saved: nothing typed is lost
    assert rendered_report.note_findings == [{"kind": "name", "text": "Sjoukje1 Kuipersma"}]
    page = client.get(reverse("reporting:report", args=[rendered_report.pk])).content.decode()
    assert 'id="note-findings"' in page and "Sjoukje1 Kuipersma" in page
    assert 'id="approve-button"' not in page
    response = _approve(client, rendered_report)
    assert response.status_code == 400
    assert "persoonsgegevens" in response.content.decode() or "personal data" in response.content.decode()
    rendered_report.refresh_from_db()
    assert rendered_report.status == Status.DRAFT and rendered_report.approved_at is None


def test_names_match_without_accents_and_only_as_whole_words(municipality, team_a, other_municipality, team_b):
    ParticipantFactory(first_name="Anneké", last_name="de Vries", team=team_a)
    ParticipantFactory(first_name="Jan", last_name="Bos", team=team_a)
    ParticipantFactory(first_name="Sietske", last_name="Zwart", team=team_b)  # another municipality
    assert privacy.resident_names_in("anneke DE  vries kwam langs", municipality) == ["Anneké de Vries"]
    assert privacy.resident_names_in("Annekéde Vriesland en Jan Bosman", municipality) == []
    assert privacy.resident_names_in("Sietske Zwart", municipality) == []
    assert privacy.resident_names_in("(Jan Bos)", municipality) == ["Jan Bos"]


def test_the_name_check_is_one_query_whatever_the_number_of_residents(
    municipality, team_a, django_assert_num_queries
):
    for i in range(30):
        ParticipantFactory(first_name=f"Naam{i}", last_name="Test", team=team_a)
    with django_assert_num_queries(1):
        assert privacy.resident_names_in("Naam7 Test en Naam12 test", municipality) == ["Naam12 Test", "Naam7 Test"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("geboren 12-3-1980", "date"),
        ("geboren 12/03/1980", "date"),
        ("geboren 1980-03-12", "date"),
        ("geboren op 12 maart 1980", "date"),
        ("woont op 8921 AB 12", "postcode"),
        ("woont op 8921AB 12a", "postcode"),
        ("bel 06-12345678", "phone"),
        ("bel 06 1234 5678", "phone"),
        ("bel +31 6 12345678", "phone"),
        ("bel 010-1234567", "phone"),
        ("mail jan.bos@example.nl", "email"),
    ],
)
def test_each_kind_of_personal_data_is_flagged(municipality, text, kind):
    assert [f["kind"] for f in privacy.check_note(text, municipality)] == [kind]


def test_an_innocent_note_is_not_flagged(municipality, team_a):
    ParticipantFactory(first_name="Jan", last_name="Bos", team=team_a)
    note = ("In het 3e kwartaal van 2024 startten 2 nieuwe groepen in Bilgaard en Huizum; 12 deelnemers, "
            "waarvan 5 nieuw. Jan en de vrijwilligers van het Bos-project hielpen mee. Zie 2024Q3 en 8921 "
            "(postcode zonder huisnummer). Meer in september 2024.")
    assert privacy.check_note(note, municipality) == []


def test_an_innocent_note_can_be_approved(rendered_report, coordinator, client_for, django_capture_on_commit_callbacks):
    _save_note(rendered_report, coordinator, "Twee groepen liepen het hele kwartaal door.",
               django_capture_on_commit_callbacks)
    rendered_report.refresh_from_db()
    assert rendered_report.note_findings == []
    assert _approve(client_for(coordinator), rendered_report).status_code == 302


def test_a_resident_registered_after_the_note_was_saved_still_blocks_approval(
    rendered_report, coordinator, team_a, client_for, django_capture_on_commit_callbacks
):
    _save_note(rendered_report, coordinator, "Met dank aan Gerrit Jansma.", django_capture_on_commit_callbacks)
    ParticipantFactory(first_name="Gerrit", last_name="Jansma", team=team_a)
    response = _approve(client_for(coordinator), rendered_report)
    assert response.status_code == 400
    assert "Gerrit Jansma" in response.content.decode()
    assert QuarterlyReport.objects.get(pk=rendered_report.pk).status == Status.DRAFT


def test_approving_needs_the_confirmation(rendered_report, coordinator, client_for):
    client = client_for(coordinator)
    page = client.get(reverse("reporting:report", args=[rendered_report.pk])).content.decode()
    assert 'name="confirm"' in page and "required" in page
    response = client.post(reverse("reporting:report_approve", args=[rendered_report.pk]),
                           {"sha256": rendered_report.sha256})
    assert response.status_code == 400
    assert QuarterlyReport.objects.get(pk=rendered_report.pk).status == Status.DRAFT


# --- What the municipality reads -----------------------------------------------------------------


def test_the_approved_report_says_when_and_by_which_role_never_by_whom(
    approved_report, municipality_user, coordinator, client_for
):
    assert approved_report.approved_by_team == "Wijkteam Noord"
    page = client_for(municipality_user).get(reverse("reporting:report", args=[approved_report.pk])).content.decode()
    approved = re.search(r'id="approved-by">(.*?)</p>', page, re.S).group(1)
    assert "Wijkteam Noord" in approved
    assert presentation.long_date(approved_report.approved_at) in approved
    assert coordinator.first_name not in page and coordinator.username not in page
    rows = [line.split(";") for line in render_csv(approved_report).decode("utf-8-sig").splitlines()]
    by_code = {(row[0], row[1]): row[3] for row in rows}
    assert "Wijkteam Noord" in by_code[("report", "approved_by")]
    assert coordinator.first_name not in by_code[("report", "approved_by")]


def test_an_administrators_approval_names_the_organisation(rendered_report, administrator, settings):
    services.approve_report(rendered_report, administrator, rendered_report.sha256)
    rendered_report.refresh_from_db()
    assert rendered_report.approved_by_team == ""
    rows = [line.split(";") for line in render_csv(rendered_report).decode("utf-8-sig").splitlines()]
    assert {(r[0], r[1]): r[3] for r in rows}[("report", "approved_by")] == settings.ORGANISATION_NAME


def test_one_way_of_writing_a_quarter_and_a_date(rendered_report, coordinator, client_for):
    client = client_for(coordinator)
    name = presentation.quarter_name(2024, 3)
    page = client.get(reverse("reporting:report", args=[rendered_report.pk])).content.decode()
    assert name in page and "2024 Q3" not in page
    assert presentation.long_date(D(2024, 7, 1)) in page  # the period, "1 juli 2024"
    listing = client.get(reverse("reporting:reports")).content.decode()
    assert name in listing and "2024 Q3" not in listing
    with translation.override("nl"):
        assert presentation.quarter_name(2026, 3) in ("3e kwartaal 2026", "3rd quarter 2026")
        assert presentation.long_date(D(2026, 12, 1)) == "1 december 2026"
    csv_rows = [line.split(";") for line in render_csv(rendered_report).decode("utf-8-sig").splitlines()]
    quarter_row = next(row for row in csv_rows if row[:2] == ["report", "quarter"])
    assert quarter_row[3] == "2024Q3"  # the value stays machine-readable
    with translation.override("nl"):
        assert presentation.quarter_name(2024, 3) in quarter_row[2]


def test_the_note_comes_right_after_the_summary_in_the_pdf(rendered_report):
    html = render_html(rendered_report)
    sections = re.findall(r'<section class="(\w+)">', html)
    assert sections[:3] == ["cover", "summary", "note"]


def test_the_pdf_and_the_csv_have_no_per_group_attendance_rate(rendered_report, approved_report):
    rows = approved_report.figures["kpis"]["participants_per_group"]
    assert rows and all("attendance_rate" not in row for row in rows)
    assert approved_report.figures["kpis"]["attendance_rate"] is not None  # the overall rate stays
    csv_rows = [line.split(";") for line in render_csv(approved_report).decode("utf-8-sig").splitlines()]
    assert not [row for row in csv_rows if row[0] == "group" and row[1] == "attendance_rate"]
    html = render_html(approved_report)
    groups_table = re.search(r'<table class="numbers groups">.*?</table>', html, re.S).group(0)
    with translation.override("nl"):
        from reporting import metrics

        assert str(metrics.label("attendance_rate")) not in groups_table
    assert "%" not in groups_table


def test_old_frozen_figures_with_group_rates_still_give_none_in_the_csv(approved_report):
    approved_report.figures["kpis"]["participants_per_group"][0]["attendance_rate"] = 0.75  # in memory only
    csv_rows = [line.split(";") for line in render_csv(approved_report).decode("utf-8-sig").splitlines()]
    assert not [row for row in csv_rows if row[1] == "attendance_rate" and row[0] == "group"]


def test_new_figures_are_in_the_pdf_and_the_csv(rendered_report):
    figures = rendered_report.figures["kpis"]
    assert figures["self_running_groups"] == 0
    assert set(figures["inflow_by_referral"]) == {"own_worker", "other_team", "partner", "gp_hospital", "self",
                                                  "other"}
    csv_rows = [line.split(";") for line in render_csv(rendered_report).decode("utf-8-sig").splitlines()]
    sections = {row[0] for row in csv_rows}
    assert {"groups", "inflow_by_referral", "outflow_by_end_reason"} <= sections
    text = re.sub(r"\s+", " ", pdf_text(read_pdf(rendered_report)))
    with translation.override("nl"):
        from reporting import metrics

        for key in ("self_running_groups", "inflow_by_referral", "outflow_by_end_reason"):
            assert str(metrics.label(key)) in text, key


# --- Tagged PDF ---------------------------------------------------------------------------------


def test_the_pdf_is_tagged_in_dutch_with_a_title(rendered_report):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(read_pdf(rendered_report)))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True  # a pypdf BooleanObject
    assert str(root["/Lang"]).lower().startswith("nl")
    assert reader.metadata.title and "Leeuwarden" in reader.metadata.title


# --- Dashboard and charts -----------------------------------------------------------------------


def test_the_dashboard_lists_reports_waiting_for_approval(rendered_report, approved_report, coordinator,
                                                         client_for, other_municipality):
    draft = services.prepare_report(rendered_report.municipality, 2024, 2, coordinator)
    services.render_report_now(draft.pk)
    services.prepare_report(rendered_report.municipality, 2024, 1, coordinator)  # queued: no PDF yet
    other = services.prepare_report(other_municipality, 2024, 2)
    services.render_report_now(other.pk)
    page = client_for(coordinator).get(reverse("reporting:dashboard"), {"period": "2024Q3"})
    assert [r.pk for r in page.context["waiting"]] == [draft.pk]
    html = page.content.decode()
    assert reverse("reporting:report", args=[draft.pk]) in html
    assert reverse("reporting:report", args=[approved_report.pk]) not in html
    assert reverse("reporting:report", args=[other.pk]) not in html


def test_data_quality_counts_days_with_more_than_one_held_session(report_data, coordinator, client_for):
    group = report_data.groups[1]
    SessionFactory(group=group, date=D(2024, 7, 4))  # a second held session on 4 July
    SessionFactory(group=group, date=D(2024, 7, 11), status=Session.Status.CANCELLED)  # cancelled: fine
    SessionFactory(group=group, date=D(2024, 7, 18))
    SessionFactory(group=group, date=D(2024, 7, 18))  # three on 18 July
    quality = client_for(coordinator).get(reverse("reporting:dashboard"), {"period": "2024Q3"}).context["quality"]
    assert quality["days_with_several_sessions_count"] == 2
    assert [(d["date"], d["sessions"]) for d in quality["days_with_several_sessions"]] == [
        (D(2024, 7, 18), 3), (D(2024, 7, 4), 2)]


def test_a_partial_quarter_is_marked_in_the_trend_chart():
    rows = [{"label": "2026Q2", "start": "2026-04-01", "end": "2026-06-30", "residents_collective": 30,
             "sessions_held": 10},
            {"label": "2026Q3", "start": "2026-07-01", "end": "2026-09-30", "residents_collective": 12,
             "sessions_held": 4}]
    svg = str(presentation.quarter_trend_chart(rows, today=D(2026, 8, 15)))
    assert presentation.partial_text() in svg
    assert "url(#" in svg  # the running quarter's column is hatched
    assert svg.count("url(#") == 1
    finished = str(presentation.quarter_trend_chart(rows, today=D(2026, 10, 1)))
    assert presentation.partial_text() not in finished and "url(#" not in finished


def test_chart_text_is_at_least_11_px(report_data, coordinator, client_for):
    html = client_for(coordinator).get(reverse("reporting:dashboard")).content.decode()
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', html)]
    assert sizes and min(sizes) >= 11
    svg = str(charts.bar_chart([("a", 1)], title="t")) + str(charts.trend_chart([("a", 1)], title="t"))
    assert min(float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)) >= 11


def test_the_dashboard_shows_the_new_figures(report_data, team_a, coordinator, client_for):
    from tests.factories import GroupFactory

    GroupFactory(team=TeamFactory(municipality=report_data.municipality), kind_id="meet",
                 start_date=D(2024, 1, 1), handed_over_on=D(2024, 8, 1))
    response = client_for(coordinator).get(reverse("reporting:dashboard"), {"period": "2024Q3"})
    assert response.context["kpis"]["self_running_groups"] == 1
    html = response.content.decode()
    assert 'data-kpi="self_running_groups">1<' in html
    assert 'id="inflow"' in html and 'id="outflow"' in html
