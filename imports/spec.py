"""A file spec: what one CSV file holds and how its rows are read and written.

Each import file is one module in ``imports/files/`` with one ``FileSpec`` subclass: its name, model,
columns, key and the few rules that compare columns or rows. Everything else is done here, once:
clean every cell, resolve places and references, refuse repeated keys, read the existing rows with
one query, write only what changed with ``bulk_create`` / ``bulk_update``, and audit the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from collectief.models import log_event

from .columns import Row
from .lookups import Lookups, chunks
from .options import ImportOptions
from .results import FileResult

BATCH = 1000


@dataclass
class FileContext:
    """What a spec needs while it imports one file."""

    spec: FileSpec
    result: FileResult
    lookups: Lookups
    user: object = None
    options: ImportOptions = field(default_factory=ImportOptions)
    seen_ids: dict = field(default_factory=dict)  # external id -> first line
    seen_keys: dict = field(default_factory=dict)  # key -> first line
    state: dict = field(default_factory=dict)  # a spec's own working data


@dataclass(frozen=True)
class Referable:
    """Rows other files refer to by external id (``kind``), with the messages for a reference
    that is unknown or that points at a bad row."""

    kind: str
    unknown: str
    failed: str


class FileSpec:
    """Subclass with the file's name, order and model: ``class X(FileSpec, name=..., order=..., model=...)``."""

    name: str = ""  # the file name, e.g. "participants.csv"
    order: int = 0  # dependency order: a file may refer to files with a lower order
    model = None
    columns: tuple = ()
    key: tuple[str, ...] = ("external_id",)  # the columns a row is matched on (upsert)
    key_column: str = ""  # where a repeated key is reported
    referable: Referable | None = None
    # Columns (municipality, team, neighbourhood) that give the row's team_id and neighbourhood_id.
    places: tuple[str, str, str] | None = None

    def __init_subclass__(cls, *, name: str, order: int, model, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.name, cls.order, cls.model = name, order, model

    # --- Declared shape ------------------------------------------------------------------------

    @classmethod
    def required_columns(cls) -> list[str]:
        return [column.name for column in cls.columns if not column.optional]

    @classmethod
    def optional_columns(cls) -> list[str]:
        return [column.name for column in cls.columns if column.optional]

    @classmethod
    def has_field(cls, name: str) -> bool:
        """``updated_at`` is stamped by hand (bulk_update runs no auto_now); ``created_by`` is the user."""
        return any(field.name == name for field in cls.model._meta.fields)

    @classmethod
    def key_fields(cls) -> tuple[str, ...]:
        fields = {column.name: column.field for column in cls.columns}
        return tuple(fields[name] for name in cls.key)

    # --- Hooks for the rules of one file -------------------------------------------------------

    def prepare(self, ctx: FileContext, rows) -> None:
        """Read what the row rules need for all rows at once."""

    def check_row(self, ctx: FileContext, row: Row) -> None:
        """Rules that compare the columns of one row; record problems with ``row.error``."""

    def check_rows(self, ctx: FileContext, rows: list[Row], existing: dict) -> list[Row]:
        """Rules across rows or against the database; returns the rows that may be written."""
        return rows

    def changed_besides_fields(self, ctx: FileContext, rows: list[Row], existing: dict) -> set:
        """Keys of existing rows that changed in something other than their fields (many-to-many)."""
        return set()

    def after_save(self, ctx: FileContext, rows: list[Row], creates: list, updates: list) -> None:
        """Write what bulk_create / bulk_update cannot (many-to-many)."""

    # --- The run -------------------------------------------------------------------------------

    def import_rows(self, ctx: FileContext, rows) -> None:
        for column in self.columns:
            column.prepare(ctx, rows)
        self.prepare(ctx, rows)
        parsed = [row for row in (self.clean_row(ctx, line, values) for line, values in rows) if row is not None]
        existing = self.existing(parsed)
        # Rows with errors are left out, but the valid ones are still written (and rolled back at
        # the end) so that the preview counts what a corrected file would do.
        parsed = self.check_rows(ctx, parsed, existing)
        ctx.result.errors.sort(key=lambda issue: issue.line)
        creates, updates = self.save(ctx, parsed, existing)
        self.after_save(ctx, parsed, creates, updates)
        self.audit(ctx, [obj.pk for obj in creates], [obj.pk for obj in updates])

    def clean_row(self, ctx: FileContext, line: int, values: dict) -> Row | None:
        row = Row(ctx.result, line, values)
        for column in self.columns:
            column.read(row, ctx)
        self.check_row(ctx, row)
        if self.places and row.ok:
            names = [row.get(column) for column in self.places]
            row.data["team_id"], row.data["neighbourhood_id"] = ctx.lookups.places(row, *names)
        if row.ok:
            row.key = tuple(row.get(column) for column in self.key)
            self._refuse_repeated_key(ctx, row)
        if not row.ok:
            ctx.lookups.mark_failed(self.referable, values.get("external_id", ""), ctx.result.name, line)
            return None
        return row

    def _refuse_repeated_key(self, ctx: FileContext, row: Row) -> None:
        first = ctx.seen_keys.setdefault(row.key, row.line)
        if first != row.line:
            row.error(
                self.key_column or self.key[-1], _("This row repeats line %(line)s (same %(columns)s).")
                % {"line": first, "columns": ", ".join(self.key)},
            )

    def existing(self, rows: list[Row]) -> dict:
        """The rows already in the database, by key (the oldest one when a key occurs twice)."""
        fields = self.key_fields()
        found = {}
        for chunk in chunks(row.data[fields[0]] for row in rows):
            for obj in self.model.objects.filter(**{f"{fields[0]}__in": chunk}).order_by("pk"):
                found.setdefault(tuple(getattr(obj, name) for name in fields), obj)
        return found

    def save(self, ctx: FileContext, rows: list[Row], existing: dict):
        """Create or update the rows; only rows whose values differ are written."""
        forced = self.changed_besides_fields(ctx, rows, existing)
        on_create = {"created_by": ctx.user} if self.has_field("created_by") else {}
        creates, updates, fields = [], [], set()
        for row in rows:
            obj = existing.get(row.key)
            if obj is None:
                obj = existing[row.key] = self.model(**row.data, **on_create)
                creates.append(obj)
                continue
            changed = [name for name, value in row.data.items() if getattr(obj, name) != value]
            for name in changed:
                setattr(obj, name, row.data[name])
            fields.update(changed)
            if changed or row.key in forced:
                updates.append(obj)
            else:
                ctx.result.unchanged += 1
        self._write(creates, updates, fields)
        ctx.result.created += len(creates)
        ctx.result.updated += len(updates)
        return creates, updates

    def _write(self, creates: list, updates: list, fields: set) -> None:
        # Updates first: a row that ends an enrolment (or frees a session slot) makes room for a
        # new row of the same file, which the database constraints would otherwise refuse.
        if updates and self.has_field("updated_at"):
            now = timezone.now()
            for obj in updates:
                obj.updated_at = now
            fields.add("updated_at")
        if updates and fields:
            self.model.objects.bulk_update(updates, sorted(fields), batch_size=BATCH)
        if creates:
            self.model.objects.bulk_create(creates, batch_size=BATCH)

    def audit(self, ctx: FileContext, created_ids: list, updated_ids: list) -> None:
        """One event per file that changed something (per-row events would cost an INSERT each)."""
        if not (created_ids or updated_ids):
            return
        result = ctx.result
        log_event(
            ctx.user,
            "import.created" if created_ids else "import.updated",
            object_type=self.model._meta.label_lower,
            data={
                "file": result.name,
                "rows": result.rows,
                "created": len(created_ids),
                "updated": len(updated_ids),
                "unchanged": result.unchanged,
                "created_ids": sorted(created_ids),
                "updated_ids": sorted(updated_ids),
            },
        )
