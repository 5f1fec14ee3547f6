from pathlib import Path

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .files import FILE_NAMES
from .options import NEW_PLACES_LABEL, TEAM_MOVES_LABEL, ImportOptions

MB = 1024 * 1024
MAX_FILE_SIZE = 10 * MB  # bigger files belong to manage.py import_registry


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


def _problem(upload, name: str, names: set) -> str | None:
    if name not in FILE_NAMES:
        return _("%(file)s: unknown file name; expected one of: %(files)s.") % {
            "file": upload.name, "files": ", ".join(FILE_NAMES),
        }
    if name in names:
        return _("%(file)s: chosen twice.") % {"file": name}
    if upload.size > MAX_FILE_SIZE:
        return _("%(file)s: too large (%(size)s MB); at most %(max)s MB. Use manage.py import_registry.") % {
            "file": name, "size": upload.size // MB, "max": MAX_FILE_SIZE // MB,
        }
    return None


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("CSV files"),
        help_text=gettext_lazy("Choose one or more files at once; the file name decides what is imported."),
    )
    allow_new_places = forms.BooleanField(
        label=NEW_PLACES_LABEL,
        required=False,
        help_text=gettext_lazy(
            "Without this, a municipality or team that does not exist yet is an error (a typo would otherwise "
            "create a new team and take residents out of their social workers' sight). It also allows a new "
            "neighbourhood whose name looks like an existing one."
        ),
    )
    allow_team_moves = forms.BooleanField(
        label=TEAM_MOVES_LABEL,
        required=False,
        help_text=gettext_lazy(
            "Without this, a row in participants.csv that gives an existing participant another team is an error."
        ),
    )

    def options(self) -> ImportOptions:
        """The import options of a valid form: the browser import, with the boxes that were ticked."""
        return ImportOptions(
            allow_new_places=self.cleaned_data["allow_new_places"],
            allow_team_moves=self.cleaned_data["allow_team_moves"],
            from_browser=True,
        )

    def clean_files(self):
        """``{canonical file name: uploaded file}``."""
        files, problems = {}, []
        for upload in self.cleaned_data["files"]:
            name = Path(upload.name or "").name.lower()
            problem = _problem(upload, name, set(files))
            if problem:
                problems.append(problem)
            files.setdefault(name, upload)
        if problems:
            raise forms.ValidationError(problems)
        return files
