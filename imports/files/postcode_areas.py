"""postcode_areas.csv: which wijk a range of postcodes lies in, matched on municipality + first postcode.

Columns: municipality, neighbourhood, postcode_from, postcode_to (PC4 "8921" or PC6 "8921AB"; both ends
the same kind). Unknown municipalities and neighbourhoods are created, as in the other files.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from collectief import validators
from collectief.models import PostcodeArea

from ..columns import MUNICIPALITY, Column, Text
from ..spec import FileSpec


class PostcodeEnd(Column):
    """One end of a range, stored without spaces and in capitals."""

    def __init__(self, name):
        super().__init__(name, name, required=True)

    def clean(self, value, row, ctx):
        try:
            validators.validate_postcode_range_end(value)
        except ValidationError as error:
            row.error(self.name, " ".join(error.messages))
        return value.replace(" ", "").upper()


class PostcodeAreas(FileSpec, name="postcode_areas.csv", order=5, model=PostcodeArea):
    columns = (
        MUNICIPALITY,
        Text("neighbourhood", required=True, max_length=100),
        PostcodeEnd("postcode_from"),
        PostcodeEnd("postcode_to"),
    )
    key = ("municipality", "postcode_from")
    key_column = "postcode_from"

    @classmethod
    def key_fields(cls):
        return ("municipality_id", "postcode_from")  # the municipality column is a name, resolved per row

    def check_row(self, ctx, row):
        start, end = row.get("postcode_from") or "", row.get("postcode_to") or ""
        if row.ok and (len(start) != len(end) or end < start):
            row.error("postcode_to", _(
                "Give both ends as four digits (PC4) or both as four digits and two letters (PC6); "
                "the end cannot come before the start."
            ))
        if row.ok:
            municipality_id, neighbourhood_id = ctx.lookups.municipality_places(
                row, row.get("municipality"), row.get("neighbourhood")
            )
            row.extra["municipality"] = row.data["municipality_id"] = municipality_id
            row.data["neighbourhood_id"] = neighbourhood_id
