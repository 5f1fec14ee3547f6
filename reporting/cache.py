"""Cached KPI figures for the dashboard, invalidated by a data version that every write bumps.

The dashboard recomputes the same aggregates on every load; at a million attendance rows that
is about half a second. Cached results are keyed by a *data version*: any change to data the
KPIs read (a save or delete of those models, a bulk write announced through
``collectief.signals.registration_changed``) stores a new version, so a cached figure is never
older than the data. A time limit guards against writes that bypass Django altogether (raw SQL).
Reports (PDF/CSV) never use this cache: their figures are always computed fresh.

The cache is an optimisation, never a requirement (issue 10): when Redis cannot be reached every
read computes the figures from the database, and a save never fails because of the cache. A data
version bump that cannot be stored leaves this process's cache *untrusted*: it reads no cached
figure until it has stored a new version (see docs/reporting.md, "When Redis or the worker fails").
"""

import hashlib
import logging
import threading
import time
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from collectief.models import GroupKind, LifeDomain, MunicipalityTarget, Neighbourhood, Team
from collectief.signals import registration_changed
from groups.models import Attendance, Group, Session
from participants.models import IndividualSupport, Participant

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
# socket timeout per interval, not one per signal of a save or per figure of a dashboard.
RETRY_AFTER = 5.0
VERSION_KEY = "reporting:data-version"
TIMEOUT = 15 * 60
WATCHED_MODELS = (
    Attendance, Session, Group, IndividualSupport, Participant, MunicipalityTarget, GroupKind, LifeDomain,
    Team, Neighbourhood,
)


class _State:
    """Per process: whether a version bump is still owed, and whether the cache is failing now."""

    lock = threading.Lock()
    # A data version bump failed: cached figures may be older than the data until one succeeds.
    untrusted = False
    failing = False
    retry_at = 0.0


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


def _bump() -> None:
    """Store a new data version; when that fails, distrust the cache until a later bump succeeds.

    Never raises: it runs in signal handlers and ``on_commit`` callbacks of a social worker's save.
    """
    if _resting():
        _State.untrusted = True
        return
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except CACHE_ERRORS as exc:
        _State.untrusted = True
        _failed(exc)
    except Exception:  # noqa: BLE001 - the save must not fail because of the cache
        _State.untrusted = True
        logger.exception("Could not store a new KPI data version")
    else:
        _State.untrusted = False
        _succeeded()


def data_version() -> str | None:
    """The current data version, or None when the cache cannot be used (unreachable, or a bump
    is still owed and cannot be stored yet): then the caller computes without the cache."""
    if _resting():
        return None
    if _State.untrusted:
        _bump()
        if _State.untrusted:
            return None
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, None)
            version = cache.get(VERSION_KEY)
    except CACHE_ERRORS as exc:
        _failed(exc)
        return None
    _succeeded()
    return version


def invalidate(**kwargs) -> None:
    """Store a new data version now, and again after commit.

    The second bump matters: a dashboard loaded between the write and its commit still sees the
    old data and may cache it under the first new version. Neither bump ever raises.
    """
    _bump()
    transaction.on_commit(_bump)


def _key(name: str, municipality, periods, version: str) -> str:
    spec = "|".join(f"{p.label}:{p.start}:{p.end}" for p in periods)
    digest = hashlib.sha256(spec.encode()).hexdigest()[:24]
    return f"reporting:{name}:{getattr(municipality, 'pk', municipality)}:{digest}:{version}"


def _cached(name: str, municipality, periods, compute):
    """``compute()`` through the cache; straight from the database when the cache fails."""
    version = data_version()
    if version is None:
        return compute()
    key = _key(name, municipality, periods, version)
    try:
        value = cache.get(key)
    except CACHE_ERRORS as exc:
        _failed(exc)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, TIMEOUT)
        except CACHE_ERRORS as exc:
            _failed(exc)
    return value


def cached_kpis(municipality, period) -> dict:
    return _cached("kpis", municipality, [period], lambda: kpi.compute_kpis(municipality, period))


def cached_trend(municipality, periods) -> list[dict]:
    return _cached("trend", municipality, periods, lambda: kpi.trend(municipality, periods))


def connect_signals() -> None:
    for model in WATCHED_MODELS:
        post_save.connect(invalidate, sender=model, dispatch_uid=f"kpi-cache-save-{model._meta.label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"kpi-cache-delete-{model._meta.label}")
    m2m_changed.connect(invalidate, sender=Group.life_domains.through, dispatch_uid="kpi-cache-domains")
    registration_changed.connect(invalidate, dispatch_uid="kpi-cache-bulk")
