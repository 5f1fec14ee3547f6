"""The duplicate check catches real duplicates, on the registration form and for a walk-in alike."""

import datetime

import pytest
from django.urls import reverse

from participants.models import Participant
from tests.factories import GroupFactory, ParticipantFactory

from .conftest import new_resident

CREATE = reverse("participants:create")
BORN = datetime.date(1975, 3, 14)


@pytest.fixture
def anouk(team_a):
    """Registered before: Anouk de Vries, born 14 March 1975, no postcode."""
    return ParticipantFactory(team=team_a, first_name="Anouk", last_name="de Vries", birth_date=BORN, postcode="")


@pytest.mark.parametrize(
    "first, last, born, why",
    [
        ("Anouk", "de Vries", "1990-07-01", "the same name, another birth date"),
        ("anouk", "De-Vries", "1968-01-01", "the same name written differently, another birth date"),
        ("Anouk", "de Vriess", "1975-03-15", "a similar name, born a day later"),
        ("Anouk", "de Vries", "1975-03-13", "born a day earlier"),
        ("Anoek", "de Vries", "1975-03-14", "a similar name, the same birth date"),
        ("Anouk", "de Vris", "1975-03-04", "a similar name, one digit off"),
        ("Anouk", "de Vris", "1973-03-14", "a similar name, one digit of the year off"),
    ],
)
def test_a_likely_duplicate_is_flagged_on_the_registration_form(client_for, worker, team_a, anouk, first, last,
                                                                 born, why):
    data = new_resident(team_a, first_name=first, last_name=last, birth_date=born, postcode="")
    response = client_for(worker).post(CREATE, data)
    assert response.status_code == 200, why
    body = response.content.decode()
    assert 'id="duplicate-warning"' in body, why
    assert body.index('id="duplicate-warning"') < body.index('name="first_name"'), "the question comes first"
    assert Participant.objects.count() == 1, why


def test_swapped_day_and_month_is_flagged(client_for, worker, team_a):
    ParticipantFactory(team=team_a, first_name="Sietske", last_name="Hoekstra", birth_date=datetime.date(1980, 5, 3),
                       postcode="")
    data = new_resident(team_a, first_name="Sietske", last_name="Hoekstra", birth_date="1980-03-05", postcode="")
    assert 'id="duplicate-warning"' in client_for(worker).post(CREATE, data).content.decode()


@pytest.mark.parametrize(
    "first, last, born",
    [
        ("Anouk", "Jansen", "1975-03-14"),  # another surname, the same birth date
        ("Mohammed", "Yilmaz", "1975-03-14"),  # another person born the same day
        ("Anouk", "de Vries-Bakker", "1999-12-31"),  # a longer name and a far-off birth date
    ],
)
def test_clearly_different_people_are_not_flagged(client_for, worker, team_a, anouk, first, last, born):
    data = new_resident(team_a, first_name=first, last_name=last, birth_date=born, postcode="")
    response = client_for(worker).post(CREATE, data)
    assert response.status_code == 302
    assert Participant.objects.count() == 2


def test_the_same_name_in_another_team_is_not_shown(client_for, worker, team_a, team_b):
    ParticipantFactory(team=team_b, first_name="Anouk", last_name="de Vries", birth_date=datetime.date(1960, 1, 1))
    response = client_for(worker).post(CREATE, new_resident(team_a, birth_date="1990-07-01", postcode=""))
    assert response.status_code == 302


def test_a_walk_in_gets_the_same_question_at_the_top_with_nothing_chosen(client_for, worker, team_a, anouk):
    group = GroupFactory(team=team_a, start_date=datetime.date(2024, 1, 1))
    data = {"date": "2024-05-02", "start_time": "10:00", "duration_minutes": "90", "status": "held",
            "head_count": "0", "walkin-first_name": "Anouk", "walkin-last_name": "de Vries",
            "walkin-birth_date": "1991-02-02", "walkin-postcode": "", "walkin-consent_registration": "on"}
    response = client_for(worker).post(reverse("groups:session_create", args=[group.pk]), data)
    assert response.status_code == 200
    body = response.content.decode()
    question = body.index('id="duplicate-check"')
    assert question < body.index('id="session-form"')
    assert f'value="{anouk.pk}">' in body and f'value="{anouk.pk}" checked' not in body
    assert 'value="new" checked' not in body
    assert not group.sessions.exists() and Participant.objects.count() == 1
