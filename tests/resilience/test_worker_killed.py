"""A Celery worker's pool process killed mid-render (issue 10): the task runs again by itself, takes
its own render over and the report ends ready, without anyone pressing a button.

Deterministic: once the report is "running", a second PostgreSQL session holds its row
``FOR UPDATE``, so the render's final UPDATE waits mid-render; then the pool processes are killed
(SIGKILL, as the out-of-memory killer does) and the lock is released.
"""

import hashlib
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from collectief.celery import app
from reporting import services
from reporting.models import QuarterlyReport
from tests.reporting.conftest import read_pdf

RenderStatus = QuarterlyReport.RenderStatus


def _connect(**kwargs) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres",
                           password=db["PASSWORD"] or None, dbname=db["NAME"], **kwargs)


def _lock_once_running(report_id: int, timeout: float = 60) -> psycopg.Connection:
    """Hold the report's row FOR UPDATE in an open transaction as soon as it is "running"."""
    locker = _connect()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Waits for a claim being committed, then reads the claimed row.
        status = locker.execute("SELECT render_status FROM reporting_quarterlyreport WHERE id = %s FOR UPDATE",
                                [report_id]).fetchone()[0]
        if status == RenderStatus.RUNNING:
            return locker  # the transaction stays open: the lock is held
        locker.rollback()
        if status != RenderStatus.QUEUED:
            pytest.fail(f"report {report_id} was {status} before it could be locked mid-render")
        time.sleep(0.005)
    pytest.fail(f"report {report_id} did not start rendering within {timeout} s")


def _wait(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    pytest.fail(f"{what} within {timeout} s")


def _render_waits_for_the_lock(monitor) -> bool:
    return monitor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        " AND query LIKE 'UPDATE \"reporting_quarterlyreport\"%%'"
    ).fetchone()[0] == 1


@pytest.mark.worker
def test_a_render_whose_worker_is_killed_is_rendered_again_by_itself(killable_worker, report_data, coordinator,
                                                                   client_for):
    report = services.generate_report(report_data.municipality, 2024, 3, coordinator)  # sent on commit
    locker = _lock_once_running(report.pk)
    with _connect(autocommit=True) as monitor:
        try:
            task_id = QuarterlyReport.objects.get(pk=report.pk).render_task_id
            assert task_id  # claimed by the render task, with its id
            # The render computed the figures, stored its PDF and now waits to mark the report done.
            _wait(lambda: _render_waits_for_the_lock(monitor), "the render did not reach its final UPDATE")
            killed = killable_worker.kill_pool()
            assert killed
            _wait(lambda: "WorkerLostError" in killable_worker.log.read_text(), "the worker did not notice")
        finally:
            locker.rollback()  # the killed render's UPDATE is never committed
            locker.close()

    report = _wait(lambda: QuarterlyReport.objects.filter(pk=report.pk, render_status__in=[
        RenderStatus.DONE, RenderStatus.FAILED]).first(), "the report was not rendered again")
    assert report.render_status == RenderStatus.DONE, report.error
    assert report.render_count == 2  # the killed render and the one that finished
    assert report.render_task_id == task_id  # the same task, run again: nobody generated it anew
    content = read_pdf(report)
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert report.figures["kpis"]["residents_collective"] == 9
    log = killable_worker.log.read_text()
    assert "runs again after its worker died" in log
    # The killed render's PDF, stored just before it was killed, was removed by the one that finished.
    pdfs = sorted(str(path.relative_to(killable_worker.media)) for path in killable_worker.media.rglob("*.pdf"))
    assert pdfs == [report.pdf.name]

    # The coordinator's page shows it ready: the polling fragment says so and reloads the page.
    fragment = client_for(coordinator).get(reverse("reporting:report_status", args=[report.pk]), {"poll": "1"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert 'data-render-status="done"' in body and 'id="download-pdf"' in body
    assert fragment["HX-Refresh"] == "true"


def test_no_task_outlives_the_visibility_timeout():
    """A task still running when the broker hands it out again would run twice at the same time:
    every task's hard time limit stays below the visibility timeout (settings.py)."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    app.loader.import_default_modules()
    limits = {name: task.time_limit or settings.CELERY_TASK_TIME_LIMIT
              for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert limits["reporting.tasks.render_report"] == settings.CELERY_TASK_TIME_LIMIT
    assert all(limit < visibility for limit in limits.values()), (visibility, limits)
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST and settings.CELERY_TASK_ACKS_LATE
