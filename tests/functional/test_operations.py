"""What an operator gets: readiness, metrics behind a token, request ids, JSON log lines.

Each test that needs other settings builds a second app on the test database
(``second_app``), configured as production would be from its settings; the session app
keeps the test defaults. The gunicorn (multiprocess) side is tests/integration/test_scale_out.py.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from contextlib import contextmanager

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text

from app import create_app
from app.exports.models import ExportEvent
from app.extensions import db
from tests.fixtures.exports import RECEIVER_SECRET, Receiver
from tests.fixtures.redis_apps import SHARED_SETTINGS, SMALL_POOL, HungRedis, closed_port_url
from tests.helpers import bearer_header, post_form
from tests.processes import free_port

TOKEN = "scrape-me-0123456789"


@contextmanager
def second_app(app, **overrides):
    """Another app on ``app``'s database with ``overrides``; errors become responses."""
    shared = {key: app.config[key] for key in SHARED_SETTINGS}
    if "pool_size" in shared["SQLALCHEMY_ENGINE_OPTIONS"]:
        shared["SQLALCHEMY_ENGINE_OPTIONS"] = {**shared["SQLALCHEMY_ENGINE_OPTIONS"],
                                               **SMALL_POOL}
    other = create_app({**shared, "TESTING": True, "PROPAGATE_EXCEPTIONS": False,
                        "SERVER_NAME": None, "RATELIMIT_ENABLED": False,
                        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
                        "REDIS_URL": None, "EXPORT_DRAIN_DELAY": 0, **overrides})
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


def scrape(client, token: str = TOKEN) -> dict[tuple, float]:
    """``{(sample name, sorted labels): value}`` from ``/metrics``."""
    response = client.get("/metrics", headers=bearer_header(token))
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def moved(before: dict, after: dict, prefix: str) -> dict:
    """The samples named ``prefix…`` whose value changed, by how much."""
    return {key: after[key] - before.get(key, 0) for key in after
            if key[0].startswith(prefix) and after[key] != before.get(key, 0)}


# --- readiness ----------------------------------------------------------------------------


def test_readyz_answers_ready_when_the_database_answers_and_healthz_stays_plain(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ready" and body["checks"]["database"] == "ok"
    health = client.get("/healthz")
    assert (health.status_code, health.get_data(as_text=True)) == (200, "ok")


def test_readyz_names_redis_when_redis_is_down_and_nothing_else(app):
    with second_app(app, REDIS_URL=closed_port_url()) as shop:
        response = shop.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable",
                                   "checks": {"database": "ok", "redis": "down"}}


def test_readyz_names_the_database_when_it_is_down(app):
    with second_app(app, SQLALCHEMY_DATABASE_URI=(
            f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone")) as shop:
        response = shop.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "down"}}


@contextmanager
def silent_listener():
    """A port that accepts connections and never answers (a hung server)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


def test_readyz_gives_up_on_a_hung_database_and_a_hung_redis_within_seconds(app):
    with silent_listener() as port, HungRedis() as redis, second_app(
            app, REDIS_URL=redis.url,
            SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{port}/hung"
    ) as shop:
        started = time.monotonic()
        response = shop.test_client().get("/readyz")
        elapsed = time.monotonic() - started
    assert response.get_json()["checks"] == {"database": "down", "redis": "down"}
    assert elapsed < 5, elapsed  # 2 s to connect to PostgreSQL, 0.5 s for Redis


# --- metrics ------------------------------------------------------------------------------


def test_metrics_are_off_without_a_token_and_refused_without_the_right_one(app, client):
    assert client.get("/metrics", headers=bearer_header(TOKEN)).status_code == 404
    with second_app(app, METRICS_TOKEN=TOKEN) as shop:
        scraper = shop.test_client()
        for headers in ({}, bearer_header("wrong"), bearer_header(TOKEN + "x"),
                        {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}):
            response = scraper.get("/metrics", headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert b"storefront" not in response.data
        assert scraper.get("/metrics", headers=bearer_header(TOKEN)).status_code == 200


def test_a_scrape_after_some_checkouts_shows_exactly_those_checkouts(
        app, make_user, make_product, api_token):
    rich, poor = make_user(balance=100_000), make_user(balance=500)
    product = make_product(price=1_000, stock=5)
    with second_app(app, METRICS_TOKEN=TOKEN) as shop:
        client = shop.test_client()
        before = scrape(client)
        one = {"items": [{"product_id": product.id, "quantity": 1}]}
        rich_auth, poor_auth = bearer_header(api_token(rich)), bearer_header(api_token(poor))
        assert client.post("/api/v1/orders", json=one, headers=rich_auth).status_code == 201
        keyed = {**rich_auth, "Idempotency-Key": "metrics-1"}
        assert client.post("/api/v1/orders", json=one, headers=keyed).status_code == 201
        assert client.post("/api/v1/orders", json=one, headers=keyed).status_code == 200
        assert client.post("/api/v1/orders", json=one, headers=poor_auth).status_code == 409
        too_many = {"items": [{"product_id": product.id, "quantity": 9}]}
        assert client.post("/api/v1/orders", json=too_many, headers=rich_auth).status_code == 409
        after = scrape(client)

    assert moved(before, after, "storefront_checkouts_total") == {
        ("storefront_checkouts_total", (("outcome", "paid"),)): 2,
        ("storefront_checkouts_total", (("outcome", "replayed"),)): 1,
        ("storefront_checkouts_total", (("outcome", "insufficient_points"),)): 1,
        ("storefront_checkouts_total", (("outcome", "out_of_stock"),)): 1,
    }
    requests = moved(before, after, "storefront_http_requests_total")
    orders = {dict(labels)["status"]: count for (_, labels), count in requests.items()
              if dict(labels)["endpoint"] == "api.create_order"}
    assert orders == {"201": 2, "200": 1, "409": 2}
    latency = moved(before, after, "storefront_http_request_duration_seconds_count")
    assert sum(count for (_, labels), count in latency.items()
               if dict(labels)["endpoint"] == "api.create_order") == 5


def test_claims_top_ups_and_the_pool_are_counted(app, make_user, make_coupon, api_token):
    shopper = make_user(balance=0)
    coupon = make_coupon(quantity=1)
    with second_app(app, METRICS_TOKEN=TOKEN) as shop:
        client = shop.test_client()
        auth = bearer_header(api_token(shopper))
        before = scrape(client)
        claim = f"/api/v1/coupons/{coupon.id}/claims"
        assert client.post(claim, headers=auth).status_code == 201
        assert client.post(claim, headers=auth).status_code == 409
        charge = {**auth, "Idempotency-Key": "top-up-1"}
        for _ in range(2):
            assert client.post("/api/v1/wallet/charges", json={"amount": 5_000},
                               headers=charge).status_code in (200, 201)
        assert client.post("/api/v1/wallet/charges", json={"amount": 0},
                           headers=auth).status_code == 422
        after = scrape(client)
    assert moved(before, after, "storefront_coupon_claims_total") == {
        ("storefront_coupon_claims_total", (("outcome", "claimed"),)): 1,
        ("storefront_coupon_claims_total", (("outcome", "coupon_already_claimed"),)): 1,
    }
    assert moved(before, after, "storefront_topups_total") == {
        ("storefront_topups_total", (("outcome", "charged"),)): 1,
        ("storefront_topups_total", (("outcome", "replayed"),)): 1,
        ("storefront_topups_total", (("outcome", "invalid_amount"),)): 1,
    }


def test_the_pool_gauge_counts_the_connections_checked_out(app):
    from app.metrics import DB_POOL_IN_USE

    idle = DB_POOL_IN_USE._value.get()
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # the session now holds a connection
        assert DB_POOL_IN_USE._value.get() == idle + 1
        db.session.remove()
    assert DB_POOL_IN_USE._value.get() == idle


# --- request ids ----------------------------------------------------------------------------


def test_every_response_carries_a_fresh_request_id_and_a_client_cannot_choose_it(client):
    ids = [client.get(path, headers={"X-Request-ID": "forged-by-a-client"})
           .headers["X-Request-ID"] for path in ("/healthz", "/healthz", "/nowhere", "/products")]
    assert len(set(ids)) == 4 and "forged-by-a-client" not in ids
    assert all(len(request_id) == 32 and int(request_id, 16) >= 0 for request_id in ids)


@pytest.mark.parametrize("sent, kept", [
    ("3f2a9c1e0b7d4e5f8a6b1c2d3e4f5a6b", True),  # nginx's $request_id
    ("req-1.2:3_x", True),
    ("a" * 128, True),
    ("a" * 129, False),
    ("has space", False),
    ("tab\tin", False),
    ("caf\u00e9", False),
    ("quote\"", False),
    ("", False),
])
def test_behind_a_trusted_proxy_its_request_id_is_kept_when_it_looks_like_one(app, sent, kept):
    with second_app(app, TRUSTED_PROXIES=1) as shop:
        response = shop.test_client().get("/healthz", headers={"X-Request-ID": sent})
    answered = response.headers["X-Request-ID"]
    assert (answered == sent) is kept
    if not kept:
        assert len(answered) == 32


# --- JSON log lines -------------------------------------------------------------------------


@pytest.fixture
def json_logs(capsys):
    """Root logging as LOG_FORMAT=json leaves it, put back afterwards; returns a function
    that reads the JSON lines written since the last call."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    capsys.readouterr()

    def lines() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines()
                if line.startswith("{")]

    yield lines
    root.handlers[:], root.level = handlers, level


def request_line(lines: list[dict], request_id: str) -> dict:
    found = [line for line in lines if line.get("message") == "request"
             and line.get("request_id") == request_id]
    assert len(found) == 1, lines
    return found[0]


def test_a_refused_api_checkout_logs_its_request_id_user_and_problem_code(
        app, json_logs, make_user, make_product, api_token):
    poor = make_user(balance=100)
    product = make_product(price=1_000)
    with second_app(app, LOG_FORMAT="json") as shop:
        response = shop.test_client().post(
            "/api/v1/orders", json={"items": [{"product_id": product.id, "quantity": 1}]},
            headers=bearer_header(api_token(poor)))
    assert response.status_code == 409
    line = request_line(json_logs(), response.headers["X-Request-ID"])
    assert line["user_id"] == poor.id
    assert line["problem"] == "insufficient_points"
    assert (line["status"], line["method"], line["path"]) == (409, "POST", "/api/v1/orders")
    assert line["endpoint"] == "api.create_order" and line["level"] == "info"
    assert line["logger"] == "storefront.request" and "timestamp" in line


def test_a_refused_page_checkout_logs_its_problem_code_too(app, json_logs, make_user,
                                                           make_product):
    from tests.conftest import PASSWORD

    shopper = make_user(balance=100)
    product = make_product(price=1_000)
    with second_app(app, LOG_FORMAT="json") as shop:
        browser = shop.test_client()
        assert post_form(browser, "/login", {"email": shopper.email,
                                             "password": PASSWORD}).status_code == 302
        post_form(browser, f"/cart/add/{product.id}", {"quantity": "1"},
                  token_from=f"/products/{product.id}")
        json_logs()
        response = post_form(browser, "/checkout", {"idempotency_key": "page-1",
                                                    "expected_total": "1000"})
    assert response.status_code == 422
    lines = [line for line in json_logs() if line.get("path") == "/checkout"
             and line.get("method") == "POST"]
    assert len(lines) == 1
    assert (lines[0]["user_id"], lines[0]["problem"]) == (shopper.id, "insufficient_points")


def test_an_export_events_log_lines_carry_its_order_and_the_checkouts_request_id(
        app, json_logs, make_user, make_product, api_token):
    shopper = make_user(balance=10_000)
    product = make_product(price=1_000)
    with Receiver(RECEIVER_SECRET) as platform, second_app(
            app, LOG_FORMAT="json", DATA_PLATFORM_URL=platform.url,
            DATA_PLATFORM_SECRET=RECEIVER_SECRET) as shop:
        response = shop.test_client().post(
            "/api/v1/orders", json={"items": [{"product_id": product.id, "quantity": 1}]},
            headers=bearer_header(api_token(shopper)))
    assert response.status_code == 201
    request_id, order_id = response.headers["X-Request-ID"], response.get_json()["id"]
    with app.app_context():
        assert db.session.scalar(select(ExportEvent.request_id)) == request_id
    delivered = [line for line in json_logs() if line["message"] == "export event delivered"]
    assert [(line["order_id"], line["request_id"]) for line in delivered] == [
        (order_id, request_id)]


def test_text_logs_stay_the_embedded_default(monkeypatch, tmp_path):
    from app.config import load_config

    for name in ("DATABASE_URL", "REDIS_URL", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    assert load_config(tmp_path)["LOG_FORMAT"] == "text"
    monkeypatch.setenv("DATABASE_URL", "postgresql://shop@db/shop")
    assert load_config(tmp_path)["LOG_FORMAT"] == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        load_config(tmp_path)



def test_the_relay_runs_on_without_its_metrics_when_no_token_is_set(runner, caplog):
    result = runner.invoke(args=["exports", "relay", "--metrics", f"127.0.0.1:{free_port()}"])
    assert (result.exit_code, result.output) == (0, "relay: 0 enqueued\n")
    assert "ignored: METRICS_TOKEN is not set" in caplog.text
