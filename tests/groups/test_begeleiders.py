"""Begeleiders (volunteers, peer experts, students, partner staff) help run groups and are never counted."""

import datetime

import pytest
from django.urls import reverse

from collectief.models import AuditEvent
from groups.models import Contributor, Session
from reporting.kpi import compute_kpis
from reporting.periods import parse_period
from tests.factories import ParticipantFactory

DAY = datetime.date(2024, 5, 2)


@pytest.fixture
def tineke(group):
    contributor = Contributor.objects.create(team=group.team, name="Tineke de Vries", kind="volunteer",
                                             active_from=datetime.date(2024, 1, 1))
    group.contributors.add(contributor)
    return contributor


def _session(members, **extra):
    data = {"date": DAY.isoformat(), "start_time": "10:00", "duration_minutes": "90", "status": "held",
            "head_count": "0", "topic": "", "notes": ""}
    data.update({f"att-{p.pk}": "present" for p in members})
    data.update(extra)
    return data


def test_the_groups_begeleiders_are_prefilled_on_the_roll_call_and_saved(client_for, worker, group, members, tineke):
    client = client_for(worker)
    url = reverse("groups:session_create", args=[group.pk])
    body = client.get(url + f"?date={DAY.isoformat()}").content.decode()
    assert f'name="helped" value="{tineke.pk}" id="helped-{tineke.pk}" autocomplete="off" checked' in body
    # Begeleiders are not on the roll call of participants.
    roll_call = body[body.index('id="roll-call"'):body.index('id="helpers"')]
    assert "Tineke" not in roll_call and "Tineke de Vries" in body[body.index('id="helpers"'):]

    response = client.post(url, _session(members, helpers_shown="1", helped=[str(tineke.pk)]))
    assert response.status_code == 302
    session = Session.objects.get(group=group, date=DAY)
    assert list(session.contributors.all()) == [tineke]
    assert session.attendances.count() == len(members)


def test_one_tap_removes_a_begeleider_who_did_not_help(client_for, worker, group, members, tineke):
    client = client_for(worker)
    client.post(reverse("groups:session_create", args=[group.pk]),
                _session(members, helpers_shown="1", helped=[str(tineke.pk)]))
    session = Session.objects.get(group=group, date=DAY)
    edit = reverse("groups:session_edit", args=[group.pk, session.pk])
    assert client.post(edit, _session(members, helpers_shown="1")).status_code == 302
    assert not session.contributors.exists()


def test_a_begeleider_of_another_group_cannot_be_posted(client_for, worker, group, members, team_a):
    other = Contributor.objects.create(team=team_a, name="Iemand Anders")
    response = client_for(worker).post(reverse("groups:session_create", args=[group.pk]),
                                       _session(members, helpers_shown="1", helped=[str(other.pk)]))
    assert response.status_code == 200
    assert "Kies de begeleiders uit de lijst" in response.content.decode()
    assert not Session.objects.exists()


def test_a_volunteer_who_is_also_a_resident_is_not_counted_for_helping(worker, group, members, team_a, tineke):
    """Known answer: 12 members present at one session; the volunteer helped at it and is not counted."""
    resident = ParticipantFactory(team=team_a, first_name="Tineke", last_name="de Vries")
    tineke.participant = resident
    tineke.save(update_fields=["participant"])
    session = Session.objects.create(group=group, date=DAY, start_time=datetime.time(10))
    session.mark_attendance({p.pk: "present" for p in members}, new_session=True)
    session.record_contributors([tineke.pk], new_session=True)

    kpis = compute_kpis(group.team.municipality, parse_period("2024Q2"))
    assert kpis["residents_collective"] == 12
    assert kpis["residents_total"] == 12


def test_adding_a_begeleider_to_a_group(client_for, worker, group):
    response = client_for(worker).post(reverse("groups:contributor_add", args=[group.pk]), {
        "name": "Sjoerd Bakker", "kind": "peer_expert", "organisation": "", "phone": "", "email": "",
        "active_from": "2024-03-01",
    })
    assert response.status_code == 302
    contributor = group.contributors.get()
    assert (contributor.name, contributor.kind, contributor.team) == ("Sjoerd Bakker", "peer_expert", group.team)
    assert AuditEvent.objects.filter(event="contributor.created").exists()


def test_bad_begeleider_input_gives_a_message_and_saves_nothing(client_for, worker, group):
    response = client_for(worker).post(reverse("groups:contributor_add", args=[group.pk]), {
        "name": "", "kind": "boss", "active_from": "0202-01-01", "email": "geen-mail"})
    assert response.status_code == 200
    assert "verplicht" in response.content.decode()
    assert not Contributor.objects.exists()


@pytest.mark.parametrize("persona, status", [("outsider", 404), ("municipality_user", 403)])
def test_the_begeleider_page_is_not_for_others(request, client_for, group, persona, status):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("groups:contributor_add", args=[group.pk])).status_code == status
