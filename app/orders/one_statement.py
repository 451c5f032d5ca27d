"""Checkout's write on PostgreSQL: the owners' constructs composed into one statement.

The same statements ``checkout._write_order`` runs one by one on SQLite, each made a
data-modifying CTE with ``RETURNING``, in one statement that commits on its own
(``transaction(single_write=True)``): the unit of work's flushes of these rows were ~40% of
a checkout's CPU, and every round trip (BEGIN and COMMIT included) is paid again while a
busy worker waits for the GIL, and while the hot product's row lock waits for it
(docs/BENCHMARKS.md). When a compare-and-set matched nothing, the final SELECT calls
``refuse_checkout`` (migration 0003), whose error undoes the statement. The CTEs run in the
order the final SELECT pulls them, which is also the order their rows are locked in: the
coupon, the order (and its event), the wallet, the cart, then the products in ascending id
order, so two checkouts never wait on each other in a cycle.

- The order's id is drawn first, so that the coupon row is locked (``used``) before the
  order row that points at it exists: the order's foreign key would otherwise take a
  key-share lock on it, and two checkouts racing for one coupon would deadlock instead of
  one being refused.
- ``locked`` takes the product rows in id order, only when the wallet paid, and only after
  the order's other rows are written (its conditions pull them first), so the hot rows are
  locked for as little of the statement as possible.
- The statement is built and compiled once (``compiled_sql``), and its SQL stays under
  psycopg's 4 KB parse cache (``MAX_CACHED_STATEMENT_LENGTH``), past which psycopg parses
  it again on every run (~0.3 ms per checkout): fixed values are written into it
  (``constant``), and scalar parameters carry no cast where psycopg adapts them right.
"""

from __future__ import annotations

import functools
import json

from flask_babel import gettext
from sqlalchemy import (ARRAY, BigInteger, Boolean, Integer, String, bindparam, case,
                        column, exists, func, select, true)
from sqlalchemy.exc import DBAPIError

from app.catalog.sales import count_sold, shop_day
from app.cart.services import remove_ordered
from app.catalog.models import Product
from app.catalog.stock import movement, stock_refusal, take
from app.coupons.usage import CouponNotUsable, mark_used
from app.errors import DomainError
from app.exports.models import ExportEvent
from app.exports.services import event_row
from app.logs import current_request_id
from app.orders.models import OrderLine
from app.orders.rows import line_row, next_order_id, order_row, payment_row
from app.wallet.models import LedgerEntry
from app.wallet.services import balance_change, balance_refusal, ledger_row
from app.writes import constant


@functools.cache
def statement():
    """The write, built once; run it with the parameters ``write_order`` gives."""
    def param(name, type_=None):
        # Untyped where psycopg's own adaptation is right (ints, an aware datetime, a str or
        # None): SQLAlchemy then renders no ``::TYPE`` cast, and the statement stays short.
        # No name is a column's: SQLAlchemy would add it to an UPDATE's SET.
        return bindparam(name, type_=type_)

    user_id, delta, created_at = param("shopper"), param("points"), param("placed_at")
    user_coupon_id = param("claim")
    new_id = next_order_id("postgresql").cte("new_id")
    used = mark_used(user_coupon_id, new_id.select().scalar_subquery(), created_at).cte("used")
    new_order = order_row(
        new_id.c.id, user_id=user_id, subtotal=param("order_subtotal"),
        discount=param("order_discount"), total=param("order_total"),
        user_coupon_id=used.select().scalar_subquery(), key=param("order_key"),
        created_at=created_at,
    ).cte("new_order")
    order_id, now = new_order.c.id, created_at
    # The lines come as parallel arrays: one parameter each, whatever the number of lines;
    # unnest reads them in order, so the lines' ids follow the order's.
    line = func.unnest(*(param(name, ARRAY(type_)) for name, type_ in (
        ("product_ids", Integer), ("names", String), ("unit_prices", BigInteger),
        ("quantities", Integer)))).table_valued(
        column("product_id", Integer), column("name", String), column("unit_price", BigInteger),
        column("quantity", Integer)).render_derived("line")
    lines = (line_row(order_id, line.c.product_id, line.c.name, line.c.unit_price,
                      line.c.quantity)
             .returning(OrderLine.product_id, OrderLine.quantity).cte("lines"))
    event = event_row(order_id, "order_paid", param("snapshot", ExportEvent.payload.type),
                      now, param("rid")).cte("event")
    changed = balance_change(user_id, delta, "payment").cte("changed")
    ledger = ledger_row(user_id, "payment", delta, changed.c.balance, order_id=order_id,
                        created_at=now).returning(LedgerEntry.balance_after,
                                                  LedgerEntry.amount).cte("ledger")
    # The payment is the wallet's: written from the ledger row, so only when it paid.
    payment = payment_row(order_id, -ledger.c.amount, now).cte("payment")
    emptied = (remove_ordered(user_id, select(lines.c.product_id))
               .where(param("from_cart", Boolean)).cte("emptied"))
    locked = (select(Product.id, lines.c.quantity)
              .join_from(Product, lines, Product.id == lines.c.product_id)
              .where(exists(payment.select()),
                     select(func.count()).select_from(emptied).scalar_subquery() >= constant(0))
              .order_by(Product.id)
              .with_for_update(of=Product, key_share=True)  # FOR NO KEY UPDATE OF products
              .cte("locked"))
    taken = take(locked.c.id, locked.c.quantity).returning(locked.c.quantity).cte("taken")
    moved = movement(taken.c.id, -taken.c.quantity, "sale", reason=constant(""),
                     order_id=order_id, created_at=now).cte("moved")
    counted = count_sold(taken.c.id, taken.c.quantity, param("sale_day"),
                         dialect="postgresql").cte("counted")
    balance = select(ledger.c.balance_after).scalar_subquery()
    short = (select(func.min(lines.c.product_id))  # the first line the stock did not cover
             .where(lines.c.product_id.not_in(select(taken.c.id))).scalar_subquery())
    refusal = case(
        (balance.is_(None), func.refuse_checkout(constant("insufficient_points"))),
        (used.select().scalar_subquery().is_distinct_from(user_coupon_id),
         func.refuse_checkout(constant("coupon_used"))),
        (select(func.count()).select_from(taken).scalar_subquery()
         < select(func.count()).select_from(lines).scalar_subquery(),
         func.refuse_checkout(constant("out_of_stock ").concat(short))),
    )
    return (select(order_id, event.c.id, balance, refusal)
            .select_from(new_order.join(event, true())).add_cte(moved, counted))


@functools.cache
def compiled_sql(dialect) -> str:
    """``statement()`` compiled once for ``dialect``. Run as it is, it skips SQLAlchemy's
    compiled-cache lookup, whose hashing of this statement's large cache key cost ~0.1 ms
    of CPU per checkout; none of its parameters needs SQLAlchemy's processing but the
    snapshot, which ``write_order`` serializes itself."""
    return str(statement().compile(dialect=dialect))


def write_order(session, placed, key: str | None, payload: dict,
                from_cart: bool) -> tuple[int, int, int]:
    """Run ``statement``; returns the order's id, the event's and the balance left, or
    raises the refusal ``refuse_checkout`` reported, read from the newest rows."""
    connection = session.connection()
    try:
        order_id, event_id, balance, _ = connection.exec_driver_sql(
            compiled_sql(connection.dialect), {
                "shopper": placed.user_id, "order_subtotal": placed.subtotal,
                "order_discount": placed.discount, "order_total": placed.total,
                "points": -placed.total, "claim": placed.user_coupon_id, "order_key": key,
                "placed_at": placed.created_at, "sale_day": shop_day(placed.created_at),
                "snapshot": json.dumps(payload), "from_cart": from_cart,
                "rid": current_request_id(),
                "product_ids": [line.product_id for line in placed.lines],
                "names": [line.name for line in placed.lines],
                "unit_prices": [line.unit_price for line in placed.lines],
                "quantities": [line.quantity for line in placed.lines],
            }).one()
    except DBAPIError as error:
        reason = _refusal(error)
        if reason is None:
            raise
        session.rollback()  # the statement is undone; read the reason from fresh rows
        raise _refusal_error(session, placed, reason) from None
    return order_id, event_id, balance


_REFUSED = "checkout refused: "


def _refusal(error: DBAPIError) -> str | None:
    """The reason ``refuse_checkout`` gave, or None for any other database error."""
    diag = getattr(error.orig, "diag", None)
    message = getattr(diag, "message_primary", None) or ""
    if getattr(error.orig, "sqlstate", None) != "P0001" or not message.startswith(_REFUSED):
        return None
    return message.removeprefix(_REFUSED)


def _refusal_error(session, placed, reason: str) -> DomainError:
    if reason == "insufficient_points":
        return balance_refusal(session, placed.user_id, -placed.total)
    if reason == "coupon_used":
        return CouponNotUsable(gettext("This coupon has already been used."))
    _, product_id = reason.split()  # "out_of_stock <product id>"
    return stock_refusal(session, int(product_id))
