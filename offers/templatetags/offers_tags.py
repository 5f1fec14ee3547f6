"""Template tags of the offers app.

``{% group_signups group request.user as signups %}`` and ``{% owner_signups request.user as signups %}``:
the sign-ups from the group finder still to handle, on a group's waiting list (templates/offers/
_signups.html) and on the start page of an offer's staff owner (_start_signups.html). Showing them
is a view of personal data, so each call that finds any records ``signup.viewed`` with their ids.
"""

from django import template
from django.conf import settings

from collectief import access
from collectief.models import log_event
from offers.models import Signup
from offers.views_public import OPEN

register = template.Library()


def _shown(user, signups, page: str, **data) -> list:
    signups = list(signups)
    if signups:
        log_event(user, "signup.viewed", object_type="offers.signup",
                  data={"page": page, **data, "signups": [s.pk for s in signups]})
    return signups


@register.simple_tag
def group_signups(group, user) -> list:
    """The open sign-ups of one of our groups (the group page already checked the user's team)."""
    if group is None or not access.can_register(user):
        return []
    return _shown(user, Signup.objects.filter(group=group, status__in=OPEN).order_by("created_at", "pk"),
                  "group", group=group.pk)


@register.simple_tag
def owner_signups(user) -> list:
    """The open sign-ups of the partner offers and initiatives the user keeps (is the staff owner of)."""
    if not access.can_register(user):
        return []
    signups = (Signup.objects.filter(group__isnull=True, offer__owner=user, status__in=OPEN)
               .select_related("offer").order_by("created_at", "pk"))
    return _shown(user, signups, "start")


@register.simple_tag
def signup_retention_days() -> int:
    return settings.SIGNUP_RETENTION_DAYS
