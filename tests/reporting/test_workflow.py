import hashlib
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from collectief.models import AuditEvent
from reporting import services, tasks
from reporting.models import QuarterlyReport
from tests.factories import MunicipalityFactory

from .conftest import read_pdf

Status = QuarterlyReport.Status
RenderStatus = QuarterlyReport.RenderStatus


def _events(report, event):
    return AuditEvent.objects.filter(object_type="reporting.quarterlyreport", object_id=str(report.pk), event=event)


# --- Generating ----------------------------------------------------------------------------------


def test_coordinator_generates_a_report_that_is_rendered_after_commit(
    report_data, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("reporting:generate"), {"municipality": report_data.municipality.pk, "quarter": "2024Q3"}
        )
    assert len(callbacks) == 1  # the render task is queued on commit, not before
    report = QuarterlyReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:report", args=[report.pk])
    assert (report.year, report.quarter, report.version, report.status) == (2024, 3, 1, Status.DRAFT)
    assert report.render_status == RenderStatus.DONE
    assert report.generated_by == coordinator
    assert hashlib.sha256(read_pdf(report)).hexdigest() == report.sha256
    assert _events(report, "report.generated").filter(user=coordinator).exists()


def test_generating_again_reuses_the_draft(report_data, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.generate_report(report_data.municipality, 2024, 3, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.generate_report(report_data.municipality, 2024, 3, coordinator)
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.render_count == 2  # refreshed, but still one draft
    assert QuarterlyReport.objects.count() == 1


def test_generating_after_approval_makes_a_new_version_with_the_note_only(
    approved_report, coordinator, django_capture_on_commit_callbacks
):
    # The quarter's only report is approved (frozen): a new version is needed, not a refreshed draft.
    assert list(QuarterlyReport.objects.values_list("pk", "status")) == [(approved_report.pk, Status.APPROVED)]
    with django_capture_on_commit_callbacks(execute=True):
        new = services.generate_report(approved_report.municipality, 2024, 3, coordinator)
    new.refresh_from_db()
    assert new.pk != approved_report.pk
    assert new.version == 2
    assert new.status == Status.DRAFT
    assert new.note == approved_report.note
    old = QuarterlyReport.objects.get(pk=approved_report.pk)
    assert (old.status, old.sha256, old.figures) == (Status.APPROVED, approved_report.sha256, approved_report.figures)


def test_generate_form_rejects_bad_input_with_a_message(report_data, coordinator, other_municipality, client_for):
    client = client_for(coordinator)
    url = reverse("reporting:generate")
    for data in (
        {"municipality": report_data.municipality.pk, "quarter": "2024Q9"},
        {"municipality": report_data.municipality.pk, "quarter": "garbage"},
        {"municipality": report_data.municipality.pk, "quarter": "2999Q1"},  # not ended
        {"municipality": other_municipality.pk, "quarter": "2024Q3"},  # not theirs
        {"municipality": "x'; drop table", "quarter": "2024Q3"},
        {},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert b"alert" in response.content or b"invalid-feedback" in response.content
    assert QuarterlyReport.objects.count() == 0


# --- Rendering: claiming, failures, racing -------------------------------------------------------


def test_render_is_a_no_op_when_not_queued(rendered_report):
    assert services.render_report_now(rendered_report.pk) is False
    assert tasks.render_report(rendered_report.pk) is False
    rendered_report.refresh_from_db()
    assert rendered_report.render_count == 1


def test_a_failing_render_marks_the_report_failed_with_the_message(report_data, monkeypatch):
    report = services.prepare_report(report_data.municipality, 2024, 3)

    def broken(report):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr("reporting.pdf.render_pdf", broken)
    assert services.render_report_now(report.pk) is False
    report.refresh_from_db()
    assert report.render_status == RenderStatus.FAILED
    assert "pango exploded" in report.error
    assert not report.sha256


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_render_the_report_once(report_data):
    report = services.prepare_report(report_data.municipality, 2024, 3)
    results = []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            results.append(services.render_report_now(report.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    report.refresh_from_db()
    assert report.render_count == 1
    assert report.render_status == RenderStatus.DONE


# --- The beat task -------------------------------------------------------------------------------


def test_beat_task_creates_a_draft_for_every_municipality_once(
    municipality, other_municipality, django_capture_on_commit_callbacks
):
    third = MunicipalityFactory(name="Smallingerland")
    with django_capture_on_commit_callbacks(execute=True):
        created = tasks.create_quarterly_drafts("2024-10-01")
    assert len(created) == 3
    reports = QuarterlyReport.objects.order_by("municipality__name")
    assert [(r.municipality.name, r.year, r.quarter, r.version) for r in reports] == [
        ("Heerenveen", 2024, 3, 1), ("Leeuwarden", 2024, 3, 1), ("Smallingerland", 2024, 3, 1),
    ]
    assert all(r.render_status == RenderStatus.DONE and r.sha256 for r in reports)
    assert third.quarterly_reports.count() == 1
    # Idempotent: the same day again (a beat retry, a second beat) creates nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.create_quarterly_drafts("2024-10-01") == []
    assert QuarterlyReport.objects.count() == 3


def test_beat_task_leaves_a_quarter_alone_that_already_has_a_report(approved_report, other_municipality):
    created = services.create_quarterly_drafts(approved_report.period.end.replace(day=1, month=10))
    assert [QuarterlyReport.objects.get(pk=pk).municipality for pk in created] == [other_municipality]


def test_beat_schedule_names_the_task(settings):
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["quarterly-report-drafts"]
    assert entry["task"] == tasks.create_quarterly_drafts.name == "reporting.tasks.create_quarterly_drafts"
    assert entry["schedule"] == crontab(minute=0, hour=6, day_of_month=1, month_of_year="1,4,7,10")


# --- Note and approval ---------------------------------------------------------------------------


def test_coordinator_writes_a_note_and_approves_the_pdf_they_saw(
    rendered_report, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:report_note", args=[rendered_report.pk]),
                               {"note": "Twee nieuwe groepen.\r\n"})
    assert response.status_code == 302
    rendered_report.refresh_from_db()
    assert rendered_report.note == "Twee nieuwe groepen."
    assert rendered_report.render_count == 2  # re-rendered with the note
    sha = rendered_report.sha256
    # Issue 8: approving needs the confirmation "Ik heb de cijfers en de toelichting gecontroleerd".
    response = client.post(reverse("reporting:report_approve", args=[rendered_report.pk]),
                           {"sha256": sha, "confirm": "on"})
    assert response.status_code == 302
    rendered_report.refresh_from_db()
    assert rendered_report.status == Status.APPROVED
    assert rendered_report.sha256 == sha  # nothing re-rendered: exactly the PDF that was shown
    assert rendered_report.approved_by == coordinator
    assert _events(rendered_report, "report.approved").count() == 1
    assert _events(rendered_report, "report.updated").count() == 1


def test_approving_twice_gives_a_message_not_an_error(approved_report, coordinator, client_for):
    client = client_for(coordinator)
    response = client.post(reverse("reporting:report_approve", args=[approved_report.pk]),
                           {"sha256": approved_report.sha256, "confirm": "on"})
    assert response.status_code == 400
    assert "vastgesteld" in response.content.decode() or "approved" in response.content.decode()
    assert _events(approved_report, "report.approved").count() == 1


def test_approving_a_report_that_is_still_rendering_is_refused(report_data, coordinator, client_for):
    report = services.prepare_report(report_data.municipality, 2024, 3, coordinator)  # queued
    response = client_for(coordinator).post(
        reverse("reporting:report_approve", args=[report.pk]), {"sha256": "a" * 64, "confirm": "on"}
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == Status.DRAFT


def test_approving_a_pdf_that_changed_since_it_was_shown_is_refused(rendered_report, coordinator, client_for):
    client = client_for(coordinator)
    url = reverse("reporting:report_approve", args=[rendered_report.pk])
    for data in ({"sha256": "0" * 64, "confirm": "on"}, {"sha256": "nonsense", "confirm": "on"}, {}):
        assert client.post(url, data).status_code == 400
    rendered_report.refresh_from_db()
    assert rendered_report.status == Status.DRAFT


def test_a_note_that_is_too_long_is_refused_and_nothing_changes(rendered_report, coordinator, client_for):
    response = client_for(coordinator).post(
        reverse("reporting:report_note", args=[rendered_report.pk]), {"note": "x" * 5001}
    )
    assert response.status_code == 400
    assert "5000" in response.content.decode()
    fresh = QuarterlyReport.objects.get(pk=rendered_report.pk)
    assert (fresh.note, fresh.render_count, fresh.sha256) == ("", 1, rendered_report.sha256)


def test_a_note_with_a_null_character_is_refused_not_a_500(rendered_report, coordinator, client_for):
    response = client_for(coordinator).post(
        reverse("reporting:report_note", args=[rendered_report.pk]), {"note": "a\x00b"}
    )
    assert response.status_code == 400


# --- An approved report never changes ------------------------------------------------------------


def test_posting_a_note_to_an_approved_report_changes_nothing(approved_report, coordinator, client_for):
    response = client_for(coordinator).post(
        reverse("reporting:report_note", args=[approved_report.pk]), {"note": "Achteraf nog iets."}
    )
    assert response.status_code == 400
    assert "nieuwe versie" in response.content.decode() or "new version" in response.content.decode()
    fresh = QuarterlyReport.objects.get(pk=approved_report.pk)
    assert (fresh.note, fresh.sha256, fresh.figures) == (approved_report.note, approved_report.sha256,
                                                         approved_report.figures)


def test_model_save_of_an_approved_report_raises(approved_report):
    approved_report.note = "changed"
    with pytest.raises(ValidationError):
        approved_report.save()
    with pytest.raises(ValidationError):
        approved_report.delete()


def test_the_database_refuses_to_change_or_delete_an_approved_report(approved_report):
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterlyReport.objects.filter(pk=approved_report.pk).update(note="sneaky")
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterlyReport.objects.filter(pk=approved_report.pk)._raw_delete(connection.alias)
    assert QuarterlyReport.objects.get(pk=approved_report.pk).note == approved_report.note


def test_render_never_touches_an_approved_report(approved_report):
    assert services.claim(approved_report.pk) is False
    assert services.render_report_now(approved_report.pk) is False


def test_admin_shows_an_approved_report_read_only_and_refuses_changes(approved_report, administrator, client_for):
    client = client_for(administrator)
    change_url = reverse("admin:reporting_quarterlyreport_change", args=[approved_report.pk])
    response = client.get(change_url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert b'name="note"' not in response.content
    response = client.post(change_url, {"note": "via admin", "status": "draft"})
    assert response.status_code == 403
    delete_url = reverse("admin:reporting_quarterlyreport_delete", args=[approved_report.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:reporting_quarterlyreport_add")).status_code == 403
    fresh = QuarterlyReport.objects.get(pk=approved_report.pk)
    assert fresh.note == approved_report.note and fresh.status == Status.APPROVED


# --- Downloads -----------------------------------------------------------------------------------


def test_csv_holds_the_same_protected_figures(approved_report, report_data, municipality_user, client_for):
    response = client_for(municipality_user).get(reverse("reporting:report_csv", args=[approved_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    rows = [line.split(";") for line in text.splitlines()]
    assert all(len(row) == 4 for row in rows)
    by_key = {(row[0], row[2]): row[3] for row in rows}
    assert by_key[("neighbourhood", "Bilgaard")] == "<5"
    assert by_key[("neighbourhood", "Huizum")] == "x"
    assert ("summary", "residents_collective") in {(row[0], row[1]) for row in rows}
    assert [row[3] for row in rows if row[1] == "residents_collective" and row[0] == "summary"] == ["9"]
    for name in report_data.names:
        assert name not in text
    assert AuditEvent.objects.filter(event="report.exported", user=municipality_user,
                                     data__format="csv").count() == 1


def test_pdf_download_is_exactly_the_stored_file_and_is_audited(approved_report, municipality_user, client_for):
    response = client_for(municipality_user).get(reverse("reporting:report_pdf", args=[approved_report.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == approved_report.sha256
    assert AuditEvent.objects.filter(event="report.exported", user=municipality_user,
                                     object_id=str(approved_report.pk), data__format="pdf").count() == 1


# --- The command ---------------------------------------------------------------------------------


def test_quarterly_report_command_generates_through_the_same_path(report_data, tmp_path):
    out = tmp_path / "rapport.pdf"
    stdout = io.StringIO()
    call_command("quarterly_report", "--municipality", "leeuwarden", "--quarter", "2024Q3", "--out", str(out),
                 stdout=stdout)
    report = QuarterlyReport.objects.get()
    printed = stdout.getvalue()
    assert f"report {report.pk}" in printed
    assert "version 1" in printed
    assert f"sha256 {report.sha256}" in printed
    assert hashlib.sha256(out.read_bytes()).hexdigest() == report.sha256
    # Run again: the same draft, refreshed.
    call_command("quarterly_report", "--municipality", "Leeuwarden", "--quarter", "2024q3", stdout=io.StringIO())
    assert QuarterlyReport.objects.get().render_count == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--municipality", "Atlantis", "--quarter", "2024Q3"],
        ["--municipality", "Leeuwarden", "--quarter", "2024Q5"],
        ["--municipality", "Leeuwarden", "--quarter", "nonsense"],
        ["--municipality", "Leeuwarden", "--quarter", "2024Q3", "--out", "/nonexistent/dir/x.pdf"],
    ],
)
def test_quarterly_report_command_rejects_bad_input(municipality, args):
    with pytest.raises(CommandError):
        call_command("quarterly_report", *args, stdout=io.StringIO())
    assert QuarterlyReport.objects.count() == 0
