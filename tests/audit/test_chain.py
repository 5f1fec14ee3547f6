"""Every audit event is hash-chained to the one before it; verify_audit finds a changed or removed row."""

import hashlib
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from collectief.audit import verify_chain
from collectief.models import AuditEvent, log_event

from .conftest import behind_the_triggers, sql

pytestmark = pytest.mark.django_db


def _events(user, count, **data):
    return [log_event(user, "participant.viewed", object_type="participants.participant", object_id=i + 1,
                      data={"page": "detail", **data}) for i in range(count)]


def test_each_new_event_is_chained_to_the_one_before(worker):
    first, second, third = (AuditEvent.objects.get(pk=e.pk) for e in _events(worker, 3))
    assert first.prev_hash == "" and len(first.hash) == 64
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert first.pk < second.pk < third.pk


def test_the_hash_covers_the_previous_hash_and_the_row_itself(worker):
    event = AuditEvent.objects.get(pk=_events(worker, 1)[0].pk)
    canonical = sql("SELECT collectief_audit_canonical(e) FROM collectief_auditevent e WHERE id = %s", [event.pk])[0][0]
    assert f'"id": {event.pk}' in canonical and '"event": "participant.viewed"' in canonical
    assert f'"at": "{event.at.isoformat()}"' in canonical
    assert event.hash == hashlib.sha256((event.prev_hash + canonical).encode()).hexdigest()


def test_writing_an_event_is_one_insert(worker, django_assert_num_queries):
    with django_assert_num_queries(1):
        log_event(worker, "participant.viewed", object_type="participants.participant", object_id=1)


def test_verify_audit_passes_an_intact_chain(worker, capsys):
    _events(worker, 5)
    call_command("verify_audit", chunk=2)  # three chunks: the walk carries the chain across them
    assert "Audit chain intact: 5 events" in capsys.readouterr().out


def test_the_check_reads_data_the_way_the_trigger_wrote_it(worker):
    """Unicode, quotes, control characters, nesting, numbers and a missing user hash the same both ways."""
    log_event(worker, "participant.updated", object_type="participants.participant", object_id="7", data={
        "fields": ["naam", "ë", "日本"], "quote": 'a "b" \\ c\n\t\x01', "nested": {"z": 1, "a": [1.5, None, True]},
        "big": 12345678901234567890, "small": 1e-7, "": "empty key",
    })
    log_event(None, "import.updated", object_type="groups.group")
    check = verify_chain()
    assert (check.rows, check.problem) == (2, "")


def test_verify_audit_names_an_altered_row(worker):
    events = _events(worker, 4)
    behind_the_triggers("UPDATE collectief_auditevent SET data = '{\"page\": \"elsewhere\"}' WHERE id = %s",
                        [events[2].pk])
    with pytest.raises(CommandError, match=f"Audit event {events[2].pk} was altered"):
        call_command("verify_audit")


def test_verify_audit_finds_a_row_altered_with_a_recomputed_hash_at_the_next_row(worker):
    events = _events(worker, 4)
    behind_the_triggers(
        "UPDATE collectief_auditevent SET user_id = NULL WHERE id = %(id)s;"
        "UPDATE collectief_auditevent e SET hash = collectief_audit_hash(e.prev_hash, e) WHERE id = %(id)s",
        {"id": events[1].pk},
    )
    expected = f"Audit event {events[2].pk}: the event before it is missing or was changed"
    with pytest.raises(CommandError, match=expected):
        call_command("verify_audit")


def test_verify_audit_names_the_row_after_a_removed_row(worker):
    events = _events(worker, 4)
    behind_the_triggers("DELETE FROM collectief_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=f"Audit event {events[2].pk}: the event before it is missing") as error:
        call_command("verify_audit")
    assert f"previous event, event {events[0].pk}" in str(error.value)


def test_verify_audit_notices_that_the_first_rows_were_removed(worker):
    events = _events(worker, 3)
    behind_the_triggers("DELETE FROM collectief_auditevent WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError, match=f"Audit event {events[1].pk}: .* it should be the first event"):
        call_command("verify_audit")


def test_an_event_cannot_choose_its_own_hash_or_place_in_the_chain(worker):
    first = _events(worker, 1)[0]
    row = sql(
        "INSERT INTO collectief_auditevent (at, action, event, object_type, object_id, data, participant_ids, "
        "prev_hash, hash, id) VALUES (now(), 'view', 'x', 't', '', '{}', '{}', 'forged', 'forged', 1) "
        "RETURNING id, prev_hash, hash"
    )[0]
    assert row[0] > first.pk and row[1] == AuditEvent.objects.get(pk=first.pk).hash and row[2] != "forged"
    assert verify_chain().problem == ""


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_form_one_unbroken_chain(worker):
    """Eight threads, each with its own connection and transactions, write at the same time."""
    barrier = threading.Barrier(8)
    errors = []

    def write(n):
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    log_event(worker, "participant.viewed", object_type="participants.participant",
                              object_id=n * 100 + i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = verify_chain(chunk=7)
    assert (check.rows, check.problem) == (80, "")
    assert AuditEvent.objects.count() == 80
    assert connection.vendor == "postgresql"
