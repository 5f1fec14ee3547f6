"""Positive Health, aggregated for the organisation only: paired change from start to end.

Positive Health is the resident's own view, for the conversation (DESIGN, "Outcomes"). The only
figure made of it is this internal one: for residents with both a *start* and an *end*
measurement, the average per dimension at start and at end. It is shown only when at least
``MIN_PAIRS`` residents have both, never per resident or per team ranking, and never leaves the
organisation (no report, CSV or municipality page reads this module).

What it does not prove: residents who filled in both are not all residents; a change is not
caused by the group alone; the scores are a conversation aid, filled in alone or together.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from participants.models import Measurement

MIN_PAIRS = 5
DIMENSIONS = Measurement.DIMENSIONS


def _one_decimal(value) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def paired_change(team_ids, period) -> dict:
    """``{"pairs": n, "shown": bool, "dimensions": [{"dimension", "start", "end", "change"}]}``.

    A pair is a resident of one of ``team_ids`` with an end measurement dated in ``period`` (the
    latest) and a start measurement on or before it (the earliest). Averages are hidden (empty
    list) when there are fewer than MIN_PAIRS pairs. One query.
    """
    dims = ", ".join(DIMENSIONS)
    averages = ", ".join(f"avg(s.{d}), avg(e.{d})" for d in DIMENSIONS)
    table = Measurement._meta.db_table
    sql = f"""
        WITH s AS (
            SELECT DISTINCT ON (participant_id) participant_id, date, {dims}
            FROM {table} WHERE moment = 'start' ORDER BY participant_id, date, id
        ), e AS (
            SELECT DISTINCT ON (participant_id) participant_id, date, {dims}
            FROM {table} WHERE moment = 'end' AND date BETWEEN %s AND %s
            ORDER BY participant_id, date DESC, id DESC
        )
        SELECT count(*), {averages}
        FROM s JOIN e USING (participant_id)
        JOIN participants_participant p ON p.id = s.participant_id
        WHERE p.team_id = ANY(%s) AND s.date <= e.date AND p.erased_at IS NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.start, period.end, list(team_ids)])
        row = cursor.fetchone()
    pairs = row[0]
    if pairs < MIN_PAIRS:
        return {"pairs": pairs, "shown": False, "dimensions": []}
    dimensions = []
    for index, dimension in enumerate(DIMENSIONS):
        start, end = row[1 + 2 * index], row[2 + 2 * index]
        dimensions.append({
            "dimension": dimension,
            "start": _one_decimal(start),
            "end": _one_decimal(end),
            "change": _one_decimal(Decimal(str(end)) - Decimal(str(start))),
        })
    return {"pairs": pairs, "shown": True, "dimensions": dimensions}
