"""Every write of a resident's personal details raises its version, whoever writes it.

The edit form saves with a conditional UPDATE against the version the user opened (issue 10). The
admin, the import, a walk-in's details and scripts write without it; this trigger raises the
version for them too, so a form opened before such a write is refused as a concurrent edit instead
of silently overwriting it. ``NEW.version := OLD.version + 1`` (not ``NEW.version + 1``): a writer
that raises the version itself, like the edit form, still ends one higher, not two.
"""

from django.db import migrations

PERSONAL = (
    "first_name", "last_name", "birth_date", "postcode", "neighbourhood_id", "phone", "email",
    "preferred_language", "is_volunteer", "team_id",
)
NEW = ", ".join(f"NEW.{c}" for c in PERSONAL)
OLD = ", ".join(f"OLD.{c}" for c in PERSONAL)

FORWARD = f"""
CREATE OR REPLACE FUNCTION participants_raise_version() RETURNS trigger AS $$
BEGIN
    IF ROW({NEW}) IS DISTINCT FROM ROW({OLD}) THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER participants_participant_version
    BEFORE UPDATE ON participants_participant
    FOR EACH ROW EXECUTE FUNCTION participants_raise_version();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS participants_participant_version ON participants_participant;
DROP FUNCTION IF EXISTS participants_raise_version();
"""


class Migration(migrations.Migration):
    dependencies = [("participants", "0011_outcomes_thread")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
