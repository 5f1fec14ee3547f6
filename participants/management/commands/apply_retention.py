"""Apply the retention periods now: ``manage.py apply_retention --dry-run`` lists what it would do."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from participants import retention

IDS_SHOWN = 50


def _ids(ids: list[int]) -> str:
    shown = ", ".join(map(str, ids[:IDS_SHOWN]))
    return f"{shown}, … (+{len(ids) - IDS_SHOWN})" if len(ids) > IDS_SHOWN else shown or "-"


class Command(BaseCommand):
    help = (
        "Propose the erasure of residents without activity (RETENTION_INACTIVE_RESIDENT_MONTHS, default 24) "
        "and blank the notes of older sessions (RETENTION_SESSION_NOTES_MONTHS, default 12). "
        "Counts and ids only, never names."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be done; change nothing.")
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, dry_run=False, today=None, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from exc
        run = retention.apply_retention(day, dry_run=dry_run)
        self.stdout.write(f"Retention on {run.today.isoformat()}{' (dry run: nothing changed)' if dry_run else ''}")
        self.stdout.write(
            f"- residents without activity since {run.inactive_before.isoformat()} ({run.inactive_months} months): "
            f"{len(run.participant_ids)} (ids {_ids(run.participant_ids)})"
        )
        if dry_run:
            self.stdout.write(f"  would propose their erasure: {len(run.participant_ids)} erasure requests")
        else:
            self.stdout.write(
                f"  erasure proposed: {len(run.erasure_request_ids)} erasure requests "
                f"(ids {_ids(run.erasure_request_ids)}); a coordinator requests, another confirms"
            )
        self.stdout.write(
            f"- session notes from before {run.notes_before.isoformat()} ({run.notes_months} months): "
            f"{len(run.session_ids)} {'to blank' if dry_run else 'blanked'} (session ids {_ids(run.session_ids)})"
        )
