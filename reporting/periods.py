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
_QUARTER = re.compile(r"^(\d{4})[Qq](\d+)$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$")

PERIOD_HELP = 'a year "2024", a quarter "2024Q3" or a date range "2024-01-01:2024-03-31"'


def parse_period(text: str) -> Period:
    """Parse "2024", "2024Q3" / "2024q3" or "2024-01-01:2024-03-31"; ValueError otherwise."""
    value = (text or "").strip()
    if m := _YEAR.match(value):
        return year(int(m.group(1)))
    if m := _QUARTER.match(value):
        q = int(m.group(2))
        if not 1 <= q <= 4:
            raise ValueError(f"Invalid quarter in {text!r}: the quarter must be 1, 2, 3 or 4.")
        return quarter(int(m.group(1)), q)
    if m := _RANGE.match(value):
        try:
            start = datetime.date.fromisoformat(m.group(1))
            end = datetime.date.fromisoformat(m.group(2))
        except ValueError as exc:
            raise ValueError(f"Invalid date in period {text!r}: {exc}.") from None
        if end < start:
            raise ValueError(f"Invalid period {text!r}: the end date lies before the start date.")
        return date_range(start, end)
    raise ValueError(f"Invalid period {text!r}: expected {PERIOD_HELP}.")


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
