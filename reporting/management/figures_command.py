"""The shape the figure commands share (``kpi``, ``survey_report``): ``--municipality NAME
--period P`` in, JSON out, the same spellings and the same messages for both."""

import json

from django.core.management.base import BaseCommand, CommandError

from collectief.models import Municipality
from reporting.periods import PERIOD_HELP, parse_period


def municipality_named(name: str) -> Municipality:
    """An exact match wins; otherwise a different case ("leeuwarden"); else a CommandError listing them."""
    name = name.strip()
    found = (
        Municipality.objects.filter(name=name).first()
        or Municipality.objects.filter(name__iexact=name).order_by("name").first()
    )
    if found is None:
        known = ", ".join(Municipality.objects.values_list("name", flat=True)) or "none"
        raise CommandError(f"Unknown municipality {name!r}. Known municipalities: {known}.")
    return found


class FiguresCommand(BaseCommand):
    """Subclasses give ``help`` and ``figures(municipality, period) -> dict``."""

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="Name of the municipality (gemeente).")
        parser.add_argument("--period", required=True, help=f"The period: {PERIOD_HELP}.")

    def figures(self, municipality, period) -> dict:
        raise NotImplementedError

    def handle(self, *args, municipality, period, **options):
        # The same parser as quarterly_report and the forms: the same spellings, the same messages.
        try:
            period = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        figures = self.figures(municipality_named(municipality), period)
        self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
