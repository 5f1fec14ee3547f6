"""Celery tasks of the reporting app: they take ids, do the work through ``services``, and are
safe to run twice (the render claims its report with a conditional UPDATE)."""

import datetime

from celery import shared_task

from . import services

MAX_RETRIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    # DESIGN: a quarterly PDF takes < 5 s; anything near these limits is a bug or a dead database.
    soft_time_limit=90,
    time_limit=120,
)
def render_report(self, report_id: int) -> bool:
    """Render one quarterly report; a no-op when another worker claimed it or it is done."""
    final = self.request.retries >= MAX_RETRIES
    try:
        return services.render_report_now(int(report_id), final_attempt=final)
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
