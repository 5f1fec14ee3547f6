"""The audit table refuses TRUNCATE, UPDATE and DELETE, also to the application's own database role."""

import importlib
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from collectief.models import log_event

from .conftest import sql

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("collectief.migrations.0006_audit_chain")
INSERT = (
    "INSERT INTO collectief_auditevent (at, action, event, object_type, object_id, data, participant_ids, "
    "prev_hash, hash) VALUES (now(), 'view', 'participant.viewed', 'participants.participant', '1', '{}', '{1}', "
    "'', '') RETURNING id, hash"
)


def _refused(statement) -> str:
    """The database's refusal of ``statement`` ("" when it was allowed)."""
    try:
        with transaction.atomic():  # a savepoint: the refusal does not end the test's transaction
            sql(statement)
    except DatabaseError as error:
        return str(error)
    return ""


@pytest.fixture
def app_role():
    """A throwaway role like the application's: neither owner nor superuser; gone with the test's rollback."""
    name = f"collectief_app_test_{uuid.uuid4().hex[:8]}"
    sql(f"CREATE ROLE {name} NOLOGIN")
    sql(f"GRANT SELECT, INSERT ON collectief_auditevent TO {name}")
    sequence = sql("SELECT pg_get_serial_sequence('collectief_auditevent', 'id')")[0][0]
    sql(f"GRANT USAGE ON SEQUENCE {sequence} TO {name}")
    return name


def test_the_owner_cannot_truncate_update_or_delete_either(worker):
    log_event(worker, "participant.viewed", object_type="participants.participant", object_id=1)
    # The test database allows the test runner's flush (TRUNCATE); a real database does not.
    sql("SET LOCAL collectief.audit_truncate = ''")
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign key checks: the refusal is the trigger's
    assert "cannot be truncated" in _refused("TRUNCATE collectief_auditevent")
    assert "append-only" in _refused("UPDATE collectief_auditevent SET event = 'x'")
    assert "append-only" in _refused("DELETE FROM collectief_auditevent")


def test_the_application_role_may_add_and_read_but_not_truncate_update_or_delete(worker, app_role):
    log_event(worker, "participant.viewed", object_type="participants.participant", object_id=1)
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    with transaction.atomic():
        sql(f"SET LOCAL ROLE {app_role}")
        try:
            for statement in ("TRUNCATE collectief_auditevent", "UPDATE collectief_auditevent SET event = 'x'",
                              "DELETE FROM collectief_auditevent"):
                assert "permission denied" in _refused(statement)
            assert "must be owner" in _refused("ALTER TABLE collectief_auditevent DISABLE TRIGGER USER")
            new_id, new_hash = sql(INSERT)[0]
            assert new_id and len(new_hash) == 64
            assert sql("SELECT count(*) FROM collectief_auditevent")[0][0] == 2
        finally:
            sql("RESET ROLE")
    assert sql("SELECT current_user")[0][0] != app_role


def test_the_migration_revokes_from_the_configured_app_role(app_role, monkeypatch, settings):
    sql(f"GRANT ALL ON collectief_auditevent TO {app_role}")
    monkeypatch.setenv("DATABASE_APP_ROLE", app_role)

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    MIGRATION.revoke_from_app_role(None, editor)
    granted = {
        privilege: sql("SELECT has_table_privilege(%s, 'collectief_auditevent', %s)", [app_role, privilege])[0][0]
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
    }
    assert granted == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False}


def test_nobody_gets_update_delete_or_truncate_through_public():
    rows = sql(
        "SELECT privilege_type FROM information_schema.role_table_grants "
        "WHERE table_name = 'collectief_auditevent' AND grantee = 'PUBLIC'"
    )
    assert not {"UPDATE", "DELETE", "TRUNCATE"} & {row[0] for row in rows}


def test_an_unknown_app_role_is_skipped(monkeypatch):
    monkeypatch.setenv("DATABASE_APP_ROLE", "no_such_role_for_collectief")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    MIGRATION.revoke_from_app_role(None, editor)  # no error
