"""The benchmark's rushes, reduced, as correctness tests over real HTTP.

A gunicorn subprocess (2 gthread workers × 4 threads) serves the test database on 127.0.0.1;
real threads fire every request at once through the stdlib HTTP client. Each test asserts
exact outcome counts, the final rows, and a clean ``flask audit``. No timing assertion.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.services import run_audit
from app.catalog.models import Product
from app.coupons.models import Coupon, UserCoupon
from app.exports.models import ExportEvent
from app.extensions import db
from app.orders.models import Order
from app.wallet.models import Wallet
from tests.helpers import bearer_header

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "storefront-load-test"
CLIENTS = 40


def _free_port() -> int:
    """A port of the 127.0.0.1:8100-8199 range set aside for these tests."""
    for port in range(8100, 8200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8100-8199")


@pytest.fixture(scope="module")
def server(app):
    """gunicorn on the tests' database; jobs go to a queue of their own (or run inline)."""
    port = _free_port()
    env = {**os.environ, "RATELIMIT_ENABLED": "false", "RQ_QUEUE_NAME": QUEUE,
           "SECRET_KEY": "load-test", "DB_POOL_SIZE": "4", "DB_MAX_OVERFLOW": "0"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--worker-class", "gthread", "--threads", "4",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(port, "GET", "/healthz") == (200, "ok"):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {process.stdout.read()!r}")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        _empty_queue(app)


def _empty_queue(app) -> None:
    if not app.config.get("REDIS_URL"):
        return
    from rq import Queue

    from app.jobs import redis_connection

    with app.app_context():
        Queue(QUEUE, connection=redis_connection()).empty()


def request(port: int, method: str, path: str, token: str | None = None,
            body: dict | None = None):
    """One request on a fresh connection: ``(status, problem code or body text)``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers.update(bearer_header(token))
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None,
                           headers)
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    if response.getheader("Content-Type", "").startswith("application/problem+json"):
        return response.status, json.loads(text)["code"]
    return response.status, text if response.status == 200 else ""


def rush(port: int, calls: list[tuple]) -> Counter:
    """Every call at once: ``CLIENTS`` threads start together, the rest as threads free up.
    Returns the outcome counts (``"201"``, ``"409 out_of_stock"``, …)."""
    ready, go = threading.Semaphore(0), threading.Event()

    def one(call):
        ready.release()
        go.wait()
        status, code = request(port, *call)
        return f"{status} {code}".strip()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        outcomes = pool.map(one, calls)
        for _ in range(min(CLIENTS, len(calls))):
            ready.acquire()
        go.set()
        return Counter(outcomes)


def audit(app) -> list[str]:
    with app.app_context():
        try:
            return [finding.check.name for finding in run_audit()]
        finally:
            db.session.remove()


def scalar(app, statement):
    with app.app_context():
        try:
            return db.session.scalar(statement)
        finally:
            db.session.remove()


def test_healthz_answers_ok(server):
    assert request(server, "GET", "/healthz") == (200, "ok")


def test_flash_sale_sells_exactly_the_stock(app, server, make_user, make_product, api_token):
    stock, shoppers = 10, 60
    product = make_product(price=1_000, stock=stock)
    tokens = [api_token(make_user(balance=5_000)) for _ in range(shoppers)]
    body = {"items": [{"product_id": product.id, "quantity": 1}]}

    outcomes = rush(server, [("POST", "/api/v1/orders", token, body) for token in tokens])

    assert outcomes == {"201": stock, "409 out_of_stock": shoppers - stock}
    assert scalar(app, select(Product.stock).where(Product.id == product.id)) == 0
    assert scalar(app, select(func.count()).select_from(Order)) == stock
    assert scalar(app, select(func.count()).select_from(ExportEvent)) == stock
    assert scalar(app, select(func.sum(Wallet.balance))) == shoppers * 5_000 - stock * 1_000
    assert audit(app) == []


def test_coupon_rush_issues_exactly_the_quantity(app, server, make_user, make_coupon,
                                                 api_token):
    quantity, shoppers = 10, 80
    coupon = make_coupon(quantity=quantity)
    tokens = [api_token(make_user()) for _ in range(shoppers)]

    outcomes = rush(server, [("POST", f"/api/v1/coupons/{coupon.id}/claims", token)
                             for token in tokens])

    assert outcomes == {"201": quantity, "409 coupon_sold_out": shoppers - quantity}
    assert scalar(app, select(Coupon.remaining).where(Coupon.id == coupon.id)) == 0
    assert scalar(app, select(func.count()).select_from(UserCoupon)) == quantity
    assert audit(app) == []


def test_wallet_storm_keeps_every_top_up(app, server, make_user, api_token):
    wallets, topups, amount = 5, 100, 1_000
    users = [make_user() for _ in range(wallets)]
    tokens = [api_token(user) for user in users]

    outcomes = rush(server, [("POST", "/api/v1/wallet/charges", tokens[i % wallets],
                              {"amount": amount}) for i in range(topups)])

    assert outcomes == {"201": topups}
    for user in users:
        balance = scalar(app, select(Wallet.balance).where(Wallet.user_id == user.id))
        assert balance == topups // wallets * amount
    assert audit(app) == []
