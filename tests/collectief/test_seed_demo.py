"""manage.py seed_demo: a believable demo that can be run again without changing anything."""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from collectief.models import Membership, MunicipalityUser
from groups.models import Attendance, Enrolment, Group, Session
from participants.models import Participant


def _counts():
    return [m.objects.count() for m in (Participant, Group, Enrolment, Session, Attendance, Membership)]


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_working_logins(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    assert first[4] > 2000  # a year and more of attendance

    printed = out.getvalue()
    for username in ("sociaalwerker", "coordinator", "gemeente", "beheerder"):
        line = next(line for line in printed.splitlines() if line.strip().startswith(username))
        password = line.split()[1]
        assert authenticate(username=username, password=password) is not None
    assert MunicipalityUser.objects.get(user__username="gemeente").municipality.name == "Leeuwarden"


@pytest.mark.django_db
def test_seed_demo_has_the_groups_of_the_research():
    call_command("seed_demo", stdout=io.StringIO())
    groups = {g.name: g for g in Group.objects.prefetch_related("life_domains")}
    geld_telt = groups["Geld Telt"]
    assert geld_telt.rhythm == Group.Rhythm.COURSE and geld_telt.planned_sessions == 4
    assert groups["Wandelgroep Bilgaard"].rhythm == Group.Rhythm.WEEKLY
    assert groups["Ouder-en-kindcafé"].rhythm == Group.Rhythm.BIWEEKLY
    assert groups["Scheidingscollectief"].neighbourhood is None  # municipality-wide
    assert "Kookgroep Samen Eten" in groups
    assert {g.kind_id for g in groups.values()} == {"support", "meet", "youth"}
    # Every group run by the organisation has a social worker.
    assert all(g.facilitators.exists() for g in groups.values())


@pytest.mark.django_db
def test_demo_social_worker_sees_a_session_still_to_log(client_for):
    call_command("seed_demo", stdout=io.StringIO())
    # (That the printed passwords work is checked above; here only what the worker sees counts.)
    client = client_for(get_user_model().objects.get(username="sociaalwerker"))
    body = client.get("/").content.decode()
    assert "Wandelgroep Bilgaard" in body
    assert "Bijeenkomst van vandaag registreren" in body
