"""Load test (``make loadtest``): social workers logging sessions concurrently against gunicorn.

Uses its own database, ``collectief_load`` (never the development database): drops and creates it,
migrates it and seeds one municipality with N social workers, each with their own group of 12
enrolled residents (and a year of history on each group, so that the dashboard has figures to
compute), plus a few coordinators with a confirmed authenticator app (TOTP device).

Then it starts gunicorn on a free loopback port with the *production* settings (DEBUG off,
``BEHIND_PROXY=true``: the client sends ``X-Forwarded-Proto: https`` as the TLS proxy would) and
runs, for ``--duration`` seconds, one thread per simulated user with its own connection and cookies:

- a social worker logs in through the login form, then over and over opens the roll call of their
  group for the next unused past day (GET), posts it with a few residents absent or excused, and
  opens the group page it is sent to;
- a coordinator logs in through the login form *and* the two-factor step (coordinators need it,
  ``OTP_REQUIRED_ROLES``; the code is computed from the seeded device's key), then opens the
  dashboard every 1-3 seconds.

Afterwards it checks in the database that nothing was lost or duplicated: every save the client
saw succeed is there with exactly the marks it sent, no other session was created, every session
has 12 attendance rows, no (session, resident) pair occurs twice, and the quarter summary the
database's triggers kept during the concurrent saves equals a recount. It prints p50/p95 per kind of
request and exits non-zero on any error (HTTP >= 500, an unexpected status) or any loss.

    .venv/bin/python scripts/loadtest.py                  # 5 minutes, 50 social workers
    .venv/bin/python scripts/loadtest.py --duration 60 --gunicorn-workers 3 --threads 4

Environment: LOAD_DATABASE_URL (default: DATABASE_URL with the database name collectief_load),
LOAD_CACHE_URL (default: Redis database 13 on REDIS_URL's server).
"""

import argparse
import datetime
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
from ensure_database import ensure_database
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

LOAD_DB = "collectief_load"
MEMBERS = 12
PASSWORD = "laadtest-wachtwoord-2026"
HISTORY_WEEKS = 52
# The group and its enrolments start this many days ago; the history fills its first year, and the
# load test logs sessions from yesterday backwards, so they never meet (about 3 years of days).
GROUP_AGE_DAYS = 1500
LOAD_DAYS = GROUP_AGE_DAYS - 7 * HISTORY_WEEKS - 30
HOST = "127.0.0.1"


def load_database_url() -> str:
    if url := os.environ.get("LOAD_DATABASE_URL"):
        return url
    dev = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collectief"))
    return urlunsplit(dev._replace(path=f"/{LOAD_DB}"))


def load_cache_url() -> str:
    if url := os.environ.get("LOAD_CACHE_URL"):
        return url
    redis = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return urlunsplit(redis._replace(path="/13"))


def recreate_database(url: str) -> None:
    """A fresh database for every run: the checks afterwards compare against a known start."""
    parts = urlsplit(url)
    name = parts.path.strip("/")
    if name == "collectief":
        sys.exit("Refusing to load-test on the development database 'collectief'.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    ensure_database(url)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "collectief.settings"
    import django

    django.setup()


# --- Seed ---------------------------------------------------------------------------------------


def seed(n_workers: int, n_coordinators: int) -> dict:
    """Users, groups, residents and history; returns what the simulated users need to know."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from collectief.models import Membership, Municipality, Team
    from groups.models import Group

    User = get_user_model()
    today = timezone.localdate()
    start = today - datetime.timedelta(days=GROUP_AGE_DAYS)
    password = make_password(PASSWORD)  # hashed once: the same password for everyone
    with transaction.atomic():
        municipality = Municipality.objects.create(name="Laadstad")
        teams = [Team.objects.create(municipality=municipality, name=f"Wijkteam {i}") for i in range(5)]
        workers = User.objects.bulk_create([
            User(username=f"werker{i:03d}", first_name=f"Werker {i}", password=password) for i in range(n_workers)
        ])
        coordinators = User.objects.bulk_create([
            User(username=f"coordinator{i}", first_name=f"Coördinator {i}", password=password)
            for i in range(n_coordinators)
        ])
        Membership.objects.bulk_create(
            [Membership(user=u, team=teams[i % 5], role=Membership.Role.SOCIAL_WORKER) for i, u in enumerate(workers)]
            + [Membership(user=u, team=teams[i % 5], role=Membership.Role.COORDINATOR)
               for i, u in enumerate(coordinators)]
        )
        devices = [TOTPDevice.objects.create(user=u, name="app", confirmed=True) for u in coordinators]
        groups = Group.objects.bulk_create([
            Group(name=f"Laadgroep {i:03d}", kind_id="support", team=teams[i % 5], status="running",
                  rhythm="weekly", usual_weekday=i % 5, usual_time=datetime.time(10, 0), start_date=start)
            for i in range(n_workers)
        ])
        Group.facilitators.through.objects.bulk_create([
            Group.facilitators.through(group_id=g.pk, user_id=u.pk) for g, u in zip(groups, workers, strict=True)
        ])
        members = _seed_members(groups, start)
        _seed_history(groups, members, start)
    return {
        "workers": [(u.username, g.pk, [p.pk for p in members[g.pk]]) for u, g in zip(workers, groups, strict=True)],
        "coordinators": [(u.username, d.bin_key) for u, d in zip(coordinators, devices, strict=True)],
        "municipality": municipality.pk,
    }


def _seed_members(groups, start) -> dict:
    from groups.models import Enrolment
    from participants.models import Participant

    people = Participant.objects.bulk_create([
        Participant(team=g.team, first_name="Bewoner", last_name=f"{g.pk}-{m:02d}",
                    birth_date=datetime.date(1950 + m, 1 + m, 1 + g.pk % 28))
        for g in groups for m in range(MEMBERS)
    ])
    members = {g.pk: people[i * MEMBERS:(i + 1) * MEMBERS] for i, g in enumerate(groups)}
    Enrolment.objects.bulk_create([
        Enrolment(group_id=gid, participant=p, start_date=start) for gid, ps in members.items() for p in ps
    ])
    return members


def _seed_history(groups, members, start) -> None:
    from groups.models import Attendance, Session

    sessions = Session.objects.bulk_create([
        Session(group=g, date=start + datetime.timedelta(days=7 * w + 1), start_time=datetime.time(10, 0))
        for g in groups for w in range(HISTORY_WEEKS)
    ])
    Attendance.objects.bulk_create([
        Attendance(session=s, participant=p, status="present" if (s.pk + j) % 6 else "absent")
        for s in sessions for j, p in enumerate(members[s.group_id])
    ], batch_size=5000)


# --- HTTP client --------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class UnexpectedResponse(Exception):
    pass


class Browser:
    """One user's connection and cookies, as a browser behind the TLS proxy would send them."""

    def __init__(self, port: int, address: str, stats):
        self.port, self.address, self.stats = port, address, stats
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, kind: str, method: str, path: str, form: dict | None = None, expect=(200,)):
        headers = {
            "Host": f"{HOST}:{self.port}", "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address,
            "Accept-Language": "nl",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}:{self.port}"
            headers["Referer"] = f"https://{HOST}:{self.port}{path}"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()
            self.stats.record(kind, time.perf_counter() - started, None)
            raise UnexpectedResponse(f"{kind}: {method} {path}: {error!r}") from error
        self.stats.record(kind, time.perf_counter() - started, response.status)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.status not in expect:
            raise UnexpectedResponse(f"{kind}: {method} {path}: HTTP {response.status}")
        location = urlsplit(response.headers.get("Location", "")).path
        return content.decode("utf-8", "replace"), location

    def get_token(self, kind: str, path: str) -> str:
        page, _ = self.request(kind, "GET", path)
        match = CSRF_RE.search(page)
        if not match:
            raise UnexpectedResponse(f"{kind}: no CSRF token on {path}")
        return match.group(1)

    def login(self, username: str) -> None:
        from django.urls import reverse

        login = reverse("login")
        token = self.get_token("login form", login)
        _, location = self.request("login", "POST", login, {
            "csrfmiddlewaretoken": token, "username": username, "password": PASSWORD,
        }, expect=(302,))
        if location == login:
            raise UnexpectedResponse(f"login of {username} refused")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors: list[str] = []
        self.statuses = defaultdict(int)

    def record(self, kind, seconds, status):
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[status] += 1

    def error(self, message):
        with self.lock:
            self.errors.append(message)


def social_worker(port, username, group_id, member_ids, deadline, stats, saved, index):
    """Log sessions of the worker's group, one past day after the other, until the deadline."""
    from django.urls import reverse
    from django.utils import timezone

    rng = random.Random(index)
    browser = Browser(port, f"10.1.{index // 250}.{index % 250 + 1}", stats)
    create = reverse("groups:session_create", args=[group_id])
    detail = reverse("groups:detail", args=[group_id])
    today = timezone.localdate()
    try:
        browser.login(username)
        for days_back in range(1, LOAD_DAYS):
            if time.monotonic() > deadline:
                return
            day = today - datetime.timedelta(days=days_back)
            token = browser.get_token("roll call form", f"{create}?date={day.isoformat()}")
            marks = {pid: rng.choices(["present", "absent", "excused"], [80, 14, 6])[0] for pid in member_ids}
            form = {"csrfmiddlewaretoken": token, "date": day.isoformat(), "start_time": "10:00",
                    "duration_minutes": "90", "status": "held", "head_count": "0", "topic": "", "notes": ""}
            form.update({f"att-{pid}": status for pid, status in marks.items()})
            _, location = browser.request("roll call save", "POST", create, form, expect=(302,))
            if location != detail:
                raise UnexpectedResponse(f"save of {day} for group {group_id} went to {location}")
            saved.append((group_id, day, marks))  # list.append is atomic
            browser.request("group page", "GET", detail)
    except UnexpectedResponse as error:
        stats.error(f"{username}: {error}")


def coordinator(port, username, key, deadline, stats, index, dashboard_path):
    from django.urls import reverse
    from django_otp.oath import totp

    rng = random.Random(1000 + index)
    browser = Browser(port, f"10.2.0.{index + 1}", stats)
    try:
        browser.login(username)
        verify = f"{reverse('two_factor:verify')}?{urlencode({'next': dashboard_path})}"
        token = browser.get_token("two-factor form", verify)
        _, location = browser.request("two-factor code", "POST", verify, {
            "csrfmiddlewaretoken": token, "code": f"{totp(key):06d}",
        }, expect=(302,))
        if location != urlsplit(dashboard_path).path:
            raise UnexpectedResponse(f"two-factor step of {username} went to {location}")
        while time.monotonic() < deadline:
            browser.request("dashboard", "GET", dashboard_path)
            time.sleep(rng.uniform(1, 3))
    except UnexpectedResponse as error:
        stats.error(f"{username}: {error}")


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, args, url: str) -> subprocess.Popen:
    env = {
        **os.environ, "DATABASE_URL": url, "DEBUG": "false", "BEHIND_PROXY": "true",
        "CACHE_URL": load_cache_url(), "CELERY_QUEUE": "collectief_load",
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", "/tmp/media_load"),
        "DJANGO_SETTINGS_MODULE": "collectief.settings", "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("DATABASE_REPLICA_URL", None)  # a replica of another database would serve the dashboard
    command = [
        str(BASE_DIR / ".venv/bin/gunicorn"), "collectief.wsgi:application", "--bind", f"{HOST}:{port}",
        "--workers", str(args.gunicorn_workers), "--threads", str(args.threads),
        "--worker-class", "gthread" if args.threads > 1 else "sync", "--keep-alive", "5",
        "--logger-class", "collectief.logging.GunicornLogger", "--error-logfile", "-", "--log-level", "warning",
    ]
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    for _ in range(120):
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn stopped before it listened")
            time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn did not listen within a minute")


def collect_static() -> None:
    """The production settings serve static files through whitenoise's manifest: keep it current."""
    # Always: a manifest from an older checkout lacks newer files, and production settings refuse
    # a page whose static file is not in it (collectstatic only copies what changed).
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)


# --- Checks -------------------------------------------------------------------------------------


def check_database(saved, group_ids) -> list[str]:
    """Every save the client saw succeed is there, exactly; nothing else; no duplicates."""
    from django.db import connection
    from django.utils import timezone

    problems = [] if saved else ["no session was saved: nothing was tested (a longer --duration?)"]
    with connection.cursor() as cur:
        cur.execute(
            """SELECT s.group_id, s.date, a.participant_id, a.status
               FROM groups_session s JOIN groups_attendance a ON a.session_id = s.id
               WHERE s.group_id = ANY(%s) AND s.date > %s""",
            [list(group_ids), timezone.localdate() - datetime.timedelta(days=LOAD_DAYS + 1)],
        )
        in_db = defaultdict(dict)
        duplicates = 0
        for group_id, day, pid, status in cur.fetchall():
            duplicates += pid in in_db[(group_id, day)]
            in_db[(group_id, day)][pid] = status
        # A unique index (Django makes a UniqueConstraint with INCLUDE one), on exactly these two columns.
        cur.execute(
            """SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               WHERE c.relname = 'unique_attendance' AND i.indisunique AND i.indnkeyatts = 2
                 AND i.indrelid = 'groups_attendance'::regclass""")
        if cur.fetchone()[0] != 1:
            problems.append("the unique constraint on (session, participant) is missing")
        cur.execute(
            """SELECT count(*) FROM (SELECT session_id, count(*) FROM groups_attendance GROUP BY session_id
               HAVING count(*) <> %s) wrong""", [MEMBERS])
        wrong_counts = cur.fetchone()[0]
    expected = {(g, d): marks for g, d, marks in saved}
    lost = sum(1 for key, marks in expected.items() if in_db.get(key) != marks)
    extra = len(set(in_db) - set(expected))
    if lost:
        problems.append(f"{lost} saved sessions are missing or differ from the marks sent")
    if extra:
        problems.append(f"{extra} sessions in the database that no successful save created")
    if duplicates:
        problems.append(f"{duplicates} duplicated attendance rows")
    if wrong_counts:
        problems.append(f"{wrong_counts} sessions without exactly {MEMBERS} attendance rows")
    # The quarter summary the triggers kept during the concurrent saves equals a recount.
    from reporting.quarter_summary import differences

    off = differences()
    if off:
        problems.append(f"the quarter summary differs from a recount: {off[:3]}")
    print(f"Database: {len(expected)} saved sessions, {sum(len(m) for m in in_db.values())} attendance rows "
          f"checked; lost {lost}, unexpected {extra}, duplicated {duplicates}, sessions with a wrong count "
          f"{wrong_counts}; quarter summary {'differs' if off else 'equals a recount'}")
    return problems


def report(stats: Stats, duration: float) -> None:
    print()
    print(f"{'Request':20} {'count':>7} {'req/s':>7} {'p50':>8} {'p95':>8} {'max':>8}")
    for kind in ["login form", "login", "two-factor form", "two-factor code", "roll call form",
                 "roll call save", "group page", "dashboard"]:
        times = sorted(stats.times.get(kind, []))
        if not times:
            continue
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{kind:20} {len(times):>7} {len(times) / duration:>7.1f} {statistics.median(times) * 1000:>6.0f}ms "
              f"{p95 * 1000:>6.0f}ms {times[-1] * 1000:>6.0f}ms")
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses.items(), key=lambda kv: str(kv[0])))
    print(f"HTTP statuses: {statuses}")


def run_load(port, args, plan) -> tuple[Stats, list, float]:
    from django.urls import reverse
    from django.utils import timezone

    from reporting.periods import quarter

    stats, saved = Stats(), []
    today = timezone.localdate()
    period = quarter(today.year, (today.month - 1) // 3 + 1)
    dashboard = reverse("reporting:dashboard") + f"?municipality={plan['municipality']}&period={period.label}"
    started = time.monotonic()
    deadline = started + args.duration
    threads = [
        threading.Thread(target=social_worker, args=(port, name, gid, pids, deadline, stats, saved, i))
        for i, (name, gid, pids) in enumerate(plan["workers"])
    ] + [
        threading.Thread(target=coordinator, args=(port, name, key, deadline, stats, i, dashboard))
        for i, (name, key) in enumerate(plan["coordinators"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats, saved, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds of load (default 300)")
    parser.add_argument("--social-workers", type=int, default=50)
    parser.add_argument("--coordinators", type=int, default=4)
    parser.add_argument("--gunicorn-workers", type=int, default=3, help="gunicorn processes (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process (default 4)")
    args = parser.parse_args()

    url = load_database_url()
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    collect_static()
    plan = seed(args.social_workers, args.coordinators)
    # The cache database is the load test's own; start it empty, as after a deploy.
    import redis

    redis.Redis.from_url(load_cache_url()).flushdb()
    port = free_port()
    print(f"gunicorn on {HOST}:{port}: {args.gunicorn_workers} workers x {args.threads} threads; "
          f"{args.social_workers} social workers and {args.coordinators} coordinators for {args.duration:.0f} s")
    server = start_gunicorn(port, args, url)
    try:
        stats, saved, took = run_load(port, args, plan)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(stats, took)
    problems = stats.errors + check_database(saved, [gid for _, gid, _ in plan["workers"]])
    for problem in problems[:50]:
        print("ERROR:", problem)
    print("Load test", "FAILED" if problems else "passed: 0 errors, 0 lost, 0 duplicated")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
