"""The groundwork's rules, through the real stack: one active enrolment, no overlaps, services, access."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent, EndReason
from groups import services
from groups.models import Enrolment, Group, Session
from participants.models import Participant
from tests.factories import EnrolmentFactory, ParticipantFactory, SessionFactory, UserFactory

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture
def fatima(team_a):
    return ParticipantFactory(team=team_a, first_name="Fatima", last_name="El Amrani")


# --- One enrolment at a time ------------------------------------------------------------------------


def test_a_resident_whose_enrolment_ends_later_cannot_be_enrolled_again(client_for, worker, group, fatima):
    """The bug: an enrolment ending in the future could be enrolled again, and the count showed 2."""
    EnrolmentFactory(group=group, participant=fatima, start_date=TODAY() - 30 * DAY, end_date=TODAY() + 30 * DAY)
    client = client_for(worker)

    search = client.get(reverse("groups:participant_search", args=[group.pk]), {"q": "Fatima"})
    assert "El Amrani" not in search.content.decode()

    response = client.post(reverse("groups:enrol", args=[group.pk]), {
        "participant": fatima.pk, "role": "participant", "referral_source": "", "start_date": TODAY().isoformat(),
    })
    assert response.status_code == 200
    assert "niet gevonden" in response.content.decode()
    assert group.enrolments.count() == 1
    assert Group.objects.with_stats().get(pk=group.pk).member_count == 1


def test_the_database_refuses_overlapping_enrolments_whatever_the_caller(group, fatima):
    EnrolmentFactory(group=group, participant=fatima, start_date=datetime.date(2024, 1, 1),
                     end_date=datetime.date(2024, 6, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(group=group, participant=fatima, start_date=datetime.date(2024, 6, 30))
    # The day after the end is fine: re-enrolment after an end.
    Enrolment.objects.create(group=group, participant=fatima, start_date=datetime.date(2024, 7, 1))
    assert group.enrolments.count() == 2


def test_the_enrol_service_refuses_an_overlap_with_a_message_and_saves_nothing(worker, group, fatima):
    EnrolmentFactory(group=group, participant=fatima, start_date=datetime.date(2024, 3, 1))
    with pytest.raises(ValidationError) as refused:
        services.enrol(worker, group, fatima, start_date=datetime.date(2024, 9, 1))
    assert "al aangemeld" in " ".join(refused.value.messages)
    assert group.enrolments.count() == 1
    assert not AuditEvent.objects.filter(event="enrolment.created").exists()


def test_an_enrolment_that_starts_later_is_not_on_todays_roll_call_nor_counted(client_for, worker, group, fatima):
    EnrolmentFactory(group=group, participant=fatima, start_date=TODAY() + 7 * DAY)
    body = client_for(worker).get(reverse("groups:session_create", args=[group.pk])).content.decode()
    assert "El Amrani" not in body
    assert Group.objects.with_stats().get(pk=group.pk).member_count == 0
    assert list(Enrolment.objects.active()) == []


def test_the_participant_page_says_running_only_for_a_running_enrolment(client_for, worker, group, fatima):
    EnrolmentFactory(group=group, participant=fatima, start_date=TODAY() - 10 * DAY, end_date=TODAY() + 10 * DAY)
    body = client_for(worker).get(reverse("participants:detail", args=[fatima.pk])).content.decode()
    groups = body[body.index('id="groups"'):body.index("</section>", body.index('id="groups"'))]
    assert "actief" in groups and "begint later" not in groups


# --- Services -----------------------------------------------------------------------------------------


def test_a_walk_in_who_is_already_a_member_on_that_day_is_not_enrolled_twice(worker, group, fatima):
    EnrolmentFactory(group=group, participant=fatima, start_date=datetime.date(2024, 1, 1),
                     end_date=TODAY() + 30 * DAY)
    session = Session(group=group, date=datetime.date(2024, 5, 2), start_time=datetime.time(10))
    counts = services.log_session(worker, session, {}, fields=["date"], walk_in=fatima)
    assert counts["present"] == 1
    assert group.enrolments.count() == 1
    assert session.attendances.get().participant == fatima


def test_a_new_walk_in_is_registered_with_consent_and_enrolled_in_one_transaction(worker, group, members):
    walk_in = Participant(first_name="Nieuw", last_name="Gezicht", birth_date=datetime.date(1990, 2, 3))
    session = Session(group=group, date=datetime.date(2024, 5, 2), start_time=datetime.time(10))
    statuses = {p.pk: "present" for p in members}

    counts = services.log_session(worker, session, statuses, fields=["date"], walk_in=walk_in)

    assert counts == {"present": 13, "absent": 0, "excused": 0}
    assert walk_in.team == group.team
    assert walk_in.consents.get().purpose == "registration"
    enrolment = group.enrolments.get(participant=walk_in)
    assert enrolment.start_date == session.date and enrolment.referral_source == "self"
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"participant.created", "enrolment.created", "session.created"} <= events


def test_a_session_refused_by_the_models_rules_saves_nothing(worker, group, members):
    walk_in = Participant(first_name="Nieuw", last_name="Gezicht", birth_date=datetime.date(1990, 2, 3))
    session = Session(group=group, date=TODAY() + 3 * DAY, start_time=datetime.time(10))  # held, in the future
    with pytest.raises(ValidationError):
        services.log_session(worker, session, {members[0].pk: "present"}, walk_in=walk_in)
    assert not Session.objects.exists()
    assert not Participant.objects.filter(last_name="Gezicht").exists()
    assert not AuditEvent.objects.exists()


def test_a_taken_slot_is_reported_not_raised_as_a_database_error(worker, group, members):
    existing = SessionFactory(group=group, date=datetime.date(2024, 5, 2), start_time=datetime.time(10))
    session = Session(group=group, date=existing.date, start_time=existing.start_time)
    with pytest.raises(services.SlotTaken) as taken:
        services.log_session(worker, session, {})
    assert taken.value.existing == existing
    assert session.pk is None
    assert Session.objects.count() == 1


def test_ending_an_enrolment_before_it_started_is_refused(worker, group, fatima):
    enrolment = EnrolmentFactory(group=group, participant=fatima, start_date=datetime.date(2024, 3, 1))
    with pytest.raises(ValidationError):
        services.end_enrolment(worker, enrolment, end_date=datetime.date(2024, 2, 1),
                               end_reason=EndReason.objects.get(code="moved"))
    enrolment.refresh_from_db()
    assert enrolment.end_date is None


# --- Access: the same question gets the same answer everywhere -------------------------------------------


@pytest.mark.parametrize("url", ["participants:list", "groups:list", "groups:create", "participants:create"])
def test_a_user_without_a_team_gets_the_page_that_says_an_administrator_must_add_them(db, client_for, url):
    client = client_for(UserFactory(username="nieuweling"))
    response = client.get(reverse(url))
    assert response.status_code == 403
    body = response.content.decode()
    assert "nog niet aan een team toegevoegd" in body and "beheerder" in body


def test_the_start_page_of_a_user_without_a_team_says_so_too(db, client_for):
    response = client_for(UserFactory(username="nieuweling")).get("/")
    assert response.status_code == 403
    assert "nog niet aan een team toegevoegd" in response.content.decode()


def test_a_new_membership_takes_effect_on_the_next_request(client_for, team_a):
    from tests.factories import MembershipFactory

    user = UserFactory(username="nieuweling")
    client = client_for(user)
    assert client.get(reverse("groups:list")).status_code == 403
    MembershipFactory(user=user, team=team_a)
    assert client.get(reverse("groups:list")).status_code == 200
