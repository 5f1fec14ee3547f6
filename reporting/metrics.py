"""What each KPI of DESIGN.md *is*: its key, its label, whether it counts persons, how it relates.

The one place that knows the KPI set's metadata. ``compute_kpis`` returns exactly ``KPI_KEYS``;
the dashboard, the PDF, the CSV and the report page take every label from here; small-number
protection takes the cells it protects and the sums a reader could use (``RELATIONS``) from here.
See docs/kpi.md.

No database access and no imports from the rest of the app: anything may import this module.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# What a KPI's value looks like.
COUNT = "count"          # a plain non-negative integer
RATE = "rate"            # a ratio 0..1 or None
BREAKDOWN = "breakdown"  # {code or name: count}
TABLE = "table"          # a list of rows, one per active group
TARGET = "target"        # {"year", "target", "residents_collective_ytd", "progress"}
DAYS = "days"            # a number of days with one decimal, or None (waiting times)


@dataclass(frozen=True)
class Metric:
    """One KPI: ``label`` is an English msgid (lazy), translated to Dutch for the municipality.

    ``persons``: the figure counts residents (DESIGN: small-number protection applies).
    ``protected``: small-number protection applies to its count cells (``cells`` for a row or a
    nested dict); defaults to ``persons``.
    ``headline``: hidden by secondary suppression only when no other cell can be.
    ``rests_on``: a rate is shown only when this count is shown and reaches the threshold.
    ``definition``: the explanation printed in the PDF's appendix (None: not explained there);
    for an ``internal`` figure the explanation on the dashboard.
    ``internal``: shown on the coordinators' dashboard only, never in what goes out (PDF, CSV,
    the municipality's pages): the path from help request to group (issue 11).
    """

    key: str
    label: object
    kind: str = COUNT
    persons: bool = False
    protected: bool | None = None
    headline: bool = False
    cells: tuple[str, ...] = ()
    rests_on: str = ""
    definition: object = None
    internal: bool = False

    def __post_init__(self):
        if self.protected is None:
            object.__setattr__(self, "protected", self.persons)


@dataclass(frozen=True)
class Relation:
    """``total = sum(parts)`` between cells a reader sees.

    The parts are top-level counts (``parts``) or the cells of a breakdown: every value of a
    dict, ``field`` of every row of a table, or ``field`` of a dict (the target).
    ``counting_kinds_only``: only the cells (rows) of group kinds that count for the KPI add up.
    ``when_equal``: not a sum but identities: each part whose value equals the total is treated as
    the same cell as the total (``total = part``), so one is never shown while the other is hidden.
    """

    total: str
    parts: tuple[str, ...] = ()
    breakdown: str = ""
    field: str = ""
    counting_kinds_only: bool = False
    when_equal: bool = False

    @property
    def keys(self) -> set[str]:
        return {self.total, *self.parts, *filter(None, [self.breakdown])}


# Counts of groups and sessions are not counts of persons and are shown as they are
# (protected=False, DESIGN.md). What a group count could still give away about persons is closed
# by the relations below: e.g. with one active support group, its participants ARE
# residents_collective, so equal cells are hidden together.
METRICS_LIST = (
    Metric(
        "residents_collective", _("Residents supported collectively"), persons=True, headline=True,
        definition=_("Distinct residents marked present at one or more counting sessions of a group for "
                     "group-based support. Day activities and youth group work are reported, not counted."),
    ),
    Metric(
        "residents_individual", _("Residents supported individually"), persons=True,
        definition=_("Distinct residents of the municipality with individual support during (part of) the quarter."),
    ),
    Metric(
        "residents_both", _("Both collectively and individually"), persons=True,
        definition=_("Residents in both of the above; the total is the number of residents in either."),
    ),
    Metric("residents_collective_only", _("of whom only collectively"), persons=True),
    Metric("residents_individual_only", _("of whom only individually"), persons=True),
    Metric("residents_total", _("Residents supported in total"), persons=True),
    Metric(
        "groups_active", _("Active groups (group-based support)"),
        definition=_("Groups with one or more counting sessions in the quarter."),
    ),
    Metric("groups_active_by_kind", _("Active groups by kind"), kind=BREAKDOWN),
    Metric("sessions_held", _("Sessions held")),
    Metric(
        # Only the participants are persons; the sessions per group are shown as they are.
        "participants_per_group", _("Participants per group"), kind=TABLE, persons=True,
        cells=("participants",),
    ),
    Metric(
        "attendance_rate", _("Attendance rate"), kind=RATE, rests_on="residents_collective",
        definition=_("Present divided by all registered attendance (present, absent, excused) at counting "
                     "sessions of groups for group-based support."),
    ),
    Metric(
        "by_life_domain", _("Residents supported collectively by life domain"), kind=BREAKDOWN, persons=True,
        definition=_("For each life domain, the residents supported collectively who attended a group working on it."),
    ),
    Metric("by_neighbourhood", _("Residents supported collectively by neighbourhood"), kind=BREAKDOWN, persons=True),
    Metric("new_groups", _("New groups")),
    Metric("groups_handed_over", _("Groups handed over to residents")),
    Metric(
        # The target itself is a policy number set by the municipality, not a count of people.
        "target", _("Yearly target"), kind=TARGET, persons=True, cells=("residents_collective_ytd",),
        definition=_("The number of residents the municipality wants supported collectively in a year, against "
                     "the residents supported collectively from 1 January to the end of the quarter."),
    ),
    Metric(
        "walk_ins", _("Walk-ins (not registered, not counted as residents)"), persons=True,
        definition=_("The sum of anonymous head counts of people who came to a session without being registered; "
                     "never added to the residents."),
    ),
    Metric(
        "self_running_groups", _("Self-running groups"),
        definition=_("Groups of any kind that were handed over to the residents on or before the end of the "
                     "quarter and had not ended before it. Their sessions after the hand-over are not counted."),
    ),
    # Issue 11: from help request to group. In the KPI set (the ``kpi`` command prints them), but
    # internal: the dashboard shows them, the report does not.
    Metric(
        "requests_by_route", _("Help requests by route"), kind=BREAKDOWN, persons=True, internal=True,
        definition=_("Help requests of residents of the municipality (by their team) dated in the period, by the "
                     "route they had at the end of the period: collective, individual, combined or undecided."),
    ),
    Metric(
        "waiting_days_median", _("Waiting time to the first session (median, days)"), kind=DAYS, internal=True,
        definition=_("Over help requests matched to an enrolment in a group for group-based support whose resident "
                     "first came (marked present at a held session of that group, before any hand-over) in the "
                     "period: the days from the request to that session. Half of them waited this long or shorter."),
    ),
    Metric(
        "waiting_days_p90", _("Waiting time to the first session (90th percentile, days)"), kind=DAYS,
        internal=True,
        definition=_("The same requests: nine in ten waited this long or shorter."),
    ),
    Metric(
        "inflow_by_referral", _("Inflow by referral source"), kind=BREAKDOWN, persons=True,
        definition=_("Enrolments in groups for group-based support that started in the quarter, by who referred "
                     "the resident."),
    ),
    Metric(
        "outflow_by_end_reason", _("Outflow by end reason"), kind=BREAKDOWN, persons=True,
        definition=_("Enrolments in groups for group-based support that ended in the quarter, by end reason."),
    ),
)

# The linear relations between shown cells, in the order secondary suppression tries them.
RELATIONS = (
    Relation("residents_total", ("residents_collective_only", "residents_individual_only", "residents_both")),
    Relation("residents_collective", ("residents_collective_only", "residents_both")),
    Relation("residents_individual", ("residents_individual_only", "residents_both")),
    # Implied by the three above, listed so the simple pass already closes them:
    Relation("residents_total", ("residents_collective", "residents_individual_only")),
    Relation("residents_total", ("residents_individual", "residents_collective_only")),
    Relation("residents_collective", breakdown="by_neighbourhood"),
    Relation("groups_active", breakdown="groups_active_by_kind", counting_kinds_only=True),
    Relation("sessions_held", breakdown="participants_per_group", field="sessions_held", counting_kinds_only=True),
    # For a period starting on 1 January (Q1, a year) year-to-date IS residents_collective; the
    # figures do not say the period, so equal values are treated as the same cell.
    Relation("residents_collective", breakdown="target", field="residents_collective_ytd", when_equal=True),
    # Identities a reader who knows the groups can see: with one active support group its
    # participants are residents_collective, and a life domain that every active support group
    # works on counts every collective resident. Equal values are treated as the same cell.
    Relation("residents_collective", breakdown="participants_per_group", field="participants",
             counting_kinds_only=True, when_equal=True),
    Relation("residents_collective", breakdown="by_life_domain", when_equal=True),
)

# Internal figures of the path from help request to group that are not in the KPI set of DESIGN.md
# (the ``kpi`` command does not print them): computed by ``kpi.path_figures`` for the dashboard.
INTERNAL_FIGURES = (
    Metric(
        "tenzij_reasons", _("Tenzij reasons"), kind=BREAKDOWN, persons=True, internal=True,
        definition=_("Help requests of the period whose route at the end of the period was individual or "
                     "combined, by the reason why not (only) a group (“tenzij”) recorded with that route."),
    ),
    Metric(
        "could_form_a_group", _("Open requests that could form a group"), kind=TABLE, persons=True,
        internal=True, cells=("residents", "requests"),
        definition=_("Open help requests with route collective or undecided, today, by life domain and the "
                     "resident's neighbourhood, where at least the bundling threshold of residents have one."),
    ),
)

METRICS = {metric.key: metric for metric in METRICS_LIST}
KPI_KEYS = tuple(METRICS)
# The KPIs that may go out with the quarterly report (PDF, CSV, the municipality's pages).
REPORT_KEYS = tuple(metric.key for metric in METRICS_LIST if not metric.internal)
INTERNAL_KEYS = tuple(metric.key for metric in METRICS_LIST if metric.internal)
INTERNAL = {metric.key: metric for metric in INTERNAL_FIGURES}
# The plain top-level counts (the rest are a rate, breakdowns, the per-group table and the target).
COUNT_KEYS = tuple(metric.key for metric in METRICS_LIST if metric.kind == COUNT)
HEADLINE_KEYS = tuple(metric.key for metric in METRICS_LIST if metric.headline)


def get(key: str) -> Metric:
    """The metadata of a KPI key (or of an internal figure); KeyError for a key that is not one."""
    return METRICS[key] if key in METRICS else INTERNAL[key]


def label(key: str):
    """The (lazy) label of a KPI key (or of an internal figure): str() it in the language wanted."""
    return get(key).label


def for_report(kpis: dict) -> dict:
    """The KPI set without its internal figures: what may be frozen into a report that goes out."""
    return {key: value for key, value in kpis.items() if key not in INTERNAL_KEYS and key not in INTERNAL}


def relations_of(key: str) -> list[Relation]:
    """The relations a KPI takes part in, as total, part or breakdown."""
    return [relation for relation in RELATIONS if key in relation.keys]


def with_definitions() -> list[Metric]:
    """The KPIs explained in the PDF's appendix, in KPI order (internal figures never)."""
    return [metric for metric in METRICS_LIST if metric.definition is not None and not metric.internal]
