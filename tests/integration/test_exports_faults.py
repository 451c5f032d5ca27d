"""Exports under faults: a slow platform, a hung one, one that always refuses, a worker
killed with ``kill -9``. Each test starts its own ``redis-server`` (tests/processes.py), so
these run on SQLite and on PostgreSQL alike, and checks ``flask audit`` afterwards."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import FinishedJobRegistry
from sqlalchemy import func, select

from app import jobs
from app.exports.outcomes import DEFAULT_MAX_ATTEMPTS
from app.exports.models import ExportEvent
from app.extensions import db
from tests.fixtures.exports import RECEIVER_SECRET, RQ_TEST_QUEUE
from tests.processes import VENV_BIN, Process, RedisServer

DRAIN = "app.exports.jobs.drain_exports"


@pytest.fixture
def own_redis(app, monkeypatch, receiver):
    """A private redis-server for the export queue; delivery goes to ``receiver``."""
    with RedisServer() as server:
        monkeypatch.setitem(app.config, "REDIS_URL", server.url)
        monkeypatch.setitem(app.config, "RQ_QUEUE_NAME", RQ_TEST_QUEUE)
        monkeypatch.setattr(jobs, "_waiting_until", {})
        yield server


def statuses(app) -> Counter:
    with app.app_context():
        counts = Counter(dict(db.session.execute(
            select(ExportEvent.status, func.count()).group_by(ExportEvent.status)).all()))
        db.session.rollback()
        return counts


def work_in_process(app, redis_url: str) -> None:
    connection = jobs.redis_connection(redis_url)
    with app.app_context():
        SimpleWorker([Queue(RQ_TEST_QUEUE, connection=connection)],
                     connection=connection).work(burst=True)


def assert_audit_clean(runner) -> None:
    result = runner.invoke(args=["audit"])
    assert result.exit_code == 0, result.output


def sends_per_event(receiver) -> Counter:
    return Counter(request["key"] for request in receiver.requests)


# About 25 s: 300 POSTs that take 1 s each.
@pytest.mark.slow
def test_a_slow_platform_gets_300_events_with_progress_recorded_as_it_goes(
        app, runner, own_redis, receiver, shopper, make_product, buy, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_SENDERS", 16)
    monkeypatch.setitem(app.config, "EXPORT_DRAIN_SECONDS", 5.0)
    product = make_product(stock=1_000)
    for _ in range(300):
        buy(shopper, {product: 1})
    receiver.delay = 1.0
    progress: list[tuple[float, int]] = []  # (seconds since the start, delivered)
    started, done = time.monotonic(), threading.Event()

    def watch():
        while not done.wait(0.5):
            elapsed = time.monotonic() - started
            progress.append((elapsed, statuses(app)["delivered"]))
            # Code that records nothing until its batch of 200 is sent would keep this test
            # busy for minutes: past this point the platform answers at once.
            if elapsed > 40:
                receiver.delay = 0

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        work_in_process(app, own_redis.url)
    finally:
        done.set()
        watcher.join()

    first_seen = next((elapsed for elapsed, delivered in progress if delivered), None)
    # Written as it is made, not after a whole batch.
    assert first_seen is not None and first_seen < 10, progress
    assert len({delivered for _, delivered in progress}) >= 5, progress
    assert statuses(app) == {"delivered": 300}
    sends = sends_per_event(receiver)
    assert len(sends) == 300 and max(sends.values()) <= 2
    # Each drain stopped after its 5 s budget (plus the POSTs then in flight) and queued the
    # next, far inside RQ's job timeout.
    connection = jobs.redis_connection(own_redis.url)
    registry = FinishedJobRegistry(RQ_TEST_QUEUE, connection=connection)
    drains = [job for job in Job.fetch_many(registry.get_job_ids(), connection=connection)
              if job.func_name == DRAIN]
    assert len(drains) >= 3
    assert all((job.ended_at - job.started_at).total_seconds() < 5 + 2 + 5 for job in drains)
    assert all(job.timeout < 180 for job in drains)
    assert_audit_clean(runner)


@pytest.mark.slow
def test_a_hung_platform_costs_each_send_its_read_timeout_and_ends_every_event_failed(
        app, runner, own_redis, receiver, shopper, make_product, buy, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_READ_TIMEOUT", 0.3)
    product = make_product(stock=100)
    for _ in range(10):
        buy(shopper, {product: 1})
    receiver.delay = 2.0  # answers long after the read timeout
    started = time.monotonic()
    work_in_process(app, own_redis.url)

    # 10 events × 4 attempts of 0.3 s each, 8 at a time at first: nowhere near 10 × 4 × 2 s.
    assert time.monotonic() - started < 30
    with app.app_context():
        events = db.session.scalars(select(ExportEvent)).all()
    assert [(e.status, e.attempts, e.last_error) for e in events] == [
        ("failed", DEFAULT_MAX_ATTEMPTS, "no answer within 0.3 s")] * 10
    assert_audit_clean(runner)


def test_a_platform_that_always_refuses_ends_every_event_failed_with_its_error_on_the_page(
        app, client, runner, own_redis, receiver, shopper, make_user, make_product, buy,
        login):
    receiver.fail_always(503)
    product = make_product(stock=100)
    for _ in range(20):
        buy(shopper, {product: 1})
    work_in_process(app, own_redis.url)

    with app.app_context():
        events = db.session.scalars(select(ExportEvent)).all()
    assert [(e.status, e.attempts, e.last_error) for e in events] == [
        ("failed", DEFAULT_MAX_ATTEMPTS, "HTTP 503 Service Unavailable")] * 20
    assert set(sends_per_event(receiver).values()) == {DEFAULT_MAX_ATTEMPTS}
    result = runner.invoke(args=["exports", "status"])
    assert result.output.splitlines()[0] == "pending=0 delivered=0 failed=20"
    login(make_user(is_admin=True))
    page = client.get("/admin/exports").get_data(as_text=True)
    assert page.count("HTTP 503 Service Unavailable") == 20
    assert_audit_clean(runner)


def test_status_shows_how_old_the_oldest_pending_event_is(
        app, runner, own_redis, receiver, shopper, make_product, buy):
    buy(shopper, {make_product(): 1})  # no worker runs: it stays pending
    result = runner.invoke(args=["exports", "status"])
    counts, age = result.output.splitlines()[0].rsplit(" ", 1)
    assert counts == "pending=1 delivered=0 failed=0"
    assert age.startswith("oldest_pending=") and int(age[15:-1]) < 60


def worker_process(app, receiver, redis_url: str) -> Process:
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_url,
           "RQ_QUEUE_NAME": RQ_TEST_QUEUE, "DATA_PLATFORM_URL": receiver.url,
           "DATA_PLATFORM_SECRET": RECEIVER_SECRET, "SECRET_KEY": "worker-test",
           "PYTHONUNBUFFERED": "1"}
    return Process([str(VENV_BIN / "flask"), "--app", "wsgi", "exports", "worker"],
                   env={**os.environ, **env}, name="exports-worker")


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


# About 20 s: a worker is killed mid-delivery, restarted, and must deliver the rest.
@pytest.mark.slow
def test_a_worker_killed_mid_delivery_and_restarted_delivers_the_rest_within_30_s(
        app, runner, own_redis, receiver, shopper, make_product, buy):
    product = make_product(stock=1_000)
    for _ in range(120):
        buy(shopper, {product: 1})
    receiver.delay = 0.5  # 8 senders: about 8 s for all of them

    with worker_process(app, receiver, own_redis.url) as first:
        assert wait_for(lambda: len(receiver.requests) >= 8, 60), first.output()
        first.kill()  # kill -9 of the worker and its scheduler, mid-delivery
    assert statuses(app)["pending"] > 0

    restarted_at = time.monotonic()
    with worker_process(app, receiver, own_redis.url) as second:
        delivered = wait_for(lambda: statuses(app) == {"delivered": 120}, 30)
        assert delivered, (statuses(app), second.output()[-3000:])
    assert time.monotonic() - restarted_at <= 30 + 1
    sends = sends_per_event(receiver)
    assert len(sends) == 120 and max(sends.values()) <= 2
    assert all(request["signature_ok"] for request in receiver.requests)
    assert_audit_clean(runner)
