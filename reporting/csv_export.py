"""The CSV twin of the PDF: the same frozen, small-number protected figures, one row per figure.

Format: UTF-8 with a byte-order mark and ``;`` as separator, so Excel with Dutch regional
settings opens it correctly by double-clicking; columns ``onderdeel;code;omschrijving;waarde``.
Codes and values stay machine-readable (``2024Q3``, ISO dates); the descriptions are for people
("3e kwartaal 2024"). The per-group attendance rate stays internal and is never written.
"""

import csv
import io
import math
import re

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import metrics, presentation

# The KPIs of the summary rows, in this order; their labels come from reporting/metrics.py.
SUMMARY_KEYS = (
    "residents_collective",
    "residents_individual",
    "residents_both",
    "residents_collective_only",
    "residents_individual_only",
    "residents_total",
    "groups_active",
    "sessions_held",
    "attendance_rate",
    "walk_ins",
    "new_groups",
    "groups_handed_over",
)


# Spreadsheet formula injection (OWASP "CSV injection"): a cell that starts with one of these is
# read as a formula by Excel or LibreOffice, e.g. a group named "=HYPERLINK(...)".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?%?")


def neutralise(cell) -> str:
    """The cell as text a spreadsheet shows but never runs: a leading quote before =, +, -, @, tab or
    CR. A number stays a number (the KPIs produce no negative numbers, but a "-3" would stay)."""
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def _value(value, rate: bool = False) -> str:
    if value is None:
        return ""
    if rate and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{math.floor(value * 100 + 0.5):d}%"
    return str(value)


def report_rows(report) -> list[list[str]]:
    figures = report.figures
    kpis = figures.get("kpis", {})
    labels = figures.get("labels", {})
    last_year = figures.get("last_year", {})
    label = figures.get("period", {}).get("label", report.label)
    rows = [
        ["report", "municipality", _("Municipality"), figures.get("municipality", report.municipality.name)],
        ["report", "quarter", _("Quarter") + f" ({presentation.period_name(label)})", label],
        ["report", "period_start", _("From"), figures.get("period", {}).get("start", "")],
        ["report", "period_end", _("Up to and including"), figures.get("period", {}).get("end", "")],
        ["report", "version", _("Version"), str(report.version)],
        ["report", "status", _("Status"), report.get_status_display()],
        *_approval_rows(report),
        [
            "report", "generated_at", _("Generated at"),
            timezone.localtime(report.generated_at).isoformat(timespec="minutes") if report.generated_at else "",
        ],
        ["report", "figures_sha256", _("Checksum of the figures (SHA-256)"), report.figures_sha256],
        ["report", "threshold", _("Small-number threshold"), str(figures.get("threshold", ""))],
    ]
    for key in SUMMARY_KEYS:
        rows.append(["summary", key, str(metrics.label(key)), _value(kpis.get(key), rate=key == "attendance_rate")])
    target = kpis.get("target") or {}
    rows += [
        ["target", "year", str(metrics.label("target")), _value(target.get("year"))],
        ["target", "target", _("Target"), _value(target.get("target"))],
        ["target", "residents_collective_ytd", _("Residents supported collectively this year"),
         _value(target.get("residents_collective_ytd"))],
        ["target", "progress", _("Progress"), _value(target.get("progress"), rate=True)],
    ]
    previous = last_year.get("kpis", {})
    for key in SUMMARY_KEYS:
        if key in previous:
            rows.append([
                f"last_year {last_year.get('label', '')}".strip(), key, str(metrics.label(key)),
                _value(previous.get(key), rate=key == "attendance_rate"),
            ])
    domain_names = labels.get("life_domains", {})
    for code, value in kpis.get("by_life_domain", {}).items():
        rows.append(["life_domain", code, domain_names.get(code, code), _value(value)])
    for name, value in presentation.neighbourhood_rows({"by_neighbourhood": kpis.get("by_neighbourhood", {})}):
        rows.append(["neighbourhood", "", name, _value(value)])
    kind_names = labels.get("kinds", {})
    for code, value in kpis.get("groups_active_by_kind", {}).items():
        rows.append(["groups_by_kind", code, kind_names.get(code, code), _value(value)])
    if "self_running_groups" in kpis:
        rows.append(["groups", "self_running_groups", str(metrics.label("self_running_groups")),
                     _value(kpis["self_running_groups"])])
    for row in presentation.public_group_rows(figures):  # public names only (issue 9)
        name = row.get("group", "")
        rows.append(["group", "participants", name, _value(row.get("participants"))])
        rows.append(["group", "sessions_held", name, _value(row.get("sessions_held"))])
    rows += _flow_rows(kpis, labels)
    for row in figures.get("trend", []):
        period = presentation.period_name(row.get("label", ""))
        rows.append(["trend", "residents_collective", period, _value(row.get("residents_collective"))])
        rows.append(["trend", "sessions_held", period, _value(row.get("sessions_held"))])
    rows += _experience_rows(figures.get("experiences"))
    return rows


# The measures of one survey cell, in this order (the section "Ervaringen en waarde", Q4 only).
SURVEY_MEASURES = ("asked", "answered", "response_rate", "disagree", "neutral", "agree")
SURVEY_PERCENTAGES = {"response_rate", "disagree", "neutral", "agree"}


def _survey_measure_labels() -> dict[str, str]:
    return {
        "asked": _("asked"), "answered": _("answered"), "response_rate": _("response rate"),
        "disagree": _("(strongly) disagree"), "neutral": _("neutral"), "agree": _("(strongly) agree"),
    }


def _percentage(value) -> str:
    """A survey percentage (already in percent, one decimal) as "33.3%"; empty when hidden."""
    return "" if value is None else f"{value:.1f}%"


def _experience_rows(section: dict | None) -> list[list[str]]:
    """The yearly section of a fourth-quarter report (docs/reporting.md, "CSV"): added rows only.

    experiences;year · experiences_survey;<statement>.<respondent type>.<group kind>.<measure> ·
    experiences_story_tag;<tag code> · experiences_story;<n>.name|group|tags|text
    """
    if not section:
        return []
    rows = [["experiences", "year", _("Experiences and value: year"), str(section.get("year", ""))]]
    measures = _survey_measure_labels()
    for cell in section.get("survey", []):
        about = f"{cell.get('text', '')} – {cell.get('respondent_type_label', '')} – {cell.get('group_kind_label', '')}"
        for measure in SURVEY_MEASURES:
            value = cell.get(measure)
            shown = _percentage(value) if measure in SURVEY_PERCENTAGES else _value(value)
            rows.append(["experiences_survey", f"{cell.get('key', '')}.{measure}", f"{about}: {measures[measure]}",
                         shown])
    for tag in section.get("story_tags", []):
        rows.append(["experiences_story_tag", tag.get("code", ""), tag.get("tag", ""), _value(tag.get("stories"))])
    for number, story in enumerate(section.get("stories", []), 1):
        label = _("Story %(number)s") % {"number": number}
        rows += [
            ["experiences_story", f"{number}.name", f"{label}: {_('name shown')}", story.get("display_name", "")],
            ["experiences_story", f"{number}.group", f"{label}: {_('group')}", story.get("group", "")],
            ["experiences_story", f"{number}.tags", f"{label}: {_('what the group meant')}",
             "; ".join(story.get("tags", []))],
            ["experiences_story", f"{number}.text", f"{label}: {_('text')}", story.get("text", "")],
        ]
    return rows


def _approval_rows(report) -> list[list[str]]:
    """When and on whose behalf the report was approved: a role, never a person's name."""
    if not report.is_approved:
        return []
    from django.conf import settings

    by = (_("the coordinator of %(team)s") % {"team": report.approved_by_team} if report.approved_by_team
          else settings.ORGANISATION_NAME)
    return [
        ["report", "approved_at", _("Approved at"), presentation.long_date(report.approved_at)],
        ["report", "approved_by", _("Approved by"), by],
    ]


def _flow_rows(kpis: dict, labels: dict) -> list[list[str]]:
    rows = []
    names = labels.get("referral_sources", {})
    for code, value in kpis.get("inflow_by_referral", {}).items():
        rows.append(["inflow_by_referral", code, names.get(code, code) if code else _("Unknown"), _value(value)])
    names = labels.get("end_reasons", {})
    for code, value in kpis.get("outflow_by_end_reason", {}).items():
        rows.append(["outflow_by_end_reason", code, names.get(code, code) if code else _("Unknown"), _value(value)])
    return rows


def render_csv(report) -> bytes:
    """The report's figures as CSV bytes (UTF-8 with BOM, ``;``-separated), in Dutch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    with translation.override("nl"):
        writer.writerow([_("section"), _("code"), _("description"), _("value")])
        # Every cell, not only names: codes and labels come from code lists administrators edit.
        writer.writerows([neutralise(cell) for cell in row] for row in report_rows(report))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
