"""Checkouts racing each other with real threads on PostgreSQL: exact counts, no false refusals."""

import pytest
from sqlalchemy import func, select

from app import db as app_db
from app.catalog.models import Product, StockMovement
from app.coupons.models import UserCoupon
from app.extensions import db
from app.orders.models import Order, Payment
from app.orders.checkout import place_order
from app.wallet.models import LedgerEntry, Wallet
from tests.helpers import bearer_header, outcome_counts, run_concurrently

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def conflicts(monkeypatch):
    """Every error the retry helper judged a conflict (deadlock, serialization, stale row).

    The checkout is built so that none happen: the tests assert this list stays empty, so
    a deadlock that a retry quietly papered over still fails them.
    """
    seen = []
    real = app_db.is_conflict

    def recording(exc):
        verdict = real(exc)
        if verdict:
            seen.append(exc)
        return verdict

    monkeypatch.setattr(app_db, "is_conflict", recording)
    yield seen
    assert seen == []


def _stock(product_id):
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def _balance(user_id):
    return db.session.scalar(select(Wallet.balance).where(Wallet.user_id == user_id))


def _assert_stock_matches_movements(product_id):
    moved = db.session.scalar(select(func.sum(StockMovement.delta))
                              .where(StockMovement.product_id == product_id))
    assert _stock(product_id) == moved


def test_flash_sale_sells_exactly_the_stock(app, ctx, make_user, make_product):
    price = 1_500
    product = make_product(price=price, stock=50)
    shoppers = [make_user(balance=10_000) for _ in range(200)]

    outcomes = run_concurrently(app, place_order,
                                [(s.id, [(product.id, 1)]) for s in shoppers], workers=50)

    assert outcome_counts(outcomes) == {"ok": 50, "out_of_stock": 150}
    assert _stock(product.id) == 0
    _assert_stock_matches_movements(product.id)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 50
    assert db.session.scalar(select(func.sum(Payment.amount))) == 50 * price
    buyers = {outcome[0].user_id for outcome in outcomes if isinstance(outcome, tuple)}
    assert len(buyers) == 50
    for shopper in shoppers:
        top_ups = 10_000
        paid = price if shopper.id in buyers else 0
        assert _balance(shopper.id) == top_ups - paid
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)
                             .where(LedgerEntry.kind == "payment")) == 50


def test_no_false_rejection_when_the_stock_covers_everyone(app, ctx, make_user, make_product):
    product = make_product(price=1_000, stock=150)
    shoppers = [make_user(balance=5_000) for _ in range(100)]

    outcomes = run_concurrently(app, place_order,
                                [(s.id, [(product.id, 1)]) for s in shoppers], workers=50)

    assert outcome_counts(outcomes) == {"ok": 100}
    assert _stock(product.id) == 50
    _assert_stock_matches_movements(product.id)


def test_one_shopper_with_points_for_three_gets_exactly_three(app, ctx, make_user, make_product):
    product = make_product(price=1_000, stock=100)
    shopper = make_user(balance=3_500)

    outcomes = run_concurrently(app, place_order, [(shopper.id, [(product.id, 1)])] * 10)

    assert outcome_counts(outcomes) == {"ok": 3, "insufficient_points": 7}
    assert _balance(shopper.id) == 500
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.user_id == shopper.id)
                                 .order_by(LedgerEntry.id)).all()
    assert [e.balance_after for e in entries] == [3_500, 2_500, 1_500, 500]
    assert all(e.balance_after >= 0 for e in entries)
    assert _stock(product.id) == 97


def test_ten_orders_racing_for_one_coupon_use_it_once(app, ctx, make_user, make_product,
                                                      give_coupon):
    product = make_product(price=5_000, stock=100)
    shopper = make_user(balance=100_000)
    claim = give_coupon(shopper, discount_value=2_000)

    outcomes = run_concurrently(app, place_order,
                                [(shopper.id, [(product.id, 1)], claim)] * 10)

    assert outcome_counts(outcomes) == {"ok": 1, "coupon_not_usable": 9}
    winner = next(o[0] for o in outcomes if isinstance(o, tuple))
    assert db.session.scalar(select(UserCoupon.used_order_id)
                             .where(UserCoupon.id == claim)) == winner.id
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert _balance(shopper.id) == 100_000 - 3_000
    assert _stock(product.id) == 99


def test_opposite_line_orders_never_deadlock(app, ctx, make_user, make_product):
    first = make_product(price=100, stock=1_000)
    second = make_product(price=100, stock=1_000)
    alice = make_user(balance=100_000)
    bob = make_user(balance=100_000)
    calls = []
    for _ in range(50):
        calls.append((alice.id, [(first.id, 1), (second.id, 2)]))
        calls.append((bob.id, [(second.id, 2), (first.id, 1)]))

    outcomes = run_concurrently(app, place_order, calls, workers=50)

    assert outcome_counts(outcomes) == {"ok": 100}
    assert (_stock(first.id), _stock(second.id)) == (1_000 - 100, 1_000 - 200)
    _assert_stock_matches_movements(first.id)
    _assert_stock_matches_movements(second.id)
    assert _balance(alice.id) == _balance(bob.id) == 100_000 - 50 * 300


def test_concurrent_replays_of_one_key_make_one_order(app, ctx, make_user, make_product):
    product = make_product(price=1_000, stock=100)
    shopper = make_user(balance=50_000)

    outcomes = run_concurrently(app, place_order,
                                [(shopper.id, [(product.id, 2)], None, "double-click")] * 10)

    assert outcome_counts(outcomes) == {"ok": 10}
    assert sorted(created for _, created in outcomes) == [False] * 9 + [True]
    assert len({order.id for order, _ in outcomes}) == 1
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert _balance(shopper.id) == 48_000
    assert _stock(product.id) == 98


def test_flash_sale_through_the_api_answers_201_or_409_only(app, ctx, make_user, make_product,
                                                            api_token):
    product = make_product(price=2_000, stock=20)
    tokens = [api_token(make_user(balance=5_000)) for _ in range(60)]

    def buy(token):
        response = app.test_client().post(
            "/api/v1/orders", json={"items": [{"product_id": product.id, "quantity": 1}]},
            headers={**bearer_header(token), "Idempotency-Key": token[:20]})
        return response.status_code, response.get_json()

    outcomes = run_concurrently(app, buy, [(t,) for t in tokens], workers=30)

    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [201] * 20 + [409] * 40
    assert {body["code"] for status, body in outcomes if status == 409} == {"out_of_stock"}
    assert sorted(body["balance"] for status, body in outcomes if status == 201) == [3_000] * 20
    assert _stock(product.id) == 0
