"""participants.csv: residents, matched on their external id."""

from django.utils.translation import gettext_lazy as _

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
        unknown=_("Unknown participant '%(value)s': not in participants.csv and not in the database."),
        failed=_("Participant '%(value)s' was not imported because of errors in %(file)s line %(line)s."),
    )
