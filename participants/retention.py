"""Retention: personal data are not kept longer than the work needs (docs/participants.md).

Per kind of data, a setting with a default (read here, so ``settings.py`` need not name them):

- ``RETENTION_INACTIVE_RESIDENT_MONTHS`` (24): a resident without any activity for that long gets
  an erasure request, proposed by the system. Erasing still takes two people: a coordinator
  requests it (takes the proposal over) and another confirms.
- ``RETENTION_SESSION_NOTES_MONTHS`` (12): the short notes of older sessions are blanked.
- Uploaded import files go after 24 hours (the imports app, ``imports.tasks.remove_stale_uploads``).

``apply_retention`` is what the nightly beat task, the management command and the tests call.
A dry run changes nothing and lists what a real run would do (counts and ids, never names).
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from collectief import audit
from collectief.models import log_event

from .models import ErasureRequest, Participant

DEFAULTS = {"RETENTION_INACTIVE_RESIDENT_MONTHS": 24, "RETENTION_SESSION_NOTES_MONTHS": 12}
RETENTION_REASON = "no activity for %d months"


def months_setting(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` earlier (the last day of a shorter month: 31 March - 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


@dataclass
class RetentionRun:
    today: datetime.date
    dry_run: bool
    inactive_months: int
    notes_months: int
    inactive_before: datetime.date
    notes_before: datetime.date
    participant_ids: list[int] = field(default_factory=list)
    erasure_request_ids: list[int] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("today", "inactive_before", "notes_before"):
            data[key] = data[key].isoformat()
        return data


def _session_model():
    # Sessions belong to the groups app, which depends on this one: looked up by name, not imported.
    return apps.get_model("groups", "Session")


def plan(today: datetime.date | None = None) -> RetentionRun:
    """What a run on ``today`` would do (nothing is changed)."""
    today = today or timezone.localdate()
    inactive = months_setting("RETENTION_INACTIVE_RESIDENT_MONTHS")
    notes = months_setting("RETENTION_SESSION_NOTES_MONTHS")
    run = RetentionRun(today, True, inactive, notes, months_before(today, inactive), months_before(today, notes))
    run.participant_ids = list(
        Participant.objects.inactive_since(run.inactive_before).order_by("pk").values_list("pk", flat=True)
    )
    run.session_ids = list(
        _session_model().objects.filter(date__lt=run.notes_before).exclude(notes="")
        .order_by("pk").values_list("pk", flat=True)
    )
    return run


@transaction.atomic
def apply_retention(today: datetime.date | None = None, *, dry_run: bool = False) -> RetentionRun:
    """Propose the erasure of inactive residents and blank old session notes; audited as one event.

    Safe to run twice: residents with a pending request are not proposed again and blank notes
    are not counted again.
    """
    run = plan(today)
    if dry_run:
        return run
    run.dry_run = False
    requests = ErasureRequest.objects.bulk_create([
        ErasureRequest(
            participant_id=pk, requested_by=None, source=ErasureRequest.Source.RETENTION,
            reason=RETENTION_REASON % run.inactive_months,
        )
        for pk in run.participant_ids
    ])
    run.erasure_request_ids = [r.pk for r in requests]
    _session_model().objects.filter(pk__in=run.session_ids).update(notes="", updated_at=timezone.now())
    log_event(None, "retention.applied", None, {
        "inactive_months": run.inactive_months,
        "inactive_before": run.inactive_before.isoformat(),
        "erasure_requests": run.erasure_request_ids,
        "session_notes_months": run.notes_months,
        "session_notes_before": run.notes_before.isoformat(),
        "sessions": run.session_ids,
        **audit.residents_shown(run.participant_ids),
    }, object_type="retention")
    return run
