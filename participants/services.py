"""Writes about residents that span several models, each in one transaction with its audit events.

Views bind forms and render; these functions do the work, so the walk-in at a session, the
registration page and future callers (bundling board, API) register a resident the same way.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from collectief.models import PostcodeArea, log_event

from .models import Consent, HelpRequest, Participant


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
def route_help_request(user, help_request: HelpRequest, *, fields=()) -> HelpRequest:
    """Save a help request with the route chosen for it (and, when individual, the *tenzij* reason).

    The model decides what a valid route is (``HelpRequest.clean``); the event is logged against
    the resident, so "who touched this resident's record" stays one lookup.
    """
    created = help_request.pk is None
    help_request.full_clean()
    help_request.save()
    log_event(
        user,
        "help_request.created" if created else "help_request.updated",
        help_request.participant,
        {"help_request": help_request.pk, "fields": sorted(fields), "route": help_request.route},
    )
    return help_request
