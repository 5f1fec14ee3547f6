"""The backup procedure of docs/operations.md works: a ``pg_dump -Fc`` of the database, restored with
``pg_restore`` into a fresh database, gives the same KPI figures (and needs no migration)."""

import os
import shutil
import subprocess
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections, router

from groups.models import Attendance
from reporting.kpi import compute_kpis
from tests.kpi import conftest as kpi_conftest

# The hand-built data set of the KPI tests, with its known answers (Leeuwarden, 2024Q3).
kpi_data = kpi_conftest.kpi_data

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (Debian: postgresql-client)")
    return path


def _pg_env(db: dict) -> dict:
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432)}
    env["PGUSER"] = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


class _ReadFrom:
    """A database router that sends every read to one alias."""

    def __init__(self, alias):
        self.alias = alias

    def db_for_read(self, model, **hints):
        return self.alias


@pytest.fixture
def restored_copy(tmp_path):
    """Dump the (committed) test database, restore it into a fresh database reachable as a second
    alias; drop it again afterwards."""
    source = connections["default"].settings_dict
    env = _pg_env(source)
    name = f"test_collectief_restore_{uuid.uuid4().hex[:8]}"
    alias = "restored"
    dump = tmp_path / "collectief.dump"
    subprocess.run([_binary("pg_dump"), "-Fc", "-f", str(dump), source["NAME"]], env=env, check=True)
    subprocess.run([_binary("createdb"), name], env=env, check=True)
    try:
        subprocess.run(
            [_binary("pg_restore"), "--no-owner", "--exit-on-error", "-d", name, str(dump)], env=env, check=True
        )
        settings.DATABASES[alias] = {**source, "NAME": name}
        # Connected here, directly: the test case allows only "default" to connect on demand.
        connections[alias].connect()
        yield alias
    finally:
        if alias in connections:
            connections[alias].close()
            del connections[alias]
        settings.DATABASES.pop(alias, None)
        subprocess.run([_binary("dropdb"), "--force", "--if-exists", name], env=env, check=True)


def test_a_restored_dump_gives_identical_kpi_figures(kpi_data, restored_copy):
    data = kpi_data
    original = compute_kpis(data.municipality, data.period)
    assert original == kpi_conftest.expected_2024q3(data)

    # The figures below must come from the copy: the original loses its attendance.
    Attendance.objects.all().delete()
    assert compute_kpis(data.municipality, data.period) != original

    # The restored schema is complete: no migration left to apply.
    call_command("migrate", database=restored_copy, check_unapplied=True, verbosity=0)
    with mock.patch.object(router, "routers", [_ReadFrom(restored_copy)]):
        restored = compute_kpis(data.municipality, data.period)
    assert restored == original
