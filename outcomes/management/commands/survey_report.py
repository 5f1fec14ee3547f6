"""Print the experience-survey table of a municipality and period as JSON (unsuppressed)."""

from outcomes.survey import survey_table
from reporting.management.figures_command import FiguresCommand

# The contract of DESIGN.md: exactly these keys per row.
KEYS = ("statement", "respondent_type", "group_kind", "answered", "disagree", "neutral", "agree")


class Command(FiguresCommand):
    help = "Print the experience-survey table (DESIGN.md) of one municipality and period as JSON (unsuppressed)."

    def figures(self, municipality, period) -> dict:
        rows = survey_table(municipality, period, hide_small=False)
        return {"statements": [{key: row[key] for key in KEYS} for row in rows]}
