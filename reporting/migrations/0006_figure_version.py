"""Versions of the cached dashboard figures per municipality and quarter (reporting/cache.py): a
write invalidates only the figures of the municipality and quarters it touches. The versions are
values of their own sequence, so the global data version (0005) advances only for writes whose
scope is unknown."""

import os

from django.conf import settings
from django.db import migrations, models


def grant_to_app_role(apps, schema_editor):
    """The role the application runs as (``DATABASE_APP_ROLE``) reads and bumps the versions (as in 0005)."""
    role = getattr(settings, "DATABASE_APP_ROLE", None) or os.environ.get("DATABASE_APP_ROLE", "")
    if not role:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            name = schema_editor.connection.ops.quote_name(role)
            cursor.execute(f"GRANT USAGE, SELECT ON SEQUENCE reporting_figure_version_seq TO {name}")
            cursor.execute(f"GRANT SELECT, INSERT, UPDATE ON reporting_figure_version TO {name}")
            cursor.execute(f"GRANT USAGE, SELECT ON SEQUENCE reporting_figure_version_id_seq TO {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0005_data_version_sequence"),
    ]

    operations = [
        migrations.CreateModel(
            name="FigureVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("municipality_id", models.BigIntegerField()),
                ("quarter_start", models.DateField()),
                ("version", models.BigIntegerField()),
            ],
            options={"db_table": "reporting_figure_version"},
        ),
        migrations.AddConstraint(
            model_name="figureversion",
            constraint=models.UniqueConstraint(
                fields=("municipality_id", "quarter_start"), name="figure_version_unique"
            ),
        ),
        migrations.RunSQL(
            sql="CREATE SEQUENCE IF NOT EXISTS reporting_figure_version_seq AS bigint",
            reverse_sql="DROP SEQUENCE IF EXISTS reporting_figure_version_seq",
        ),
        migrations.RunPython(grant_to_app_role, migrations.RunPython.noop),
    ]
