"""place_order on the database: what a paid order writes, and every refusal changes nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog.models import ProductDailySales
from app.catalog.sales import shop_day
from app.cart.services import add_to_cart, cart_for
from app.catalog.models import Product, StockMovement
from app.catalog.stock import OutOfStock, ProductNotFound
from app.coupons.rules import CouponNotFound, CouponNotUsable
from app.db import transaction
from app.errors import InvalidInput
from app.exports.models import ExportEvent
from app.extensions import db
from app.orders.models import Order, Payment
from app.orders.checkout import place_order
from app.orders.rules import OrderTotalChanged
from app.wallet.models import LedgerEntry
from app.wallet.services import InsufficientPoints
from tests.helpers import column, totals


def test_a_paid_order_writes_every_record_in_one_go(ctx, make_user, make_product, give_coupon,
                                                    db_snapshot):
    user = make_user(balance=50_000)
    cheap = make_product(price=3_000, stock=10, name="Mug")
    dear = make_product(price=12_000, stock=5, name="Kettle")
    claim = give_coupon(user, discount_type="percent", discount_value=10, max_discount=2_000)

    order, created = place_order(user.id, [(dear.id, 1), (cheap.id, 2), (cheap.id, 1)], claim)

    assert created is True
    assert (order.status, order.subtotal, order.discount, order.total) == (
        "paid", 21_000, 2_000, 19_000)
    assert [(l.product_id, l.name, l.unit_price, l.quantity) for l in order.lines] == [
        (cheap.id, "Mug", 3_000, 3), (dear.id, "Kettle", 12_000, 1)]
    assert order.balance == 31_000
    assert db.session.scalar(select(Payment.amount).where(Payment.order_id == order.id)) == 19_000
    assert order.user_coupon_id == claim
    state = db_snapshot()
    assert column(state, "products", "stock") == {cheap.id: 7, dear.id: 4}
    assert column(state, "wallets", "balance", by="user_id") == {user.id: 31_000}
    assert column(state, "user_coupons", "used_order_id") == {claim: order.id}
    assert totals(state, "product_daily_sales", "units", by="product_id") == {
        cheap.id: 3, dear.id: 1}
    ledger = db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all()
    assert [(e.kind, e.amount, e.balance_after) for e in ledger] == [("payment", -19_000, 31_000)]
    movements = db.session.scalars(select(StockMovement).where(
        StockMovement.order_id == order.id).order_by(StockMovement.product_id)).all()
    assert [(m.product_id, m.delta, m.kind) for m in movements] == [
        (cheap.id, -3, "sale"), (dear.id, -1, "sale")]
    event = db.session.scalar(select(ExportEvent).where(ExportEvent.order_id == order.id))
    assert event.kind == "order_paid"
    assert event.payload["total"] == 19_000
    assert event.payload["coupon"]["user_coupon_id"] == claim
    day = db.session.scalar(select(ProductDailySales.day).where(
        ProductDailySales.product_id == cheap.id))
    assert day == shop_day(order.created_at)


def test_repeated_lines_of_a_product_are_bought_as_one(ctx, make_user, make_product):
    # Each line is within the API's 1..10,000; together they may exceed it, and then the
    # stock decides (the schema fuzzer sends exactly such bodies).
    user = make_user(balance=20_000)
    product = make_product(price=1, stock=12_000)
    order, _ = place_order(user.id, [(product.id, 6_000), (product.id, 6_000)])
    assert [(line.product_id, line.quantity) for line in order.lines] == [(product.id, 12_000)]
    assert db.session.get(Product, product.id).stock == 0
    with pytest.raises(OutOfStock):
        place_order(user.id, [(product.id, 6_000), (product.id, 1)])


def test_lines_keep_the_price_and_name_they_were_bought_at(ctx, make_user, make_product):
    user = make_user(balance=10_000)
    product = make_product(price=1_000, name="Old name")
    order, _ = place_order(user.id, [(product.id, 2)])
    with transaction() as uow:
        uow.session.execute(
            db.text("UPDATE products SET price = 9999, name = 'New name' WHERE id = :id"),
            {"id": product.id})
    db.session.expire_all()
    line = db.session.get(Order, order.id).lines[0]
    assert (line.name, line.unit_price) == ("Old name", 1_000)


def test_the_same_idempotency_key_returns_the_first_order(ctx, make_user, make_product,
                                                           db_snapshot):
    user = make_user(balance=10_000)
    product = make_product(price=1_000, stock=10)
    first, created = place_order(user.id, [(product.id, 1)], idempotency_key="key-1")
    before = db_snapshot()
    again, created_again = place_order(user.id, [(product.id, 5)], idempotency_key="key-1")
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert db_snapshot() == before
    # The key is the shopper's own: another shopper's same key is a different order.
    other = make_user(balance=10_000)
    theirs, created = place_order(other.id, [(product.id, 1)], idempotency_key="key-1")
    assert created is True and theirs.id != first.id


def test_checking_out_the_cart_empties_only_the_ordered_lines(ctx, make_user, make_product):
    user = make_user(balance=10_000)
    bought = make_product(price=1_000)
    kept = make_product(price=1_000)
    add_to_cart(user.id, bought.id, 2)
    add_to_cart(user.id, kept.id, 1)
    place_order(user.id, [(bought.id, 2)], from_cart=True)
    assert cart_for(user.id).items == [(kept.id, 1)]


def test_paying_exactly_the_whole_balance_leaves_zero(ctx, make_user, make_product, db_snapshot):
    user = make_user(balance=3_000)
    product = make_product(price=1_000)
    place_order(user.id, [(product.id, 3)])
    assert column(db_snapshot(), "wallets", "balance", by="user_id") == {user.id: 0}


def test_a_coupon_worth_the_whole_order_makes_it_free(ctx, make_user, make_product, give_coupon,
                                                       db_snapshot):
    user = make_user(balance=0)
    product = make_product(price=800)
    claim = give_coupon(user, discount_value=1_000)
    order, _ = place_order(user.id, [(product.id, 1)], claim)
    assert (order.subtotal, order.discount, order.total) == (800, 800, 0)
    assert column(db_snapshot(), "user_coupons", "used_order_id") == {claim: order.id}


# Every rule on the lines and the key is tests/unit/test_order_rules.py; these few show that
# a refusal comes before anything is written.
BAD_ITEMS = [
    pytest.param([], id="empty cart"),
    pytest.param([(1, 2.0)], id="float quantity"),
    pytest.param([("1", 1)], id="string product id"),
    pytest.param([(i, 1) for i in range(1, 102)], id="too many lines"),
]


@pytest.mark.parametrize("items", BAD_ITEMS)
def test_bad_items_are_invalid_input_and_change_nothing(ctx, make_user, make_product, db_snapshot,
                                                        items):
    user = make_user(balance=100_000)
    make_product(price=1, stock=100)
    before = db_snapshot()
    with pytest.raises(InvalidInput):
        place_order(user.id, items)
    assert db_snapshot() == before


@pytest.mark.parametrize("key", ["", "x" * 101, 42])
def test_bad_idempotency_keys_are_invalid_input(ctx, make_user, make_product, db_snapshot, key):
    user = make_user(balance=10_000)
    product = make_product()
    before = db_snapshot()
    with pytest.raises(InvalidInput):
        place_order(user.id, [(product.id, 1)], idempotency_key=key)
    assert db_snapshot() == before


def _refused(place, error, db_snapshot, match=None):
    before = db_snapshot()
    with pytest.raises(error, match=match):
        place()
    assert db_snapshot() == before


def test_unknown_product_is_refused(ctx, make_user, make_product, db_snapshot):
    user = make_user(balance=10_000)
    product = make_product()
    _refused(lambda: place_order(user.id, [(product.id, 1), (product.id + 999, 1)]),
             ProductNotFound, db_snapshot)


def test_hidden_product_is_refused(ctx, make_user, make_product, db_snapshot):
    user = make_user(balance=10_000)
    hidden = make_product(is_active=False)
    _refused(lambda: place_order(user.id, [(hidden.id, 1)]), ProductNotFound, db_snapshot)


def test_more_than_the_stock_left_is_out_of_stock(ctx, make_user, make_product, db_snapshot):
    user = make_user(balance=100_000)
    plenty = make_product(stock=50)
    scarce = make_product(stock=2, name="Scarce")
    _refused(lambda: place_order(user.id, [(plenty.id, 1), (scarce.id, 3)]), OutOfStock,
             db_snapshot, match="Only 2 of Scarce left")


def test_sold_out_is_out_of_stock(ctx, make_user, make_product, db_snapshot):
    user = make_user(balance=100_000)
    gone = make_product(stock=0, name="Gone")
    _refused(lambda: place_order(user.id, [(gone.id, 1)]), OutOfStock, db_snapshot,
             match="Gone is sold out")


def test_short_of_points_is_refused(ctx, make_user, make_product, db_snapshot):
    user = make_user(balance=2_999)
    product = make_product(price=1_000)
    _refused(lambda: place_order(user.id, [(product.id, 3)]), InsufficientPoints, db_snapshot,
             match="costs ₩3,000 but your balance is ₩2,999")


def test_someone_elses_coupon_is_not_found(ctx, make_user, make_product, give_coupon,
                                           db_snapshot):
    user, other = make_user(balance=10_000), make_user(balance=10_000)
    product = make_product()
    theirs = give_coupon(other)
    _refused(lambda: place_order(user.id, [(product.id, 1)], theirs), CouponNotFound,
             db_snapshot)


def test_unknown_coupon_is_not_found(ctx, make_user, make_product, db_snapshot):
    user = make_user(balance=10_000)
    product = make_product()
    _refused(lambda: place_order(user.id, [(product.id, 1)], 12345), CouponNotFound,
             db_snapshot)


@pytest.mark.parametrize("coupon_id", [0, -1, 1.0, "1", True])
def test_malformed_coupon_id_is_invalid_input(ctx, make_user, make_product, db_snapshot,
                                              coupon_id):
    user = make_user(balance=10_000)
    product = make_product()
    _refused(lambda: place_order(user.id, [(product.id, 1)], coupon_id), InvalidInput,
             db_snapshot)


def test_a_used_coupon_is_not_usable(ctx, make_user, make_product, give_coupon, db_snapshot):
    user = make_user(balance=10_000)
    product = make_product(price=1_000)
    claim = give_coupon(user, discount_value=500)
    place_order(user.id, [(product.id, 1)], claim)
    _refused(lambda: place_order(user.id, [(product.id, 1)], claim), CouponNotUsable,
             db_snapshot, match="already been used")


def test_an_expired_coupon_is_not_usable(ctx, make_user, make_product, give_coupon, db_snapshot):
    user = make_user(balance=10_000)
    product = make_product()
    claim = give_coupon(user, expires_in=timedelta(seconds=-1))
    _refused(lambda: place_order(user.id, [(product.id, 1)], claim), CouponNotUsable,
             db_snapshot, match="expired")


def test_a_paused_coupon_is_not_usable(ctx, make_user, make_product, give_coupon, db_snapshot):
    user = make_user(balance=10_000)
    product = make_product()
    claim = give_coupon(user, status="paused")
    _refused(lambda: place_order(user.id, [(product.id, 1)], claim), CouponNotUsable,
             db_snapshot, match="paused")


def test_an_order_below_the_coupon_minimum_is_refused(ctx, make_user, make_product,
                                                       give_coupon, db_snapshot):
    user = make_user(balance=100_000)
    product = make_product(price=9_999)
    claim = give_coupon(user, min_order_amount=10_000)
    _refused(lambda: place_order(user.id, [(product.id, 1)], claim), CouponNotUsable,
             db_snapshot, match="at least ₩10,000")
    order, _ = place_order(user.id, [(product.id, 2)], claim)
    assert order.discount == 1_000


@pytest.mark.parametrize("rival_sql, error, match", [
    ("UPDATE wallets SET balance = 100 WHERE user_id = :user", InsufficientPoints,
     "balance is ₩100"),
    ("UPDATE user_coupons SET used_order_id = :earlier WHERE id = :claim", CouponNotUsable,
     "already been used"),
    ("UPDATE products SET stock = 0 WHERE id = :last", OutOfStock, "sold out"),
], ids=["wallet", "coupon", "stock"])
def test_a_row_that_changed_after_the_plain_read_refuses_the_whole_write(
        ctx, monkeypatch, make_user, make_product, give_coupon, db_snapshot, rival_sql, error,
        match):
    """Each compare-and-set of the write re-checks its row: a rival who got there between
    the read and the write makes the checkout refuse, and nothing of it is left."""
    import app.orders.checkout as orders

    user = make_user(balance=10_000)
    first, last = make_product(stock=5), make_product(stock=1)
    claim = give_coupon(user)
    earlier, _ = place_order(user.id, [(first.id, 1)])
    real_write_order = orders._write_order
    rival_left = []

    def rival_first(session, *args):
        params = {"user": user.id, "earlier": earlier.id, "claim": claim, "last": last.id}
        if session.get_bind().dialect.name == "postgresql":
            with db.engine.begin() as rival:  # another shopper's committed transaction
                rival.execute(db.text(rival_sql), params)
            rival_left.append(db_snapshot())  # this checkout must add nothing to it
        else:
            # SQLite has one writer at a time: the rival's write can only join this
            # transaction, and is rolled back with it.
            session.execute(db.text(rival_sql), params)
        return real_write_order(session, *args)

    monkeypatch.setattr(orders, "_write_order", rival_first)
    before = db_snapshot()
    with pytest.raises(error, match=match):
        place_order(user.id, [(first.id, 1), (last.id, 1)], claim)
    assert db_snapshot() == (rival_left or [before])[0]


def test_an_expected_total_that_no_longer_holds_is_refused(ctx, make_user, make_product,
                                                            db_snapshot):
    user = make_user(balance=10_000)
    product = make_product(price=1_000)
    _refused(lambda: place_order(user.id, [(product.id, 2)], expected_total=1_999),
             OrderTotalChanged, db_snapshot, match="the total is now ₩2,000")
    order, _ = place_order(user.id, [(product.id, 2)], expected_total=2_000)
    assert order.total == 2_000
