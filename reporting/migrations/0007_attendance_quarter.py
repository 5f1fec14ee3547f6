"""The attendance per group, quarter and resident, and the sessions per group and quarter, kept
exact on every write by triggers (``reporting_attendance_quarter``, ``reporting_session_quarter``;
issue 14, docs/performance.md "The quarter summary").

One row of the first holds, for one group, one quarter and one resident, how many marks the
resident has at the group's sessions that count in that quarter (``recorded``) and how many of
them say present (``present``); one row of the second, for one group and quarter, how many of its
sessions count (``held``) and their walk-ins (``walk_ins``, the sum of ``head_count``). A session
counts when it was held and lies before the group's hand-over to its residents: exactly the
sessions the KPI set reads. Everything else the figures depend on (the
group's kind, team and municipality, its life domains, the resident's wijk) is joined when the
figures are read, so it may change without touching this table.

Statement-level triggers with transition tables keep it equal to what a recount from the
attendance would give, in the same transaction as the write, whoever writes (the roll call, the
import, the admin, a script):

- attendance INSERT / UPDATE / DELETE: the marks' difference, per key, is added;
- session INSERT: the session is counted; UPDATE of its group, date, status or walk-ins: it and
  its marks move from the old key to the new one;
- session DELETE with marks still there (only when a transaction deletes a session before its
  marks, which the deferred foreign key allows): its marks are subtracted;
- group UPDATE of the hand-over date: the sessions and marks that start or stop counting;
- group DELETE: its rows go; attendance or session TRUNCATE: everything goes.

Rows whose ``recorded`` (``held``) falls to 0 are deleted, so a resident whose marks are gone
leaves no row.
The additions are ordered by key, so concurrent writers lock rows in the same order.

The functions are SECURITY DEFINER: the application's role (``DATABASE_APP_ROLE``) only reads the
tables; it writes them only through these triggers.
"""

import os

from django.conf import settings
from django.db import migrations, models

# The marks' difference ``d`` (group_id, day, participant_id, status, sign) added to the table.
APPLY = """
    WITH up AS (
        INSERT INTO reporting_attendance_quarter AS t (group_id, quarter, participant_id, present, recorded)
        SELECT d.group_id, date_trunc('quarter', d.day)::date, d.participant_id,
               coalesce(sum(d.sign) FILTER (WHERE d.status = 'present'), 0), sum(d.sign)
        FROM ({delta}) d
        GROUP BY 1, 2, 3
        HAVING coalesce(sum(d.sign) FILTER (WHERE d.status = 'present'), 0) <> 0 OR sum(d.sign) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (group_id, quarter, participant_id) DO UPDATE
            SET present = t.present + EXCLUDED.present, recorded = t.recorded + EXCLUDED.recorded
        RETURNING t.id, t.recorded
    )
    SELECT array_agg(id) INTO gone FROM up WHERE recorded = 0;
    IF gone IS NOT NULL THEN
        DELETE FROM reporting_attendance_quarter WHERE id = ANY(gone) AND recorded = 0;
    END IF;
"""

# The sessions' difference ``d`` (group_id, day, head_count, sign) added to the session table.
APPLY_SESSIONS = """
    WITH up AS (
        INSERT INTO reporting_session_quarter AS t (group_id, quarter, held, walk_ins)
        SELECT d.group_id, date_trunc('quarter', d.day)::date, sum(d.sign), sum(d.sign * d.head_count)
        FROM ({delta}) d
        GROUP BY 1, 2
        HAVING sum(d.sign) <> 0 OR sum(d.sign * d.head_count) <> 0
        ORDER BY 1, 2
        ON CONFLICT (group_id, quarter) DO UPDATE
            SET held = t.held + EXCLUDED.held, walk_ins = t.walk_ins + EXCLUDED.walk_ins
        RETURNING t.id, t.held
    )
    SELECT array_agg(id) INTO gone FROM up WHERE held = 0;
    IF gone IS NOT NULL THEN
        DELETE FROM reporting_session_quarter WHERE id = ANY(gone) AND held = 0;
    END IF;
"""

# Sessions, signed, when they count (their group, day and status as given).
SESSIONS = """
    SELECT {group} AS group_id, {day} AS day, {head_count} AS head_count, {sign} AS sign
    FROM {sessions} JOIN groups_group g ON g.id = {group}
    WHERE {status} = 'held' AND (g.handed_over_on IS NULL OR {day} < g.handed_over_on)
"""

# A session's marks, signed, when the session (its group, day and status as given) counts.
MARKS = """
    SELECT {group} AS group_id, {day} AS day, a.participant_id, a.status, {sign} AS sign
    FROM {sessions} JOIN groups_attendance a ON a.session_id = {session_id}
    JOIN groups_group g ON g.id = {group}
    WHERE {status} = 'held' AND (g.handed_over_on IS NULL OR {day} < g.handed_over_on)
"""

# Marks from a transition table of groups_attendance, signed, through their (current) session.
ROWS = """
    SELECT s.group_id, s.date AS day, r.participant_id, r.status, {sign} AS sign
    FROM {rows} r JOIN groups_session s ON s.id = r.session_id JOIN groups_group g ON g.id = s.group_id
    WHERE s.status = 'held' AND (g.handed_over_on IS NULL OR s.date < g.handed_over_on)
"""


def _function(name: str, body: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE gone bigint[];
BEGIN
{body}
    RETURN NULL;
END;
$$;
"""


ATTENDANCE = _function("reporting_aq_attendance", f"""
    IF TG_OP = 'INSERT' THEN
        {APPLY.format(delta=ROWS.format(rows="new_rows", sign=1))}
    ELSIF TG_OP = 'DELETE' THEN
        {APPLY.format(delta=ROWS.format(rows="old_rows", sign=-1))}
    ELSE
        {APPLY.format(delta=ROWS.format(rows="new_rows", sign=1) + " UNION ALL " + ROWS.format(rows="old_rows", sign=-1))}
    END IF;
""")

# Only the sessions whose group, day, status or walk-ins changed (a new topic or note costs nothing).
_CHANGED = """(SELECT n.id, n.group_id AS new_group, n.date AS new_day, n.status AS new_status, n.head_count AS new_head,
                 o.group_id AS old_group, o.date AS old_day, o.status AS old_status, o.head_count AS old_head
          FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE (n.group_id, n.date, n.status, n.head_count) IS DISTINCT FROM (o.group_id, o.date, o.status, o.head_count)) c"""


def _new_and_old(template: str, **given) -> str:
    """``template`` for the new values (+1) UNION ALL for the old ones (-1) of the changed sessions."""
    new = template.format(group="c.new_group", day="c.new_day", status="c.new_status", head_count="c.new_head",
                          sign=1, sessions=_CHANGED, **given)
    old = template.format(group="c.old_group", day="c.old_day", status="c.old_status", head_count="c.old_head",
                          sign=-1, sessions=_CHANGED, **given)
    return new + " UNION ALL " + old


SESSION = _function("reporting_aq_session", f"""
    IF TG_OP = 'INSERT' THEN
        {APPLY_SESSIONS.format(delta=SESSIONS.format(group="n.group_id", day="n.date", status="n.status",
                                                     head_count="n.head_count", sign=1, sessions="new_rows n"))}
    ELSIF TG_OP = 'UPDATE' THEN
        {APPLY_SESSIONS.format(delta=_new_and_old(SESSIONS))}
        {APPLY.format(delta=_new_and_old(MARKS, session_id="c.id"))}
    ELSE
        {APPLY_SESSIONS.format(delta=SESSIONS.format(group="o.group_id", day="o.date", status="o.status",
                                                     head_count="o.head_count", sign=-1, sessions="old_rows o"))}
        {APPLY.format(delta=MARKS.format(group="o.group_id", day="o.date", status="o.status", sign=-1,
                                         sessions="old_rows o", session_id="o.id"))}
    END IF;
""")

# A changed hand-over date: +1 for a session that counts now and did not, -1 for the reverse.
_HANDOVER = """
    FROM new_rows n JOIN old_rows o ON o.id = n.id AND n.handed_over_on IS DISTINCT FROM o.handed_over_on
    JOIN groups_session s ON s.group_id = n.id AND s.status = 'held'
    CROSS JOIN LATERAL (SELECT (CASE WHEN n.handed_over_on IS NULL OR s.date < n.handed_over_on THEN 1 ELSE 0 END)
                             - (CASE WHEN o.handed_over_on IS NULL OR s.date < o.handed_over_on THEN 1 ELSE 0 END)
                          AS sign) v
"""

GROUP = _function("reporting_aq_group", f"""
    IF TG_OP = 'UPDATE' THEN
        {APPLY_SESSIONS.format(delta="SELECT s.group_id, s.date AS day, s.head_count, v.sign" + _HANDOVER
                               + " WHERE v.sign <> 0")}
        {APPLY.format(delta="SELECT s.group_id, s.date AS day, a.participant_id, a.status, v.sign" + _HANDOVER
                      + " JOIN groups_attendance a ON a.session_id = s.id WHERE v.sign <> 0")}
    ELSE
        DELETE FROM reporting_session_quarter WHERE group_id IN (SELECT id FROM old_rows);
        DELETE FROM reporting_attendance_quarter WHERE group_id IN (SELECT id FROM old_rows);
    END IF;
""")

TRUNCATE = _function("reporting_aq_truncate", """
    IF TG_TABLE_NAME = 'groups_session' THEN
        DELETE FROM reporting_session_quarter;
    END IF;
    DELETE FROM reporting_attendance_quarter;""")

TRIGGERS = """
CREATE TRIGGER reporting_aq_attendance_insert AFTER INSERT ON groups_attendance
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_attendance();
CREATE TRIGGER reporting_aq_attendance_update AFTER UPDATE ON groups_attendance
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_attendance();
CREATE TRIGGER reporting_aq_attendance_delete AFTER DELETE ON groups_attendance
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_attendance();
CREATE TRIGGER reporting_aq_attendance_truncate AFTER TRUNCATE ON groups_attendance
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_truncate();
CREATE TRIGGER reporting_aq_session_insert AFTER INSERT ON groups_session
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_session();
CREATE TRIGGER reporting_aq_session_truncate AFTER TRUNCATE ON groups_session
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_truncate();
CREATE TRIGGER reporting_aq_session_update AFTER UPDATE ON groups_session
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_session();
CREATE TRIGGER reporting_aq_session_delete AFTER DELETE ON groups_session
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_session();
CREATE TRIGGER reporting_aq_group_update AFTER UPDATE ON groups_group
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_group();
CREATE TRIGGER reporting_aq_group_delete AFTER DELETE ON groups_group
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_aq_group();
"""

# The tables from the data already there (as ``manage.py attendance_quarter --rebuild`` does).
FILL = """
INSERT INTO reporting_session_quarter (group_id, quarter, held, walk_ins)
SELECT s.group_id, date_trunc('quarter', s.date)::date, count(*), sum(s.head_count)
FROM groups_session s JOIN groups_group g ON g.id = s.group_id
WHERE s.status = 'held' AND (g.handed_over_on IS NULL OR s.date < g.handed_over_on)
GROUP BY 1, 2 ORDER BY 1, 2;
INSERT INTO reporting_attendance_quarter (group_id, quarter, participant_id, present, recorded)
SELECT s.group_id, date_trunc('quarter', s.date)::date, a.participant_id,
       count(*) FILTER (WHERE a.status = 'present'), count(*)
FROM groups_attendance a JOIN groups_session s ON s.id = a.session_id JOIN groups_group g ON g.id = s.group_id
WHERE s.status = 'held' AND (g.handed_over_on IS NULL OR s.date < g.handed_over_on)
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
"""

DROP = """
DROP TRIGGER IF EXISTS reporting_aq_attendance_insert ON groups_attendance;
DROP TRIGGER IF EXISTS reporting_aq_attendance_update ON groups_attendance;
DROP TRIGGER IF EXISTS reporting_aq_attendance_delete ON groups_attendance;
DROP TRIGGER IF EXISTS reporting_aq_attendance_truncate ON groups_attendance;
DROP TRIGGER IF EXISTS reporting_aq_session_insert ON groups_session;
DROP TRIGGER IF EXISTS reporting_aq_session_truncate ON groups_session;
DROP TRIGGER IF EXISTS reporting_aq_session_update ON groups_session;
DROP TRIGGER IF EXISTS reporting_aq_session_delete ON groups_session;
DROP TRIGGER IF EXISTS reporting_aq_group_update ON groups_group;
DROP TRIGGER IF EXISTS reporting_aq_group_delete ON groups_group;
DROP FUNCTION IF EXISTS reporting_aq_attendance();
DROP FUNCTION IF EXISTS reporting_aq_session();
DROP FUNCTION IF EXISTS reporting_aq_group();
DROP FUNCTION IF EXISTS reporting_aq_truncate();
"""


def grant_to_app_role(apps, schema_editor):
    """The role the application runs as (``DATABASE_APP_ROLE``) reads the tables; the triggers write them."""
    role = getattr(settings, "DATABASE_APP_ROLE", None) or os.environ.get("DATABASE_APP_ROLE", "")
    if not role:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            name = schema_editor.connection.ops.quote_name(role)
            cursor.execute(f"GRANT SELECT ON reporting_attendance_quarter, reporting_session_quarter TO {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_figure_version"),
        ("groups", "0011_kpi_one_pass_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="AttendanceQuarter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("group_id", models.BigIntegerField()),
                ("quarter", models.DateField()),
                ("participant_id", models.BigIntegerField()),
                ("present", models.IntegerField()),
                ("recorded", models.IntegerField()),
            ],
            options={"db_table": "reporting_attendance_quarter"},
        ),
        migrations.AddConstraint(
            model_name="attendancequarter",
            constraint=models.UniqueConstraint(
                fields=("group_id", "quarter", "participant_id"), include=("present", "recorded"),
                name="attendance_quarter_unique",
            ),
        ),
        migrations.CreateModel(
            name="SessionQuarter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("group_id", models.BigIntegerField()),
                ("quarter", models.DateField()),
                ("held", models.IntegerField()),
                ("walk_ins", models.IntegerField()),
            ],
            options={"db_table": "reporting_session_quarter"},
        ),
        migrations.AddConstraint(
            model_name="sessionquarter",
            constraint=models.UniqueConstraint(
                fields=("group_id", "quarter"), include=("held", "walk_ins"), name="session_quarter_unique",
            ),
        ),
        migrations.RunSQL(ATTENDANCE + SESSION + GROUP + TRUNCATE + TRIGGERS, DROP),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunPython(grant_to_app_role, migrations.RunPython.noop),
    ]
