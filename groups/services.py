"""Writes about groups that span several models, each in one transaction with its audit events.

Views bind forms and render; these functions do the work, so the roll call, the enrol page, the
walk-in and future callers (bundling board, API, offline sync) change data the same way. Each
validates with the models' rules (``full_clean``) and raises ``ValidationError`` when they refuse.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from collectief.audit import residents_shown
from collectief.models import EndReason, log_event
from participants.models import Consent, Participant
from participants.services import register_participant

from .models import Attendance, Contributor, Enrolment, Group, Session

SESSION_SLOT_CONSTRAINT = "unique_session_slot"
# What a walk-in gives at the door: all that registering them needs.
WALK_IN_FIELDS = ("first_name", "last_name", "birth_date", "postcode")


class SlotTaken(Exception):
    """The group already has a session at this date and time (a double submit, a second tab)."""

    def __init__(self, existing: Session | None):
        super().__init__("session slot taken")
        self.existing = existing


class StaleSession(Exception):
    """Someone else saved the session after this user opened it: nothing was saved.

    ``current`` is the session as it is stored now (with its version).
    """

    def __init__(self, current: Session | None):
        super().__init__("session changed since it was opened")
        self.current = current


def attendance_counts(statuses: dict[int, str]) -> dict[str, int]:
    values = list(statuses.values())
    return {status: values.count(status) for status in Attendance.Status.values}


@transaction.atomic
def enrol(
    user,
    group: Group,
    participant: Participant,
    *,
    start_date: datetime.date,
    role: str = Enrolment.Role.PARTICIPANT,
    referral_source: str = "",
    via: str = "",
    other_team_consent: bool = False,
) -> Enrolment:
    """Enrol a resident in a group; refused (ValidationError) when it overlaps an enrolment they hold.

    A resident of another team is seen by the group's team from now on: that needs their consent,
    which is recorded with the enrolment (``other_team_consent``), or the enrolment is refused.
    """
    enrolment = Enrolment(
        group=group, participant=participant, role=role, referral_source=referral_source, start_date=start_date
    )
    enrolment.full_clean(exclude=["change_wishes"])
    if participant.team_id != group.team_id:
        if not other_team_consent:
            raise ValidationError(_("A resident of another team needs their consent to be seen by this team."))
        consent = participant.record_consent(Consent.Purpose.SHARE_TEAM, True, user)
        log_event(user, "consent.created", participant, {"consent": consent.pk, "purpose": consent.purpose,
                                                         "given": True, "team": group.team_id})
    enrolment.save()
    data = {"fields": ["participant", "role", "referral_source", "start_date"]}
    if via:
        data["via"] = via
    log_event(user, "enrolment.created", enrolment, data)
    return enrolment


@transaction.atomic
def add_contributor(user, group: Group, contributor: Contributor, *, fields=()) -> Contributor:
    """Register a begeleider in the group's team and let them help run the group."""
    contributor.team = group.team
    contributor.full_clean(exclude=["team", "participant"])
    contributor.save()
    group.contributors.add(contributor)
    log_event(user, "contributor.created", contributor, {"fields": sorted(fields), "group": group.pk})
    return contributor


@transaction.atomic
def end_enrolment(user, enrolment: Enrolment, *, end_date: datetime.date, end_reason: EndReason) -> Enrolment:
    """Uitstroom: end an enrolment on a date, for a reason."""
    enrolment.end_date, enrolment.end_reason = end_date, end_reason
    enrolment.full_clean(exclude=["change_wishes"])
    enrolment.save(update_fields=["end_date", "end_reason"])
    log_event(user, "enrolment.updated", enrolment, {"fields": ["end_date", "end_reason"]})
    return enrolment


def log_session(
    user,
    session: Session,
    statuses: dict[int, str],
    *,
    fields=(),
    walk_in: Participant | None = None,
    helped=None,
    version: int | None = None,
) -> dict[str, int]:
    """Save a session with everyone's attendance and, optionally, a walk-in; return the counts.

    ``statuses`` maps participant id to present/absent/excused. A walk-in is an existing resident
    (saved) or a new one (unsaved; registered here with their consent) who is marked present and
    enrolled from the session's date when not yet a member. A cancelled session keeps no
    attendance. ``helped`` lists the ids of the begeleiders who helped (None: leave as recorded);
    they are never residents and never on the roll call. Raises ``SlotTaken`` when the date and
    time are already taken by another session. ``version`` is the version the user opened: when
    the stored session has moved on since, nothing is saved and ``StaleSession`` is raised (None:
    no check). Every save bumps the version.
    """
    is_new = session.pk is None
    try:
        with transaction.atomic():
            _save_session(user, session, is_new, fields, version)
            statuses = dict(statuses)
            changed = set(statuses)  # whose attendance this save set or removed
            if session.status == Session.Status.CANCELLED:
                statuses.clear()
            elif walk_in is not None:
                walk_in = _walk_in(user, session, walk_in, statuses)
                statuses[walk_in.pk] = Attendance.Status.PRESENT
                changed.add(walk_in.pk)
            session.mark_attendance(statuses, new_session=is_new)
            if helped is not None:
                session.record_contributors(helped, new_session=is_new)
            counts = attendance_counts(statuses)
            log_event(user, "session.created" if is_new else "session.updated", session,
                      {"fields": sorted(fields), "attendance": counts, **residents_shown(changed)})
    except IntegrityError as exc:
        if _constraint(exc) == SESSION_SLOT_CONSTRAINT:
            if is_new:
                session.pk = None
            raise SlotTaken(
                Session.objects.filter(group=session.group_id, date=session.date, start_time=session.start_time).first()
            ) from exc
        raise
    return counts


def _save_session(user, session, is_new, fields, version=None):
    # The group and the author were loaded by the caller; the slot is checked by the database, race-free.
    session.full_clean(exclude=["group", "created_by"], validate_unique=False)
    if is_new:
        session.created_by = user
        session.save()
        return
    # One UPDATE that saves and checks the version at once: a concurrent save cannot slip in between.
    values = {name: getattr(session, name) for name in fields}
    values["updated_at"] = timezone.now()
    stored = Session.objects.filter(pk=session.pk)
    if version is not None:
        stored = stored.filter(version=version)
    if stored.update(version=F("version") + 1, **values) != 1:
        raise StaleSession(Session.objects.filter(pk=session.pk).first())
    session.updated_at = values["updated_at"]
    session.version = (session.version if version is None else version) + 1


def _walk_in(user, session, participant, statuses) -> Participant:
    """Register (when new) and enrol (when not yet a member on the day) a resident who walked in."""
    if participant.pk is None:
        participant.team = session.group.team  # a walk-in joins the team of the group they walked into
        register_participant(user, participant, fields=WALK_IN_FIELDS, consent_date=session.date,
                             via="walk_in")
    elif participant.pk in statuses:
        return participant
    if not session.group.enrolments.active(session.date).filter(participant=participant).exists():
        enrol(user, session.group, participant, start_date=session.date,
              referral_source=Enrolment.ReferralSource.SELF, via="walk_in")
    return participant


def _constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""
