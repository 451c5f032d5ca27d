"""Export outbox with real Redis and RQ workers (skipped without REDIS_URL).

The receiver is a real HTTP server on 127.0.0.1 that verifies each body's HMAC signature.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

import app.exports.jobs as export_jobs
import app.exports.sending as export_sending
from app.db import transaction
from app.exports.outcomes import DEFAULT_MAX_ATTEMPTS
from app.exports.models import ExportEvent
from app.extensions import db
from app.orders.models import Order
from tests.fixtures.exports import RECEIVER_SECRET, REDIS_URL, RQ_TEST_QUEUE
from tests.integration.test_exports import ORDER_KEYS

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
QUEUE = RQ_TEST_QUEUE
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
DRAIN = "app.exports.jobs.drain_exports"


def events(app) -> list[ExportEvent]:
    with app.app_context():
        db.session.expire_all()
        return list(db.session.scalars(select(ExportEvent).order_by(ExportEvent.id)))


def queued(connection) -> int:
    return Queue(QUEUE, connection=connection).count


def queued_functions(connection) -> list[str]:
    return [job.func_name for job in Queue(QUEUE, connection=connection).jobs]


def work_in_process(app, connection) -> None:
    """Drain the queue with an in-process worker (retries with interval 0 come straight back)."""
    with app.app_context():
        SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection).work(
            burst=True)


def work_after_due(app, connection, registry) -> None:
    """What RQ's scheduler does once the scheduled jobs are due, then a burst worker."""
    queue = Queue(QUEUE, connection=connection)
    for job_id in registry.get_job_ids():
        registry.remove(job_id)
        queue.enqueue_job(Job.fetch(job_id, connection=connection))
    work_in_process(app, connection)


def worker_env(app, receiver) -> dict:
    return {**os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": REDIS_URL, "RQ_QUEUE_NAME": QUEUE,
            "DATA_PLATFORM_URL": receiver.url, "DATA_PLATFORM_SECRET": RECEIVER_SECRET}


def run_worker(args: list[str], env: dict) -> None:
    worker = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert worker.returncode == 0, worker.stderr[-3000:]


def assert_delivered_exactly_once(app, receiver, order_ids, shopper) -> None:
    delivered = events(app)
    assert [e.status for e in delivered] == ["delivered"] * len(order_ids)
    by_key = receiver.events_by_key()
    assert len(receiver.accepted()) == len(order_ids) == len(by_key)
    assert all(r["signature_ok"] for r in receiver.requests)
    assert sorted(by_key) == sorted(str(e.id) for e in delivered)
    assert sorted(body["order_id"] for body in by_key.values()) == sorted(order_ids)
    with app.app_context():
        orders = {o.id: o for o in db.session.scalars(select(Order))}
    for body in by_key.values():
        assert set(body) == ORDER_KEYS
        order = orders[body["order_id"]]
        assert (body["total"], body["user_id"], body["status"]) == (
            order.total, shopper.id, "paid")
        assert [(line["product_id"], line["quantity"]) for line in body["lines"]] == [
            (line.product_id, line.quantity) for line in order.lines]


def test_50_orders_queue_one_drain_that_delivers_each_once_by_the_worker_command(
        app, rq_redis, receiver, shopper, make_product, buy):
    """``flask exports worker --burst``: a real RQ worker process that loaded the app once."""
    products = [make_product(price=1_000 + n, stock=100) for n in range(5)]
    order_ids = [buy(shopper, {products[n % 5]: 1 + n % 3}) for n in range(50)]
    assert queued_functions(rq_redis) == [DRAIN]
    assert receiver.requests == []  # nothing is sent inside the checkout
    assert {e.status for e in events(app)} == {"pending"}

    run_worker([str(BIN / "flask"), "--app", "wsgi", "exports", "worker", "--burst"],
               worker_env(app, receiver))
    assert_delivered_exactly_once(app, receiver, order_ids, shopper)
    assert len(receiver.requests) == 50
    assert queued(rq_redis) == 0


def test_bare_rq_worker_builds_the_app_through_the_factory(app, rq_redis, receiver, shopper,
                                                           make_product, buy):
    """``rq worker --burst``: the job imports nothing but its module and creates the app."""
    product = make_product(stock=100)
    order_ids = [buy(shopper, {product: 1}) for _ in range(3)]
    run_worker([str(BIN / "rq"), "worker", "--burst", "--url", REDIS_URL, "--path", str(ROOT),
                QUEUE], worker_env(app, receiver))
    assert_delivered_exactly_once(app, receiver, order_ids, shopper)


def test_redis_unreachable_orders_succeed_and_the_relay_delivers_later(
        app, runner, rq_redis, receiver, shopper, make_product, buy, monkeypatch):
    product = make_product(stock=100)
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_PORT_URL)
    order_ids = [buy(shopper, {product: 1}) for _ in range(20)]

    assert len(order_ids) == 20
    assert [e.status for e in events(app)] == ["pending"] * 20
    assert receiver.requests == []
    # Still down: the relay hands nothing over and says so.
    result = runner.invoke(args=["exports", "relay", "--once", "--older-than", "0"])
    assert result.exit_code == 1 and result.output == (
        "relay: 0 enqueued, 20 left pending (queue unreachable)\n")

    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    result = runner.invoke(args=["exports", "relay", "--once", "--older-than", "0"])
    assert result.exit_code == 0 and result.output == "relay: 20 enqueued\n"
    assert queued_functions(rq_redis) == [DRAIN]  # one drain takes all twenty
    work_in_process(app, rq_redis)

    assert [e.status for e in events(app)] == ["delivered"] * 20
    assert sorted(b["order_id"] for b in receiver.events_by_key().values()) == order_ids
    assert len(receiver.requests) == 20


def test_500_twice_then_delivered_on_the_third_rq_attempt(app, rq_redis, receiver, shopper,
                                                          make_product, buy):
    receiver.fail_next(2)
    buy(shopper, {make_product(): 1})
    work_in_process(app, rq_redis)

    [event] = events(app)
    assert (event.status, event.attempts) == ("delivered", 2)
    assert event.last_error == "HTTP 500 Internal Server Error"
    assert [r["status"] for r in receiver.requests] == [500, 500, 200]
    assert list(receiver.events_by_key()) == [str(event.id)]


def test_always_failing_ends_failed_and_shows_in_the_admin_api(
        app, client, rq_redis, receiver, shopper, make_user, make_product, buy, bearer):
    receiver.fail_always(500)
    order_id = buy(shopper, {make_product(): 1})
    work_in_process(app, rq_redis)

    [event] = events(app)
    assert (event.status, event.attempts) == ("failed", DEFAULT_MAX_ATTEMPTS)
    assert len(receiver.requests) == DEFAULT_MAX_ATTEMPTS
    assert queued(rq_redis) == 0
    response = client.get("/api/v1/admin/exports",
                          headers=bearer(make_user(is_admin=True)))
    body = response.get_json()
    assert body["counts"] == {"pending": 0, "delivered": 0, "failed": 1}
    assert [(f["order_id"], f["last_error"]) for f in body["failed"]] == [
        (order_id, "HTTP 500 Internal Server Error")]


def test_an_order_after_a_finished_drain_queues_a_new_drain(app, rq_redis, receiver, shopper,
                                                            make_product, buy):
    product = make_product(stock=100)
    first = buy(shopper, {product: 1})
    work_in_process(app, rq_redis)
    assert queued(rq_redis) == 0

    second = buy(shopper, {product: 1})
    assert queued_functions(rq_redis) == [DRAIN]
    work_in_process(app, rq_redis)
    assert_delivered_exactly_once(app, receiver, [first, second], shopper)


def test_with_a_drain_delay_a_stream_of_orders_queues_one_drain_that_gathers_them(
        app, rq_redis, receiver, shopper, make_product, buy, monkeypatch):
    """``EXPORT_DRAIN_DELAY``: the first order queues the drain at once (never through RQ's
    scheduler) with its due time in the flag; the orders after it find the flag set and
    wait for that same drain, which sleeps until its due time."""
    monkeypatch.setitem(app.config, "EXPORT_DRAIN_DELAY", 2)
    product = make_product(stock=100)
    asked_at = time.time()
    order_ids = [buy(shopper, {product: 1}) for _ in range(10)]

    assert queued_functions(rq_redis) == [DRAIN]
    registry = ScheduledJobRegistry(queue=Queue(QUEUE, connection=rq_redis))
    assert registry.get_job_ids() == []
    work_in_process(app, rq_redis)
    assert time.time() - asked_at >= 2  # the drain waited for its due time
    assert_delivered_exactly_once(app, receiver, order_ids, shopper)


def test_while_its_drain_is_known_to_wait_an_order_does_not_ask_redis_again(
        app, rq_redis, receiver, shopper, make_product, buy, monkeypatch):
    """The flag holds the drain's due time: until shortly before it (``DUE_MARGIN``) this
    process knows the drain has not started, so its orders need no Redis round trip."""
    from app import jobs

    monkeypatch.setitem(app.config, "EXPORT_DRAIN_DELAY", 30)
    asked = []
    real_connection = jobs.redis_connection
    monkeypatch.setattr(jobs, "redis_connection",
                        lambda *args: asked.append(1) or real_connection(*args))
    product = make_product(stock=100)
    clock = datetime.now(UTC).timestamp()
    monkeypatch.setattr(jobs, "time", SimpleNamespace(time=lambda: clock, sleep=time.sleep))

    order_ids = [buy(shopper, {product: 1}) for _ in range(5)]
    assert len(asked) == 1  # the first order set the flag and queued the drain
    assert queued(rq_redis) == 1

    clock += 30 - jobs.DUE_MARGIN  # the drain may start any moment now: ask again
    order_ids.append(buy(shopper, {product: 1}))
    assert len(asked) == 2
    assert queued(rq_redis) == 1  # the flag was still set: no second drain
    monkeypatch.setitem(app.config, "EXPORT_DRAIN_DELAY", 0)  # not to sleep 30 s here
    work_in_process(app, rq_redis)
    assert_delivered_exactly_once(app, receiver, order_ids, shopper)


def test_with_a_flag_from_another_app_server_the_order_remembers_its_due_time(
        app, rq_redis, receiver, shopper, make_product, buy, monkeypatch):
    from app import jobs

    monkeypatch.setitem(app.config, "EXPORT_DRAIN_DELAY", 30)
    product = make_product(stock=100)
    due = datetime.now(UTC).timestamp() + 10
    rq_redis.set(f"{QUEUE}:{export_jobs.DRAIN_FLAG}", repr(due))

    buy(shopper, {product: 1})
    assert queued(rq_redis) == 0  # the other server's drain will take this order too
    assert jobs._waiting_until[f"{QUEUE}:{export_jobs.DRAIN_FLAG}"] == due - jobs.DUE_MARGIN


def test_an_order_committed_while_a_drain_runs_queues_the_next_drain(
        app, rq_redis, receiver, shopper, make_product, buy, monkeypatch):
    """The drain clears its flag before it reads, so an order it may not see still gets one."""
    product = make_product(stock=100)
    order_ids = [buy(shopper, {product: 1})]
    queued_while_draining = []
    untried_events = export_sending.untried_events

    def order_then_read():
        if len(order_ids) == 1:
            order_ids.append(buy(shopper, {product: 1}))
            queued_while_draining.extend(queued_functions(rq_redis))
        return untried_events()

    monkeypatch.setattr(export_sending, "untried_events", order_then_read)
    work_in_process(app, rq_redis)

    assert queued_while_draining == [DRAIN]
    assert_delivered_exactly_once(app, receiver, order_ids, shopper)
    assert len(receiver.requests) == 2
    assert queued(rq_redis) == 0


def test_a_long_drain_stops_and_queues_another_that_goes_on(app, rq_redis, receiver, shopper,
                                                            make_product, buy, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_DRAIN_SECONDS", 0.0)
    product = make_product(stock=100)
    order_ids = [buy(shopper, {product: 1}) for _ in range(5)]
    work_in_process(app, rq_redis)

    assert_delivered_exactly_once(app, receiver, order_ids, shopper)
    assert len(receiver.requests) == 5


def test_a_drain_costs_a_few_statements_for_50_events(app, rq_redis, receiver, shopper,
                                                      make_product, buy):
    """One job per event read and then marked each event: two transactions per event."""
    product = make_product(stock=100)
    order_ids = [buy(shopper, {product: 1}) for _ in range(50)]
    statements = []

    def count(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sqlalchemy.event.listen(engine, "before_cursor_execute", count)
    try:
        work_in_process(app, rq_redis)
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", count)

    assert_delivered_exactly_once(app, receiver, order_ids, shopper)
    assert len(statements) < 20, statements


def test_one_refused_event_gets_its_own_job_and_the_batch_is_delivered(
        app, rq_redis, receiver, shopper, make_product, buy):
    receiver.fail_next(1)
    product = make_product(stock=100)
    order_ids = [buy(shopper, {product: 1}) for _ in range(5)]
    work_in_process(app, rq_redis)

    delivered = events(app)
    assert {e.status for e in delivered} == {"delivered"}
    # The drain sends in parallel: whichever event arrived first was refused.
    [refused] = [e for e in delivered if e.attempts == 1]
    assert refused.last_error == "HTTP 500 Internal Server Error"
    assert sorted(e.attempts for e in delivered) == [0, 0, 0, 0, 1]
    by_key = {}
    for request in receiver.requests:
        by_key.setdefault(request["key"], []).append(request["status"])
    assert by_key == {str(e.id): [500, 200] if e is refused else [200] for e in delivered}
    assert sorted(b["order_id"] for b in receiver.events_by_key().values()) == order_ids


def test_a_refused_event_is_handed_over_with_the_backoff_left(app, rq_redis, receiver, shopper,
                                                              make_product, buy, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_RETRY_INTERVALS", [10, 30, 90])
    receiver.fail_next(1)
    buy(shopper, {make_product(): 1})
    before = datetime.now(UTC)
    work_in_process(app, rq_redis)  # no scheduler: the retry stays scheduled

    [event] = events(app)
    assert (event.status, event.attempts) == ("pending", 1)
    assert queued(rq_redis) == 0
    registry = ScheduledJobRegistry(queue=Queue(QUEUE, connection=rq_redis))
    [job_id] = registry.get_job_ids()
    job = Job.fetch(job_id, connection=rq_redis)
    assert (job.func_name, job.args) == ("app.exports.jobs.deliver_export", (event.id,))
    assert (job.retries_left, job.retry_intervals) == (DEFAULT_MAX_ATTEMPTS - 2, [30, 90])
    due = registry.get_scheduled_time(job)
    assert before + timedelta(seconds=9) <= due <= datetime.now(UTC) + timedelta(seconds=10)


def test_the_drain_leaves_events_already_tried_to_the_per_event_path(
        app, rq_redis, receiver, shopper, make_product, buy):
    buy(shopper, {make_product(): 1})
    with app.app_context(), transaction() as uow:
        uow.session.execute(update(ExportEvent).values(attempts=1))
    work_in_process(app, rq_redis)

    assert [(e.status, e.attempts) for e in events(app)] == [("pending", 1)]
    assert receiver.requests == []
