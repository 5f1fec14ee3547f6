"""The browser import runs in the Celery worker, shows its progress, and its files do not outlive a day."""

import datetime
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from imports import services, tasks
from imports.models import ImportRun
from participants.models import Participant

from .test_views import CANCEL, CONFIRM, NEW_PLACES, PREVIEW, UPLOAD, counts, csv_files

DATA = Path(__file__).parent / "data"
STATUS = reverse("importer:status")


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, capture, files=None):
    """Upload the files; the preview task runs (eagerly) when the request's transaction commits."""
    with capture(execute=True):
        response = client.post(UPLOAD, {"files": files or csv_files(), **NEW_PLACES})
    assert response.status_code == 302
    return ImportRun.objects.get()


def test_the_preview_runs_as_a_task_and_stores_its_result_on_the_run(
    client_for, administrator, private_media, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    run = upload(client, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.dry_run
    assert run.sent_at is not None and run.started_at is not None and run.finished_at is not None
    assert run.user == administrator
    assert run.files == sorted(path.name for path in (DATA / "valid").glob("*.csv"))
    files = {item["name"]: item for item in run.result["files"]}
    assert files["participants.csv"]["created"] == 3 and files["participants.csv"]["errors"] == []
    html = client.get(PREVIEW).content.decode()
    assert counts(html, "participants.csv") == {"created": 3, "updated": 0, "unchanged": 0, "errors": 0}
    assert not Participant.objects.exists()


def test_a_queued_run_shows_progress_that_polls_until_it_is_done(
    client_for, administrator, private_media, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    # Without running the on-commit callbacks the run stays queued, as while the worker is busy.
    client.post(UPLOAD, {"files": csv_files(), **NEW_PLACES})
    ImportRun.objects.update(sent_at=timezone.now())  # in the queue, waiting for a free worker
    run = ImportRun.objects.get()

    html = client.get(PREVIEW).content.decode()
    status_url = STATUS
    assert 'id="import-status"' in html and f'hx-get="{status_url}?poll=1"' in html
    assert 'data-run-status="queued"' in html
    assert "Nu importeren" not in html

    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    services.set_progress(run.pk, {"file": "groups.csv", "number": 2, "total": 6})
    fragment = client.get(status_url, {"poll": 1})
    assert fragment.status_code == 200
    assert "groups.csv" in fragment.content.decode() and "HX-Refresh" not in fragment

    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.QUEUED)
    services.execute_run(run.pk)
    fragment = client.get(status_url, {"poll": 1})
    assert 'data-run-status="done"' in fragment.content.decode()
    assert fragment["HX-Refresh"] == "true"
    assert counts(client.get(PREVIEW).content.decode(), "groups.csv")["created"] == 2


def test_confirm_runs_the_real_import_as_a_task(
    client_for, administrator, private_media, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    run = upload(client, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(CONFIRM, {"token": run.upload})
    real = ImportRun.objects.get(dry_run=False)
    assert real.status == ImportRun.Status.DONE and real.result["applied"] is True
    assert Participant.objects.count() == 3

    response = client.get(PREVIEW, follow=True)  # the finished import ends the upload
    assert response.redirect_chain[-1][0] == UPLOAD
    assert not ImportRun.objects.exists()  # results may quote personal data: gone with the files
    assert not (Path(private_media) / "imports" / run.upload).exists()


def test_a_run_whose_files_are_gone_fails_with_a_message(
    client_for, administrator, private_media, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    client.post(UPLOAD, {"files": csv_files()})
    run = ImportRun.objects.get()
    services.remove_stale_uploads(now=timezone.now() + datetime.timedelta(hours=1))  # nothing is stale yet
    for path in (Path(private_media) / "imports" / run.upload).iterdir():
        path.unlink()
    (Path(private_media) / "imports" / run.upload).rmdir()

    assert tasks.run_import.delay(run.pk).get() is True
    assert tasks.run_import.delay(run.pk).get() is False  # idempotent: claimed once

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.error


# --- Access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["worker", "coordinator", "municipality_user"])
def test_the_progress_fragment_is_for_administrators_only(request, client_for, administrator, persona):
    ImportRun.objects.create(upload="x" * 32, user=administrator)
    client = client_for(request.getfixturevalue(persona))

    assert client.get(STATUS).status_code == 403
    assert client.get(UPLOAD).status_code == 403


def test_a_social_worker_gets_403_on_every_import_page(client_for, worker):
    client = client_for(worker)

    for url in (UPLOAD, PREVIEW):
        assert client.get(url).status_code == 403
    for url in (UPLOAD, CONFIRM, CANCEL):
        assert client.post(url).status_code == 403
    assert not ImportRun.objects.exists()


def test_another_sessions_run_is_not_found(client_for, administrator):
    ImportRun.objects.create(upload="y" * 32, user=administrator)

    assert client_for(administrator).get(STATUS).status_code == 404


# --- A broker that is down ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_queueing_while_the_broker_is_down_keeps_the_run_queued_without_a_500(
    client_for, administrator, private_media, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_import, "apply_async", broker_down)
    client = client_for(administrator)

    response = client.post(UPLOAD, {"files": csv_files()}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-run-status="queued"' in html
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.QUEUED and run.sent_at is None
    assert len(list((Path(private_media) / "imports").iterdir())) == 1  # the files are kept

    monkeypatch.undo()  # the broker is back: the next poll sends the run
    fragment = client.get(STATUS, {"poll": 1})

    assert fragment.status_code == 200 and fragment["HX-Refresh"] == "true"
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.sent_at is not None


# --- Cleanup ----------------------------------------------------------------------------------------


def test_the_beat_task_deletes_uploads_older_than_a_day_and_keeps_newer_ones(db, private_media, administrator):
    root = Path(private_media) / "imports"
    old, new = root / ("o" * 32), root / ("n" * 32)
    for directory in (old, new):
        directory.mkdir(parents=True)
        (directory / "participants.csv").write_text("external_id\n")
    day_and_an_hour_ago = time.time() - 25 * 3600
    os.utime(old / "participants.csv", (day_and_an_hour_ago, day_and_an_hour_ago))
    old_run = ImportRun.objects.create(upload=old.name, user=administrator)
    ImportRun.objects.filter(pk=old_run.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    new_run = ImportRun.objects.create(upload=new.name, user=administrator)

    assert tasks.remove_stale_uploads.delay().get() == 1

    assert not old.exists() and new.exists()
    assert list(ImportRun.objects.values_list("pk", flat=True)) == [new_run.pk]


def test_the_cleanup_runs_every_hour_from_beat(settings):
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"].startswith("imports.")]
    assert [entry["task"] for entry in entries] == ["imports.tasks.remove_stale_uploads"]
    assert entries[0]["schedule"].hour == set(range(24))


# --- A real worker ------------------------------------------------------------------------------------


def wait_for(run_filter, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ImportRun.objects.filter(**run_filter).first()
        if run is not None and not run.is_busy:
            return run
        time.sleep(0.2)
    raise AssertionError(f"the worker did not finish the run: {ImportRun.objects.filter(**run_filter).first()}")


@pytest.mark.worker
def test_a_real_worker_runs_the_preview_and_the_import(celery_worker_process, client_for, administrator):
    client = client_for(administrator)
    files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted((DATA / "valid").glob("*.csv"))]

    client.post(UPLOAD, {"files": files, **NEW_PLACES})
    preview = wait_for({"dry_run": True})

    assert preview.status == ImportRun.Status.DONE, preview.error
    html = client.get(PREVIEW).content.decode()
    assert counts(html, "participants.csv")["created"] == 3
    assert "Nieuwe gemeente: Leeuwarden" in html  # the worker wrote in the administrator's language
    assert not Participant.objects.exists()

    client.post(CONFIRM, {"token": preview.upload})
    real = wait_for({"dry_run": False})

    assert real.status == ImportRun.Status.DONE and real.result["applied"], real.error
    assert Participant.objects.count() == 3
    assert Participant.objects.get(external_id="P1").created_by == administrator
    response = client.get(PREVIEW, follow=True)
    assert "Import voltooid." in response.content.decode()
