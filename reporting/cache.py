"""Cached KPI figures for the dashboard, invalidated by a data version that every write bumps.

The dashboard recomputes the same aggregates on every load; at a million attendance rows that
is about half a second. Cached results are keyed by a *data version*: any change to data the
KPIs read (a save or delete of those models, a bulk write announced through
``collectief.signals.registration_changed``) stores a new version, so a cached figure is never
older than the data. A time limit guards against writes that bypass Django altogether (raw SQL).
Reports (PDF/CSV) never use this cache: their figures are always computed fresh.
"""

import hashlib
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from collectief.models import GroupKind, LifeDomain, MunicipalityTarget, Neighbourhood, Team
from collectief.signals import registration_changed
from groups.models import Attendance, Group, Session
from participants.models import IndividualSupport, Participant

from . import kpi

VERSION_KEY = "reporting:data-version"
TIMEOUT = 15 * 60
WATCHED_MODELS = (
    Attendance, Session, Group, IndividualSupport, Participant, MunicipalityTarget, GroupKind, LifeDomain,
    Team, Neighbourhood,
)


def data_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def invalidate(**kwargs) -> None:
    """Store a new data version now, and again after commit.

    The second bump matters: a dashboard loaded between the write and its commit still sees the
    old data and may cache it under the first new version.
    """
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def _key(name: str, municipality, periods) -> str:
    spec = "|".join(f"{p.label}:{p.start}:{p.end}" for p in periods)
    digest = hashlib.sha256(spec.encode()).hexdigest()[:24]
    return f"reporting:{name}:{getattr(municipality, 'pk', municipality)}:{digest}:{data_version()}"


def cached_kpis(municipality, period) -> dict:
    key = _key("kpis", municipality, [period])
    figures = cache.get(key)
    if figures is None:
        figures = kpi.compute_kpis(municipality, period)
        cache.set(key, figures, TIMEOUT)
    return figures


def cached_trend(municipality, periods) -> list[dict]:
    key = _key("trend", municipality, periods)
    rows = cache.get(key)
    if rows is None:
        rows = kpi.trend(municipality, periods)
        cache.set(key, rows, TIMEOUT)
    return rows


def connect_signals() -> None:
    for model in WATCHED_MODELS:
        post_save.connect(invalidate, sender=model, dispatch_uid=f"kpi-cache-save-{model._meta.label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"kpi-cache-delete-{model._meta.label}")
    m2m_changed.connect(invalidate, sender=Group.life_domains.through, dispatch_uid="kpi-cache-domains")
    registration_changed.connect(invalidate, dispatch_uid="kpi-cache-bulk")
