"""Help requests as the queue and the bundling board see them: scoped, annotated, bundleable.

One place for what "open", "waiting", "age band" and "could go to a group" mean, so the team
queue (/ondersteuningsvragen/), the bundling board (/collectieven/bundelen/) and the dashboard's
"could form a group" figure agree. Everything is computed in the database.
"""

import datetime

from django.conf import settings
from django.db.models import Case, CharField, Count, DateField, F, Func, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from collectief import access
from participants.models import HelpRequest, Participant

# Age bands shown instead of ages: enough to form a group (young adults, parents, elderly), no more.
# (code, label, lowest age, highest age or None)
AGE_BANDS = [
    ("u18", _("under 18"), 0, 17),
    ("18_26", _("18–26"), 18, 26),
    ("27_44", _("27–44"), 27, 44),
    ("45_66", _("45–66"), 45, 66),
    ("67plus", _("67 and older"), 67, None),
]
AGE_BAND_LABELS = {code: label for code, label, _low, _high in AGE_BANDS}

# Routes whose requests the bundling board weighs for a group.
BUNDLEABLE_ROUTES = (HelpRequest.Route.COLLECTIVE, HelpRequest.Route.UNDECIDED)


class DaysSince(Func):
    """Whole days from a date column to ``on``: PostgreSQL's ``date - date`` is an integer."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()

    def __init__(self, on: datetime.date, field: str, **extra):
        super().__init__(Value(on, output_field=DateField()), F(field), **extra)


def threshold() -> int:
    """How many residents with a similar question mark a bundle "genoeg voor een groep" (default 3)."""
    return int(getattr(settings, "BUNDLE_THRESHOLD", 3))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band_expression(on: datetime.date, prefix: str = "participant__"):
    """The age band code of the resident on ``on``, as a database expression on ``birth_date``.

    Someone born on ``on`` minus 18 years is 18 that day: the band of ages [low, high] holds birth
    dates in (on - (high + 1) years, on - low years].
    """
    field = f"{prefix}birth_date"
    whens = []
    for code, _label, low, high in AGE_BANDS:
        condition = Q(**{f"{field}__lte": _years_before(on, low)})
        if high is not None:
            condition &= Q(**{f"{field}__gt": _years_before(on, high + 1)})
        whens.append(When(condition, then=Value(code)))
    return Case(*whens, default=Value(""), output_field=CharField())


def for_user(user) -> QuerySet:
    """Help requests of residents of the user's team(s); never another team's."""
    return access.scope(HelpRequest.objects.all(), user, "participant__team").filter(
        participant__erased_at__isnull=True
    )


def annotate(queryset: QuerySet, on: datetime.date) -> QuerySet:
    """What the queue and the board show of a request, read in the same query.

    ``days_waiting`` (since the request date, until ``on``), ``age_band`` (code of AGE_BANDS),
    ``wijk_id``/``wijk`` (the resident's neighbourhood; empty when unknown) and ``language``.
    """
    return queryset.select_related("participant", "life_domain", "participant__neighbourhood").annotate(
        days_waiting=DaysSince(on, "date"),
        age_band=age_band_expression(on),
        wijk_id=F("participant__neighbourhood_id"),
        wijk=F("participant__neighbourhood__name"),
        language=F("participant__preferred_language"),
    )


def open_requests(user, on: datetime.date) -> QuerySet:
    """The team queue: open requests of my teams, annotated, longest waiting first."""
    return annotate(for_user(user).filter(status=HelpRequest.Status.OPEN), on).order_by("date", "id")


def bundleable(queryset: QuerySet) -> QuerySet:
    """Open requests that may go to a group: route collective, or not decided yet."""
    return queryset.filter(status=HelpRequest.Status.OPEN, route__in=BUNDLEABLE_ROUTES)


# --- The bundling board: counts per bundle, computed in the database --------------------------------

# A request without preferred dayparts ("not asked yet / anything goes") counts for every daypart.
DAYPARTS = HelpRequest.Daypart
LANGUAGES = Participant.Language


def daypart_q(code: str) -> Q:
    """Requests that suit this daypart: it is among their preferred dayparts, or they named none."""
    return Q(preferred_dayparts__contains=[code]) | Q(preferred_dayparts=[])


def _facet_aggregates() -> dict:
    """Per bundle: the number of requests and of residents, and how many requests fall in each facet value."""
    aggregates = {"n": Count("pk"), "residents": Count("participant_id", distinct=True)}
    for code, _label, _low, _high in AGE_BANDS:
        aggregates[f"age_{code}"] = Count("pk", filter=Q(age_band=code))
    for code in LANGUAGES.values:
        aggregates[f"lang_{code}"] = Count("pk", filter=Q(language=code))
    for code in DAYPARTS.values:
        aggregates[f"part_{code}"] = Count("pk", filter=daypart_q(code))
    return aggregates


def facets_of(row: dict) -> dict[str, list[tuple[str, str, int]]]:
    """The facet counts of one aggregated row: {facet: [(code, label, count), …]}, zeros left out."""
    return {
        "age_band": [(code, str(label), row[f"age_{code}"]) for code, label, _l, _h in AGE_BANDS
                     if row[f"age_{code}"]],
        "language": [(code, str(label), row[f"lang_{code}"]) for code, label in LANGUAGES.choices
                     if row[f"lang_{code}"]],
        "daypart": [(code, str(label), row[f"part_{code}"]) for code, label in DAYPARTS.choices
                    if row[f"part_{code}"]],
    }


def with_municipality(queryset: QuerySet) -> QuerySet:
    """Add ``municipality_id``/``municipality``: the municipality of the resident's team."""
    return queryset.annotate(
        municipality_id=F("participant__team__municipality_id"),
        municipality=F("participant__team__municipality__name"),
    )


def bundle_counts(queryset: QuerySet, *, mixed: bool) -> tuple[list[dict], list[dict]]:
    """The bundles of ``queryset`` (annotated, bundleable): one GROUP BY per kind of bundle.

    Returns (wijk bundles, municipality-wide bundles), each row with ``life_domain_id`` (absent in
    the mixed view), ``wijk_id``/``wijk`` or ``municipality_id``/``municipality``, ``n`` and the
    facet counts. By life domain, requests without one are left out (they are in the mixed view);
    a municipality-wide bundle counts every request of the municipality, with or without a wijk.
    """
    queryset = with_municipality(queryset).order_by()
    domain = () if mixed else ("life_domain_id",)
    if not mixed:
        queryset = queryset.filter(life_domain__isnull=False)
    aggregates = _facet_aggregates()
    by_wijk = (
        queryset.filter(participant__neighbourhood__isnull=False)
        .values(*domain, "wijk_id", "wijk", wijk_municipality_id=F("participant__neighbourhood__municipality_id"))
        .annotate(**aggregates).order_by()
    )
    by_municipality = queryset.values(*domain, "municipality_id", "municipality").annotate(**aggregates).order_by()
    return list(by_wijk), list(by_municipality)
