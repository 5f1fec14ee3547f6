"""attendance.csv: who came to a session, matched on session + participant.

Attendance stays within one municipality (the resident's team and the session's group belong to the
same one), and only a resident enrolled in the session's group on the session's date can be marked:
``groups.models.running_on`` decides, counting the enrolments of enrolments.csv of the same run
(written before this file, in the same transaction). Everything is read with a few queries for the
whole file, not one per row.
"""

from django.db.models import F
from django.utils.translation import gettext as _

from groups.models import Attendance, Session, running_on
from participants.models import Participant

from ..columns import Code, Reference
from ..lookups import chunks, municipalities_of
from ..spec import FileSpec


def _sessions(ids) -> dict:
    """``{session id: (date, group name, municipality id, municipality name)}``."""
    found = {}
    fields = ("pk", "date", "group__name", "group__team__municipality_id", "group__team__municipality__name")
    for chunk in chunks(ids):
        query = Session.objects.filter(pk__in=chunk).order_by().values_list(*fields)
        found.update({pk: rest for pk, *rest in query})
    return found


def _enrolled(ids) -> set[tuple[int, int]]:
    """``{(session id, participant id)}`` of the residents enrolled in the group on the session's date."""
    pairs = set()
    for chunk in chunks(ids):
        query = Session.objects.filter(pk__in=chunk).filter(running_on(F("date"), prefix="group__enrolments__"))
        query = query.order_by()  # one join: the enrolment must run on the date of the same session
        pairs.update(query.values_list("pk", "group__enrolments__participant_id"))
    return pairs


class AttendanceFile(FileSpec, name="attendance.csv", order=50, model=Attendance):
    columns = (
        Reference("session", "session_id", kind="session"),
        Reference("participant", "participant_id", kind="participant"),
        Code("status", "status", source=Attendance.Status, required=True),
    )
    key = ("session", "participant")
    key_column = "participant"

    def check_rows(self, ctx, rows, existing):
        """Refuse a resident of another municipality, or one not enrolled on the session's date."""
        session_ids = {row.data["session_id"] for row in rows}
        sessions = _sessions(session_ids)
        residents = municipalities_of(Participant, {row.data["participant_id"] for row in rows})
        enrolled = _enrolled(session_ids)
        valid = []
        for row in rows:
            session, resident = sessions[row.data["session_id"]], residents[row.data["participant_id"]]
            if session[2] != resident[0]:
                self._other_municipality(row, session, resident)
            elif (row.data["session_id"], row.data["participant_id"]) not in enrolled:
                self._not_enrolled(row, session)
            else:
                valid.append(row)
        return valid

    @staticmethod
    def _other_municipality(row, session, resident):
        row.error("participant", _(
            "Participant '%(participant)s' belongs to %(participant_municipality)s (by their team) and session "
            "'%(session)s' to %(session_municipality)s: attendance stays within one municipality."
        ) % {
            "participant": row.values["participant"], "participant_municipality": resident[1],
            "session": row.values["session"], "session_municipality": session[3],
        })

    @staticmethod
    def _not_enrolled(row, session):
        row.error("participant", _(
            "Participant '%(participant)s' was not enrolled in group '%(group)s' on %(date)s, the date of "
            "session '%(session)s'. Add the enrolment (enrolments.csv) first."
        ) % {
            "participant": row.values["participant"], "group": session[1], "date": session[0].isoformat(),
            "session": row.values["session"],
        })
