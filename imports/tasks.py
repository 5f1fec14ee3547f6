"""Celery tasks of the import: they take ids, work through ``services`` and are safe to run twice."""

from celery import shared_task

from . import services

MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, soft_time_limit=600, time_limit=660)
def run_import(self, run_id: int) -> bool:
    """Run one queued import run (preview or real); a no-op when another worker claimed it."""
    final = self.request.retries >= MAX_RETRIES
    try:
        return services.execute_run(int(run_id), final_attempt=final)
    except services.RETRYABLE as exc:
        # The run went back to "queued"; try again a little later.
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def remove_stale_uploads() -> int:
    """Beat, hourly: delete uploaded files and runs older than 24 hours (personal data)."""
    return services.remove_stale_uploads()
