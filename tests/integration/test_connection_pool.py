"""The PostgreSQL pool pings only connections that sat idle (app.db.ping_idle_connections)."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app import create_app
from app import db as app_db
from app.db import ping_idle_connections
from app.extensions import db

pytestmark = pytest.mark.postgres


class Clock:
    """Stands in for ``app.db._clock``: the pool's idle times move only when told."""

    def __init__(self):
        self.now = 1_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(app_db, "_clock", fake)
    return fake


@pytest.fixture
def pool_of_one(app):
    """An engine with a single pooled connection, so every checkout gets the same one."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    ping_idle_connections(engine, idle_seconds=1.0)
    pings = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(conn) or real_ping(conn)
    yield engine, pings
    engine.dispose()


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(app, pid: int) -> None:
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()


def test_a_connection_back_within_the_window_is_used_without_a_ping(pool_of_one, clock):
    engine, pings = pool_of_one
    first = backend_pid(engine)  # a new connection: nothing to ping
    clock.now += 0.9
    assert backend_pid(engine) == first
    assert pings == []


def test_a_connection_idle_past_the_window_is_pinged_once_per_checkout(pool_of_one, clock):
    engine, pings = pool_of_one
    first = backend_pid(engine)
    clock.now += 1.5
    assert backend_pid(engine) == first
    assert len(pings) == 1
    clock.now += 0.5  # back from that use half a second ago
    backend_pid(engine)
    assert len(pings) == 1


def test_an_idle_connection_the_server_dropped_is_replaced_before_the_request_sees_it(
        app, pool_of_one, clock):
    engine, pings = pool_of_one
    dropped = backend_pid(engine)
    terminate(app, dropped)
    clock.now += 5
    replacement = backend_pid(engine)  # would raise OperationalError without the ping
    assert replacement != dropped
    assert len(pings) == 1


def test_within_the_window_a_dropped_connection_fails_once_then_the_pool_reconnects(
        app, pool_of_one, clock):
    """The trade the window makes, stated as a test: no ping, so the next use finds out."""
    engine, pings = pool_of_one
    dropped = backend_pid(engine)
    terminate(app, dropped)
    with pytest.raises(OperationalError):
        backend_pid(engine)
    assert backend_pid(engine) not in (dropped, None)
    assert pings == []


@pytest.mark.parametrize(("setting", "listening"), [("true", True), ("false", False)])
def test_db_pool_pre_ping_decides_whether_the_app_pings(monkeypatch, app, setting, listening):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("DB_POOL_PRE_PING", setting)
    other = create_app({"TESTING": True})
    with other.app_context():
        try:
            # By name: the pool's metrics gauge (app/metrics.py) listens to checkouts too.
            assert any(listener.__name__ == "_ping_if_idle"
                       for listener in db.engine.pool.dispatch.checkout) is listening
            assert db.engine.pool._pre_ping is False  # never SQLAlchemy's ping-every-time
        finally:
            db.engine.dispose()
