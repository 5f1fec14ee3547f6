"""Shared questions about offers and partners: whose they are, where they sit on the wijkteam model,
and which need a check. Every staff page of the offers app asks these (views_map, the bundling
board's partner offers, the start page's "aanbod om te controleren").

Scope: staff see the offers and partners of the *municipalities* of their teams (an offer is not a
team's: a library's reading café is there for every wijkteam of the town). Administrators see every
municipality. Offers and partners hold no residents' data; their changes are audited all the same.
"""

import datetime

from django.db.models import Case, CharField, Count, Q, Value, When, Window
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collectief import access
from collectief.models import Municipality, Team

from .models import Offer, Partner

FORMAL = Q(led_by=Offer.LedBy.PROFESSIONALS)

# The four places on the individual–collective × informal–formal model, in the order the overview
# shows them; the label is text (a badge never says it by colour alone).
QUADRANTS = [
    ("collective_formal", _("Collective – formal")),
    ("collective_informal", _("Collective – informal")),
    ("individual_formal", _("Individual – formal")),
    ("individual_informal", _("Individual – informal")),
]
QUADRANT_LABELS = dict(QUADRANTS)


def quadrant_q(code: str) -> Q:
    """The offers in one quadrant: the form (collective/individual) and formal (professionals lead
    it) or informal (volunteers or residents do) — the same rule as ``Offer.quadrant``."""
    form, _sep, formality = code.partition("_")
    return Q(form=form) & (FORMAL if formality == "formal" else ~FORMAL)


def quadrant_expression():
    """``Offer.quadrant`` as a database expression, for annotations."""
    return Concat(
        "form", Value("_"),
        Case(When(FORMAL, then=Value("formal")), default=Value("informal"), output_field=CharField()),
        output_field=CharField(),
    )


def municipalities_for(user):
    """The municipalities of the user's teams (administrators: all)."""
    return Municipality.objects.filter(pk__in=Team.objects.for_user(user).values("municipality"))


def offers_for(user):
    """Offers of the municipalities of the user's teams; nothing for a user without a staff role."""
    if not access.can_register(user):
        return Offer.objects.none()
    return Offer.objects.filter(municipality__in=Team.objects.for_user(user).values("municipality"))


def partners_for(user):
    if not access.can_register(user):
        return Partner.objects.none()
    return Partner.objects.filter(municipality__in=Team.objects.for_user(user).values("municipality"))


def get_offer_for_user(user, pk, queryset=None):
    """One offer of the user's municipalities, else 404 (as for an id that does not exist)."""
    queryset = offers_for(user) if queryset is None else queryset & offers_for(user)
    return get_object_or_404(
        queryset.select_related("municipality", "neighbourhood", "partner", "group", "owner"), pk=pk
    )


def get_partner_for_user(user, pk):
    return get_object_or_404(partners_for(user).select_related("municipality"), pk=pk)


def with_facts(queryset):
    """What a list of offers shows, in a constant number of queries."""
    return queryset.select_related("municipality", "neighbourhood", "partner", "group", "owner").prefetch_related(
        "life_domains"
    )


def owned_by(user) -> Q:
    """Offers the user keeps up to date: the named staff owner, or — for our own groups without
    one — every social worker who facilitates the group."""
    return Q(owner=user) | Q(owner__isnull=True, source=Offer.Source.OWN, group__facilitators=user)


def to_check(user, today: datetime.date | None = None, limit: int = 10) -> tuple[list, int]:
    """The user's offers that were not checked for six months (the oldest check first), at most
    ``limit``, and how many there are: one query (the count rides along as a window)."""
    today = today or timezone.localdate()
    if not access.can_register(user):
        return [], 0
    ids = Offer.objects.needs_check(today).filter(owned_by(user)).values("pk")
    rows = list(
        Offer.objects.filter(pk__in=ids)
        .annotate(total=Window(Count("pk")))
        .only("pk", "name", "last_checked_on")
        .order_by("last_checked_on", "name", "pk")[:limit]
    )
    return rows, (rows[0].total if rows else 0)


def when_text(offer) -> str:
    """Day, time (or part of the day) and rhythm in one short line: "dinsdag 10:00 · Elke week"."""
    parts = []
    day = str(offer.get_weekday_display()) if offer.weekday is not None else ""
    if offer.start_time:
        parts.append(f"{day} {offer.start_time:%H:%M}".strip())
    elif offer.daypart:
        parts.append(f"{day} {str(offer.get_daypart_display()).lower()}".strip())
    elif day:
        parts.append(day)
    if offer.schedule_note:
        parts.append(offer.schedule_note)
    return " · ".join(parts)
