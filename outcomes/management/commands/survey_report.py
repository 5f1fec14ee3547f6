"""Print the experience-survey table of a municipality and period as JSON (unsuppressed)."""

import json

from django.core.management.base import BaseCommand, CommandError

from collectief.models import Municipality
from outcomes.survey import survey_table
from reporting.periods import PERIOD_HELP, parse_period

# The contract of DESIGN.md: exactly these keys per row.
KEYS = ("statement", "respondent_type", "group_kind", "answered", "disagree", "neutral", "agree")


class Command(BaseCommand):
    help = "Print the experience-survey table (DESIGN.md) of one municipality and period as JSON (unsuppressed)."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="Name of the municipality (gemeente).")
        parser.add_argument("--period", required=True, help=f"The period: {PERIOD_HELP}.")

    def handle(self, *args, municipality, period, **options):
        try:
            period = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        name = municipality.strip()
        found = (
            Municipality.objects.filter(name=name).first()
            or Municipality.objects.filter(name__iexact=name).order_by("name").first()
        )
        if found is None:
            known = ", ".join(Municipality.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"Unknown municipality {name!r}. Known municipalities: {known}.")
        rows = [{key: row[key] for key in KEYS} for row in survey_table(found, period, hide_small=False)]
        self.stdout.write(json.dumps({"statements": rows}, ensure_ascii=False, indent=2))
