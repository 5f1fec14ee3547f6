"""Stories are used only with consent and never from a group under 5 residents (issue 12)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from collectief.models import AuditEvent
from outcomes import stories
from outcomes.models import Story, ThemeTag
from participants.models import Consent
from reporting.periods import year
from tests.factories import EnrolmentFactory, GroupFactory, ParticipantFactory

Y2024 = year(2024)
DAY = datetime.date(2024, 6, 1)


def _group(team, residents: int):
    group = GroupFactory(team=team)
    members = [ParticipantFactory(team=team) for _ in range(residents)]
    for member in members:
        EnrolmentFactory(group=group, participant=member)
    return group, members


def _consent(participant, given, day, user=None):
    Consent.objects.create(participant=participant, purpose=Consent.Purpose.QUOTE_REPORT, given=given, date=day)


@pytest.fixture
def tags(db):
    return {t.code: t for t in ThemeTag.objects.all()}


def test_a_story_naming_a_resident_without_consent_is_refused(team_a, worker, tags):
    group, members = _group(team_a, 5)
    story = Story(group=group, participant=members[0], display_name="Anna", text="Fijn.", date=DAY)
    with pytest.raises(ValidationError):
        stories.save_story(worker, story, tags=[tags["sociale_contacten"]])
    assert not Story.objects.exists()
    _consent(members[0], True, DAY)
    stories.save_story(worker, story, tags=[tags["sociale_contacten"]])
    assert Story.objects.count() == 1
    assert AuditEvent.objects.filter(event="story.created", participant_ids__contains=[members[0].pk]).exists()


def test_withdrawn_consent_removes_the_story_and_its_tags_from_every_later_report(team_a, worker, municipality, tags):
    group, members = _group(team_a, 6)
    _consent(members[0], True, DAY)
    story = stories.save_story(
        worker, Story(group=group, participant=members[0], display_name="Anna", text="Fijn.", date=DAY,
                      chosen_for_year=2024),
        tags=[tags["sociale_contacten"], tags["bewegen"]],
    )
    anonymous = stories.save_story(
        worker, Story(group=group, display_name="Kees", text="Gezellig.", date=DAY), tags=[tags["sociale_contacten"]]
    )
    assert set(stories.offerable(municipality, Y2024)) == {story, anonymous}
    assert stories.tag_counts(municipality, Y2024) == [("Sociale contacten", 2), ("Bewegen", 1)]
    assert list(stories.chosen(municipality, Y2024)) == [story]

    _consent(members[0], False, DAY + datetime.timedelta(days=30))
    assert set(stories.offerable(municipality, Y2024)) == {anonymous}
    assert stories.tag_counts(municipality, Y2024) == [("Sociale contacten", 1)]
    assert list(stories.chosen(municipality, Y2024)) == []


def test_nothing_from_a_group_under_five_residents_is_offered(team_a, worker, municipality, tags):
    small, _ = _group(team_a, 4)
    big, _ = _group(team_a, 5)
    stories.save_story(worker, Story(group=small, display_name="Ria", text="Goed.", date=DAY), tags=[tags["bewegen"]])
    kept = stories.save_story(worker, Story(group=big, display_name="Piet", text="Goed.", date=DAY),
                              tags=[tags["bewegen"]])
    assert list(stories.offerable(municipality, Y2024)) == [kept]
    assert stories.tag_counts(municipality, Y2024) == [("Bewegen", 1)]


def test_other_municipalities_and_years_are_not_offered(team_a, team_b, worker, municipality, tags):
    here, _ = _group(team_a, 5)
    there, _ = _group(team_b, 5)
    stories.save_story(worker, Story(group=there, display_name="A", text="x", date=DAY))
    stories.save_story(worker, Story(group=here, display_name="B", text="x", date=datetime.date(2023, 6, 1)))
    assert not stories.offerable(municipality, Y2024).exists()


def test_at_most_three_stories_are_chosen_per_year(team_a, worker, tags):
    group, _ = _group(team_a, 5)
    for name in "ABC":
        stories.save_story(worker, Story(group=group, display_name=name, text="x", date=DAY, chosen_for_year=2024))
    with pytest.raises(ValidationError):
        stories.save_story(worker, Story(group=group, display_name="D", text="x", date=DAY, chosen_for_year=2024))
    assert Story.objects.count() == 3
