"""Logging a session: the roll call, walk-ins, double submits, bad input and query caps."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from groups.models import Attendance, Enrolment, Session
from participants.models import Consent, Participant
from tests.factories import EnrolmentFactory, ParticipantFactory, SessionFactory

TODAY = timezone.localdate


def session_data(members=(), day=None, absent=(), excused=(), status="held", **extra):
    """What the browser posts: every member's radio (present unless told otherwise)."""
    data = {
        # 00:00: a held session of today has begun whatever time the tests run (a later start is refused).
        "date": (day or TODAY()).isoformat(), "start_time": "00:00", "duration_minutes": "90",
        "status": status, "head_count": "0", "topic": "", "notes": "",
    }
    for person in members:
        data[f"att-{person.pk}"] = "present"
    for person in absent:
        data[f"att-{person.pk}"] = "absent"
    for person in excused:
        data[f"att-{person.pk}"] = "excused"
    data.update(extra)
    return data


def create_url(group):
    return reverse("groups:session_create", args=[group.pk])


def test_the_session_form_is_prefilled_with_today_usual_time_and_everyone_present(client_for, worker, group, members):
    response = client_for(worker).get(create_url(group))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="{TODAY().isoformat()}"' in body
    assert 'value="10:00"' in body
    assert 'value="90"' in body
    for person in members:
        assert f'name="att-{person.pk}" id="att-{person.pk}-present" value="present" autocomplete="off" checked' in body
    assert "12 van 12 aanwezig" in body


def test_the_date_can_be_chosen_from_the_start_page_link(client_for, worker, group, members):
    body = client_for(worker).get(create_url(group) + "?date=2024-03-07").content.decode()
    assert 'value="2024-03-07"' in body


def test_garbage_in_the_date_parameter_falls_back_to_today(client_for, worker, group):
    response = client_for(worker).get(create_url(group) + "?date=2024-13-45%27")
    assert response.status_code == 200
    assert f'value="{TODAY().isoformat()}"' in response.content.decode()


def test_logging_a_session_stores_exactly_the_right_attendance_rows(client_for, worker, group, members):
    absent, excused = members[:2], members[2:3]
    response = client_for(worker).post(
        create_url(group), session_data(members, absent=absent, excused=excused, head_count="3", topic="Route kiezen")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:detail", args=[group.pk])
    session = Session.objects.get(group=group)
    assert (session.date, session.start_time, session.status) == (TODAY(), datetime.time(0), "held")
    assert session.head_count == 3 and session.topic == "Route kiezen" and session.created_by == worker
    rows = dict(session.attendances.values_list("participant_id", "status"))
    assert rows == {
        **{p.pk: "present" for p in members[3:]}, **{p.pk: "absent" for p in absent}, excused[0].pk: "excused",
    }


def test_the_group_page_confirms_what_was_saved(client_for, worker, group, members):
    client = client_for(worker)
    response = client.post(create_url(group), session_data(members, absent=members[:2]), follow=True)
    body = response.content.decode()
    assert "opgeslagen: 10 aanwezig, 2 afwezig, 0 afgemeld" in body
    assert 'id="attendance-matrix"' in body


def test_a_member_without_a_radio_value_counts_as_present(client_for, worker, group, members):
    client_for(worker).post(create_url(group), session_data(absent=members[:1]))
    statuses = list(Attendance.objects.values_list("status", flat=True))
    assert sorted(statuses) == ["absent"] + ["present"] * 11


def test_logging_is_audited_with_counts_and_field_names_only(client_for, worker, group, members):
    client_for(worker).post(create_url(group), session_data(members, absent=members[:2], notes="Gezellig"))
    event = AuditEvent.objects.get(event="session.created")
    assert event.user == worker and event.action == "create"
    assert event.data["attendance"] == {"present": 10, "absent": 2, "excused": 0}
    assert "Gezellig" not in str(event.data) and members[0].last_name not in str(event.data)


def test_a_double_submit_creates_one_session_and_shows_the_saved_one(client_for, worker, group, members):
    client = client_for(worker)
    data = session_data(members, absent=members[:2])
    first = client.post(create_url(group), data)
    second = client.post(create_url(group), data)
    assert first.status_code == 302 and second.status_code == 302
    session = Session.objects.get(group=group)
    assert second["Location"] == reverse("groups:session_edit", args=[group.pk, session.pk])
    assert session.attendances.count() == 12
    page = client.get(second["Location"]).content.decode()
    assert "was al geregistreerd" in page


def test_a_second_tab_with_other_choices_does_not_overwrite_the_saved_session(client_for, worker, group, members):
    client = client_for(worker)
    client.post(create_url(group), session_data(members, absent=members[:2]))
    client.post(create_url(group), session_data(members, absent=members[:5]))
    assert Session.objects.filter(group=group).count() == 1
    assert Attendance.objects.filter(status="absent").count() == 2


def test_a_cancelled_session_stores_no_attendance(client_for, worker, group, members):
    response = client_for(worker).post(
        create_url(group), session_data(members, absent=members[:2], status="cancelled", head_count="4")
    )
    assert response.status_code == 302
    session = Session.objects.get(group=group)
    assert session.status == "cancelled" and session.head_count == 0
    assert not Attendance.objects.exists()


def test_cancelling_an_existing_session_removes_its_attendance(client_for, worker, group, members):
    client = client_for(worker)
    client.post(create_url(group), session_data(members))
    session = Session.objects.get(group=group)
    url = reverse("groups:session_edit", args=[group.pk, session.pk])
    assert client.post(url, session_data(members, status="cancelled")).status_code == 302
    assert not Attendance.objects.exists()


def test_a_held_session_in_the_future_is_refused(client_for, worker, group, members):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    response = client_for(worker).post(create_url(group), session_data(members, day=tomorrow))
    assert response.status_code == 200
    assert "in de toekomst" in response.content.decode()
    assert not Session.objects.exists() and not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(event="session.created").exists()


def test_a_cancellation_may_be_recorded_in_advance(client_for, worker, group, members):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    response = client_for(worker).post(create_url(group), session_data(members, day=tomorrow, status="cancelled"))
    assert response.status_code == 302
    assert Session.objects.get().status == "cancelled"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"date": ""}, "Dit veld is verplicht"),
        ({"date": "2024-02-30"}, "geldige datum"),
        ({"date": "31-31-2023"}, "geldige datum"),
        ({"date": "2023-12-01"}, "kan niet eerder"),  # before the group started
        ({"date": "0202-01-01"}, "geen plausibele datum"),
        ({"start_time": ""}, "Dit veld is verplicht"),
        ({"start_time": "25:61"}, "geldige tijd"),
        ({"duration_minutes": "0"}, "tussen 5 en 1440"),
        ({"duration_minutes": "99999999"}, "1440"),
        ({"duration_minutes": "abc"}, "geheel getal"),
        ({"head_count": "-1"}, "minstens 0"),
        ({"head_count": "100000"}, "500"),
        ({"status": "maybe"}, "geldige keuze"),
        ({"topic": "x" * 201}, "niet meer dan 200 tekens"),
        ({"notes": "x" * 501}, "niet meer dan 500 tekens"),
    ],
)
def test_bad_session_input_gives_a_message_and_saves_nothing(client_for, worker, group, members, change, message):
    response = client_for(worker).post(create_url(group), session_data(members, **change))
    assert response.status_code == 200
    body = response.content.decode()
    assert "nog niet opgeslagen" in body
    assert message in body
    assert not Session.objects.exists() and not Attendance.objects.exists()


def test_attendance_for_a_resident_of_another_team_is_refused(client_for, worker, group, members, stranger):
    data = session_data(members, **{f"att-{stranger.pk}": "present"})
    response = client_for(worker).post(create_url(group), data)
    assert response.status_code == 200
    assert "niet aangemeld is bij dit collectief" in response.content.decode()
    assert not Session.objects.exists() and not Attendance.objects.exists()
    assert stranger.first_name not in response.content.decode()


@pytest.mark.parametrize("key, value", [("att-abc", "present"), ("att-1", "maybe")])
def test_garbage_attendance_values_are_refused(client_for, worker, group, members, key, value):
    data = session_data(members)
    if value == "maybe":
        key = f"att-{members[0].pk}"
    data[key] = value
    response = client_for(worker).post(create_url(group), data)
    assert response.status_code == 200
    assert not Session.objects.exists() and not Attendance.objects.exists()


def test_the_form_keeps_the_choices_made_when_it_comes_back_with_an_error(client_for, worker, group, members):
    data = session_data(members, absent=members[:1], topic="x" * 201)
    body = client_for(worker).post(create_url(group), data).content.decode()
    assert f'id="att-{members[0].pk}-absent" value="absent" autocomplete="off" checked' in body
    assert not Session.objects.exists() and not Attendance.objects.exists()


# --- Walk-ins ------------------------------------------------------------------------------------


def walk_in(first="Jan", last="Inloper", birth="1980-05-17", postcode="8921 AB", **extra):
    return {"walkin-first_name": first, "walkin-last_name": last, "walkin-birth_date": birth,
            "walkin-postcode": postcode, "walkin-consent_registration": "on", **extra}


def test_a_walk_in_without_consent_is_not_registered(client_for, worker, group, members):
    data = session_data(members, **walk_in())
    del data["walkin-consent_registration"]
    response = client_for(worker).post(create_url(group), data)
    assert response.status_code == 200
    assert "Vraag eerst toestemming aan de inwoner" in response.content.decode()
    assert not Participant.objects.filter(last_name="Inloper").exists()
    assert not Session.objects.filter(group=group).exists()
    assert not Attendance.objects.exists() and not Consent.objects.exists()


def test_a_new_walk_in_is_registered_enrolled_and_marked_present(client_for, worker, group, members):
    data = session_data(members, **walk_in())
    response = client_for(worker).post(create_url(group), data)
    assert response.status_code == 302
    newcomer = Participant.objects.get(last_name="Inloper")
    assert newcomer.team == group.team and newcomer.created_by == worker
    consent = newcomer.consents.get()
    assert consent.purpose == "registration" and consent.given and consent.recorded_by == worker
    enrolment = Enrolment.objects.get(participant=newcomer, group=group)
    assert enrolment.start_date == TODAY() and enrolment.referral_source == "self"
    session = Session.objects.get()
    assert session.attendances.get(participant=newcomer).status == "present"
    assert session.attendances.count() == 13
    assert AuditEvent.objects.filter(event="participant.created").exists()


def test_a_walk_in_who_looks_like_a_known_resident_is_offered_first(client_for, worker, group, members, team_a):
    known = ParticipantFactory(team=team_a, first_name="Fatima", last_name="El-Amrani",
                               birth_date=datetime.date(1980, 5, 17), postcode="8921 AB")
    client = client_for(worker)
    data = session_data(members, absent=members[:1], **walk_in("Fatima", "el Amrani"))
    response = client.post(create_url(group), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "al geregistreerd" in body and 'id="duplicate-check"' in body
    assert f'value="{known.pk}"' in body
    assert not Session.objects.exists() and Participant.objects.filter(last_name__icontains="amrani").count() == 1

    response = client.post(create_url(group), {**data, "walkin-match": str(known.pk)})
    assert response.status_code == 302
    assert Participant.objects.filter(last_name__icontains="amrani").count() == 1
    session = Session.objects.get()
    assert session.attendances.get(participant=known).status == "present"
    assert session.attendances.get(participant=members[0]).status == "absent"
    assert Enrolment.objects.filter(participant=known, group=group, end_date__isnull=True).count() == 1


def test_a_walk_in_can_be_confirmed_as_a_new_resident_despite_a_lookalike(client_for, worker, group, members, team_a):
    ParticipantFactory(team=team_a, first_name="Fatima", last_name="El-Amrani",
                       birth_date=datetime.date(1980, 5, 17), postcode="8921 AB")
    data = session_data(members, **walk_in("Fatima", "el Amrani"), **{"walkin-match": "new"})
    assert client_for(worker).post(create_url(group), data).status_code == 302
    assert Participant.objects.filter(last_name__icontains="amrani").count() == 2


def test_a_lookalike_in_another_team_is_never_shown(client_for, worker, group, members, team_b):
    ParticipantFactory(team=team_b, first_name="Fatima", last_name="El-Amrani",
                       birth_date=datetime.date(1980, 5, 17), postcode="8921 AB")
    response = client_for(worker).post(create_url(group), session_data(members, **walk_in("Fatima", "el Amrani")))
    assert response.status_code == 302
    assert Participant.objects.filter(last_name__icontains="amrani", team=group.team).count() == 1


def test_choosing_a_resident_of_another_team_as_the_walk_in_is_refused(client_for, worker, group, members, stranger):
    data = session_data(members, **walk_in(), **{"walkin-match": str(stranger.pk)})
    response = client_for(worker).post(create_url(group), data)
    assert response.status_code == 200
    assert not Session.objects.exists() and not Enrolment.objects.filter(participant=stranger).exists()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"walkin-birth_date": ""}, "geboortedatum"),
        ({"walkin-last_name": ""}, "achternaam"),
        ({"walkin-birth_date": "2999-01-01"}, "toekomst"),
        ({"walkin-postcode": "12"}, "postcode"),
        ({"walkin-first_name": "x" * 101}, "niet meer dan 100 tekens"),
    ],
)
def test_an_incomplete_walk_in_saves_nothing(client_for, worker, group, members, change, message):
    response = client_for(worker).post(create_url(group), session_data(members, **{**walk_in(), **change}))
    assert response.status_code == 200
    assert message in response.content.decode().lower()
    assert not Session.objects.exists() and not Participant.objects.filter(last_name="Inloper").exists()
    assert not Attendance.objects.exists() and not Consent.objects.exists()


def test_a_cancelled_session_with_a_walk_in_is_refused(client_for, worker, group, members):
    response = client_for(worker).post(create_url(group), session_data(members, status="cancelled", **walk_in()))
    assert response.status_code == 200
    assert not Session.objects.exists() and not Participant.objects.filter(last_name="Inloper").exists()
    assert not Consent.objects.exists()


# --- Editing -------------------------------------------------------------------------------------


def test_editing_a_session_shows_and_changes_the_saved_attendance(client_for, worker, group, members):
    client = client_for(worker)
    client.post(create_url(group), session_data(members, absent=members[:2]))
    session = Session.objects.get()
    url = reverse("groups:session_edit", args=[group.pk, session.pk])
    body = client.get(url).content.decode()
    assert f'id="att-{members[0].pk}-absent" value="absent" autocomplete="off" checked' in body
    response = client.post(url, session_data(members, absent=members[:1], excused=members[1:2], topic="Nieuw"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.topic == "Nieuw"
    assert Attendance.objects.filter(status="absent").count() == 1
    assert Attendance.objects.filter(status="excused").count() == 1
    assert AuditEvent.objects.filter(event="session.updated").exists()


def test_editing_an_old_session_keeps_someone_who_has_left_since(client_for, worker, group, members):
    session = SessionFactory(group=group, date=datetime.date(2024, 3, 7), start_time=datetime.time(10))
    session.mark_attendance({p.pk: "present" for p in members})
    Enrolment.objects.filter(participant=members[0]).update(end_date=datetime.date(2024, 2, 1))
    url = reverse("groups:session_edit", args=[group.pk, session.pk])
    body = client_for(worker).get(url).content.decode()
    assert members[0].last_name in body
    client_for(worker).post(url, session_data(members, day=session.date, absent=members[1:2]))
    assert session.attendances.count() == 12
    assert session.attendances.get(participant=members[0]).status == "present"


def test_moving_a_session_onto_another_sessions_slot_gives_a_message(client_for, worker, group, members):
    SessionFactory(group=group, date=datetime.date(2024, 3, 7), start_time=datetime.time(10))
    other = SessionFactory(group=group, date=datetime.date(2024, 3, 14), start_time=datetime.time(10))
    url = reverse("groups:session_edit", args=[group.pk, other.pk])
    response = client_for(worker).post(url, session_data(members, day=datetime.date(2024, 3, 7)))
    assert response.status_code == 200
    assert "al een bijeenkomst" in response.content.decode()
    other.refresh_from_db()
    assert other.date == datetime.date(2024, 3, 14)
    assert not other.attendances.exists()
    assert not AuditEvent.objects.filter(event="session.updated").exists()


def test_a_session_logged_by_mistake_can_be_removed(client_for, worker, group, members):
    client = client_for(worker)
    client.post(create_url(group), session_data(members))
    session = Session.objects.get()
    response = client.post(reverse("groups:session_delete", args=[group.pk, session.pk]))
    assert response.status_code == 302
    assert not Session.objects.exists() and not Attendance.objects.exists()
    assert AuditEvent.objects.filter(event="session.deleted").exists()


def test_the_roll_call_lists_only_members_enrolled_on_that_date(client_for, worker, group, members, team_a):
    late = EnrolmentFactory(group=group, participant=ParticipantFactory(team=team_a, last_name="Laatkomer"),
                            start_date=datetime.date(2024, 6, 1))
    body = client_for(worker).get(create_url(group) + "?date=2024-03-07").content.decode()
    assert "Laatkomer" not in body
    body = client_for(worker).get(create_url(group)).content.decode()
    assert late.participant.last_name in body


# --- Query caps ----------------------------------------------------------------------------------


def test_opening_the_session_form_takes_at_most_12_queries(
    client_for, worker, big_group, django_assert_max_num_queries
):
    client = client_for(worker)
    with django_assert_max_num_queries(12):
        response = client.get(create_url(big_group))
    assert response.content.decode().count('value="absent"') == 30


def test_saving_a_session_takes_at_most_12_queries(client_for, worker, big_group, django_assert_max_num_queries):
    client = client_for(worker)
    members = list(Participant.objects.filter(enrolments__group=big_group))
    data = session_data(members, absent=members[:5])
    with django_assert_max_num_queries(12):
        response = client.post(create_url(big_group), data)
    assert response.status_code == 302
    assert Session.objects.get(group=big_group, date=TODAY()).attendances.count() == 30


def test_editing_a_session_takes_at_most_12_queries(client_for, worker, big_group, django_assert_max_num_queries):
    client = client_for(worker)
    session = big_group.sessions.order_by("-date").first()
    members = list(Participant.objects.filter(enrolments__group=big_group))
    url = reverse("groups:session_edit", args=[big_group.pk, session.pk])
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        response = client.post(url, session_data(members, day=session.date, absent=members[:3]))
    assert response.status_code == 302
    assert session.attendances.filter(status="absent").count() == 3
