"""The orders' own writes as Core constructs: the order, its lines and payment, the
cancellation's flip. Checkout runs them one by one (SQLite) or composes them into its one
statement (PostgreSQL); arguments may be values or SQL.
"""

from __future__ import annotations

from sqlalchemy import Insert, Select, Sequence, Update, func, select

from app.orders.models import Order, OrderLine, Payment
from app.writes import compare_and_set, constant, insert_row


def next_order_id(dialect: str) -> Select:
    """The id the next order will have, drawn before it is written, so that its coupon can
    be marked (and locked) before the order row points at it. PostgreSQL draws it from the
    sequence; SQLite, one writer at a time, takes the next rowid, as it would itself."""
    if dialect == "postgresql":
        return select(Sequence("orders_id_seq").next_value().label("id"))
    return select((func.coalesce(func.max(Order.id), 0) + 1).label("id"))


def order_row(order_id, *, user_id, subtotal, discount, total, user_coupon_id, key,
              created_at) -> Insert:
    """The paid order; returns its ``id``."""
    return insert_row(Order, {
        "id": order_id, "user_id": user_id, "status": constant("paid"), "subtotal": subtotal,
        "discount": discount, "total": total, "user_coupon_id": user_coupon_id,
        "idempotency_key": key, "created_at": created_at}).returning(Order.id)


def line_row(order_id, product_id, name, unit_price, quantity) -> Insert:
    """An order line at the price and name the product has now."""
    return insert_row(OrderLine, {
        "order_id": order_id, "product_id": product_id, "name": name,
        "unit_price": unit_price, "quantity": quantity})


def payment_row(order_id, amount, created_at) -> Insert:
    return insert_row(Payment, {"order_id": order_id, "amount": amount,
                                "method": constant("points"),
                                "created_at": created_at}).returning(Payment.order_id)


def flip_to_cancelled(order_id, now) -> Update:
    """Cancel the order only while it is paid (a compare-and-set: of two concurrent
    cancels exactly one flips it); returns its ``id``, or no row."""
    return compare_and_set(Order, (Order.id == order_id, Order.status == "paid"),
                           {"status": "cancelled", "cancelled_at": now}).returning(Order.id)
