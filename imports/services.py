"""The browser import's workflow: store an upload, run it in the worker, show progress, clean up.

    store_upload()     keep the uploaded files under imports/<token>/ in the file storage every node
                       shares (MEDIA_ROOT, directory mode 0700, or object storage; never served)
    start_run()        an ImportRun row (preview = dry run, or the real import), queued on commit
    send()             hand a run to the broker; a broker that is down leaves the run queued
    execute_run(id)    the task body: claim the run, import the files, store the result
    discard_upload()   after confirm or cancel: the files and their runs are deleted
    remove_stale_uploads()  the hourly beat task: everything older than 24 hours is deleted

The import itself is ``engine.import_directory``, the function ``manage.py import_registry`` calls.
"""

from __future__ import annotations

import datetime
import logging
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .engine import run_import
from .files import BY_NAME
from .models import ImportRun
from .options import ImportOptions

logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STALE_AFTER = datetime.timedelta(hours=24)
# Errors worth a retry by the task (database restarting, connection dropped).
RETRYABLE = (OperationalError, InterfaceError)
# What queueing may raise when Redis (the broker) is down or unreachable.
BROKER_DOWN = (BrokerError, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
PROGRESS_TTL = 3600

Status = ImportRun.Status


# --- Uploaded files ------------------------------------------------------------------------------


# The uploads live in Django's default storage (docs/deployment.md): MEDIA_ROOT on a volume every
# web and worker node mounts, or S3-compatible object storage (MEDIA_S3_BUCKET): the node that takes
# the upload, the worker that imports it and the node that confirms it may all be different.
UPLOADS = "imports"


def _prefix(token: str) -> str:
    return f"{UPLOADS}/{token}"


def _local_path(name: str) -> Path | None:
    """The file system path of a storage name, or None for object storage (no local paths)."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


def _listdir(name: str) -> tuple[list[str], list[str]]:
    try:
        return default_storage.listdir(name)
    except FileNotFoundError:
        return [], []


def upload_files(token) -> list[str] | None:
    """The file names of an upload, or None when the token is malformed or the files are gone."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        return None
    return sorted(_listdir(_prefix(token))[1]) or None


def store_upload(files: dict[str, object]) -> str:
    """Store ``{canonical name: uploaded file}`` as a new upload; returns its token."""
    token = secrets.token_urlsafe(24)
    directory = _local_path(_prefix(token))
    if directory is not None:
        directory.mkdir(parents=True, mode=0o700)  # on disk: readable by the application only
    for name, upload in files.items():
        # Stored under the canonical name: the browser's file name never becomes a path.
        default_storage.save(f"{_prefix(token)}/{name}", upload)
    return token


def _delete_upload(token: str) -> None:
    for name in _listdir(_prefix(token))[1]:
        default_storage.delete(f"{_prefix(token)}/{name}")
    directory = _local_path(_prefix(token))
    if directory is not None and directory.is_dir():
        try:
            directory.rmdir()
        except OSError:
            logger.warning("Could not remove the import upload directory %s", directory)


def discard_upload(token) -> None:
    """Delete an upload's files and its runs (their results may quote personal data)."""
    if upload_files(token) is not None:
        _delete_upload(token)
    if isinstance(token, str) and token:
        ImportRun.objects.filter(upload=token).exclude(status=Status.RUNNING).delete()


def remove_stale_uploads(now: datetime.datetime | None = None) -> int:
    """Delete uploads (and runs) older than 24 hours, whether or not anyone uploads again. An
    upload's age is that of its newest file."""
    now = now or timezone.now()
    limit = now - STALE_AFTER
    removed = 0
    for token in _listdir(UPLOADS)[0]:
        try:
            times = [default_storage.get_modified_time(f"{_prefix(token)}/{name}")
                     for name in _listdir(_prefix(token))[1]]
            if not times or max(times) < limit:
                _delete_upload(token)
                removed += 1
        except OSError:
            logger.warning("Could not remove the stale import upload %s", token)
    ImportRun.objects.filter(created_at__lt=limit).delete()
    return removed


# --- Runs ----------------------------------------------------------------------------------------


def start_run(
    token: str, user, *, dry_run: bool, language: str = "", options: ImportOptions | None = None
) -> ImportRun:
    """Create a run of an upload and queue it once the row is committed."""
    files = upload_files(token) or []
    options = options or ImportOptions(from_browser=True)
    with transaction.atomic():
        run = ImportRun.objects.create(
            upload=token, user=user, dry_run=dry_run, files=files, options=options.to_dict(),
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
        )
        transaction.on_commit(lambda: send(run.pk))
    return run


def send(run_id: int) -> bool:
    """Hand a queued run to the worker; False (run stays queued, sent later) when the broker is down."""
    from .tasks import run_import

    try:
        # No publish retries: a request must not hang on a dead broker; the page tries again.
        run_import.apply_async((run_id,), retry=False)
    except BROKER_DOWN:
        logger.warning("The import run %s could not be queued: the broker is not reachable", run_id)
        return False
    ImportRun.objects.filter(pk=run_id, sent_at__isnull=True).update(sent_at=timezone.now())
    return True


def resend_if_unsent(run: ImportRun) -> None:
    """A run that never reached the broker is sent again (the task's claim makes a double harmless)."""
    if run.status == Status.QUEUED and run.sent_at is None:
        send(run.pk)
        run.refresh_from_db()


def claim(run_id: int) -> bool:
    """Claim a queued run for this worker: exactly one of any number of racers gets True."""
    return (
        ImportRun.objects.filter(pk=run_id, status=Status.QUEUED)
        .update(status=Status.RUNNING, started_at=timezone.now(), error="")
        == 1
    )


def execute_run(run_id: int, *, final_attempt: bool = True) -> bool:
    """The task body: True when this call ran the import, False when there was nothing to do."""
    if not claim(run_id):
        return False
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    try:
        _execute(run)
    except RETRYABLE as exc:
        if not final_attempt:
            ImportRun.objects.filter(pk=run_id, status=Status.RUNNING).update(status=Status.QUEUED)
            raise
        _finish(run_id, Status.FAILED, error=f"{exc.__class__.__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - any failure is shown to the administrator
        logger.exception("Import run %s failed", run_id)
        _finish(run_id, Status.FAILED, error=f"{exc.__class__.__name__}: {exc}")
    return True


def _execute(run: ImportRun) -> None:
    names = upload_files(run.upload)
    if names is None:
        _finish(run.pk, Status.FAILED, error=_("The uploaded files are no longer available."))
        return
    sources = {}
    for name in names:
        if name.lower() in BY_NAME:
            with default_storage.open(f"{_prefix(run.upload)}/{name}", "rb") as handle:
                sources[name.lower()] = handle.read()

    def progress(name: str, number: int, total: int) -> None:
        set_progress(run.pk, {"file": name, "number": number, "total": total})

    with translation.override(run.language or settings.LANGUAGE_CODE):
        result = run_import(
            sources, user=run.user, dry_run=run.dry_run, options=run.import_options, progress=progress
        )
    _finish(run.pk, Status.DONE, result=result.to_dict())


def _finish(run_id: int, status: str, *, result: dict | None = None, error: str = "") -> None:
    ImportRun.objects.filter(pk=run_id, status=Status.RUNNING).update(
        status=status, result=result or {}, error=error[:2000], finished_at=timezone.now()
    )


# --- Progress ------------------------------------------------------------------------------------
# The import runs in one transaction, so what it is doing cannot be committed to the run's row
# while it works; the step goes through the cache instead. A cache that is down only hides it.


def _progress_key(run_id: int) -> str:
    return f"imports:run:{run_id}:progress"


def set_progress(run_id: int, step: dict) -> None:
    try:
        cache.set(_progress_key(run_id), step, PROGRESS_TTL)
    except Exception:  # noqa: BLE001 - progress is a nicety; the import goes on without it
        logger.warning("Could not store the progress of import run %s", run_id)


def get_progress(run_id: int) -> dict:
    try:
        return cache.get(_progress_key(run_id)) or {}
    except Exception:  # noqa: BLE001
        return {}
