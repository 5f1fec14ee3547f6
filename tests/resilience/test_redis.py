"""Redis is not needed to register (issue 10): a real Redis, started here on its own port, stopped mid-run.

What the user sees (the redirect after saving, the dashboard) and what is stored, while Redis is
unreachable and after it is back; the figures are never the stale cached ones. The data version
the cached figures are keyed by is a PostgreSQL sequence (reporting/cache.py), so a write made by
any process, while Redis was down or not, is seen by every process's next read.
"""

import datetime
import shutil
import signal
import socket
import subprocess
import threading
import time

import psycopg
import pytest
import redis
from django.db import connection
from django.test import Client
from django.urls import reverse

from groups.models import Attendance, Session
from reporting import cache as kpi_cache
from reporting.periods import quarter
from tests.factories import GroupFactory
from tests.groups.conftest import enrol_members

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")

DAY = datetime.date(2024, 8, 1)  # a Thursday in 2024Q3
Q3 = {"period": "2024Q3"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server without persistence on a free port."""

    def __init__(self):
        self.port = _free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # in case it was frozen
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def freeze(self):
        """Unreachable but keeping its data (as behind a network partition): the hard case for staleness."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)

    def keys(self) -> list[bytes]:
        return redis.Redis(port=self.port).keys("*")


class Partition:
    """A TCP proxy in front of the Redis: cut, the app gets "connection refused" while Redis keeps
    its data and never sees the commands sent meanwhile (a network partition)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = _free_port()
        self.listener = None
        self.sockets = []
        self.lock = threading.Lock()

    def open(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self):
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() and stops listening (Linux)
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.sockets = []

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:  # Redis itself is down: refuse as it would
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):  # one side gone: close both, as a direct connection would
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(redis_server, settings, monkeypatch):
    """CACHES pointed (through the partition proxy) at the test's Redis with the production
    options; the setting change resets the cache handler, the cache module's state starts clean."""
    redis_server.partition = Partition(redis_server.port)
    redis_server.partition.open()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_server.partition.port}/0",
            "KEY_PREFIX": "collectief",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    monkeypatch.setattr(kpi_cache._State, "failing", False)
    monkeypatch.setattr(kpi_cache._State, "retry_at", 0.0)
    monkeypatch.setattr(kpi_cache, "RETRY_AFTER", 0.0)
    yield redis_server
    redis_server.partition.cut()


@pytest.fixture
def group(team_a, worker, neighbourhood):
    """A weekly group of team A facilitated by the worker (as in tests/groups/conftest.py)."""
    group = GroupFactory(name="Wandelgroep Bilgaard", team=team_a, neighbourhood=neighbourhood, usual_weekday=3,
                         usual_time=datetime.time(10, 0), start_date=datetime.date(2024, 1, 1))
    group.facilitators.add(worker)
    return group


@pytest.fixture
def roll_call(group, worker, coordinator, client_for):
    members = enrol_members(group, 12)
    return members, client_for(worker), client_for(coordinator, client=Client())


def _data(members, present):
    data = {"date": DAY.isoformat(), "start_time": "10:00", "duration_minutes": "90", "status": "held",
            "head_count": "0", "topic": "", "notes": ""}
    data.update({f"att-{p.pk}": "present" if p in present else "absent" for p in members})
    return data


def _collective(client) -> int:
    response = client.get(reverse("reporting:dashboard"), Q3)
    assert response.status_code == 200
    return response.context["kpis"]["residents_collective"]


def _save_and_check(worker_client, group, members, present):
    session = Session.objects.filter(group=group, date=DAY).first()
    url = (reverse("groups:session_edit", args=[group.pk, session.pk]) if session
           else reverse("groups:session_create", args=[group.pk]))
    started = time.monotonic()
    response = worker_client.post(url, _data(members, present))
    assert response.status_code == 302
    stored = Attendance.objects.filter(session__group=group, session__date=DAY, status="present").count()
    assert stored == len(present)
    return time.monotonic() - started


OUTAGES = {
    # Redis stopped and started again (empty: no persistence).
    "stopped": (RedisServer.stop, RedisServer.start),
    # Redis hung (SIGSTOP): every call waits for the socket timeout.
    "frozen": (RedisServer.freeze, RedisServer.thaw),
    # Redis unreachable but keeping its data, the old version and the figures cached under it:
    # the case in which a missed invalidation would serve stale figures.
    "partitioned": (lambda server: server.partition.cut(), lambda server: server.partition.open()),
}


@pytest.mark.parametrize("outage", list(OUTAGES))
def test_saving_and_the_dashboard_work_without_redis_and_never_show_stale_figures(
    redis_cache, roll_call, group, outage
):
    members, worker_client, coordinator_client = roll_call
    _save_and_check(worker_client, group, members, members)
    assert _collective(coordinator_client) == 12
    assert _collective(coordinator_client) == 12  # from the cache now
    assert any(b"reporting:kpis" in key for key in redis_cache.keys())

    go_down, come_back = OUTAGES[outage]
    go_down(redis_cache)
    try:
        seconds = _save_and_check(worker_client, group, members, members[:6])
        assert seconds < 10  # short socket timeouts: no 30 s hang
        assert _collective(coordinator_client) == 6
    finally:
        come_back(redis_cache)

    # Back again. A partitioned Redis still holds the figures cached before the outage (12), under
    # the data version of that time: the version advanced in PostgreSQL with the save, so they are
    # never served.
    assert _collective(coordinator_client) == 6
    assert _collective(coordinator_client) == 6
    _save_and_check(worker_client, group, members, members[:3])
    assert _collective(coordinator_client) == 3


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise redis.exceptions.TimeoutError("Timeout reading from socket")

        return fail


@pytest.mark.django_db
def test_a_failing_cache_never_fails_a_save_or_a_read(report_data, monkeypatch):
    monkeypatch.setattr(kpi_cache, "RETRY_AFTER", 0.0)
    monkeypatch.setattr(kpi_cache._State, "failing", False)
    monkeypatch.setattr(kpi_cache, "cache", BrokenCache())
    before = kpi_cache.data_version()
    kpi_cache.invalidate()  # a save's signal: PostgreSQL only, the cache is not even asked
    assert kpi_cache.data_version() > before
    figures = kpi_cache.cached_kpis(report_data.municipality, quarter(2024, 3))
    assert figures["residents_collective"] == 9  # computed from the database
    assert kpi_cache._State.failing


def _bump_in_another_session():
    """What another process (a second gunicorn worker, the import command) does when it saves:
    ``nextval`` on the sequence, in its own PostgreSQL session. It never talks to Redis."""
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres",
                         password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT nextval('reporting_data_version')")


@pytest.mark.django_db
def test_a_write_by_another_process_while_redis_was_down_is_seen_by_the_next_read(redis_cache, report_data):
    period = quarter(2024, 3)
    figures = kpi_cache.cached_kpis(report_data.municipality, period)
    assert figures["residents_collective"] == 9
    assert any(b"reporting:kpis" in key for key in redis_cache.keys())  # cached in Redis
    version = kpi_cache.data_version()

    # Redis partitioned: the figures cached above stay in it. Meanwhile another process saves:
    # one resident's attendance (no signal in this process) and its bump of the data version.
    redis_cache.partition.cut()
    Attendance.objects.filter(participant=report_data.people[0]).update(status=Attendance.Status.ABSENT)
    _bump_in_another_session()
    redis_cache.partition.open()

    # This process knew nothing of the outage or the write; it reads the new version, never the
    # figures cached under the old one.
    assert kpi_cache.data_version() > version
    assert kpi_cache.cached_kpis(report_data.municipality, period)["residents_collective"] == 8
    # And caches the new figures under the new version.
    assert kpi_cache.cached_kpis(report_data.municipality, period)["residents_collective"] == 8
    assert len([key for key in redis_cache.keys() if b"reporting:kpis" in key]) == 2
