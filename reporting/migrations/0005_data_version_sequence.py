"""The KPI cache's data version (reporting/cache.py): a PostgreSQL sequence that every write to the
data the KPIs read advances. A sequence is not transactional: every process sees a new value at
once, whether or not Redis (the cache) could be reached when the write was made."""

import os

from django.conf import settings
from django.db import migrations


def grant_to_app_role(apps, schema_editor):
    """The role the application runs as (``DATABASE_APP_ROLE``) advances and reads the sequence
    (docs/architecture.md grants it on every sequence by default; this covers a role without those
    default privileges)."""
    role = getattr(settings, "DATABASE_APP_ROLE", None) or os.environ.get("DATABASE_APP_ROLE", "")
    if not role:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            name = schema_editor.connection.ops.quote_name(role)
            cursor.execute(f"GRANT USAGE, SELECT ON SEQUENCE reporting_data_version TO {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_render_task_id"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE SEQUENCE IF NOT EXISTS reporting_data_version AS bigint",
            reverse_sql="DROP SEQUENCE IF EXISTS reporting_data_version",
        ),
        migrations.RunPython(grant_to_app_role, migrations.RunPython.noop),
    ]
