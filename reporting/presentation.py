"""Shape a KPI set (raw on the dashboard, protected in the PDF/CSV) into labelled rows and charts.

One module for screen and paper, so both list the same breakdowns in the same order.
"""

import datetime
import re
from urllib.parse import urlencode

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import charts, metrics
from .suppression import is_hidden

# One way of writing a quarter on every reporting page, in the PDF and in the CSV's headers:
# "3e kwartaal 2026" (the CLI keeps its "2026Q3" contract).
QUARTER_NAMES = {
    1: gettext_lazy("1st quarter %(year)s"),
    2: gettext_lazy("2nd quarter %(year)s"),
    3: gettext_lazy("3rd quarter %(year)s"),
    4: gettext_lazy("4th quarter %(year)s"),
}
_QUARTER_LABEL = re.compile(r"^(\d{4})Q([1-4])$")
# One date format on every reporting page: "1 december 2026" (and "1 december 2026, 14:05").
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"


def quarter_name(year: int, quarter: int) -> str:
    """'3e kwartaal 2026' in Dutch, '3rd quarter 2026' in English."""
    return str(QUARTER_NAMES[int(quarter)]) % {"year": year}


def period_name(label: str) -> str:
    """A period label as people read it: a quarter label ("2026Q3") becomes its quarter name."""
    match = _QUARTER_LABEL.match(label or "")
    return quarter_name(int(match[1]), int(match[2])) if match else label


def long_date(value) -> str:
    """A date (or date-time, as its date) written the one way: '1 december 2026'."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    elif isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)  # the day it was in the Netherlands
    return formats.date_format(value, DATE_FORMAT)


def code_labels(with_flows: bool = False):
    """{'kinds': {code: label}, 'life_domains': {code: label}} in the active language; with
    ``with_flows`` also 'end_reasons' and 'referral_sources' (for inflow and outflow)."""
    from collectief.models import EndReason, GroupKind, LifeDomain
    from groups.models import Enrolment

    labels = {
        "kinds": {k.code: k.label for k in GroupKind.objects.all()},
        "life_domains": {d.code: d.label for d in LifeDomain.objects.all()},
    }
    if with_flows:
        labels["end_reasons"] = {r.code: r.label for r in EndReason.objects.all()}
        labels["referral_sources"] = {code: str(label) for code, label in Enrolment.ReferralSource.choices}
    return labels


def _shown(value) -> bool:
    """Leave out rows that are a plain zero; keep suppressed ("<5", "x") and positive ones."""
    return is_hidden(value) or bool(value)


def domain_rows(kpis: dict, labels: dict) -> list[tuple[str, object]]:
    names = labels.get("life_domains", {})
    return [(names.get(code, code), n) for code, n in kpis.get("by_life_domain", {}).items() if _shown(n)]


def neighbourhood_rows(kpis: dict) -> list[tuple[str, object]]:
    items = kpis.get("by_neighbourhood", {})
    rows = sorted(((name, n) for name, n in items.items() if name), key=lambda r: r[0].lower())
    if "" in items:
        rows.append((_("Unknown neighbourhood"), items[""]))
    return [row for row in rows if _shown(row[1])]


def kind_rows(kpis: dict, labels: dict) -> list[tuple[str, object]]:
    names = labels.get("kinds", {})
    return [(names.get(code, code), n) for code, n in kpis.get("groups_active_by_kind", {}).items()]


def referral_rows(kpis: dict, labels: dict) -> list[tuple[str, object]]:
    """inflow_by_referral as (label, count), every code; "" is "unknown"."""
    names = labels.get("referral_sources", {})
    return [(names.get(code, code) if code else _("Unknown"), n)
            for code, n in kpis.get("inflow_by_referral", {}).items()]


def end_reason_rows(kpis: dict, labels: dict) -> list[tuple[str, object]]:
    """outflow_by_end_reason as (label, count), every code; "" is "unknown"."""
    names = labels.get("end_reasons", {})
    return [(names.get(code, code) if code else _("Unknown"), n)
            for code, n in kpis.get("outflow_by_end_reason", {}).items()]


# --- From help request to group (issue 11; internal: the dashboard only) ----------------------------


def route_rows(kpis: dict) -> list[tuple[str, str, object]]:
    """requests_by_route as (code, label, count), every route in its order."""
    from participants.models import HelpRequest

    names = dict(HelpRequest.Route.choices)
    counts = kpis.get("requests_by_route") or {}
    return [(code, str(names.get(code, code)), counts.get(code, 0)) for code in HelpRequest.Route.values]


def tenzij_rows(reasons: dict) -> list[tuple[str, object]]:
    """The *tenzij* reasons as (label, count), only those that occur; "" is "no reason recorded"."""
    from participants.models import HelpRequest

    names = dict(HelpRequest.TenzijReason.choices)
    return [(str(names.get(code, code)) if code else _("No reason recorded"), n)
            for code, n in reasons.items() if _shown(n)]


def bundle_rows(rows: list[dict], labels: dict, municipality_id: int | None = None) -> list[dict]:
    """The open requests that could form a group, labelled, with the bundling board's query string
    (``life_domain`` and ``wijk``). Residents without a known wijk form their own row, which links
    to the board's municipality-wide bundle (``municipality``): that bundle holds them and the
    domain's requests of every wijk."""
    names = labels.get("life_domains", {})
    shaped = []
    for row in rows:
        query = {"life_domain": row["life_domain"]}
        if row.get("wijk_id"):
            query["wijk"] = row["wijk_id"]
        elif municipality_id:
            query["municipality"] = municipality_id
        shaped.append({
            **row,
            "life_domain_label": names.get(row["life_domain"], row["life_domain"]),
            "wijk_label": row.get("wijk") or _("No wijk known"),
            "board_query": urlencode(query),
        })
    return shaped


def group_rows(kpis: dict, labels: dict) -> list[dict]:
    names = labels.get("kinds", {})
    return [
        {
            **row,
            "kind_label": names.get(row.get("kind"), row.get("kind")),
            "neighbourhood_label": row.get("neighbourhood") or _("Municipality-wide"),
        }
        for row in kpis.get("participants_per_group", [])
    ]


def neutral_group_name(number: int, domain: str = "") -> str:
    """ "Collectief 3" or "Collectief 3 (Financiën)": how the municipality reads a group that has
    no reviewed public name (issue 9). Never the internal name."""
    name = _("Group %(number)s") % {"number": number}
    return f"{name} ({domain})" if domain else name


def public_group_rows(figures: dict) -> list[dict]:
    """The per-group rows of a report's frozen figures with names the municipality may read.

    Figures frozen since issue 9 (schema 2) hold the public name already; older ones hold the
    internal name, which is replaced by a neutral "Collectief N" in the order of the rows.
    """
    kpis = figures.get("kpis", {})
    rows = group_rows(kpis, figures.get("labels", {}))
    if figures.get("schema", 1) < 2:
        rows = [{**row, "group": neutral_group_name(i)} for i, row in enumerate(rows, 1)]
    return rows


def axis_quarter(label: str) -> str:
    """A quarter on a chart axis: its name on two lines ("3e kwartaal" / "2026")."""
    match = _QUARTER_LABEL.match(label or "")
    if not match:
        return label
    name = quarter_name(int(match[1]), int(match[2]))
    return name.replace(f" {match[1]}", f"\n{match[1]}", 1)


def short_month(label: str) -> str:
    """'2024-03' -> '03-24' for narrow chart axes."""
    if len(label) == 7 and label[4] == "-":
        return f"{label[5:]}-{label[2:4]}"
    return label


def is_partial(row: dict, today: datetime.date | None) -> bool:
    """A trend row whose period has not ended yet (today included): its figures are so far, not final."""
    return bool(today and row.get("end") and datetime.date.fromisoformat(row["end"]) >= today)


def partial_text() -> str:
    return _("(so far)")


def quarter_trend_chart(rows: list[dict], key: str = "residents_collective", title: str | None = None,
                        today: datetime.date | None = None):
    """A column chart of one trend figure per quarter (default: residents supported collectively).

    A quarter that has not ended by ``today`` is hatched and labelled "(tot nu toe)".
    """
    return charts.trend_chart(
        [(axis_quarter(r["label"]), r[key], is_partial(r, today)) for r in rows],
        title=title or _("Residents supported collectively, last 8 quarters"),
        kind="column", width=620, partial_text=partial_text(),
    )


def month_trend_chart(rows: list[dict], key: str, title: str, kind: str, today: datetime.date | None = None):
    """A trend per month; the month still running is marked like a partial quarter."""
    return charts.trend_chart(
        [(short_month(r["label"]), r[key], is_partial(r, today)) for r in rows],
        title=title, kind=kind, partial_text=partial_text(),
    )


def breakdown_charts(kpis: dict, labels: dict) -> dict:
    return {
        "life_domain": charts.bar_chart(domain_rows(kpis, labels), title=str(metrics.label("by_life_domain"))),
        "neighbourhood": charts.bar_chart(neighbourhood_rows(kpis), title=str(metrics.label("by_neighbourhood"))),
        "kind": charts.bar_chart(kind_rows(kpis, labels), title=str(metrics.label("groups_active_by_kind"))),
    }
