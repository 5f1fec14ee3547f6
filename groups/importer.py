"""Import the registry from CSV files: one code path for ``manage.py import_registry`` and the browser.

The whole import runs in ONE transaction. Every file is validated and written in dependency order,
so that later files can refer to rows created by earlier ones with ordinary queries. At the end the
transaction is rolled back when it is a dry run or when any row of any file was bad: the preview of
the browser and ``--dry-run`` therefore report exactly what a real run would do, and a bad row in
the last file still leaves the database untouched.

Speed: every file is parsed first, then every referenced table is read with one query (per
``LOOKUP_CHUNK`` ids), and rows are written with ``bulk_create`` / ``bulk_update``. Rows whose values
are unchanged are not written at all, so a re-run changes nothing (not even ``updated_at``).

Audit: one event per file that changed something (``import.created`` when it created rows, else
``import.updated``) with the counts and the ids of the created and updated rows; a municipality,
team or neighbourhood the import creates gets its own ``import.created`` event with file and line.
Per-row events would cost one INSERT per row, which a 10,000-row attendance file cannot afford.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collectief.models import (
    EndReason,
    Framework,
    GroupKind,
    LifeDomain,
    Municipality,
    Neighbourhood,
    Team,
    log_event,
)
from collectief.signals import registration_changed
from participants.forms import POSTCODE_RE
from participants.models import IndividualSupport, Participant

from .models import Attendance, Enrolment, Group, Session

PARTICIPANTS = "participants.csv"
GROUPS = "groups.csv"
ENROLMENTS = "enrolments.csv"
SESSIONS = "sessions.csv"
ATTENDANCE = "attendance.csv"
INDIVIDUAL_SUPPORT = "individual_support.csv"

# Dependency order: a file may refer only to files above it (or to rows already in the database).
COLUMNS = {
    PARTICIPANTS: [
        "external_id", "first_name", "last_name", "birth_date", "postcode", "neighbourhood",
        "municipality", "team",
    ],
    GROUPS: [
        "external_id", "name", "kind", "theme", "life_domains", "framework", "municipality", "team",
        "neighbourhood", "start_date", "end_date", "status",
    ],
    ENROLMENTS: ["participant", "group", "start_date", "end_date", "end_reason"],
    SESSIONS: [
        "external_id", "group", "date", "start_time", "duration_minutes", "status", "topic", "head_count",
    ],
    ATTENDANCE: ["session", "participant", "status"],
    INDIVIDUAL_SUPPORT: ["participant", "product", "framework", "start_date", "end_date"],
}
FILE_NAMES = list(COLUMNS)

# The same limits as the forms (groups/forms.py, participants/forms.py), so that imported data could
# also have been typed in.
EARLIEST = datetime.date(1990, 1, 1)  # older dates are typing mistakes (0202 for 2022)
YEARS_AHEAD = 5
DURATION = (5, 24 * 60)
MAX_HEAD_COUNT = 500

BATCH = 1000
LOOKUP_CHUNK = 20_000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
INT_RE = re.compile(r"^[+-]?\d{1,12}$")


@dataclass
class Issue:
    """One problem: file, line (1 = header row), column and a message for the administrator."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.column or '-'}: {self.message}"


@dataclass
class FileResult:
    name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class ImportResult:
    files: dict[str, FileResult] = field(default_factory=dict)
    # Human-readable notes such as "New team: Wijkteam Noord (Leeuwarden)".
    created_places: list[str] = field(default_factory=list)
    dry_run: bool = False
    # True when the changes were committed (not a dry run and no errors).
    applied: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [issue for result in self.files.values() for issue in result.errors]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(r.created for r in self.files.values())

    @property
    def updated(self) -> int:
        return sum(r.updated for r in self.files.values())


class _Rollback(Exception):
    """Raised inside the import transaction to undo it (dry run or errors)."""


def find_files(directory) -> dict[str, Path]:
    """The known import files present in ``directory``, by their canonical name."""
    directory = Path(directory)
    found = {}
    for path in directory.iterdir():
        if path.is_file() and path.name.lower() in COLUMNS:
            found[path.name.lower()] = path
    return found


def import_directory(directory, *, user=None, dry_run: bool = False) -> ImportResult:
    """Import the known CSV files found in ``directory``."""
    files = find_files(directory)
    return run_import({name: path.read_bytes() for name, path in files.items()}, user=user, dry_run=dry_run)


def run_import(sources: dict[str, bytes], *, user=None, dry_run: bool = False) -> ImportResult:
    """Import ``{file name: raw bytes}``; write nothing on a dry run or when any row is bad."""
    return _Importer(user=user, dry_run=dry_run).run(sources)


# --- Reading CSV -------------------------------------------------------------------------------


def read_csv(name: str, data: bytes, result: FileResult) -> list[tuple[int, dict[str, str]]]:
    """Decode and parse one file into ``[(line, {column: stripped value})]``; problems go to result."""
    expected = COLUMNS[name]
    save_hint = _("In Excel, save the file as 'CSV UTF-8 (comma delimited)'.")

    def fail(line, column, message):
        result.errors.append(Issue(name, line, column, message))
        return []

    if data.startswith(b"PK\x03\x04"):
        return fail(
            1, "", _("This is an Excel workbook or another zip file, not a CSV file.") + " " + save_hint
        )
    if b"\x00" in data:
        return fail(1, "", _("This is not a CSV text file (it contains binary data).") + " " + save_hint)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return fail(
            line, "",
            _("The file is not UTF-8 encoded (first unreadable character on this line).") + " " + save_hint,
        )
    if not text.strip():
        return fail(
            1, "", _("The file is empty; expected a header row with the columns: %(columns)s.")
            % {"columns": ", ".join(expected)},
        )

    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
        header_line = reader.line_num
        header = [cell.strip().lower() for cell in header]
        if len(header) == 1 and ";" in header[0]:
            return fail(
                header_line, "",
                _("The columns are separated by semicolons; expected commas.") + " " + save_hint,
            )
        problems = False
        seen = set()
        for column in header:
            if column in seen:
                problems = True
                fail(header_line, column, _("This column appears twice in the header row."))
            seen.add(column)
            if column not in expected:
                problems = True
                fail(
                    header_line, column or "-",
                    _("Unknown column; the header row must hold exactly these columns: %(columns)s.")
                    % {"columns": ", ".join(expected)},
                )
        for column in expected:
            if column not in seen:
                problems = True
                fail(
                    header_line, column,
                    _("Missing column; the header row must hold exactly these columns: %(columns)s.")
                    % {"columns": ", ".join(expected)},
                )
        if problems:
            return []
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and rows of empty cells (Excel leaves them) are skipped
            if len(cells) != len(header):
                fail(
                    line, "",
                    _("This line has %(found)s fields; expected %(expected)s (one per column: %(columns)s).")
                    % {"found": len(cells), "expected": len(header), "columns": ", ".join(header)},
                )
                continue
            rows.append((line, {column: cell.strip() for column, cell in zip(header, cells, strict=True)}))
    except StopIteration:
        return fail(1, "", _("The file has no header row."))
    except csv.Error as exc:
        return fail(reader.line_num or 1, "", _("The file cannot be read as CSV: %(error)s") % {"error": exc})
    return rows


class _Row:
    """Parse the values of one CSV row; every problem is recorded with file, line and column."""

    def __init__(self, result: FileResult, line: int, values: dict[str, str]):
        self.result, self.line, self.values = result, line, values
        self._errors_before = len(result.errors)

    @property
    def ok(self) -> bool:
        return len(self.result.errors) == self._errors_before

    def error(self, column: str, message: str):
        self.result.errors.append(Issue(self.result.name, self.line, column, message))

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self.values[column]
        if required and not value:
            self.error(column, _("This column is empty; a value is required."))
        elif max_length and len(value) > max_length:
            self.error(
                column, _("Too long: %(length)s characters; at most %(max)s are allowed.")
                % {"length": len(value), "max": max_length},
            )
        return value

    def date(self, column: str, *, required: bool = False, plausible: bool = True) -> datetime.date | None:
        value = self.values[column]
        if not value:
            if required:
                self.error(column, _("This column is empty; a date is required (YYYY-MM-DD)."))
            return None
        if DATE_RE.match(value):
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                latest = timezone.localdate() + datetime.timedelta(days=YEARS_AHEAD * 366)
                if plausible and not EARLIEST <= day <= latest:
                    self.error(
                        column, _("%(value)s is not a plausible date; expected a date from %(earliest)s "
                                  "to %(latest)s.")
                        % {"value": value, "earliest": EARLIEST.isoformat(), "latest": latest.isoformat()},
                    )
                    return None
                return day
        self.error(
            column, _("'%(value)s' is not a valid date; expected YYYY-MM-DD, for example 2024-03-31.")
            % {"value": value},
        )
        return None

    def time(self, column: str) -> datetime.time | None:
        value = self.values[column]
        if not value:
            self.error(column, _("This column is empty; a time is required (HH:MM)."))
            return None
        match = TIME_RE.match(value)
        if match:
            hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
            if hour < 24 and minute < 60 and second < 60:
                return datetime.time(hour, minute, second)
        self.error(
            column,
            _("'%(value)s' is not a valid time; expected HH:MM, for example 09:30.") % {"value": value},
        )
        return None

    def number(self, column: str, *, minimum: int, maximum: int, default: int) -> int | None:
        value = self.values[column]
        if not value:
            return default
        bounds = {"value": value, "min": minimum, "max": maximum}
        if not INT_RE.match(value):
            self.error(
                column, _("'%(value)s' is not a whole number; expected a number from %(min)s to %(max)s.")
                % bounds,
            )
            return None
        number = int(value)
        if number < 0 and minimum >= 0:
            self.error(
                column, _("%(value)s is negative; expected a number from %(min)s to %(max)s.") % bounds
            )
            return None
        if not minimum <= number <= maximum:
            self.error(
                column, _("%(value)s is out of range; expected a number from %(min)s to %(max)s.") % bounds
            )
            return None
        return number

    def code(self, column: str, allowed, *, required: bool = False) -> str | None:
        """A code from a code list or choices; ``allowed`` is a collection of valid codes."""
        value = self.values[column].lower()
        if not value:
            if required:
                self.error(
                    column, _("This column is empty; allowed values: %(allowed)s.")
                    % {"allowed": ", ".join(allowed)},
                )
            return None
        if value not in allowed:
            self.error(
                column, _("Unknown value '%(value)s'; allowed values: %(allowed)s.")
                % {"value": self.values[column], "allowed": ", ".join(allowed)},
            )
            return None
        return value

    def period(self, start_column: str, start, end_column: str, end):
        if start and end and end < start:
            self.error(
                end_column,
                _("The end date %(end)s lies before the start date %(start)s (column %(column)s).")
                % {"end": end.isoformat(), "start": start.isoformat(), "column": start_column},
            )


# --- The import --------------------------------------------------------------------------------


class _Importer:
    def __init__(self, *, user, dry_run: bool):
        self.user = user if (user is not None and user.is_authenticated) else None
        self.result = ImportResult(dry_run=dry_run)
        # External ids of rows that had errors, so references to them get a precise message.
        self.failed: dict[str, dict[str, tuple[str, int]]] = {"participant": {}, "group": {}, "session": {}}

    def run(self, sources: dict[str, bytes]) -> ImportResult:
        parsed = {}
        for name in FILE_NAMES:
            if name in sources:
                file_result = self.result.files[name] = FileResult(name)
                parsed[name] = read_csv(name, sources[name], file_result)
                file_result.rows = len(parsed[name])
        if not parsed:
            return self.result
        current = FILE_NAMES[0]
        try:
            # One transaction for all files: rolled back on a dry run or when any row is bad.
            with transaction.atomic():
                self._load_places()
                for name in FILE_NAMES:
                    if name in parsed:
                        current = name
                        step = getattr(self, "_import_" + name.removesuffix(".csv"))
                        step(self.result.files[name], parsed[name])
                if self.result.dry_run or not self.result.ok:
                    raise _Rollback
        except _Rollback:
            pass
        except DatabaseError as exc:
            # Validation should have caught everything; a concurrent change can still collide.
            file_result = self.result.files.get(current) or next(iter(self.result.files.values()))
            file_result.errors.append(
                Issue(
                    file_result.name, 1, "",
                    _("The database refused the import (%(error)s). Nothing was saved; try again.")
                    % {"error": str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__},
                )
            )
        else:
            self.result.applied = True
            # bulk writes send no model signals: tell listeners (the reporting cache) once.
            registration_changed.send(sender=type(self))
        return self.result

    # --- Municipalities, teams, neighbourhoods (created when unknown) ---------------------------

    def _load_places(self):
        # Small tables: read them once, match names without regard to case.
        self.municipalities = {m.name.lower(): m for m in Municipality.objects.all()}
        self.teams = {(t.municipality_id, t.name.lower()): t for t in Team.objects.all()}
        self.neighbourhoods = {(n.municipality_id, n.name.lower()): n for n in Neighbourhood.objects.all()}

    def _audit_place(self, obj, file_result, line):
        log_event(self.user, "import.created", obj, {"file": file_result.name, "line": line})

    def municipality(self, name, file_result, line):
        municipality = self.municipalities.get(name.lower())
        if municipality is None:
            municipality = Municipality.objects.create(name=name)
            self.municipalities[name.lower()] = municipality
            self._audit_place(municipality, file_result, line)
            self.result.created_places.append(_("New municipality: %(name)s") % {"name": name})
        return municipality

    def team(self, municipality, name, file_result, line):
        team = self.teams.get((municipality.pk, name.lower()))
        if team is None:
            team = Team.objects.create(municipality=municipality, name=name)
            self.teams[(municipality.pk, name.lower())] = team
            self._audit_place(team, file_result, line)
            self.result.created_places.append(
                _("New team: %(name)s (%(municipality)s)") % {"name": name, "municipality": municipality.name}
            )
        return team

    def neighbourhood(self, municipality, name, file_result, line):
        if not name:
            return None
        neighbourhood = self.neighbourhoods.get((municipality.pk, name.lower()))
        if neighbourhood is None:
            neighbourhood = Neighbourhood.objects.create(municipality=municipality, name=name)
            self.neighbourhoods[(municipality.pk, name.lower())] = neighbourhood
            self._audit_place(neighbourhood, file_result, line)
            self.result.created_places.append(
                _("New neighbourhood: %(name)s (%(municipality)s)")
                % {"name": name, "municipality": municipality.name}
            )
        return neighbourhood

    def _places(self, row: _Row):
        """Municipality, team and neighbourhood of a row (created when unknown); None when bad."""
        municipality_name = row.text("municipality", required=True, max_length=100)
        team_name = row.text("team", required=True, max_length=100)
        neighbourhood_name = row.text("neighbourhood", max_length=100)
        if not row.ok:
            return None, None
        file_result, line = row.result, row.line
        municipality = self.municipality(municipality_name, file_result, line)
        team = self.team(municipality, team_name, file_result, line)
        return team, self.neighbourhood(municipality, neighbourhood_name, file_result, line)

    # --- References by external id -----------------------------------------------------------

    @staticmethod
    def _ids_by_external_id(model, external_ids) -> dict[str, int]:
        external_ids = sorted({e for e in external_ids if e})
        found = {}
        for start in range(0, len(external_ids), LOOKUP_CHUNK):
            chunk = external_ids[start : start + LOOKUP_CHUNK]
            found.update(model.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
        return found

    def _resolve(self, row: _Row, column: str, kind: str, ids: dict[str, int]):
        value = row.values[column]
        if not value:
            row.error(column, _("This column is empty; an external id is required."))
            return None
        if value in ids:
            return ids[value]
        failed = self.failed[kind].get(value)
        if failed:
            messages = {
                "participant": _(
                    "Participant '%(value)s' was not imported because of errors in %(file)s line %(line)s."
                ),
                "group": _("Group '%(value)s' was not imported because of errors in %(file)s line %(line)s."),
                "session": _(
                    "Session '%(value)s' was not imported because of errors in %(file)s line %(line)s."
                ),
            }
            row.error(column, messages[kind] % {"value": value, "file": failed[0], "line": failed[1]})
        else:
            messages = {
                "participant": _(
                    "Unknown participant '%(value)s': not in participants.csv and not in the database."
                ),
                "group": _("Unknown group '%(value)s': not in groups.csv and not in the database."),
                "session": _("Unknown session '%(value)s': not in sessions.csv and not in the database."),
            }
            row.error(column, messages[kind] % {"value": value})
        return None

    def _external_id(self, row: _Row, seen: dict[str, int]) -> str:
        value = row.text("external_id", required=True, max_length=50)
        if value and value in seen:
            row.error(
                "external_id",
                _("External id '%(value)s' appears twice in this file (first on line %(line)s).")
                % {"value": value, "line": seen[value]},
            )
        elif value:
            seen[value] = row.line
        return value

    @staticmethod
    def _duplicate_key(row: _Row, column: str, key, seen: dict, columns: str):
        if key in seen:
            row.error(
                column, _("This row repeats line %(line)s (same %(columns)s).")
                % {"line": seen[key], "columns": columns},
            )
            return True
        seen[key] = row.line
        return False

    # --- Writing -------------------------------------------------------------------------------

    def _save(self, file_result, model, parsed, existing, *, touch_updated_at=False, on_create=None):
        """Create or update ``parsed`` rows ``[(line, key, values)]`` against ``existing`` ``{key: obj}``.

        Only rows whose values differ are written; returns (created objects, updated objects).
        """
        creates, updates, fields = [], [], set()
        for _line, key, values in parsed:
            obj = existing.get(key)
            if obj is None:
                obj = model(**values, **(on_create or {}))
                creates.append(obj)
                existing[key] = obj  # a later duplicate row is caught before; this keeps keys unique
                continue
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                fields.update(changed)
                updates.append(obj)
            else:
                file_result.unchanged += 1
        if creates:
            model.objects.bulk_create(creates, batch_size=BATCH)
        if updates:
            if touch_updated_at:
                # bulk_update does not run auto_now: set it by hand.
                now = timezone.now()
                for obj in updates:
                    obj.updated_at = now
                fields.add("updated_at")
            model.objects.bulk_update(updates, sorted(fields), batch_size=BATCH)
        file_result.created += len(creates)
        file_result.updated += len(updates)
        return creates, updates

    def _audit_file(self, file_result, model, created_ids, updated_ids):
        if not (created_ids or updated_ids):
            return
        log_event(
            self.user,
            "import.created" if created_ids else "import.updated",
            object_type=model._meta.label_lower,
            data={
                "file": file_result.name,
                "rows": file_result.rows,
                "created": len(created_ids),
                "updated": len(updated_ids),
                "unchanged": file_result.unchanged,
                "created_ids": sorted(created_ids),
                "updated_ids": sorted(updated_ids),
            },
        )

    # --- participants.csv ----------------------------------------------------------------------

    def _import_participants(self, file_result, rows):
        today = timezone.localdate()
        parsed, seen = [], {}
        for line, values in rows:
            row = _Row(file_result, line, values)
            external_id = self._external_id(row, seen)
            first_name = row.text("first_name", required=True, max_length=100)
            last_name = row.text("last_name", required=True, max_length=100)
            birth_date = row.date("birth_date", required=True, plausible=False)
            if birth_date and birth_date > today:
                row.error(
                    "birth_date", _("The birth date %(date)s lies in the future.") % {"date": birth_date}
                )
            elif birth_date and birth_date < datetime.date(1900, 1, 1):
                row.error("birth_date", _("The birth date %(date)s lies before 1900.") % {"date": birth_date})
            postcode = values["postcode"]
            if postcode:
                match = POSTCODE_RE.match(postcode)
                if match:
                    postcode = f"{match.group(1)} {match.group(2).upper()}"
                else:
                    row.error(
                        "postcode", _("'%(value)s' is not a Dutch postcode; expected for example 8921 AB.")
                        % {"value": postcode},
                    )
            team, neighbourhood = self._places(row)
            if not row.ok:
                if external_id:
                    self.failed["participant"].setdefault(external_id, (file_result.name, line))
                continue
            parsed.append((line, external_id, {
                "external_id": external_id,
                "first_name": first_name,
                "last_name": last_name,
                "birth_date": birth_date,
                "postcode": postcode,
                "team_id": team.pk,
                "neighbourhood_id": neighbourhood.pk if neighbourhood else None,
            }))
        existing = self._by_external_id(Participant, [key for _l, key, _v in parsed])
        creates, updates = self._save(
            file_result, Participant, parsed, existing, touch_updated_at=True,
            on_create={"created_by": self.user},
        )
        self._audit_file(file_result, Participant, [o.pk for o in creates], [o.pk for o in updates])

    @staticmethod
    def _by_external_id(model, external_ids):
        external_ids = sorted(set(external_ids))
        found = {}
        for start in range(0, len(external_ids), LOOKUP_CHUNK):
            chunk = external_ids[start : start + LOOKUP_CHUNK]
            found.update({obj.external_id: obj for obj in model.objects.filter(external_id__in=chunk)})
        return found

    # --- groups.csv ----------------------------------------------------------------------------

    def _import_groups(self, file_result, rows):
        kinds = list(GroupKind.objects.values_list("code", flat=True))
        frameworks = list(Framework.objects.values_list("code", flat=True))
        domains = list(LifeDomain.objects.values_list("code", flat=True))
        statuses = Group.Status.values
        parsed, domain_sets, seen = [], {}, {}
        for line, values in rows:
            row = _Row(file_result, line, values)
            external_id = self._external_id(row, seen)
            name = row.text("name", required=True, max_length=120)
            kind = row.code("kind", kinds, required=True)
            theme = row.text("theme", max_length=200)
            life_domains = set()
            for piece in values["life_domains"].split(";"):
                piece = piece.strip().lower()
                if not piece:
                    continue
                if piece in domains:
                    life_domains.add(piece)
                else:
                    row.error(
                        "life_domains",
                        _("Unknown life domain '%(value)s'; allowed values (separated by ';'): %(allowed)s.")
                        % {"value": piece, "allowed": ", ".join(domains)},
                    )
            framework = row.code("framework", frameworks)
            start_date = row.date("start_date", required=True)
            end_date = row.date("end_date")
            row.period("start_date", start_date, "end_date", end_date)
            status = row.code("status", statuses, required=True)
            team, neighbourhood = self._places(row)
            if not row.ok:
                if external_id:
                    self.failed["group"].setdefault(external_id, (file_result.name, line))
                continue
            parsed.append((line, external_id, {
                "external_id": external_id,
                "name": name,
                "kind_id": kind,
                "theme": theme,
                "framework_id": framework,
                "team_id": team.pk,
                "neighbourhood_id": neighbourhood.pk if neighbourhood else None,
                "start_date": start_date,
                "end_date": end_date,
                "status": status,
            }))
            domain_sets[external_id] = life_domains

        existing = self._by_external_id(Group, [key for _l, key, _v in parsed])
        through = Group.life_domains.through
        current_domains: dict[int, set[str]] = {}
        if existing:
            for group_id, domain in through.objects.filter(
                group_id__in=[g.pk for g in existing.values()]
            ).values_list("group_id", "lifedomain_id"):
                current_domains.setdefault(group_id, set()).add(domain)
        # A group whose only change is its life domains still counts (and is stamped) as updated.
        domain_changed = {
            key for key, obj in existing.items() if current_domains.get(obj.pk, set()) != domain_sets[key]
        }
        creates, updates = self._save(file_result, Group, parsed, existing, touch_updated_at=True)
        updated_keys = {obj.external_id for obj in updates}
        extra = [existing[key] for key in domain_changed - updated_keys]
        if extra:
            now = timezone.now()
            for obj in extra:
                obj.updated_at = now
            Group.objects.bulk_update(extra, ["updated_at"], batch_size=BATCH)
            file_result.updated += len(extra)
            file_result.unchanged -= len(extra)
            updates = updates + extra
        # Life domains: replace the set of every new group and of every group whose set changed.
        rewrite = list(creates) + [existing[key] for key in domain_changed]
        if domain_changed:
            through.objects.filter(group_id__in=[existing[key].pk for key in domain_changed]).delete()
        if rewrite:
            through.objects.bulk_create(
                [
                    through(group_id=group.pk, lifedomain_id=domain)
                    for group in rewrite
                    for domain in sorted(domain_sets[group.external_id])
                ],
                batch_size=BATCH,
            )
        self._audit_file(file_result, Group, [o.pk for o in creates], [o.pk for o in updates])

    # --- enrolments.csv ------------------------------------------------------------------------

    def _import_enrolments(self, file_result, rows):
        reasons = list(EndReason.objects.values_list("code", flat=True))
        participants = self._ids_by_external_id(Participant, [v["participant"] for _l, v in rows])
        groups = self._ids_by_external_id(Group, [v["group"] for _l, v in rows])
        parsed, seen = [], {}
        for line, values in rows:
            row = _Row(file_result, line, values)
            participant_id = self._resolve(row, "participant", "participant", participants)
            group_id = self._resolve(row, "group", "group", groups)
            start_date = row.date("start_date", required=True)
            end_date = row.date("end_date")
            row.period("start_date", start_date, "end_date", end_date)
            end_reason = row.code("end_reason", reasons)
            if end_reason and not values["end_date"]:
                row.error("end_reason", _("An end reason needs an end date (column end_date)."))
            elif values["end_date"] and not values["end_reason"]:
                row.error(
                    "end_reason",
                    _("An ended enrolment needs an end reason; allowed values: %(allowed)s (use 'other' "
                      "when it is not known).") % {"allowed": ", ".join(reasons)},
                )
            if not row.ok:
                continue
            key = (participant_id, group_id, start_date)
            if self._duplicate_key(row, "start_date", key, seen, "participant, group, start_date"):
                continue
            parsed.append((line, key, {
                "participant_id": participant_id,
                "group_id": group_id,
                "start_date": start_date,
                "end_date": end_date,
                "end_reason_id": end_reason,
            }))
        existing, others = {}, {}
        if parsed:
            query = Enrolment.objects.filter(
                participant_id__in={k[0] for _l, k, _v in parsed}, group_id__in={k[1] for _l, k, _v in parsed}
            ).order_by("pk")
            for enrolment in query:
                key = (enrolment.participant_id, enrolment.group_id, enrolment.start_date)
                if key in existing:
                    others.setdefault(key[:2], []).append(enrolment)  # a stray duplicate: leave it alone
                else:
                    existing[key] = enrolment
        refused = self._check_open_enrolments(file_result, parsed, existing, others, rows)
        # Rows with errors are left out, but the valid ones are still written (and rolled back at
        # the end) so that the preview counts what a corrected file would do.
        parsed = [item for item in parsed if item[0] not in refused]
        creates, updates = self._save(file_result, Enrolment, parsed, existing)
        self._audit_file(file_result, Enrolment, [o.pk for o in creates], [o.pk for o in updates])

    def _check_open_enrolments(self, file_result, parsed, existing, others, rows):
        """At most one open enrolment (no end date) per participant and group: the database demands it."""
        values_by_line = dict(rows)
        refused = set()
        final: dict[tuple[int, int], dict] = {}
        for key, enrolment in existing.items():
            final.setdefault(key[:2], {})[key[2]] = (enrolment.end_date, None)
        for pair, stray in others.items():
            for enrolment in stray:
                final.setdefault(pair, {})[("stray", enrolment.pk)] = (enrolment.end_date, None)
        for line, key, values in parsed:
            final.setdefault(key[:2], {})[key[2]] = (values["end_date"], line)
        for periods in final.values():
            open_periods = [(start, line) for start, (end, line) in periods.items() if end is None]
            if len(open_periods) < 2:
                continue
            for start, line in open_periods:
                if line is None:
                    continue
                refused.add(line)
                others_open = [s for s, _l in open_periods if s != start]
                other = others_open[0]
                other_text = other.isoformat() if isinstance(other, datetime.date) else "?"
                file_result.errors.append(Issue(
                    file_result.name, line, "end_date",
                    _("Participant '%(participant)s' would have two open enrolments (without end date) in "
                      "group '%(group)s'; the other one starts on %(date)s. Give one of them an end date.")
                    % {
                        "participant": values_by_line[line]["participant"],
                        "group": values_by_line[line]["group"],
                        "date": other_text,
                    },
                ))
        file_result.errors.sort(key=lambda issue: issue.line)
        return refused

    # --- sessions.csv --------------------------------------------------------------------------

    def _import_sessions(self, file_result, rows):
        groups = self._ids_by_external_id(Group, [v["group"] for _l, v in rows])
        periods = self._group_periods(groups.values())
        today = timezone.localdate()
        statuses = Session.Status.values
        parsed, seen, slots = [], {}, {}
        for line, values in rows:
            row = _Row(file_result, line, values)
            external_id = self._external_id(row, seen)
            group_id = self._resolve(row, "group", "group", groups)
            date = row.date("date", required=True)
            start_time = row.time("start_time")
            duration = row.number("duration_minutes", minimum=DURATION[0], maximum=DURATION[1], default=90)
            status = row.code("status", statuses, required=True)
            topic = row.text("topic", max_length=200)
            head_count = row.number("head_count", minimum=0, maximum=MAX_HEAD_COUNT, default=0)
            if date and status == Session.Status.HELD and date > today:
                row.error(
                    "date", _("A session in the future (%(date)s) cannot have been held; use status "
                              "cancelled or leave it out.") % {"date": date.isoformat()},
                )
            if date and group_id:
                start, end = periods[group_id]
                if date < start:
                    row.error(
                        "date", _("The group started on %(start)s; a session on %(date)s cannot be earlier.")
                        % {"start": start.isoformat(), "date": date.isoformat()},
                    )
                elif end and date > end:
                    row.error(
                        "date", _("The group ended on %(end)s; a session on %(date)s cannot be later.")
                        % {"end": end.isoformat(), "date": date.isoformat()},
                    )
            if row.ok:
                slot = (group_id, date, start_time)
                if slot in slots:
                    row.error(
                        "start_time",
                        _(
                            "Line %(line)s already has a session of this group on the same date and "
                            "start time."
                        )
                        % {"line": slots[slot]},
                    )
                else:
                    slots[slot] = line
            if not row.ok:
                if external_id:
                    self.failed["session"].setdefault(external_id, (file_result.name, line))
                continue
            parsed.append((line, external_id, {
                "external_id": external_id,
                "group_id": group_id,
                "date": date,
                "start_time": start_time,
                "duration_minutes": duration,
                "status": status,
                "topic": topic,
                "head_count": head_count,
            }))
        # The slot (group, date, start time) is unique: a session already there must be this one.
        taken, values_by_line = {}, dict(rows)
        if parsed:
            query = Session.objects.filter(
                group_id__in={v["group_id"] for _l, _k, v in parsed},
                date__in={v["date"] for _l, _k, v in parsed},
            ).values_list("external_id", "group_id", "date", "start_time")
            taken = {(g, d, t): e for e, g, d, t in query}
        valid = []
        for line, key, values in parsed:
            slot = (values["group_id"], values["date"], values["start_time"])
            if slot in taken and taken[slot] != key:
                data = {
                    "group": values_by_line[line]["group"], "date": values["date"].isoformat(),
                    "time": values["start_time"].strftime("%H:%M"), "other": taken[slot],
                }
                message = (
                    _("Group '%(group)s' already has a session on %(date)s at %(time)s with another "
                      "external id (%(other)s).")
                    if taken[slot]
                    else _("Group '%(group)s' already has a session on %(date)s at %(time)s that was entered "
                           "in the application (without an external id).")
                )
                file_result.errors.append(Issue(file_result.name, line, "start_time", message % data))
                self.failed["session"].setdefault(key, (file_result.name, line))
            else:
                valid.append((line, key, values))
        file_result.errors.sort(key=lambda issue: issue.line)
        existing = self._by_external_id(Session, [key for _l, key, _v in valid])
        creates, updates = self._save(
            file_result, Session, valid, existing, touch_updated_at=True, on_create={"created_by": self.user}
        )
        self._audit_file(file_result, Session, [o.pk for o in creates], [o.pk for o in updates])

    @staticmethod
    def _group_periods(group_ids) -> dict[int, tuple]:
        group_ids = sorted(set(group_ids))
        periods = {}
        for start in range(0, len(group_ids), LOOKUP_CHUNK):
            query = Group.objects.filter(pk__in=group_ids[start : start + LOOKUP_CHUNK])
            periods.update({pk: (s, e) for pk, s, e in query.values_list("pk", "start_date", "end_date")})
        return periods

    # --- attendance.csv ------------------------------------------------------------------------

    def _import_attendance(self, file_result, rows):
        sessions = self._ids_by_external_id(Session, [v["session"] for _l, v in rows])
        participants = self._ids_by_external_id(Participant, [v["participant"] for _l, v in rows])
        statuses = Attendance.Status.values
        parsed, seen = [], {}
        for line, values in rows:
            row = _Row(file_result, line, values)
            session_id = self._resolve(row, "session", "session", sessions)
            participant_id = self._resolve(row, "participant", "participant", participants)
            status = row.code("status", statuses, required=True)
            if not row.ok:
                continue
            key = (session_id, participant_id)
            if self._duplicate_key(row, "participant", key, seen, "session, participant"):
                continue
            parsed.append(
                (line, key, {"session_id": session_id, "participant_id": participant_id, "status": status})
            )
        existing = {}
        session_ids = sorted({key[0] for _l, key, _v in parsed})
        for start in range(0, len(session_ids), LOOKUP_CHUNK):
            query = Attendance.objects.filter(session_id__in=session_ids[start : start + LOOKUP_CHUNK]).only(
                "id", "session_id", "participant_id", "status"
            )
            existing.update({(a.session_id, a.participant_id): a for a in query})
        creates, updates = self._save(file_result, Attendance, parsed, existing)
        self._audit_file(file_result, Attendance, [o.pk for o in creates], [o.pk for o in updates])

    # --- individual_support.csv ----------------------------------------------------------------

    def _import_individual_support(self, file_result, rows):
        frameworks = list(Framework.objects.values_list("code", flat=True))
        participants = self._ids_by_external_id(Participant, [v["participant"] for _l, v in rows])
        parsed, seen = [], {}
        for line, values in rows:
            row = _Row(file_result, line, values)
            participant_id = self._resolve(row, "participant", "participant", participants)
            product = row.text("product", required=True, max_length=100)
            framework = row.code("framework", frameworks, required=True)
            start_date = row.date("start_date", required=True)
            end_date = row.date("end_date")
            row.period("start_date", start_date, "end_date", end_date)
            if not row.ok:
                continue
            key = (participant_id, product, framework, start_date)
            columns = "participant, product, framework, start_date"
            if self._duplicate_key(row, "start_date", key, seen, columns):
                continue
            parsed.append((line, key, {
                "participant_id": participant_id,
                "product": product,
                "framework_id": framework,
                "start_date": start_date,
                "end_date": end_date,
            }))
        existing = {}
        participant_ids = sorted({key[0] for _l, key, _v in parsed})
        for start in range(0, len(participant_ids), LOOKUP_CHUNK):
            chunk = participant_ids[start : start + LOOKUP_CHUNK]
            query = IndividualSupport.objects.filter(participant_id__in=chunk)
            existing.update({(s.participant_id, s.product, s.framework_id, s.start_date): s for s in query})
        creates, updates = self._save(file_result, IndividualSupport, parsed, existing)
        self._audit_file(file_result, IndividualSupport, [o.pk for o in creates], [o.pk for o in updates])

