"""Checkout: an order paid with points, written by the owners of its rows in one lock order.

Checkout reads the products without a lock (the clear refusals cost none), then writes
through each owner's compare-and-set or row, in this order on both databases: the coupon
marked used (``coupons.mark_used``), the order with its lines and export event
(``orders.rows``, ``exports.event_row``), the wallet with its ledger row and the payment
(``wallet.balance_change``, ``ledger_row``, ``orders.rows``), the ordered lines out of the cart
(``cart.remove_ordered``), and last the products in ascending id order with their
movement rows and daily sales (``stock.take``, ``movement``, ``sales.count_sold``). So a
shopper is refused only for a true reason (out of stock, not enough points, coupon
already used), two orders never wait on each other in a cycle, and the hottest rows are
locked for the shortest time.

On SQLite, which has one writer at a time, those statements run one after another in one
transaction. On PostgreSQL the same constructs are composed into one statement
(``app.orders.one_statement``) that commits on its own.
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext
from sqlalchemy import bindparam, select

from app.catalog.sales import count_sold, shop_day
from app.cart.services import remove_ordered
from app.catalog.models import Product
from app.catalog.stock import (OutOfStock, ProductNotFound, movement, only_left, stock_refusal,
                               take)
from app.coupons.usage import CouponNotFound, CouponNotUsable, mark_used, reserve_coupon
from app.db import is_id, retry_on_conflict, transaction, utcnow
from app.errors import InvalidInput
from app.exports.services import deliver_after_commit, event_row, order_snapshot
from app.extensions import db
from app.formatting import format_won_text
from app.i18n import in_locale
from app.idempotency import check_idempotency_key, once_per_key
from app.metrics import CHECKOUTS, count_outcomes
from app.orders import one_statement
from app.orders.models import Order
from app.orders.placed import PlacedLine, PlacedOrder
from app.orders.rows import line_row, next_order_id, order_row, payment_row
from app.orders.rules import (ORDER_ATTEMPTS, OrderTotalChanged, normalize_items,
                              product_not_available)
from app.wallet.services import balance_change, balance_refusal, ledger_row


def _placed_with_key(user_id: int, key: str) -> PlacedOrder | None:
    order = db.session.scalar(
        select(Order).where(Order.user_id == user_id, Order.idempotency_key == key))
    return None if order is None else PlacedOrder.of(order)


@count_outcomes(CHECKOUTS, lambda placed: "paid" if placed[1] else "replayed")
@retry_on_conflict(attempts=ORDER_ATTEMPTS)
def place_order(user_id: int, items, user_coupon_id: int | None = None,
                idempotency_key: str | None = None, *, from_cart: bool = False,
                expected_total: int | None = None) -> tuple[PlacedOrder, bool]:
    """Buy ``items`` (``(product_id, quantity)`` pairs) with points; returns (order, created).

    One transaction; any refusal leaves nothing changed. The rules, in order: a known
    idempotency key returns its order (``created=False``) whatever else was sent; the items
    are valid (``normalize_items``); every product exists and is on sale
    (``ProductNotFound``) and its stock covers the line (``OutOfStock``); the coupon, if
    any, is the shopper's and usable for this subtotal (``CouponNotFound``,
    ``CouponNotUsable``); the balance covers the total (``InsufficientPoints``). Then the
    rows are written in the order above, the module's docstring. ``from_cart`` also empties
    the ordered cart lines. ``expected_total`` (the total the shopper was shown) refuses
    with ``OrderTotalChanged`` when prices or the cart changed since, so nobody pays an
    amount they did not see.
    """
    key = check_idempotency_key(idempotency_key)

    def place() -> PlacedOrder:
        lines = normalize_items(items)
        if user_coupon_id is not None and (type(user_coupon_id) is not int
                                           or user_coupon_id < 1):
            raise InvalidInput(gettext("A coupon id is a positive whole number."),
                               field="coupon_id")
        if user_coupon_id is not None and not is_id(user_coupon_id):
            raise CouponNotFound(gettext("You have no coupon #%(id)s.", id=user_coupon_id))
        return _place(user_id, lines, user_coupon_id, key, from_cart, expected_total)

    return once_per_key(key, lambda: _placed_with_key(user_id, key), place)


# Columns, not entities, and built once: checkout pays for neither ORM loading nor
# building the statement again.
_PRODUCTS_READ = (
    select(Product.__table__.c["id", "name", "name_en", "price", "stock", "is_active"])
    .where(Product.__table__.c.id.in_(bindparam("ids", expanding=True)))
)


def _place(user_id: int, lines: list[tuple[int, int]], user_coupon_id: int | None,
           key: str | None, from_cart: bool, expected_total: int | None) -> PlacedOrder:
    # One write statement on PostgreSQL, committed on its own.
    with transaction(single_write=True) as uow:
        session = uow.session
        now = utcnow()
        product_ids = [product_id for product_id, _ in lines]
        products = {product.id: product for product in
                    session.execute(_PRODUCTS_READ, {"ids": product_ids})}
        # A plain read first: the clear refusals cost no lock. The write re-checks the stock.
        for product_id, quantity in lines:
            product = products.get(product_id)
            if product is None or not product.is_active:
                raise ProductNotFound(product_not_available(product_id))
            # The refusal names the product as the shopper reads it; the order keeps its name.
            name = in_locale(product.name, product.name_en)
            if product.stock <= 0:
                raise OutOfStock(gettext("%(name)s is sold out.", name=name))
            if quantity > product.stock:
                raise OutOfStock(only_left(name, product.stock, asked=quantity))
        subtotal = sum(products[product_id].price * quantity for product_id, quantity in lines)
        discount = 0
        if user_coupon_id is not None:
            _, discount = reserve_coupon(session, user_id, user_coupon_id, subtotal, now)
        total = subtotal - discount
        if expected_total is not None and total != expected_total:
            raise OrderTotalChanged(gettext(
                "Prices or your cart changed since this page was shown: the total is now "
                "%(total)s, not %(expected)s. Check it and pay again.",
                total=format_won_text(total), expected=format_won_text(expected_total)))
        placed = PlacedOrder(  # its id is known once it is written
            id=0, user_id=user_id, status="paid", subtotal=subtotal, discount=discount,
            total=total, user_coupon_id=user_coupon_id, created_at=now, cancelled_at=None,
            lines=tuple(PlacedLine(product_id, products[product_id].name,
                                   products[product_id].price, quantity)
                        for product_id, quantity in lines))
        # No balance read before: the wallet's compare-and-set refuses a short wallet
        # (``InsufficientPoints``) and rolls all of this back.
        order_id, event_id, balance = _write_order(session, placed, key,
                                                   order_snapshot(session, placed), from_cart)
        deliver_after_commit(uow, event_id)
    return replace(placed, id=order_id, balance=balance)


def _write_order(session, placed: PlacedOrder, key: str | None, payload: dict,
                 from_cart: bool) -> tuple[int, int, int]:
    """Write the paid order, in the lock order of the module's docstring; returns the
    order's id, the event's and the balance left. Raises ``InsufficientPoints``,
    ``CouponNotUsable`` or ``OutOfStock`` (in that precedence) when a compare-and-set finds
    its row no longer allows it, and then nothing is written."""
    if session.get_bind().dialect.name == "postgresql":
        return one_statement.write_order(session, placed, key, payload, from_cart)
    return _write_one_by_one(session, placed, key, payload, from_cart)


def _write_one_by_one(session, placed: PlacedOrder, key: str | None, payload: dict,
                      from_cart: bool) -> tuple[int, int, int]:
    # SQLite: the constructs ``one_statement`` composes, one statement each, in its order;
    # the caller's transaction rolls everything back on a refusal.
    # The coupon is marked with the order's id before the order row exists, as on
    # PostgreSQL; the foreign key is checked at COMMIT (the pragma ends with the transaction).
    session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    now = placed.created_at
    order_id = session.execute(next_order_id("sqlite")).scalar_one()
    marked = placed.user_coupon_id is None or session.execute(
        mark_used(placed.user_coupon_id, order_id, now)).first() is not None
    session.execute(order_row(
        order_id, user_id=placed.user_id, subtotal=placed.subtotal, discount=placed.discount,
        total=placed.total, user_coupon_id=placed.user_coupon_id, key=key, created_at=now))
    for line in placed.lines:
        session.execute(line_row(order_id, line.product_id, line.name, line.unit_price,
                                 line.quantity))
    event_id = session.execute(event_row(order_id, "order_paid", payload, now)).scalar_one()
    balance = session.execute(
        balance_change(placed.user_id, -placed.total, "payment")).scalar_one_or_none()
    if balance is None:
        raise balance_refusal(session, placed.user_id, -placed.total)
    session.execute(ledger_row(placed.user_id, "payment", -placed.total, balance,
                               order_id=order_id, created_at=now))
    session.execute(payment_row(order_id, placed.total, now))
    if not marked:
        raise CouponNotUsable("This coupon has already been used.")
    if from_cart:
        session.execute(remove_ordered(placed.user_id,
                                       [line.product_id for line in placed.lines]))
    day = shop_day(now)
    for line in placed.lines:  # ascending product id (normalize_items)
        if session.execute(take(line.product_id, line.quantity)).first() is None:
            raise stock_refusal(session, line.product_id)
        session.execute(movement(line.product_id, -line.quantity, "sale", order_id=order_id,
                                 created_at=now))
        session.execute(count_sold(line.product_id, line.quantity, day, dialect="sqlite"))
    return order_id, event_id, balance
