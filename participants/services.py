"""Writes about residents that span several models, each in one transaction with its audit events.

Views bind forms and render; these functions do the work, so the walk-in at a session, the
registration page and future callers (bundling board, API) register a resident the same way.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief.models import PostcodeArea, log_event
from collectief.validators import validate_not_in_future, validate_plausible_date

from .models import (
    ChangeWish,
    ChangeWishNote,
    Consent,
    ErasureRequest,
    HelpRequest,
    IndividualSupport,
    Measurement,
    Participant,
    RouteChange,
    may_decide_erasure,
)

# What an anonymised resident looks like (services.erase_participant). The birth date is a fixed
# date: no figure uses age (reporting/kpi.py), so not even the year is kept.
ERASED_FIRST_NAME = "Geanonimiseerd"
ERASED_BIRTH_DATE = datetime.date(1900, 1, 1)
CONSENT_WITHDRAWN_REASON = "consent withdrawn"


@transaction.atomic
def register_participant(
    user,
    participant: Participant,
    *,
    fields,
    consent_date: datetime.date | None = None,
    via: str = "",
    duplicate_warning_overridden: bool = False,
) -> Participant:
    """Save a new resident with their consent to be registered, and audit both.

    Registering a person needs their consent: the caller has asked for it (a required checkbox).
    ``fields`` names the fields that were filled in (names only, never values, go to the trail).
    """
    participant.created_by = user
    if participant.postcode and not participant.neighbourhood_id:
        participant.neighbourhood = PostcodeArea.objects.neighbourhood_for(
            participant.postcode, [participant.team.municipality_id]
        )
    participant.full_clean()
    participant.save()
    participant.record_consent(Consent.Purpose.REGISTRATION, True, user, date=consent_date or timezone.localdate())
    data = {
        "fields": sorted(fields),
        "consent": "registration",
        "duplicate_warning_overridden": duplicate_warning_overridden,
    }
    if via:
        data["via"] = via
    log_event(user, "participant.created", participant, data)
    return participant


@transaction.atomic
def route_help_request(user, help_request: HelpRequest, *, fields=(), why: str = "") -> HelpRequest:
    """Save a help request with the route chosen for it (and, when individual, the *tenzij* reason).

    The model decides what a valid route is (``HelpRequest.clean``); a new request, or a changed
    route, adds a step to the route history (``RouteChange``: who, when, why). The event is logged
    against the resident, so "who touched this resident's record" stays one lookup.
    """
    created = help_request.pk is None
    before = None if created else HelpRequest.objects.filter(pk=help_request.pk).values_list(
        "route", "tenzij_reason"
    ).first()
    if created and help_request.created_by_id is None and getattr(user, "pk", None):
        help_request.created_by = user
    help_request.full_clean()
    help_request.save()
    if before != (help_request.route, help_request.tenzij_reason):
        _route_step(user, help_request, why, on=help_request.date if created else None)
    log_event(
        user,
        "help_request.created" if created else "help_request.updated",
        help_request.participant,
        {"help_request": help_request.pk, "fields": sorted(fields), "route": help_request.route},
    )
    return help_request


def _route_step(user, help_request: HelpRequest, why: str, on: datetime.date | None = None) -> RouteChange:
    step = RouteChange(
        help_request=help_request, route=help_request.route, tenzij_reason=help_request.tenzij_reason,
        date=on or timezone.localdate(), why=why, changed_by=user if getattr(user, "pk", None) else None,
    )
    step.full_clean(exclude=["help_request", "changed_by"])
    step.save()
    return step


@transaction.atomic
def weigh_request(
    user, help_request: HelpRequest, *, route: str, tenzij_reason: str = "", why: str = ""
) -> HelpRequest:
    """The weighing step of "collectief, tenzij": record the route chosen today, and why.

    Every step is kept (``RouteChange``), also when the route stays the same with a new reason.
    Only an open request is weighed.
    """
    if not help_request.is_open:
        raise ValidationError(_("This request is no longer open."))
    help_request.route, help_request.tenzij_reason = route, tenzij_reason
    help_request.full_clean()
    help_request.save(update_fields=["route", "tenzij_reason"])
    _route_step(user, help_request, why)
    log_event(user, "help_request.updated", help_request.participant,
              {"help_request": help_request.pk, "fields": ["route", "tenzij_reason"], "route": route})
    return help_request


def mark_matched(user, help_request: HelpRequest, *, support: IndividualSupport | None = None,
                 enrolment_id: int | None = None) -> HelpRequest:
    """The request is answered: by an enrolment in a group (``groups.services`` links it) or by
    individual support. Call inside the transaction that made the enrolment or support."""
    if not help_request.is_open:
        raise ValidationError(_("This request is no longer open."))
    help_request.status = HelpRequest.Status.MATCHED
    help_request.closed_on = timezone.localdate()
    fields = ["status", "closed_on"]
    if support is not None:
        help_request.matched_support = support
        fields.append("matched_support")
    help_request.full_clean()
    help_request.save(update_fields=fields)
    data = {"help_request": help_request.pk, "fields": fields, "status": help_request.status}
    if enrolment_id:
        data["enrolment"] = enrolment_id
    log_event(user, "help_request.updated", help_request.participant, data)
    return help_request


@transaction.atomic
def match_to_support(user, help_request: HelpRequest, support: IndividualSupport) -> HelpRequest:
    """Answer the request with a period of individual support of the same resident."""
    if support.participant_id != help_request.participant_id:
        raise ValidationError(_("This support belongs to another resident."))
    return mark_matched(user, help_request, support=support)


@transaction.atomic
def close_request(user, help_request: HelpRequest, *, reason: str, on: datetime.date | None = None) -> HelpRequest:
    """Close an open request without a match, for a reason (answered, helped elsewhere, …)."""
    if not help_request.is_open:
        raise ValidationError(_("This request is no longer open."))
    help_request.status = HelpRequest.Status.CLOSED
    help_request.close_reason = reason
    help_request.closed_on = on or timezone.localdate()
    help_request.full_clean()
    help_request.save(update_fields=["status", "close_reason", "closed_on"])
    log_event(user, "help_request.updated", help_request.participant,
              {"help_request": help_request.pk, "fields": ["status", "close_reason", "closed_on"],
               "status": help_request.status})
    return help_request


@transaction.atomic
def reopen_request(user, help_request: HelpRequest) -> HelpRequest:
    """Undo a close (a mistake, or the resident comes back with the same question).

    Only a closed request: a matched one was answered by a group or support (end that instead)."""
    if help_request.status != HelpRequest.Status.CLOSED:
        raise ValidationError(_("Only a closed request can be reopened."))
    help_request.status, help_request.close_reason, help_request.closed_on = HelpRequest.Status.OPEN, "", None
    help_request.save(update_fields=["status", "close_reason", "closed_on"])
    log_event(user, "help_request.updated", help_request.participant,
              {"help_request": help_request.pk, "fields": ["status"], "status": help_request.status})
    return help_request


@transaction.atomic
def set_preferred_times(user, help_request: HelpRequest, *, days=(), dayparts=()) -> HelpRequest:
    """Record the days and dayparts that suit the resident for this request (none: not asked yet).

    Kept in the week's order (Monday first; morning, afternoon, evening), so the queue, the board's
    daypart facet and the audit trail read the same whatever order the boxes were ticked in.
    """
    names = ["preferred_days", "preferred_dayparts"]
    before = [list(getattr(help_request, name)) for name in names]
    help_request.preferred_days = sorted({int(day) for day in days})
    help_request.preferred_dayparts = list(dict.fromkeys(dayparts))
    help_request.clean_fields(exclude=[f.name for f in HelpRequest._meta.fields if f.name not in names])
    order = [code for code, _label in HelpRequest.Daypart.choices]
    help_request.preferred_dayparts.sort(key=order.index)
    help_request.save(update_fields=names)
    changed = [name for name, old in zip(names, before, strict=True) if getattr(help_request, name) != old]
    log_event(user, "help_request.updated", help_request.participant,
              {"help_request": help_request.pk, "fields": changed})
    return help_request


@transaction.atomic
def record_consent(user, consent: Consent) -> ErasureRequest | None:
    """Save a consent decision and audit it; withdrawn registration consent starts the erasure route.

    Returns the erasure request that was made (or already pending) when registration consent was
    withdrawn, else None. Erasing still needs another coordinator's confirmation.
    """
    consent.save()
    participant = consent.participant
    log_event(
        user, "consent.created", participant,
        {"consent": consent.pk, "purpose": consent.purpose, "given": consent.given},
    )
    if consent.purpose != Consent.Purpose.REGISTRATION or consent.given or participant.is_erased:
        return None
    request, _created = request_erasure(
        user, participant, reason=CONSENT_WITHDRAWN_REASON, source=ErasureRequest.Source.CONSENT
    )
    return request


class ErasureRefused(Exception):
    """The erasure route refuses this step; the message says why, for the user."""


@transaction.atomic
def request_erasure(
    user, participant: Participant, *, reason: str = "", source: str = ErasureRequest.Source.COORDINATOR
) -> tuple[ErasureRequest, bool]:
    """Ask for a resident's erasure: (the pending request, whether this call made or took it over).

    A request the retention task proposed (nobody asked yet) becomes this user's request. A
    request already asked by someone stays as it is. The caller checked the user's role.
    """
    if participant.is_erased:
        raise ErasureRefused(_("This resident's data have already been anonymised."))
    pending = participant.erasure_requests.pending().select_for_update().first()
    if pending is not None:
        if pending.requested_by_id is not None:
            return pending, False
        pending.requested_by, pending.requested_at = user, timezone.now()
        pending.save(update_fields=["requested_by", "requested_at"])
        log_event(
            user, "erasure_request.updated", participant, {"erasure_request": pending.pk, "fields": ["requested_by"]}
        )
        return pending, True
    try:
        with transaction.atomic():
            request = ErasureRequest.objects.create(
                participant=participant, requested_by=user, reason=reason[:200], source=source
            )
    except IntegrityError:
        # Another tab or the nightly task made one at the same moment: that one stands.
        return participant.erasure_requests.pending().get(), False
    log_event(user, "erasure_request.created", participant, {"erasure_request": request.pk, "source": source})
    return request, True


@transaction.atomic
def cancel_erasure(user, erasure_request: ErasureRequest) -> bool:
    """Cancel a pending request (the resident's data stay); False when it was no longer pending."""
    now = timezone.now()
    pending = ErasureRequest.objects.filter(pk=erasure_request.pk, status=ErasureRequest.Status.REQUESTED)
    cancelled = pending.update(status=ErasureRequest.Status.CANCELLED, cancelled_by=user, cancelled_at=now)
    if cancelled:
        log_event(
            user, "erasure_request.cancelled", erasure_request.participant, {"erasure_request": erasure_request.pk}
        )
    return bool(cancelled)


@transaction.atomic
def erase_participant(user, erasure_request: ErasureRequest) -> Participant:
    """Confirm a pending erasure request and anonymise the resident, in one transaction.

    Like a shredder (pretix base/shredder.py), but nothing is exported automatically: a
    coordinator who needs the data exports them first. Personal data are replaced by anonymous
    values; the rows that figures depend on stay (enrolments, attendance, the dates and routes of
    help requests, support periods, the neighbourhood and team: ``by_neighbourhood`` counts by
    the resident's neighbourhood), so historic figures and approved reports stay right. Positive
    Health measurements, which no figure outside the resident's page uses, are deleted.
    """
    request = ErasureRequest.objects.select_for_update().select_related("participant").get(pk=erasure_request.pk)
    participant = request.participant
    if not request.is_pending:
        raise ErasureRefused(_("This erasure request is no longer pending."))
    if request.requested_by_id is None:
        raise ErasureRefused(_("Nobody has requested this erasure yet: request it; another coordinator confirms."))
    if request.requested_by_id == user.pk:
        raise ErasureRefused(_("You requested this erasure yourself: another coordinator must confirm it."))
    if not may_decide_erasure(user, participant):
        raise ErasureRefused(_("Only another coordinator of the resident's team or an administrator can confirm."))
    now = timezone.now()
    counts = _anonymise(participant, now)
    request.status, request.confirmed_by, request.confirmed_at = ErasureRequest.Status.CONFIRMED, user, now
    request.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    log_event(user, "participant.erased", participant, {
        "erasure_request": request.pk, "requested_by": request.requested_by_id, "source": request.source, **counts,
    })
    participant.refresh_from_db()
    return participant


def _anonymise(participant: Participant, now) -> dict:
    """Replace the resident's personal data by anonymous values; returns counts for the audit trail.

    UPDATEs in bulk, bypassing the models' validation on purpose: an anonymous value need not
    be a plausible one (an empty theme, a birth date in 1900).
    """
    pk = participant.pk
    Participant.objects.filter(pk=pk).update(
        first_name=ERASED_FIRST_NAME, last_name=f"#{pk}", birth_date=ERASED_BIRTH_DATE, postcode="",
        phone="", email="", external_id=None, preferred_language=Participant.Language.OTHER,
        is_volunteer=False, erased_at=now, updated_at=now,
    )
    measurements = participant.measurements.all().delete()[0]
    return {
        "consents": participant.consents.update(recorded_by=None),
        "change_wishes": participant.change_wishes.update(text="", life_domain=None),
        "help_requests": participant.help_requests.update(theme="", life_domain=None, external_id=None),
        # Free text about the resident: why a route was chosen, earlier wordings of a change wish.
        "route_changes": RouteChange.objects.filter(help_request__participant=participant).update(why=""),
        "change_wish_notes": ChangeWishNote.objects.filter(change_wish__participant=participant).update(text=""),
        # A story is told with consent to be quoted; erasure ends that: the stories go.
        "stories": participant.stories.all().delete()[0],
        # A referral's note is free text about the resident; the referral itself stays (figures).
        "referral_notes": participant.referrals.exclude(note="").update(note=""),
        # Sign-ups from the group finder that led to this resident: a first contact, nothing more.
        "signups": participant.signups.all().delete()[0],
        # The product can say much (debt counselling); each row keeps a unique stand-in, because
        # (participant, product, framework, start date) is unique.
        "individual_supports": participant.individual_supports.update(
            product=Concat(models.Value("#"), Cast("pk", models.CharField()))
        ),
        "measurements_deleted": measurements,
        # A resident who also volunteers keeps that role apart; the link to this record goes.
        "contributor_links": participant.contributor_roles.update(participant=None),
    }


# --- Change wishes (veranderwens): the resident's own words, and their history ---------------------

# A wish that is achieved or let go is closed (it gets an end date); open and working ones are current.
CLOSED_WISH_STATUSES = (ChangeWish.Status.ACHIEVED, ChangeWish.Status.DROPPED)
CURRENT_WISH_STATUSES = (ChangeWish.Status.OPEN, ChangeWish.Status.WORKING)


def _author(user):
    return user if getattr(user, "pk", None) else None


@transaction.atomic
def save_change_wish(user, wish: ChangeWish, *, fields=(), via: str = "") -> ChangeWish:
    """Add or save a change wish; a new wording keeps the text it replaces ("eerder verwoord als").

    The question people come with is often not the one they end up working on: every save that
    changes the text adds a ``ChangeWishNote(kind="reworded")`` holding the previous text, in the
    same transaction. The stored text is read under a row lock, so two people rewording at once
    each keep the text they replaced.
    """
    created = wish.pk is None
    previous = None
    if not created:
        previous = ChangeWish.objects.select_for_update().filter(pk=wish.pk).values_list("text", flat=True).first()
        if previous is None:
            raise ValidationError(_("This change wish was deleted in the meantime."))
    wish.full_clean(exclude=["participant"])
    wish.save()
    data = {"change_wish": wish.pk, "fields": sorted(fields)}
    if via:
        data["via"] = via
    if previous is not None and previous != wish.text:
        note = ChangeWishNote(change_wish=wish, kind=ChangeWishNote.Kind.REWORDED, text=previous,
                              date=timezone.localdate(), created_by=_author(user))
        note.save()
        data["note"] = note.pk
    # Logged against the resident, so "who touched this resident's record" is one lookup.
    log_event(user, "change_wish.created" if created else "change_wish.updated", wish.participant, data)
    return wish


@transaction.atomic
def work_on_change_wishes(user, wishes, *, via: str = "") -> list[ChangeWish]:
    """The resident starts working on these wishes in a group: an open one becomes "mee bezig"."""
    started = [wish for wish in wishes if wish.status == ChangeWish.Status.OPEN]
    if not started:
        return []
    now = timezone.now()
    ChangeWish.objects.filter(pk__in=[wish.pk for wish in started]).update(
        status=ChangeWish.Status.WORKING, updated_at=now
    )
    for wish in started:
        wish.status, wish.updated_at = ChangeWish.Status.WORKING, now
        data = {"change_wish": wish.pk, "fields": ["status"], "status": wish.status}
        if via:
            data["via"] = via
        log_event(user, "change_wish.updated", wish.participant, data)
    return started


@transaction.atomic
def reflect_on_change_wish(
    user, wish: ChangeWish, *, text: str = "", status: str | None = None, on: datetime.date,
    enrolment_id: int | None = None,
) -> ChangeWishNote | None:
    """"Hoe staat het met je veranderwens?" at the end of an enrolment.

    The answer in the resident's own words (optional) becomes a ``reflection`` note linked to the
    enrolment; a new status is saved with it, closing the wish on ``on`` when it is achieved or let
    go (reopening it clears the end date). The note is dated ``on``, or today when ``on`` lies ahead.
    """
    text = (text or "").strip()
    note, fields = None, []
    if text:
        note = ChangeWishNote(
            change_wish=wish, kind=ChangeWishNote.Kind.REFLECTION, text=text, date=min(on, timezone.localdate()),
            enrolment_id=enrolment_id, created_by=_author(user),
        )
        note.full_clean(exclude=["change_wish", "created_by"])
        note.save()
    if status and status != wish.status:
        wish.status = status
        wish.end_date = max(on, wish.start_date) if status in CLOSED_WISH_STATUSES else None
        wish.full_clean(exclude=["participant", "life_domain"])
        wish.save(update_fields=["status", "end_date", "updated_at"])
        fields = ["status", "end_date"]
    if note is not None or fields:
        data = {"change_wish": wish.pk, "fields": fields, "enrolment": enrolment_id}
        if note is not None:
            data["note"] = note.pk
        if fields:
            data["status"] = wish.status
        log_event(user, "change_wish.updated", wish.participant, data)
    return note


@transaction.atomic
def record_measurement(user, measurement: Measurement, fields: list[str] | None = None) -> Measurement:
    """Save a Positive Health conversation (new or corrected) and audit it against the resident.

    The scores are the resident's own view, for the conversation: the audit event names the
    measurement, its moment and the changed fields, never a score. Raises ``ValidationError`` (the
    model's rules, a date in the future, an unknown dimension in ``talk_about``), saving nothing.
    """
    creating = measurement.pk is None
    measurement.talk_about = [code for code in Measurement.DIMENSIONS if code in set(measurement.talk_about or [])]
    measurement.full_clean(exclude=["participant"])
    try:
        validate_plausible_date(measurement.date)
        validate_not_in_future(measurement.date)
    except ValidationError as error:
        raise ValidationError({"date": error.messages}) from None
    measurement.save()
    data = {"measurement": measurement.pk, "moment": measurement.moment}
    if not creating:
        data["fields"] = list(fields or [])
    log_event(user, "measurement.created" if creating else "measurement.updated", measurement.participant, data)
    return measurement
