"""Read one uploaded CSV file into rows, with a clear message for every way a file can be unreadable.

Built on ``csv.DictReader``. The header row is found (leading blank rows skipped), trimmed and
lower-cased, and checked against the file's columns: every required column must be there, optional
columns may be, anything else is refused. Each row becomes ``(line, {column: trimmed value})``;
line numbers count the header row as line 1 and point at the line where a record starts.
"""

from __future__ import annotations

import csv
import io
import re

from django.utils.translation import gettext as _

from .results import FileResult

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends io.StringIO(newline="") splits on


def _save_hint() -> str:
    return _("In Excel, save the file as 'CSV UTF-8 (comma delimited)'.")


def _columns_text(required, optional) -> str:
    text = ", ".join(required)
    if optional:
        text += "; " + _("optional: %(columns)s") % {"columns": ", ".join(optional)}
    return text


def decode(data: bytes, result: FileResult) -> str | None:
    """The text of a file, or None (with the reason in ``result``) when it is no CSV text."""
    if data.startswith(b"PK\x03\x04"):
        result.error(
            1, "", _("This is an Excel workbook or another zip file, not a CSV file.") + " " + _save_hint()
        )
        return None
    if b"\x00" in data:
        result.error(1, "", _("This is not a CSV text file (it contains binary data).") + " " + _save_hint())
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.error(
            line, "",
            _("The file is not UTF-8 encoded (first unreadable character on this line).") + " " + _save_hint(),
        )
        return None


def check_header(header: list[str], line: int, required, optional, result: FileResult) -> bool:
    """Report duplicate, unknown and missing columns; True when the header is usable."""
    columns = _columns_text(required, optional)
    before = len(result.errors)
    if len(header) == 1 and ";" in header[0]:
        result.error(line, "", _("The columns are separated by semicolons; expected commas.") + " " + _save_hint())
        return False
    seen = set()
    for column in header:
        if column in seen:
            result.error(line, column, _("This column appears twice in the header row."))
        seen.add(column)
        if column not in required and column not in optional:
            result.error(
                line, column or "-",
                _("Unknown column; the header row must hold exactly these columns: %(columns)s.")
                % {"columns": columns},
            )
    for column in required:
        if column not in seen:
            result.error(
                line, column,
                _("Missing column; the header row must hold exactly these columns: %(columns)s.")
                % {"columns": columns},
            )
    return len(result.errors) == before


def _cells(record: dict) -> list[str]:
    """Every cell of a record, also the ones beyond the header (DictReader keeps those under None)."""
    return [value for key, value in record.items() if key is not None and value is not None] + list(
        record.get(None) or []
    )


def _start_line(reader: csv.DictReader, cells: list[str]) -> int:
    """The line a record starts on: DictReader reports where it ends (quoted cells may span lines)."""
    return reader.line_num - sum(len(_LINE_BREAK.findall(cell)) for cell in cells)


def _field_count_error(found: int, header: list[str]) -> str:
    return _("This line has %(found)s fields; expected %(expected)s (one per column: %(columns)s).") % {
        "found": found, "expected": len(header), "columns": ", ".join(header),
    }


def _records(reader: csv.DictReader, header: list[str], result: FileResult):
    for record in reader:
        cells = _cells(record)
        if not any(cell.strip() for cell in cells):
            continue  # rows of empty cells (Excel leaves them) are skipped, like blank lines
        line = _start_line(reader, cells)
        if len(cells) != len(header):
            result.error(line, "", _field_count_error(len(cells), header))
            continue
        yield line, {column: value.strip() for column, value in record.items()}


def read_csv(data: bytes, result: FileResult, required, optional=()) -> list[tuple[int, dict[str, str]]]:
    """Decode and parse one file into ``[(line, {column: value})]``; problems go to ``result``."""
    text = decode(data, result)
    if text is None:
        return []
    if not text.strip():
        result.error(
            1, "", _("The file is empty; expected a header row with the columns: %(columns)s.")
            % {"columns": _columns_text(required, optional)},
        )
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = next(reader.reader)
        while not any(cell.strip() for cell in header):
            header = next(reader.reader)
        header = [cell.strip().lower() for cell in header]
        if not check_header(header, reader.reader.line_num, required, optional, result):
            return []
        reader.fieldnames = header
        return list(_records(reader, header, result))
    except StopIteration:
        result.error(1, "", _("The file has no header row."))
    except csv.Error as exc:
        result.error(reader.reader.line_num or 1, "", _("The file cannot be read as CSV: %(error)s") % {"error": exc})
    return []
