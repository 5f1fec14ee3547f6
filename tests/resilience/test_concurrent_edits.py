"""Issue 10: two people editing the same session; the second save never silently overwrites the first."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from groups import services
from groups.models import Attendance, Enrolment, Session
from participants.models import Participant
from tests.factories import GroupFactory

DAY = datetime.date(2024, 3, 7)


@pytest.fixture
def session(team_a, worker, colleague):
    group = GroupFactory(name="Wandelgroep Bilgaard", team=team_a, usual_time=datetime.time(10, 0),
                         start_date=datetime.date(2024, 1, 1))
    group.facilitators.add(worker, colleague)
    people = Participant.objects.bulk_create([
        Participant(team=team_a, first_name=f"Lid{i}", last_name=f"Achternaam{i:02d}",
                    birth_date=datetime.date(1970, 1, 1 + i))
        for i in range(10)
    ])
    Enrolment.objects.bulk_create([
        Enrolment(group=group, participant=p, start_date=datetime.date(2024, 1, 1)) for p in people
    ])
    session = Session.objects.create(group=group, date=DAY, start_time=datetime.time(10, 0))
    Attendance.objects.bulk_create([Attendance(session=session, participant=p, status="present") for p in people])
    return session


def members(session):
    return list(Participant.objects.filter(enrolments__group=session.group).order_by("last_name"))


def post_data(session, version, absent=(), topic="", **extra):
    data = {"date": DAY.isoformat(), "start_time": "10:00", "duration_minutes": "90", "status": "held",
            "head_count": "0", "topic": topic, "notes": "", "version": str(version)}
    for person in members(session):
        data[f"att-{person.pk}"] = "absent" if person in absent else "present"
    data.update(extra)
    return data


def url(session):
    return reverse("groups:session_edit", args=[session.group_id, session.pk])


def absentees(session):
    return set(session.attendances.filter(status="absent").values_list("participant_id", flat=True))


def test_the_form_carries_the_version_it_was_opened_with(client_for, worker, session):
    body = client_for(worker).get(url(session)).content.decode()
    assert '<input type="hidden" name="version" value="1">' in body


def test_the_second_save_is_refused_with_both_versions_and_nothing_of_the_first_lost(
    client_for, worker, colleague, session
):
    first, second = client_for(worker), client_for(colleague, client=Client())
    people = members(session)
    # Both open the session (version 1).
    assert first.get(url(session)).status_code == 200
    assert second.get(url(session)).status_code == 200

    response = first.post(url(session), post_data(session, 1, absent=people[:2], topic="Wandelen"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.version == 2

    response = second.post(url(session), post_data(session, 1, absent=people[5:8], topic="Koffie"))
    assert response.status_code == 200
    body = response.content.decode()
    # What the other person saved: who, and the counts …
    assert 'id="stale-session"' in body
    block = body[body.find('id="stale-session"'):body.find('<form method="post" id="session-form"')]
    assert "Sanne" in block and "8 aanwezig, 2 afwezig, 0 afgemeld" in block, block
    # … and what this user typed, still filled in, against the new version.
    assert "7 aanwezig, 3 afwezig, 0 afgemeld" in block
    assert 'value="Koffie"' in body
    for person in people[5:8]:
        assert f'name="att-{person.pk}" id="att-{person.pk}-absent" value="absent" autocomplete="off" checked' in body
    assert '<input type="hidden" name="version" value="2">' in body
    assert "Mijn versie opslaan" in body and "De andere versie houden" in body
    # Nothing of the first save was overwritten.
    session.refresh_from_db()
    assert session.version == 2 and session.topic == "Wandelen"
    assert absentees(session) == {p.pk for p in people[:2]}

    # "Mijn versie": posts again against the version now stored, and is saved.
    response = second.post(url(session), post_data(session, 2, absent=people[5:8], topic="Koffie", keep_mine="1"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.version == 3 and session.topic == "Koffie"
    assert absentees(session) == {p.pk for p in people[5:8]}


def test_keeping_the_other_version_links_to_the_session_as_saved(client_for, worker, colleague, session):
    people = members(session)
    client_for(worker).post(url(session), post_data(session, 1, absent=people[:1]))
    body = client_for(colleague, client=Client()).post(url(session), post_data(session, 1)).content.decode()
    assert f'href="{url(session)}" id="keep-theirs"' in body
    assert absentees(session) == {people[0].pk}


def test_the_service_checks_the_version_in_the_same_update(worker, session):
    people = members(session)
    assert services.log_session(worker, session, {people[0].pk: "absent"}, fields=["topic"], version=1)
    assert Session.objects.get(pk=session.pk).version == 2
    stale = Session.objects.get(pk=session.pk)
    stale.topic = "Oud"
    Session.objects.filter(pk=session.pk).update(version=5)  # someone else saved meanwhile
    with pytest.raises(services.StaleSession) as refused:
        services.log_session(worker, stale, {people[1].pk: "absent"}, fields=["topic"], version=2)
    assert refused.value.current.version == 5
    assert absentees(session) == {people[0].pk}
    assert Session.objects.get(pk=session.pk).topic == ""


def test_every_save_bumps_the_version_also_without_a_check(worker, session):
    services.log_session(worker, session, {}, fields=["topic"])
    services.log_session(worker, session, {}, fields=["topic"])
    assert Session.objects.get(pk=session.pk).version == 3


def test_a_session_removed_meanwhile_is_not_found(client_for, worker, session):
    client = client_for(worker)
    data = post_data(session, 1)
    Session.objects.filter(pk=session.pk).delete()
    response = client.post(url(session), data)
    assert response.status_code == 404
