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

from django.db.models import Count, F, Q, Sum, Value

from collectief.models import EndReason, GroupKind, LifeDomain, MunicipalityTarget
from groups.models import Attendance, Enrolment, Group, Session
from participants.models import IndividualSupport

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
        **_flows(mid, period, counting, reason_codes),  # query 13
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
