"""Check the quarter summary of the attendance against a recount, or rebuild it (docs/performance.md)."""

from django.core.management.base import BaseCommand, CommandError

from reporting import quarter_summary


class Command(BaseCommand):
    help = (
        "Check the attendance summary per group, quarter and resident (kept by database triggers) "
        "against a recount from the marks, or rebuild it."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--check", action="store_true",
                            help="compare with a recount (the default); exit 1 on a difference")
        action.add_argument("--rebuild", action="store_true", help="replace the summary by a recount")

    def handle(self, *args, rebuild=False, **options):
        if rebuild:
            rows = quarter_summary.rebuild()
            self.stdout.write(f"Rebuilt the attendance summary: {rows} rows.")
            return
        found = quarter_summary.differences()
        if found:
            for row in found:
                self.stderr.write(str(row))
            raise CommandError(f"The attendance summary differs from a recount ({len(found)} rows shown).")
        self.stdout.write("The attendance summary equals a recount from the marks.")
