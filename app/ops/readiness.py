"""Readiness: can this app server reach what it serves from, right now?

PostgreSQL (or the SQLite file) is asked ``SELECT 1``, and Redis, when ``REDIS_URL`` is set,
``PING``; each with a short timeout, so that a probe of a server whose database hangs answers
in a few seconds instead of hanging with it. PostgreSQL is asked on a connection of its
own (opened for the probe and closed after it): the pool's connections belong to requests,
and a full pool would make the probe wait for ``pool_timeout``.

Only what is down is named, never the error (that goes to the log): the answer is public.
"""

from __future__ import annotations

import functools
import logging

from flask import current_app
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.extensions import db

log = logging.getLogger(__name__)

# libpq waits at least 2 s to connect whatever it is told; the query gets 1 s.
DATABASE_CONNECT_TIMEOUT = 2
DATABASE_STATEMENT_TIMEOUT_MS = 1000
REDIS_TIMEOUT = 0.5


@functools.cache
def _probe_engine(url: str):
    return create_engine(url, poolclass=NullPool,
                         connect_args={"connect_timeout": DATABASE_CONNECT_TIMEOUT})


@functools.cache
def _probe_redis(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT,
                          socket_timeout=REDIS_TIMEOUT)


def _database() -> None:
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return
    engine = _probe_engine(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        # SET LOCAL, not a startup option: PgBouncer in transaction mode refuses those.
        connection.execute(text(f"SET LOCAL statement_timeout = {DATABASE_STATEMENT_TIMEOUT_MS}"))
        connection.execute(text("SELECT 1"))


def _redis() -> None:
    _probe_redis(current_app.config["REDIS_URL"]).ping()


def readiness() -> dict[str, str]:
    """``{"database": "ok" | "down", "redis": …}``; Redis only when it is configured."""
    checks = {"database": _database}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            log.warning("readiness: %s is down (%s: %s)", name, type(error).__name__, error)
            results[name] = "down"
        else:
            results[name] = "ok"
    return results
