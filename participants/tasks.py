"""Celery tasks of the participants app: retention, nightly (CELERY_BEAT_SCHEDULE)."""

import datetime

from celery import shared_task

from . import retention


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def apply_retention(today: str | None = None) -> dict:
    """Beat, nightly: propose erasure of inactive residents and blank old session notes.

    Idempotent (a second run finds nothing new). ``today`` (ISO date) is for tests and manual runs.
    """
    day = datetime.date.fromisoformat(today) if today else None
    return retention.apply_retention(day).as_dict()
