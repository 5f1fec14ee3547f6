"""Make the audit log append-only in the database itself, not only in the ORM."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION collectief_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'collectief_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER collectief_auditevent_append_only
    BEFORE UPDATE OR DELETE ON collectief_auditevent
    FOR EACH ROW EXECUTE FUNCTION collectief_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS collectief_auditevent_append_only ON collectief_auditevent;
DROP FUNCTION IF EXISTS collectief_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("collectief", "0002_seed_code_lists")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
