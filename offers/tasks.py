"""Celery tasks of the offers app: they take ids, do the work through a module of the app, and are
safe to run twice."""

import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import flyer

# --- The flyer (offers/flyer.py): the guarantees of reporting.tasks.render_report ------------------

FLYER_MAX_RETRIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=FLYER_MAX_RETRIES,
    # The settings' limits, from which flyer.STUCK_AFTER (the sweeper) and the broker's visibility
    # timeout are derived, as for the quarterly report. A flyer takes about a second.
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    # The pool process died mid-render: the worker sends this task again (same id, bounded); its
    # claim takes its own render over (flyer.claim). Without a worker left, the broker redelivers it.
    retry_on_worker_lost=True,
    default_retry_delay=1,
)
def render_flyer(self, flyer_id: int) -> bool:
    """Render one flyer; a no-op when another worker claimed it or it is done."""
    final = self.request.retries >= FLYER_MAX_RETRIES
    try:
        return flyer.render_flyer_now(int(flyer_id), final_attempt=final, task_id=self.request.id or "")
    except flyer.RETRYABLE as exc:
        # The flyer went back to "queued"; try again a little later.
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_flyers() -> dict[str, list[int]]:
    """Beat, every minute: re-send flyers queued without a task, take over renders whose worker
    died (flyer.sweep_flyers)."""
    return flyer.sweep_flyers()


# --- Sign-ups from the group finder: retention (docs/privacy.md) -----------------------------------


def old_signups(today: datetime.date | None = None):
    """Sign-ups past ``SIGNUP_RETENTION_DAYS``: new ones nobody called back that many days after they
    came in, and handled ones (called back or closed) that many days after they were handled.

    A first contact is all a sign-up is for: once handled, the resident is registered (their details
    live on their own record) or it was closed.
    """
    from .models import Signup

    today = today or timezone.localdate()
    # Whole days: one that came in on day D is kept through D + SIGNUP_RETENTION_DAYS.
    day = today - datetime.timedelta(days=settings.SIGNUP_RETENTION_DAYS)
    before = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return Signup.objects.filter(
        Q(status=Signup.Status.NEW, created_at__lt=before) | (~Q(status=Signup.Status.NEW) & Q(updated_at__lt=before))
    )


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def remove_old_signups(today: str | None = None) -> int:
    """Beat, nightly: delete the sign-ups past their retention; idempotent (a second run finds none).

    ``today`` (ISO date) is for tests and manual runs. One audit event names the ids deleted.
    """
    from collectief.models import log_event

    day = datetime.date.fromisoformat(today) if today else None
    with transaction.atomic():
        ids = list(old_signups(day).values_list("pk", flat=True))
        if not ids:
            return 0
        deleted, _ = old_signups(day).filter(pk__in=ids).delete()
        log_event(None, "signup.deleted", object_type="offers.signup",
                  data={"reason": "retention", "days": settings.SIGNUP_RETENTION_DAYS, "signups": ids})
    return deleted
