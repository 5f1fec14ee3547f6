"""Fixtures of the audit tests: a resident and a group of team A with members."""

import datetime

import pytest
from django.db import connection

from tests.factories import EnrolmentFactory, GroupFactory, ParticipantFactory


@pytest.fixture
def participant(team_a, neighbourhood):
    return ParticipantFactory(team=team_a, neighbourhood=neighbourhood, first_name="Fatima", last_name="El Amrani")


@pytest.fixture
def group(team_a, worker):
    group = GroupFactory(name="Wandelgroep", team=team_a, usual_weekday=3, start_date=datetime.date(2024, 1, 1))
    group.facilitators.add(worker)
    return group


@pytest.fixture
def members(group):
    people = [ParticipantFactory(team=group.team, first_name=f"Lid{i}", last_name="Groep") for i in range(3)]
    for person in people:
        EnrolmentFactory(group=group, participant=person, start_date=datetime.date(2024, 1, 1))
    return people


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def behind_the_triggers(statement, params=None):
    """Change the audit table as a superuser could: with its own triggers switched off."""
    # The test runs in one transaction: check the deferred foreign keys now, or ALTER TABLE refuses.
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql("ALTER TABLE collectief_auditevent DISABLE TRIGGER USER")
    try:
        sql(statement, params)
    finally:
        sql("ALTER TABLE collectief_auditevent ENABLE TRIGGER USER")
        sql("SET CONSTRAINTS ALL DEFERRED")
