"""Retention with fixed dates: inactive residents are proposed for erasure, old session notes blanked."""

import datetime
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from collectief.models import AuditEvent
from groups.models import Session
from participants import retention, services
from participants.models import ErasureRequest, Participant
from participants.tasks import apply_retention
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    GroupFactory,
    HelpRequestFactory,
    IndividualSupportFactory,
    ParticipantFactory,
    SessionFactory,
)

D = datetime.date
TODAY = D(2026, 6, 15)  # inactive before 2024-06-15; session notes before 2025-06-15


def _registered(participant, day):
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())
    Participant.objects.filter(pk=participant.pk).update(created_at=moment)


@pytest.fixture
def residents(team_a, coordinator):
    group = GroupFactory(team=team_a, start_date=D(2022, 1, 1))
    names = ["idle", "ended_recently", "running", "attended", "supported", "asked", "new", "pending", "kept",
             "erased"]
    people = {name: ParticipantFactory(team=team_a, first_name=name.capitalize(), last_name="Retentiema")
              for name in names}
    for person in people.values():
        _registered(person, D(2022, 1, 10))
    _registered(people["new"], D(2026, 1, 5))
    EnrolmentFactory(participant=people["idle"], group=group, start_date=D(2022, 2, 1), end_date=D(2024, 3, 1),
                     end_reason_id="completed_no_further_support")
    AttendanceFactory(participant=people["idle"], session=SessionFactory(group=group, date=D(2024, 2, 6)))
    HelpRequestFactory(participant=people["idle"], date=D(2022, 1, 10), closed_on=D(2022, 2, 1))
    IndividualSupportFactory(participant=people["idle"], start_date=D(2022, 1, 1), end_date=D(2023, 1, 1))
    EnrolmentFactory(participant=people["ended_recently"], group=group, start_date=D(2022, 2, 1),
                     end_date=D(2024, 8, 1), end_reason_id="moved")
    EnrolmentFactory(participant=people["running"], group=group, start_date=D(2022, 2, 1))
    AttendanceFactory(participant=people["attended"], session=SessionFactory(group=group, date=D(2024, 9, 3)))
    IndividualSupportFactory(participant=people["supported"], start_date=D(2022, 1, 1), end_date=D(2025, 1, 1))
    HelpRequestFactory(participant=people["asked"], date=D(2025, 1, 20))
    ErasureRequest.objects.create(participant=people["pending"], requested_by=coordinator, reason="verzoek")
    ErasureRequest.objects.create(
        participant=people["kept"], requested_by=coordinator, status="cancelled", cancelled_by=coordinator,
        cancelled_at=datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC),
    )
    Participant.objects.filter(pk=people["erased"].pk).update(erased_at=timezone.now())
    old_note = SessionFactory(group=group, date=D(2025, 5, 6), notes="Fenna had het moeilijk vandaag")
    recent_note = SessionFactory(group=group, date=D(2025, 7, 1), notes="Koffie was op")
    return SimpleNamespace(group=group, old_note=old_note, recent_note=recent_note, **people)


@pytest.mark.django_db
def test_dry_run_lists_what_would_happen_and_changes_nothing(residents):
    run = retention.apply_retention(TODAY, dry_run=True)
    assert run.dry_run
    assert (run.inactive_before, run.notes_before) == (D(2024, 6, 15), D(2025, 6, 15))
    assert run.participant_ids == [residents.idle.pk]
    assert run.session_ids == [residents.old_note.pk]
    assert ErasureRequest.objects.filter(source="retention").count() == 0
    assert Session.objects.get(pk=residents.old_note.pk).notes
    assert not AuditEvent.objects.filter(event="retention.applied").exists()


@pytest.mark.django_db
def test_a_run_proposes_erasure_of_inactive_residents_and_blanks_old_notes(residents):
    run = retention.apply_retention(TODAY)
    proposed = ErasureRequest.objects.get(source="retention")
    assert (proposed.participant_id, proposed.requested_by, proposed.status) == (residents.idle.pk, None, "requested")
    assert run.erasure_request_ids == [proposed.pk]
    assert Session.objects.get(pk=residents.old_note.pk).notes == ""
    assert Session.objects.get(pk=residents.recent_note.pk).notes == "Koffie was op"
    # Nobody is erased by the task: that takes two people.
    assert not Participant.objects.filter(pk=residents.idle.pk, erased_at__isnull=False).exists()
    event = AuditEvent.objects.get(event="retention.applied")
    assert (event.user, event.action) == (None, "update")
    assert event.participant_ids == [residents.idle.pk]
    assert event.data["sessions"] == [residents.old_note.pk]
    assert event.data["erasure_requests"] == [proposed.pk]


@pytest.mark.django_db
def test_a_second_run_does_nothing_new(residents):
    retention.apply_retention(TODAY)
    again = retention.apply_retention(TODAY)
    assert (again.participant_ids, again.session_ids) == ([], [])
    assert ErasureRequest.objects.filter(source="retention").count() == 1


@pytest.mark.django_db
def test_the_periods_come_from_settings(residents, settings):
    settings.RETENTION_INACTIVE_RESIDENT_MONTHS = 12  # before 2025-06-15
    settings.RETENTION_SESSION_NOTES_MONTHS = 6  # before 2025-12-15
    run = retention.apply_retention(TODAY, dry_run=True)
    # "kept" too: its request was cancelled before the (new) cutoff, so it is asked again.
    assert set(run.participant_ids) == {
        residents.idle.pk, residents.ended_recently.pk, residents.attended.pk, residents.supported.pk,
        residents.asked.pk, residents.kept.pk,
    }
    assert set(run.session_ids) == {residents.old_note.pk, residents.recent_note.pk}


@pytest.mark.django_db
def test_the_command_dry_run_shows_counts_and_ids_but_no_names(residents):
    out = StringIO()
    call_command("apply_retention", "--dry-run", "--today", TODAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert "dry run" in text and str(residents.idle.pk) in text and str(residents.old_note.pk) in text
    assert "Idle" not in text and "Retentiema" not in text and "Fenna" not in text
    assert not ErasureRequest.objects.filter(source="retention").exists()
    call_command("apply_retention", "--today", TODAY.isoformat(), stdout=StringIO())
    assert ErasureRequest.objects.filter(source="retention").count() == 1


@pytest.mark.django_db
def test_the_nightly_task_runs_the_same_code(residents):
    result = apply_retention.delay(today=TODAY.isoformat()).get()
    assert result["participant_ids"] == [residents.idle.pk]
    assert result["dry_run"] is False
    assert AuditEvent.objects.filter(event="retention.applied").count() == 1


def test_the_task_is_in_the_beat_schedule():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "participants.tasks.apply_retention"]
    assert len(entries) == 1


@pytest.mark.django_db
def test_a_proposal_is_requested_by_a_coordinator_and_confirmed_by_another(residents, coordinator, second_coordinator):
    retention.apply_retention(TODAY)
    proposed = ErasureRequest.objects.get(source="retention")
    with pytest.raises(services.ErasureRefused):
        services.erase_participant(coordinator, proposed)  # nobody asked yet: one person is not enough
    request, created = services.request_erasure(coordinator, residents.idle, reason="")
    assert created and request.pk == proposed.pk and request.requested_by == coordinator
    assert services.erase_participant(second_coordinator, request).is_erased


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2026, 6, 15), 24, D(2024, 6, 15)),
    (D(2024, 3, 31), 1, D(2024, 2, 29)),
    (D(2025, 1, 31), 12, D(2024, 1, 31)),
    (D(2025, 1, 15), 13, D(2023, 12, 15)),
])
def test_months_before(day, months, expected):
    assert retention.months_before(day, months) == expected
