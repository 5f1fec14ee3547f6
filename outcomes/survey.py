"""The experience survey table, as the municipality that uses it reports it.

Per statement × respondent type × group kind: how many were asked, how many answered, the response
rate, and the percentages (helemaal) niet mee eens (1–2) / neutraal (3) / (helemaal) mee eens (4–5)
of those who answered. A statement left unanswered is not in the denominator. Computed in the
database: two grouped queries whatever the number of responses.

Cells with fewer than ``MIN_RESPONDENTS`` respondents are hidden wherever the table is shown
(DESIGN, "Outcomes"); only the ``survey_report`` command prints the table unsuppressed.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q

from .models import Answer, Statement, SurveyResponse

MIN_RESPONDENTS = 5


def percentage(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, rounded half up to one decimal (12.25 → 12.3)."""
    if not whole:
        return None
    value = Decimal(part * 100) / Decimal(whole)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def responses_of(municipality, period):
    """Survey responses dated in the period, of groups whose team belongs to the municipality."""
    return SurveyResponse.objects.filter(
        group__team__municipality=municipality, date__gte=period.start, date__lte=period.end
    )


def _asked(responses) -> dict[tuple[str, str, str], int]:
    """(statement code, respondent type, group kind) → the number of responses that asked it."""
    per_survey = responses.values("survey_id", "respondent_type", "group__kind__code").annotate(n=Count("id"))
    counts = list(per_survey)
    statements = defaultdict(list)
    for statement in Statement.objects.filter(survey_id__in={row["survey_id"] for row in counts}):
        statements[statement.survey_id].append(statement)
    asked = defaultdict(int)
    for row in counts:
        for statement in statements[row["survey_id"]]:
            if statement.applies_to(row["respondent_type"]):
                asked[(statement.code, row["respondent_type"], row["group__kind__code"])] += row["n"]
    return asked


def survey_table(municipality, period, *, hide_small: bool = True) -> list[dict]:
    """The table's rows, in the survey's statement order. With ``hide_small`` (the default), a cell
    with fewer than MIN_RESPONDENTS answers keeps its counts of asked but shows no percentages,
    answered count or rate (``hidden`` is True)."""
    responses = responses_of(municipality, period)
    answered = (
        Answer.objects.filter(response__in=responses)
        .values("statement__code", "response__respondent_type", "response__group__kind__code")
        .annotate(
            answered=Count("id"),
            disagree=Count("id", filter=Q(value__lte=2)),
            neutral=Count("id", filter=Q(value=3)),
            agree=Count("id", filter=Q(value__gte=4)),
        )
    )
    asked = _asked(responses)
    order = {}  # statement code → (position, text) of its newest wording
    for code, position, text in Statement.objects.order_by("-survey__version", "position").values_list(
        "code", "position", "text"
    ):
        order.setdefault(code, (position, text))
    rows = []
    for cell in answered:
        key = (cell["statement__code"], cell["response__respondent_type"], cell["response__group__kind__code"])
        n = cell["answered"]
        hidden = hide_small and n < MIN_RESPONDENTS
        rows.append({
            "statement": key[0],
            "text": order.get(key[0], (0, key[0]))[1],
            "respondent_type": key[1],
            "group_kind": key[2],
            "asked": asked.get(key, n),
            "answered": None if hidden else n,
            "response_rate": None if hidden else percentage(n, asked.get(key, n)),
            "disagree": None if hidden else percentage(cell["disagree"], n),
            "neutral": None if hidden else percentage(cell["neutral"], n),
            "agree": None if hidden else percentage(cell["agree"], n),
            "hidden": hidden,
        })
    rows.sort(key=lambda row: (order.get(row["statement"], (999, ""))[0], row["respondent_type"], row["group_kind"]))
    return rows


def marks(municipality, period) -> list[dict]:
    """The average mark (1–10) per respondent type × group kind, hidden under MIN_RESPONDENTS."""
    rows = (
        responses_of(municipality, period).filter(mark__isnull=False)
        .values("respondent_type", "group__kind__code").annotate(n=Count("id"), average=Avg("mark"))
        .order_by("respondent_type", "group__kind__code")
    )
    return [
        {"respondent_type": row["respondent_type"], "group_kind": row["group__kind__code"], "answered": row["n"],
         "average": None if row["n"] < MIN_RESPONDENTS else float(
             Decimal(str(row["average"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))}
        for row in rows
    ]
