"""Import the registry in the browser: upload CSV files, preview the changes (a dry run), confirm.

Administrators only. The uploaded files are kept between preview and confirm in a private directory
``MEDIA_ROOT/imports/<token>/`` (never served: MEDIA_URL is not routed). The random token lives in
the session, so one administrator cannot confirm another one's upload; the files are written under
their canonical names only (the browser's file name is never used as a path) and are deleted after
confirm or cancel, and after a day when abandoned. Confirm runs the same import again, for real,
so the data is re-validated against the database as it is at that moment.
"""

import re
import secrets
import shutil
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from collectief.access import is_administrator

from .importer import COLUMNS, FILE_NAMES, import_directory

SESSION_KEY = "import_upload_token"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MB = 1024 * 1024
# The preview and the confirm run in the request: bigger files belong to manage.py import_registry.
MAX_FILE_SIZE = 10 * MB
STALE_AFTER_SECONDS = 24 * 3600


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,text/csv"}))
        # An empty file gets the importer's message, which names the file and the expected columns.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("CSV files"),
        help_text=gettext_lazy("Choose one or more files at once; the file name decides what is imported."),
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        names, problems = set(), []
        for upload in files:
            name = Path(upload.name or "").name.lower()
            if name not in COLUMNS:
                problems.append(
                    _("%(file)s: unknown file name; expected one of: %(files)s.")
                    % {"file": upload.name, "files": ", ".join(FILE_NAMES)}
                )
            elif name in names:
                problems.append(_("%(file)s: chosen twice.") % {"file": name})
            elif upload.size > MAX_FILE_SIZE:
                problems.append(
                    _("%(file)s: too large (%(size)s MB); at most %(max)s MB. Use manage.py import_registry.")
                    % {"file": name, "size": upload.size // MB, "max": MAX_FILE_SIZE // MB}
                )
            names.add(name)
        if problems:
            raise forms.ValidationError(problems)
        return files


def _require_administrator(request):
    if not is_administrator(request.user):
        raise PermissionDenied


def _upload_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _upload_dir(request) -> Path | None:
    """The directory of this session's upload, or None when there is none (or it is gone)."""
    token = request.session.get(SESSION_KEY, "")
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        return None
    directory = _upload_root() / token
    return directory if directory.is_dir() else None


def _discard_upload(request):
    directory = _upload_dir(request)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
    request.session.pop(SESSION_KEY, None)


def _remove_stale_uploads():
    """Delete uploads that were never confirmed or cancelled."""
    root = _upload_root()
    if not root.is_dir():
        return
    limit = time.time() - STALE_AFTER_SECONDS
    for directory in root.iterdir():
        try:
            if directory.is_dir() and directory.stat().st_mtime < limit:
                shutil.rmtree(directory, ignore_errors=True)
        except OSError:
            pass


@require_http_methods(["GET", "POST"])
def upload(request):
    """Choose CSV files; they are stored and checked on the preview page."""
    _require_administrator(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        _discard_upload(request)
        _remove_stale_uploads()
        token = secrets.token_urlsafe(24)
        directory = _upload_root() / token
        directory.mkdir(parents=True, mode=0o700)
        for upload_file in form.cleaned_data["files"]:
            # Stored under the canonical name: the browser's name never becomes a path.
            name = Path(upload_file.name).name.lower()
            with open(directory / name, "wb") as out:
                for chunk in upload_file.chunks():
                    out.write(chunk)
        request.session[SESSION_KEY] = token
        return redirect("importer:preview")
    return render(
        request, "groups/import/upload.html",
        {"form": form, "columns": COLUMNS, "pending": _upload_dir(request) is not None},
    )


@require_http_methods(["GET"])
def preview(request):
    """Show what the uploaded files would change: a dry run of the import."""
    _require_administrator(request)
    directory = _upload_dir(request)
    if directory is None:
        messages.info(request, _("There is no upload to check; choose the files first."))
        return redirect("importer:upload")
    result = import_directory(directory, user=request.user, dry_run=True)
    return render(request, "groups/import/preview.html", {"result": result, "token": directory.name})


@require_POST
def confirm(request):
    """Import the previewed files for real (validated again); nothing is saved when a row is bad."""
    _require_administrator(request)
    directory = _upload_dir(request)
    if directory is None or request.POST.get("token") != directory.name:
        messages.warning(
            request, _("This upload is no longer available (already imported, cancelled or replaced).")
        )
        return redirect("importer:upload")
    result = import_directory(directory, user=request.user)
    if not result.ok:
        messages.error(
            request,
            _("The data changed since the preview and the import now has errors. Nothing was saved."),
        )
        return render(request, "groups/import/preview.html", {"result": result, "token": directory.name})
    _discard_upload(request)
    summary = "; ".join(
        _("%(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
        % {"file": r.name, "created": r.created, "updated": r.updated, "unchanged": r.unchanged}
        for r in result.files.values()
    )
    messages.success(request, _("Import complete. %(summary)s") % {"summary": summary})
    return redirect("importer:upload")


@require_POST
def cancel(request):
    """Throw the uploaded files away."""
    _require_administrator(request)
    _discard_upload(request)
    messages.info(request, _("The upload was cancelled; nothing was imported."))
    return redirect("importer:upload")
