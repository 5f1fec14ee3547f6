"""Server-rendered SVG charts, shared by the dashboard (screen) and the quarterly PDF (paper).

The functions take plain lists of ``(label, value)`` pairs, so the same chart is drawn from
the real numbers on the dashboard and from the small-number protected figures in the PDF. A
value may be a number, ``None`` (unknown) or a string such as ``"<5"`` (suppressed): a string
is printed as its label and drawn without a bar, so the chart never reveals more than the
table next to it. Every chart carries a ``<title>`` and ``<desc>`` and prints each value as
text, so it is readable without colour and by a screen reader.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
BAR = "#2f6f9f"
BAR_LIGHT = "#a9c6dc"
AXIS = "#6c757d"
INK = "#212529"
# Chart text is at least 11 px on screen (WCAG: readable without zooming); one size for all text.
FONT_SIZE = 11
LINE_HEIGHT = 13

_chart_counter = 0


def _next_id(prefix: str) -> str:
    # Unique ids within one page, so aria-labelledby never points at another chart's title.
    global _chart_counter
    _chart_counter = (_chart_counter + 1) % 1_000_000
    return f"{prefix}{_chart_counter}"


def _number(value) -> float | None:
    """The numeric value to draw, or None for suppressed/unknown values (drawn as text only)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _label(value, fmt=None) -> str:
    if value is None:
        return "–"
    if fmt is not None and _number(value) is not None:
        return fmt(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``: 1, 2, 5, 10, 20, 50, ..."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _open(width: int, height: int, title: str, desc: str, css_class: str) -> tuple[list[str], str]:
    chart_id = _next_id("chart")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="{FONT}" font-size="{FONT_SIZE}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]
    return parts, chart_id


def _describe(items) -> str:
    return "; ".join(f"{label}: {_label(value)}" for label, value in items)


def bar_chart(items, *, title: str, width: int = 560, bar_height: int = 18, label_width: int = 190,
              fmt=None) -> SafeString:
    """A horizontal bar chart, one bar per ``(label, value)``; good for long category names."""
    items = list(items)
    gap = 6
    top = 4
    height = top + max(len(items), 1) * (bar_height + gap) + 4
    parts, _ = _open(width, height, title, _describe(items) or title, "chart-bar")
    numbers = [n for n in (_number(v) for _, v in items) if n is not None]
    scale_max = _nice_max(max(numbers, default=0))
    plot_width = width - label_width - 60
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_height + gap)
        text = escape(_label(label))
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.72:.1f}" text-anchor="end" fill="{INK}">'
            f"{text}</text>"
        )
        n = _number(value)
        bar_w = 0.0 if n is None else max(plot_width * n / scale_max, 0)
        if n is not None and n > 0:
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{bar_w:.1f}" height="{bar_height}" fill="{BAR}"/>'
            )
        parts.append(
            f'<text x="{label_width + bar_w + 4:.1f}" y="{y + bar_height * 0.72:.1f}" fill="{INK}">'
            f"{escape(_label(value, fmt))}</text>"
        )
    if not items:
        parts.append(f'<text x="4" y="{top + bar_height * 0.72}" fill="{AXIS}">–</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and value is escaped above


PARTIAL_PATTERN = "partial-hatch"


def _lines(label) -> list[str]:
    """An axis label may hold several lines ("3e kwartaal\n2024")."""
    return _label(label).split("\n")


def _point(point) -> tuple[object, object, bool]:
    """A trend point: ``(label, value)`` or ``(label, value, partial)``."""
    label, value, *rest = point
    return label, value, bool(rest and rest[0])


def _hatch(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-{PARTIAL_PATTERN}" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{BAR_LIGHT}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAR}" stroke-width="3"/></pattern></defs>'
    )


def _describe_trend(points, partial_text: str) -> str:
    return "; ".join(
        f"{_label(label).replace(chr(10), ' ')}{' ' + partial_text if partial else ''}: {_label(value)}"
        for label, value, partial in points
    )


def trend_chart(points, *, title: str, kind: str = "column", width: int = 560, height: int = 200,
                fmt=None, partial_text: str = "") -> SafeString:
    """A trend over time from ``(label, value)`` points: columns (``kind="column"``) or a line.

    A point ``(label, value, True)`` is a period still running: its column is hatched (its dot
    hollow) and ``partial_text`` (e.g. "(tot nu toe)") is printed under its label, so nobody reads
    a half quarter as a drop. Labels may have several lines ("\n").
    """
    points = [_point(p) for p in points]
    rows = max((len(_lines(label)) + partial for label, _v, partial in points), default=1)
    left, right, top, bottom = 34, 8, 18, 8 + LINE_HEIGHT * rows
    plot_w = width - left - right
    plot_h = height - top - bottom
    parts, chart_id = _open(width, height, title, _describe_trend(points, partial_text) or title,
                            f"chart-trend chart-{kind}")
    if any(partial for *_rest, partial in points):
        parts.append(_hatch(chart_id))
    numbers = [n for n in (_number(v) for _l, v, _p in points) if n is not None]
    scale_max = _nice_max(max(numbers, default=0))
    base_y = top + plot_h
    # Axis and a few grid lines with their values.
    for fraction in (0, 0.5, 1):
        y = base_y - plot_h * fraction
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dee2e6" '
            f'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">'
            f"{escape(_label(scale_max * fraction))}</text>"
        )
    slot = plot_w / max(len(points), 1)
    coords = []
    for i, (label, value, partial) in enumerate(points):
        cx = left + slot * (i + 0.5)
        n = _number(value)
        y = base_y if n is None else base_y - plot_h * n / scale_max
        if kind == "column":
            parts.append(_column(chart_id, cx, y, base_y, max(slot * 0.6, 2), n, partial))
        elif n is not None:
            coords.append((cx, y, partial))
        parts.append(
            f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="{INK}">'
            f"{escape(_label(value, fmt))}</text>"
        )
        lines = _lines(label) + ([partial_text] if partial and partial_text else [])
        anchor = "end" if partial and i == len(points) - 1 else "middle"
        x = min(cx + slot / 2, width - right) if anchor == "end" else cx
        for j, line in enumerate(lines):
            parts.append(
                f'<text x="{x:.1f}" y="{base_y + 14 + j * LINE_HEIGHT:.1f}" text-anchor="{anchor}" '
                f'fill="{AXIS}">{escape(line)}</text>'
            )
    if kind != "column" and coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _p in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
        parts.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{"#fff" if partial else BAR}" stroke="{BAR}" '
            f'stroke-width="1.5"/>'
            for x, y, partial in coords
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{base_y}" y2="{base_y}" stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and value is escaped above


def _column(chart_id: str, cx: float, y: float, base_y: float, bar_w: float, n, partial: bool) -> str:
    if n is None or n <= 0:
        return ""
    fill = f"url(#{chart_id}-{PARTIAL_PATTERN})" if partial else BAR
    stroke = f' stroke="{BAR}" stroke-width="1"' if partial else ""
    return (
        f'<rect x="{cx - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{base_y - y:.1f}" '
        f'fill="{fill}"{stroke}/>'
    )


def progress_bar(value, target, *, title: str, width: int = 240, height: int = 14) -> SafeString:
    """A small bar showing ``value`` of ``target`` (year-to-date progress against the yearly target)."""
    parts, _ = _open(width, height, title, f"{_label(value)} / {_label(target)}", "chart-progress")
    parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="{BAR_LIGHT}" rx="3"/>')
    n, t = _number(value), _number(target)
    if n is not None and t:
        filled = min(width * n / t, width)
        parts.append(f'<rect x="0" y="0" width="{filled:.1f}" height="{height}" fill="{BAR}" rx="3"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
