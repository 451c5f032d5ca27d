"""products.recent_units: the "recommended" ranking kept on the row (app/catalog/sales.py).

It must equal each product's units of the last 30 shop days after a refresh, lag by at most
the refresh interval, never bump the product's version, and never make an order wait: on
PostgreSQL a row an order holds is skipped and caught by the next refresh.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from app.catalog import sales, services
from app.catalog.choices import ListChoices
from app.catalog.models import Product
from app.db import utcnow
from app.extensions import cache, db
from tests.conftest import USING_POSTGRES
from tests.helpers import run_concurrently


def _recent_units(app) -> dict[int, int]:
    with app.app_context():
        rows = db.session.execute(select(Product.id, Product.recent_units)).all()
        db.session.remove()
    return dict(rows)


def _recommended_names(app) -> list[str]:
    with app.app_context():
        names = [p.name for p in services.list_products(ListChoices(), 1, 20).items]
        db.session.remove()
    return names


@pytest.fixture
def today(app):
    with app.app_context():
        return sales.shop_day(utcnow())


def test_a_refresh_counts_the_last_30_shop_days_only(app, make_product, sold, today):
    inside, edge, outside = (make_product(name=n).id for n in ("inside", "edge", "outside"))
    sold(inside, 3, today)
    sold(inside, 2, today - timedelta(days=10))
    sold(edge, 4, today - timedelta(days=29))
    sold(outside, 9, today - timedelta(days=30))

    with app.app_context():
        assert sales.refresh_recent_units(today) == 2
    assert _recent_units(app) == {inside: 5, edge: 4, outside: 0}
    with app.app_context():
        assert sales.refresh_recent_units(today) == 0  # nothing changed, nothing written

    # A day later the edge day has left the window: its product goes back to 0.
    with app.app_context():
        assert sales.refresh_recent_units(today + timedelta(days=1)) == 1
    assert _recent_units(app) == {inside: 5, edge: 0, outside: 0}


def test_a_refresh_leaves_the_version_alone(app, make_product, sold, today):
    product = make_product()
    sold(product.id, 2, today)
    with app.app_context():
        sales.refresh_recent_units(today)
        version = db.session.scalar(select(Product.version).where(Product.id == product.id))
    assert version == product.version


def test_recommended_lags_by_at_most_the_refresh_interval(app, make_product, sold, today):
    first, second = make_product(name="first").id, make_product(name="second").id
    sold(first, 5, today)
    assert _recommended_names(app)[:2] == ["first", "second"]

    sold(second, 50, today)
    # Within the interval the order is the last refresh's.
    assert _recommended_names(app)[:2] == ["first", "second"]
    with app.app_context():
        cache.delete(sales.REFRESH_LOCK)  # the interval has passed
    assert _recommended_names(app)[:2] == ["second", "first"]


@pytest.mark.postgres
@pytest.mark.skipif(not USING_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
def test_a_refresh_skips_a_row_an_order_holds_instead_of_waiting(app, make_product, sold,
                                                                 today):
    held, free = make_product(name="held").id, make_product(name="free").id
    sold(held, 7, today)
    sold(free, 3, today)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    finished = threading.Event()

    def refresh():
        with app.app_context():
            sales.refresh_recent_units(today)
        finished.set()

    try:
        with engine.connect() as order:
            order.execute(text("SELECT id FROM products WHERE id = :id FOR UPDATE"),
                          {"id": held})
            worker = threading.Thread(target=refresh)
            worker.start()
            # Still holding the lock: a refresh that waited would not finish.
            assert finished.wait(timeout=30)
            assert _recent_units(app) == {held: 0, free: 3}
            order.rollback()
        worker.join()
        with app.app_context():
            assert sales.refresh_recent_units(today) == 1
        assert _recent_units(app) == {held: 7, free: 3}
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not USING_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
def test_refreshes_during_a_rush_of_orders_fail_no_order(app, make_product, make_user, today):
    from app.orders.checkout import place_order

    products = [make_product(stock=1_000).id for _ in range(3)]
    shoppers = [make_user(balance=100_000).id for _ in range(24)]
    calls = [("order", shopper, products[n % 3]) for n, shopper in enumerate(shoppers)]
    calls += [("refresh", None, None)] * 8

    def act(kind, shopper, product):
        if kind == "refresh":
            return sales.refresh_recent_units(today)
        following = products[(products.index(product) + 1) % 3]
        return place_order(shopper, [(product, 2), (following, 1)])

    outcomes = run_concurrently(app, act, calls)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    with app.app_context():
        sales.refresh_recent_units(today)
    assert _recent_units(app) == {product: 24 for product in products}
