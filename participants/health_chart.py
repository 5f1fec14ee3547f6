"""Positive Health as a spider web: the resident's own view, drawn on the server as SVG.

A conversation aid, not a score (DESIGN, "Outcomes: rules that hold everywhere"): the chart is
shown on the resident's page and on their Positive Health page only, never in a report, a
dashboard or anything that leaves the organisation. It compares the *start* measurement with the
*latest* one. The six dimension names are used as plain labels; the grid is a neutral hexagon, not
the Positive Health institute's artwork.

Readable without colour: the start is a dashed line with open circles, the latest a solid line
with filled squares, and a dimension the resident wants to talk about ("hier wil ik over praten")
gets a speech-bubble mark next to its name. The ``<title>``/``<desc>`` and the table built by
:func:`rows` carry the same numbers for screen readers.

The functions here are pure: measurements in, text out (no queries, no counters), so the same
measurements always give the same SVG.
"""

import math

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import Measurement

DIMENSIONS = Measurement.DIMENSIONS
LOWEST, HIGHEST = 0, 10

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK = "#212529"
AXIS = "#6c757d"  # 4.7:1 on white
GRID = "#ced4da"
START = "#51575d"  # 7.1:1 on white: dashed, open circles
LATEST = "#0a58ca"  # 6.0:1 on white: solid, filled squares
FONT_SIZE = 13
SMALL = 11

WIDTH = 520
CX, CY, RADIUS = 260, 182, 128
LEGEND_TOP, LEGEND_ROW = CY + RADIUS + 84, 22
BUBBLE_WIDTH, BUBBLE_SPACE = 16, 21
LABEL_GAP = 14
# A label longer than this is broken into two lines, so the chart stays narrow.
LINE_CHARS = 12


def dimension_label(code: str) -> str:
    """The dimension's name as shown ("Mentaal welbevinden"): a descriptive label only."""
    return capfirst(str(Measurement._meta.get_field(code).verbose_name))


def start_and_latest(measurements) -> tuple[Measurement | None, Measurement | None]:
    """The measurements the chart compares: the earliest *start* (else the earliest of all) and the
    newest other one (None when there is only one)."""
    ordered = sorted(measurements, key=lambda m: (m.date, m.pk or 0))
    if not ordered:
        return None, None
    starts = [m for m in ordered if m.moment == Measurement.Moment.START]
    start = starts[0] if starts else ordered[0]
    later = [m for m in ordered if m is not start]
    return start, (later[-1] if later else None)


def talk_about(start: Measurement | None, latest: Measurement | None) -> set[str]:
    """The dimensions marked "hier wil ik over praten": those of the latest conversation."""
    current = latest or start
    return {code for code in (current.talk_about if current else []) if code in DIMENSIONS}


def rows(start: Measurement | None, latest: Measurement | None) -> list[dict]:
    """One row per dimension for the table next to the chart: the same numbers as the chart."""
    flagged = talk_about(start, latest)
    return [
        {
            "code": code,
            "label": dimension_label(code),
            "start": getattr(start, code) if start else None,
            "latest": getattr(latest, code) if latest else None,
            "talk": code in flagged,
        }
        for code in DIMENSIONS
    ]


def describe(measurement: Measurement) -> str:
    """"Start, 3 maart 2025, samen ingevuld": which conversation a polygon shows."""
    return _("%(moment)s, %(date)s, filled in %(filled_by)s") % {
        "moment": measurement.get_moment_display(),
        "date": date_format(measurement.date, "j F Y"),
        "filled_by": str(measurement.get_filled_by_display()).lower(),
    }


def summary(measurements) -> dict | None:
    """What the resident's page and the Positive Health page show: the chart and its table."""
    start, latest = start_and_latest(measurements)
    if start is None:
        return None
    return {"start": start, "latest": latest, "rows": rows(start, latest), "svg": spider_chart(start, latest)}


# --- Drawing --------------------------------------------------------------------------------------


def _angle(index: int) -> float:
    """The first dimension points up; the others follow clockwise, 60 degrees apart."""
    return math.radians(-90 + 60 * index)


def _point(index: int, value: float, extra: float = 0.0) -> tuple[float, float]:
    radius = RADIUS * value / HIGHEST + extra
    return CX + radius * math.cos(_angle(index)), CY + radius * math.sin(_angle(index))


def _points(values) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in (_point(i, v) for i, v in enumerate(values)))


def _lines(label: str) -> list[str]:
    if len(label) <= LINE_CHARS or " " not in label:
        return [label]
    first, rest = label.split(" ", 1)
    return [first, rest]


def _bubble(x: float, y: float, code: str = "") -> str:
    """The speech-bubble mark of "hier wil ik over praten", its top left corner at (x, y)."""
    data = f'class="ph-talk" data-dimension="{code}"' if code else 'class="ph-talk-legend"'
    return (
        f'<path {data} d="M{x + 2:.1f},{y:.1f} h12 a2,2 0 0 1 2,2 v7 a2,2 0 0 1 -2,2 h-7 '
        f'l-4,4 v-4 h-1 a2,2 0 0 1 -2,-2 v-7 a2,2 0 0 1 2,-2 z" fill="{INK}"/>'
    )


def _grid() -> list[str]:
    parts = ['<g class="ph-grid">']
    for level in range(2, HIGHEST + 1, 2):
        parts.append(
            f'<polygon points="{_points([level] * len(DIMENSIONS))}" fill="none" stroke="{GRID}" stroke-width="1"/>'
        )
    for level in (LOWEST, 5, HIGHEST):
        _x, y = _point(0, level)
        parts.append(
            f'<text x="{CX + 5}" y="{y + 4:.1f}" font-size="{SMALL}" fill="{AXIS}">{level}</text>'
        )
    parts.append("</g>")
    return parts


def _axis(index: int, code: str, flagged: bool) -> list[str]:
    x, y = _point(index, HIGHEST)
    parts = [
        f'<line class="ph-axis" data-dimension="{code}" x1="{CX}" y1="{CY}" x2="{x:.1f}" y2="{y:.1f}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    ]
    lx, ly = _point(index, HIGHEST, LABEL_GAP)
    cos, sin = math.cos(_angle(index)), math.sin(_angle(index))
    anchor = "middle" if abs(cos) < 0.1 else ("start" if cos > 0 else "end")
    lines = _lines(dimension_label(code))
    step = FONT_SIZE + 2
    # Above the grid the label grows upwards, below it downwards, at the sides around the axis end.
    if sin < -0.9:
        first_y = ly - (len(lines) - 1) * step
    elif sin > 0.9:
        first_y = ly + FONT_SIZE
    else:
        first_y = ly + 4 - (len(lines) - 1) * step / 2
    if flagged:
        # The bubble sits between the grid and the label (above or below it at the top and bottom),
        # so no text width has to be guessed.
        if anchor == "start":
            parts.append(_bubble(lx, first_y - FONT_SIZE + 1, code))
            lx += BUBBLE_SPACE
        elif anchor == "end":
            parts.append(_bubble(lx - BUBBLE_WIDTH, first_y - FONT_SIZE + 1, code))
            lx -= BUBBLE_SPACE
        elif sin < 0:
            parts.append(_bubble(lx - BUBBLE_WIDTH / 2, first_y - FONT_SIZE - BUBBLE_SPACE + 2, code))
        else:
            parts.append(_bubble(lx - BUBBLE_WIDTH / 2, first_y + (len(lines) - 1) * step + 5, code))
    weight = ' font-weight="bold"' if flagged else ""
    tspans = "".join(
        f'<tspan x="{lx:.1f}" y="{first_y + i * step:.1f}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    parts.append(
        f'<text class="ph-label" data-dimension="{code}" text-anchor="{anchor}" fill="{INK}"{weight}>{tspans}</text>'
    )
    return parts


def _polygon(measurement: Measurement, which: str) -> list[str]:
    values = [getattr(measurement, code) for code in DIMENSIONS]
    if which == "start":
        colour, line = START, 'fill="none" stroke-width="2" stroke-dasharray="6 4"'
    else:
        colour, line = LATEST, f'fill="{LATEST}" fill-opacity="0.12" stroke-width="2.5"'
    parts = [
        f'<g class="ph-measurement" data-measurement="{which}">',
        f'<polygon class="ph-{which}" points="{_points(values)}" stroke="{colour}" stroke-linejoin="round" {line}/>',
    ]
    for index, value in enumerate(values):
        parts.append(_marker(which, *_point(index, value)))
    parts.append("</g>")
    return parts


def _marker(which: str, x: float, y: float) -> str:
    if which == "start":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="none" stroke="{START}" stroke-width="2"/>'
    return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{LATEST}"/>'


def _legend(start: Measurement, latest: Measurement | None, any_flag: bool) -> list[str]:
    y = LEGEND_TOP
    items = [("start", describe(start))]
    if latest is not None:
        items.append(("latest", describe(latest)))
    parts = ['<g class="ph-legend">']
    for which, text in items:
        dash = ' stroke-dasharray="6 4"' if which == "start" else ""
        colour = START if which == "start" else LATEST
        parts.append(f'<line x1="12" y1="{y - 4}" x2="52" y2="{y - 4}" stroke="{colour}" stroke-width="2.5"{dash}/>')
        parts.append(_marker(which, 32, y - 4))
        parts.append(f'<text x="62" y="{y}" fill="{INK}">{escape(text)}</text>')
        y += LEGEND_ROW
    if any_flag:
        parts.append(_bubble(24, y - 14))
        talk = _("I want to talk about this")
        parts.append(f'<text x="62" y="{y}" fill="{INK}">{escape(talk)}</text>')
    parts.append("</g>")
    return parts


def _description(start: Measurement, latest: Measurement | None) -> str:
    parts = []
    for row in rows(start, latest):
        if latest is None:
            text = _("%(dimension)s: %(start)s") % {"dimension": row["label"], "start": row["start"]}
        else:
            text = _("%(dimension)s: start %(start)s, latest %(latest)s") % {
                "dimension": row["label"], "start": row["start"], "latest": row["latest"],
            }
        if row["talk"]:
            text += " (" + _("I want to talk about this").lower() + ")"
        parts.append(text)
    scale = _("Scores from 0 to 10, the resident's own view.")
    shown = _("First measurement (dashed line, open circles): %(what)s") % {"what": describe(start)}
    if latest is not None:
        shown += ". " + _("Latest measurement (solid line, filled squares): %(what)s") % {"what": describe(latest)}
    return f"{shown}. {scale} " + "; ".join(parts) + "."


def spider_chart(start: Measurement, latest: Measurement | None = None) -> SafeString:
    """A hexagon grid 0–10 with six axes and one polygon per measurement: the start dashed with
    open circles, the latest solid with filled squares; flagged dimensions carry a speech bubble."""
    flagged = talk_about(start, latest)
    chart_id = f"ph-chart-{start.pk or 0}-{latest.pk if latest else 0}"
    title = _("Positive Health: the resident’s own view")
    legend_rows = 1 + (latest is not None) + bool(flagged)
    height = LEGEND_TOP + LEGEND_ROW * (legend_rows - 1) + 14
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-positive-health" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="{FONT}" font-size="{FONT_SIZE}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_description(start, latest))}</desc>',
        *_grid(),
    ]
    for index, code in enumerate(DIMENSIONS):
        parts.extend(_axis(index, code, code in flagged))
    # The latest first: the start's dashed line and open rings stay visible on top of it where
    # the two are equal.
    if latest is not None:
        parts.extend(_polygon(latest, "latest"))
    parts.extend(_polygon(start, "start"))
    parts.extend(_legend(start, latest, bool(flagged)))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped; numbers are ints
