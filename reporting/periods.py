"""Reporting periods: a year, a quarter, a month or any date range, both ends inclusive."""

import datetime
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    """A closed date interval [start, end] with a human label ("2024Q3", "2024", "2024-01")."""

    start: datetime.date
    end: datetime.date
    label: str

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"Period {self.label!r} ends ({self.end}) before it starts ({self.start}).")

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def _last_day_of_month(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def year(y: int) -> Period:
    return Period(datetime.date(y, 1, 1), datetime.date(y, 12, 31), str(y))


def quarter(year: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ValueError(f"Quarter must be 1, 2, 3 or 4, not {q}.")
    first_month = 3 * (q - 1) + 1
    return Period(
        datetime.date(year, first_month, 1), _last_day_of_month(year, first_month + 2), f"{year}Q{q}"
    )


def month(year: int, m: int) -> Period:
    return Period(datetime.date(year, m, 1), _last_day_of_month(year, m), f"{year}-{m:02d}")


def date_range(start: datetime.date, end: datetime.date) -> Period:
    return Period(start, end, f"{start.isoformat()}:{end.isoformat()}")


def quarter_of(day: datetime.date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


_YEAR = re.compile(r"^(\d{4})$")
# The canonical label "2024Q3"; same_period_last_year reads labels with it.
_QUARTER = re.compile(r"^(\d{4})[Qq](\d+)$")
# What people type for a quarter: "2024Q3", "2024q3", "2024 Q3", "2024-Q3" (and "2024 Q 3").
_QUARTER_INPUT = re.compile(r"^(\d{4})(?:\s*|\s*-\s*)[Qq]\s*(\d+)$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$")

PERIOD_HELP = 'a year "2024", a quarter "2024Q3" or a date range "2024-01-01:2024-03-31"'
QUARTER_HELP = 'a quarter such as "2024Q3" (also written "2024 Q3", "2024-Q3" or "2024q3")'


def _year_number(text: str, digits: str) -> int:
    # Python's dates run from year 1 to 9999; the quarter after 9998Q4 would not exist.
    if not 1 <= int(digits) <= 9998:
        raise ValueError(f"Invalid period {text!r}: the year must lie between 1 and 9998.")
    return int(digits)


def _parse_quarter(text: str, y: str, q: str) -> Period:
    if not 1 <= int(q) <= 4:
        raise ValueError(f"Invalid quarter in {text!r}: the quarter must be 1, 2, 3 or 4.")
    return quarter(_year_number(text, y), int(q))


def _parse_range(text: str, first: str, last: str) -> Period:
    try:
        start = datetime.date.fromisoformat(first)
        end = datetime.date.fromisoformat(last)
    except ValueError as exc:
        raise ValueError(f"Invalid date in period {text!r}: {exc}.") from None
    if end < start:
        raise ValueError(f"Invalid period {text!r}: the end date lies before the start date.")
    return date_range(start, end)


def parse_period(text: str) -> Period:
    """Parse a year "2024", a quarter "2024Q3" or a range "2024-01-01:2024-03-31"; ValueError otherwise.

    The one parser of periods and quarters: the ``kpi`` and ``quarterly_report`` commands and
    the reporting forms all use it (``parse_quarter`` for a quarter only), so they accept the
    same spellings and refuse the same input with the same message. A quarter may be written
    "2024Q3", "2024q3", "2024 Q3" or "2024-Q3"; its label is always "2024Q3".
    """
    value = (text or "").strip()
    if m := _YEAR.match(value):
        return year(_year_number(text, m.group(1)))
    if m := _QUARTER_INPUT.match(value):
        return _parse_quarter(text, m.group(1), m.group(2))
    if m := _RANGE.match(value):
        return _parse_range(text, m.group(1), m.group(2))
    raise ValueError(f"Invalid period {text!r}: expected {PERIOD_HELP}.")


def parse_quarter(text: str) -> tuple[int, int]:
    """Parse a quarter in any spelling ``parse_period`` accepts; returns ``(year, quarter)``.

    Input that is no period at all gets exactly ``parse_period``'s message; a year or a date
    range is refused as not a quarter.
    """
    period = parse_period(text)
    if not (m := _QUARTER.match(period.label)):
        raise ValueError(f"Invalid quarter {text!r}: expected {QUARTER_HELP}, not a year or a date range.")
    return int(m.group(1)), int(m.group(2))


def previous_quarter(today: datetime.date) -> Period:
    """The last quarter that has fully ended before ``today``."""
    current = quarter_of(today)
    return quarter_of(current.start - datetime.timedelta(days=1))


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        # 29 February in a year without it: the last day of February.
        return day.replace(year=day.year + years, day=28)


def same_period_last_year(period: Period) -> Period:
    """The same dates a year earlier, with a label of the same form (29 Feb becomes 28 Feb)."""
    start, end = _shift_year(period.start, -1), _shift_year(period.end, -1)
    # A range ending on the last day of February ends on the last day of February a year
    # earlier too, so 2024-02-01:2024-02-29 maps to 2023-02-01:2023-02-28 and vice versa.
    if period.end.month == 2 and period.end == _last_day_of_month(period.end.year, 2):
        end = _last_day_of_month(end.year, 2)
    label = period.label
    if m := _QUARTER.match(label):
        label = f"{int(m.group(1)) - 1}Q{m.group(2)}"
    elif _YEAR.match(label):
        label = str(int(label) - 1)
    elif re.match(r"^\d{4}-\d{2}$", label):
        label = f"{start.year}-{start.month:02d}"
    else:
        label = f"{start.isoformat()}:{end.isoformat()}"
    return Period(start, end, label)


def last_quarters(end: datetime.date, n: int = 8) -> list[Period]:
    """The ``n`` quarters ending with the quarter that contains ``end``, oldest first."""
    if n < 1:
        return []
    current = quarter_of(end)
    index = current.start.year * 4 + (current.start.month - 1) // 3
    return [quarter(i // 4, i % 4 + 1) for i in range(index - n + 1, index + 1)]


def months(period: Period) -> list[Period]:
    """The calendar months overlapping ``period``, clipped to it, each labelled "YYYY-MM".

    A clipped first or last month keeps the month label (a chart axis reads better); its
    start and end say exactly which days it covers.
    """
    result = []
    y, m = period.start.year, period.start.month
    while datetime.date(y, m, 1) <= period.end:
        full = month(y, m)
        result.append(Period(max(full.start, period.start), min(full.end, period.end), full.label))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return result
