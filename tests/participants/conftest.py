"""Fixtures of the participant pages: residents of team A and of team B."""

import datetime

import pytest

from tests.factories import ParticipantFactory


@pytest.fixture
def participant(team_a, neighbourhood):
    return ParticipantFactory(
        team=team_a,
        neighbourhood=neighbourhood,
        first_name="Fatima",
        last_name="El Amrani",
        birth_date=datetime.date(1980, 5, 1),
        postcode="8921 AB",
    )


@pytest.fixture
def other_team_participant(team_b):
    return ParticipantFactory(team=team_b, first_name="Gerrit", last_name="Zijlstra")


def new_resident(team, /, **overrides):
    """POST data of the registration form for a resident of ``team``."""
    data = {
        "first_name": "Anouk",
        "last_name": "de Vries",
        "birth_date": "1975-03-14",
        "postcode": "8921 ab",
        "neighbourhood": "",
        "team": team.pk,
        "phone": "",
        "email": "",
        "preferred_language": "nl",
        "consent_registration": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
