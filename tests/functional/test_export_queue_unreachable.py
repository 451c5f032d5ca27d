"""Checkouts while the export queue's Redis hangs: one pays for finding out, not every one."""

from __future__ import annotations

import logging
import math
import threading
import time

import app.exports.jobs as export_jobs
from tests.fixtures.redis_apps import HungRedis, app_with_redis


def test_a_hung_queue_costs_one_checkout_a_timeout_and_one_warning(app, make_user,
                                                                   make_product, caplog,
                                                                   monkeypatch):
    # An earlier test's outage was logged less than a minute ago: this one is news again.
    monkeypatch.setattr(export_jobs, "_warned_at", -math.inf)
    shopper = make_user(balance=100_000)
    tea = make_product(price=1_000, stock=50)
    with HungRedis() as hung, app_with_redis(app, hung.url) as outage:
        client = outage.test_client()
        with outage.app_context():
            from app.accounts.services import issue_token

            auth = {"Authorization": f"Bearer {issue_token(shopper)}"}
        caplog.set_level(logging.WARNING, logger="app.exports.jobs")
        took, answers = [], []

        def shop():
            for n in range(6):
                started = time.monotonic()
                answers.append(client.post(
                    "/api/v1/orders", headers={**auth, "Idempotency-Key": f"hung-{n}"},
                    json={"items": [{"product_id": tea.id, "quantity": 1}]}).status_code)
                took.append(time.monotonic() - started)

        buyer = threading.Thread(target=shop, daemon=True)
        buyer.start()
        buyer.join(timeout=60)
        assert not buyer.is_alive(), "a checkout is still waiting for the hung Redis"
    assert answers == [201] * 6
    # The first checkout waits out the queue client's reply timeout (2 s); the next ones,
    # within the second after it, do not ask the hung Redis again. (The cache's own 0.5 s
    # timeout, also paid about once a second, is tested with the cache.)
    assert sum(seconds > 1.5 for seconds in took) == 1, took
    warnings = [record for record in caplog.records if "export drain not queued" in
                record.getMessage()]
    assert len(warnings) == 1
    assert not warnings[0].exc_info  # a Redis outage is news, not a bug: no traceback
