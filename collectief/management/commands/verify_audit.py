"""Check the audit log's hash chain: exits non-zero naming the first altered row or missing predecessor."""

from django.core.management.base import BaseCommand, CommandError

from collectief.audit import CHAIN_CHUNK, verify_chain


class Command(BaseCommand):
    help = "Walk the audit log's hash chain and report the first row that was changed or removed."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=CHAIN_CHUNK, help="rows read per query")

    def handle(self, *args, chunk, **options):
        check = verify_chain(chunk=max(1, chunk))
        if check.problem:
            raise CommandError(f"{check.problem} {check.rows} events before it are intact.")
        self.stdout.write(f"Audit chain intact: {check.rows} events; head hash {check.head or '-'}.")
