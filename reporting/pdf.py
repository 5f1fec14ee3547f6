"""The quarterly PDF: an HTML template plus CSS rendered by WeasyPrint, in Dutch, from disk only.

Static files are read from disk (``file://``, only inside the static directories) and every other
protocol but ``data:`` is refused (``ReportURLFetcher``), so a worker never makes an HTTP request
while rendering and a note or group name can make it read nothing. The charts are the same SVG functions the
dashboard uses, drawn from the report's frozen, small-number protected figures.
"""

import datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint.urls import URLFetcher

from . import metrics, presentation

CSS_PATH = "reporting/report.css"
# The rows of the summary table (this quarter and the same quarter last year), in this order.
FIGURE_KEYS = (
    "residents_collective",
    "residents_collective_only",
    "residents_individual",
    "residents_individual_only",
    "residents_both",
    "residents_total",
    "walk_ins",
    "new_groups",
    "groups_handed_over",
    "self_running_groups",
)
# The municipality receives Dutch: the PDF is rendered in Dutch whatever the requester's language.
PDF_LANGUAGE = "nl"
PDF_VARIANT = "pdf/ua-1"


def _static_file(path: str) -> Path:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"Static file {path!r} not found")
    return Path(found)


class ReportURLFetcher(URLFetcher):
    """WeasyPrint may fetch ``data:`` URLs and the report's own static files, nothing else.

    No HTTP(S), FTP or other protocol (a worker makes no request anywhere, and a note or group
    name can never make it call a URL), and ``file:`` only inside the static directories (never
    ``file:///etc/passwd``). A refused URL raises ValueError: WeasyPrint logs it and renders on.
    """

    def __init__(self, roots=None, **kwargs):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, **kwargs)
        self.roots = [Path(root).resolve() for root in (roots if roots is not None else static_roots())]

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"Not a static file of the report: {url}")
        elif scheme != "data":
            raise ValueError(f"Only data: URLs and the report's static files may be fetched: {url}")
        return super().fetch(url, headers)


def static_roots() -> list[Path]:
    """Where the report's static files live: STATIC_ROOT, STATICFILES_DIRS and the app's own static folder."""
    roots = [Path(settings.STATIC_ROOT)] if getattr(settings, "STATIC_ROOT", None) else []
    for entry in getattr(settings, "STATICFILES_DIRS", ()):
        roots.append(Path(entry[1] if isinstance(entry, tuple | list) else entry))
    roots.append(_static_file(CSS_PATH).parent)
    return roots


def figure_rows(kpis: dict, last_year: dict) -> list[tuple]:
    """(label, value, value last year) for the summary table, labelled from reporting/metrics.py."""
    return [(metrics.label(key), kpis.get(key), last_year.get(key)) for key in FIGURE_KEYS]


def pdf_context(report) -> dict:
    figures = report.figures
    kpis = figures.get("kpis", {})
    last_year = figures.get("last_year", {}).get("kpis", {})
    labels = figures.get("labels", {})
    period = figures.get("period", {})
    trend_rows = figures.get("trend", [])
    start = datetime.date.fromisoformat(period["start"]) if period.get("start") else report.period.start
    end = datetime.date.fromisoformat(period["end"]) if period.get("end") else report.period.end
    generated = timezone.localtime(report.generated_at) if report.generated_at else None
    return {
        "report": report,
        "figures": figures,
        "kpis": kpis,
        "last_year": last_year,
        "figure_rows": figure_rows(kpis, last_year),
        "definitions": metrics.with_definitions(),
        "last_year_label": presentation.period_name(figures.get("last_year", {}).get("label", "")),
        "quarter_name": presentation.quarter_name(report.year, report.quarter),
        "organisation": figures.get("organisation") or settings.ORGANISATION_NAME,
        "municipality": figures.get("municipality") or report.municipality.name,
        "period_start": start,
        "period_end": end,
        "generated_at": generated,
        "threshold": figures.get("threshold", settings.SMALL_NUMBER_THRESHOLD),
        "domain_rows": presentation.domain_rows(kpis, labels),
        "neighbourhood_rows": presentation.neighbourhood_rows(kpis),
        "kind_rows": presentation.kind_rows(kpis, labels),
        "group_rows": presentation.public_group_rows(figures),
        "referral_rows": presentation.referral_rows(kpis, labels),
        "end_reason_rows": presentation.end_reason_rows(kpis, labels),
        "trend_rows": trend_rows,
        "trend_chart": presentation.quarter_trend_chart(trend_rows),
        "sessions_chart": presentation.quarter_trend_chart(
            trend_rows, key="sessions_held", title=_("Sessions held, last 8 quarters")
        ),
        "charts": presentation.breakdown_charts(kpis, labels),
    }


def render_html(report) -> str:
    with translation.override(PDF_LANGUAGE):
        return render_to_string("reporting/pdf/report.html", pdf_context(report))


def render_pdf(report) -> bytes:
    """Render the report's PDF (A4) from its figures and note; returns the bytes."""
    from weasyprint import CSS, HTML

    html = render_html(report)
    css = _static_file(CSS_PATH)
    # data: URLs and the static files only: no HTTP inside a worker, no file outside static.
    fetcher = ReportURLFetcher()
    document = HTML(string=html, base_url=str(css.parent) + "/", url_fetcher=fetcher)
    # A tagged PDF (PDF/UA-1): structure tree, language (<html lang="nl">) and title (<title>), so
    # a screen reader can read it (DESIGN: "the quarterly PDF is tagged").
    return document.write_pdf(stylesheets=[CSS(filename=str(css), url_fetcher=fetcher)], pdf_variant=PDF_VARIANT)
