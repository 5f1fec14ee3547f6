"""attendance.csv: who came to a session, matched on session + participant."""

from groups.models import Attendance

from ..columns import Code, Reference
from ..spec import FileSpec


class AttendanceFile(FileSpec, name="attendance.csv", order=50, model=Attendance):
    columns = (
        Reference("session", "session_id", kind="session"),
        Reference("participant", "participant_id", kind="participant"),
        Code("status", "status", source=Attendance.Status, required=True),
    )
    key = ("session", "participant")
    key_column = "participant"
