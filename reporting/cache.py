"""Cached KPI figures for the dashboard: a save invalidates only the municipality and quarters it touches.

The dashboard recomputes the same aggregates on every load; at a million attendance rows that
is about half a second. Cached figures are keyed by *versions* (docs/performance.md, "Figures that
survive a save"):

- per municipality and quarter, the table ``reporting_figure_version`` (model ``FigureVersion``):
  a committed write of a watched model bumps the rows of the municipalities and quarters its dates
  fall in, old and new (a session moved from Q2 to Q3 bumps both). A figure of period P depends on
  data dated on or before P's end only (routes at the end of P, a resident's first session, the
  year to date), so its key holds the versions of its municipality's quarters up to P's end: a save
  in Q3 leaves Q1 and Q2 cached, a correction in a closed quarter refreshes that quarter and those
  after it. The row of quarter 0001-01-01 stands for every quarter (a group or a resident edited).
- the global *data version*, the PostgreSQL sequence ``reporting_data_version`` (migration 0005),
  part of every key: advanced by writes whose scope is unknown (a bulk write announced through
  ``collectief.signals.registration_changed`` without ``scopes``, a code list, a team, a
  neighbourhood, another process's raw SQL). A time limit guards against writes that bypass Django
  and announce nothing.

Reports (PDF/CSV) never use this cache: their figures are always computed fresh.

Versions live in the database of the write, not in Redis: every process (web, worker, shell) sees
every write, also when Redis could not be reached while it was made. A row's version is a value of
the sequence ``reporting_figure_version_seq``, never taken twice (a rollback does not give it back),
so a set of versions once seen — also inside a transaction that was rolled back — never comes back
and a key never names figures of another state. A write bumps after its commit (once per
transaction, one UPSERT for all it touched); the writing connection's own next read bumps first,
inside its transaction, so that a read later in the same transaction does not get figures cached
before the write. Costs: one query per dashboard request (all versions of the municipality and the
global one), one per save to find what it touches (two for an update: before and after), one per
committed transaction.

The cache is an optimisation, never a requirement (issue 10): when Redis cannot be reached every
read computes the figures from the database, and a save never fails because of the cache (see
docs/reporting.md, "When Redis or the worker fails").
"""

import datetime
import hashlib
import logging
import threading
import time
from array import array

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from collectief.models import EndReason, GroupKind, LifeDomain, MunicipalityTarget, Neighbourhood, Team
from collectief.signals import registration_changed
from groups.models import Attendance, Enrolment, Group, Session
from participants.models import HelpRequest, IndividualSupport, Participant, RouteChange

from . import kpi

logger = logging.getLogger(__name__)

try:  # The production cache is Django's RedisCache (redis-py); other backends raise other errors.
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a dependency
    RedisError = OSError

# What an unreachable or misbehaving cache raises: redis-py's ConnectionError/TimeoutError (both
# RedisError), socket errors, and the generic errors of other backends.
CACHE_ERRORS = (RedisError, OSError, TimeoutError, ConnectionError)

# After a failure the cache is left alone this many seconds: an unreachable Redis then costs one
# socket timeout per interval, not one per figure of a dashboard.
RETRY_AFTER = 5.0
# The PostgreSQL sequence holding the global data version (reporting/migrations/0005_data_version_sequence.py).
SEQUENCE = "reporting_data_version"
# The table and sequence of the versions per municipality and quarter (migration 0006).
TABLE = "reporting_figure_version"
VERSION_SEQUENCE = "reporting_figure_version_seq"
# The quarter_start that stands for every quarter of a municipality.
EVERY_QUARTER = datetime.date(1, 1, 1)
TIMEOUT = 15 * 60

# What a write of each model touches: the path to its municipality and the dates from which on the
# figures may change (the earliest counts; none: every quarter). Read from the database by primary
# key, before an update or delete (the old state) and after a save (the new state).
SCOPES = {
    Attendance: ("session__group__team__municipality_id", ["session__date"]),
    Session: ("group__team__municipality_id", ["date"]),
    Group: ("team__municipality_id", []),
    # An enrolment matched to a help request moves that request's first session (waiting days).
    Enrolment: ("group__team__municipality_id", ["start_date", "help_request__date"]),
    IndividualSupport: ("participant__team__municipality_id", ["start_date"]),
    Participant: ("team__municipality_id", []),
    HelpRequest: ("participant__team__municipality_id", ["date"]),
    RouteChange: ("help_request__participant__team__municipality_id", ["help_request__date", "date"]),
    MunicipalityTarget: ("municipality_id", ["year"]),
}
# Code lists and organisation: a change may move any figure anywhere (the global version).
GLOBAL_MODELS = (GroupKind, LifeDomain, EndReason, Team, Neighbourhood)
WATCHED_MODELS = (*SCOPES, *GLOBAL_MODELS)


class _State:
    """Per process: whether the cache is failing now, and when to try it again."""

    lock = threading.Lock()
    failing = False
    retry_at = 0.0


class _Local(threading.local):
    """Per thread, that is per database connection:

    - ``dirty`` and ``pending``: this connection's open transaction wrote data of unknown scope
      (``dirty``) or of these (municipality, quarter) scopes (``pending``) since it last read the
      versions. Its next read bumps them first, inside the transaction, so that figures cached
      earlier in the same transaction are not served to it. Nobody else can see the write before it
      is committed: for them the bump after commit is the one that counts.
    - ``active`` and ``versions``: inside a request, the versions read by its first figure per
      municipality, so that a dashboard asks PostgreSQL once. Figures computed later in the request
      are at least as new as those versions; a write in the request forgets them.
    - ``session_scopes``: what the attendance of a session touches, remembered while a cascade
      deletes its rows (one query per session, not per row).
    """

    dirty = False
    pending: set = frozenset()
    active = False
    versions: dict = {}  # noqa: RUF012 - replaced, never mutated in place
    session_scopes: dict = {}  # noqa: RUF012


_local = _Local()


def _forget_versions() -> None:
    _local.versions = {}


def _request_started(**kwargs) -> None:
    _local.active, _local.versions, _local.session_scopes = True, {}, {}


def _request_finished(**kwargs) -> None:
    _local.active, _local.versions, _local.session_scopes = False, {}, {}


def _resting() -> bool:
    """True while the cache failed less than RETRY_AFTER seconds ago: do not even try it."""
    return _State.failing and time.monotonic() < _State.retry_at


def _failed(exc: BaseException) -> None:
    """Log a cache failure once per outage (not once per request)."""
    with _State.lock:
        first, _State.failing = not _State.failing, True
        _State.retry_at = time.monotonic() + RETRY_AFTER
    if first:
        logger.warning("KPI cache unavailable, computing figures without it: %s: %s", exc.__class__.__name__, exc)


def _succeeded() -> None:
    if _State.failing:
        _State.failing = False
        logger.warning("KPI cache reachable again")


# --- Versions ------------------------------------------------------------------------------------


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _bump_scopes(scopes) -> None:
    """One UPSERT: every (municipality, quarter) gets a fresh value of the version sequence. GREATEST:
    a concurrent bump that took a larger value first keeps it (it came after this write's commit)."""
    municipalities, quarters = zip(*sorted(scopes), strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (municipality_id, quarter_start, version) "  # noqa: S608 - constant names
            f"SELECT m, q, nextval('{VERSION_SEQUENCE}') FROM unnest(%s::bigint[], %s::date[]) AS s(m, q) "
            f"ON CONFLICT (municipality_id, quarter_start) "
            f"DO UPDATE SET version = GREATEST({TABLE}.version, EXCLUDED.version)",
            [list(municipalities), list(quarters)],
        )


def _bump_global() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SEQUENCE])


class _Bump:
    """The bump after commit of one transaction: everything it touched (``None``: unknown scope)."""

    def __init__(self):
        self.scopes: set = set()
        self.everything = False

    def add(self, scopes) -> None:
        if scopes is None:
            self.everything = True
        else:
            self.scopes |= scopes

    def __call__(self) -> None:
        _local.dirty, _local.pending, _local.session_scopes = False, frozenset(), {}
        _forget_versions()
        if self.everything:
            _bump_global()
        if self.scopes:
            _bump_scopes(self.scopes)


def _apply_pending() -> None:
    """This connection wrote in its open transaction: bump inside it before reading the versions."""
    if _local.dirty:
        _local.dirty = False
        _bump_global()
    if _local.pending:
        scopes, _local.pending = _local.pending, frozenset()
        _bump_scopes(scopes)


def _read_versions(mid) -> tuple[int, list[tuple[datetime.date, int]]]:
    """The global version and the municipality's (quarter_start, version) rows, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT NULL::date, last_value FROM {SEQUENCE} UNION ALL "  # noqa: S608 - constant names
            f"SELECT quarter_start, version FROM {TABLE} WHERE municipality_id = %s",
            [mid],
        )
        rows = cursor.fetchall()
    overall = next(version for quarter, version in rows if quarter is None)
    return overall, sorted((quarter, version) for quarter, version in rows if quarter is not None)


def _versions(mid):
    _apply_pending()
    if _local.active and mid in _local.versions:
        return _local.versions[mid]
    versions = _read_versions(mid)
    if _local.active:
        _local.versions = {**_local.versions, mid: versions}
    return versions


def data_version() -> int:
    """The global data version, as every process sees it: the sequence's last value, advanced first
    when this connection wrote since it last read it."""
    _apply_pending()
    # Not currval(): that is per session. last_value is the newest value any session took.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {SEQUENCE}")  # noqa: S608 - a constant name
        return cursor.fetchone()[0]


def _version_tag(versions, end: datetime.date) -> str:
    """The versions a figure of a period ending on ``end`` depends on, as a short digest."""
    overall, rows = versions
    spec = ",".join(f"{quarter.isoformat()}={version}" for quarter, version in rows if quarter <= end)
    return hashlib.sha256(f"{overall}|{spec}".encode()).hexdigest()[:24]


# --- Invalidation --------------------------------------------------------------------------------


def invalidate(scopes=None, **kwargs) -> None:
    """A write to data the KPIs read: bump what it touched after commit (once per transaction), and
    before this connection's next read of the versions.

    ``scopes``: (municipality id, date) pairs; a date of None means every quarter of it; no scopes
    at all (``None``), as for a bulk write announced without them: everything (the global version).
    The bump after commit is what every other process sees: figures cached before it are under
    versions that are then already old. An error after the commit (the database gone at that very
    moment) is logged, not raised: the data is saved by then. In autocommit mode it runs at once.
    """
    if kwargs.get("action", "post").startswith("pre_"):
        return  # m2m_changed: the post_add/post_remove/post_clear that follows is enough
    if scopes is not None:
        scopes = {(mid, EVERY_QUARTER if day is None else _quarter_start(day)) for mid, day in scopes if mid}
        if not scopes:
            return
    _forget_versions()
    if connection.in_atomic_block:
        if scopes is None:
            _local.dirty = True
        else:
            _local.pending = _local.pending | scopes
    bump = next((entry[1] for entry in connection.run_on_commit if isinstance(entry[1], _Bump)), None)
    if bump is None:  # none yet in this transaction (a rolled-back savepoint's is gone from the list)
        bump = _Bump()
        bump.add(scopes)
        transaction.on_commit(bump, robust=True)
    else:
        bump.add(scopes)


def _earliest(values) -> datetime.date | None:
    days = [datetime.date(v, 1, 1) if isinstance(v, int) else v for v in values if v is not None]
    return min(days) if days else None


def scopes_of(model, pks) -> set:
    """What the rows ``pks`` of ``model`` touch now: {(municipality id, earliest date or None)}."""
    municipality, dates = SCOPES[model]
    rows = model._default_manager.filter(pk__in=pks).values_list(municipality, *dates)
    return {(row[0], _earliest(row[1:]) if dates else None) for row in rows}


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    """Remember what an existing row touches before its update: a move bumps the old scope too."""
    if raw or instance._state.adding or instance.pk is None:
        instance._kpi_old_scopes = set()
    else:
        instance._kpi_old_scopes = scopes_of(sender, [instance.pk])


def _after_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        invalidate()
        return
    old = getattr(instance, "_kpi_old_scopes", set())
    if created and sender is Participant:
        return  # a new resident has no attendance, support or requests yet: no figure changes
    new = scopes_of(sender, [instance.pk])
    if sender is Session:
        # The roll call writes the session's attendance next, in the same transaction: remembered
        # here, its announcement costs no second lookup (the session save stays at 12 queries).
        _local.session_scopes = {**_local.session_scopes, instance.pk: new}
    invalidate(old | new)


def _before_delete(sender, instance, **kwargs) -> None:
    """A deleted row's scope, read while it still exists (a cascade: per session, not per mark)."""
    if sender is Attendance:
        scopes = _local.session_scopes.get(instance.session_id)
        if scopes is None:
            scopes = scopes_of(Session, [instance.session_id])
            _local.session_scopes = {**_local.session_scopes, instance.session_id: scopes}
    else:
        scopes = scopes_of(sender, [instance.pk])
    invalidate(scopes)


def _domains_changed(sender, instance, action, **kwargs) -> None:
    """A group's life domains: every quarter of its municipality; from the life domain's side: everything."""
    if action.startswith("pre_"):
        return
    invalidate(scopes_of(Group, [instance.pk]) if isinstance(instance, Group) else None)


def _announced(sender, scopes=None, sessions=None, **kwargs) -> None:
    """``registration_changed``: a bulk write, with what it touched when the sender knows it — the
    (municipality id, date) pairs ``scopes`` and/or the ``sessions`` (ids or objects) whose
    attendance it wrote — else of unknown scope (everything)."""
    if sessions is not None:
        ids = [getattr(session, "pk", session) for session in sessions]
        known = [pk for pk in ids if pk in _local.session_scopes]
        touched = set().union(*(_local.session_scopes[pk] for pk in known))
        if len(known) < len(ids):
            touched |= scopes_of(Session, [pk for pk in ids if pk not in _local.session_scopes])
        scopes = touched | set(scopes or ())
    invalidate(scopes)


# --- Cached figures ------------------------------------------------------------------------------


def _key(name: str, mid, period, tag: str) -> str:
    spec = f"{period.label}:{period.start}:{period.end}"
    digest = hashlib.sha256(spec.encode()).hexdigest()[:24]
    return f"reporting:{name}:{mid}:{digest}:{tag}"


def _cache_read(keys: list[str]) -> dict | None:
    """``cache.get_many`` that never fails the dashboard: None when the cache cannot be read."""
    try:
        found = cache.get_many(keys)
    except CACHE_ERRORS as exc:
        _failed(exc)
        return None
    except Exception:  # noqa: BLE001 - the dashboard must not fail because of the cache
        logger.exception("Could not read the KPI cache")
        return None
    _succeeded()
    return found


def _cache_store(values: dict) -> None:
    """``cache.set_many`` that never fails the dashboard."""
    try:
        cache.set_many(values, TIMEOUT)
    except CACHE_ERRORS as exc:
        _failed(exc)
    except Exception:  # noqa: BLE001
        logger.exception("Could not store figures in the KPI cache")


def _cached_many(name: str, municipality, periods, compute) -> list:
    """One figure per period through the cache: read in one round trip, the missing ones computed
    together by ``compute(missing periods)``; straight from the database when the cache fails."""
    if _resting():
        return compute(periods)
    mid = getattr(municipality, "pk", municipality)
    versions = _versions(mid)
    keys = [_key(name, mid, period, _version_tag(versions, period.end)) for period in periods]
    found = _cache_read(keys)
    if found is None:
        return compute(periods)
    missing = [i for i, key in enumerate(keys) if key not in found]
    if missing:
        fresh = dict(zip((keys[i] for i in missing), compute([periods[i] for i in missing]), strict=True))
        _cache_store(fresh)
        found = {**found, **fresh}
    return [found[key] for key in keys]


def _earlier_in_year(municipality, period):
    """The residents present at a counting session of the municipality from 1 January to the day
    before P starts (the part of the year to date before P), through the cache; None when there is
    no such part or the cache fails (compute_kpis then computes it in its own statement).

    Kept like a figure of the period that ends the day before P: its key holds the versions of the
    quarters up to that day, so a save in P leaves it cached and a correction before P refreshes it.
    Only resident ids are kept (no name or other detail), for at most TIMEOUT seconds.
    """
    before = kpi.year_to_date_before(period)
    if before is None or _resting():
        return None
    start, end = before
    mid = getattr(municipality, "pk", municipality)
    key = f"reporting:present:{mid}:{start.isoformat()}:{end.isoformat()}:{_version_tag(_versions(mid), end)}"
    found = _cache_read([key])
    if found is None:
        return None
    if key in found:
        return array("q", found[key])
    ids = kpi.present_residents(mid, start, end)
    _cache_store({key: array("q", ids).tobytes()})
    return ids


def compute_kpis(municipality, period) -> dict:
    """The KPI set as the dashboard computes it: like ``kpi.compute_kpis``, with the part of the
    year to date before P read from the cache (the closed quarters are not scanned again after a
    save in P). Reports never come here: they compute everything from the database."""
    return kpi.compute_kpis(municipality, period, earlier_in_year=_earlier_in_year(municipality, period))


def cached_kpis(municipality, period) -> dict:
    return _cached_many("kpis", municipality, [period], lambda periods: [compute_kpis(municipality, period)])[0]


def cached_quality(municipality, period, teams=None) -> dict:
    """The dashboard's data-quality panel (reporting/quality.py), kept like a figure of the period:
    its lists depend on the municipality's groups, sessions and attendance up to P's end only.
    ``teams`` (the user's own, issue 9) is part of the key. Holds group and session rows (names,
    dates, team), never a resident."""
    from . import quality

    scope = "all" if teams is None else ",".join(str(getattr(team, "pk", team)) for team in sorted(
        teams, key=lambda team: getattr(team, "pk", team)))
    name = f"quality:{hashlib.sha256(scope.encode()).hexdigest()[:16]}"
    return _cached_many(name, municipality, [period],
                        lambda periods: [quality.data_quality(municipality, period, teams=teams)])[0]


def cached_trend(municipality, periods) -> list[dict]:
    """The trend, cached per period: closed quarters are read, only the touched ones recomputed."""
    return _cached_many("trend", municipality, list(periods), lambda missing: kpi.trend(municipality, missing))


def connect_signals() -> None:
    request_started.connect(_request_started, dispatch_uid="kpi-cache-request-started")
    request_finished.connect(_request_finished, dispatch_uid="kpi-cache-request-finished")
    for model in SCOPES:
        label = model._meta.label
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"kpi-cache-before-save-{label}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"kpi-cache-save-{label}")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"kpi-cache-delete-{label}")
    for model in GLOBAL_MODELS:
        label = model._meta.label
        post_save.connect(invalidate, sender=model, dispatch_uid=f"kpi-cache-save-{label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"kpi-cache-delete-{label}")
    m2m_changed.connect(_domains_changed, sender=Group.life_domains.through, dispatch_uid="kpi-cache-domains")
    registration_changed.connect(_announced, dispatch_uid="kpi-cache-bulk")
