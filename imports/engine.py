"""Run an import: one code path for ``manage.py import_registry``, the worker and the tests.

The whole import runs in ONE transaction. Every file is read first, then validated and written in
dependency order, so that later files can refer to rows created by earlier ones with ordinary
queries. At the end the transaction is rolled back when it is a dry run or when any row of any file
was bad: the preview and ``--dry-run`` report exactly what a real run would do, and a bad row in the
last file still leaves the database untouched.

Audit: one event per file that changed something (``import.created`` when it created rows, else
``import.updated``); a municipality, team or neighbourhood the import creates gets its own
``import.created`` event with file and line. The events are part of the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from collectief.signals import registration_changed

from .files import BY_NAME, SPECS
from .lookups import Lookups
from .options import ImportOptions
from .reader import read_csv
from .results import FileResult, ImportResult
from .spec import FileContext

Progress = Callable[[str, int, int], None]


class _Rollback(Exception):
    """Raised inside the import transaction to undo it (dry run or errors)."""


def find_files(directory) -> dict[str, Path]:
    """The known import files present in ``directory``, by their canonical name."""
    return {
        path.name.lower(): path
        for path in Path(directory).iterdir()
        if path.is_file() and path.name.lower() in BY_NAME
    }


def import_directory(
    directory, *, user=None, dry_run: bool = False, options: ImportOptions | None = None,
    progress: Progress | None = None,
):
    """Import the known CSV files found in ``directory``."""
    sources = {name: path.read_bytes() for name, path in find_files(directory).items()}
    return run_import(sources, user=user, dry_run=dry_run, options=options, progress=progress)


def run_import(
    sources: dict[str, bytes], *, user=None, dry_run=False, options: ImportOptions | None = None,
    progress: Progress | None = None,
):
    """Import ``{file name: raw bytes}``; write nothing on a dry run or when any row is bad.

    ``options`` (default: the command without flags) say whether new places and team moves are allowed.
    """
    user = user if (user is not None and user.is_authenticated) else None
    options = options or ImportOptions()
    result = ImportResult(dry_run=dry_run)
    parsed = {}
    for spec in SPECS:
        if spec.name in sources:
            file_result = result.files[spec.name] = FileResult(spec.name)
            parsed[spec.name] = read_csv(
                sources[spec.name], file_result, spec.required_columns(), spec.optional_columns()
            )
            file_result.rows = len(parsed[spec.name])
    if parsed:
        _write(parsed, result, user, options, progress)
    return result


def _write(parsed: dict, result: ImportResult, user, options: ImportOptions, progress: Progress | None) -> None:
    referable = {spec.referable.kind: spec for spec in SPECS if spec.referable}
    lookups = Lookups(user=user, result=result, referable=referable, options=options)
    current = next(iter(parsed))
    try:
        # One transaction for all files: rolled back on a dry run or when any row is bad.
        with transaction.atomic():
            for number, name in enumerate(parsed, start=1):
                current = name
                if progress:
                    progress(name, number, len(parsed))
                spec = BY_NAME[name]()
                ctx = FileContext(
                    spec=spec, result=result.files[name], lookups=lookups, user=user, options=options
                )
                spec.import_rows(ctx, parsed[name])
            if result.dry_run or not result.ok:
                raise _Rollback
    except _Rollback:
        pass
    except DatabaseError as exc:
        # Validation should have caught everything; a concurrent change can still collide.
        result.files[current].error(
            1, "", _("The database refused the import (%(error)s). Nothing was saved; try again.")
            % {"error": str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__},
        )
    else:
        result.applied = True
        # bulk writes send no model signals: tell listeners (the reporting cache) once.
        registration_changed.send(sender=run_import)
