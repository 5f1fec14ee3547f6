"""Data-quality checks for the coordinator's dashboard (internal only, never in a report).

These are not KPIs: they point at registration gaps that make the KPIs too low (a group that
should have met but has no sessions logged; a held session where nobody's attendance was
saved) and at likely double registrations (a group with two held sessions on one day). Each
check is one query (its first rows and their count), whatever the size of the data.
"""

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value, Window
from django.db.models.expressions import RawSQL

from collectief.models import Team
from groups.models import Attendance, Group, Session

LIMIT = 25


def _of_teams(queryset, teams, path):
    """Only the rows of ``teams`` (the user's own, issue 9); all rows when ``teams`` is None."""
    return queryset if teams is None else queryset.filter(**{f"{path}__in": teams})


def groups_without_sessions(municipality, period, teams=None):
    """Running groups with a schedule (a usual weekday) but no held session in the period."""
    held = Session.objects.filter(
        group=OuterRef("pk"), status=Session.Status.HELD, date__gte=period.start, date__lte=period.end
    )
    return (
        _of_teams(Group.objects.all(), teams, "team").filter(
            Q(end_date__isnull=True) | Q(end_date__gte=period.start),
            team__municipality=municipality,
            status=Group.Status.RUNNING,
            usual_weekday__isnull=False,
            start_date__lte=period.end,
        )
        .filter(~Exists(held))
        .select_related("team", "kind")
        .order_by("name", "pk")
    )


def _groups_of(municipality, teams):
    """The ids of the municipality's groups (of ``teams`` when given), as a subquery: the session
    checks below then read each group's sessions of the period as one range of
    ``unique_session_slot``, never every municipality's sessions of the period."""
    return _of_teams(Group.objects.filter(team__municipality=municipality), teams, "team").values("pk")


# Per group of the municipality one range of unique_session_slot, and per held session one probe
# of unique_attendance: written out, because PostgreSQL otherwise reads every municipality's
# sessions of the period by date and probes each (1.3 s at 10M attendance rows, docs/performance.md).
_SESSIONS_WITHOUT_ATTENDANCE = """
SELECT s.id
FROM {group} g JOIN {team} t ON t.id = g.team_id
CROSS JOIN LATERAL (
    SELECT s.id FROM {session} s
    WHERE s.group_id = g.id AND s.date BETWEEN %s AND %s AND s.status = %s
      AND NOT EXISTS (SELECT 1 FROM {attendance} a WHERE a.session_id = s.id)
    OFFSET 0) s
WHERE t.municipality_id = %s AND (%s OR g.team_id = ANY(%s))
"""


def sessions_without_attendance(municipality, period, teams=None):
    """Held sessions in the period without a single attendance row."""
    tables = {"group": Group._meta.db_table, "team": Team._meta.db_table, "session": Session._meta.db_table,
              "attendance": Attendance._meta.db_table}
    team_ids = [] if teams is None else [getattr(team, "pk", team) for team in teams]
    found = RawSQL(_SESSIONS_WITHOUT_ATTENDANCE.format(**tables),  # noqa: S611 (table names from the models)
                   [period.start, period.end, Session.Status.HELD, getattr(municipality, "pk", municipality),
                    teams is None, team_ids])
    return Session.objects.filter(pk__in=found).select_related("group", "group__team").order_by("-date", "group__name")


def days_with_several_sessions(municipality, period, teams=None):
    """Days on which a group of the municipality has more than one *held* session in the period.

    A second held session on one day is usually a double registration (the session form asks for
    confirmation since issue 8); a cancelled one next to a held one is not counted. Grouped on
    (group, date) alone; the names are looked up for the days found only.
    """
    group = Group.objects.filter(pk=OuterRef("group_id"))
    return (
        Session.objects.filter(
            group__in=_groups_of(municipality, teams),
            status=Session.Status.HELD,
            date__gte=period.start,
            date__lte=period.end,
        )
        .values("group_id", "date")
        .annotate(sessions=Count("id"))
        .filter(sessions__gt=1)
        .annotate(
            group__name=Subquery(group.values("name")),
            group__team__name=Subquery(group.values("team__name")),
            # The number of such days on every row (a window runs after GROUP BY and HAVING): one query.
            days=Window(Count(Value(1))),
        )
        .order_by("-date", "group__name", "group_id")
    )


def data_quality(municipality, period, teams=None) -> dict:
    """The three lists of the panel; with ``teams``, only the groups of those teams (issue 9)."""
    # Each list with its full length in the same query (a window counts all rows before LIMIT).
    groups = list(groups_without_sessions(municipality, period, teams).annotate(total=Window(Count("pk")))[:LIMIT])
    sessions = list(
        sessions_without_attendance(municipality, period, teams).annotate(total=Window(Count("pk")))[:LIMIT]
    )
    doubles = list(days_with_several_sessions(municipality, period, teams)[:LIMIT])
    return {
        "days_with_several_sessions": doubles,
        "days_with_several_sessions_count": doubles[0]["days"] if doubles else 0,
        "groups_without_sessions": groups,
        "groups_without_sessions_count": groups[0].total if groups else 0,
        "sessions_without_attendance": sessions,
        "sessions_without_attendance_count": sessions[0].total if sessions else 0,
        "limit": LIMIT,
    }
