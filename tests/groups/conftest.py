"""Fixtures for the groups tests: a group of the worker's team with members and history."""

import datetime

import pytest

from groups.models import Attendance, Enrolment, Group, Session
from participants.models import Participant
from tests.factories import GroupFactory, ParticipantFactory

FIRST_NAMES = [
    "Anna", "Sietske", "Fatima", "Johan", "Klaas", "Wieke", "Mohammed", "Ingrid", "Gerrit", "Sjoukje",
    "Yusuf", "Hennie", "Baukje", "Ahmed", "Tjitske", "Marco", "Lieke", "Hatice", "Douwe", "Femke",
    "Olena", "Rients", "Grietje", "Said", "Esther", "Bauke", "Nynke", "Kees", "Aaltje", "Tiago",
]


@pytest.fixture
def group(team_a, worker, neighbourhood):
    """A weekly walking group (Thursdays 10:00) of team A, facilitated by the worker."""
    group = GroupFactory(
        name="Wandelgroep Bilgaard", team=team_a, neighbourhood=neighbourhood, usual_weekday=3,
        usual_time=datetime.time(10, 0), usual_duration_minutes=90, location="Wijkcentrum Bilgaard",
        start_date=datetime.date(2024, 1, 1),
    )
    group.facilitators.add(worker)
    return group


def enrol_members(group, count):
    """Enrol ``count`` residents of the group's team; returns the participants (sorted as on the form)."""
    people = Participant.objects.bulk_create([
        Participant(
            team=group.team, first_name=FIRST_NAMES[i % len(FIRST_NAMES)], last_name=f"Lid{i:02d}",
            birth_date=datetime.date(1960 + i % 40, 1 + i % 12, 1 + i % 28), postcode=f"89{10 + i % 80} AB",
        )
        for i in range(count)
    ])
    Enrolment.objects.bulk_create([
        Enrolment(group=group, participant=p, start_date=datetime.date(2024, 1, 1)) for p in people
    ])
    return people


@pytest.fixture
def members(group):
    """Twelve enrolled residents."""
    return enrol_members(group, 12)


@pytest.fixture
def big_group(group):
    """30 members and 40 held sessions with full attendance: enough rows to catch an N+1."""
    people = enrol_members(group, 30)
    sessions = Session.objects.bulk_create([
        Session(group=group, date=datetime.date(2024, 1, 4) + datetime.timedelta(days=7 * i),
                start_time=datetime.time(10, 0), head_count=i % 3)
        for i in range(40)
    ])
    Attendance.objects.bulk_create([
        Attendance(session=s, participant=p, status="present" if (i + j) % 5 else "absent")
        for i, s in enumerate(sessions) for j, p in enumerate(people)
    ])
    return group


@pytest.fixture
def other_group(team_b):
    return GroupFactory(name="Kookgroep Centrum", team=team_b)


@pytest.fixture
def stranger(team_b):
    """A resident of team B, whom the worker may not see."""
    return ParticipantFactory(team=team_b, first_name="Bram", last_name="Vreemd")


def many_groups(team, worker, count):
    groups = Group.objects.bulk_create([
        Group(name=f"Collectief {i:03d}", kind_id="support", team=team, status="running", rhythm="weekly",
              usual_weekday=i % 7, usual_time=datetime.time(10, 0), start_date=datetime.date(2024, 1, 1))
        for i in range(count)
    ])
    Group.facilitators.through.objects.bulk_create([
        Group.facilitators.through(group_id=g.pk, user_id=worker.pk) for g in groups
    ])
    Group.life_domains.through.objects.bulk_create([
        Group.life_domains.through(group_id=g.pk, lifedomain_id=code)
        for g in groups for code in ("financien", "sociaal_netwerk")
    ])
    people = Participant.objects.bulk_create([
        Participant(team=team, first_name="P", last_name=str(i), birth_date=datetime.date(1970, 1, 1))
        for i in range(count)
    ])
    Enrolment.objects.bulk_create([
        Enrolment(group=g, participant=p, start_date=datetime.date(2024, 1, 1)) for g in groups for p in people[:5]
    ])
    Session.objects.bulk_create([
        Session(group=g, date=datetime.date(2024, 3, 1) + datetime.timedelta(days=k), start_time=datetime.time(10))
        for g in groups for k in range(3)
    ])
    return groups



# --- The path from help request to group (issue 11): waiting list, series, hand-over ---------------


def on_the_list(group, participant, *, days_ago=0, status="interested", trial_date=None, help_request=None):
    """Put a resident on a group's waiting list directly (``since`` is ``days_ago`` days before today)."""
    from django.utils import timezone

    from groups.models import Interest

    return Interest.objects.create(
        group=group, participant=participant, status=status, trial_date=trial_date, help_request=help_request,
        since=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def course(team_a, worker):
    """Geld Telt, a course of 4 meetings on Tuesdays from 3 September 2024, facilitated by the worker."""
    group = GroupFactory(
        name="Geld Telt", team=team_a, rhythm="course", planned_sessions=4, usual_weekday=1,
        usual_time=datetime.time(10, 0), start_date=datetime.date(2024, 9, 3), capacity=10,
    )
    group.facilitators.add(worker)
    return group
