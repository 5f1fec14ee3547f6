"""Stories (verhalen): which may be offered for a report, and the count of what groups meant.

The rules of DESIGN ("Outcomes"): a story is used only with the resident's consent for that
purpose, and never from a group with fewer than 5 participants. Both are checked when a report is
made, not only when the story is stored: a consent withdrawn later removes the story (and its
tags) from every report made after that.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from collectief.models import log_event
from participants.models import Consent

from .models import Story, ThemeTag

MIN_GROUP_SIZE = 5
MAX_CHOSEN = 3


def offerable(municipality, period):
    """Stories of the municipality's groups dated in the period that a report may use."""
    return (
        Story.objects.filter(group__team__municipality=municipality, date__gte=period.start, date__lte=period.end)
        .with_consent()
        .from_groups_of_at_least(MIN_GROUP_SIZE)
    )


def tag_counts(municipality, period) -> list[tuple[str, int]]:
    """What the groups meant, counted over the offerable stories: [("Sociale contacten", 8), …]."""
    ids = list(offerable(municipality, period).values_list("pk", flat=True))
    rows = (
        ThemeTag.objects.filter(stories__in=ids)
        .annotate(n=Count("stories", filter=Q(stories__in=ids), distinct=True))
        .order_by("-n", "name")
        .values_list("name", "n")
    )
    return list(rows)


def chosen(municipality, period):
    """Up to three stories the coordinator chose for the year, still offerable."""
    return offerable(municipality, period).filter(chosen_for_year=period.end.year).order_by("date", "pk")[
        :MAX_CHOSEN
    ]


def _has_quote_consent(participant) -> bool:
    newest = (
        Consent.objects.filter(participant=participant, purpose=Consent.Purpose.QUOTE_REPORT)
        .order_by("-date", "-created_at", "-id").first()
    )
    return bool(newest and newest.given)


@transaction.atomic
def save_story(user, story: Story, *, tags=None, fields=()) -> Story:
    """Store a story: refused when it names a resident who has not consented to be quoted, or when
    a fourth story of the same year is chosen for the report."""
    if story.participant_id and not _has_quote_consent(story.participant):
        raise ValidationError(_(
            "This resident has not given consent to be quoted in a report: record the consent first, "
            "or store the story without linking the resident."
        ))
    if story.chosen_for_year:
        others = Story.objects.filter(
            group__team__municipality_id=story.group.team.municipality_id, chosen_for_year=story.chosen_for_year
        ).exclude(pk=story.pk)
        if others.count() >= MAX_CHOSEN:
            raise ValidationError(_("At most three stories can be chosen for the yearly report."))
    created = story.pk is None
    story.full_clean(exclude=["created_by"])
    if created and getattr(user, "pk", None):
        story.created_by = user
    story.save()
    if tags is not None:
        story.tags.set(tags)
    target = story.participant if story.participant_id else story
    data = {"story": story.pk, "fields": sorted(fields), "group": story.group_id}
    log_event(user, "story.created" if created else "story.updated", target, data)
    return story
