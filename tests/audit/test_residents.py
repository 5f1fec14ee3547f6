"""Every page that shows residents records which ones (ids only, never a name), in one audit INSERT."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collectief.audit import residents_shown
from collectief.models import AuditEvent
from tests.factories import EnrolmentFactory, ParticipantFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _only_event(name) -> AuditEvent:
    return AuditEvent.objects.get(event=name)


def _no_names(event, people):
    text = str(event.data)
    assert not any(p.first_name in text or p.last_name in text for p in people)


def test_residents_shown_gives_sorted_unique_ids():
    assert residents_shown([3, 1, 3, None, "2"]) == {"participant_ids": [1, 2, 3]}


def test_the_group_page_records_every_member_shown_current_and_former(client_for, worker, group, members):
    former = ParticipantFactory(team=group.team, first_name="Oud", last_name="Lid")
    EnrolmentFactory(group=group, participant=former, start_date=datetime.date(2024, 1, 1),
                     end_date=datetime.date(2024, 6, 1))
    assert client_for(worker).get(reverse("groups:detail", args=[group.pk])).status_code == 200
    event = _only_event("group.viewed")
    expected = sorted(p.pk for p in [*members, former])
    assert event.participant_ids == expected and event.data["participant_ids"] == expected
    assert event.data["members"] == 3
    _no_names(event, [*members, former])


def test_opening_the_roll_call_records_who_is_on_it(client_for, worker, group, members):
    client = client_for(worker)
    assert client.get(reverse("groups:session_create", args=[group.pk])).status_code == 200
    assert _only_event("group.viewed").participant_ids == sorted(p.pk for p in members)
    session = SessionFactory(group=group, date=timezone.localdate() - datetime.timedelta(days=1))
    assert client.get(reverse("groups:session_edit", args=[group.pk, session.pk])).status_code == 200
    assert _only_event("session.viewed").participant_ids == sorted(p.pk for p in members)
    assert AuditEvent.objects.count() == 2  # one per request


def test_saving_attendance_records_whose_attendance_changed(client_for, worker, group, members):
    data = {"date": timezone.localdate().isoformat(), "start_time": "00:00", "duration_minutes": "90",
            "status": "held", "head_count": "0", "topic": "", "notes": ""}
    data.update({f"att-{p.pk}": "present" for p in members})
    data[f"att-{members[0].pk}"] = "absent"
    response = client_for(worker).post(reverse("groups:session_create", args=[group.pk]), data)
    assert response.status_code == 302
    event = _only_event("session.created")
    assert event.participant_ids == sorted(p.pk for p in members)
    assert event.data["attendance"] == {"present": 2, "absent": 1, "excused": 0}
    _no_names(event, members)


def test_the_enrol_page_records_its_members_and_the_residents_found(client_for, worker, group, members, participant):
    response = client_for(worker).get(reverse("groups:enrol", args=[group.pk]), {"q": "Fatima"})
    assert response.status_code == 200
    assert _only_event("group.viewed").participant_ids == sorted(p.pk for p in members)
    found = _only_event("participant.viewed")
    assert found.participant_ids == [participant.pk] and found.data["page"] == "enrol_search"
    _no_names(found, [participant])


def test_the_search_fragment_records_the_residents_found(client_for, worker, group, participant):
    client_for(worker).get(reverse("groups:participant_search", args=[group.pk]), {"q": "El Amrani"})
    assert _only_event("participant.viewed").participant_ids == [participant.pk]


def test_the_end_of_enrolment_page_records_its_resident(client_for, worker, group, members):
    enrolment = members[0].enrolments.get()
    client_for(worker).get(reverse("groups:enrolment_end", args=[group.pk, enrolment.pk]))
    assert _only_event("participant.viewed").participant_ids == [members[0].pk]


def test_the_participant_list_and_page_record_their_residents(client_for, worker, participant):
    client = client_for(worker)
    client.get(reverse("participants:list"))
    assert _only_event("participant_list.viewed").participant_ids == [participant.pk]
    client.get(reverse("participants:detail", args=[participant.pk]))
    assert _only_event("participant.viewed").participant_ids == [participant.pk]


def test_a_change_to_a_residents_record_is_about_that_resident(client_for, worker, group, participant):
    client_for(worker).post(reverse("groups:enrol", args=[group.pk]), {
        "participant": participant.pk, "role": "participant", "referral_source": "self",
        "start_date": timezone.localdate().isoformat(),
    })
    assert _only_event("enrolment.created").participant_ids == [participant.pk]


def test_the_start_page_shows_no_resident_and_records_none(client_for, worker, group, members):
    response = client_for(worker).get(reverse("home"))
    assert response.status_code == 200
    assert not any(p.last_name in response.content.decode() for p in members)
