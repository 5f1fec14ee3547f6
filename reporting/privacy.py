"""The coordinator's note goes to the municipality: find what in it could identify a resident.

Before a note is saved, :func:`check_note` looks for names of the municipality's residents, dates
(a date of birth), postcodes with a house number, phone numbers and e-mail addresses. What it
finds is stored with the note (``QuarterlyReport.note_findings``) and shown on the report page; a
report whose note has findings cannot be approved. The note itself is always saved, so nothing a
coordinator typed is lost.

The name check runs in PostgreSQL in one query: every participant whose team is in the
municipality, with ``first_name last_name`` normalised (unaccent, lower case, anything but letters
and digits to one space), is looked for as whole words in the note normalised the same way.
"""

import re

from django.db.models import F, Func, IntegerField, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

NAME, DATE, POSTCODE, PHONE, EMAIL = "name", "date", "postcode", "phone", "email"
KIND_LABELS = {
    NAME: _("name of a resident"),
    DATE: _("date (possibly a date of birth)"),
    POSTCODE: _("postcode with house number"),
    PHONE: _("phone number"),
    EMAIL: _("e-mail address"),
}
MAX_NAMES = 20

_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    "january|february|march|may|june|july|august|october|"
    "jan|feb|mrt|mar|apr|jun|jul|aug|sep|sept|okt|oct|nov|dec"
)
# Patterns in the order they are reported; the first match of a span wins.
PATTERNS = (
    (EMAIL, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    # 06-12345678, 06 1234 5678, +31 6 12345678, 0031612345678, 010-1234567, 058 - 212 34 56
    (PHONE, re.compile(r"(?<![\w+])(?:\+31|0031|0)[\s-]*(?:\(0\))?[\s-]*\d(?:[\s-]?\d){8}(?!\d)")),
    # 8921 AB 12, 8921AB 12a, 8921ab12 (capitals, or letters written against the digits)
    (POSTCODE, re.compile(r"\b[1-9]\d{3}(?:\s?[A-Z]{2}|[a-z]{2})\s*\d{1,5}\s?[a-zA-Z]?\b")),
    # 12-3-1980, 12/03/1980, 12.3.1980, 1980-03-12, 12 maart 1980, 12 mrt. 1980
    (DATE, re.compile(
        r"\b(?:\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}|"
        rf"\d{{1,2}}\s+(?:{_MONTHS})\.?\s+\d{{4}})\b",
        re.IGNORECASE,
    )),
)


class _Normalised(Func):
    """unaccent, lower case, every run of other characters than letters and digits one space."""

    template = "regexp_replace(lower(unaccent(%(expressions)s)), '[^[:alnum:]]+', ' ', 'g')"
    output_field = TextField()


def _patterns_found(note: str) -> list[dict]:
    found, taken = [], []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(note):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue  # a phone number is not also a date, an e-mail address not also a name
            taken.append(span)
            found.append({"kind": kind, "text": match.group(0).strip()})
    return found


def resident_names_in(note: str, municipality) -> list[str]:
    """Names (first + last) of residents of the municipality that occur in the note; one query."""
    if not note.strip():
        return []
    haystack = Concat(Value(" "), _Normalised(Value(note, output_field=TextField())), Value(" "),
                      output_field=TextField())
    needle = Concat(Value(" "), _Normalised(Concat(F("first_name"), Value(" "), F("last_name"),
                                                   output_field=TextField())),
                    Value(" "), output_field=TextField())
    rows = (
        Participant.objects.filter(team__municipality=municipality)
        .alias(position=Func(haystack, needle, function="strpos", output_field=IntegerField()))
        .filter(position__gt=0)
        .values_list("first_name", "last_name")
        .distinct()
        .order_by("last_name", "first_name")[:MAX_NAMES]
    )
    return [f"{first} {last}" for first, last in rows]


def check_note(note: str, municipality) -> list[dict]:
    """What in the note could identify a resident: ``[{"kind": ..., "text": ...}]``, names first."""
    names = [{"kind": NAME, "text": name} for name in resident_names_in(note, municipality)]
    return names + _patterns_found(note)


def describe(findings: list[dict]) -> list[str]:
    """The findings as short lines for the page: 'name of a resident: Jan de Vries'."""
    return [f"{KIND_LABELS.get(f.get('kind'), f.get('kind'))}: {f.get('text', '')}" for f in findings]
