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


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction", False):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items):
    """Run transactional tests (live server, real worker) last, as Django's own runner does.

    They end with a flush of every table, which also removes the rows the data migration seeded
    (the code lists); the ordinary tests before them keep relying on those rows.
    """
    items[:] = sorted(items, key=_is_transactional)


@pytest.fixture(autouse=True)
def _code_lists_for_transactional_tests(request, django_db_blocker):
    """Seed the code lists again for a transactional test when an earlier one flushed them."""
    if _is_transactional(request.node):
        import importlib

        from django.apps import apps

        from collectief.models import GroupKind

        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            if not GroupKind.objects.exists():
                importlib.import_module("collectief.migrations.0002_seed_code_lists").seed(apps, None)
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
    user = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    return user


@pytest.fixture
def client_for(client):
    """Log the Django test client in as the given persona: ``client_for(worker)``."""

    def login(user):
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
