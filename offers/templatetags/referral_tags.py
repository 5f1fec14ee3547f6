"""The "Verwijzingen" section of the resident's page, loaded here so that participants/views.py
(which must not import the offers app) need not know about referrals."""

from django import template

from offers import services
from offers.models import Referral

register = template.Library()


@register.simple_tag
def referrals_of(participant, enrolments=()):
    """The resident's referrals (one query) and whether new ones may be recorded.

    The consent is read from ``participant.consents.all()`` (prefetched by the resident's page) and
    ``enrolments`` are the ones the page already loaded: each referral to one of our own groups gets
    ``suggested_start``, the start of an enrolment in that group on or after the referral date.
    """
    rows = list(participant.referrals.select_related("offer__partner", "referred_by"))
    for referral in rows:
        referral.suggested_start = services.started_by_enrolment(referral, enrolments or ())
    decision = services.sharing_decision(participant)
    return {
        "rows": rows,
        "decision": decision,
        "may_share": decision is not None and decision.given,
        "outcomes": Referral.Outcome.choices,
    }
