"""Writes about groups that span several models, each in one transaction with its audit events.

Views bind forms and render; these functions do the work, so the roll call, the enrol page, the
walk-in and future callers (bundling board, API, offline sync) change data the same way. Each
validates with the models' rules (``full_clean``) and raises ``ValidationError`` when they refuse.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from collectief.audit import residents_shown
from collectief.models import EndReason, log_event
from collectief.signals import registration_changed
from collectief.validators import show_date, validate_at_most_a_year_ahead
from participants.models import ChangeWish, Consent, HelpRequest, Participant
from participants.services import (
    CURRENT_WISH_STATUSES,
    mark_matched,
    reflect_on_change_wish,
    register_participant,
    save_change_wish,
    work_on_change_wishes,
)

from .models import (
    Attendance,
    Contributor,
    Enrolment,
    Group,
    GroupCheck,
    GroupStatusChange,
    HandOver,
    Interest,
    Session,
)

SESSION_SLOT_CONSTRAINT = "unique_session_slot"
# What a walk-in gives at the door: all that registering them needs.
WALK_IN_FIELDS = ("first_name", "last_name", "birth_date", "postcode")


class SlotTaken(Exception):
    """The group already has a session at this date and time (a double submit, a second tab)."""

    def __init__(self, existing: Session | None):
        super().__init__("session slot taken")
        self.existing = existing


class GroupFull(ValidationError):
    """The group has no room: the resident goes on the waiting list instead (``enrol_or_wait``)."""

    def __init__(self, group: Group):
        self.group = group
        super().__init__(
            _("%(group)s is full (%(capacity)s places).") % {"group": group.name, "capacity": group.capacity},
            code="full",
        )


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
    help_request: HelpRequest | None = None,
    respect_capacity: bool = True,
    change_wishes=(),
    new_wish: str = "",
) -> Enrolment:
    """Enrol a resident in a group; refused (ValidationError) when it overlaps an enrolment they hold.

    A resident of another team is seen by the group's team from now on: that needs their consent,
    which is recorded with the enrolment (``other_team_consent``), or the enrolment is refused.
    A full group refuses with ``GroupFull`` (unless ``respect_capacity`` is off: a coordinator's
    deliberate extra place). An open ``help_request`` of the resident is matched to the enrolment.
    The resident's ``change_wishes`` chosen for this group, and a ``new_wish`` written in their own
    words, are linked to the enrolment (``link_change_wishes``).
    """
    if respect_capacity and not group.has_room(start_date):
        raise GroupFull(group)
    if help_request is not None and help_request.participant_id != participant.pk:
        raise ValidationError(_("This help request belongs to another resident."))
    wishes = list(change_wishes)
    if any(wish.participant_id != participant.pk for wish in wishes):
        raise ValidationError(_("This change wish belongs to another resident."))
    enrolment = Enrolment(
        group=group, participant=participant, role=role, referral_source=referral_source, start_date=start_date,
        help_request=help_request,
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
    if help_request is not None:
        data["help_request"] = help_request.pk
    log_event(user, "enrolment.created", enrolment, data)
    if help_request is not None and help_request.is_open:
        mark_matched(user, help_request, enrolment_id=enrolment.pk)
    if new_wish.strip():
        wishes.append(save_change_wish(
            user, ChangeWish(participant=participant, text=new_wish.strip(), status=ChangeWish.Status.WORKING),
            fields=["text", "status"], via="enrol",
        ))
    if wishes:
        link_change_wishes(user, enrolment, wishes)
    _leave_list_enrolled(user, enrolment)
    return enrolment


@transaction.atomic
def link_change_wishes(user, enrolment: Enrolment, wishes) -> list[ChangeWish]:
    """Link change wishes of the enrolled resident to the enrolment: the thread through the group.

    Working on a wish in a group is what "mee bezig" means: an open wish becomes "working".
    """
    wishes = list(wishes)
    if any(wish.participant_id != enrolment.participant_id for wish in wishes):
        raise ValidationError(_("This change wish belongs to another resident."))
    if not wishes:
        return []
    enrolment.change_wishes.add(*wishes)
    log_event(user, "enrolment.updated", enrolment,
              {"fields": ["change_wishes"], "change_wishes": sorted(wish.pk for wish in wishes)})
    work_on_change_wishes(user, wishes, via="enrol")
    return wishes


def _leave_list_enrolled(user, enrolment: Enrolment) -> None:
    """A resident on the group's waiting list who is enrolled (from the list or not) leaves it as enrolled."""
    left = Interest.objects.waiting().filter(group=enrolment.group_id, participant=enrolment.participant_id).update(
        status=Interest.Status.ENROLLED, enrolment=enrolment, ended_on=timezone.localdate(), updated_at=timezone.now(),
    )
    if left:
        log_event(user, "interest.updated", enrolment.participant, {
            "fields": ["status", "enrolment"], "group": enrolment.group_id, "status": Interest.Status.ENROLLED,
        })


# --- The waiting list ------------------------------------------------------------------------------


@transaction.atomic
def add_interest(
    user, group: Group, participant: Participant, *, help_request: HelpRequest | None = None,
    referral_source: str = "", since: datetime.date | None = None, via: str = "",
) -> Interest:
    """Put a resident on a group's waiting list (refused when already on it)."""
    if not group.is_logged_by_organisation:
        raise ValidationError(_("This group no longer takes new residents."))
    if participant.team_id != group.team_id:
        raise ValidationError(_("Only residents of the group's team can be put on its waiting list."))
    if group.interests.waiting().filter(participant=participant).exists():
        raise ValidationError(_("This resident is already on the waiting list of this group."))
    if group.enrolments.not_ended(since or timezone.localdate()).filter(participant=participant).exists():
        raise ValidationError(_("This resident is already enrolled in this group."))
    interest = Interest(
        group=group, participant=participant, help_request=help_request, referral_source=referral_source,
        since=since or timezone.localdate(), created_by=user if getattr(user, "pk", None) else None,
    )
    interest.full_clean(exclude=["created_by"])
    interest.save()
    data = {"fields": ["group", "participant", "since"], "group": group.pk}
    if via:
        data["via"] = via
    log_event(user, "interest.created", participant, data)
    return interest


@transaction.atomic
def enrol_or_wait(
    user, group: Group, participant: Participant, *, start_date: datetime.date,
    help_request: HelpRequest | None = None, referral_source: str = "", via: str = "",
) -> tuple[Enrolment | None, Interest | None]:
    """Enrol when the group has room, else put the resident on its waiting list (overflow)."""
    if group.has_room(start_date):
        return enrol(user, group, participant, start_date=start_date, help_request=help_request,
                     referral_source=referral_source, via=via), None
    return None, add_interest(user, group, participant, help_request=help_request,
                              referral_source=referral_source, via=via)


@transaction.atomic
def invite_to_trial(user, interest: Interest, session: Session | None = None, *,
                    on: datetime.date | None = None) -> Interest:
    """Invite a resident on the list to try the group ("proef") at a session, or on a day it meets.

    Sessions are logged on the day itself, so an invitation usually names a planned date (``on``);
    the roll call of that day lists the resident with a "proef" badge. A logged session of that
    day is linked when there is one.
    """
    if not interest.is_waiting:
        raise ValidationError(_("This resident is no longer on the waiting list."))
    group = interest.group
    if session is not None:
        if session.group_id != interest.group_id:
            raise ValidationError(_("Choose a session of this group."))
        on = session.date
    if on is None:
        raise ValidationError(_("Choose the day of the trial session."))
    _check_trial_day(group, on)
    if session is None:
        session = group.sessions.filter(date=on).exclude(status=Session.Status.CANCELLED).order_by("start_time").first()
    if session is not None and session.status == Session.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled: choose another day."))
    interest.status, interest.trial_session, interest.trial_date = Interest.Status.TRIAL, session, on
    interest.save(update_fields=["status", "trial_session", "trial_date", "updated_at"])
    log_event(user, "interest.updated", interest.participant, {
        "fields": ["status", "trial_session", "trial_date"], "group": interest.group_id, "status": interest.status,
        "trial_date": on.isoformat(),
    })
    return interest


def _check_trial_day(group: Group, on: datetime.date) -> None:
    """A trial day lies in the group's period, before any hand-over, and at most a year ahead."""
    validate_at_most_a_year_ahead(on)
    if on < group.start_date or (group.end_date and on > group.end_date) or group.handed_over_by(on):
        raise ValidationError(_("Choose a day on which the group meets (from %(start)s%(until)s).") % {
            "start": show_date(group.start_date),
            "until": _(" to %(end)s") % {"end": show_date(group.end_date)} if group.end_date else "",
        })


@transaction.atomic
def enrol_from_list(
    user, interest: Interest, *, start_date: datetime.date | None = None, respect_capacity: bool = True
) -> Enrolment:
    """One tap: enrol a resident from the waiting list (their help request is matched)."""
    if not interest.is_waiting:
        raise ValidationError(_("This resident is no longer on the waiting list."))
    help_request = interest.help_request if interest.help_request_id else None
    enrolment = enrol(
        user, interest.group, interest.participant, start_date=start_date or timezone.localdate(),
        help_request=help_request if help_request is not None and help_request.is_open else None,
        referral_source=interest.referral_source, via="waiting_list", respect_capacity=respect_capacity,
    )
    # enrol() took the resident off the list (status enrolled, audited); mirror it on this object.
    interest.status, interest.enrolment, interest.ended_on = Interest.Status.ENROLLED, enrolment, timezone.localdate()
    return enrolment


@transaction.atomic
def withdraw_interest(user, interest: Interest) -> Interest:
    """The resident leaves the waiting list (no longer interested, found something else)."""
    if not interest.is_waiting:
        raise ValidationError(_("This resident is no longer on the waiting list."))
    interest.status, interest.ended_on = Interest.Status.WITHDRAWN, timezone.localdate()
    interest.save(update_fields=["status", "ended_on", "updated_at"])
    log_event(user, "interest.updated", interest.participant,
              {"fields": ["status"], "group": interest.group_id, "status": interest.status})
    return interest


# --- Series ----------------------------------------------------------------------------------------

# What a next series copies from the one before: everything but dates, status and people.
SERIES_COPIED = (
    "name", "public_name", "kind", "theme", "framework", "team", "neighbourhood", "location", "rhythm",
    "usual_weekday", "usual_time", "usual_duration_minutes", "planned_sessions", "capacity",
)


@transaction.atomic
def plan_next_series(user, group: Group, *, start_date: datetime.date) -> Group:
    """A course's next series: a new group with the same set-up, numbered one higher."""
    if getattr(group, "next_series", None) is not None:
        raise ValidationError(_("The next series of this course is already planned."))
    if group.series_number is None:
        group.series_number = 1
        group.save(update_fields=["series_number", "updated_at"])
    following = Group(**{name: getattr(group, name) for name in SERIES_COPIED})
    following.previous_series, following.series_number = group, group.series_number + 1
    following.start_date, following.status = start_date, Group.Status.FORMING
    following.full_clean()
    following.save()
    following.life_domains.set(group.life_domains.all())
    following.facilitators.set(group.facilitators.all())
    following.contributors.set(group.contributors.all())
    log_event(user, "group.created", following,
              {"fields": ["series_number", "start_date"], "previous_series": group.pk})
    record_status(user, following, on=timezone.localdate())
    return following


@transaction.atomic
def end_into_next_series(user, enrolment: Enrolment, *, end_date: datetime.date, reflections=()) -> Enrolment:
    """End an enrolment with "next series" and enrol the resident in the course's next series.

    The change wishes still open or worked on after the reflections go along to the next series.
    """
    following = getattr(enrolment.group, "next_series", None)
    if following is None:
        raise ValidationError(_("Plan the next series of this course first."))
    end_enrolment(user, enrolment, end_date=end_date, end_reason=EndReason.objects.get(code="next_series"),
                  reflections=reflections)
    start = max(following.start_date, end_date + datetime.timedelta(days=1))
    carried = list(ChangeWish.objects.filter(enrolments=enrolment, status__in=CURRENT_WISH_STATUSES).order_by("pk"))
    return enrol(user, following, enrolment.participant, start_date=start, role=enrolment.role,
                 referral_source=enrolment.referral_source, via="next_series", change_wishes=carried)


# --- Status history and hand-over -----------------------------------------------------------------


@transaction.atomic
def change_group_status(user, group: Group, status: str, *, on: datetime.date | None = None, note: str = "") -> Group:
    """Move a group on (forming → running → phasing out → self-running or ended), keeping the history.

    Self-running sets the hand-over date to ``on`` (no roll call from that day on); ended sets the
    end date. Taking a self-running group back (a correction, or the organisation runs it again)
    clears the hand-over date, so that its sessions are logged again; the history keeps both steps.
    """
    on = on or timezone.localdate()
    if status == group.status:
        raise ValidationError(_("The group already has this status."))
    fields = ["status"]
    previous, group.status = group.status, status
    if status == Group.Status.SELF_RUNNING:
        group.handed_over_on = on
        fields.append("handed_over_on")
    elif status == Group.Status.ENDED:
        group.end_date = on
        fields.append("end_date")
    elif previous == Group.Status.SELF_RUNNING and group.handed_over_on:
        group.handed_over_on = None
        fields.append("handed_over_on")
    group.full_clean()
    group.save(update_fields=[*fields, "updated_at"])
    log_event(user, "group.updated", group, {"fields": fields, "status": status})
    record_status(user, group, on=on, note=note)
    if status == Group.Status.SELF_RUNNING:
        _end_support_at_hand_over(user, group, on)
    return group


def _end_support_at_hand_over(user, group: Group, handed_over_on: datetime.date) -> int:
    """The organisation's support ends at the hand-over: the enrolments still running end the day
    before, with end reason ``self_running`` (the outflow figure counts them so). The residents go
    on meeting; the group's own co-leads run it from now on."""
    reason = EndReason.objects.get(code="self_running")
    last_day = handed_over_on - datetime.timedelta(days=1)
    ended = 0
    for enrolment in group.enrolments.not_ended(handed_over_on).select_related("participant"):
        end_enrolment(user, enrolment, end_date=max(last_day, enrolment.start_date), end_reason=reason)
        ended += 1
    return ended


def record_status(user, group: Group, *, on: datetime.date, note: str = "") -> GroupStatusChange:
    """Add the group's current status to its dated history (a new group, a status changed on the form)."""
    change = GroupStatusChange(group=group, status=group.status, date=on, note=note,
                               changed_by=user if getattr(user, "pk", None) else None)
    change.full_clean(exclude=["group", "changed_by"])
    change.save()
    log_event(user, "group_status.created", change, {"group": group.pk, "status": change.status,
                                                     "date": on.isoformat()})
    return change


def status_date(group: Group, today: datetime.date) -> datetime.date:
    """The day a status set on the group form took effect: the hand-over or end date when it has one."""
    if group.status == Group.Status.SELF_RUNNING and group.handed_over_on:
        return group.handed_over_on
    if group.status == Group.Status.ENDED and group.end_date:
        return group.end_date
    return today


@transaction.atomic
def save_hand_over(user, hand_over: HandOver, *, fields=()) -> HandOver:
    """Start or update the phase-out plan: the group moves to "phasing out" when it starts."""
    created = hand_over.pk is None
    hand_over.updated_by = user if getattr(user, "pk", None) else None
    hand_over.full_clean(exclude=["updated_by"])
    hand_over.save()
    log_event(user, "hand_over.created" if created else "hand_over.updated", hand_over,
              {"fields": sorted(fields), "group": hand_over.group_id})
    group = hand_over.group
    if group.status in (Group.Status.FORMING, Group.Status.RUNNING):
        change_group_status(user, group, Group.Status.PHASING_OUT, note="")
    return hand_over


@transaction.atomic
def set_co_leads(user, group: Group, chosen_ids, *, on: datetime.date | None = None) -> int:
    """Make the chosen members co-leads (mede-begeleiders) and the other members plain participants."""
    chosen, changed = set(chosen_ids), 0
    for enrolment in group.enrolments.not_ended(on or timezone.localdate()).order_by("pk"):
        role = Enrolment.Role.CO_LEAD if enrolment.pk in chosen else Enrolment.Role.PARTICIPANT
        if enrolment.role != role:
            enrolment.role = role
            enrolment.save(update_fields=["role"])
            log_event(user, "enrolment.updated", enrolment, {"fields": ["role"], "role": role})
            changed += 1
    return changed


@transaction.atomic
def hand_over_group(user, group: Group, *, today: datetime.date | None = None) -> Group:
    """"Overdragen": on or after the planned day the group becomes self-running from that day."""
    today = today or timezone.localdate()
    hand_over = getattr(group, "hand_over", None)
    if hand_over is None:
        raise ValidationError(_("Plan the hand-over first (afbouwen): the date and the checklist."))
    if not group.is_logged_by_organisation:
        raise ValidationError(_("This group is no longer run by the organisation."))
    if today < hand_over.planned_on:
        raise ValidationError(_("The hand-over is planned for %(date)s: hand the group over on or after that day.")
                              % {"date": show_date(hand_over.planned_on)})
    return change_group_status(user, group, Group.Status.SELF_RUNNING, on=hand_over.planned_on)


@transaction.atomic
def record_check(user, group: Group, *, still_meets: bool, approx_attendance: int | None = None,
                 on: datetime.date | None = None) -> GroupCheck:
    """"Draait het nog?" for a self-running group."""
    if group.status != Group.Status.SELF_RUNNING:
        raise ValidationError(_("Only a self-running group is checked this way."))
    check = GroupCheck(group=group, still_meets=still_meets, approx_attendance=approx_attendance,
                       date=on or timezone.localdate(), checked_by=user if getattr(user, "pk", None) else None)
    check.full_clean(exclude=["group", "checked_by"])
    check.save()
    log_event(user, "group_check.created", check, {"group": group.pk, "still_meets": still_meets})
    return check


@transaction.atomic
def add_contributor(user, group: Group, contributor: Contributor, *, fields=()) -> Contributor:
    """Register a begeleider in the group's team and let them help run the group."""
    contributor.team = group.team
    contributor.full_clean(exclude=["team", "participant"])
    contributor.save()
    group.contributors.add(contributor)
    log_event(user, "contributor.created", contributor, {"fields": sorted(fields), "group": group.pk})
    return contributor


@dataclass
class WishReflection:
    """"Hoe staat het met je veranderwens?" for one change wish: the resident's words and its status."""

    wish: ChangeWish
    text: str = ""
    status: str = ""

    @property
    def answered(self) -> bool:
        return bool(self.text.strip()) or bool(self.status and self.status != self.wish.status)


@transaction.atomic
def end_enrolment(
    user, enrolment: Enrolment, *, end_date: datetime.date, end_reason: EndReason, reflections=()
) -> Enrolment:
    """Uitstroom: end an enrolment on a date, for a reason, with how each change wish stands.

    ``reflections`` (``WishReflection``) are saved in the same transaction: a reflection note in the
    resident's own words and the wish's status. A wish of the resident that was not linked to the
    enrolment yet is linked when it is answered (an enrolment made from the waiting list or the
    bundling board starts without one).
    """
    answered = [r for r in reflections if r.answered]
    if any(r.wish.participant_id != enrolment.participant_id for r in answered):
        raise ValidationError(_("This change wish belongs to another resident."))
    enrolment.end_date, enrolment.end_reason = end_date, end_reason
    enrolment.full_clean(exclude=["change_wishes"])
    enrolment.save(update_fields=["end_date", "end_reason"])
    log_event(user, "enrolment.updated", enrolment, {"fields": ["end_date", "end_reason"]})
    linked = set(enrolment.change_wishes.values_list("pk", flat=True)) if answered else set()
    unlinked = [r.wish for r in answered if r.wish.pk not in linked]
    if unlinked:
        enrolment.change_wishes.add(*unlinked)
        log_event(user, "enrolment.updated", enrolment,
                  {"fields": ["change_wishes"], "change_wishes": sorted(wish.pk for wish in unlinked)})
    for reflection in answered:
        reflect_on_change_wish(user, reflection.wish, text=reflection.text, status=reflection.status,
                               on=end_date, enrolment_id=enrolment.pk)
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
    if "date" in fields:
        # A session moved to another day (and maybe quarter): its old day is not known here, so
        # every cached figure is refreshed (an UPDATE sends no post_save; reporting/cache.py).
        registration_changed.send(sender=Session)


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
