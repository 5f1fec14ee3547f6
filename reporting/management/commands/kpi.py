"""Print the KPI set of a municipality and period as JSON (unsuppressed, for internal use)."""

from reporting.kpi import compute_kpis
from reporting.management.figures_command import FiguresCommand


class Command(FiguresCommand):
    help = "Print the KPI figures of DESIGN.md for one municipality and period as JSON (unsuppressed)."

    def figures(self, municipality, period) -> dict:
        return compute_kpis(municipality, period)
