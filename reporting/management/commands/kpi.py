"""Print the KPI set of a municipality and period as JSON (unsuppressed, for internal use)."""

import json

from django.core.management.base import BaseCommand, CommandError

from collectief.models import Municipality
from reporting.kpi import compute_kpis
from reporting.periods import PERIOD_HELP, parse_period


class Command(BaseCommand):
    help = "Print the KPI figures of DESIGN.md for one municipality and period as JSON (unsuppressed)."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="Name of the municipality (gemeente).")
        parser.add_argument("--period", required=True, help=f"The period: {PERIOD_HELP}.")

    def handle(self, *args, municipality, period, **options):
        # The same parser as quarterly_report and the forms: the same spellings, the same messages.
        try:
            period = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        name = municipality.strip()
        # An exact match wins; otherwise accept a different case ("leeuwarden").
        found = (
            Municipality.objects.filter(name=name).first()
            or Municipality.objects.filter(name__iexact=name).order_by("name").first()
        )
        if found is None:
            known = ", ".join(Municipality.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"Unknown municipality {name!r}. Known municipalities: {known}.")
        figures = compute_kpis(found, period)
        self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
