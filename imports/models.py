from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .options import ImportOptions
from .results import ImportResult


class ImportRun(models.Model):
    """One run of the browser import in the worker: a preview (dry run) or the real import.

    ``upload`` names the directory ``MEDIA_ROOT/imports/<upload>/`` that holds the uploaded files.
    The result holds error messages that may quote personal data, so runs are deleted together with
    their files (after confirm or cancel, and by the hourly beat task after 24 hours).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    upload = models.CharField(_("upload"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    language = models.CharField(max_length=10, blank=True)
    files = models.JSONField(_("files"), default=list)
    # What the administrator allowed on the upload form (ImportOptions.to_dict()).
    options = models.JSONField(_("options"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the task reached the broker; empty while the broker could not be reached.
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self):
        return f"{self.upload} ({self.status})"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def import_options(self) -> ImportOptions:
        """The options of this run; a run is always a browser import, whatever was stored."""
        return ImportOptions.from_dict({**self.options, "from_browser": True})

    @property
    def import_result(self) -> ImportResult | None:
        return ImportResult.from_dict(self.result) if self.result else None
