"""Reads of the dashboard and the report figures from a PostgreSQL streaming replica (issue 14).

Active only when ``DATABASE_REPLICA_URL`` is set (settings add the ``replica`` database and this
router). Everything else, and all writes, use the primary (``default``); migrations run only there.

Code opts in with ``read_from_replica()``, as a context manager or as a decorator (the dashboard
view and ``reporting.services.build_figures``); no other code changes database. Inside it the ORM's
reads go to the replica, but only when that is safe. The rule ("never older than the data"):

- **A replica read sees everything the primary had committed** when this thread last talked to the
  primary. At the first replica read, and again at the first one after any query this thread sent
  to the primary (the dashboard's data version, for example), the primary's WAL flush position
  (``pg_current_wal_flush_lsn()``) is compared with the replica's replay position
  (``pg_last_wal_replay_lsn()``). The read waits up to ``DATABASE_REPLICA_MAX_LAG`` seconds for the
  replica to catch up; a replica still behind then is not used. This covers every write committed
  before, by this user on any web node, by anybody else, and by Celery: a session saved a moment
  ago shows on the next dashboard, and figures are never cached under a data version the replica
  has not reached. (A replay *timestamp* would not: it only moves when something is written.)
- **Anything read after a write stays on the primary**: once code inside the block writes, or
  while the primary connection is inside a transaction, every further read uses the primary.
- **A missing, lagging or failing replica costs nothing but speed**: it cannot be reached (short
  connect timeout), is not in recovery, or stays behind → the primary, and the replica is left
  alone for ``RETRY_AFTER`` seconds. An error on the replica halfway (a conflict with recovery, the
  replica gone) makes the decorated function run again on the primary: never a 500.

See docs/deployment.md for the topology.
"""

import contextlib
import contextvars
import functools
import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
# After the replica failed or stayed behind, it is left alone this many seconds (per process).
RETRY_AFTER = 30.0
DEFAULT_MAX_LAG = 0.5


class _Down:
    """Per process: until when the replica is not tried (it failed or lagged)."""

    lock = threading.Lock()
    until = 0.0
    reported = False


class _Block:
    """One ``read_from_replica()`` block in one thread."""

    def __init__(self):
        self.wrote = False
        self.checked = False  # the replica has replayed what the primary had when we last asked it
        self.checking = False
        self.unusable = False
        self.used = False  # a read went to the replica


_block: contextvars.ContextVar[_Block | None] = contextvars.ContextVar("replica_block", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def reset() -> None:
    """Forget that the replica failed or lagged (tests; an operator's shell)."""
    with _Down.lock:
        _Down.until, _Down.reported = 0.0, False


def _mark_down(reason: str) -> None:
    with _Down.lock:
        first, _Down.reported = not _Down.reported, True
        _Down.until = time.monotonic() + RETRY_AFTER
    if first:
        logger.warning("Reading from the primary for %.0f s: the replica %s", RETRY_AFTER, reason)


def _max_lag() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", DEFAULT_MAX_LAG))


def _caught_up() -> bool:
    """Whether the replica has replayed the primary's flushed WAL, waiting up to the maximum lag."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + _max_lag()
    pause = 0.002
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [target]
            )
            in_recovery, replayed = cursor.fetchone()
            if not in_recovery:
                _mark_down("is not in recovery (not a standby)")
                return False
            if replayed:
                return True
            if time.monotonic() >= deadline:
                _mark_down(f"lags more than {_max_lag()} s behind the primary")
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


def _usable(block: _Block) -> bool:
    if block.unusable or block.wrote or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    if block.checked:
        return True
    if time.monotonic() < _Down.until:
        return False
    block.checking = True
    try:
        block.checked = _caught_up()
    except DatabaseError as exc:
        _mark_down(f"cannot be reached: {exc.__class__.__name__}")
        _close_replica()
        block.checked = False
    finally:
        block.checking = False
    block.unusable = not block.checked
    return block.checked


def _close_replica() -> None:
    with contextlib.suppress(Exception):
        connections[REPLICA].close()


class ReplicaRouter:
    """Reads inside ``read_from_replica()`` to the replica when safe; everything else to the primary."""

    def db_for_read(self, model, **hints):
        block = _block.get()
        if block is not None and replica_configured() and _usable(block):
            block.used = True
            return REPLICA
        # Explicit: an object read from the replica must not send its related reads there later.
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        block = _block.get()
        if block is not None:
            block.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The same rows on both: an object read from the replica may refer to one from the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _primary_used(execute, sql, params, many, context):
    """Any query to the primary inside the block: the replica must catch up again before the next
    replica read (so that it has at least what that query saw)."""
    block = _block.get()
    if block is not None and not block.checking:
        block.checked = False
    return execute(sql, params, many, context)


class read_from_replica(contextlib.ContextDecorator):  # noqa: N801 - used like a function
    """Reads in this block go to the replica when that is safe (see the module's docstring).

    As a decorator, an error on the replica halfway makes the function run again on the primary:
    only for functions that read (a view of GET requests, a computation of figures).
    """

    def __enter__(self):
        if _block.get() is not None or not replica_configured():
            self._token = None
            return self
        self._token = _block.set(_Block())
        self._wrapper = connections[DEFAULT_DB_ALIAS].execute_wrapper(_primary_used)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc_info):
        if self._token is not None:
            self._wrapper.__exit__(*exc_info)
            _block.reset(self._token)
        return False

    def _recreate_cm(self):
        return type(self)()  # a decorated view runs in many threads at once: a block of its own each

    def __call__(self, func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            with self._recreate_cm() as block_cm:
                try:
                    return func(*args, **kwargs)
                except DatabaseError as exc:
                    block = _block.get()
                    if block_cm._token is None or block is None or not block.used:
                        raise
                    # The replica failed halfway (gone, or a query cancelled by recovery): again,
                    # on the primary. A failure of the primary itself is raised by that second run.
                    _mark_down(f"failed: {exc.__class__.__name__}")
                    _close_replica()
                    block.unusable = True
            return func(*args, **kwargs)

        return inner
