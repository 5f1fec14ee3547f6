"""enrolments.csv: a resident in a group, matched on participant + group + start date.

A resident cannot hold two enrolments in one group that overlap in time (both dates inclusive, an
empty end date means still running). The database refuses it too (an exclusion constraint); the
import checks it first, against the other rows of the file and the enrolments already stored, so
the administrator gets a message with line and column instead of a database error.

An enrolment stays within one municipality: the resident's team and the group's team belong to the
same one (the municipality's figures count a resident where their team is).
"""

import datetime

from django.utils.translation import gettext as _

from collectief.models import EndReason
from groups.models import Enrolment, Group
from participants.models import Participant

from ..columns import Code, Date, Reference, refuse_end_before_start
from ..lookups import municipalities_of
from ..spec import FileSpec


def _period_text(start: datetime.date, end: datetime.date | None) -> str:
    if end is None:
        return _("from %(start)s (no end date)") % {"start": start.isoformat()}
    return _("%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}


def _overlap(a: tuple, b: tuple) -> bool:
    """Two periods ``(start, end or None)``, both dates inclusive, share at least one day."""
    a_end, b_end = a[1] or datetime.date.max, b[1] or datetime.date.max
    return a[0] <= b_end and b[0] <= a_end


class Enrolments(FileSpec, name="enrolments.csv", order=30, model=Enrolment):
    columns = (
        Reference("participant", "participant_id", kind="participant"),
        Reference("group", "group_id", kind="group"),
        Date("start_date", "start_date", required=True),
        Date("end_date", "end_date"),
        Code("end_reason", "end_reason_id", source=EndReason),
        Code("referral_source", "referral_source", source=Enrolment.ReferralSource, empty="", optional=True),
    )
    key = ("participant", "group", "start_date")
    key_column = "start_date"

    def check_row(self, ctx, row):
        refuse_end_before_start(row)
        end_date, end_reason = row.values["end_date"], row.values["end_reason"]
        if end_reason and not end_date:
            row.error("end_reason", _("An end reason needs an end date (column end_date)."))
        elif end_date and not end_reason:
            row.error(
                "end_reason",
                _("An ended enrolment needs an end reason; allowed values: %(allowed)s (use 'other' "
                  "when it is not known).") % {"allowed": ", ".join(ctx.lookups.codes(EndReason))},
            )

    def check_rows(self, ctx, rows, existing):
        rows = self._refuse_other_municipality(rows)
        return self._refuse_overlaps(rows, existing)

    @staticmethod
    def _refuse_other_municipality(rows):
        """Refuse rows whose resident's team and group's team lie in different municipalities."""
        residents = municipalities_of(Participant, {row.data["participant_id"] for row in rows})
        groups = municipalities_of(Group, {row.data["group_id"] for row in rows})
        valid = []
        for row in rows:
            (resident_id, resident_name), (group_id, group_name) = (
                residents[row.data["participant_id"]], groups[row.data["group_id"]]
            )
            if resident_id == group_id:
                valid.append(row)
                continue
            row.error("group", _(
                "Participant '%(participant)s' belongs to %(participant_municipality)s (by their team) and "
                "group '%(group)s' to %(group_municipality)s: an enrolment stays within one municipality."
            ) % {
                "participant": row.values["participant"], "participant_municipality": resident_name,
                "group": row.values["group"], "group_municipality": group_name,
            })
        return valid

    def _refuse_overlaps(self, rows, existing):
        """Refuse rows that would overlap another enrolment of the same resident in the same group."""
        periods = self._periods_after_import(rows, existing)
        refused = set()
        for row in rows:
            pair, this = row.key[:2], (row.data["start_date"], row.data["end_date"])
            other = next(
                (period for owner, period in periods[pair] if owner is not row and _overlap(this, period)), None
            )
            if other is not None:
                refused.add(row.line)
                row.error("end_date", _(
                    "Participant '%(participant)s' would have two enrolments in group '%(group)s' that "
                    "overlap in time: this one %(this)s, the other one %(other)s. An enrolment must end "
                    "before the next one starts."
                ) % {
                    "participant": row.values["participant"], "group": row.values["group"],
                    "this": _period_text(*this), "other": _period_text(*other),
                })
        return [row for row in rows if row.line not in refused]

    def _periods_after_import(self, rows, existing) -> dict:
        """Per (participant, group): every period as it would be after the import, with its owner."""
        replaced = {existing[row.key].pk for row in rows if row.key in existing}
        periods: dict[tuple, list] = {}
        stored = Enrolment.objects.filter(
            participant_id__in={row.key[0] for row in rows}, group_id__in={row.key[1] for row in rows}
        ).exclude(pk__in=replaced)
        for enrolment in stored.only("pk", "participant_id", "group_id", "start_date", "end_date"):
            pair = (enrolment.participant_id, enrolment.group_id)
            periods.setdefault(pair, []).append((enrolment, (enrolment.start_date, enrolment.end_date)))
        for row in rows:
            periods.setdefault(row.key[:2], []).append((row, (row.data["start_date"], row.data["end_date"])))
        return periods
