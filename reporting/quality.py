"""Data-quality checks for the coordinator's dashboard (internal only, never in a report).

These are not KPIs: they point at registration gaps that make the KPIs too low (a group that
should have met but has no sessions logged; a held session where nobody's attendance was
saved) and at likely double registrations (a group with two held sessions on one day). Each
check is two queries, whatever the size of the data.
"""

from django.db.models import Count, Exists, OuterRef, Q, Value, Window

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


def sessions_without_attendance(municipality, period, teams=None):
    """Held sessions in the period without a single attendance row."""
    return (
        _of_teams(Session.objects.all(), teams, "group__team").filter(
            group__team__municipality=municipality,
            status=Session.Status.HELD,
            date__gte=period.start,
            date__lte=period.end,
        )
        .filter(~Exists(Attendance.objects.filter(session=OuterRef("pk"))))
        .select_related("group", "group__team")
        .order_by("-date", "group__name")
    )


def days_with_several_sessions(municipality, period, teams=None):
    """Days on which a group of the municipality has more than one *held* session in the period.

    A second held session on one day is usually a double registration (the session form asks for
    confirmation since issue 8); a cancelled one next to a held one is not counted.
    """
    return (
        _of_teams(Session.objects.all(), teams, "group__team").filter(
            group__team__municipality=municipality,
            status=Session.Status.HELD,
            date__gte=period.start,
            date__lte=period.end,
        )
        .values("group_id", "group__name", "group__team__name", "date")
        .annotate(sessions=Count("id"))
        .filter(sessions__gt=1)
        # The number of such days on every row (a window runs after GROUP BY and HAVING): one query.
        .annotate(days=Window(Count(Value(1))))
        .order_by("-date", "group__name", "group_id")
    )


def data_quality(municipality, period, teams=None) -> dict:
    """The three lists of the panel; with ``teams``, only the groups of those teams (issue 9)."""
    groups = groups_without_sessions(municipality, period, teams)
    sessions = sessions_without_attendance(municipality, period, teams)
    doubles = list(days_with_several_sessions(municipality, period, teams)[:LIMIT])
    return {
        "days_with_several_sessions": doubles,
        "days_with_several_sessions_count": doubles[0]["days"] if doubles else 0,
        "groups_without_sessions": list(groups[:LIMIT]),
        "groups_without_sessions_count": groups.count(),
        "sessions_without_attendance": list(sessions[:LIMIT]),
        "sessions_without_attendance_count": sessions.count(),
        "limit": LIMIT,
    }
