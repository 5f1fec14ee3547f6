"""sessions.csv: sessions (bijeenkomsten), matched on their external id.

A session lies within its group's period, a held one is not in the future, and its slot (group,
date, start time) is unique: taken by another row of the file or by another session in the
database (with another external id, or entered in the application) is an error.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collectief import validators
from groups.models import Group, Session

from ..columns import Code, Date, ExternalId, Number, Reference, Text, Time
from ..lookups import chunks
from ..spec import FileSpec, Referable


class Sessions(FileSpec, name="sessions.csv", order=40, model=Session):
    columns = (
        ExternalId(),
        Reference("group", "group_id", kind="group"),
        Date("date", "date", required=True),
        Time("start_time", "start_time"),
        Number("duration_minutes", "duration_minutes", bounds=validators.DURATION_MINUTES, default=90),
        Code("status", "status", source=Session.Status, required=True),
        Text("topic", "topic", max_length=200),
        Number("head_count", "head_count", bounds=validators.HEAD_COUNT, default=0),
    )
    referable = Referable(
        "session",
        unknown=gettext_lazy("Unknown session '%(value)s': not in sessions.csv and not in the database."),
        failed=gettext_lazy("Session '%(value)s' was not imported because of errors in %(file)s line %(line)s."),
    )

    def prepare(self, ctx, rows):
        group_ids = [ctx.lookups.reference("group", values["group"]) for _line, values in rows]
        periods = {}
        for chunk in chunks(pk for pk in group_ids if pk):
            query = Group.objects.filter(pk__in=chunk).values_list("pk", "start_date", "end_date")
            periods.update({pk: (start, end) for pk, start, end in query})
        ctx.state.update(periods=periods, slots={}, today=timezone.localdate())

    def check_row(self, ctx, row):
        date, group_id = row.get("date"), row.get("group")
        if date and row.get("status") == Session.Status.HELD and date > ctx.state["today"]:
            row.error(
                "date", _("A session in the future (%(date)s) cannot have been held; use status "
                          "cancelled or leave it out.") % {"date": date.isoformat()},
            )
        if date and group_id:
            self._within_group_period(ctx, row, date, ctx.state["periods"][group_id])
        if row.ok:
            slot = (group_id, date, row.get("start_time"))
            first = ctx.state["slots"].setdefault(slot, row.line)
            if first != row.line:
                row.error(
                    "start_time",
                    _("Line %(line)s already has a session of this group on the same date and start time.")
                    % {"line": first},
                )

    @staticmethod
    def _within_group_period(ctx, row, date, period):
        start, end = period
        if date < start:
            row.error(
                "date", _("The group started on %(start)s; a session on %(date)s cannot be earlier.")
                % {"start": start.isoformat(), "date": date.isoformat()},
            )
        elif end and date > end:
            row.error(
                "date", _("The group ended on %(end)s; a session on %(date)s cannot be later.")
                % {"end": end.isoformat(), "date": date.isoformat()},
            )

    def check_rows(self, ctx, rows, existing):
        """A slot held by a session with another external id (or none) in the database is an error."""
        taken = {}
        if rows:
            query = Session.objects.filter(
                group_id__in={row.data["group_id"] for row in rows}, date__in={row.data["date"] for row in rows}
            ).values_list("external_id", "group_id", "date", "start_time")
            taken = {(group, date, time): external_id for external_id, group, date, time in query}
        valid = []
        for row in rows:
            slot = (row.data["group_id"], row.data["date"], row.data["start_time"])
            if slot in taken and taken[slot] != row.key[0]:
                self._slot_taken(ctx, row, taken[slot])
            else:
                valid.append(row)
        return valid

    def _slot_taken(self, ctx, row, other):
        data = {
            "group": row.values["group"], "date": row.data["date"].isoformat(),
            "time": row.data["start_time"].strftime("%H:%M"), "other": other,
        }
        message = (
            _("Group '%(group)s' already has a session on %(date)s at %(time)s with another external id "
              "(%(other)s).")
            if other
            else _("Group '%(group)s' already has a session on %(date)s at %(time)s that was entered in the "
                   "application (without an external id).")
        )
        row.error("start_time", message % data)
        ctx.lookups.mark_failed(self.referable, row.key[0], ctx.result.name, row.line)
