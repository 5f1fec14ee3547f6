"""individual_support.csv: individual support periods, matched on participant + product + framework + start."""

from collectief.models import Framework
from participants.models import IndividualSupport

from ..columns import Code, Date, Reference, Text, refuse_end_before_start
from ..spec import FileSpec


class IndividualSupportFile(FileSpec, name="individual_support.csv", order=60, model=IndividualSupport):
    columns = (
        Reference("participant", "participant_id", kind="participant"),
        Text("product", "product", required=True, max_length=100),
        Code("framework", "framework_id", source=Framework, required=True),
        Date("start_date", "start_date", required=True),
        Date("end_date", "end_date"),
    )
    key = ("participant", "product", "framework", "start_date")
    key_column = "start_date"

    def check_row(self, ctx, row):
        refuse_end_before_start(row)
