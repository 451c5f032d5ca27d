"""Redis killed under real traffic: a private ``redis-server`` each test kills and restarts.

The machine's shared Redis is never touched. The gunicorn test serves the test database
(PostgreSQL) with an RQ worker and the export relay as real processes, kills Redis in the
middle of a stream of API checkouts, and brings it back empty, as a restarted cache would be.
"""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
from collections import Counter
from itertools import count

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import ApiToken
from app.exports.models import ExportEvent
from app.extensions import cache, db
from app.orders.models import Order
from tests.conftest import PASSWORD
from tests.fixtures.exports import RECEIVER_SECRET, Receiver
from tests.fixtures.redis_apps import app_with_redis
from tests.helpers import bearer_header
from tests.processes import VENV_BIN, Process, RedisServer, free_port, wait_for_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="needs redis-server")


def wait_for(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what} after {timeout} s"
        time.sleep(0.05)


def audit_clean(app):
    result = app.test_cli_runner().invoke(args=["audit"])
    assert result.exit_code == 0, result.output


def test_a_token_revoked_during_a_blip_stays_revoked_when_redis_returns_with_its_data(
        app, make_user):
    """The token's owner is cached in Redis; Redis goes away and comes back with that entry.
    Whatever the revocation answered meanwhile, the token works exactly when the database
    says it is live."""
    with RedisServer(durable=True) as redis, app_with_redis(app, redis.url) as shop:
        client = shop.test_client()
        issued = client.post("/api/v1/tokens",
                             json={"email": make_user().email, "password": PASSWORD})
        token = issued.get_json()["token"]
        auth = bearer_header(token)
        assert client.get("/api/v1/wallet", headers=auth).status_code == 200
        key = accounts._token_cache_key(accounts._token_digest(token))
        with shop.app_context():
            assert cache.get(key) is not None  # the owner is cached

        redis.kill()
        during = client.delete("/api/v1/tokens/current", headers=auth)
        redis.start()
        with shop.app_context():
            wait_for(lambda: cache.get(key) is not None, "the cache to answer again")

        with app.app_context():
            revoked = db.session.scalar(select(ApiToken.revoked_at)) is not None
        after = client.get("/api/v1/wallet", headers=auth).status_code
        assert after == (401 if revoked else 200), (
            f"revocation answered {during.status_code}, database revoked={revoked}, "
            f"and the token then got {after}")
        assert (during.status_code, during.get_json()["code"]) == (503, "revocation_unavailable")

        assert client.delete("/api/v1/tokens/current", headers=auth).status_code == 204
        assert client.get("/api/v1/wallet", headers=auth).status_code == 401
        redis.kill()  # and a second blip does not bring it back either
        assert client.get("/api/v1/wallet", headers=auth).status_code == 401
        redis.start()
        with shop.app_context():
            wait_for(lambda: cache.get(key) == 0, "the cache to answer again")
        assert client.get("/api/v1/wallet", headers=auth).status_code == 401


# --- the whole shop under gunicorn --------------------------------------------------------


def call(port: int, method: str, path: str, *, token: str | None = None,
         body: dict | None = None, headers: dict | None = None) -> tuple[int, dict | str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent.update(bearer_header(token))
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, sent)
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    if "json" in response.getheader("Content-Type", ""):
        return response.status, json.loads(text)
    return response.status, text


class CheckoutStream:
    """Shoppers placing one-unit API orders back to back, each under a fresh
    ``Idempotency-Key``, until stopped. Every answer is recorded (0: no answer at all)."""

    def __init__(self, port: int, tokens: list[str], product_id: int):
        self.port, self.tokens, self.product_id = port, tokens, product_id
        self.placed: dict[str, int] = {}  # idempotency key → order id
        self.statuses: list[int] = []
        self._keys = count(1)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._shop, args=(token,), daemon=True)
                         for token in tokens]

    def _shop(self, token: str):
        while not self._stop.is_set():
            key = f"outage-{next(self._keys)}"
            try:
                status, body = call(self.port, "POST", "/api/v1/orders", token=token,
                                    headers={"Idempotency-Key": key},
                                    body={"items": [{"product_id": self.product_id,
                                                     "quantity": 1}]})
            except OSError:
                status = 0
            self.statuses.append(status)
            if status == 201:
                self.placed[key] = body["id"]

    def wait_for_orders(self, more: int, timeout: float = 60):
        target = len(self.placed) + more

        def placed_with_no_refusal():
            refused = [status for status in self.statuses if status != 201]
            assert not refused, f"checkouts answered {Counter(refused)}"
            return len(self.placed) >= target

        wait_for(placed_with_no_refusal, f"{more} more orders", timeout)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def keep_running(process: Process) -> None:
    """What systemd's ``Restart=always`` does for a service that exited."""
    if not process.alive:
        process.start()


@pytest.mark.slow
@pytest.mark.postgres
def test_redis_killed_under_api_checkouts_through_gunicorn(app, make_user, make_product,
                                                           make_coupon):
    shoppers = [make_user(balance=1_000_000) for _ in range(4)]
    product = make_product(price=1_000, stock=10_000)
    coupon = make_coupon(quantity=100)
    port = free_port()
    with RedisServer() as redis, Receiver(RECEIVER_SECRET) as platform:
        env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis.url,
               "SECRET_KEY": "redis-outage-test", "RATELIMIT_ENABLED": "false",
               "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
               "SESSION_COOKIE_SECURE": "false", "RQ_QUEUE_NAME": "storefront-outage-test",
               "DATA_PLATFORM_URL": platform.url, "DATA_PLATFORM_SECRET": RECEIVER_SECRET,
               "EXPORT_DRAIN_DELAY": "0.2", "DB_POOL_SIZE": "3", "DB_MAX_OVERFLOW": "2"}
        flask = [str(VENV_BIN / "flask"), "--app", "wsgi", "exports"]
        with Process([str(VENV_BIN / "gunicorn"), "-w", "2", "-k", "gthread", "--threads",
                      "4", "-b", f"127.0.0.1:{port}", "wsgi:app"], env=env,
                     name="gunicorn") as web, \
                Process([*flask, "worker"], env=env, name="worker") as worker, \
                Process([*flask, "relay", "--loop", "--older-than", "1", "--interval", "1"],
                        env=env, name="relay") as relay:
            wait_for_port(port, process=web.popen)
            tokens = []
            for shopper in shoppers:
                status, body = call(port, "POST", "/api/v1/tokens",
                                    body={"email": shopper.email, "password": PASSWORD})
                assert status == 201, body
                tokens.append(body["token"])

            with CheckoutStream(port, tokens, product.id) as stream:
                stream.wait_for_orders(10)
                redis.kill()
                stream.wait_for_orders(20)
                # Everything that does not need Redis keeps answering meanwhile.
                status, body = call(port, "POST", "/api/v1/tokens", body={
                    "email": shoppers[0].email, "password": PASSWORD})
                assert status == 201, body
                new_token = body["token"]
                assert call(port, "GET", "/api/v1/wallet", token=new_token)[0] == 200
                status, body = call(port, "POST", f"/api/v1/coupons/{coupon.id}/claims",
                                    token=new_token)
                assert status == 201, body
                status, body = call(port, "GET", "/api/v1/products/best-sellers")
                assert status == 200 and body["items"][0]["id"] == product.id, body
                for page in ("/", "/best-sellers", "/coupons", "/products"):
                    assert call(port, "GET", page)[0] == 200, page
                status, body = call(port, "DELETE", "/api/v1/tokens/current", token=new_token)
                assert (status, body["code"]) == (503, "revocation_unavailable")

                redis.start()
                keep_running(worker)
                keep_running(relay)
                stream.wait_for_orders(20)
                # Each process tries Redis again a second after its last failure.
                wait_for(lambda: call(port, "DELETE", "/api/v1/tokens/current",
                                      token=new_token)[0] == 204, "revocation to work again")
                assert call(port, "GET", "/api/v1/wallet", token=new_token)[0] == 401

            assert set(stream.statuses) == {201}
            with app.app_context():
                orders = dict(db.session.execute(select(Order.idempotency_key, Order.id)).all())
            assert orders == stream.placed  # each committed once, none lost or doubled

            def all_delivered():
                keep_running(worker)
                keep_running(relay)
                with app.app_context():
                    statuses = db.session.scalars(select(ExportEvent.status)).all()
                    db.session.remove()
                return len(statuses) == len(orders) and set(statuses) == {"delivered"}

            wait_for(all_delivered, "every export delivered", timeout=120)
            delivered = sorted(body["order_id"] for body in platform.events_by_key().values())
            assert delivered == sorted(orders.values())
    audit_clean(app)
