"""Benchmark the speed goals of DESIGN.md on a large generated data set (``make bench``).

Uses its own database, ``collectief_bench`` (never the development database): creates it when
missing, migrates it, and fills it once with 50,000 participants, 2,000 groups, 100,000 sessions
and 1,000,000 attendance rows over four municipalities, generated in PostgreSQL with
``INSERT ... SELECT generate_series`` (well under a minute). Later runs reuse the data.

Then it times each goal (median of 5 runs after one warm-up) and prints measured against goal;
the exit status is non-zero when a measured goal is missed.

    .venv/bin/python scripts/bench.py             # reuse the data when it is there
    .venv/bin/python scripts/bench.py --regenerate

Environment: BENCH_DATABASE_URL (default: DATABASE_URL with the database name collectief_bench).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# scripts/ is on sys.path when this file runs as a script.
from ensure_database import ensure_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DB = "collectief_bench"
MUNICIPALITIES = ["Benchum", "Groot-Meten", "Snelwoude", "Tijdwerd"]
TEAMS_PER_MUNICIPALITY = 3
NEIGHBOURHOODS_PER_MUNICIPALITY = 10
PARTICIPANTS = 50_000
GROUPS = 2_000
SESSIONS_PER_GROUP = 50  # 100,000 sessions
MARKS_PER_SESSION = 10  # 1,000,000 attendance rows
MEMBERS_PER_GROUP = 12
INDIVIDUAL_SUPPORTS = 15_000
RUNS = 5


def bench_database_url() -> str:
    """BENCH_DATABASE_URL, or the development DATABASE_URL pointed at collectief_bench."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    dev = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collectief"))
    return urlunsplit(dev._replace(path=f"/{BENCH_DB}"))


def setup_django() -> None:
    # Point Django at the benchmark database before it reads its settings: the development
    # database must never receive a million generated rows.
    url = bench_database_url()
    if urlsplit(url).path.strip("/") == "collectief":
        sys.exit("Refusing to benchmark on the development database 'collectief'.")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collectief.settings")
    ensure_database(url)

    import django

    django.setup()


# --- Data ---------------------------------------------------------------------------------------


def data_present() -> bool:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM collectief_municipality WHERE name = ANY(%s)", [MUNICIPALITIES])
        if cur.fetchone()[0] != len(MUNICIPALITIES):
            return False
        cur.execute("SELECT (SELECT count(*) FROM groups_attendance), (SELECT count(*) FROM groups_session)")
        attendance, sessions = cur.fetchone()
    return attendance == GROUPS * SESSIONS_PER_GROUP * MARKS_PER_SESSION and sessions == GROUPS * SESSIONS_PER_GROUP


# Ids are given explicitly (the tables are emptied first), so rows can refer to each other by
# arithmetic instead of lookups. Team t (0-based, id t + 1) belongs to municipality t / 3;
# participant n is in team n % 12; group g is in team g % 12, and its member m is participant
# ((g*7 + m*131) % 4165 + 1) * 12 + g % 12, a member of the same team (so of the same
# municipality). Session k of group g is on start + 7k days; it has marks for members
# (k + j) % 12, j = 0..9: about 80% present, 12% absent, 8% excused.
GENERATE_SQL = [
    """TRUNCATE collectief_municipality, collectief_team, collectief_neighbourhood,
       participants_participant, groups_group, groups_session, groups_attendance,
       participants_individualsupport, collectief_municipalitytarget RESTART IDENTITY CASCADE""",
    """INSERT INTO collectief_municipality (id, name)
       SELECT i + 1, (%(municipalities)s::text[])[i + 1] FROM generate_series(0, %(n_mun)s - 1) i""",
    """INSERT INTO collectief_team (id, name, municipality_id)
       SELECT t + 1, 'Wijkteam ' || t, t / %(teams_per)s + 1
       FROM generate_series(0, %(n_teams)s - 1) t""",
    """INSERT INTO collectief_neighbourhood (id, name, municipality_id)
       SELECT i + 1, 'Wijk ' || i, i / %(hoods_per)s + 1
       FROM generate_series(0, %(n_mun)s * %(hoods_per)s - 1) i""",
    """INSERT INTO participants_participant (id, first_name, last_name, birth_date, postcode, phone, email,
           preferred_language, is_volunteer, external_id, created_at, updated_at, neighbourhood_id, team_id)
       SELECT n, 'Deelnemer', 'Nummer ' || n, DATE '1940-01-01' + (n * 37) %% 25000, '', '', '', 'nl',
              false, NULL, now(), now(),
              CASE WHEN n %% 10 = 0 THEN NULL
                   ELSE ((n %% %(n_teams)s) / %(teams_per)s) * %(hoods_per)s + (n / %(n_teams)s) %% %(hoods_per)s + 1
              END,
              n %% %(n_teams)s + 1
       FROM generate_series(1, %(participants)s) n""",
    """INSERT INTO groups_group (id, name, theme, location, rhythm, usual_weekday, usual_time,
           usual_duration_minutes, planned_sessions, capacity, status, start_date, end_date,
           handed_over_on, external_id, created_at, updated_at, framework_id, kind_id, neighbourhood_id, team_id)
       SELECT g + 1, 'Groep ' || lpad(g::text, 4, '0'), '', '', 'weekly', g %% 5, TIME '10:00', 90, 50, 12,
              CASE WHEN g %% 10 = 0 THEN 'self_running' ELSE 'running' END,
              DATE '2024-01-01' + (g * 37) %% 365, NULL,
              CASE WHEN g %% 10 = 0 THEN DATE '2024-06-01' + (g * 13) %% 500 END,
              NULL, now(), now(), 'wmo',
              CASE WHEN g %% 10 < 7 THEN 'support' WHEN g %% 10 < 9 THEN 'meet' ELSE 'youth' END,
              CASE WHEN g %% 4 = 0 THEN NULL
                   ELSE ((g %% %(n_teams)s) / %(teams_per)s) * %(hoods_per)s + g %% %(hoods_per)s + 1 END,
              g %% %(n_teams)s + 1
       FROM generate_series(0, %(groups)s - 1) g""",
    """INSERT INTO groups_group_life_domains (group_id, lifedomain_id)
       SELECT DISTINCT g.id, d.codes[1 + (g.id * s) %% array_length(d.codes, 1)]
       FROM groups_group g,
            (SELECT array_agg(code ORDER BY code) AS codes FROM collectief_lifedomain) d,
            generate_series(1, 3) s""",
    """INSERT INTO groups_session (id, date, start_time, duration_minutes, topic, status, head_count, notes,
           external_id, created_at, updated_at, created_by_id, group_id)
       SELECT g * %(per_group)s + k + 1, grp.start_date + 7 * k, TIME '10:00', 90, '',
              CASE WHEN (g * 31 + k * 17) %% 100 < 8 THEN 'cancelled' ELSE 'held' END,
              (g + k) %% 4, '', NULL, now(), now(), NULL, g + 1
       FROM generate_series(0, %(groups)s - 1) g
       JOIN groups_group grp ON grp.id = g + 1
       CROSS JOIN generate_series(0, %(per_group)s - 1) k""",
    """INSERT INTO groups_attendance (status, participant_id, session_id)
       SELECT CASE WHEN (s.id * 7 + j * 13) %% 100 < 80 THEN 'present'
                   WHEN (s.id * 7 + j * 13) %% 100 < 92 THEN 'absent' ELSE 'excused' END,
              ((s.g * 7 + ((s.k + j) %% %(members)s) * 131) %% (%(participants)s / %(n_teams)s - 1) + 1)
                  * %(n_teams)s + s.g %% %(n_teams)s,
              s.id
       FROM (SELECT id, (id - 1) / %(per_group)s AS g, (id - 1) %% %(per_group)s AS k FROM groups_session) s
       CROSS JOIN generate_series(0, %(marks)s - 1) j""",
    """INSERT INTO participants_individualsupport (product, start_date, end_date, created_at, framework_id,
           participant_id)
       SELECT 'Thuisondersteuning', DATE '2023-06-01' + (i * 53) %% 900,
              CASE WHEN i %% 2 = 0 THEN NULL ELSE DATE '2023-06-01' + (i * 53) %% 900 + 30 + i %% 300 END,
              now(), 'wmo', (i * 3) %% %(participants)s + 1
       FROM generate_series(1, %(supports)s) i""",
    """INSERT INTO collectief_municipalitytarget (year, residents_collective, municipality_id)
       SELECT y, 4000, m.id FROM collectief_municipality m, (VALUES (2024), (2025)) AS years(y)""",
]

SEQUENCE_TABLES = [
    "collectief_municipality", "collectief_team", "collectief_neighbourhood", "participants_participant",
    "groups_group", "groups_session",
]


def generate() -> None:
    from django.db import connection, transaction

    params = {
        "municipalities": MUNICIPALITIES,
        "n_mun": len(MUNICIPALITIES),
        "teams_per": TEAMS_PER_MUNICIPALITY,
        "n_teams": len(MUNICIPALITIES) * TEAMS_PER_MUNICIPALITY,
        "hoods_per": NEIGHBOURHOODS_PER_MUNICIPALITY,
        "participants": PARTICIPANTS,
        "groups": GROUPS,
        "per_group": SESSIONS_PER_GROUP,
        "marks": MARKS_PER_SESSION,
        "members": MEMBERS_PER_GROUP,
        "supports": INDIVIDUAL_SUPPORTS,
    }
    started = time.perf_counter()
    # One transaction: an interrupted run leaves the old state, never half a data set.
    with transaction.atomic(), connection.cursor() as cur:
        for statement in GENERATE_SQL:
            step = time.perf_counter()
            cur.execute(statement, params)
            what = " ".join(statement.split()[:3])
            print(f"  {what:50} {max(cur.rowcount, 0):>9} rows {time.perf_counter() - step:6.1f} s")
        for table in SEQUENCE_TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # fresh statistics and visibility map, as in a live database
    print(f"Generated the data set in {time.perf_counter() - started:.1f} s")


# --- Measurements -------------------------------------------------------------------------------


def median_seconds(fn, runs: int = RUNS) -> float:
    fn()  # warm-up: connection, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_kpi(municipality, period) -> float:
    from reporting.kpi import compute_kpis

    return median_seconds(lambda: compute_kpis(municipality, period))


def _bench_coordinator(municipality):
    """A coordinator of a team of the municipality (created once)."""
    from django.contrib.auth import get_user_model

    from collectief.models import Membership, Team

    user, _ = get_user_model().objects.get_or_create(username="bench-coordinator")
    team = Team.objects.filter(municipality=municipality).order_by("pk").first()
    Membership.objects.get_or_create(user=user, team=team, defaults={"role": Membership.Role.COORDINATOR})
    return user


def measure_dashboard(municipality, period) -> tuple[float, float]:
    """GET the coordinator dashboard for a municipality-quarter through the whole Django stack."""
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # lets the test client's "testserver" host in
    client = Client()
    client.force_login(_bench_coordinator(municipality))
    url = reverse("reporting:dashboard") + f"?municipality={municipality.pk}&period={period.label}"

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def get_after_a_change():
        # A new data version, as after any save: the figures are computed afresh.
        from reporting.cache import invalidate

        invalidate()
        get()

    return median_seconds(get), median_seconds(get_after_a_change)


def measure_quarterly_pdf(municipality, period) -> float:
    """Figures and PDF of a quarterly report, by the function the Celery task and the command call."""
    from reporting.models import QuarterlyReport
    from reporting.services import render_report_pdf

    year, q = period.start.year, (period.start.month - 1) // 3 + 1
    report = QuarterlyReport(municipality=municipality, year=year, quarter=q)
    return median_seconds(lambda: render_report_pdf(report), runs=3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regenerate", action="store_true", help="throw the data away and generate it again")
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command

    from collectief.models import Municipality
    from reporting.periods import quarter

    call_command("migrate", verbosity=0)
    if args.regenerate or not data_present():
        print("Generating the benchmark data set ...")
        generate()
    else:
        print("Reusing the benchmark data set in", os.environ["DATABASE_URL"].rsplit("/", 1)[-1])

    municipality = Municipality.objects.get(name=MUNICIPALITIES[0])
    # Q4: the quarter with the longest year-to-date range, so the heaviest target figure.
    period = quarter(2024, 4)
    dashboard, dashboard_after_change = measure_dashboard(municipality, period)
    goals = [
        (f"KPI set, {municipality} {period.label}", measure_kpi(municipality, period), 1.0),
        ("Dashboard page", dashboard, 0.3),
        ("Dashboard, first load after a change", dashboard_after_change, None),
        ("Quarterly PDF (worker)", measure_quarterly_pdf(municipality, period), 5.0),
    ]

    print()
    print(f"{'Goal':38} {'measured':>10} {'goal':>8}  result")
    missed = False
    for name, seconds, goal in goals:
        if goal is None:
            print(f"{name:38} {seconds * 1000:>8.0f}ms {'':>8}  (no goal; figures computed afresh)")
            continue
        if seconds is None:
            print(f"{name:38} {'–':>10} {goal * 1000:>6.0f}ms  not measured")
            continue
        ok = seconds < goal
        missed |= not ok
        print(f"{name:38} {seconds * 1000:>8.0f}ms {goal * 1000:>6.0f}ms  {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
