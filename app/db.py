"""Database building blocks shared by every capability.

- ``Base``: the declarative base, with a constraint naming convention so that Alembic (and
  SQLite batch mode) can name, alter and drop every constraint.
- ``UTCDateTime``: timezone-aware UTC datetimes on both SQLite and PostgreSQL.
- ``VersionedMixin``: the ``version_id_col`` optimistic lock for contended rows.
- ``transaction()``: the unit of work. Services own it; views and models never commit.
- ``retry_on_conflict``: the one retry helper for optimistic-lock and serialization conflicts.

How contended rows are written: a version-checked read-then-write on a hot row loses most of
its attempts under a rush (see docs/DESIGN.md). Services therefore write contended counters
with a compare-and-set on the invariant itself (``app.writes.compare_and_set``), e.g. stock less ``q``
where ``id`` matches and ``stock >= q``, version bumped, and read what it returned. That statement never fails spuriously, and because it bumps
``version`` in the same statement, any ORM writer that loaded the row earlier still gets its
``StaleDataError`` and is retried by ``retry_on_conflict``.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import random
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Callable

from flask import current_app, has_request_context, request
from flask_babel import gettext
from sqlalchemy import DateTime, Integer, MetaData, event
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from app.errors import ConflictRetryExhausted
from app.metrics import CONFLICT_RETRIES, CONFLICT_RETRIES_EXHAUSTED

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Ids are 32-bit INTEGER columns: a larger number can only be unknown, and PostgreSQL would
# reject it with a driver error rather than find nothing.
MAX_ID = 2**31 - 1


def is_id(value) -> bool:
    """True for an int that can be a row id (bool is not an id)."""
    return type(value) is int and 1 <= value <= MAX_ID


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with its offset, as the API and the export payloads show times; None stays None."""
    return moment.isoformat() if moment is not None else None


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back an aware UTC datetime (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class VersionedMixin:
    """Optimistic lock: every ORM UPDATE checks and bumps ``version``."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805 - SQLAlchemy's declared_attr signature
        return {"version_id_col": cls.version}


# Write transactions on SQLite must take the write lock up front (BEGIN IMMEDIATE): a
# deferred transaction that later upgrades to a writer fails at once with "database is
# locked" instead of waiting on the busy timeout.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


def configure_sqlite(engine) -> None:
    """WAL, foreign keys and write-intent-aware BEGIN for a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


# Read through the module so that tests can move time on without sleeping.
_clock = time.monotonic


def ping_idle_connections(engine, idle_seconds: float) -> None:
    """Before a pooled connection is used, ping it if it sat idle longer than ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout, a round trip per request that
    measured ~0.15 ms of CPU per checkout (docs/BENCHMARKS.md). A connection handed back
    a moment ago is almost surely still alive, so, like HikariCP's 500 ms bypass window,
    only one that sat idle longer is pinged; a dead one is replaced before the request sees
    it, and, as with ``pool_pre_ping``, every connection opened before it is dropped too
    (the database has probably restarted). What that gives up: a database restart in the
    middle of steady traffic fails the requests running at that moment, as it would anyway,
    plus at most the next request on each connection used within the window; the first such
    failure makes the pool drop every older connection.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _note_idle_since(dbapi_connection, record):
        record.info["idle_since"] = _clock()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        # A connection just opened has no stamp (SQLAlchemy clears ``info`` on reconnect).
        idle_since = record.info.get("idle_since")
        if idle_since is None or _clock() - idle_since <= idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise InvalidatePoolError(f"an idle connection failed its ping: {error}") from error


# Methods whose requests only read (a view that writes still opens ``transaction()``).
READ_METHODS = frozenset({"GET", "HEAD"})


def read_in_autocommit(engine) -> None:
    """On PostgreSQL, let a GET or HEAD request read in autocommit, outside a transaction.

    At READ COMMITTED every statement sees the newest committed rows whether or not it sits
    in a transaction, so a read-only request gains nothing from BEGIN and ROLLBACK but pays
    two round trips for them. And psycopg forgets its prepared statements at every ROLLBACK:
    a read that ends in one is planned afresh each time. In autocommit there is neither, so
    a page's statements are prepared after their fifth use on a connection (psycopg's
    ``prepare_threshold``). ``transaction()`` leaves autocommit before it writes.
    """

    @event.listens_for(engine, "engine_connect")
    def _read_in_autocommit(connection):
        if (not _write_intent.get() and has_request_context()
                and request.method in READ_METHODS):
            connection.execution_options(isolation_level="AUTOCOMMIT")


def _reads_in_autocommit(session) -> bool:
    return session.connection().get_execution_options().get("isolation_level") == "AUTOCOMMIT"


class UnitOfWork:
    """What a service sees inside ``transaction()``: the session and post-commit hooks."""

    def __init__(self, session):
        self.session = session
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (never on rollback)."""
        self._after_commit.append(callback)


@contextmanager
def transaction(*, single_write: bool = False):
    """One unit of work: commits when the block ends, rolls back if it raises.

    ``single_write=True`` promises that on PostgreSQL the block writes with at most one
    statement (it may read as it likes), and the block then runs in autocommit: that statement
    is atomic on its own, so the block spends no round trip on BEGIN or COMMIT, and the row
    locks the statement takes are released the moment it ends, not a client round trip
    later (docs/BENCHMARKS.md, hot-checkout). Elsewhere it is an ordinary transaction.

    Every object the session holds is expired first, so that each attempt of a retried
    service reads fresh rows even where an earlier commit left copies behind
    (``expire_on_commit`` is off so that views can render what a service returned).

    A transaction the caller already opened can only have read (only this block writes,
    and it always ends in COMMIT or ROLLBACK). On PostgreSQL, at READ COMMITTED, every
    statement sees the newest committed rows anyway, so that transaction simply goes on:
    a request that looked up its token and then claims a coupon checks a connection out
    of the pool, pings it and begins once, not twice (the second round cost ~0.8 ms of
    CPU; docs/BENCHMARKS.md). SQLite must end it: writers start with ``BEGIN IMMEDIATE``;
    so must ``single_write`` on PostgreSQL: a connection turns to autocommit only between
    transactions; and so must a GET request that read in autocommit (``read_in_autocommit``):
    its connection goes back to the pool (no round trip: nothing is open) and the block
    begins on one that is not in autocommit, so its statements commit together or not at all.
    """
    # The app's Flask-SQLAlchemy, found through the app: app.extensions imports this module.
    session = current_app.extensions["sqlalchemy"].session
    dialect = session.get_bind().dialect.name
    autocommit = single_write and dialect == "postgresql"
    if session().in_transaction() and (dialect == "sqlite" or autocommit
                                       or _reads_in_autocommit(session)):
        session.rollback()
    session.expire_all()
    if autocommit:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    uow = UnitOfWork(session)
    token = _write_intent.set(True)
    try:
        yield uow
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_intent.reset(token)
    for callback in uow._after_commit:
        callback()


_CONFLICT_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def is_conflict(exc: BaseException) -> bool:
    """True for errors that a fresh attempt of the same unit of work can get past."""
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        if getattr(orig, "sqlstate", None) in _CONFLICT_SQLSTATES:
            return True
        message = str(orig).lower()
        return "database is locked" in message or "database table is locked" in message
    return False


def retry_on_conflict(attempts: int, *, base_delay: float = 0.005, max_delay: float = 0.2):
    """Retry the whole unit of work on a conflict, with full-jitter exponential backoff.

    The decorated function must open its own ``transaction()`` so that every attempt runs
    in a fresh transaction on fresh rows. Raises ``ConflictRetryExhausted`` when the last
    attempt also conflicts; any other error passes straight through.
    """

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return fn(*args, **kwargs)
                except (StaleDataError, DBAPIError) as exc:
                    if not is_conflict(exc):
                        raise
                    if attempt == attempts:
                        CONFLICT_RETRIES_EXHAUSTED.labels(fn.__name__).inc()
                        # The shopper hears what to do; the operator's log names the service.
                        log.warning("%s lost %s conflicts in a row", fn.__name__, attempts)
                        raise ConflictRetryExhausted(gettext(
                            "Too many people changed this at the same moment; nothing was "
                            "changed. Please try again.")) from exc
                    CONFLICT_RETRIES.labels(fn.__name__).inc()
                    time.sleep(random.uniform(0, min(max_delay, base_delay * 2**attempt)))
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper

    return decorator
