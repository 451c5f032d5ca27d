"""Concurrent stock adjustments: exact totals, one movement each, never below zero."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.catalog.editing import adjust_stock
from app.catalog.models import Product, StockMovement
from app.extensions import db
from tests.helpers import outcome_counts, run_concurrently


def _stock_and_movements(product_id: int) -> tuple[int, int, int]:
    stock = db.session.scalar(select(Product.stock).where(Product.id == product_id))
    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(StockMovement.delta), 0))
        .where(StockMovement.product_id == product_id)).one()
    return stock, count, total


@pytest.mark.postgres
def test_50_concurrent_plus_one_adjustments_on_postgres_are_exact(app, ctx, make_product,
                                                                   admin_user):
    product = make_product(stock=7)
    outcomes = run_concurrently(
        app, adjust_stock, [(product.id, 1, "receipt", f"box {i}", admin_user.id)
                            for i in range(50)], workers=50)
    assert outcome_counts(outcomes) == {"ok": 50}
    assert sorted(outcomes) == list(range(8, 58))  # every adjustment saw a distinct stock
    assert _stock_and_movements(product.id) == (57, 51, 57)
    receipts = db.session.scalar(select(func.count()).select_from(StockMovement).where(
        StockMovement.product_id == product.id, StockMovement.kind == "receipt",
        StockMovement.actor_id == admin_user.id))
    assert receipts == 50


def test_10_concurrent_adjustments_are_exact_on_any_database(app, ctx, make_product,
                                                              admin_user):
    product = make_product(stock=0)
    outcomes = run_concurrently(
        app, adjust_stock, [(product.id, 1, "receipt", "box", admin_user.id)] * 10)
    assert outcome_counts(outcomes) == {"ok": 10}
    assert _stock_and_movements(product.id) == (10, 10, 10)


@pytest.mark.postgres
def test_concurrent_removals_stop_exactly_at_zero(app, ctx, make_product, admin_user):
    product = make_product(stock=10)
    outcomes = run_concurrently(
        app, adjust_stock, [(product.id, -1, "correction", "breakage", admin_user.id)] * 30,
        workers=30)
    assert outcome_counts(outcomes) == {"ok": 10, "out_of_stock": 20}
    assert _stock_and_movements(product.id) == (0, 11, 0)


@pytest.mark.postgres
def test_an_edit_racing_adjustments_loses_neither(app, ctx, make_product, admin_user):
    """ORM edits are version-checked; the adjustments bump the version; retries reconcile."""
    from app.catalog.editing import update_product

    product = make_product(price=1000, stock=0)
    calls = [("adjust", i) for i in range(20)] + [("edit", i) for i in range(5)]

    def one(kind, i):
        if kind == "adjust":
            return adjust_stock(product.id, 1, "receipt", f"box {i}", admin_user.id)
        return update_product(product.id, price=2000 + i)

    outcomes = run_concurrently(app, one, calls, workers=25)
    assert outcome_counts(outcomes) == {"ok": 25}
    stock, count, total = _stock_and_movements(product.id)
    assert (stock, count, total) == (20, 20, 20)
    assert db.session.scalar(select(Product.price).where(Product.id == product.id)) in {
        2000 + i for i in range(5)}
