"""Two app servers behind a load balancer are one shop.

nginx on 127.0.0.1 balances round-robin over two gunicorns (127.0.0.2 and 127.0.0.3, two
gthread workers each, one ``SECRET_KEY``), which share the test's PostgreSQL database, a
private ``redis-server``, one RQ worker and one relay, each a real process started here.
nginx adds ``X-Upstream`` (the server that answered) to every response, so each test can
say which server a request reached. The tests share one cluster and one database (they
assert on their own rows, and every one checks the audit); the last one kills a server.

Run alone with ``pytest -m scaleout`` (needs DATABASE_URL, nginx and redis-server).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from app.coupons.models import Coupon, UserCoupon
from app.exports.models import ExportEvent
from app.extensions import db
from app.catalog.models import Product
from app.orders.models import Order, OrderLine
from tests.conftest import PASSWORD, _empty_all_tables, _forget_cached
from tests.fixtures.exports import RECEIVER_SECRET, Receiver
from tests.helpers import bearer_header
from tests.processes import NGINX, VENV_BIN, Nginx, Process, RedisServer, free_port, wait_for_port

pytestmark = [
    pytest.mark.scaleout, pytest.mark.postgres, pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="needs nginx (.ci/run installs it)"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

METRICS_TOKEN = "scale-out-scraper"
SERVERS = ("127.0.0.2", "127.0.0.3")
NGINX_SITE = """
  upstream shop {{
{servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://shop;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-ID $request_id;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
"""


def wait_for(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what} after {timeout} s"
        time.sleep(0.1)


class Cluster:
    def __init__(self, port: int, app_ports: dict[str, int], web: dict[str, Process],
                 worker_metrics: str, relay_metrics: str):
        self.port, self.app_ports, self.web = port, app_ports, web
        self.worker_metrics, self.relay_metrics = worker_metrics, relay_metrics

    def call(self, method: str, path: str, *, token: str | None = None, body=None,
             headers: dict | None = None, server: str | None = None):
        """One request through nginx (or straight to ``server``): (status, JSON or text,
        headers). Status 0: no answer at all."""
        host, port = (server, self.app_ports[server]) if server else ("127.0.0.1", self.port)
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent.update(bearer_header(token))
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            connection.request(method, path, json.dumps(body) if body is not None else None,
                               sent)
            response = connection.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException):
            # Also a body cut short: nginx had passed on the headers of a server killed before
            # its body (IncompleteRead). The client does not know whether it was served.
            return 0, None, {}
        finally:
            connection.close()
        answer = json.loads(text) if "json" in (response.getheader("Content-Type") or "") \
            else text
        return response.status, answer, dict(response.getheaders())

    def upstream(self, headers: dict) -> str:
        return headers["X-Upstream"].rpartition(":")[0]

    def token(self, user) -> str:
        status, body, _ = self.call("POST", "/api/v1/tokens",
                                    body={"email": user.email, "password": PASSWORD})
        assert status == 201, body
        return body["token"]


def scrape(host: str, port: int, token: str = METRICS_TOKEN) -> dict[tuple, float]:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", "/metrics", headers=bearer_header(token))
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    assert response.status == 200, (response.status, text)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def metric(samples: dict, name: str, **labels) -> float:
    return sum(value for (sample, sample_labels), value in samples.items()
               if sample == name and labels.items() <= dict(sample_labels).items())


def audit_clean(app):
    result = app.test_cli_runner().invoke(args=["audit"])
    assert result.exit_code == 0, result.output


@pytest.fixture(autouse=True)
def clean_db():
    """The cluster's processes keep what they learnt about ids (sold-out coupons, cached
    entries), so these tests share one database instead of emptying it each time."""
    yield


@pytest.fixture(scope="module")
def cluster(app):
    with app.app_context():
        _empty_all_tables()
        _forget_cached(app)
    port = free_port()
    app_ports = {host: free_port(host) for host in SERVERS}
    worker_metrics, relay_metrics = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    metrics_dirs = Path(tempfile.mkdtemp(prefix="scale-out-metrics-"))
    servers = "".join(f"    server {host}:{app_ports[host]} max_fails=1 fail_timeout=30s;\n"
                      for host in SERVERS)
    with RedisServer() as redis, Receiver(RECEIVER_SECRET) as platform, \
            Nginx(NGINX_SITE.format(servers=servers, port=port), port) as nginx:
        env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis.url,
               "SECRET_KEY": "one-key-for-every-server", "TRUSTED_PROXIES": "1",
               "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
               "SESSION_COOKIE_SECURE": "false", "LOG_FORMAT": "json",
               "METRICS_TOKEN": METRICS_TOKEN, "RQ_QUEUE_NAME": f"storefront-scale-out-{port}",
               "DATA_PLATFORM_URL": platform.url, "DATA_PLATFORM_SECRET": RECEIVER_SECRET,
               "EXPORT_DRAIN_DELAY": "0.2", "BEST_SELLERS_TTL": "600",
               "DB_POOL_SIZE": "4", "DB_MAX_OVERFLOW": "2",
               # One address sends every request here: only the per-account limits bite.
               "RATELIMIT_LOGIN_ADDRESS": "100000/minute",
               "RATELIMIT_SIGNUP_ADDRESS": "100000/hour",
               "RATELIMIT_TOPUP_ADDRESS": "100000/minute"}
        web = {host: Process([str(VENV_BIN / "gunicorn"), "-w", "2", "-k", "gthread",
                              "--threads", "4", "-b", f"{host}:{app_ports[host]}", "wsgi:app"],
                             env={**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dirs / host)},
                             name=f"gunicorn-{host}")
               for host in SERVERS}
        flask = [str(VENV_BIN / "flask"), "--app", "wsgi", "exports"]
        worker = Process([*flask, "worker", "--metrics", worker_metrics], env=env,
                         name="worker")
        relay = Process([*flask, "relay", "--loop", "--older-than", "5", "--interval", "1",
                         "--metrics", relay_metrics], env=env, name="relay")
        processes = [*web.values(), worker, relay]
        try:
            for process in processes:
                process.start()
            for host in SERVERS:
                wait_for_port(app_ports[host], host=host, process=web[host].popen)
            for address in (worker_metrics, relay_metrics):
                wait_for_port(int(address.rpartition(":")[2]))
            running = Cluster(port, app_ports, web, worker_metrics, relay_metrics)
            running.platform, running.nginx, running.worker = platform, nginx, worker
            running.redis_url = redis.url
            yield running
        except BaseException:
            for process in processes:
                print(process.args[0], process.output()[-3000:])
            print(nginx.output()[-3000:])
            raise
        finally:
            for process in processes:
                process.kill()
                process.log_path.unlink(missing_ok=True)
            shutil.rmtree(metrics_dirs, ignore_errors=True)


# --- one shopper through the pages, every request on the other server -------------------------


class Browser:
    """Cookies kept, redirects not followed; ``upstreams`` records who answered each request."""

    def __init__(self, port: int):
        class Keep(HTTPRedirectHandler):
            def redirect_request(self, *args):
                return None

        self.base = f"http://127.0.0.1:{port}"
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), Keep)
        self.upstreams: list[str] = []

    def open(self, path: str, form: dict | None = None) -> tuple[int, str, dict]:
        data = urlencode(form).encode() if form is not None else None
        try:
            response = self.opener.open(Request(self.base + path, data=data), timeout=30)
        except HTTPError as answered:  # 3xx and 4xx
            response = answered
        with response:
            body = response.read().decode()
        self.upstreams.append(response.headers["X-Upstream"].rpartition(":")[0])
        return response.status, body, dict(response.headers)

    def hidden(self, html: str, name: str) -> str:
        match = re.search(rf'name="{name}"(?: type="hidden")? value="([^"]*)"', html)
        assert match, f"no {name} on the page"
        return match.group(1)

    def submit(self, form_page: str, path: str, fields: dict) -> tuple[int, str, dict]:
        """GET ``form_page`` for its CSRF token, then POST ``fields`` to ``path``."""
        _, html, _ = self.open(form_page)
        return self.open(path, {**fields, "csrf_token": self.hidden(html, "csrf_token")})


def test_a_shopper_journey_alternates_servers_and_sees_the_order_on_both(
        app, cluster, make_product, make_coupon):
    product = make_product(price=12_000, stock=10)
    coupon = make_coupon(quantity=5, discount_type="fixed", discount_value=2_000,
                         min_order_amount=0)
    shopper = Browser(cluster.port)
    email = f"journey-{cluster.port}@example.com"

    status, _, headers = shopper.submit("/signup", "/signup", {
        "name": "Journey", "email": email, "password": PASSWORD, "confirm": PASSWORD})
    assert (status, headers["Location"]) == (302, "/wallet")
    status, _, _ = shopper.submit("/wallet", "/logout", {})
    assert status == 302
    status, _, headers = shopper.submit("/login", "/login", {"email": email,
                                                             "password": PASSWORD})
    assert status == 302
    _, wallet, _ = shopper.open("/wallet")
    status, _, _ = shopper.open("/wallet", {
        "csrf_token": shopper.hidden(wallet, "csrf_token"), "amount": "50000",
        "idempotency_key": shopper.hidden(wallet, "idempotency_key")})
    assert status == 302
    status, _, _ = shopper.submit(f"/products/{product.id}", f"/cart/add/{product.id}",
                                  {"quantity": "2"})
    assert status == 302
    status, _, _ = shopper.submit("/coupons", f"/coupons/{coupon.id}/claim", {})
    assert status == 302
    with app.app_context():
        claim = db.session.scalar(select(UserCoupon.id).where(UserCoupon.coupon_id == coupon.id))
    _, checkout, _ = shopper.open(f"/checkout?coupon={claim}")
    assert shopper.hidden(checkout, "expected_total") == "22000"
    status, _, headers = shopper.open("/checkout", {
        "csrf_token": shopper.hidden(checkout, "csrf_token"),
        "idempotency_key": shopper.hidden(checkout, "idempotency_key"),
        "expected_total": "22000", "coupon_id": str(claim)})
    assert status == 302, status
    order_page = headers["Location"]
    seen = [shopper.open(order_page) for _ in SERVERS]

    assert [status for status, _, _ in seen] == [200, 200]
    assert all("22,000" in html for _, html, _ in seen)
    assert set(shopper.upstreams[-2:]) == set(SERVERS)
    pairs = list(zip(shopper.upstreams, shopper.upstreams[1:]))
    assert len(shopper.upstreams) == 16 and all(a != b for a, b in pairs), shopper.upstreams
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.id == int(order_page.split("/")[-1])))
        assert (order.total, order.discount, order.user_coupon_id) == (22_000, 2_000, claim)
    audit_clean(app)


# --- rushes through the balancer ------------------------------------------------------------


def rush(cluster, calls: list[tuple]) -> tuple[Counter, Counter]:
    """Send every ``(method, path, token, body)`` at once from 32 threads; returns the
    answers as (status, problem code) counts, and how many each server answered."""
    def one(call):
        method, path, token, body = call
        status, answer, headers = cluster.call(method, path, token=token, body=body)
        code = answer.get("code") if isinstance(answer, dict) else None
        return (status, code), headers.get("X-Upstream", "").rpartition(":")[0]

    with ThreadPoolExecutor(max_workers=32) as pool:
        outcomes = list(pool.map(one, calls))
    return Counter(answer for answer, _ in outcomes), Counter(up for _, up in outcomes)


@pytest.fixture(scope="module")
def crowd(app, cluster):
    """300 shoppers with points and an API token each (written here, not through the API,
    which would take as long as the rushes)."""
    from app.accounts.services import issue_token, register_user
    from app.db import transaction
    from app.wallet.services import change_balance

    tokens = []
    with app.app_context():
        for n in range(300):
            user = register_user(f"crowd{n}-{cluster.port}@example.com", PASSWORD, f"Crowd {n}")
            with transaction() as uow:
                change_balance(uow.session, user.id, 100_000, "charge")
            tokens.append(issue_token(user))
        db.session.remove()
    return tokens


def test_a_coupon_rush_of_300_for_50_copies_is_exact(app, cluster, crowd, make_coupon):
    coupon = make_coupon(quantity=50)
    answers, servers = rush(cluster, [("POST", f"/api/v1/coupons/{coupon.id}/claims", token,
                                       None) for token in crowd])
    assert answers == {(201, None): 50, (409, "coupon_sold_out"): 250}
    assert set(servers) == set(SERVERS)
    with app.app_context():
        assert db.session.scalar(select(Coupon.remaining).where(Coupon.id == coupon.id)) == 0
        assert db.session.scalar(select(func.count()).select_from(UserCoupon)
                                 .where(UserCoupon.coupon_id == coupon.id)) == 50
    audit_clean(app)


def test_a_flash_sale_of_300_for_30_units_is_exact(app, cluster, crowd, make_product):
    product = make_product(price=1_000, stock=30)
    order = {"items": [{"product_id": product.id, "quantity": 1}]}
    answers, servers = rush(cluster, [("POST", "/api/v1/orders", token, order)
                                      for token in crowd])
    assert answers == {(201, None): 30, (409, "out_of_stock"): 270}
    assert set(servers) == set(SERVERS)
    with app.app_context():
        assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 0
        assert db.session.scalar(select(func.sum(OrderLine.quantity))
                                 .where(OrderLine.product_id == product.id)) == 30
    audit_clean(app)


# --- what the servers share through Redis ---------------------------------------------------


def test_the_eleventh_login_attempt_in_a_minute_is_refused_on_either_server(cluster,
                                                                           make_user):
    shopper = make_user()
    attempts = [cluster.call("POST", "/api/v1/tokens",
                             body={"email": shopper.email, "password": "wrong-password"})
                for _ in range(12)]
    answers = [(status, body["code"]) for status, body, _ in attempts]
    assert answers == [(401, "invalid_credentials")] * 10 + [(429, "rate_limited")] * 2
    assert {cluster.upstream(headers) for _, _, headers in attempts[10:]} == set(SERVERS)
    # The right password too: the budget is the account's, whichever server counts it.
    status, body, _ = cluster.call("POST", "/api/v1/tokens",
                                   body={"email": shopper.email, "password": PASSWORD})
    assert (status, body["code"]) == (429, "rate_limited")


def test_the_best_sellers_entry_is_computed_once_for_both_servers(app, cluster, make_user,
                                                                  make_product):
    # More units than any earlier test sold of one product: these two lead the ranking.
    first, second = make_product(price=1, stock=1_000), make_product(price=1, stock=1_000)
    token = cluster.token(make_user(balance=10_000))

    def buy(product, quantity):
        status, body, _ = cluster.call("POST", "/api/v1/orders", token=token, body={
            "items": [{"product_id": product.id, "quantity": quantity}]})
        assert status == 201, body

    buy(first, 100)
    redis = cluster_redis(cluster)
    redis.delete("storefront:bestsellers:v1")  # earlier tests' entry
    status, ranking, headers = cluster.call("GET", "/api/v1/products/best-sellers")
    assert status == 200 and ranking["items"][0]["id"] == first.id
    computed_by = cluster.upstream(headers)
    # Orders do not invalidate the entry: a server computing its own would now rank
    # ``second`` first.
    buy(second, 200)
    answers = [cluster.call("GET", "/api/v1/products/best-sellers") for _ in range(4)]
    assert {cluster.upstream(headers) for _, _, headers in answers} == set(SERVERS)
    assert all(body == ranking for _, body, _ in answers), (computed_by, answers)
    with app.app_context():
        from app.bestsellers.services import compute_best_sellers

        assert compute_best_sellers()[0]["id"] == second.id  # the database moved on


def cluster_redis(cluster):
    from redis import Redis

    return Redis.from_url(cluster.redis_url)


def test_a_token_revoked_on_one_server_is_refused_on_the_other_at_once(cluster, make_user):
    token = cluster.token(make_user())
    for _ in SERVERS:  # each server has looked the token up (its owner is cached)
        assert cluster.call("GET", "/api/v1/wallet", token=token)[0] == 200
    revoked, _, revoked_headers = cluster.call("DELETE", "/api/v1/tokens/current", token=token)
    status, body, headers = cluster.call("GET", "/api/v1/wallet", token=token)
    assert revoked == 204
    assert cluster.upstream(headers) != cluster.upstream(revoked_headers)
    assert (status, body["code"]) == (401, "unauthenticated")


# --- metrics and logs of the whole cluster --------------------------------------------------


def test_metrics_of_both_servers_and_their_workers_add_up_to_the_checkouts(
        app, cluster, make_user, make_product):
    product = make_product(price=100, stock=1_000)
    token = cluster.token(make_user(balance=100_000))
    poor = cluster.token(make_user(balance=0))
    before = {host: scrape(host, cluster.app_ports[host]) for host in SERVERS}
    one = {"items": [{"product_id": product.id, "quantity": 1}]}
    paid = [cluster.call("POST", "/api/v1/orders", token=token, body=one) for _ in range(7)]
    refused = [cluster.call("POST", "/api/v1/orders", token=poor, body=one) for _ in range(3)]
    after = {host: scrape(host, cluster.app_ports[host]) for host in SERVERS}

    assert [status for status, _, _ in paid] == [201] * 7
    assert [status for status, _, _ in refused] == [409] * 3

    def moved(name, **labels):
        return {host: metric(after[host], name, **labels) - metric(before[host], name, **labels)
                for host in SERVERS}

    paid_by_server = moved("storefront_checkouts_total", outcome="paid")
    assert sum(paid_by_server.values()) == 7 and all(paid_by_server.values()), paid_by_server
    assert sum(moved("storefront_checkouts_total", outcome="insufficient_points").values()) == 3
    assert sum(moved("storefront_http_requests_total", endpoint="api.create_order",
                     method="POST").values()) == 10
    for host in SERVERS:
        assert ("storefront_db_pool_connections_in_use", ()) in after[host]

    # The refused checkout's JSON line carries nginx's request id, the user and the code.
    status, body, headers = refused[0]
    request_id = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    server = cluster.upstream(headers)
    line = next(line for line in json_lines(cluster.web[server])
                if line.get("message") == "request" and line.get("request_id") == request_id)
    assert (line["status"], line["problem"], line["path"]) == (409, "insufficient_points",
                                                               "/api/v1/orders")
    assert isinstance(line["user_id"], int)

    # The worker delivered each export and logs it with the checkout's request id.
    orders = {body["id"]: headers["X-Request-ID"] for _, body, headers in paid}
    wait_for(lambda: delivered_lines(cluster, orders) == orders, "the deliveries' log lines")
    host, port = cluster.worker_metrics.rsplit(":", 1)
    assert metric(scrape(host, int(port)), "storefront_export_deliveries_total",
                  outcome="delivered") >= 7
    with pytest.raises(AssertionError, match="401"):
        scrape(host, int(port), token="not-the-token")
    wait_for(lambda: relay_gauges(cluster)[0] == 0, "nothing pending")
    pending, delivered, oldest = relay_gauges(cluster)
    with app.app_context():
        assert delivered == db.session.scalar(select(func.count()).select_from(ExportEvent)
                                              .where(ExportEvent.status == "delivered"))
    assert oldest == 0


def json_lines(process: Process) -> list[dict]:
    lines = []
    for line in process.output().splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue  # gunicorn's own lines, or one still being written
    return [line for line in lines if isinstance(line, dict)]


def delivered_lines(cluster, orders: dict) -> dict:
    return {line["order_id"]: line["request_id"] for line in json_lines(cluster.worker)
            if line.get("message") == "export event delivered" and line["order_id"] in orders}


def relay_gauges(cluster) -> tuple[float, float, float]:
    host, port = cluster.relay_metrics.rsplit(":", 1)
    samples = scrape(host, int(port))
    return (metric(samples, "storefront_export_events", status="pending"),
            metric(samples, "storefront_export_events", status="delivered"),
            metric(samples, "storefront_export_oldest_pending_age_seconds"))


# --- one server killed in the middle of 500 checkouts ----------------------------------------


def test_a_server_killed_mid_rush_loses_no_order_and_doubles_none(app, cluster, make_user,
                                                                  make_product):
    product = make_product(price=100, stock=10_000)
    tokens = [cluster.token(make_user(balance=1_000_000)) for _ in range(20)]
    keys = [(tokens[n % 20], f"kill-{n}") for n in range(500)]
    answers: dict[str, tuple[int, int]] = {}  # key → (status, order id)
    failures: Counter = Counter()
    victim = SERVERS[1]
    served_after_kill: list[str] = []
    killed = threading.Event()

    def checkout(token_and_key):
        token, key = token_and_key
        for _ in range(50):  # the client retries what failed, with the same key
            status, body, headers = cluster.call(
                "POST", "/api/v1/orders", token=token, headers={"Idempotency-Key": key},
                body={"items": [{"product_id": product.id, "quantity": 1}]})
            if status in (200, 201):
                if killed.is_set():
                    served_after_kill.append(cluster.upstream(headers))
                answers[key] = (status, body["id"])
                return
            failures[status] += 1
            time.sleep(0.05)
        raise AssertionError(f"{key} never went through: {failures}")

    with ThreadPoolExecutor(max_workers=16) as pool:
        running = [pool.submit(checkout, pair) for pair in keys]
        wait_for(lambda: len(answers) >= 150, "150 checkouts")
        cluster.web[victim].kill()  # kill -9 of its master and workers
        killed.set()
        done_at_kill = len(answers)
        for future in running:
            future.result()

    assert done_at_kill < 450, "the kill came too late to test anything"
    assert victim not in served_after_kill[20:], "a dead server answered"
    assert set(answers) == {key for _, key in keys}
    with app.app_context():
        placed = dict(db.session.execute(
            select(Order.idempotency_key, Order.id).where(Order.idempotency_key.like("kill-%"))
        ).all())
        orders = db.session.scalar(select(func.count()).select_from(Order)
                                   .where(Order.idempotency_key.like("kill-%")))
    assert orders == 500
    assert placed == {key: order_id for key, (_, order_id) in answers.items()}
    assert set(failures) <= {0, 502, 503, 504}, failures
    audit_clean(app)
