"""End to end through Redis and a real Celery worker process (not eager)."""

import hashlib
import time

import pytest

from reporting import services, tasks
from reporting.models import QuarterlyReport

from .conftest import read_pdf


def _wait_until_rendered(report_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = QuarterlyReport.objects.get(pk=report_id)
        if report.render_status in (QuarterlyReport.RenderStatus.DONE, QuarterlyReport.RenderStatus.FAILED):
            return report
        time.sleep(0.2)
    pytest.fail(f"report {report_id} was not rendered within {timeout} s")


@pytest.mark.worker
def test_a_real_worker_renders_a_generated_report(celery_worker_process, report_data, coordinator):
    # generate_report queues the task with transaction.on_commit: it reaches Redis once committed.
    report = services.generate_report(report_data.municipality, 2024, 3, coordinator)
    report = _wait_until_rendered(report.pk)
    assert report.render_status == QuarterlyReport.RenderStatus.DONE, report.error
    assert report.render_count == 1
    content = read_pdf(report)
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert report.figures["kpis"]["residents_collective"] == 9
    assert "reporting.tasks.render_report" in celery_worker_process["log"].read_text()


@pytest.mark.worker
def test_the_same_render_task_sent_twice_renders_once(celery_worker_process, report_data):
    report = services.prepare_report(report_data.municipality, 2024, 3)  # queued, no task sent yet
    first = tasks.render_report.delay(report.pk)
    second = tasks.render_report.delay(report.pk)
    results = sorted([first.get(timeout=60), second.get(timeout=60)])
    assert results == [False, True]
    report.refresh_from_db()
    assert report.render_count == 1
    assert report.render_status == QuarterlyReport.RenderStatus.DONE
    assert hashlib.sha256(read_pdf(report)).hexdigest() == report.sha256


@pytest.mark.worker
def test_the_beat_task_runs_on_a_real_worker(celery_worker_process, municipality, other_municipality):
    created = tasks.create_quarterly_drafts.delay("2024-10-01").get(timeout=60)
    assert len(created) == 2
    for pk in created:
        assert _wait_until_rendered(pk).render_status == QuarterlyReport.RenderStatus.DONE
    assert tasks.create_quarterly_drafts.delay("2024-10-01").get(timeout=60) == []
