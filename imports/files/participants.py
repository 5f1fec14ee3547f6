"""participants.csv: residents, matched on their external id.

A row that gives an existing resident another team moves them out of sight of the social workers
of their team, which a typo in the team column must not do: it is an error unless the import allows
team moves (``--allow-team-moves``, or the checkbox of the upload form).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants.models import Participant

from ..columns import MUNICIPALITY, NEIGHBOURHOOD, TEAM, BirthDate, ExternalId, Postcode, Text
from ..spec import FileSpec, Referable


class Participants(FileSpec, name="participants.csv", order=10, model=Participant):
    columns = (
        ExternalId(),
        Text("first_name", "first_name", required=True, max_length=100),
        Text("last_name", "last_name", required=True, max_length=100),
        BirthDate(),
        Postcode("postcode", "postcode"),
        NEIGHBOURHOOD,
        MUNICIPALITY,
        TEAM,
    )
    places = ("municipality", "team", "neighbourhood")
    referable = Referable(
        "participant",
        unknown=gettext_lazy("Unknown participant '%(value)s': not in participants.csv and not in the database."),
        failed=gettext_lazy("Participant '%(value)s' was not imported because of errors in %(file)s line %(line)s."),
    )

    def check_rows(self, ctx, rows, existing):
        """Refuse moving an existing resident to another team, unless the options allow it."""
        if ctx.options.allow_team_moves:
            return rows
        valid = []
        for row in rows:
            stored = existing.get(row.key)
            if stored is None or stored.team_id == row.data["team_id"]:
                valid.append(row)
                continue
            message = _(
                "Participant '%(participant)s' is in team %(current)s; this row would move them to team "
                "%(new)s, out of sight of the social workers of their team."
            ) % {
                "participant": row.key[0],
                "current": ctx.lookups.team_name(stored.team_id),
                "new": ctx.lookups.team_name(row.data["team_id"]),
            }
            row.error("team", f"{message} {ctx.options.team_move_hint()}")
            ctx.lookups.mark_failed(self.referable, row.key[0], ctx.result.name, row.line)
        return valid
