"""The quarter summary (``reporting.models.AttendanceQuarter`` and ``SessionQuarter``): checked
against a recount from the marks and sessions, and rebuilt from them. The database's triggers
(migration 0007) keep it exact on every write; these are for the operator who wants to see that
(``manage.py attendance_quarter --check``) and for a repair after SQL typed by hand with the
triggers switched off (``--rebuild``).
"""

from django.db import connection, transaction

from .models import AttendanceQuarter, SessionQuarter

# What the summary must hold: the sessions that count per group and quarter, and their marks per
# group, quarter and resident.
RECOUNT_SESSIONS = """
SELECT s.group_id, date_trunc('quarter', s.date)::date AS quarter, count(*) AS held, sum(s.head_count) AS walk_ins
FROM groups_session s JOIN groups_group g ON g.id = s.group_id
WHERE s.status = 'held' AND (g.handed_over_on IS NULL OR s.date < g.handed_over_on)
GROUP BY 1, 2
"""
RECOUNT = """
SELECT s.group_id, date_trunc('quarter', s.date)::date AS quarter, a.participant_id,
       count(*) FILTER (WHERE a.status = 'present') AS present, count(*) AS recorded
FROM groups_attendance a JOIN groups_session s ON s.id = a.session_id JOIN groups_group g ON g.id = s.group_id
WHERE s.status = 'held' AND (g.handed_over_on IS NULL OR s.date < g.handed_over_on)
GROUP BY 1, 2, 3
"""

TABLE = AttendanceQuarter._meta.db_table
SESSION_TABLE = SessionQuarter._meta.db_table


def differences(limit: int = 20) -> list[dict]:
    """Rows where the summary and a recount disagree (at most ``limit`` of each table): empty when
    it is exact."""
    sessions = f"""
        SELECT coalesce(r.group_id, t.group_id), coalesce(r.quarter, t.quarter), t.held, t.walk_ins, r.held, r.walk_ins
        FROM ({RECOUNT_SESSIONS}) r FULL OUTER JOIN {SESSION_TABLE} t
          ON t.group_id = r.group_id AND t.quarter = r.quarter
        WHERE (t.held, t.walk_ins) IS DISTINCT FROM (r.held, r.walk_ins)
        ORDER BY 1, 2 LIMIT %s
    """  # noqa: S608 (table names from the models, values as parameters)
    marks = f"""
        SELECT coalesce(r.group_id, t.group_id), coalesce(r.quarter, t.quarter),
               coalesce(r.participant_id, t.participant_id), t.present, t.recorded, r.present, r.recorded
        FROM ({RECOUNT}) r FULL OUTER JOIN {TABLE} t
          ON t.group_id = r.group_id AND t.quarter = r.quarter AND t.participant_id = r.participant_id
        WHERE (t.present, t.recorded) IS DISTINCT FROM (r.present, r.recorded)
        ORDER BY 1, 2, 3 LIMIT %s
    """  # noqa: S608 (table names from the models, values as parameters)
    found = []
    with connection.cursor() as cursor:
        cursor.execute(sessions, [limit])
        keys = ("group_id", "quarter", "held", "walk_ins", "recount_held", "recount_walk_ins")
        found += [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
        cursor.execute(marks, [limit])
        keys = ("group_id", "quarter", "participant_id", "present", "recorded", "recount_present", "recount_recorded")
        found += [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
    return found


def rebuild() -> int:
    """Replace the summary by a recount, in one transaction; writers of sessions and marks wait
    meanwhile (their triggers need the tables). Returns the number of rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {SESSION_TABLE}, {TABLE} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {SESSION_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {SESSION_TABLE} (group_id, quarter, held, walk_ins) "  # noqa: S608
            f"SELECT * FROM ({RECOUNT_SESSIONS}) r ORDER BY 1, 2"
        )
        rows = cursor.rowcount
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {TABLE} (group_id, quarter, participant_id, present, recorded) "  # noqa: S608
            f"SELECT * FROM ({RECOUNT}) r ORDER BY 1, 2, 3"
        )
        return rows + cursor.rowcount
