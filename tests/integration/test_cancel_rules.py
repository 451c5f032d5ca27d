"""cancel_order: restores stock, points and coupon; refusals change nothing."""

import pytest
from sqlalchemy import select

from app.catalog.models import StockMovement
from app.coupons.usage import reserve_coupon
from app.db import utcnow
from app.exports.models import ExportEvent
from app.extensions import db
from app.orders.cancel import cancel_order
from app.orders.checkout import place_order
from app.orders.rules import OrderNotCancellable, OrderNotFound
from app.wallet.models import LedgerEntry
from tests.helpers import column, outcome_counts, run_concurrently, totals


@pytest.fixture
def paid_order(make_user, make_product, give_coupon):
    """A shopper who paid 9,000 won for two products with a 1,000 won coupon."""
    user = make_user(balance=20_000)
    first = make_product(price=2_000, stock=10)
    second = make_product(price=3_000, stock=10)
    claim = give_coupon(user, discount_value=1_000)
    order, _ = place_order(user.id, [(second.id, 2), (first.id, 2)], claim)
    return user, order, claim, first, second


def test_cancel_restores_stock_points_coupon_and_sales(ctx, paid_order, db_snapshot):
    user, order, claim, first, second = paid_order
    before = db_snapshot()
    assert column(before, "wallets", "balance", by="user_id") == {user.id: 11_000}

    cancelled = cancel_order(user.id, order.id)

    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at is not None
    assert cancelled.payment.refunded_at == cancelled.cancelled_at
    after = db_snapshot()
    assert column(after, "products", "stock") == {first.id: 10, second.id: 10}
    assert column(after, "wallets", "balance", by="user_id") == {user.id: 20_000}
    assert column(after, "user_coupons", "used_order_id") == {claim: None}
    assert totals(after, "product_daily_sales", "units", by="product_id") == {
        first.id: 0, second.id: 0}
    assert column(after, "orders", "status") == {order.id: "cancelled"}
    assert [payment["refunded_at"] is not None for payment in after["payments"]] == [True]
    refund = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "refund"))
    assert (refund.amount, refund.balance_after, refund.order_id) == (9_000, 20_000, order.id)
    movements = db.session.scalars(select(StockMovement).where(StockMovement.kind == "cancel")
                                   .order_by(StockMovement.id)).all()
    assert [(m.product_id, m.delta, m.order_id) for m in movements] == [
        (first.id, 2, order.id), (second.id, 2, order.id)]
    events = db.session.scalars(select(ExportEvent).where(ExportEvent.order_id == order.id)
                                .order_by(ExportEvent.id)).all()
    assert [e.kind for e in events] == ["order_paid", "order_cancelled"]
    assert events[1].payload["status"] == "cancelled"
    assert events[1].payload["cancelled_at"] is not None
    # The coupon is usable again.
    _, discount = reserve_coupon(db.session, user.id, claim, 5_000, utcnow())
    assert discount == 1_000


def test_cancelling_twice_is_refused_and_changes_nothing(ctx, paid_order, db_snapshot):
    user, order, *_ = paid_order
    cancel_order(user.id, order.id)
    before = db_snapshot()
    with pytest.raises(OrderNotCancellable):
        cancel_order(user.id, order.id)
    assert db_snapshot() == before


def test_someone_elses_order_is_not_found_and_unchanged(ctx, paid_order, make_user, db_snapshot):
    _, order, *_ = paid_order
    stranger = make_user(balance=1_000)
    before = db_snapshot()
    with pytest.raises(OrderNotFound):
        cancel_order(stranger.id, order.id)
    assert db_snapshot() == before


def test_unknown_order_is_not_found(ctx, paid_order, db_snapshot):
    user, order, *_ = paid_order
    before = db_snapshot()
    with pytest.raises(OrderNotFound):
        cancel_order(user.id, order.id + 100)
    assert db_snapshot() == before


def test_an_admin_may_cancel_anyones_order(ctx, paid_order, make_user, db_snapshot):
    user, order, *_ = paid_order
    admin = make_user(is_admin=True)
    cancel_order(admin.id, order.id, by_admin=True)
    state = db_snapshot()
    # The refund goes to the shopper who paid, never to the admin.
    assert column(state, "wallets", "balance", by="user_id")[user.id] == 20_000
    assert column(state, "wallets", "balance", by="user_id")[admin.id] == 0


def test_a_cancelled_orders_stock_can_be_sold_again(ctx, make_user, make_product, db_snapshot):
    product = make_product(price=1_000, stock=1)
    first, second = make_user(balance=1_000), make_user(balance=1_000)
    order, _ = place_order(first.id, [(product.id, 1)])
    cancel_order(first.id, order.id)
    place_order(second.id, [(product.id, 1)])
    state = db_snapshot()
    assert column(state, "products", "stock") == {product.id: 0}
    assert column(state, "wallets", "balance", by="user_id") == {first.id: 1_000, second.id: 0}
    assert totals(state, "product_daily_sales", "units", by="product_id") == {product.id: 1}


@pytest.mark.postgres
def test_concurrent_cancels_refund_once(app, ctx, paid_order, db_snapshot):
    user, order, claim, first, second = paid_order
    outcomes = run_concurrently(app, cancel_order, [(user.id, order.id)] * 10)
    assert outcome_counts(outcomes) == {"ok": 1, "order_not_cancellable": 9}
    state = db_snapshot()
    assert column(state, "wallets", "balance", by="user_id") == {user.id: 20_000}
    assert column(state, "products", "stock") == {first.id: 10, second.id: 10}
    assert db.session.scalar(select(db.func.count()).select_from(LedgerEntry)
                             .where(LedgerEntry.kind == "refund")) == 1


@pytest.mark.postgres
def test_cancels_racing_new_orders_keep_stock_exact(app, ctx, make_user, make_product,
                                                   db_snapshot):
    """Cancels give stock back while other shoppers buy it: every unit is accounted for."""
    product = make_product(price=100, stock=40)
    buyers = [make_user(balance=1_000) for _ in range(20)]
    orders = [place_order(b.id, [(product.id, 2)])[0] for b in buyers]
    newcomers = [make_user(balance=1_000) for _ in range(20)]

    def act(kind, user_id, order_id=None):
        if kind == "cancel":
            return cancel_order(user_id, order_id)
        return place_order(user_id, [(product.id, 2)])

    calls = [("cancel", b.id, o.id) for b, o in zip(buyers, orders)]
    calls += [("buy", n.id) for n in newcomers]
    outcomes = run_concurrently(app, act, calls, workers=40)

    counts = outcome_counts(outcomes)
    bought = sum(1 for o in outcomes[20:] if isinstance(o, tuple))
    assert counts["ok"] == 20 + bought
    assert counts["ok"] + counts["out_of_stock"] == 40
    moved = db.session.scalar(select(db.func.sum(StockMovement.delta))
                              .where(StockMovement.product_id == product.id))
    assert column(db_snapshot(), "products", "stock") == {product.id: 40 - 2 * bought}
    assert moved == 40 - 2 * bought
