"""Validation rules, written once: the models use them, so forms, the admin and the import do too.

Each rule is a plain function that raises ``ValidationError`` with a message for the user. Model
fields carry the single-value rules (``validators=[...]``), and the rules that compare fields
(an end before a start, a session outside its group's period) live in the models' ``clean()``
through :func:`check_period`. ModelForms and the admin run both through ``full_clean``; the import
calls the same functions for every cell.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

# Dates far outside the working life of the registry are typing mistakes (0202 for 2022).
EARLIEST_DATE = datetime.date(1990, 1, 1)
YEARS_AHEAD = 5
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
DURATION_MINUTES = (5, 24 * 60)
HEAD_COUNT = (0, 500)
POSTCODE_RE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})\s*$")


def show_date(value: datetime.date) -> str:
    """A date as the app writes it everywhere (the language's DATE_FORMAT: "1 december 2026")."""
    return formats.date_format(value, "DATE_FORMAT")


def latest_plausible_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=YEARS_AHEAD * 366)


def validate_plausible_date(value: datetime.date | None):
    """A date of the registry's working life: not before 1990, not more than five years ahead."""
    if value is None:
        return
    latest = latest_plausible_date()
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            _("%(value)s is not a plausible date; expected a date from %(earliest)s to %(latest)s."),
            code="implausible_date",
            params={"value": value.isoformat(), "earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
        )


def validate_at_most_a_year_ahead(value: datetime.date | None):
    """Planned events (sessions) are registered at most a year ahead: 2031 for 2021 is a typo."""
    if value is None:
        return
    latest = timezone.localdate() + datetime.timedelta(days=366)
    if value > latest:
        raise ValidationError(
            _("%(value)s lies more than a year ahead; check the year."), code="too_far_ahead",
            params={"value": show_date(value)},
        )


def validate_birth_date(value: datetime.date | None):
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("The birth date cannot be in the future."), code="birth_date_future")
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(_("Check the birth date: it is before 1900."), code="birth_date_too_early")


def validate_not_in_future(value: datetime.date | None):
    if value is not None and value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="date_future")


def validate_duration_minutes(value: int | None):
    low, high = DURATION_MINUTES
    if value is not None and not low <= value <= high:
        raise ValidationError(
            _("Enter a duration between %(min)s and %(max)s minutes."), code="duration",
            params={"min": low, "max": high},
        )


def validate_head_count(value: int | None):
    low, high = HEAD_COUNT
    if value is not None and not low <= value <= high:
        raise ValidationError(
            _("Check the number of walk-ins: from %(min)s to %(max)s."), code="head_count",
            params={"min": low, "max": high},
        )


def normalise_postcode(value: str) -> str:
    """``8921ab`` → ``8921 AB``; raises ValidationError for anything that is not a Dutch postcode."""
    value = (value or "").strip()
    if not value:
        return ""
    match = POSTCODE_RE.match(value)
    if not match:
        raise ValidationError(
            _("'%(value)s' is not a Dutch postcode; enter one such as 8921 AB."), code="postcode",
            params={"value": value},
        )
    return f"{match.group(1)} {match.group(2).upper()}"


PC_RANGE_END_RE = re.compile(r"^\s*[1-9][0-9]{3}\s*([A-Za-z]{2})?\s*$")


def validate_postcode_range_end(value: str):
    """One end of a postcode range: four digits (PC4) or four digits and two letters (PC6)."""
    if not PC_RANGE_END_RE.match(value or ""):
        raise ValidationError(
            _("'%(value)s' is not a PC4 or PC6 postcode; enter for example 8921 or 8921AB."),
            code="postcode_range", params={"value": value},
        )


def validate_postcode(value: str):
    normalise_postcode(value)


def check_period(start, end, *, end_field: str = "end_date", message=None):
    """Raise a ValidationError on ``end_field`` when ``end`` lies before ``start``."""
    if start and end and end < start:
        raise ValidationError(
            {end_field: (message or _("The end date cannot be before the start date."))
             % {"start": show_date(start), "date": show_date(start)}},
            code="end_before_start",
        )
