"""The KPI set of DESIGN.md for one municipality and period: the one place these figures are computed.

The dashboard, the ``kpi`` command, the Celery task and the PDF all call :func:`compute_kpis`
(and :func:`trend`), so screen, paper and command line always agree. Every figure is an
aggregate computed in PostgreSQL (COUNT(DISTINCT ...), FILTER, subqueries); Python only
reshapes a handful of result rows (one per kind, life domain, neighbourhood or active group), so
the number of queries is fixed and does not grow with the data. See docs/kpi.md.

The results are *unsuppressed*: pass them through ``reporting.suppression.protect`` before
anything leaves the organisation.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections, router, transaction
from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from collectief.models import EndReason, GroupKind, LifeDomain, MunicipalityTarget
from groups.models import Attendance, Enrolment, Group, GroupCheck, Session
from participants.models import HelpRequest, IndividualSupport, RouteChange
from pathway.requests import BUNDLEABLE_ROUTES
from pathway.requests import threshold as bundle_threshold_setting

from . import metrics
from .models import AttendanceQuarter, SessionQuarter
from .periods import Period

# The keys of compute_kpis (a contract: DESIGN.md) and its plain counts, declared in metrics.py.
KPI_KEYS = metrics.KPI_KEYS
COUNT_KEYS = metrics.COUNT_KEYS

# by_neighbourhood key for residents whose neighbourhood is not registered.
NO_NEIGHBOURHOOD = ""
# inflow_by_referral / outflow_by_end_reason key for enrolments without a registered referral
# source or end reason (present only when there are any).
UNKNOWN_REFERRAL = ""

PRESENT = Q(status=Attendance.Status.PRESENT)
# requests_by_route: every route, also with 0 (DESIGN.md).
ROUTES = tuple(HelpRequest.Route.values)
# Routes that carry a *tenzij* reason, and the routes the bundling board weighs for a group.
NOT_ONLY_COLLECTIVE = (HelpRequest.Route.INDIVIDUAL, HelpRequest.Route.COMBINED)
# tenzij_reasons key for an individual or combined request without a reason (only when any).
NO_REASON = ""


class _DaysBetween(Func):
    """``later - earlier`` of two date columns: PostgreSQL's ``date - date`` is a whole number of days."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


class _PercentileCont(Aggregate):
    """PostgreSQL ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: the continuous
    percentile (interpolated between the two nearest values), NULL over no rows."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile lies between 0 and 1.")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def counting_kinds():
    """The codes of the group kinds that count for the collective-support KPI (seeded: ``support``).

    The one place that reads ``GroupKind.counts_for_kpi``: DESIGN's "support" means every kind
    the code list marks as counting, wherever a figure says so. A lazy QuerySet: inside another
    query it is a subquery (no query of its own); ``set(counting_kinds())`` is one query.
    """
    return GroupKind.objects.filter(counts_for_kpi=True).order_by("sort_order", "code").values_list("code", flat=True)


def _municipality_id(municipality) -> int:
    return getattr(municipality, "pk", municipality)


def _counting_sessions(municipality_id: int, start: datetime.date, end: datetime.date, prefix: str = ""):
    """Filter for sessions that *count*: held, dated in [start, end], of a group of the municipality,
    and before the group's hand-over date when it was handed over.

    A self-running group is no longer support by social workers (DESIGN.md): its sessions on or
    after the hand-over date count for no figure at all. ``prefix`` is the path from the queried
    model to Session ("session__" from Attendance). A group belongs to a municipality through its team.
    """
    return Q(
        **{
            f"{prefix}status": Session.Status.HELD,
            f"{prefix}date__gte": start,
            f"{prefix}date__lte": end,
            f"{prefix}group__team__municipality_id": municipality_id,
        }
    ) & (
        Q(**{f"{prefix}group__handed_over_on__isnull": True})
        | Q(**{f"{prefix}date__lt": F(f"{prefix}group__handed_over_on")})
    )


def _ratio(numerator: int, denominator: int | None) -> float | None:
    """numerator / denominator rounded to 4 decimals; None when there is nothing to divide."""
    if not denominator:
        return None
    return round(numerator / denominator, 4)


# The period's attendance figures in ONE statement (docs/performance.md, "The KPI set in one pass").
# Every figure built on attendance rows — per group, the totals, by life domain, by neighbourhood,
# the year to date — used to scan the period's rows again (five scans, each about as long as the
# bare count(DISTINCT participant)); here the rows are read once, reduced to one row per
# (resident, group) with their marks (``pg``), and every breakdown is computed from that small set.
# Table names come from the models; the values are parameters.
_ONE_PASS = """
WITH grp AS MATERIALIZED (
    -- the municipality's groups; ``domains``: their life domains as bits (bit i: %(domains)s[i + 1])
    SELECT g.id, g.kind_id = ANY(%(counting)s) AS counts, g.handed_over_on, g.name, g.kind_id, g.neighbourhood_id,
           (SELECT coalesce(bit_or(1::bigint << (array_position(%(domains)s::text[], gld.lifedomain_id::text) - 1)), 0)
            FROM {group_domains} gld WHERE gld.group_id = g.id) AS domains
    FROM {group} g
    WHERE g.team_id = ANY(ARRAY(SELECT id FROM {team} WHERE municipality_id = %(mid)s))
), sess AS MATERIALIZED (
    -- per group a range scan of the (group, date, start time) index: the sessions that count
    SELECT s.id, s.group_id, s.head_count
    FROM grp g CROSS JOIN LATERAL (
        SELECT s.id, s.group_id, s.head_count FROM {session} s
        WHERE s.group_id = g.id AND s.date BETWEEN %(start)s AND %(end)s AND s.status = %(held)s
          AND (g.handed_over_on IS NULL OR s.date < g.handed_over_on)
        OFFSET 0) s
), pg AS MATERIALIZED (
    -- one row per (resident, group) with their marks: {marks}
), cpg AS MATERIALIZED (
    SELECT pg.*, grp.domains FROM pg JOIN grp ON grp.id = pg.group_id WHERE grp.counts
), collective AS MATERIALIZED (
    -- one row per resident present at a counting session, with the life domains of their groups
    SELECT participant_id, bit_or(domains) AS domains FROM cpg WHERE present > 0 GROUP BY participant_id
), people AS MATERIALIZED (
    -- the residents of the municipality's teams, with their wijk (an index-only scan)
    SELECT p.id, p.neighbourhood_id FROM {participant} p
    WHERE p.team_id = ANY(ARRAY(SELECT id FROM {team} WHERE municipality_id = %(mid)s))
), individual AS MATERIALIZED (
    SELECT DISTINCT i.participant_id FROM {support} i JOIN people p ON p.id = i.participant_id
    WHERE i.start_date <= %(end)s AND (i.end_date IS NULL OR i.end_date >= %(start)s)
)
SELECT 'g' AS part, g.id::text AS key, g.name, g.kind_id AS kind, hood.name AS hood,
       sg.sessions AS n1, sg.walk_ins AS n2, pgg.participants AS n3, pgg.present AS n4, pgg.recorded AS n5
FROM ({sessions_per_group}) sg
JOIN grp g ON g.id = sg.group_id
LEFT JOIN {neighbourhood} hood ON hood.id = g.neighbourhood_id
LEFT JOIN (SELECT group_id, count(*) FILTER (WHERE present > 0) AS participants,
                  sum(present)::bigint AS present, sum(recorded)::bigint AS recorded
           FROM pg GROUP BY group_id) pgg ON pgg.group_id = sg.group_id
UNION ALL
SELECT 't', NULL, NULL, NULL, NULL, (SELECT count(*) FROM collective),
       (SELECT count(*) FROM collective c JOIN individual i ON i.participant_id = c.participant_id),
       (SELECT count(*) FROM individual), sum(present)::bigint, sum(recorded)::bigint
FROM cpg
UNION ALL
SELECT 'y', NULL, NULL, NULL, NULL, count(*), NULL, NULL, NULL, NULL
FROM (SELECT participant_id FROM collective UNION {earlier}) ytd
UNION ALL
-- per life domain: the residents with a group of that domain (the few distinct bit sets, then bits)
SELECT 'd', d.code, NULL, NULL, NULL, (sum(c.n) FILTER (WHERE c.domains & (1::bigint << (d.i::int - 1)) <> 0))::bigint,
       NULL, NULL, NULL, NULL
FROM (SELECT domains, count(*) AS n FROM collective GROUP BY domains) c
CROSS JOIN unnest(%(domains)s::text[]) WITH ORDINALITY d(code, i)
GROUP BY d.code
UNION ALL
-- per wijk: from ``people``; a resident of another municipality's team is looked up by id
SELECT 'n', NULL, NULL, NULL, n.name, count(*), NULL, NULL, NULL, NULL
FROM (SELECT p.neighbourhood_id FROM collective c JOIN people p ON p.id = c.participant_id
      UNION ALL
      SELECT o.neighbourhood_id FROM {participant} o
      WHERE o.id = ANY(ARRAY(SELECT c.participant_id FROM collective c
                             WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = c.participant_id)))) x
LEFT JOIN {neighbourhood} n ON n.id = x.neighbourhood_id
GROUP BY n.name
"""

# A bigint holds the life domains of a group as bits; beyond 63 domains ``d`` joins instead.
MAX_DOMAIN_BITS = 63
_D_BY_JOIN = """SELECT 'd', gld.lifedomain_id::text, NULL, NULL, NULL, count(DISTINCT cpg.participant_id),
       NULL, NULL, NULL, NULL
FROM cpg JOIN {group_domains} gld ON gld.group_id = cpg.group_id WHERE cpg.present > 0
GROUP BY gld.lifedomain_id
"""

# ``pg`` of the one pass from every mark of P: an index-only scan of unique_attendance, per session.
_PG_FROM_MARKS = """
    SELECT a.participant_id, s.group_id,
           count(*) FILTER (WHERE a.status = %(present)s) AS present, count(*) AS recorded
    FROM sess s JOIN {attendance} a ON a.session_id = s.id
    GROUP BY a.participant_id, s.group_id"""

# ``sg`` of the one pass (sessions and walk-ins per group) from the sessions themselves, or from
# the quarter summary (reporting.models.SessionQuarter) when P is whole quarters.
_SG_FROM_SESSIONS = """SELECT group_id, count(*) AS sessions, sum(head_count)::bigint AS walk_ins
    FROM sess GROUP BY group_id"""
_SG_FROM_QUARTERS = """SELECT g.id AS group_id, sum(q.held)::bigint AS sessions, sum(q.walk_ins)::bigint AS walk_ins
    FROM grp g CROSS JOIN LATERAL (
        SELECT q.held, q.walk_ins FROM {session_quarters} q
        WHERE q.group_id = g.id AND q.quarter BETWEEN %(start)s AND %(end)s OFFSET 0) q
    GROUP BY g.id"""

# ``pg`` of the one pass from the quarter summary (reporting.models.AttendanceQuarter), when P is
# whole quarters: per group a range scan of its rows (an index-only scan), about a tenth as many
# rows as marks. The summary holds only the sessions that count (held, before the hand-over).
_PG_FROM_QUARTERS = """
    SELECT q.participant_id, g.id AS group_id, sum(q.present)::bigint AS present, sum(q.recorded)::bigint AS recorded
    FROM grp g CROSS JOIN LATERAL (
        SELECT q.participant_id, q.present, q.recorded FROM {quarters} q
        WHERE q.group_id = g.id AND q.quarter BETWEEN %(start)s AND %(end)s
        OFFSET 0) q
    GROUP BY q.participant_id, g.id"""

# The residents present at a counting session of M in a date range: the year to date before P
# (``earlier`` of the one pass), or a period's distinct residents for the dashboard's cache.
_PRESENT_IN_RANGE = """
SELECT a.participant_id FROM {attendance} a
JOIN {session} s ON s.id = a.session_id
JOIN {group} g ON g.id = s.group_id
WHERE g.team_id = ANY(ARRAY(SELECT id FROM {team} WHERE municipality_id = %(mid)s))
  AND g.kind_id = ANY(%(counting)s)
  AND s.status = %(held)s AND s.date BETWEEN %(range_start)s AND %(range_end)s
  AND (g.handed_over_on IS NULL OR s.date < g.handed_over_on)
  AND a.status = %(present)s
"""

# The same from the quarter summary, when the range is whole quarters.
_PRESENT_IN_QUARTERS = """
SELECT q.participant_id FROM {quarters} q
JOIN {group} g ON g.id = q.group_id
WHERE g.team_id = ANY(ARRAY(SELECT id FROM {team} WHERE municipality_id = %(mid)s))
  AND g.kind_id = ANY(%(counting)s)
  AND q.quarter BETWEEN %(range_start)s AND %(range_end)s AND q.present > 0
"""


def _tables() -> dict:
    from collectief.models import Neighbourhood, Team
    from participants.models import Participant

    return {
        "group": Group._meta.db_table,
        "team": Team._meta.db_table,
        "session": Session._meta.db_table,
        "attendance": Attendance._meta.db_table,
        "support": IndividualSupport._meta.db_table,
        "participant": Participant._meta.db_table,
        "neighbourhood": Neighbourhood._meta.db_table,
        "group_domains": Group.life_domains.through._meta.db_table,
        "quarters": AttendanceQuarter._meta.db_table,
        "session_quarters": SessionQuarter._meta.db_table,
    }


def whole_quarters(start: datetime.date, end: datetime.date) -> bool:
    """Whether [start, end] is one or more whole quarters: then the quarter summary holds its
    marks (a month, or a range from a date to a date, is read from the marks themselves)."""
    return start.day == 1 and start.month % 3 == 1 and (end + datetime.timedelta(days=1)).day == 1 \
        and end.month % 3 == 0


def year_to_date_before(period: Period) -> tuple[datetime.date, datetime.date] | None:
    """The part of the year to date that lies before P (1 January up to the day before P starts),
    or None when there is none: P starts on 1 January, or P starts in an earlier year (then the
    year to date is a part of P, computed apart)."""
    year_start = datetime.date(period.end.year, 1, 1)
    if period.start <= year_start:
        return None
    return year_start, period.start - datetime.timedelta(days=1)


def present_residents(municipality, start: datetime.date, end: datetime.date, counting=None) -> list[int]:
    """Ids of the residents present at a counting session of the municipality in [start, end]
    (distinct, sorted): what ``compute_kpis`` accepts as ``earlier_in_year``. One query."""
    counting = list(counting_kinds()) if counting is None else list(counting)
    query = _PRESENT_IN_QUARTERS if whole_quarters(start, end) else _PRESENT_IN_RANGE
    sql = f"SELECT DISTINCT participant_id FROM ({query.format(**_tables())}) x ORDER BY 1"  # noqa: S608
    rows = _read(sql, {**_statuses(), "mid": _municipality_id(municipality), "counting": counting,
                       "range_start": start, "range_end": end})
    return [row[0] for row in rows]


# Memory for the hashes and sorts of the one pass (PostgreSQL's default is 4MB): at 10M attendance
# rows its (resident, group) rows of a quarter take about 8MB, and a hash that does not fit is
# split into batches on disk. Per statement only (SET LOCAL), on the connection that runs it.
WORK_MEM = "64MB"


def _read(sql: str, params: dict) -> list[tuple]:
    """Run a read of raw SQL where the ORM's reads of attendance go: the streaming replica inside
    ``read_from_replica()`` when it is safe (collectief/db_router.py), else the primary."""
    alias = router.db_for_read(Attendance)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _statuses() -> dict:
    return {"held": Session.Status.HELD, "present": Attendance.Status.PRESENT}


def _attendance_figures(mid: int, period: Period, counting: list[str], domain_codes: list[str],
                        earlier_in_year) -> dict:
    """The one pass (``_ONE_PASS``): one query, one row per active group plus a handful."""
    params = {**_statuses(), "mid": mid, "start": period.start, "end": period.end, "counting": counting,
              "domains": domain_codes[:MAX_DOMAIN_BITS]}
    before = year_to_date_before(period)
    ytd_apart = before is None and period.start < datetime.date(period.end.year, 1, 1)
    if before is None:
        # P starts on 1 January (the year to date is P's residents), or P reaches into an earlier
        # year (its year to date is the part of P from 1 January, counted apart below).
        earlier = "SELECT 1 WHERE false"
    else:
        # Two statements are faster than one here: inside the one pass PostgreSQL plans the scan
        # of the months before P badly (a hash over every session of the year).
        if earlier_in_year is None:
            earlier_in_year = present_residents(mid, *before, counting)
        earlier = "SELECT unnest(%(earlier)s::bigint[])"
        # One array literal, not a list: psycopg adapts a list item by item (ms per thousand ids).
        params["earlier"] = "{" + ",".join(str(int(pk)) for pk in earlier_in_year) + "}"
    tables = _tables()
    if whole_quarters(period.start, period.end):
        marks, sessions = _PG_FROM_QUARTERS, _SG_FROM_QUARTERS
    else:
        marks, sessions = _PG_FROM_MARKS, _SG_FROM_SESSIONS
    sql = _ONE_PASS.format(**tables, earlier=earlier, marks=marks.format(**tables),
                           sessions_per_group=sessions.format(**tables))
    if len(domain_codes) > MAX_DOMAIN_BITS:
        start = sql.index("-- per life domain")
        sql = sql[:start] + _D_BY_JOIN.format(**tables) + sql[sql.index("UNION ALL", start):]
    rows = _read(sql, params)
    groups, domains, hoods = [], {}, {}
    totals = ytd = None
    for part, key, name, kind, hood, n1, n2, n3, n4, n5 in rows:
        if part == "g":
            groups.append({"group_id": int(key), "name": name, "kind": kind, "neighbourhood": hood,
                           "sessions_held": n1, "walk_ins": n2 or 0, "participants": n3 or 0,
                           "present": n4 or 0, "recorded": n5 or 0})
        elif part == "t":
            totals = {"collective": n1, "both": n2, "individual": n3, "present": n4 or 0, "recorded": n5 or 0}
        elif part == "y":
            ytd = n1
        elif part == "d":
            domains[key] = n1 or 0
        else:
            hoods[hood or NO_NEIGHBOURHOOD] = n1
    if ytd_apart:
        ytd = len(present_residents(mid, datetime.date(period.end.year, 1, 1), period.end, counting))
    groups.sort(key=lambda row: (row["name"], row["group_id"]))
    return {"groups": groups, "totals": totals, "ytd": ytd, "by_life_domain": domains,
            "by_neighbourhood": dict(sorted(hoods.items()))}


def compute_kpis(municipality, period: Period, *, earlier_in_year=None) -> dict:
    """Return the KPI set (exactly ``KPI_KEYS``, JSON-serialisable) for a municipality and period.

    ``earlier_in_year``: the ids of the residents present at a counting session of the municipality
    from 1 January to the day before P starts (``present_residents`` over
    ``year_to_date_before(period)``), when the caller has them already — the dashboard keeps them
    per closed quarter in its cache (reporting/cache.py). Without it the year to date is computed
    from the database in the same statement, as reports always do.
    """
    mid = _municipality_id(municipality)
    start, end = period.start, period.end

    # Query 1: the code lists (kinds, counting kinds, life domains and end reasons), so every code
    # is present in the result, also with 0.
    kinds, counting, domain_codes, reason_codes = _code_lists()

    # Query 2: every figure built on the period's attendance rows, in one pass.
    found = _attendance_figures(mid, period, counting, domain_codes, earlier_in_year)

    groups_active_by_kind = dict.fromkeys(kinds, 0)
    groups_active = sessions_held = walk_ins = 0
    participants_per_group = []
    for row in found["groups"]:  # one row per active group, never per participant or attendance
        kind = row["kind"]
        groups_active_by_kind[kind] = groups_active_by_kind.get(kind, 0) + 1
        if kind in counting:
            groups_active += 1
            sessions_held += row["sessions_held"]
            walk_ins += row["walk_ins"]
        participants_per_group.append(
            {
                "group_id": row["group_id"],
                "group": row["name"],
                "kind": kind,
                "neighbourhood": row["neighbourhood"],
                "participants": row["participants"],
                "sessions_held": row["sessions_held"],
                "attendance_rate": _ratio(row["present"], row["recorded"]),
            }
        )
    totals = found["totals"]
    collective, both, residents_individual = totals["collective"], totals["both"], totals["individual"]
    by_life_domain = dict.fromkeys(domain_codes, 0)
    by_life_domain.update(found["by_life_domain"])

    # Query 3: groups started or handed over to the residents in P (counting kinds only), and
    # the groups of any kind that run themselves at the end of P.
    counting_group = Q(kind_id__in=counting)
    changes = Group.objects.filter(team__municipality_id=mid).aggregate(
        new_groups=Count("id", filter=counting_group & Q(start_date__gte=start, start_date__lte=end)),
        groups_handed_over=Count(
            "id", filter=counting_group & Q(handed_over_on__gte=start, handed_over_on__lte=end)
        ),
        self_running_groups=Count(
            "id", filter=Q(handed_over_on__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=end))
        ),
    )

    return {
        "residents_collective": collective,
        "residents_individual": residents_individual,
        "residents_both": both,
        "residents_collective_only": collective - both,
        "residents_individual_only": residents_individual - both,
        "residents_total": collective + residents_individual - both,
        "groups_active": groups_active,
        "groups_active_by_kind": groups_active_by_kind,
        "sessions_held": sessions_held,
        "participants_per_group": participants_per_group,
        "attendance_rate": _ratio(totals["present"], totals["recorded"]),
        "by_life_domain": by_life_domain,
        "by_neighbourhood": found["by_neighbourhood"],
        "new_groups": changes["new_groups"],
        "groups_handed_over": changes["groups_handed_over"],
        "target": _target(mid, period, found["ytd"]),  # query 4
        "walk_ins": walk_ins,
        "self_running_groups": changes["self_running_groups"],
        "requests_by_route": _routes_at_end(mid, period)[0],  # query 5
        **_waiting_days(mid, period, counting),  # query 6
        **_flows(mid, period, counting, reason_codes),  # query 7
    }


def _code_lists() -> tuple[list[str], list[str], list[str], list[str]]:
    """The group kinds, the counting kinds, the life domains and the end reasons, each in its
    order, in one query (UNION ALL)."""
    def codes(model, name, **filters):
        return (model.objects.filter(**filters).annotate(code_list=Value(name))
                .values_list("code_list", "sort_order", "code"))

    rows = (
        codes(GroupKind, "k")
        .union(codes(GroupKind, "c", counts_for_kpi=True), codes(LifeDomain, "d"), codes(EndReason, "e"), all=True)
        .order_by("code_list", "sort_order", "code")
    )
    lists = {"k": [], "c": [], "d": [], "e": []}
    for code_list, _order, code in rows:
        lists[code_list].append(code)
    return lists["k"], lists["c"], lists["d"], lists["e"]


def _flows(mid: int, period: Period, counting: set[str], reasons: list[str]) -> dict:
    """inflow_by_referral and outflow_by_end_reason: enrolments in counting-kind groups of M that
    start (by referral source) or end (by end reason) in P; every code present, also with 0."""
    start, end = period.start, period.end
    starts = Q(start_date__gte=start, start_date__lte=end)
    ends = Q(end_date__gte=start, end_date__lte=end)
    # One row per (referral source, end reason) pair: a handful, never one per person.
    rows = (
        Enrolment.objects.filter(starts | ends, group__team__municipality_id=mid, group__kind_id__in=counting)
        .values("referral_source", "end_reason_id")
        .annotate(inflow=Count("id", filter=starts), outflow=Count("id", filter=ends))
        .order_by()
    )
    inflow = dict.fromkeys(Enrolment.ReferralSource.values, 0)
    outflow = dict.fromkeys(reasons, 0)
    for row in rows:
        if row["inflow"]:
            source = row["referral_source"] or UNKNOWN_REFERRAL
            inflow[source] = inflow.get(source, 0) + row["inflow"]
        if row["outflow"]:
            reason = row["end_reason_id"] or UNKNOWN_REFERRAL
            outflow[reason] = outflow.get(reason, 0) + row["outflow"]
    return {"inflow_by_referral": inflow, "outflow_by_end_reason": outflow}


def _route_at(end: datetime.date, field: str):
    """A help request's ``route`` (or ``tenzij_reason``) at the end of ``end``: that of the newest step
    of its route history dated on or before it (the later one of a day), else the request's own.

    Every request gets its first step on its own date (``participants.services``, the migration
    that made the history), so the fallback is for requests made outside the services (an
    import, a test) without any history: their own route is all that is known.
    """
    newest = RouteChange.objects.filter(help_request=OuterRef("pk"), date__lte=end).order_by("-date", "-id")
    return Coalesce(Subquery(newest.values(field)[:1]), F(field))


def _routes_at_end(mid: int, period: Period) -> tuple[dict, dict]:
    """requests_by_route and the *tenzij* reasons, in one query.

    The help requests of residents of M (by their team) dated in P, counted by the route they had
    at the end of P (every route, 0 when none); and those whose route then was individual or
    combined by the *tenzij* reason of that same step (every reason, 0 when none; ``""`` for
    requests without a reason, only when there are any).
    """
    rows = (
        HelpRequest.objects.filter(
            participant__team__municipality_id=mid, date__gte=period.start, date__lte=period.end
        )
        .annotate(route_then=_route_at(period.end, "route"), reason_then=_route_at(period.end, "tenzij_reason"))
        .values("route_then", "reason_then")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_route = dict.fromkeys(ROUTES, 0)
    reasons = dict.fromkeys(HelpRequest.TenzijReason.values, 0)
    for row in rows:  # one row per route x reason: a handful
        route, n = row["route_then"], row["n"]
        by_route[route] = by_route.get(route, 0) + n
        if route in NOT_ONLY_COLLECTIVE:
            reason = row["reason_then"] or NO_REASON
            reasons[reason] = reasons.get(reason, 0) + n
    return by_route, reasons


def _waiting_query(mid: int, period: Period, counting):
    """The help requests whose resident's first session attended lies in P, with ``waiting_days``.

    The first session attended: the resident's first *present* mark at a held session of a
    counting-kind group of M that the request was matched to (an enrolment points to the
    request), dated on or after the request date and before the group's hand-over date.
    ``waiting_days``: from the request date to that session. One pass, grouped per request: the
    marks after P cannot change whether the first one lies in P, so they are not read.
    """
    via = "enrolments__group__"
    return (
        HelpRequest.objects.filter(
            Q(**{f"{via}handed_over_on__isnull": True}) | Q(**{f"{via}sessions__date__lt": F(f"{via}handed_over_on")}),
            **{
                "date__lte": period.end,
                f"{via}team__municipality_id": mid,
                f"{via}kind_id__in": counting,
                f"{via}sessions__status": Session.Status.HELD,
                f"{via}sessions__date__gte": F("date"),
                f"{via}sessions__date__lte": period.end,
                f"{via}sessions__attendances__status": Attendance.Status.PRESENT,
                f"{via}sessions__attendances__participant_id": F("participant_id"),
            },
        )
        .values("pk")
        .annotate(first_present=Min(f"{via}sessions__date"))
        .filter(first_present__gte=period.start)
        .annotate(waiting_days=_DaysBetween(F("first_present"), F("date")))
        .order_by()
    )


def _waiting_days(mid: int, period: Period, counting) -> dict:
    """waiting_days_median and waiting_days_p90 (PostgreSQL percentile_cont), one decimal; None when none."""
    found = _waiting_query(mid, period, counting).aggregate(
        median=_PercentileCont("waiting_days", 0.5), p90=_PercentileCont("waiting_days", 0.9)
    )
    return {"waiting_days_median": _one_decimal(found["median"]), "waiting_days_p90": _one_decimal(found["p90"])}


def _one_decimal(value: float | None) -> float | None:
    """Rounded half up to one decimal (148.45 → 148.5), not Python's round-half-even on a float."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def bundle_threshold() -> int:
    """How many residents with a similar open question are "genoeg voor een groep" (the bundling
    board's threshold, pathway.requests)."""
    return bundle_threshold_setting()


def path_figures(municipality, period: Period, *, teams=None) -> dict:
    """The internal figures of the path from help request to group that are not in the KPI set
    (dashboard only, never in a report; see docs/kpi.md), in three queries:

    - ``tenzij_reasons``: the period's help requests whose route at the end of P was individual
      or combined, by *tenzij* reason;
    - ``waiting_requests``: how many requests ``waiting_days_median``/``_p90`` are over;
    - ``could_form_a_group``: open requests of residents of M (of ``teams`` when given) with route
      collective or undecided *today*, per life domain x the resident's neighbourhood, where at
      least ``bundle_threshold()`` residents have one; rows ``{"life_domain", "wijk_id", "wijk"
      (name, None = municipality-wide), "residents", "requests"}``, most residents first.
    """
    mid = _municipality_id(municipality)
    counting = counting_kinds()  # a subquery
    return {
        "tenzij_reasons": _routes_at_end(mid, period)[1],
        "waiting_requests": _waiting_query(mid, period, counting).count(),
        "could_form_a_group": could_form_a_group(mid, teams=teams),
        "group_checks": group_checks(mid, period),
    }


def group_checks(municipality, period: Period) -> dict:
    """"Draait het nog?" of the period, counted apart from the groups the organisation runs: per
    self-running group of M its latest check dated in P. ``checked`` groups, ``still_meeting``
    of them, ``about`` = the sum of "roughly how many come" of those (an estimate, never residents
    counted). One query."""
    latest = (
        GroupCheck.objects.filter(group__team__municipality_id=_municipality_id(municipality),
                                  date__gte=period.start, date__lte=period.end)
        .order_by("group_id", "-date", "-id").distinct("group_id").values("pk")
    )
    totals = GroupCheck.objects.filter(pk__in=latest).aggregate(
        checked=Count("id"),
        still_meeting=Count("id", filter=Q(still_meets=True)),
        about=Coalesce(Sum("approx_attendance", filter=Q(still_meets=True)), 0),
    )
    return totals


def could_form_a_group(municipality, *, teams=None, threshold: int | None = None) -> list[dict]:
    """Open bundleable requests per life domain x wijk with at least ``threshold`` residents. One query.

    Requests without a life domain are left out (they are not a theme to bundle on); a resident
    without a neighbourhood counts under the municipality-wide row (``wijk_id`` None). Erased
    residents are never counted.
    """
    threshold = bundle_threshold() if threshold is None else threshold
    requests = HelpRequest.objects.filter(
        participant__team__municipality_id=_municipality_id(municipality),
        participant__erased_at__isnull=True,
        status=HelpRequest.Status.OPEN,
        route__in=BUNDLEABLE_ROUTES,
        life_domain__isnull=False,
    )
    if teams is not None:
        requests = requests.filter(participant__team__in=teams)
    rows = (
        requests.values("life_domain_id", "participant__neighbourhood_id", "participant__neighbourhood__name")
        .annotate(residents=Count("participant_id", distinct=True), requests=Count("id"))
        .filter(residents__gte=threshold)
        .order_by("-residents", "life_domain__sort_order", "life_domain_id", "participant__neighbourhood__name")
    )
    return [
        {
            "life_domain": row["life_domain_id"],
            "wijk_id": row["participant__neighbourhood_id"],
            "wijk": row["participant__neighbourhood__name"],
            "residents": row["residents"],
            "requests": row["requests"],
        }
        for row in rows
    ]


def _target(mid: int, period: Period, ytd: int) -> dict:
    """The yearly target of the year P ends in, and residents_collective from 1 January to P's end
    (``ytd``, from the one pass)."""
    year = period.end.year
    target = (
        MunicipalityTarget.objects.filter(municipality_id=mid, year=year)
        .values_list("residents_collective", flat=True)
        .first()
    )
    return {
        "year": year,
        "target": target,
        "residents_collective_ytd": ytd,
        "progress": _ratio(ytd, target),
    }


def trend(municipality, periods: list[Period]) -> list[dict]:
    """residents_collective and sessions_held per period, in the given order, in two queries."""
    if not periods:
        return []
    mid = _municipality_id(municipality)
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    counting = counting_kinds()  # a subquery of both queries below
    if all(whole_quarters(p.start, p.end) for p in periods):
        residents, sessions = _trend_from_quarters(mid, periods, first, last, counting)
    else:
        residents, sessions = _trend_from_marks(mid, periods, first, last, counting)
    return [
        {
            "label": p.label,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "residents_collective": residents[f"p{i}"],
            "sessions_held": sessions[f"p{i}"],
        }
        for i, p in enumerate(periods)
    ]


def _trend_from_quarters(mid: int, periods: list[Period], first, last, counting) -> tuple[dict, dict]:
    """The trend's two queries on the quarter summary (every period whole quarters)."""
    groups = Group.objects.filter(team__municipality_id=mid, kind_id__in=counting).values("id")
    residents = AttendanceQuarter.objects.filter(
        group_id__in=groups, quarter__gte=first, quarter__lte=last, present__gt=0
    ).aggregate(
        **{
            f"p{i}": Count("participant_id", distinct=True, filter=Q(quarter__gte=p.start, quarter__lte=p.end))
            for i, p in enumerate(periods)
        }
    )
    sessions = SessionQuarter.objects.filter(group_id__in=groups, quarter__gte=first, quarter__lte=last).aggregate(
        **{
            f"p{i}": Coalesce(Sum("held", filter=Q(quarter__gte=p.start, quarter__lte=p.end)), 0)
            for i, p in enumerate(periods)
        }
    )
    return residents, sessions


def _trend_from_marks(mid: int, periods: list[Period], first, last, counting) -> tuple[dict, dict]:
    """The trend's two queries on the marks and sessions themselves (a month or a date range)."""
    residents = Attendance.objects.filter(
        _counting_sessions(mid, first, last, prefix="session__"),
        PRESENT,
        session__group__kind_id__in=counting,
    ).aggregate(
        **{
            f"p{i}": Count(
                "participant_id", distinct=True, filter=Q(session__date__gte=p.start, session__date__lte=p.end)
            )
            for i, p in enumerate(periods)
        }
    )
    sessions = Session.objects.filter(
        _counting_sessions(mid, first, last), group__kind_id__in=counting
    ).aggregate(
        **{f"p{i}": Count("id", filter=Q(date__gte=p.start, date__lte=p.end)) for i, p in enumerate(periods)}
    )
    return residents, sessions
