"""The database refuses to delete a resident.

Deleting a participant cascaded to their attendance and enrolments and silently rewrote historic
figures (and the numbers behind approved reports). A resident is anonymised instead
(``participants.services.erase_participant``); this trigger stops every other writer: the ORM,
the admin, a script or psql. TRUNCATE (the test suite's flush) does not fire it.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION participants_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'participants_participant rows cannot be deleted: anonymise the resident instead (erasure)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER participants_participant_no_delete
    BEFORE DELETE ON participants_participant
    FOR EACH ROW EXECUTE FUNCTION participants_refuse_delete();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS participants_participant_no_delete ON participants_participant;
DROP FUNCTION IF EXISTS participants_refuse_delete();
"""


class Migration(migrations.Migration):
    dependencies = [("participants", "0007_erasure")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
