"""What real use found: a second session on one day, a full group, every session reachable, cancelled."""

import datetime

from django.urls import reverse

from groups.models import Attendance, Enrolment, Session
from tests.factories import ParticipantFactory, SessionFactory

DAY = datetime.date(2024, 5, 2)


def _session(members, day=DAY, start="19:00", **extra):
    data = {"date": day.isoformat(), "start_time": start, "duration_minutes": "90", "status": "held",
            "head_count": "0", "topic": "", "notes": ""}
    data.update({f"att-{p.pk}": "present" for p in members})
    data.update(extra)
    return data


def test_a_second_held_session_on_one_day_asks_first_and_saves_only_when_confirmed(client_for, worker, group,
                                                                                   members):
    SessionFactory(group=group, date=DAY, start_time=datetime.time(17, 0))
    client = client_for(worker)
    url = reverse("groups:session_create", args=[group.pk])

    asked = client.post(url, _session(members))
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "Er is op 2 mei 2024 al een bijeenkomst om 17:00 geregistreerd" in body
    assert 'name="confirm_same_day"' in body and "checked" not in body.split('name="confirm_same_day"')[1][:40]
    assert group.sessions.count() == 1

    saved = client.post(url, _session(members, confirm_same_day="1"))
    assert saved.status_code == 302
    assert group.sessions.count() == 2
    assert Attendance.objects.filter(session__start_time=datetime.time(19)).count() == len(members)


def test_a_cancelled_session_on_a_day_with_a_held_one_is_not_questioned(client_for, worker, group, members):
    SessionFactory(group=group, date=DAY, start_time=datetime.time(17, 0))
    response = client_for(worker).post(reverse("groups:session_create", args=[group.pk]),
                                       _session(members, status="cancelled"))
    assert response.status_code == 302
    assert group.sessions.count() == 2


def test_enrolling_in_a_full_group_asks_for_confirmation_and_says_how_many_are_enrolled(client_for, worker, group,
                                                                                         members, team_a):
    group.capacity = 12
    group.save(update_fields=["capacity"])
    newcomer = ParticipantFactory(team=team_a, first_name="Nieuwe", last_name="Deelnemer")
    client = client_for(worker)
    url = reverse("groups:enrol", args=[group.pk])
    data = {"participant": newcomer.pk, "role": "participant", "referral_source": "", "start_date": "2024-05-01"}

    page = client.get(url).content.decode()
    assert "Dit collectief is vol: 12 aangemeld voor 12 plaatsen." in page

    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "toch aanmelden" in refused.content.decode()
    assert not Enrolment.objects.filter(participant=newcomer).exists()

    accepted = client.post(url, {**data, "confirm_capacity": "1"})
    assert accepted.status_code == 302
    assert Enrolment.objects.filter(participant=newcomer, group=group).exists()


def test_every_session_of_a_long_running_group_is_reachable_newest_first(client_for, worker, group):
    Session.objects.bulk_create([
        Session(group=group, date=datetime.date(2024, 1, 4) + datetime.timedelta(weeks=k), start_time=datetime.time(10))
        for k in range(60)
    ])
    client = client_for(worker)
    url = reverse("groups:detail", args=[group.pk])
    seen = []
    for page in (1, 2, 3):
        body = client.get(url, {"sessies": page}).content.decode()
        section = body[body.index('id="sessions"'):]
        seen += [s.pk for s in Session.objects.filter(group=group) if
                 reverse("groups:session_edit", args=[group.pk, s.pk]) + '"' in section.split("</ul>")[0]]
    assert sorted(seen) == sorted(Session.objects.filter(group=group).values_list("pk", flat=True))
    first_page = client.get(url).content.decode()
    newest = Session.objects.filter(group=group).order_by("-date").first()
    oldest = Session.objects.filter(group=group).order_by("date").first()
    assert newest.date.strftime("%Y") in first_page
    assert reverse("groups:session_edit", args=[group.pk, oldest.pk]) not in first_page.split('id="sessions"')[1]
    # The attendance matrix has the newest session in its first column.
    header = first_page[first_page.index('id="attendance-matrix"'):first_page.index("</thead>")]
    first_column = header.index('<th scope="col"')
    assert f">{newest.date.day}/{newest.date.month}<" in header[first_column:header.index("</th>", first_column)]


def test_a_cancelled_session_hides_the_roll_call_and_says_what_is_not_stored(client_for, worker, group, members):
    session = SessionFactory(group=group, date=DAY, start_time=datetime.time(10), status="cancelled")
    body = client_for(worker).get(reverse("groups:session_edit", args=[group.pk, session.pk])).content.decode()
    assert 'class="session-form is-cancelled"' in body
    assert "worden geen aanwezigen, afwezigen of inloop opgeslagen" in body
