"""Import the registry in the browser: upload CSV files, preview the changes (a dry run), confirm.

Administrators only. The preview and the import run in the Celery worker (``tasks.run_import``);
the page shows their progress by polling a small fragment. The upload's random token lives in the
session, so one administrator cannot confirm another one's upload; the confirm form sends it back,
so a stale tab cannot confirm a replaced upload. Confirm runs the import again, for real, so the
data is re-validated against the database as it is at that moment.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collectief import access

from . import services
from .files import COLUMNS
from .forms import UploadForm
from .models import ImportRun
from .options import ImportOptions

SESSION_KEY = "import_upload_token"
# What the administrator allowed on the upload form, for the preview and the confirm of that upload.
OPTIONS_KEY = "import_upload_options"


def _token(request):
    """The token of this session's upload, or None when there is none (or its files are gone)."""
    token = request.session.get(SESSION_KEY, "")
    return token if services.upload_files(token) is not None else None


def _discard(request):
    request.session.pop(OPTIONS_KEY, None)
    services.discard_upload(request.session.pop(SESSION_KEY, None))


def _options(request) -> ImportOptions:
    return ImportOptions.from_dict({**request.session.get(OPTIONS_KEY, {}), "from_browser": True})


def _start(request, token, *, dry_run):
    run = services.start_run(
        token, request.user, dry_run=dry_run, language=request.LANGUAGE_CODE, options=_options(request)
    )
    run.refresh_from_db()
    if run.status == ImportRun.Status.QUEUED and run.sent_at is None:
        messages.warning(
            request,
            _("The task queue cannot be reached right now. Your files are kept and the check starts as soon "
              "as the queue is back; this page keeps trying."),
        )
    return run


def _summary(result) -> str:
    return "; ".join(r.summary(result.applied) for r in result.files.values())


def _show_run(request, token, run):
    """The page of a run: its progress while it works, then its result.

    A real import that succeeded ends the upload: files deleted, back to the upload page.
    """
    result = run.import_result if run.status == ImportRun.Status.DONE else None
    if result is not None and result.applied:
        _discard(request)
        messages.success(request, _("Import complete. %(summary)s") % {"summary": _summary(result)})
        return redirect("importer:upload")
    context = {"run": run, "result": result, "token": token, "progress": services.get_progress(run.pk)}
    return render(request, "imports/preview.html", context)


@access.administrator_required
@require_http_methods(["GET", "POST"])
def upload(request):
    """Choose CSV files; they are stored and checked (in the worker) on the preview page."""
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        _discard(request)
        token = services.store_upload(form.cleaned_data["files"])
        request.session[SESSION_KEY] = token
        request.session[OPTIONS_KEY] = form.options().to_dict()
        _start(request, token, dry_run=True)
        return redirect("importer:preview")
    return render(
        request, "imports/upload.html", {"form": form, "columns": COLUMNS, "pending": _token(request) is not None}
    )


@access.administrator_required
@require_GET
def preview(request):
    """Show what the uploaded files would change (a dry run), or how far the import is."""
    token = _token(request)
    if token is None:
        messages.info(request, _("There is no upload to check; choose the files first."))
        return redirect("importer:upload")
    run = ImportRun.objects.filter(upload=token).first() or _start(request, token, dry_run=True)
    services.resend_if_unsent(run)
    return _show_run(request, token, run)


@access.administrator_required
@require_POST
def confirm(request):
    """Import the previewed files for real (validated again); nothing is saved when a row is bad."""
    token = _token(request)
    if token is None or request.POST.get("token") != token:
        messages.warning(
            request, _("This upload is no longer available (already imported, cancelled or replaced).")
        )
        return redirect("importer:upload")
    busy = ImportRun.objects.filter(upload=token, dry_run=False, status__in=["queued", "running"]).first()
    run = busy or _start(request, token, dry_run=False)
    return _show_run(request, token, run)


@access.administrator_required
@require_POST
def cancel(request):
    """Throw the uploaded files away."""
    _discard(request)
    messages.info(request, _("The upload was cancelled; nothing was imported."))
    return redirect("importer:upload")


@access.administrator_required
@require_GET
def run_status(request):
    """The small progress fragment that htmx polls while this session's run is queued or running."""
    run = ImportRun.objects.filter(upload=_token(request) or "-").first()
    if run is None:
        raise Http404
    services.resend_if_unsent(run)
    context = {"run": run, "progress": services.get_progress(run.pk)}
    response = render(request, "imports/_status.html", context)
    if request.GET.get("poll") and not run.is_busy:
        # Finished: reload the page, which shows the result (or ends a successful import).
        response["HX-Refresh"] = "true"
    return response
