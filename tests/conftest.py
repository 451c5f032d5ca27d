"""Fixtures for every test layer.

The database is the one the app would use: ``DATABASE_URL`` when set (CI points it at a
fresh PostgreSQL database), otherwise a SQLite file in a temporary folder. The schema comes
from the migrations, never from ``create_all``. Each test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import threading
from itertools import count
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.accounts import services as accounts
from app.catalog.models import Product, StockMovement
from app.coupons.claims import SOLD_OUT_HERE
from app.db import transaction
from app.extensions import cache, db
from app.wallet.services import change_balance
from tests.e2e.checks import PageChecks
from tests.e2e.words import Words
from tests.helpers import bearer_header, every_row, post_form

USING_POSTGRES = bool(os.environ.get("DATABASE_URL"))
# Every app a test builds, and every server it starts, logs as the embedded mode does: JSON
# lines would land in the CLI output tests read. Tests of the JSON logs ask for them.
os.environ.setdefault("LOG_FORMAT", "text")

# Each capability's own fixtures live in tests/fixtures/<capability>.py.
pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)
PASSWORD = "correct-horse-42"


def pytest_collection_modifyitems(config, items):
    if USING_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    overrides = {
        "TESTING": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing; production keeps scrypt
        "SERVER_NAME": None,
        # Suites log in many times from one address; tests/security builds its own app with
        # the limits on. Plain-HTTP test servers cannot carry Secure cookies.
        "RATELIMIT_ENABLED": False,
        # Tests clear the cache and expect the next read to see it; the per-process copy
        # has its own test (tests/integration/test_bestsellers.py).
        "BEST_SELLERS_LOCAL_TTL": 0,
        # A burst worker runs only what is queued; the delay has its own test
        # (tests/integration/test_exports_redis.py).
        "EXPORT_DRAIN_DELAY": 0,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        # The suites assert the English copy; a request asking for Korean (Accept-Language,
        # the lang cookie) still gets it, and the shop's Korean default has its own tests.
        "SHOP_LOCALE": "en",
        # Uploaded images go to this run's own folder, never instance/.
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
    }
    if USING_POSTGRES:
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": 40, "max_overflow": 10, "pool_timeout": 60, "pool_pre_ping": False,
        }
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app = create_app(overrides)
    with app.app_context():
        if USING_POSTGRES:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables():
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # foreign_keys=OFF is ignored inside a transaction; deferring lets the
            # orders <-> user_coupons cycle be emptied, checked once at commit.
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


def _forget_cached(app):
    """Ids start again at 1 in emptied tables: nothing cached about the last rows may stay,
    in the shared cache or in this process (the coupons it has seen sold out)."""
    cache.clear()
    app.extensions.pop(SOLD_OUT_HERE, None)


@pytest.fixture(autouse=True)
def clean_db(app):
    with app.app_context():
        _empty_all_tables()
        _forget_cached(app)
    yield


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_seq = count(1)


@pytest.fixture
def make_user(app):
    """make_user(balance=0, is_admin=False, email=None, name=None) → the User, committed."""

    def make(*, balance: int = 0, is_admin: bool = False, email: str | None = None,
             name: str | None = None):
        n = next(_seq)
        with app.app_context():
            user = accounts.register_user(email or f"shopper{n}@example.com", PASSWORD,
                                          name or f"Shopper {n}", is_admin=is_admin)
            if balance:
                with transaction() as uow:
                    change_balance(uow.session, user.id, balance, "charge")
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def make_product(app):
    """make_product(price=1000, stock=10, name=None, description='') → the Product, committed."""

    def make(*, price: int = 1000, stock: int = 10, name: str | None = None,
             description: str = "", is_active: bool = True):
        n = next(_seq)
        with app.app_context():
            with transaction() as uow:
                product = Product(name=name or f"Product {n}", price=price, stock=stock,
                                  description=description, is_active=is_active)
                uow.session.add(product)
                uow.session.flush()
                if stock:
                    uow.session.add(StockMovement(product_id=product.id, delta=stock,
                                                  kind="initial", reason="test fixture"))
            db.session.expunge(product)
            return product

    return make


@pytest.fixture
def login(client):
    """login(user) logs the test client in through the real login form."""

    def do_login(user, password: str = PASSWORD):
        response = post_form(client, "/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@pytest.fixture
def api_token(app):
    """api_token(user) → a bearer token for the JSON API."""

    def issue(user):
        with app.app_context():
            return accounts.issue_token(user)

    return issue


@pytest.fixture
def bearer(api_token):
    """bearer(user) → request headers carrying a fresh API token for ``user``."""

    def headers(user) -> dict:
        return bearer_header(api_token(user))

    return headers


@pytest.fixture
def db_snapshot(app):
    """db_snapshot() → every row of every table (``tests.helpers.every_row``), for checking
    that a refused call changed nothing and for reading what an accepted one wrote."""
    return lambda: every_row(app)


# --- Playwright: a live server and Debian's Chromium ------------------------------------


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use the system Chromium when there is one (CI, Debian); else Playwright's own."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    args = {**browser_type_launch_args}
    if path:
        args["executable_path"] = path
        args["args"] = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run"]
    return args


# The two ways issue 15's journeys see the shop: Korean on a phone, English on a desktop.
# The phone is a 390×844 touch screen with a mobile viewport (meta viewport honoured) and an
# Android Chrome user agent (Playwright's Pixel 7). The locale sets Accept-Language too.
SHOP_LOOKS = {
    "ko-phone": {"viewport": {"width": 390, "height": 844},
                 "screen": {"width": 390, "height": 844}, "device_scale_factor": 3,
                 "is_mobile": True, "has_touch": True, "locale": "ko-KR"},
    "en-desktop": {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"},
}


@pytest.fixture
def open_checked_page(new_context, playwright, output_path):
    """open_checked_page("ko-phone" | "en-desktop") → a page in a new context of that look,
    with tests/e2e/checks.py's PageChecks attached (screenshots under test-results/).
    Failed pages are collected (``assert_pages_ok`` ends the journey); what a journey that
    broke off early had collected is printed with its failure."""

    def open_page(look: str):
        args = dict(SHOP_LOOKS[look])
        if args.get("is_mobile"):
            args["user_agent"] = playwright.devices["Pixel 7"]["user_agent"]
        page = new_context(**args).new_page()
        opened.append(PageChecks.attach(page, Path(output_path) / look, defer=True))
        return page

    opened = []
    yield open_page
    for checks in opened:
        for report in checks.failed_pages:
            print(report)


@pytest.fixture
def phone_ko(open_checked_page):
    return open_checked_page("ko-phone")


@pytest.fixture(params=sorted(SHOP_LOOKS))
def shop_look(request) -> str:
    return request.param


@pytest.fixture
def shop_page(shop_look, open_checked_page):
    """A checked page in each look in turn (the test runs once per look)."""
    return open_checked_page(shop_look)


@pytest.fixture
def words(shop_look) -> Words:
    """The shop's words in ``shop_page``'s language: ``words("Log in")`` → "로그인"."""
    return Words(SHOP_LOOKS[shop_look]["locale"][:2])
