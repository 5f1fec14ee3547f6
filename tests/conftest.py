"""Shared fixtures: named personas, a logged-in client per persona, Chromium, a real Celery worker."""

import os
import shutil

import pytest
from django.conf import settings

from collectief.models import Membership

from .factories import (
    MembershipFactory,
    MunicipalityFactory,
    MunicipalityUserFactory,
    NeighbourhoodFactory,
    TeamFactory,
    UserFactory,
)

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls in the same
# thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "geheim-wachtwoord"

TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "celery_worker_process"}
# Fixtures that make a test slow: a real Chromium, a live server, a real Celery worker, a quarterly
# report rendered to PDF by WeasyPrint (tests/reporting/conftest.py).
SLOW_FIXTURES = TRANSACTIONAL_FIXTURES | {"browser", "page", "phone_page", "rendered_report"}
# Tests that are slow by themselves (node ids relative to tests/, a module or one test): the sweep
# of every URL, PDFs rendered by WeasyPrint, a year of demo data, big data sets measured for their
# query counts or speed, and exhaustive searches for a way around small-number protection.
SLOW_TESTS = (
    "sweep/",
    "collectief/test_seed_demo.py",
    "collectief/test_deployment.py::test_production_settings_pass_the_deploy_check",
    "reporting/test_pdf.py",
    "reporting/test_workflow.py::test_coordinator_generates_a_report_that_is_rendered_after_commit",
    "reporting/test_workflow.py::test_generating_again_reuses_the_draft",
    "reporting/test_workflow.py::test_beat_task_creates_a_draft_for_every_municipality_once",
    "reporting/test_workflow.py::test_quarterly_report_command_generates_through_the_same_path",
    "reporting/test_dashboard.py::test_dashboard_query_count_does_not_grow_with_the_data",
    "kpi/test_suppression.py::test_combinations_are_exhaustively_safe_for_small_resident_counts",
    "kpi/test_suppression.py::test_random_figure_sets_never_give_a_hidden_cell_back",
    "kpi/test_suppression.py::test_total_minus_collective_cannot_give_back_individual_only",
    "importer/test_command.py::test_ten_thousand_attendance_rows_take_seconds_and_few_queries",
)


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction", False):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def _is_slow(item) -> bool:
    if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or _is_transactional(item):
        return True
    node_id = item.nodeid.removeprefix("tests/")
    return any(node_id.startswith(prefix) for prefix in SLOW_TESTS)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items):
    """Mark the slow tests, give transactional tests a serialized rollback, and run them last.

    A transactional test (live server, real worker) ends with a flush of every table, which also
    removes the rows the data migration seeded (the code lists). With ``serialized_rollback``
    Django restores the database as it was after the migrations before each such test; running
    them last, as Django's own runner does, keeps the ordinary tests from seeing a flushed database.
    """
    for item in items:
        if _is_transactional(item):
            marker = item.get_closest_marker("django_db")
            args, kwargs = (marker.args, marker.kwargs) if marker is not None else ((), {})
            kwargs = {**kwargs, "transaction": True, "serialized_rollback": True}
            # Prepended, so that it is the closest django_db marker pytest-django reads.
            item.add_marker(pytest.mark.django_db(*args, **kwargs), append=False)
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)
    items[:] = sorted(items, key=_is_transactional)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's database setup, with the serialized database kept for every connection.

    Django keeps what it serialized (for ``serialized_rollback``) on the connection object, and
    connection objects live in context variables: once Playwright's sync API has run (it switches
    greenlets), the test thread gets new connection objects without it, and the transactional
    tests after it would restore nothing. On the class, every connection object of the (one)
    database sees it.
    """
    from django.db import connections

    connection = connections["default"]
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents is not None:
        type(connection)._test_serialized_contents = contents
    yield


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def municipality(db):
    return MunicipalityFactory(name="Leeuwarden")


@pytest.fixture
def other_municipality(db):
    return MunicipalityFactory(name="Heerenveen")


@pytest.fixture
def neighbourhood(municipality):
    return NeighbourhoodFactory(municipality=municipality, name="Bilgaard")


@pytest.fixture
def team_a(municipality):
    return TeamFactory(municipality=municipality, name="Wijkteam Noord")


@pytest.fixture
def team_b(other_municipality):
    return TeamFactory(municipality=other_municipality, name="Wijkteam Centrum")


@pytest.fixture
def worker(team_a):
    """A social worker in team A."""
    user = UserFactory(username="sanne", first_name="Sanne")
    MembershipFactory(user=user, team=team_a, role=Membership.Role.SOCIAL_WORKER)
    return user


@pytest.fixture
def colleague(team_a):
    """Another social worker in team A."""
    user = UserFactory(username="jelle", first_name="Jelle")
    MembershipFactory(user=user, team=team_a, role=Membership.Role.SOCIAL_WORKER)
    return user


@pytest.fixture
def outsider(team_b):
    """A social worker in team B (another municipality)."""
    user = UserFactory(username="outsider", first_name="Olga")
    MembershipFactory(user=user, team=team_b, role=Membership.Role.SOCIAL_WORKER)
    return user


@pytest.fixture
def coordinator(team_a):
    user = UserFactory(username="marieke", first_name="Marieke")
    MembershipFactory(user=user, team=team_a, role=Membership.Role.COORDINATOR)
    return user


@pytest.fixture
def municipality_user(municipality):
    user = UserFactory(username="gemeente", first_name="Pieter")
    MunicipalityUserFactory(user=user, municipality=municipality)
    return user


@pytest.fixture
def administrator(db):
    """Functioneel beheerder: the explicit role, plus staff and superuser for /beheer/."""
    from collectief.models import Administrator

    user = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    Administrator.objects.create(user=user)
    return user


@pytest.fixture
def staff_without_role(db):
    """A staff user (may enter /beheer/ with model permissions) without the administrator role."""
    return UserFactory(username="staflid", is_staff=True)


@pytest.fixture
def client_for(client, request):
    """Log the Django test client in as a persona: ``client_for(worker)`` or ``client_for("worker")``.

    This is the one way tests log in (``login_in_browser`` is the one for Chromium). Calling it
    again logs the same client in again (after a logout, or as someone else); pass ``client=``
    to log in a second client of its own.
    """

    def login(user, *, client=client):
        if isinstance(user, str):
            user = request.getfixturevalue(user)
        client.force_login(user)
        return client

    return login


# --- Chromium through Playwright --------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it.")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        locale="nl-NL",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login_in_browser(page, live_server, username, password=PASSWORD):
    """Log in through the real login form; returns the page after the redirect."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


# --- A real Celery worker ---------------------------------------------------------------------


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Start a real Celery worker on the test database and a private queue; stop it afterwards.

    Tasks sent while this fixture is active go through Redis to that worker (not eager).
    """
    import subprocess
    import sys
    import time
    import uuid

    from collectief.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collectief.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_QUEUE": queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DB_CONN_MAX_AGE": "0",
    }
    log = tmp_path / "worker.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "collectief",
            "worker",
            "-Q",
            queue,
            "--concurrency=2",
            "--pool=prefork",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{queue}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"Celery worker exited early:\n{log.read_text()}")
            replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0)
            if replies:
                break
        else:
            pytest.fail(f"Celery worker did not come up:\n{log.read_text()}")
        yield {"queue": queue, "log": log, "process": proc}
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def object_storage(settings, tmp_path):
    """S3-compatible object storage as the default storage, configured from ``MEDIA_S3_*`` exactly as
    settings.py does (collectief/object_storage.py): moto's S3 server on a free loopback port, which
    boto3 (through django-storages) speaks to over HTTP. ``MEDIA_ROOT`` points at a directory that
    must stay empty: nothing may land on the node's own disk."""
    import socket
    import uuid
    from types import SimpleNamespace

    import boto3
    from moto.server import ThreadedMotoServer

    from collectief.object_storage import storage_from_env

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        # moto keeps its buckets per process, also across servers: a bucket of this test's own.
        "MEDIA_S3_BUCKET": f"collectief-media-{uuid.uuid4().hex[:12]}", "MEDIA_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "MEDIA_S3_REGION": "eu-west-1", "MEDIA_S3_ACCESS_KEY_ID": "collectief",
        "MEDIA_S3_SECRET_ACCESS_KEY": "collectief-secret", "MEDIA_S3_PREFIX": "media",
    }
    s3 = boto3.client("s3", endpoint_url=env["MEDIA_S3_ENDPOINT_URL"], region_name=env["MEDIA_S3_REGION"],
                      aws_access_key_id=env["MEDIA_S3_ACCESS_KEY_ID"],
                      aws_secret_access_key=env["MEDIA_S3_SECRET_ACCESS_KEY"])
    s3.create_bucket(Bucket=env["MEDIA_S3_BUCKET"], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    settings.MEDIA_ROOT = tmp_path / "node-disk"
    settings.MEDIA_ROOT.mkdir()
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_env(env)}

    def keys():
        found = s3.list_objects_v2(Bucket=env["MEDIA_S3_BUCKET"]).get("Contents", [])
        return sorted(item["Key"] for item in found)

    yield SimpleNamespace(s3=s3, bucket=env["MEDIA_S3_BUCKET"], keys=keys, node_disk=settings.MEDIA_ROOT)
    server.stop()
