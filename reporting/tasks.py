"""Celery tasks of the reporting app: they take ids, do the work through ``services``, and are
safe to run twice (the render claims its report with a conditional UPDATE)."""

import datetime

from celery import shared_task
from django.conf import settings

from . import services

MAX_RETRIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    # DESIGN: a quarterly PDF takes < 5 s; anything near these limits is a bug or a dead database.
    # The settings' limits, which the sweeper (services.STUCK_AFTER) and the broker's visibility
    # timeout are derived from: one source of truth.
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    # The pool process died mid-render (kill -9, out of memory): the worker sends this task again
    # (the same id, one retry more, a second later), at most MAX_RETRIES times, so a report that
    # kills its worker every time does not do so forever (then the sweeper's round after the time
    # limit). Without a worker left to send it, the broker redelivers the unacknowledged task after
    # its visibility timeout (CELERY_TASK_REJECT_ON_WORKER_LOST, CELERY_BROKER_TRANSPORT_OPTIONS).
    retry_on_worker_lost=True,
    default_retry_delay=1,
)
def render_report(self, report_id: int) -> bool:
    """Render one quarterly report; a no-op when another worker claimed it or it is done.

    The task id goes with the claim: when this very task runs again because its worker died
    mid-render, it takes its own render over (services.claim).
    """
    final = self.request.retries >= MAX_RETRIES
    try:
        return services.render_report_now(int(report_id), final_attempt=final, task_id=self.request.id or "")
    except services.RETRYABLE as exc:
        # The report went back to "queued"; try again a little later.
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def create_quarterly_drafts(today: str | None = None) -> list[int]:
    """Beat, first day of each quarter 06:00 Europe/Amsterdam: drafts for the quarter that ended.

    ``today`` (ISO date) is for tests and manual runs; by default the local date.
    """
    day = datetime.date.fromisoformat(today) if today else None
    return services.create_quarterly_drafts(day)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_reports() -> dict[str, list[int]]:
    """Beat, every minute: re-send reports queued without a task, take over renders whose worker
    died (services.sweep_reports)."""
    return services.sweep_reports()
