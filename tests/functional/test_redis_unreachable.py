"""Redis unreachable: every page and API call that does not need it still works.

The app under test is configured from ``REDIS_URL`` as production is (shared cache, RQ
queue, rate limits all on Redis), pointing at a closed port or at a socket that never
answers. Tokens, best sellers and coupons read the database; checkout commits and leaves
its export ``pending`` for the relay; only revoking a token, which must reach the shared
cache to be safe, is refused (503) and changes nothing.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sqlalchemy import select

import app.bestsellers.services as bestsellers
from app.accounts.models import ApiToken
from app.exports.models import ExportEvent
from app.extensions import db
from tests.conftest import PASSWORD
from tests.fixtures.redis_apps import HungRedis, app_with_redis
from tests.helpers import assert_problem, bearer_header, post_form


def _token(client, user) -> dict:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    return bearer_header(response.get_json()['token'])


def _audit_clean(app):
    result = app.test_cli_runner().invoke(args=["audit"])
    assert result.exit_code == 0, result.output


def test_api_shopping_works_and_the_export_waits_for_the_relay(
        app, dead_redis_app, make_user, make_product, make_coupon):
    shopper, product = make_user(balance=50_000), make_product(price=3_000, stock=5)
    coupon = make_coupon(discount_value=1_000)
    client = dead_redis_app.test_client()

    auth = _token(client, shopper)
    assert client.get("/api/v1/wallet", headers=auth).get_json()["balance"] == 50_000
    charge = client.post("/api/v1/wallet/charges", json={"amount": 5_000}, headers=auth)
    assert charge.status_code == 201, charge.get_data(as_text=True)
    claim = client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=auth)
    assert claim.status_code == 201, claim.get_data(as_text=True)
    order = client.post("/api/v1/orders", headers={**auth, "Idempotency-Key": "k-1"},
                        json={"items": [{"product_id": product.id, "quantity": 2}],
                              "coupon_id": claim.get_json()["id"]})
    assert order.status_code == 201, order.get_data(as_text=True)
    assert (order.get_json()["total"], order.get_json()["balance"]) == (5_000, 50_000)
    replay = client.post("/api/v1/orders", headers={**auth, "Idempotency-Key": "k-1"},
                         json={"items": [{"product_id": product.id, "quantity": 2}]})
    assert (replay.status_code, replay.get_json()["id"]) == (200, order.get_json()["id"])

    ranking = client.get("/api/v1/products/best-sellers").get_json()["items"]
    assert [(item["id"], item["units_sold"]) for item in ranking] == [(product.id, 2)]
    with app.app_context():
        events = db.session.scalars(select(ExportEvent)).all()
        assert [(e.order_id, e.status) for e in events] == [(order.get_json()["id"], "pending")]
    _audit_clean(app)


def test_pages_answer_from_the_database(app, dead_redis_app, make_user, make_product,
                                        make_coupon, buy):
    shopper, product = make_user(balance=10_000), make_product(name="Garden hose")
    make_coupon(name="Spring ten")
    buy(shopper, {product: 3})
    client = dead_redis_app.test_client()

    for url in ("/", "/best-sellers"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Garden hose" in page.get_data(as_text=True), url
    assert "Spring ten" in client.get("/coupons").get_data(as_text=True)
    assert post_form(client, "/login", {"email": shopper.email, "password": PASSWORD}
                     ).status_code == 302
    assert client.get("/wallet").status_code == 200
    assert client.get("/products").status_code == 200
    _audit_clean(app)


def test_stale_best_sellers_are_recomputed_not_served_until_redis_returns(
        app, make_user, make_product, buy, monkeypatch):
    """The refresh lock cannot be taken without Redis: this process recomputes instead."""
    shopper, first, second = make_user(balance=100_000), make_product(), make_product()
    buy(shopper, {first: 1})
    now = [1_000_000.0]
    monkeypatch.setattr(bestsellers, "_clock", lambda: now[0])
    with app_with_redis(app, "redis://127.0.0.1:1/0", BEST_SELLERS_LOCAL_TTL=1) as outage:
        client = outage.test_client()

        def ranking():
            response = client.get("/api/v1/products/best-sellers")
            assert response.status_code == 200, response.get_data(as_text=True)
            return [(item["id"], item["units_sold"]) for item in response.get_json()["items"]]

        assert ranking() == [(first.id, 1)]
        buy(shopper, {second: 4})
        now[0] += 10
        assert ranking() == [(first.id, 1)]  # still fresh: kept by this process
        now[0] += outage.config["BEST_SELLERS_TTL"]
        assert ranking() == [(second.id, 4), (first.id, 1)]


def test_revoking_a_token_is_refused_and_changes_nothing_while_redis_is_down(
        app, dead_redis_app, make_user):
    client = dead_redis_app.test_client()
    auth = _token(client, make_user())

    response = client.delete("/api/v1/tokens/current", headers=auth)

    assert_problem(response, 503, "revocation_unavailable")
    with app.app_context():
        assert db.session.scalars(select(ApiToken.revoked_at)).all() == [None]
    assert client.get("/api/v1/wallet", headers=auth).status_code == 200


def test_a_hung_redis_costs_a_request_a_moment_and_later_ones_nothing(app, make_user):
    """Redis accepts connections but never answers: without timeouts every call would hang."""
    shopper = make_user(balance=1_000)
    with HungRedis() as hung, app_with_redis(app, hung.url, RATELIMIT_ENABLED=True) as outage:
        client = outage.test_client()
        answers, took = [], []

        def shop():
            started = time.monotonic()
            auth = _token(client, shopper)  # rate limited, then the token cache
            for _ in range(10):
                answers.append(client.get("/api/v1/wallet", headers=auth).status_code)
            answers.append(client.get("/").status_code)
            took.append(time.monotonic() - started)

        worker = threading.Thread(target=shop, daemon=True)
        worker.start()
        worker.join(timeout=20)
        assert not worker.is_alive(), "a request is still waiting for the hung Redis"
    assert answers == [200] * 11
    # One cache timeout (0.5 s) and the limiter's own (at most two more): then no waiting.
    assert took[0] < 5


def test_rate_limits_count_in_each_process_while_redis_is_down(app, make_user, caplog):
    user = make_user()
    with app_with_redis(app, "redis://127.0.0.1:1/0", RATELIMIT_ENABLED=True) as outage:
        client = outage.test_client()
        caplog.set_level(logging.WARNING)
        assert _token(client, user)  # 1 of the 10 logins a minute this account may try
        for _ in range(9):
            wrong = client.post("/api/v1/tokens",
                                json={"email": user.email, "password": "wrong-password-9"})
            assert wrong.status_code == 401
        refused = client.post("/api/v1/tokens",
                              json={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "rate_limited"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("falling back to in-memory" in message for message in warnings) == 1
    assert sum("Redis cache unreachable" in message for message in warnings) == 1


@pytest.mark.parametrize("path", ["/", "/best-sellers"])
def test_the_outage_is_logged_once_not_per_request(dead_redis_app, caplog, path):
    client = dead_redis_app.test_client()
    caplog.set_level(logging.WARNING)
    for _ in range(20):
        assert client.get(path).status_code == 200
    unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(unreachable) == 1
