"""The columns of an import file: each is a small object that reads and checks one cell.

As in pretix's ``base/modelimport.py``: a column has a name (the header), the model field it fills
(or none, when the file spec uses the value itself), and ``clean()``, which turns the text of a
cell into a value or records a message with file, line and column. The rules come from
``collectief.validators``, the same ones the models and forms use; the messages here name the
value, because an administrator reading a list of errors needs to know which cell is meant.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from collectief import validators

from .results import FileResult

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
INT_RE = re.compile(r"^[+-]?\d{1,12}$")

# The value of an optional column that is not in the file: the field is left as it is.
MISSING = object()


class Row:
    """The cells of one CSV row; every problem is recorded with file, line and column."""

    def __init__(self, result: FileResult, line: int, values: dict[str, str]):
        self.result, self.line, self.values = result, line, values
        self.data: dict = {}  # model field -> value
        self.extra: dict = {}  # column -> value, for columns that fill no field directly
        self._errors_before = len(result.errors)

    @property
    def ok(self) -> bool:
        return len(self.result.errors) == self._errors_before

    def error(self, column: str, message) -> None:
        self.result.error(self.line, column, message)

    def get(self, column: str, default=None):
        """The cleaned value of a column (its field or its extra value)."""
        return self.extra.get(column, default)


class Column:
    """One column of a file. ``field`` is the model field it fills; None when the spec uses it."""

    def __init__(self, name: str, field: str | None = None, *, required: bool = False, optional: bool = False):
        self.name, self.field, self.required, self.optional = name, field, required, optional

    def prepare(self, ctx, rows) -> None:
        """Read what the column needs for all rows at once (one query), before any row is cleaned."""

    def clean(self, value: str, row: Row, ctx):
        return value

    def read(self, row: Row, ctx) -> None:
        if self.name not in row.values:
            return  # an optional column that is not in the file: leave the field alone
        value = self.clean(row.values[self.name], row, ctx)
        row.extra[self.name] = value
        if self.field:
            row.data[self.field] = value


class Text(Column):
    def __init__(self, name, field=None, *, required=False, max_length=None, **kwargs):
        super().__init__(name, field, required=required, **kwargs)
        self.max_length = max_length

    def clean(self, value, row, ctx):
        if self.required and not value:
            row.error(self.name, _("This column is empty; a value is required."))
        elif self.max_length and len(value) > self.max_length:
            row.error(
                self.name, _("Too long: %(length)s characters; at most %(max)s are allowed.")
                % {"length": len(value), "max": self.max_length},
            )
        return value


class ExternalId(Text):
    """The external id a row is matched on; unique within the file."""

    def __init__(self, name="external_id", field="external_id"):
        super().__init__(name, field, required=True, max_length=50)

    def clean(self, value, row, ctx):
        value = super().clean(value, row, ctx)
        if value and value in ctx.seen_ids:
            row.error(
                self.name, _("External id '%(value)s' appears twice in this file (first on line %(line)s).")
                % {"value": value, "line": ctx.seen_ids[value]},
            )
        elif value:
            ctx.seen_ids[value] = row.line
        return value


def parse_date(value: str) -> datetime.date | None:
    if DATE_RE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


class Date(Column):
    """A date ``YYYY-MM-DD`` within the registry's working life (``validate_plausible_date``)."""

    def __init__(self, name, field=None, *, required=False, plausible=True, **kwargs):
        super().__init__(name, field, required=required, **kwargs)
        self.plausible = plausible

    def clean(self, value, row, ctx):
        if not value:
            if self.required:
                row.error(self.name, _("This column is empty; a date is required (YYYY-MM-DD)."))
            return None
        day = parse_date(value)
        if day is None:
            row.error(
                self.name, _("'%(value)s' is not a valid date; expected YYYY-MM-DD, for example 2024-03-31.")
                % {"value": value},
            )
            return None
        try:
            self.validate(day)
        except ValidationError as exc:
            row.error(self.name, self.message(exc, value))
            return None
        return day

    def validate(self, day: datetime.date) -> None:
        if self.plausible:
            validators.validate_plausible_date(day)

    def message(self, exc: ValidationError, value: str) -> str:
        return _("%(value)s is not a plausible date; expected a date from %(earliest)s to %(latest)s.") % {
            **exc.params, "value": value,
        }


class BirthDate(Date):
    """A birth date: ``validate_birth_date`` (not in the future, not before 1900)."""

    def __init__(self, name="birth_date", field="birth_date", *, required=True):
        super().__init__(name, field, required=required, plausible=False)

    def validate(self, day):
        validators.validate_birth_date(day)

    def message(self, exc, value):
        if exc.code == "birth_date_future":
            return _("The birth date %(date)s lies in the future.") % {"date": value}
        return _("The birth date %(date)s lies before 1900.") % {"date": value}


class Time(Column):
    def clean(self, value, row, ctx):
        if not value:
            row.error(self.name, _("This column is empty; a time is required (HH:MM)."))
            return None
        match = TIME_RE.match(value)
        if match:
            hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
            if hour < 24 and minute < 60 and second < 60:
                return datetime.time(hour, minute, second)
        row.error(
            self.name, _("'%(value)s' is not a valid time; expected HH:MM, for example 09:30.") % {"value": value}
        )
        return None


class Number(Column):
    """A whole number within ``bounds`` (e.g. ``validators.HEAD_COUNT``); empty gives ``default``."""

    def __init__(self, name, field=None, *, bounds: tuple[int, int], default: int, **kwargs):
        super().__init__(name, field, **kwargs)
        self.bounds, self.default = bounds, default

    def clean(self, value, row, ctx):
        if not value:
            return self.default
        minimum, maximum = self.bounds
        params = {"value": value, "min": minimum, "max": maximum}
        if not INT_RE.match(value):
            message = _("'%(value)s' is not a whole number; expected a number from %(min)s to %(max)s.")
        elif int(value) < 0 <= minimum:
            message = _("%(value)s is negative; expected a number from %(min)s to %(max)s.")
        elif not minimum <= int(value) <= maximum:
            message = _("%(value)s is out of range; expected a number from %(min)s to %(max)s.")
        else:
            return int(value)
        row.error(self.name, message % params)
        return None


class Code(Column):
    """A code from a code list (a model with a ``code`` field) or from model choices."""

    def __init__(self, name, field=None, *, source, required=False, empty=None, **kwargs):
        super().__init__(name, field, required=required, **kwargs)
        self.source, self.empty = source, empty

    def clean(self, value, row, ctx):
        allowed = ctx.lookups.codes(self.source)
        code = value.lower()
        if not code:
            if self.required:
                row.error(
                    self.name, _("This column is empty; allowed values: %(allowed)s.")
                    % {"allowed": ", ".join(allowed)},
                )
            return self.empty
        if code not in allowed:
            row.error(
                self.name, _("Unknown value '%(value)s'; allowed values: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(allowed)},
            )
            return None
        return code


class CodeSet(Code):
    """Codes separated by ``;``; the value is a set (e.g. a group's life domains)."""

    def clean(self, value, row, ctx):
        allowed = ctx.lookups.codes(self.source)
        codes = set()
        for piece in value.split(";"):
            piece = piece.strip().lower()
            if piece in allowed:
                codes.add(piece)
            elif piece:
                row.error(
                    self.name, _("Unknown life domain '%(value)s'; allowed values (separated by ';'): %(allowed)s.")
                    % {"value": piece, "allowed": ", ".join(allowed)},
                )
        return codes


class Postcode(Column):
    """A Dutch postcode, stored as ``8921 AB`` (``validators.normalise_postcode``)."""

    def clean(self, value, row, ctx):
        try:
            return validators.normalise_postcode(value)
        except ValidationError:
            row.error(
                self.name, _("'%(value)s' is not a Dutch postcode; expected for example 8921 AB.") % {"value": value}
            )
            return value


class Reference(Column):
    """The external id of a row of another file (``kind``: participant, group, session).

    Required unless ``required=False`` (then an empty cell gives None, e.g. help_requests.csv's
    matched_group).
    """

    def __init__(self, name, field, *, kind: str, required: bool = True):
        super().__init__(name, field, required=required)
        self.kind = kind

    def prepare(self, ctx, rows):
        ctx.lookups.load_references(self.kind, [values.get(self.name, "") for _line, values in rows])

    def clean(self, value, row, ctx):
        if not value:
            if self.required:
                row.error(self.name, _("This column is empty; an external id is required."))
            return None
        found = ctx.lookups.reference(self.kind, value)
        if found is None:
            row.error(self.name, ctx.lookups.reference_error(self.kind, value))
        return found


# The place columns of participants.csv and groups.csv: names, created when unknown (see Lookups).
MUNICIPALITY = Text("municipality", required=True, max_length=100)
TEAM = Text("team", required=True, max_length=100)
NEIGHBOURHOOD = Text("neighbourhood", max_length=100)


def refuse_end_before_start(row: Row, start_column: str = "start_date", end_column: str = "end_date") -> None:
    """``validators.check_period`` for two date columns, with a message that names both dates."""
    start, end = row.get(start_column), row.get(end_column)
    try:
        validators.check_period(start, end, end_field=end_column, message="-")
    except ValidationError:
        row.error(
            end_column, _("The end date %(end)s lies before the start date %(start)s (column %(column)s).")
            % {"end": end.isoformat(), "start": start.isoformat(), "column": start_column},
        )
