"""The dashboard reads from a real PostgreSQL streaming replica (issue 14, collectief/db_router.py).

The fixture makes a replica of the local PostgreSQL server the tests use: ``pg_basebackup -R``
(a copy of the whole cluster, with standby.signal and primary_conninfo, no replication slot) into
a temporary directory, then a second ``postgres`` on a free port, run as the ``postgres`` OS user.
Rows the test commits on the primary afterwards stream to it. Teardown stops it and removes the
directory.

Replication connections need a ``replication`` line in pg_hba.conf, which a Debian cluster does not
have by default. When the server refuses one, the fixture appends
``host replication all 127.0.0.1/32 trust`` (the same trust the server already gives every local
TCP connection) to the server's hba_file once and reloads it; see docs/deployment.md, "The replica
test". Without the right to do that the test fails and says so.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collectief import db_router
from reporting import services
from reporting.models import QuarterlyReport
from tests.factories import AttendanceFactory, GroupFactory, ParticipantFactory, SessionFactory

PERIOD = {"period": "2024Q1"}
# Committed rows (they must stream to the replica); the replica is a mirror, never flushed.
REPLICA_DB = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
HBA_LINE = "host replication all 127.0.0.1/32 trust"
HBA_COMMENT = "# Added by tests/collectief/test_replica.py: replication from this machine (the replica test)."


def _primary():
    settings_dict = connections["default"].settings_dict
    return {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": str(settings_dict["PORT"] or 5432),
        "user": settings_dict["USER"] or "postgres",
    }


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: its programs run as the postgres OS user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _replication_allowed(primary) -> bool:
    try:
        psycopg.connect(**primary, dbname="postgres", replication="true", connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        if "pg_hba.conf" in str(exc):
            return False
        raise
    return True


def _allow_replication(primary) -> None:
    """Idempotent: the hba line is appended only when missing, then the server reloads its files."""
    if _replication_allowed(primary):
        return
    with psycopg.connect(**primary, dbname="postgres", autocommit=True) as conn:
        hba_file = Path(conn.execute("SHOW hba_file").fetchone()[0])
        try:
            if HBA_LINE not in hba_file.read_text().splitlines():
                with hba_file.open("a") as hba:
                    hba.write(f"\n{HBA_COMMENT}\n{HBA_LINE}\n")
        except OSError as exc:
            pytest.fail(f"PostgreSQL refuses replication connections and {hba_file} cannot be changed: {exc}")
        conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 5
    while not _replication_allowed(primary):
        if time.monotonic() > deadline:
            pytest.fail(f"PostgreSQL still refuses replication connections after adding '{HBA_LINE}'")
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_settings(primary) -> dict[str, str]:
    # A hot standby needs at least the primary's values of these.
    names = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
             "max_locks_per_transaction", "server_version_num")
    with psycopg.connect(**primary, dbname="postgres") as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}


def _run(args, **kwargs):
    result = subprocess.run(_as_postgres(args), capture_output=True, text=True, timeout=60, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup, django_db_blocker):
    """A hot standby of the local PostgreSQL on a free port (one per module): ``{"port": ...}``."""
    primary = _primary()
    _allow_replication(primary)
    server = _server_settings(primary)
    bin_dir = Path(f"/usr/lib/postgresql/{int(server['server_version_num']) // 10000}/bin")
    base = Path(tempfile.mkdtemp(prefix="collectief-replica-"))
    data = base / "data"
    port = _free_port()
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(base, "postgres", "postgres")
        base.chmod(0o700)
        _run([str(bin_dir / "pg_basebackup"), "-h", primary["host"], "-p", primary["port"], "-U", primary["user"],
              "-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        # Debian keeps the configuration outside the data directory: the standby gets its own.
        settings = "\n".join(f"{name} = {value}" for name, value in server.items() if name != "server_version_num")
        (data / "postgresql.conf").write_text(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{base}'\n"
            f"hot_standby = on\nshared_buffers = 16MB\nfsync = off\nssl = off\n{settings}\n"
        )
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (data / "pg_ident.conf").write_text("")
        if os.geteuid() == 0:
            for path in (data / "postgresql.conf", data / "pg_hba.conf", data / "pg_ident.conf"):
                shutil.chown(path, "postgres", "postgres")
        started = True
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "30", "start"])
        yield {"port": port, "base": base}
    finally:
        if started:
            subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def _replica_settings(port) -> dict:
    """The ``replica`` database as settings.py makes it from DATABASE_REPLICA_URL: the test database
    (pytest-django created it on the primary before the base backup, so the replica has it under the
    same name) on the replica's port, a mirror of ``default`` for the test machinery (never flushed)."""
    default = connections["default"].settings_dict
    return {
        **default,
        "HOST": "127.0.0.1",
        "PORT": port,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {**default.get("OPTIONS", {}), "connect_timeout": 2, "application_name": "collectief-replica"},
        "TEST": {**default.get("TEST", {}), "MIRROR": "default"},
    }


@pytest.fixture(scope="module", autouse=True)
def replica_database(streaming_replica):
    """The ``replica`` alias exists before pytest-django sets up each test (it must be in
    ``databases``); added at run time, as DATABASE_REPLICA_URL is not set in the test settings."""
    connections.settings["replica"] = _replica_settings(streaming_replica["port"])
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            connections["replica"].close()
        with contextlib.suppress(Exception):
            del connections["replica"]
        del connections.settings["replica"]


@pytest.fixture
def replica(settings):
    """The replica's connection, with the router switched on."""
    settings.DATABASE_ROUTERS = ["collectief.db_router.ReplicaRouter"]
    settings.DATABASE_REPLICA_MAX_LAG = 10
    db_router.reset()
    yield connections["replica"]
    db_router.reset()


def _attend(group, date, count):
    session = SessionFactory(group=group, date=date)
    for _ in range(count):
        AttendanceFactory(session=session, participant=ParticipantFactory(team=group.team))


# The start of the KPI set's one statement (reporting/kpi.py, _ONE_PASS).
ONE_PASS = "WITH grp AS MATERIALIZED"


def _kpi_queries(captured) -> list[str]:
    """The figures' queries (not the router's own check of the replay position): those on the marks
    or on their quarter summary (reporting/models.py, AttendanceQuarter)."""
    return [q["sql"] for q in captured.captured_queries
            if "groups_attendance" in q["sql"] or "reporting_attendance_quarter" in q["sql"]]


@REPLICA_DB
def test_the_dashboard_reads_from_the_replica_and_shows_a_session_saved_on_the_primary(
    replica, team_a, coordinator, client_for
):
    import datetime

    group = GroupFactory(team=team_a)
    _attend(group, datetime.date(2024, 2, 6), 2)
    client = client_for(coordinator)
    url = reverse("reporting:dashboard")

    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(url, PERIOD)
    assert response.status_code == 200
    assert response.context["kpis"]["residents_collective"] == 2
    # The figures came from the replica: a standby in recovery, on the replica's own port; the
    # KPI set's one pass (raw SQL, reporting/kpi.py) too.
    assert _kpi_queries(on_replica)
    assert any(ONE_PASS in sql for sql in _kpi_queries(on_replica))
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')::int, current_database()")
        assert cursor.fetchone() == (True, replica.settings_dict["PORT"], connections["default"].settings_dict["NAME"])

    # A session saved on the primary now: the next dashboard waits for the replica to replay it.
    _attend(group, datetime.date(2024, 3, 5), 3)
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(url, PERIOD)
    assert response.context["kpis"]["residents_collective"] == 5
    assert _kpi_queries(on_replica)

    # The report's figures (computed in the worker) read from the replica too; the report's own
    # row, written just before, is there.
    report = QuarterlyReport.objects.create(municipality=team_a.municipality, year=2024, quarter=1)
    with CaptureQueriesContext(replica) as on_replica:
        figures = services.build_figures(report)
    assert figures["kpis"]["residents_collective"] == 5
    assert any(ONE_PASS in sql for sql in _kpi_queries(on_replica))


@REPLICA_DB
def test_a_replica_that_stays_behind_is_not_read_and_the_figures_are_not_older_than_the_data(
    replica, team_a, coordinator, client_for, settings
):
    import datetime

    group = GroupFactory(team=team_a)
    _attend(group, datetime.date(2024, 2, 6), 2)
    client = client_for(coordinator)
    url = reverse("reporting:dashboard")
    assert client.get(url, PERIOD).context["kpis"]["residents_collective"] == 2

    settings.DATABASE_REPLICA_MAX_LAG = 0.3
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        _attend(group, datetime.date(2024, 3, 5), 3)
        with CaptureQueriesContext(replica) as on_replica:
            response = client.get(url, PERIOD)
        # The paused replica has not replayed the new session: the primary answers, with it.
        assert response.status_code == 200
        assert response.context["kpis"]["residents_collective"] == 5
        assert _kpi_queries(on_replica) == []
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")

    # Left alone for a while after lagging; once that is over, read again, caught up.
    db_router.reset()
    settings.DATABASE_REPLICA_MAX_LAG = 10
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(url, PERIOD)
    assert response.context["kpis"]["residents_collective"] == 5
    assert _kpi_queries(on_replica)


@REPLICA_DB
def test_a_hung_replica_costs_one_connect_timeout_and_no_error(replica, team_a, coordinator, client_for):
    import datetime

    port = replica.settings_dict["PORT"]
    replica.close()
    del connections["replica"]
    group = GroupFactory(team=team_a)
    _attend(group, datetime.date(2024, 2, 6), 2)
    client = client_for(coordinator)
    # A "server" that accepts the TCP connection and never answers: a hung replica.
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        connections.settings["replica"] = _replica_settings(hung.getsockname()[1])
        try:
            durations = []
            for _ in range(2):
                started = time.monotonic()
                response = client.get(reverse("reporting:dashboard"), PERIOD)
                durations.append(time.monotonic() - started)
                assert response.status_code == 200
                assert response.context["kpis"]["residents_collective"] == 2
        finally:
            with contextlib.suppress(Exception):
                connections["replica"].close()
            with contextlib.suppress(Exception):
                del connections["replica"]
            connections.settings["replica"] = _replica_settings(port)
    # The first request waited for the connect timeout (2 s), the second did not try the replica.
    assert durations[0] >= 1.5 and durations[1] < 1, durations


@REPLICA_DB
def test_a_query_that_fails_on_the_replica_halfway_runs_again_on_the_primary(
    replica, team_a, coordinator, client_for, monkeypatch, caplog
):
    import datetime

    from django.db import OperationalError

    from reporting import kpi

    group = GroupFactory(team=team_a)
    _attend(group, datetime.date(2024, 2, 6), 2)
    original, calls = kpi.path_figures, []

    def cancelled_once(*args, **kwargs):
        calls.append(len(calls))
        if len(calls) == 1:  # as PostgreSQL reports a query cancelled by a conflict with recovery
            raise OperationalError("canceling statement due to conflict with recovery")
        return original(*args, **kwargs)

    monkeypatch.setattr(kpi, "path_figures", cancelled_once)
    with CaptureQueriesContext(replica) as on_replica:
        response = client_for(coordinator).get(reverse("reporting:dashboard"), PERIOD)
    assert response.status_code == 200
    assert response.context["kpis"]["residents_collective"] == 2
    assert len(calls) == 2
    # The first run read from the replica; the second, after the failure, from the primary only.
    assert _kpi_queries(on_replica)
    assert "the replica failed: OperationalError" in caplog.text
    with CaptureQueriesContext(replica) as on_replica:
        client_for(coordinator).get(reverse("reporting:dashboard"), PERIOD)
    assert _kpi_queries(on_replica) == []  # left alone for a while
