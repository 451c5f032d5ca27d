"""Cancelling a paid order: one transaction that calls each owner to undo its part, in
checkout's lock order (the coupon, the order and its event, the wallet, then the products
in ascending id order, last)."""

from __future__ import annotations

from flask_babel import gettext

from app.catalog.sales import record_units, shop_day
from app.catalog.stock import change_stock
from app.coupons.usage import release_coupon
from app.db import is_id, retry_on_conflict, transaction, utcnow
from app.exports.services import record_order_event
from app.orders.models import Order
from app.orders.rows import flip_to_cancelled
from app.orders.rules import ORDER_ATTEMPTS, OrderNotCancellable, OrderNotFound, no_such_order
from app.wallet.services import change_balance


@retry_on_conflict(attempts=ORDER_ATTEMPTS)
def cancel_order(user_id: int, order_id: int, *, by_admin: bool = False) -> Order:
    """Cancel a paid order: refund its points, give its coupon back, restore its stock.

    Someone else's order is ``OrderNotFound`` (an admin may cancel anyone's). Only a paid
    order can be cancelled: the status flips with a compare-and-set, so of two concurrent
    cancels exactly one refunds and the other hears ``OrderNotCancellable``. Units sold
    are taken off the day the order was placed, so the best sellers forget it.
    """
    if not is_id(order_id):
        raise OrderNotFound(no_such_order(order_id))
    with transaction() as uow:
        session = uow.session
        order = session.get(Order, order_id)
        if order is None or (order.user_id != user_id and not by_admin):
            raise OrderNotFound(no_such_order(order_id))
        now = utcnow()
        if order.user_coupon_id is not None:
            release_coupon(session, order.user_coupon_id)
        if session.execute(flip_to_cancelled(order_id, now)).first() is None:
            raise OrderNotCancellable(gettext("Order #%(id)s is already cancelled.",
                                              id=order_id))
        # The flip bypassed the identity map; the event snapshot must see the new state.
        session.refresh(order)
        if order.payment is not None:
            order.payment.refunded_at = now
        session.flush()
        record_order_event(uow, order, "order_cancelled")
        change_balance(session, order.user_id, order.total, "refund", order.id)
        day = shop_day(order.created_at)
        for line in sorted(order.lines, key=lambda line: line.product_id):
            change_stock(session, line.product_id, line.quantity, "cancel", order_id=order.id)
            record_units(session, line.product_id, -line.quantity, day)
    return order
