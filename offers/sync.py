"""Our own groups on the sociale kaart: one offer per group, kept in step with the group's facts.

The facts come from the group (name, theme, life domains, wijk, place, day and time, how often,
who leads it, whether it still runs); what staff add for residents (description, cost, how to
join, contact, languages, accessibility, public or not) is never overwritten. A self-running group
is led by its residents: it moves from formal to informal on the wijkteam model by itself.
"""

import datetime

from django.utils import timezone

from groups.models import Group

from .models import Offer

RUNNING = (Group.Status.FORMING, Group.Status.RUNNING, Group.Status.PHASING_OUT, Group.Status.SELF_RUNNING)
SCHEDULE = {
    Group.Rhythm.WEEKLY: "Elke week",
    Group.Rhythm.BIWEEKLY: "Om de week",
    Group.Rhythm.TWICE_WEEKLY: "Twee keer per week",
    Group.Rhythm.COURSE: "Cursus",
}


def daypart_of(start: datetime.time | None) -> str:
    if start is None:
        return ""
    if start < datetime.time(12, 0):
        return Offer.Daypart.MORNING
    if start < datetime.time(17, 0):
        return Offer.Daypart.AFTERNOON
    return Offer.Daypart.EVENING


def facts(group: Group) -> dict:
    schedule = SCHEDULE.get(group.rhythm, "")
    if group.rhythm == Group.Rhythm.COURSE and group.planned_sessions:
        schedule = f"Cursus van {group.planned_sessions} bijeenkomsten"
    return {
        "municipality_id": group.team.municipality_id,
        "name": group.public_name or group.name,
        "theme": group.theme,
        "neighbourhood_id": group.neighbourhood_id,
        "location": group.location,
        "weekday": group.usual_weekday,
        "start_time": group.usual_time,
        "daypart": daypart_of(group.usual_time),
        "schedule_note": schedule,
        "led_by": Offer.LedBy.RESIDENTS if group.status == Group.Status.SELF_RUNNING else Offer.LedBy.PROFESSIONALS,
        "active": group.status in RUNNING and (group.end_date is None or group.end_date >= timezone.localdate()),
    }


def sync_group(group: Group) -> Offer:
    """Create or update the offer of one of our groups (no audit: it holds no personal data)."""
    offer, created = Offer.objects.get_or_create(
        group=group, defaults={"source": Offer.Source.OWN, **facts(group)}
    )
    if not created:
        changed = {k: v for k, v in facts(group).items() if getattr(offer, k) != v}
        if changed:
            Offer.objects.filter(pk=offer.pk).update(**changed)
            for k, v in changed.items():
                setattr(offer, k, v)
    offer.life_domains.set(group.life_domains.all())
    return offer
