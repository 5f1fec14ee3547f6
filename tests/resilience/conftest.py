"""Fixtures of the resilience tests: the report data set of tests/reporting, and a real Celery
worker whose pool processes a test can kill mid-render."""

import os
import signal
from types import SimpleNamespace

import pytest

from tests.reporting.conftest import report_data  # noqa: F401 - a fixture for these tests


@pytest.fixture
def worker_media(settings, tmp_path):
    """A media directory of the test's own, shared with the worker (set before it starts)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pool_children(pid: int) -> list[int]:
    """The pids of the direct children of ``pid`` (a prefork worker's pool processes), from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid …": comm may hold spaces and parentheses; split after the last ")".
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            children.append(int(entry))
    return children


@pytest.fixture
def killable_worker(worker_media, celery_worker_process):
    """The real worker of tests/conftest.py (its media directory the test's own), with a way to
    SIGKILL its pool processes as the out-of-memory killer would: ``kill_pool()`` returns their pids."""
    process = celery_worker_process["process"]

    def kill_pool() -> list[int]:
        pids = pool_children(process.pid)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    return SimpleNamespace(**celery_worker_process, media=worker_media, kill_pool=kill_pool)
