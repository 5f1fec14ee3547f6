"""manage.py import_registry DIR [--dry-run] [--allow-new-places] [--allow-team-moves] (see docs/import.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from imports.engine import find_files, import_directory
from imports.files import FILE_NAMES
from imports.options import ImportOptions


class Command(BaseCommand):
    help = (
        "Import participants, groups, enrolments, sessions, attendance and individual support from "
        "the CSV files in DIR (each file optional). Nothing is saved on a dry run or when any row is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="directory holding the CSV files")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, save nothing")
        parser.add_argument(
            "--allow-new-places", action="store_true",
            help="also create a municipality, team or neighbourhood whose name looks like a typo of an existing one",
        )
        parser.add_argument(
            "--allow-team-moves", action="store_true",
            help="let participants.csv give an existing resident another team",
        )

    def handle(self, *args, directory, dry_run, allow_new_places, allow_team_moves, **options):
        import_options = ImportOptions(allow_new_places=allow_new_places, allow_team_moves=allow_team_moves)
        # Messages are meant for a Dutch administrator: use the site language, not the shell's.
        with translation.override(settings.LANGUAGE_CODE):
            self._run(Path(directory), dry_run, import_options)

    def _run(self, directory: Path, dry_run: bool, import_options: ImportOptions):
        if not directory.is_dir():
            raise CommandError(_("Directory %(dir)s does not exist.") % {"dir": directory})
        present = find_files(directory)
        if not present:
            raise CommandError(
                _("No import files found in %(dir)s; expected one or more of: %(files)s.")
                % {"dir": directory, "files": ", ".join(FILE_NAMES)}
            )
        for path in sorted(directory.glob("*.csv")):
            if path.name.lower() not in present:
                self.stdout.write(_("Ignored: %(file)s (unknown file name).") % {"file": path.name})

        result = import_directory(directory, dry_run=dry_run, options=import_options)

        # "3 created" only when something was saved; a dry run or a failed run says "3 to create".
        for name in FILE_NAMES:
            if name in result.files:
                self.stdout.write(result.files[name].summary(result.applied))
        for note in result.created_places:
            self.stdout.write(note)
        if not result.ok:
            lines = [str(issue) for issue in result.errors]
            lines.append(
                _("%(count)s error(s) found; nothing was saved.") % {"count": len(result.errors)}
            )
            raise CommandError("\n".join(lines))
        if dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Import complete.")))
