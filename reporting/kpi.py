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


def _individual_participants(municipality_id: int, period: Period):
    """Ids of residents of the municipality (by their team) with individual support overlapping P."""
    return (
        IndividualSupport.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=period.start),
            participant__team__municipality_id=municipality_id,
            start_date__lte=period.end,
        )
        .values("participant_id")
    )


def compute_kpis(municipality, period: Period) -> dict:
    """Return the KPI set (exactly ``KPI_KEYS``, JSON-serialisable) for a municipality and period."""
    mid = _municipality_id(municipality)
    start, end = period.start, period.end

    # Queries 1-3: the code lists (kinds, counting kinds, life domains and end reasons), so every
    # code is present in the result, also with 0.
    kinds = list(GroupKind.objects.order_by("sort_order", "code").values_list("code", flat=True))
    counting = set(counting_kinds())
    domain_codes, reason_codes = _domains_and_end_reasons()

    sessions_here = _counting_sessions(mid, start, end)
    attendance_here = _counting_sessions(mid, start, end, prefix="session__")
    support_attendance = Attendance.objects.filter(attendance_here, session__group__kind_id__in=counting)

    # Query 4: counting sessions per active group (of every kind), with the group's own fields.
    group_rows = list(
        Session.objects.filter(sessions_here)
        .values("group_id", "group__name", "group__kind_id", "group__neighbourhood__name")
        .annotate(sessions_held=Count("id"), walk_ins=Sum("head_count"))
        .order_by("group__name", "group_id")
    )
    # Query 5: attendance per active group.
    attendance_by_group = {
        row["session__group_id"]: row
        for row in Attendance.objects.filter(attendance_here)
        .values("session__group_id")
        .annotate(
            participants=Count("participant_id", distinct=True, filter=PRESENT),
            present=Count("id", filter=PRESENT),
            recorded=Count("id"),
        )
        .order_by()
    }

    groups_active_by_kind = dict.fromkeys(kinds, 0)
    groups_active = sessions_held = walk_ins = 0
    participants_per_group = []
    for row in group_rows:  # one row per active group, never per participant or attendance
        kind = row["group__kind_id"]
        groups_active_by_kind[kind] = groups_active_by_kind.get(kind, 0) + 1
        if kind in counting:
            groups_active += 1
            sessions_held += row["sessions_held"]
            walk_ins += row["walk_ins"] or 0
        att = attendance_by_group.get(row["group_id"], {})
        participants_per_group.append(
            {
                "group_id": row["group_id"],
                "group": row["group__name"],
                "kind": kind,
                "neighbourhood": row["group__neighbourhood__name"],
                "participants": att.get("participants", 0),
                "sessions_held": row["sessions_held"],
                "attendance_rate": _ratio(att.get("present", 0), att.get("recorded", 0)),
            }
        )

    # Query 6: the collective residents, those of them who also had individual support, and
    # the attendance rate (present / all marks: present, absent and excused).
    individual_ids = _individual_participants(mid, period)
    totals = support_attendance.aggregate(
        residents_collective=Count("participant_id", distinct=True, filter=PRESENT),
        residents_both=Count(
            "participant_id", distinct=True, filter=PRESENT & Q(participant_id__in=individual_ids)
        ),
        present=Count("id", filter=PRESENT),
        recorded=Count("id"),
    )
    # Query 7: residents with individual support overlapping P.
    residents_individual = individual_ids.aggregate(n=Count("participant_id", distinct=True))["n"]
    collective, both = totals["residents_collective"], totals["residents_both"]

    # Query 8: collective residents per life domain of the group they attended.
    by_life_domain = dict.fromkeys(domain_codes, 0)
    for row in (
        support_attendance.filter(PRESENT, session__group__life_domains__isnull=False)
        .values("session__group__life_domains")
        .annotate(n=Count("participant_id", distinct=True))
        .order_by()
    ):
        by_life_domain[row["session__group__life_domains"]] = row["n"]

    # Query 9: collective residents by their own neighbourhood.
    by_neighbourhood = {
        row["participant__neighbourhood__name"] or NO_NEIGHBOURHOOD: row["n"]
        for row in support_attendance.filter(PRESENT)
        .values("participant__neighbourhood__name")
        .annotate(n=Count("participant_id", distinct=True))
        .order_by("participant__neighbourhood__name")
    }

    # Query 10: groups started or handed over to the residents in P (counting kinds only), and
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
        "by_neighbourhood": by_neighbourhood,
        "new_groups": changes["new_groups"],
        "groups_handed_over": changes["groups_handed_over"],
        "target": _target(mid, period, counting),  # queries 11-12
        "walk_ins": walk_ins,
        "self_running_groups": changes["self_running_groups"],
        "requests_by_route": _routes_at_end(mid, period)[0],  # query 13
        **_waiting_days(mid, period, counting),  # query 14
        **_flows(mid, period, counting, reason_codes),  # query 15
    }


def _domains_and_end_reasons() -> tuple[list[str], list[str]]:
    """The life-domain and end-reason codes in their order, in one query (UNION ALL)."""
    def codes(model, name):
        return model.objects.annotate(code_list=Value(name)).values_list("code_list", "sort_order", "code")

    rows = codes(LifeDomain, "d").union(codes(EndReason, "e"), all=True).order_by("code_list", "sort_order", "code")
    domains, reasons = [], []
    for code_list, _order, code in rows:
        (domains if code_list == "d" else reasons).append(code)
    return domains, reasons


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


def _target(mid: int, period: Period, counting: set[str]) -> dict:
    """The yearly target of the year P ends in, and residents_collective from 1 January to P's end."""
    year = period.end.year
    target = (
        MunicipalityTarget.objects.filter(municipality_id=mid, year=year)
        .values_list("residents_collective", flat=True)
        .first()
    )
    ytd = Attendance.objects.filter(
        _counting_sessions(mid, datetime.date(year, 1, 1), period.end, prefix="session__"),
        PRESENT,
        session__group__kind_id__in=counting,
    ).aggregate(n=Count("participant_id", distinct=True))["n"]
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
