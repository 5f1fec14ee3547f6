"""Shape a KPI set (raw on the dashboard, protected in the PDF/CSV) into labelled rows and charts.

One module for screen and paper, so both list the same breakdowns in the same order.
"""

from django.utils.translation import gettext as _

from . import charts, metrics
from .suppression import is_hidden


def code_labels():
    """{'kinds': {code: label}, 'life_domains': {code: label}} in the active language."""
    from collectief.models import GroupKind, LifeDomain

    return {
        "kinds": {k.code: k.label for k in GroupKind.objects.all()},
        "life_domains": {d.code: d.label for d in LifeDomain.objects.all()},
    }


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


def short_quarter(label: str) -> str:
    """'2024Q3' -> 'Q3 '24' for narrow chart axes; other labels unchanged."""
    if len(label) == 6 and label[4] in "Qq":
        return f"Q{label[5]} '{label[2:4]}"
    return label


def short_month(label: str) -> str:
    """'2024-03' -> '03-24' for narrow chart axes."""
    if len(label) == 7 and label[4] == "-":
        return f"{label[5:]}-{label[2:4]}"
    return label


def quarter_trend_chart(rows: list[dict], key: str = "residents_collective", title: str | None = None):
    """A column chart of one trend figure per quarter (default: residents supported collectively)."""
    return charts.trend_chart(
        [(short_quarter(r["label"]), r[key]) for r in rows],
        title=title or _("Residents supported collectively, last 8 quarters"),
        kind="column",
    )


def breakdown_charts(kpis: dict, labels: dict) -> dict:
    return {
        "life_domain": charts.bar_chart(domain_rows(kpis, labels), title=str(metrics.label("by_life_domain"))),
        "neighbourhood": charts.bar_chart(neighbourhood_rows(kpis), title=str(metrics.label("by_neighbourhood"))),
        "kind": charts.bar_chart(kind_rows(kpis, labels), title=str(metrics.label("groups_active_by_kind"))),
    }
