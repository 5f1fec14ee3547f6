"""Template filters for figures that may be numbers, None (unknown) or suppressed strings ("<5")."""

import math

from django import template
from django.utils import formats, timezone
from django.utils.formats import number_format

from reporting import metrics, presentation

register = template.Library()


@register.filter
def kpi_label(key):
    """The label of a KPI key from reporting/metrics.py, in the active language.

    An unknown key is a programming error and raises KeyError, rather than rendering nothing.
    """
    return metrics.label(key)


@register.filter
def figure(value):
    """A count as shown: 1.234 (Dutch grouping), '<5' / 'x' as is, '–' when unknown."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, float):
        return number_format(round(value, 1), force_grouping=True)
    return str(value)


@register.filter
def percent(value):
    """A 0..1 ratio as a whole percentage; '–' when unknown or hidden."""
    if value is None or isinstance(value, str | bool):
        return "–"
    # Half up (22.5% -> 23%), not Python's round-half-even.
    return f"{math.floor(value * 100 + 0.5):d}%"


@register.filter
def difference(value, previous):
    """value - previous with a sign ('+12', '−3'); '' when either is not a plain number."""
    if not isinstance(value, int) or not isinstance(previous, int) or isinstance(value, bool):
        return ""
    diff = value - previous
    if diff > 0:
        return f"+{number_format(diff, force_grouping=True)}"
    if diff < 0:
        return f"−{number_format(-diff, force_grouping=True)}"
    return "±0"


@register.filter
def quarter_name(value):
    """A quarter written the one way ("3e kwartaal 2026"): from a report (year, quarter) or a label."""
    if hasattr(value, "year") and hasattr(value, "quarter"):
        return presentation.quarter_name(value.year, value.quarter)
    return presentation.period_name(str(value or ""))


@register.filter
def long_date(value):
    """A date written the one way on reporting pages: '1 december 2026'."""
    return presentation.long_date(value)


@register.filter
def long_datetime(value):
    """A moment written the one way on reporting pages: '1 december 2026, 14:05' (local time)."""
    if not value:
        return "–"
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, presentation.DATETIME_FORMAT)
