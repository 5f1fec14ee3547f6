"""The audit log hash-chained, TRUNCATE refused, and the residents of each event in an indexed column.

- ``participant_ids``: which residents an event showed or changed (filled by ``log_event``); the
  existing rows get it from their object and from the ids their data already listed.
- ``prev_hash``/``hash``: a BEFORE INSERT trigger chains every new row to the one before it (see
  docs/architecture.md, "Audit log"); existing rows are chained here in id order.
- A statement-level BEFORE TRUNCATE trigger refuses TRUNCATE (the row trigger of 0003 cannot see
  it), and UPDATE, DELETE and TRUNCATE are revoked from PUBLIC and from ``DATABASE_APP_ROLE``.
"""

import os

import django.contrib.postgres.fields
import django.contrib.postgres.indexes

from django.conf import settings
from django.db import migrations, models

# Any constant: every transaction that writes an audit event takes this lock until it ends, so the
# writers form one queue and each new row sees the row before it (NEN 7513 -> 7513).
CHAIN_LOCK = 7513

# The canonical text of a row: a jsonb object of its own fields. jsonb prints its keys in one fixed
# order (shortest first, then bytewise) and its values in one fixed form, so the text of a row
# does not depend on how it was written. ``at`` in UTC with microseconds (Python's isoformat).
FUNCTIONS = """
CREATE OR REPLACE FUNCTION collectief_audit_canonical(r collectief_auditevent) RETURNS text AS $$
    SELECT jsonb_build_object(
        'id', r.id,
        'at', to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
        'user_id', r.user_id,
        'action', r.action,
        'event', r.event,
        'object_type', r.object_type,
        'object_id', r.object_id,
        'data', r.data,
        'participant_ids', to_jsonb(r.participant_ids)
    )::text
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION collectief_audit_hash(prev text, r collectief_auditevent) RETURNS text AS $$
    SELECT encode(sha256(convert_to(prev || collectief_audit_canonical(r), 'UTF8')), 'hex')
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION collectief_audit_chain() RETURNS trigger AS $$
DECLARE
    head text;
BEGIN
    -- One writer at a time until its transaction ends: concurrent inserts form one chain.
    PERFORM pg_advisory_xact_lock(%(lock)s);
    -- The id is taken again inside the lock, so id order is chain order (the default's value,
    -- drawn before the lock, is left as a gap). A fresh snapshot per statement (READ COMMITTED)
    -- lets this query see the row the previous lock holder committed.
    NEW.id := nextval(pg_get_serial_sequence('collectief_auditevent', 'id'));
    SELECT hash INTO head FROM collectief_auditevent ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(head, '');
    NEW.hash := collectief_audit_hash(NEW.prev_hash, NEW);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION collectief_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    -- Test databases only (marked below while Django creates them): the test runner empties every
    -- table between transactional tests. The owner could disable the trigger anyway; the
    -- application's role has no TRUNCATE privilege at all.
    IF current_setting('collectief.audit_truncate', true) = 'allowed' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'collectief_auditevent cannot be truncated';
END;
$$ LANGUAGE plpgsql;
""" % {"lock": CHAIN_LOCK}

# The residents of existing rows: their object, and the ids their data already listed
# (the participant list's "participant_ids", the enrol search's "ids").
BACKFILL = r"""
ALTER TABLE collectief_auditevent DISABLE TRIGGER collectief_auditevent_append_only;
UPDATE collectief_auditevent SET participant_ids = ARRAY(
    SELECT DISTINCT x::bigint FROM (
        SELECT object_id AS x WHERE object_type = 'participants.participant'
        UNION ALL
        SELECT jsonb_array_elements_text(data -> 'participant_ids')
            WHERE jsonb_typeof(data -> 'participant_ids') = 'array'
        UNION ALL
        SELECT jsonb_array_elements_text(data -> 'ids')
            WHERE jsonb_typeof(data -> 'ids') = 'array' AND object_type = 'participants.participant'
    ) found WHERE x ~ '^[0-9]{1,18}$' ORDER BY 1
);
DO $$
DECLARE
    r collectief_auditevent;
    prev text := '';
BEGIN
    FOR r IN SELECT * FROM collectief_auditevent ORDER BY id LOOP
        UPDATE collectief_auditevent SET prev_hash = prev, hash = collectief_audit_hash(prev, r)
            WHERE id = r.id RETURNING hash INTO prev;
    END LOOP;
END $$;
ALTER TABLE collectief_auditevent ENABLE TRIGGER collectief_auditevent_append_only;
"""

TRIGGERS = """
CREATE TRIGGER collectief_auditevent_chain
    BEFORE INSERT ON collectief_auditevent
    FOR EACH ROW EXECUTE FUNCTION collectief_audit_chain();
CREATE TRIGGER collectief_auditevent_no_truncate
    BEFORE TRUNCATE ON collectief_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION collectief_audit_no_truncate();
REVOKE UPDATE, DELETE, TRUNCATE ON collectief_auditevent FROM PUBLIC;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS collectief_auditevent_no_truncate ON collectief_auditevent;
DROP TRIGGER IF EXISTS collectief_auditevent_chain ON collectief_auditevent;
DROP FUNCTION IF EXISTS collectief_audit_no_truncate();
DROP FUNCTION IF EXISTS collectief_audit_chain();
DROP FUNCTION IF EXISTS collectief_audit_hash(text, collectief_auditevent);
DROP FUNCTION IF EXISTS collectief_audit_canonical(collectief_auditevent);
"""


def revoke_from_app_role(apps, schema_editor):
    """The role the application runs as (``DATABASE_APP_ROLE``) may only read and add audit rows."""
    role = getattr(settings, "DATABASE_APP_ROLE", None) or os.environ.get("DATABASE_APP_ROLE", "")
    if not role:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            name = schema_editor.connection.ops.quote_name(role)
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON collectief_auditevent FROM {name}")


def allow_truncate_in_test_database(apps, schema_editor):
    """Django's test runner flushes with TRUNCATE: allow it in the test database only."""
    connection = schema_editor.connection
    name = connection.settings_dict["NAME"]
    if name != connection.creation._get_test_db_name():
        return  # a real database
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {connection.ops.quote_name(name)} SET collectief.audit_truncate = 'allowed'")
        cursor.execute("SET collectief.audit_truncate = 'allowed'")  # this session too



class Migration(migrations.Migration):

    dependencies = [
        ('collectief', '0005_administrator_role'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64, verbose_name='hash'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='participant_ids',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, default=list, size=None, verbose_name='residents'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64, verbose_name='previous hash'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=django.contrib.postgres.indexes.GinIndex(fields=['participant_ids'], name='audit_participant_ids_gin'),
        ),
        migrations.RunSQL(FUNCTIONS, BACKWARD),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(TRIGGERS, migrations.RunSQL.noop),
        migrations.RunPython(revoke_from_app_role, migrations.RunPython.noop),
        migrations.RunPython(allow_truncate_in_test_database, migrations.RunPython.noop),
    ]
