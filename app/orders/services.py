"""Orders: checkout paid with points, and cancellation, each one transaction.

Checkout reads the products without a lock (the clear refusals cost none), then writes
everything, the hottest rows last: on PostgreSQL in one statement that locks the shopper's
coupon, the new order (whose unique idempotency key makes a duplicate wait there, before
anything hot), the shopper's wallet, then the products in ascending id order; on SQLite,
which has one writer at a time, as the same steps one statement each. Every contended write
is a compare-and-set on the invariant (``change_balance``, ``mark_coupon_used``,
``change_stock``), so a shopper is refused only for a true reason (out of stock, not enough
points, coupon already used), and two orders can never wait on each other in a cycle.
Products come last because they are the hottest rows: their locks are held only until
COMMIT.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.bestsellers.sales import record_units, shop_day
from app.cart.models import CartItem
from app.cart.services import MAX_QUANTITY, MIN_QUANTITY
from app.catalog.models import Product
from app.catalog.stock import OutOfStock, ProductNotFound, change_stock, stock_refusal
from app.coupons.models import Coupon, UserCoupon
from app.coupons.services import (CouponNotFound, CouponNotUsable, coupon_discount,
                                  mark_coupon_used, release_coupon, reserve_coupon)
from app.db import is_id, retry_on_conflict, transaction, utcnow
from app.errors import DomainError, InvalidInput
from app.exports.services import (deliver_after_commit, order_snapshot, record_order_event,
                                  write_event)
from app.extensions import db
from app.orders.models import Order, OrderLine, Payment
from app.wallet.models import LedgerEntry
from app.wallet.services import balance_change_sql, balance_refusal, change_balance

ORDER_ATTEMPTS = 10
MAX_LINES = 100
IDEMPOTENCY_KEY_MAX = 100
# Printable ASCII without spaces: what clients send as UUIDs or tokens, safe in logs and URLs.
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,%d}" % IDEMPOTENCY_KEY_MAX)


class OrderNotFound(DomainError):
    code = "order_not_found"
    status = 404
    title = "Order not found"


class OrderTotalChanged(DomainError):
    code = "order_total_changed"
    status = 409
    title = "The total has changed"


class OrderNotCancellable(DomainError):
    code = "order_not_cancellable"
    status = 409
    title = "Order cannot be cancelled"


# --- input rules ------------------------------------------------------------------------


def normalize_items(items) -> list[tuple[int, int]]:
    """``(product_id, quantity)`` pairs merged per product, in ascending product id order.

    Non-empty, at most 100 lines (counted as sent, as the API document's ``maxItems`` does),
    ids positive whole numbers, each line's quantity a whole number from 1 to 10,000 (the API
    document's bound). Repeated lines of one product add up, so at most 1,000,000 of it: the
    stock, not a second cap, decides whether they can be served. Anything else is
    ``InvalidInput``.
    """
    if not items:
        raise InvalidInput("Your cart is empty: add a product first.")
    if len(items) > MAX_LINES:
        raise InvalidInput(f"An order has at most {MAX_LINES} lines.", field="items")
    merged: dict[int, int] = {}
    for item in items:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise InvalidInput("Each line is a product and a quantity.")
        product_id, quantity = item
        if type(product_id) is not int or product_id < 1:
            raise InvalidInput("A product id is a positive whole number.", field="product_id")
        if not is_id(product_id):
            raise ProductNotFound(f"Product #{product_id} is not available.")
        if type(quantity) is not int or not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
            raise InvalidInput(f"A quantity is a whole number from {MIN_QUANTITY} to "
                               f"{MAX_QUANTITY:,}.", field="quantity")
        merged[product_id] = merged.get(product_id, 0) + quantity
    return sorted(merged.items())


def check_idempotency_key(key) -> str | None:
    """None, or 1 to 100 printable ASCII characters without spaces."""
    if key is None:
        return None
    if not isinstance(key, str) or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(f"An idempotency key is 1 to {IDEMPOTENCY_KEY_MAX} printable "
                           "characters without spaces.")
    return key


def _order_with_key(user_id: int, key: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.user_id == user_id, Order.idempotency_key == key)
    )


@dataclass(frozen=True)
class PlacedLine:
    product_id: int
    name: str
    unit_price: int
    quantity: int


@dataclass(frozen=True)
class PlacedOrder:
    """What checkout answers: the order as it was written (or as a replayed idempotency key
    finds it now) and the balance its payment left. Plain values, not ORM rows: checkout
    writes with single statements and reads nothing back."""

    id: int
    user_id: int
    status: str
    subtotal: int
    discount: int
    total: int
    user_coupon_id: int | None
    lines: tuple[PlacedLine, ...]
    created_at: datetime
    cancelled_at: datetime | None
    balance: int | None = None

    @classmethod
    def of(cls, order: Order) -> PlacedOrder:
        return cls(id=order.id, user_id=order.user_id, status=order.status,
                   subtotal=order.subtotal, discount=order.discount, total=order.total,
                   user_coupon_id=order.user_coupon_id, created_at=order.created_at,
                   cancelled_at=order.cancelled_at,
                   lines=tuple(PlacedLine(line.product_id, line.name, line.unit_price,
                                          line.quantity) for line in order.lines),
                   balance=balance_after(order, "payment"))


# --- checkout ---------------------------------------------------------------------------


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
    order, its lines at today's price and name, the payment, the ``payment`` ledger row,
    the coupon marked used, the export event, and last the stock and daily sales, product
    by product in ascending id order. ``from_cart`` also empties the ordered cart lines.
    ``expected_total`` (the total the shopper was shown) refuses with ``OrderTotalChanged``
    when prices or the cart changed since, so nobody pays an amount they did not see.
    """
    key = check_idempotency_key(idempotency_key)
    if key is not None:
        existing = _order_with_key(user_id, key)
        if existing is not None:
            return PlacedOrder.of(existing), False
    lines = normalize_items(items)
    if user_coupon_id is not None and (type(user_coupon_id) is not int or user_coupon_id < 1):
        raise InvalidInput("A coupon id is a positive whole number.", field="coupon_id")
    if user_coupon_id is not None and not is_id(user_coupon_id):
        raise CouponNotFound(f"You have no coupon #{user_coupon_id}.")
    try:
        return _place(user_id, lines, user_coupon_id, key, from_cart, expected_total), True
    except IntegrityError:
        # The same key committed by a concurrent request while this one waited on it.
        existing = _order_with_key(user_id, key) if key is not None else None
        if existing is None:
            raise
        return PlacedOrder.of(existing), False


# Columns, not entities, and built once: checkout pays for neither ORM loading nor
# building the statement again.
_PRODUCTS_READ = (
    select(Product.__table__.c["id", "name", "price", "stock", "is_active"])
    .where(Product.__table__.c.id.in_(bindparam("ids", expanding=True)))
)


def _place(user_id: int, lines: list[tuple[int, int]], user_coupon_id: int | None,
           key: str | None, from_cart: bool, expected_total: int | None) -> PlacedOrder:
    # One write statement on PostgreSQL (``_WRITE_ORDER_PG``), committed on its own.
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
                raise ProductNotFound(f"Product #{product_id} is not available.")
            if product.stock <= 0:
                raise OutOfStock(f"{product.name} is sold out.")
            if quantity > product.stock:
                raise OutOfStock(f"Only {product.stock:,} of {product.name} left; "
                                 f"you asked for {quantity:,}.")
        subtotal = sum(products[product_id].price * quantity for product_id, quantity in lines)
        discount = 0
        if user_coupon_id is not None:
            _, discount = reserve_coupon(session, user_id, user_coupon_id, subtotal, now)
        total = subtotal - discount
        if expected_total is not None and total != expected_total:
            raise OrderTotalChanged(
                f"Prices or your cart changed since this page was shown: the total is now "
                f"{total:,} won, not {expected_total:,} won. Check it and pay again.")
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
    """Write the paid order: the order with its lines and payment, its ``order_paid`` export
    event (``payload``, as ``write_event`` writes it), the coupon
    marked used (``mark_coupon_used``), the total taken from the wallet
    (``change_balance``), the ordered lines out of the cart (``from_cart``), and last the
    stock and daily sales of each product in ascending id order (``change_stock``,
    ``record_units``). Returns the order's id, the event's and the balance left. Raises
    ``CouponNotUsable``, ``InsufficientPoints`` or ``OutOfStock`` when a compare-and-set
    finds its row no longer allows it, and then nothing is written.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _write_order_pg(session, placed, key, payload, from_cart)
    if from_cart:
        session.execute(delete(CartItem).where(
            CartItem.user_id == placed.user_id,
            CartItem.product_id.in_([line.product_id for line in placed.lines])))
    orders = Order.__table__
    order_id = session.execute(insert(orders).returning(orders.c.id), {
        "user_id": placed.user_id, "status": "paid", "subtotal": placed.subtotal,
        "discount": placed.discount, "total": placed.total, "idempotency_key": key,
        "created_at": placed.created_at}).scalar_one()
    session.execute(insert(OrderLine.__table__), [
        {"order_id": order_id, "product_id": line.product_id, "name": line.name,
         "unit_price": line.unit_price, "quantity": line.quantity} for line in placed.lines])
    session.execute(insert(Payment.__table__), {
        "order_id": order_id, "amount": placed.total, "method": "points",
        "created_at": placed.created_at})
    event_id = write_event(session, order_id, "order_paid", payload, placed.created_at)
    payment = change_balance(session, placed.user_id, -placed.total, "payment", order_id)
    if placed.user_coupon_id is not None:
        mark_coupon_used(session, placed.user_coupon_id, order_id, placed.created_at)
        # The order points at its coupon only once the coupon is marked, as on PostgreSQL.
        session.execute(update(orders).where(orders.c.id == order_id)
                        .values(user_coupon_id=placed.user_coupon_id))
    day = shop_day(placed.created_at)
    for line in placed.lines:
        change_stock(session, line.product_id, -line.quantity, "sale", order_id=order_id)
        record_units(session, line.product_id, line.quantity, day)
    return order_id, event_id, payment.balance_after


# PostgreSQL writes the whole order in one statement that commits on its own, the same
# steps as the SQLite branch of ``_write_order``: the unit of work's flushes of these rows
# were ~40% of a checkout's CPU, and every round trip (BEGIN and COMMIT included) is paid
# again while a busy worker waits for the GIL, and while the hot product's row lock waits
# for it (docs/BENCHMARKS.md). When a compare-and-set matched nothing, the final SELECT
# calls ``refuse_checkout`` (migration 0003), whose error undoes the statement. The CTEs run
# in the order the final SELECT pulls them, which is also the order their rows are locked
# in: the coupon, the wallet, then the products in ascending id order, so two checkouts
# never wait on each other in a cycle.
# - The order's id is drawn first, so that the coupon row is locked (``used``) before the
#   order row that points at it exists: the order's foreign key would otherwise take a
#   key-share lock on it, and two checkouts racing for one coupon would deadlock instead of
#   one being refused.
# - ``locked`` takes the product rows in id order, only when the wallet paid, and only
#   after the order's other rows are written (the ``EXISTS`` pull them first), so the hot
#   rows are locked for as little of the statement as possible.
# - It is sent without its indentation: psycopg caches its parse of a query only up to 4 KB
#   (``MAX_CACHED_STATEMENT_LENGTH``), and parsing this one again cost ~0.4 ms per checkout.
_WRITE_ORDER_PG = text("\n".join(line.strip() for line in f"""
    WITH new_id AS (
        SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id
    ), used AS (
        UPDATE user_coupons SET used_order_id = (SELECT id FROM new_id), used_at = :created_at
         WHERE id = :user_coupon_id AND used_order_id IS NULL
        RETURNING id
    ), new_order AS (
        INSERT INTO orders (id, user_id, status, subtotal, discount, total, user_coupon_id,
                            idempotency_key, created_at)
        SELECT id, :user_id, 'paid', :subtotal, :discount, :total, (SELECT id FROM used),
               :key, :created_at
          FROM new_id
        RETURNING id
    ), lines AS (
        INSERT INTO order_lines (order_id, product_id, name, unit_price, quantity)
        SELECT new_order.id, line.product_id, line.name, line.unit_price, line.quantity
          FROM new_order,
               unnest(CAST(:product_ids AS integer[]), CAST(:names AS text[]),
                      CAST(:unit_prices AS bigint[]), CAST(:quantities AS integer[]))
               WITH ORDINALITY AS line (product_id, name, unit_price, quantity, n)
         ORDER BY line.n
        RETURNING order_id
    ), payment AS (
        INSERT INTO payments (order_id, amount, method, created_at)
        SELECT id, :total, 'points', :created_at FROM new_order
        RETURNING order_id
    ), event AS (
        INSERT INTO export_events (order_id, kind, payload, status, attempts, created_at,
                                   enqueued_at)
        SELECT id, 'order_paid', CAST(:payload AS json), 'pending', 0, :created_at,
               :created_at
          FROM new_order
        RETURNING id
    ), {balance_change_sql("(SELECT id FROM new_order)")}, locked AS (
        SELECT products.id, line.quantity
          FROM products
          JOIN unnest(CAST(:product_ids AS integer[]), CAST(:quantities AS integer[]))
               AS line (product_id, quantity) ON products.id = line.product_id
         WHERE EXISTS (SELECT FROM ledger) AND EXISTS (SELECT FROM lines)
           AND EXISTS (SELECT FROM payment)
         ORDER BY products.id
           FOR NO KEY UPDATE OF products
    ), taken AS (
        UPDATE products SET stock = products.stock - locked.quantity,
                            version = products.version + 1
          FROM locked
         WHERE products.id = locked.id AND products.stock >= locked.quantity
        RETURNING products.id, locked.quantity
    ), moved AS (
        INSERT INTO stock_movements (product_id, delta, kind, reason, order_id, created_at)
        SELECT id, -quantity, 'sale', '', (SELECT id FROM new_order), :created_at FROM taken
    ), counted AS (
        INSERT INTO product_daily_sales (product_id, day, units)
        SELECT id, :day, quantity FROM taken
        ON CONFLICT (product_id, day)
        DO UPDATE SET units = product_daily_sales.units + EXCLUDED.units
    ), emptied AS (
        DELETE FROM cart_items
         WHERE :from_cart AND user_id = :user_id
           AND product_id = ANY(CAST(:product_ids AS integer[]))
    )
    SELECT new_order.id, event.id, (SELECT balance_after FROM ledger),
           CASE WHEN NOT EXISTS (SELECT FROM ledger)
                THEN refuse_checkout('insufficient_points')
                WHEN CAST(:user_coupon_id AS integer) IS NOT NULL
                     AND NOT EXISTS (SELECT FROM used)
                THEN refuse_checkout('coupon_used')
                WHEN (SELECT count(*) FROM taken) < cardinality(CAST(:product_ids AS integer[]))
                THEN refuse_checkout('out_of_stock ' || (
                    SELECT min(product_id)
                      FROM unnest(CAST(:product_ids AS integer[])) AS line (product_id)
                     WHERE product_id NOT IN (SELECT id FROM taken)))
           END
      FROM new_order, event
""".splitlines()))


def _write_order_pg(session, placed: PlacedOrder, key: str | None, payload: dict,
                    from_cart: bool) -> tuple[int, int, int]:
    columns = zip(*((line.product_id, line.name, line.unit_price, line.quantity)
                    for line in placed.lines))
    try:
        order_id, event_id, balance, _ = session.execute(_WRITE_ORDER_PG, {
            "user_id": placed.user_id, "subtotal": placed.subtotal,
            "discount": placed.discount, "total": placed.total,
            "user_coupon_id": placed.user_coupon_id, "key": key,
            "created_at": placed.created_at, "day": shop_day(placed.created_at),
            "kind": "payment", "delta": -placed.total, "payload": json.dumps(payload),
            "from_cart": from_cart,
            **dict(zip(("product_ids", "names", "unit_prices", "quantities"),
                       map(list, columns))),
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


def _refusal_error(session, placed: PlacedOrder, reason: str) -> DomainError:
    if reason == "insufficient_points":
        return balance_refusal(session, placed.user_id, -placed.total)
    if reason == "coupon_used":
        return CouponNotUsable("This coupon has already been used.")
    _, product_id = reason.split()  # "out_of_stock <product id>"
    return stock_refusal(session, int(product_id))


# --- cancellation -----------------------------------------------------------------------


@retry_on_conflict(attempts=ORDER_ATTEMPTS)
def cancel_order(user_id: int, order_id: int, *, by_admin: bool = False) -> Order:
    """Cancel a paid order: refund its points, give its coupon back, restore its stock.

    Someone else's order is ``OrderNotFound`` (an admin may cancel anyone's). Only a paid
    order can be cancelled: the status flips with a compare-and-set, so of two concurrent
    cancels exactly one refunds and the other hears ``OrderNotCancellable``. Units sold
    are taken off the day the order was placed, so the best sellers forget it.
    """
    if not is_id(order_id):
        raise OrderNotFound(f"You have no order #{order_id}.")
    with transaction() as uow:
        session = uow.session
        order = session.get(Order, order_id)
        if order is None or (order.user_id != user_id and not by_admin):
            raise OrderNotFound(f"You have no order #{order_id}.")
        now = utcnow()
        flipped = session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == "paid")
            .values(status="cancelled", cancelled_at=now)
            .returning(Order.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if flipped is None:
            raise OrderNotCancellable(f"Order #{order_id} is already cancelled.")
        # The flip bypassed the identity map; the event snapshot must see the new state.
        session.refresh(order)
        change_balance(session, order.user_id, order.total, "refund", order.id)
        if order.payment is not None:
            order.payment.refunded_at = now
        if order.user_coupon_id is not None:
            release_coupon(session, order.user_coupon_id)
        session.flush()
        record_order_event(uow, order, "order_cancelled")
        session.flush()
        day = shop_day(order.created_at)
        for line in sorted(order.lines, key=lambda line: line.product_id):
            change_stock(session, line.product_id, line.quantity, "cancel", order_id=order.id)
            record_units(session, line.product_id, -line.quantity, day)
    return order


# --- reads ------------------------------------------------------------------------------


def get_order(user_id: int, order_id: int) -> Order:
    """The shopper's own order; anyone else's is ``OrderNotFound`` so ids cannot be probed."""
    order = db.session.get(Order, order_id) if is_id(order_id) else None
    if order is None or order.user_id != user_id:
        raise OrderNotFound(f"You have no order #{order_id}.")
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
    return db.session.scalar(select(Coupon.name).join(UserCoupon)
                             .where(UserCoupon.id == order.user_coupon_id))


@dataclass(frozen=True)
class CouponChoice:
    """One of the shopper's claimed coupons as checkout offers it."""

    id: int
    name: str
    discount: int
    expires_at: datetime
    problem: str | None  # why it cannot be used on this subtotal, or None


def coupon_choices(user_id: int, subtotal: int, now: datetime | None = None
                   ) -> list[CouponChoice]:
    """The shopper's unused, unexpired coupons, soonest expiry first, each with its discount
    on ``subtotal`` or the reason it does not apply (paused by the shop, minimum not met),
    as My coupons shows them.
    """
    now = now or utcnow()
    rows = db.session.scalars(
        select(UserCoupon)
        .where(UserCoupon.user_id == user_id, UserCoupon.used_order_id.is_(None),
               UserCoupon.expires_at > now)
        .order_by(UserCoupon.expires_at, UserCoupon.id)
    ).all()
    choices = []
    for row in rows:
        coupon = row.coupon
        problem = None
        if coupon.status != "active":
            problem = "paused by the shop"
        elif subtotal < coupon.min_order_amount:
            problem = f"needs an order of {coupon.min_order_amount:,} won"
        choices.append(CouponChoice(id=row.id, name=coupon.name,
                                    discount=0 if problem else coupon_discount(coupon, subtotal),
                                    expires_at=row.expires_at, problem=problem))
    return choices
