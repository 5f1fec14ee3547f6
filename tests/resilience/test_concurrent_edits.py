"""Issue 10: two people editing the same session; the second save never silently overwrites the first."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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


# --- Two people editing the same resident's personal details ------------------------------------


@pytest.fixture
def resident(team_a, neighbourhood):
    return Participant.objects.create(
        team=team_a, neighbourhood=neighbourhood, first_name="Aukje", last_name="Hoekstra",
        birth_date=datetime.date(1961, 5, 4), postcode="8921 AB", phone="058 123 4567",
        email="aukje@example.org",
    )


def resident_url(person):
    return reverse("participants:edit", args=[person.pk])


def resident_data(person, version, **changes):
    data = {
        "first_name": person.first_name, "last_name": person.last_name,
        "birth_date": person.birth_date.isoformat(), "postcode": person.postcode,
        "neighbourhood": str(person.neighbourhood_id or ""), "team": str(person.team_id),
        "phone": person.phone, "email": person.email, "preferred_language": person.preferred_language,
        "version": str(version),
    }
    data.update(changes)
    return data


def test_the_resident_form_carries_the_version_it_was_opened_with(client_for, worker, resident):
    Participant.objects.filter(pk=resident.pk).update(version=4)
    body = client_for(worker).get(resident_url(resident)).content.decode()
    assert '<input type="hidden" name="version" value="4"' in body


def test_a_stale_resident_save_shows_both_versions_and_saves_nothing(client_for, worker, colleague, resident):
    first, second = client_for(worker), client_for(colleague, client=Client())
    assert first.get(resident_url(resident)).status_code == 200
    assert second.get(resident_url(resident)).status_code == 200  # both opened version 1

    response = first.post(resident_url(resident), resident_data(resident, 1, phone="06 11111111"))
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.version == 2 and resident.phone == "06 11111111"

    # The colleague, still on version 1, changed the e-mail address (and left the old phone number).
    response = second.post(resident_url(resident), resident_data(
        resident, 1, phone="058 123 4567", email="a.hoekstra@example.org"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="stale-participant"' in body
    block = body[body.find('id="stale-participant"'):body.find('id="participant-form"')]
    assert "Iemand anders heeft deze gegevens opgeslagen nadat je ze opende" in block
    assert "Opgeslagen door Sanne" in block
    # Field by field: what the other person saved next to what this user typed.
    rows = {row.split('data-field="')[1].split('"')[0]: row for row in block.split("<tr")[2:]}
    assert set(rows) == {"phone", "email"}
    assert "06 11111111" in rows["phone"] and "058 123 4567" in rows["phone"]
    assert "aukje@example.org" in rows["email"] and "a.hoekstra@example.org" in rows["email"]
    # The user's input is still filled in, against the version now stored.
    assert 'value="a.hoekstra@example.org"' in body
    assert '<input type="hidden" name="version" value="2"' in body
    assert "Mijn versie opslaan" in block and "De andere versie houden" in block
    assert f'href="{reverse("participants:detail", args=[resident.pk])}" id="keep-theirs"' in block
    # Nothing of the first save was overwritten.
    resident.refresh_from_db()
    assert resident.version == 2 and resident.phone == "06 11111111" and resident.email == "aukje@example.org"


def test_combining_both_versions_after_a_conflict_is_saved_against_the_new_version(
    client_for, worker, colleague, resident
):
    first, second = client_for(worker), client_for(colleague, client=Client())
    first.post(resident_url(resident), resident_data(resident, 1, phone="06 11111111"))
    second.post(resident_url(resident), resident_data(resident, 1, email="a.hoekstra@example.org"))
    # The colleague takes the other's phone number over and keeps their own e-mail: "Mijn versie opslaan".
    response = second.post(resident_url(resident), resident_data(
        resident, 2, phone="06 11111111", email="a.hoekstra@example.org"))
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.version == 3
    assert (resident.phone, resident.email) == ("06 11111111", "a.hoekstra@example.org")


def test_keeping_my_version_overwrites_only_after_the_user_chose_it(client_for, worker, colleague, resident):
    first, second = client_for(worker), client_for(colleague, client=Client())
    first.post(resident_url(resident), resident_data(resident, 1, last_name="Hoekstra-de Vries"))
    assert second.post(resident_url(resident), resident_data(resident, 1, postcode="8922 CD")).status_code == 200
    resident.refresh_from_db()
    assert resident.last_name == "Hoekstra-de Vries" and resident.postcode == "8921 AB"
    assert second.post(resident_url(resident), resident_data(resident, 2, last_name="Hoekstra",
                                                              postcode="8922 CD")).status_code == 302
    resident.refresh_from_db()
    assert (resident.last_name, resident.postcode, resident.version) == ("Hoekstra", "8922 CD", 3)


def test_a_resident_save_checks_the_version_in_one_update(client_for, worker, resident):
    client = client_for(worker)
    client.get(resident_url(resident))
    Participant.objects.filter(pk=resident.pk).update(version=7)  # someone else saved meanwhile
    with CaptureQueriesContext(connection) as queries:
        response = client.post(resident_url(resident), resident_data(resident, 6, phone="06 2"))
    assert response.status_code == 200 and 'id="stale-participant"' in response.content.decode()
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "participants_participant"')]
    assert len(updates) == 1 and '"version" = 6' in updates[0], updates
    assert Participant.objects.get(pk=resident.pk).phone == "058 123 4567"
    response = client.post(resident_url(resident), resident_data(resident, 7, phone="06 2"))
    assert response.status_code == 302
    assert Participant.objects.values_list("phone", "version").get(pk=resident.pk) == ("06 2", 8)


def test_a_resident_anonymised_meanwhile_is_not_written_back(client_for, worker, resident):
    client = client_for(worker)
    client.get(resident_url(resident))
    Participant.objects.filter(pk=resident.pk).update(first_name="Geanonimiseerd", erased_at=datetime.datetime(
        2024, 3, 7, 12, 0, tzinfo=datetime.UTC))
    response = client.post(resident_url(resident), resident_data(resident, 1, phone="06 3"))
    assert response.status_code == 302
    stored = Participant.objects.get(pk=resident.pk)
    assert stored.first_name == "Geanonimiseerd" and stored.phone == "058 123 4567"


def test_a_write_outside_the_form_raises_the_version_so_an_open_form_is_refused(client_for, worker, resident):
    """The admin, the import or a script write without the form's check: the database raises the
    version for them (trigger), so a form opened before such a write cannot overwrite it."""
    client = client_for(worker)
    assert client.get(resident_url(resident)).status_code == 200  # opened at version 1
    resident.phone = "06 22222222"
    resident.save()  # like the admin or a script: a plain save
    Participant.objects.filter(pk=resident.pk).update(updated_at=resident.updated_at)  # no personal change
    resident.refresh_from_db()
    assert resident.version == 2

    response = client.post(resident_url(resident), resident_data(resident, 1, email="nieuw@example.org"))
    assert response.status_code == 200 and 'id="stale-participant"' in response.content.decode()
    resident.refresh_from_db()
    assert (resident.phone, resident.email, resident.version) == ("06 22222222", "aukje@example.org", 2)
