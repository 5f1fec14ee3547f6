"""Referrals with feedback: refer a resident to an offer, and record what came of it.

Both writes are one transaction with their audit event, against the resident (``referral.created``,
``referral.updated``). A referral passes the resident's name and a short note on to whoever runs
the offer, so it needs the resident's consent "delen met een netwerkpartner"
(``Consent.Purpose.SHARE_PARTNER``), whatever the offer's source — our own groups included: they
are run with begeleiders (volunteers, peer experts, partner staff) and, once self-running, by
residents. A resident of our own group can always be enrolled or put on its waiting list without
that consent (groups.services). The rules, in docs/offers.md ("Referrals"):

- refer: the newest sharing decision must be "given" now, and on the referral date as well (a
  referral cannot be dated back to before the consent, nor to before a withdrawal that is still
  in force);
- withdrawing the consent is respected from then on: no new referral and no new outcome (the
  outcome is what the offer's organisers tell us about the resident); earlier referrals stay as
  history with what was known, and keep counting in the internal figures.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief.models import log_event
from collectief.validators import show_date, validate_not_in_future, validate_plausible_date
from participants.models import Consent, Participant

from .models import Offer, Referral

SHARING = Consent.Purpose.SHARE_PARTNER

NO_CONSENT = _(
    "Referring needs the resident's consent “sharing with a network partner”, and it has not been given. "
    "Ask the resident and record it under Consent on the resident's page first."
)
CONSENT_WITHDRAWN = _(
    "The resident withdrew the consent “sharing with a network partner” on %(date)s: "
    "nothing new is recorded about referrals from then on."
)
NO_CONSENT_ON_DATE = _(
    "On %(date)s there was no consent “sharing with a network partner” yet. "
    "Choose the day of the referral on or after the day the consent was given."
)
ERASED = _("This resident's data have been anonymised: nothing new can be recorded.")


def sharing_decision(participant: Participant, on: datetime.date | None = None) -> Consent | None:
    """The resident's newest decision about sharing with a network partner (on or before ``on``), or None.

    Reads ``participant.consents.all()``, so a prefetch of ``consents`` (the resident's page) costs no query.
    """
    decisions = [c for c in participant.consents.all() if c.purpose == SHARING and (on is None or c.date <= on)]
    return max(decisions, key=lambda c: (c.date, c.created_at), default=None)


def may_share(participant: Participant) -> bool:
    """Whether the resident's current decision about sharing with a network partner is "given"."""
    decision = sharing_decision(participant)
    return decision is not None and decision.given


def _check_consent(participant: Participant, on: datetime.date | None = None) -> None:
    """Raise ValidationError unless sharing is allowed now (and, with ``on``, on that day)."""
    if participant.is_erased:
        raise ValidationError(ERASED, code="erased")
    current = sharing_decision(participant)
    if current is None:
        raise ValidationError(NO_CONSENT, code="no_consent")
    if not current.given:
        raise ValidationError(CONSENT_WITHDRAWN, code="consent_withdrawn", params={"date": show_date(current.date)})
    then = sharing_decision(participant, on) if on is not None else current
    if then is None or not then.given:
        raise ValidationError({"date": ValidationError(NO_CONSENT_ON_DATE, code="no_consent_on_date",
                                                        params={"date": show_date(on)})})


def _check_date(name: str, value: datetime.date | None) -> None:
    try:
        validate_plausible_date(value)
        validate_not_in_future(value)
    except ValidationError as error:
        raise ValidationError({name: error.error_list}) from None


def offers_for(participant: Participant):
    """The offers a resident can be referred to: active offers of their municipality."""
    return Offer.objects.active().filter(municipality_id=participant.team.municipality_id)


@transaction.atomic
def refer(user, participant: Participant, offer: Offer, date: datetime.date, note: str = "") -> Referral:
    """Refer ``participant`` to ``offer`` on ``date`` with a short ``note``; refused without sharing consent.

    The caller checked that the user may see the resident (their team). Raises ValidationError
    with a message for the user; nothing is saved then.
    """
    # Lock the resident's row: a consent withdrawn at the same moment waits or is seen.
    participant = Participant.objects.select_for_update().select_related("team").get(pk=participant.pk)
    _check_consent(participant, date)
    _check_date("date", date)
    if not offers_for(participant).filter(pk=offer.pk).exists():
        raise ValidationError({"offer": _("Choose an active offer of the resident's municipality.")})
    referral = Referral(participant=participant, offer=offer, date=date, note=(note or "").strip(),
                        referred_by=user if getattr(user, "pk", None) else None)
    referral.full_clean()
    referral.save()
    log_event(user, "referral.created", participant,
              {"referral": referral.pk, "offer": offer.pk, "source": offer.source})
    return referral


@transaction.atomic
def record_outcome(user, referral: Referral, outcome: str, on: datetime.date | None) -> Referral:
    """Record what came of a referral (arrived, started, did not start) and on which day.

    "No news yet" puts a mistaken outcome back (without a date). Refused once the resident has
    withdrawn the sharing consent. Raises ValidationError with a message for the user.
    """
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    participant = Participant.objects.select_for_update().get(pk=referral.participant_id)
    _check_consent(participant)
    if outcome not in Referral.Outcome.values:
        raise ValidationError({"outcome": _("Choose what came of the referral.")})
    if outcome == Referral.Outcome.PENDING:
        on = None
    elif on is None:
        raise ValidationError({"outcome_on": _("Enter the day it happened.")})
    else:
        _check_date("outcome_on", on)
        if on < referral.date:
            raise ValidationError({"outcome_on": _("This day lies before the referral (%(date)s).")
                                   % {"date": show_date(referral.date)}})
    changed = [name for name, value in (("outcome", outcome), ("outcome_on", on)) if getattr(referral, name) != value]
    if changed:
        referral.outcome, referral.outcome_on = outcome, on
        referral.save(update_fields=[*changed, "updated_at"])
        log_event(user, "referral.updated", participant, {"referral": referral.pk, "fields": changed})
    return referral


def started_by_enrolment(referral: Referral, enrolments) -> datetime.date | None:
    """For a referral to one of our own groups: the start of the resident's enrolment in that group
    on or after the referral date (a suggestion to record "started"), else None.

    ``enrolments`` are the resident's enrolments (already loaded by the resident's page).
    """
    group_id = referral.offer.group_id
    if group_id is None or referral.outcome == Referral.Outcome.STARTED:
        return None
    starts = [e.start_date for e in enrolments if e.group_id == group_id and e.start_date >= referral.date]
    if not starts:
        return None
    first = min(starts)
    return first if first <= timezone.localdate() else None
