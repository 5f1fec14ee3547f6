"""Cached KPI figures for the dashboard, invalidated by a data version that every write advances.

The dashboard recomputes the same aggregates on every load; at a million attendance rows that
is about half a second. Cached results are keyed by a *data version*: any change to data the
KPIs read (a save or delete of those models, a bulk write announced through
``collectief.signals.registration_changed``) advances it, so a cached figure is never older than
the data. A time limit guards against writes that bypass Django altogether (raw SQL).
Reports (PDF/CSV) never use this cache: their figures are always computed fresh.

The data version is the PostgreSQL sequence ``reporting_data_version`` (migration 0005), not a
key in Redis: the write and its version live in the same database, so every process (web, worker,
shell) sees every write's new version, also when Redis could not be reached while the write was
made. A sequence is not transactional: a value taken is never given back by a rollback, and every
other session sees it at once (``last_value``). A write advances it after its commit (once per
transaction, ``nextval``), and the writing connection's own next read advances it first, so that
a read later in the same transaction does not get figures cached before the write. Costs: one
query per dashboard request, one per committed write.

The cache is an optimisation, never a requirement (issue 10): when Redis cannot be reached every
read computes the figures from the database, and a save never fails because of the cache (see
docs/reporting.md, "When Redis or the worker fails").
"""

import hashlib
import logging
import threading
import time

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from collectief.models import GroupKind, LifeDomain, MunicipalityTarget, Neighbourhood, Team
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
# The PostgreSQL sequence holding the data version (reporting/migrations/0005_data_version_sequence.py).
SEQUENCE = "reporting_data_version"
TIMEOUT = 15 * 60
WATCHED_MODELS = (
    Attendance, Session, Group, Enrolment, IndividualSupport, Participant, HelpRequest, RouteChange,
    MunicipalityTarget, GroupKind, LifeDomain, Team, Neighbourhood,
)


class _State:
    """Per process: whether the cache is failing now, and when to try it again."""

    lock = threading.Lock()
    failing = False
    retry_at = 0.0


class _Local(threading.local):
    """Per thread, that is per database connection:

    - ``dirty``: this connection's open transaction wrote data the KPIs read since it last read the
      version. Its next read advances the version first (``nextval`` instead of ``last_value``), so
      that figures cached earlier in the same transaction are not served to it. Nobody else can see
      the write before it is committed: for them the bump after commit is the one that counts.
    - ``active`` and ``version``: inside a request, the version read by its first figure, so that a
      dashboard asks PostgreSQL once. Figures computed later in the request are at least as new as
      that version; a write in the request forgets it.
    """

    dirty = False
    active = False
    version = None


_local = _Local()


def _request_started(**kwargs) -> None:
    _local.active, _local.version = True, None


def _request_finished(**kwargs) -> None:
    _local.active, _local.version = False, None


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


def _sequence(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, [SEQUENCE] if "%s" in sql else None)
        return cursor.fetchone()[0]


def _bump() -> None:
    """Advance the data version (``nextval``): in PostgreSQL, never in Redis. Runs after the commit
    of a write, in the writer's connection: it needs only the database the save itself used."""
    _local.dirty, _local.version = False, None
    _sequence("SELECT nextval(%s)")


def data_version() -> int:
    """The current data version, as every process sees it: the sequence's last value (read once
    per request), advanced first when this connection wrote since it last read it."""
    if _local.dirty:
        _local.dirty = False
        version = _sequence("SELECT nextval(%s)")
    elif _local.active and _local.version is not None:
        return _local.version
    else:
        # Not currval(): that is per session. last_value is the newest value any session took.
        version = _sequence(f"SELECT last_value FROM {SEQUENCE}")  # noqa: S608 - a constant name
    if _local.active:
        _local.version = version
    return version


def invalidate(**kwargs) -> None:
    """A write to data the KPIs read: advance the data version after commit (once per
    transaction), and before this connection's next read of it (``dirty``).

    The bump after commit is what every other process sees: a dashboard that read the version
    before it, and cached figures computed before the commit, cached them under a version that is
    then already old. An error after the commit (the database gone at that very moment) is logged,
    not raised: the data is saved by then. In autocommit mode the bump runs at once.
    """
    if kwargs.get("action", "post").startswith("pre_"):
        return  # m2m_changed: the post_add/post_remove/post_clear that follows is enough
    if connection.in_atomic_block:
        _local.dirty, _local.version = True, None
        if _bump_pending():
            return  # one bump after commit covers every write of the transaction
    transaction.on_commit(_bump, robust=True)


def _bump_pending() -> bool:
    """Whether this transaction already has its bump after commit (Django's list of callbacks:
    ``(savepoint ids, callback, robust)``; a callback of a rolled-back savepoint is gone from it)."""
    return any(_bump in entry for entry in connection.run_on_commit)


def _key(name: str, municipality, periods, version: int) -> str:
    spec = "|".join(f"{p.label}:{p.start}:{p.end}" for p in periods)
    digest = hashlib.sha256(spec.encode()).hexdigest()[:24]
    return f"reporting:{name}:{getattr(municipality, 'pk', municipality)}:{digest}:{version}"


def _cached(name: str, municipality, periods, compute):
    """``compute()`` through the cache; straight from the database when the cache fails."""
    if _resting():
        return compute()
    key = _key(name, municipality, periods, data_version())
    try:
        value = cache.get(key)
    except CACHE_ERRORS as exc:
        _failed(exc)
        return compute()
    except Exception:  # noqa: BLE001 - the dashboard must not fail because of the cache
        logger.exception("Could not read the KPI cache")
        return compute()
    _succeeded()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, TIMEOUT)
        except CACHE_ERRORS as exc:
            _failed(exc)
        except Exception:  # noqa: BLE001
            logger.exception("Could not store figures in the KPI cache")
    return value


def cached_kpis(municipality, period) -> dict:
    return _cached("kpis", municipality, [period], lambda: kpi.compute_kpis(municipality, period))


def cached_trend(municipality, periods) -> list[dict]:
    return _cached("trend", municipality, periods, lambda: kpi.trend(municipality, periods))


def connect_signals() -> None:
    request_started.connect(_request_started, dispatch_uid="kpi-cache-request-started")
    request_finished.connect(_request_finished, dispatch_uid="kpi-cache-request-finished")
    for model in WATCHED_MODELS:
        post_save.connect(invalidate, sender=model, dispatch_uid=f"kpi-cache-save-{model._meta.label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"kpi-cache-delete-{model._meta.label}")
    m2m_changed.connect(invalidate, sender=Group.life_domains.through, dispatch_uid="kpi-cache-domains")
    registration_changed.connect(invalidate, dispatch_uid="kpi-cache-bulk")
