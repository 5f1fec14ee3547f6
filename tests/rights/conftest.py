"""Fixtures for the rights of residents and retention: a resident with a full history, a second
coordinator of team A, and (imported) the known report data set of tests/reporting."""

import datetime

import pytest

from collectief.models import Membership
from participants.models import Measurement
from tests.factories import (
    AttendanceFactory,
    ChangeWishFactory,
    ConsentFactory,
    EnrolmentFactory,
    GroupFactory,
    HelpRequestFactory,
    IndividualSupportFactory,
    MembershipFactory,
    ParticipantFactory,
    SessionFactory,
    UserFactory,
)
from tests.reporting.conftest import approved_report, rendered_report, report_data  # noqa: F401

D = datetime.date
FIRST, LAST = "Hiltsje", "Wybrandamaborg"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def second_coordinator(team_a):
    """Another coordinator of team A: the second pair of eyes."""
    user = UserFactory(username="durk", first_name="Durk", last_name="Hoekstra")
    MembershipFactory(user=user, team=team_a, role=Membership.Role.COORDINATOR)
    return user


def measurement(participant, day, moment="start"):
    return Measurement.objects.create(
        participant=participant, date=day, moment=moment, filled_by="resident", lichaamsfuncties=6,
        mentaal_welbevinden=5, zingeving=7, kwaliteit_van_leven=6, meedoen=4, dagelijks_functioneren=8,
    )


def fill_history(participant, team, worker, *, scale=1, offset=0):
    """``scale`` of every kind of row about the resident (for the query-count tests, too)."""
    group = GroupFactory(team=team, name=f"Kookclub De Pan {offset}")
    for i in range(offset, offset + scale):
        EnrolmentFactory(participant=participant, group=GroupFactory(team=team), start_date=D(2024, 1, 1))
        ChangeWishFactory(participant=participant, text=f"Ik wil weer met mensen koken {i}")
        HelpRequestFactory(participant=participant, theme=f"Eenzaamheid {i}")
        IndividualSupportFactory(participant=participant, start_date=D(2020, 1, 1 + i), product="Schuldhulp")
        ConsentFactory(participant=participant, purpose="quote_report", given=bool(i % 2), recorded_by=worker)
        measurement(participant, D(2024, 2, 1 + i))
    EnrolmentFactory(participant=participant, group=group, start_date=D(2024, 1, 1))
    for week in range(scale * 3):
        session = SessionFactory(group=group, date=D(2024, 1, 2) + datetime.timedelta(weeks=week))
        AttendanceFactory(session=session, participant=participant)
    return group


@pytest.fixture
def resident(team_a, neighbourhood, worker):
    """Hiltsje Wybrandamaborg, with a bit of everything."""
    person = ParticipantFactory(
        team=team_a, neighbourhood=neighbourhood, first_name=FIRST, last_name=LAST,
        birth_date=D(1961, 8, 14), postcode="8924 CD", phone="06-12345678", email="hiltsje@example.nl",
        external_id="oud-4711",
    )
    ConsentFactory(participant=person, given=True, date=D(2024, 1, 2), recorded_by=worker)
    fill_history(person, team_a, worker)
    return person
