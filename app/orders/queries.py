"""Reading orders: the shopper's own, a page of them, and what an order moved."""

from __future__ import annotations

from sqlalchemy import select

from app.coupons.models import Coupon, UserCoupon
from app.db import is_id
from app.extensions import db
from app.i18n import in_locale
from app.orders.models import Order
from app.orders.rules import OrderNotFound, no_such_order
from app.wallet.models import LedgerEntry


def get_order(user_id: int, order_id: int) -> Order:
    """The shopper's own order; anyone else's is ``OrderNotFound`` so ids cannot be probed."""
    order = db.session.get(Order, order_id) if is_id(order_id) else None
    if order is None or order.user_id != user_id:
        raise OrderNotFound(no_such_order(order_id))
    return order


def orders_page(user_id: int, page: int = 1, per_page: int = 20):
    """The shopper's orders, newest first, as a Flask-SQLAlchemy ``Pagination``."""
    query = select(Order).where(Order.user_id == user_id).order_by(Order.id.desc())
    return db.paginate(query, page=page, per_page=per_page, max_per_page=100, error_out=False)


def order_ledger(order: Order) -> list[LedgerEntry]:
    """The points movements of an order: its payment, and its refund once cancelled."""
    return list(order.ledger_entries)


def balance_after(order: Order, kind: str) -> int | None:
    """The wallet balance the order's ``payment`` (or ``refund``) left: the same answer
    however often a replayed request asks, unlike the balance now. A fresh order carries
    its payment row already, so answering costs no query."""
    return next((entry.balance_after for entry in order.ledger_entries if entry.kind == kind),
                None)


def coupon_name(order: Order) -> str | None:
    if order.user_coupon_id is None:
        return None
    row = db.session.execute(select(Coupon.name, Coupon.name_en).join(UserCoupon)
                             .where(UserCoupon.id == order.user_coupon_id)).first()
    return None if row is None else in_locale(row.name, row.name_en)
