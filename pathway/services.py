"""Writes of the bundling board: from chosen help requests to a group, each in one transaction.

Every step goes through ``groups.services`` (enrol, enrol_or_wait, add_interest), so capacity,
the waiting list, the one-enrolment-at-a-time rule, the other-team consent and the matching of the
help request (``participants.services.mark_matched``) are decided there, with their audit events.
Here: the order in which residents get a place (longest waiting first), and "all or none": when
one of the chosen residents is refused, nothing of the action is saved.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collectief.models import log_event
from groups import services as group_services
from groups.models import Group
from participants.models import HelpRequest

VIA = "bundling_board"


@dataclass
class Placed:
    """What an action did: who was enrolled, who went on the waiting list (residents' requests)."""

    group: Group
    enrolled: list[HelpRequest] = field(default_factory=list)
    waiting: list[HelpRequest] = field(default_factory=list)


def _lock_open(help_requests) -> list[HelpRequest]:
    """The chosen requests, locked and still open, longest waiting first; refused when one is not.

    The lock keeps two people from placing the same request at the same moment (two tabs, two
    coordinators): the second waits, then finds it matched and is refused.
    """
    ids = sorted({hr.pk for hr in help_requests})
    if not ids:
        raise ValidationError(_("Choose at least one resident."))
    rows = list(
        HelpRequest.objects.select_for_update(of=("self",)).select_related("participant")
        .filter(pk__in=ids, status=HelpRequest.Status.OPEN).order_by("date", "id")
    )
    if len(rows) != len(ids):
        raise ValidationError(_(
            "One of the chosen help requests is no longer open: someone placed or closed it meanwhile. "
            "Nothing was saved; look at the list again."
        ))
    seen = set()
    for row in rows:
        if row.participant_id in seen:
            raise ValidationError(
                _("%(name)s is chosen twice (two help requests). Choose one of them.")
                % {"name": row.participant.full_name}
            )
        seen.add(row.participant_id)
    return rows


def _refused(help_request: HelpRequest, error: ValidationError) -> ValidationError:
    """The service's reason, with the name of the resident it is about."""
    return ValidationError([
        _("%(name)s: %(reason)s") % {"name": help_request.participant.full_name, "reason": message}
        for message in error.messages
    ])


@transaction.atomic
def place(user, group: Group, help_requests, *, start_date: datetime.date, waiting_list: bool = False) -> Placed:
    """Enrol the residents of the chosen requests in ``group`` (overflow to its waiting list), or,
    with ``waiting_list``, put them all on its waiting list. Each request is linked to what it got."""
    placed = Placed(group)
    for help_request in _lock_open(help_requests):
        participant = help_request.participant
        try:
            if waiting_list:
                group_services.add_interest(user, group, participant, help_request=help_request, via=VIA)
                placed.waiting.append(help_request)
                continue
            enrolment, _interest = group_services.enrol_or_wait(
                user, group, participant, start_date=start_date, help_request=help_request, via=VIA
            )
        except ValidationError as error:
            # Raised out of the atomic block: everything this action did so far is rolled back.
            raise _refused(help_request, error) from error
        (placed.enrolled if enrolment is not None else placed.waiting).append(help_request)
    return placed


@transaction.atomic
def start_group(user, group: Group, help_requests, *, life_domains=(), facilitators=(), fields=()) -> Placed:
    """Start a new group from a bundle and enrol the chosen residents from its start date.

    The group starts as *forming*. Residents beyond its capacity go on its waiting list, longest
    waiting first in line. All or nothing: when one resident is refused, no group is created.
    """
    if not facilitators:
        raise ValidationError(_("A group run by the organisation needs at least one social worker."))
    group.status = Group.Status.FORMING
    group.full_clean()
    group.save()
    group.life_domains.set(life_domains)
    group.facilitators.set(facilitators)
    log_event(user, "group.created", group, {
        "fields": sorted(set(fields) | {"status"}), "via": VIA, "help_requests": sorted(hr.pk for hr in help_requests),
    })
    return place(user, group, help_requests, start_date=group.start_date)

