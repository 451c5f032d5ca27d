"""The one way stock changes: a compare-and-set on the invariant plus a movement row.

``take``, ``give`` and ``movement`` are the statements; ``change_stock`` runs them for one
product inside the caller's transaction (cancellation, admin adjustments, checkout on
SQLite), and checkout on PostgreSQL composes the same statements into its one write. So
``products.stock`` always equals the sum of its ``stock_movements``.
"""

from __future__ import annotations

from flask_babel import format_number, gettext, lazy_gettext
from sqlalchemy import Insert, Update, select

from app.catalog.models import Product, StockMovement
from app.db import utcnow
from app.errors import Conflict, DomainError, NotFound
from app.i18n import in_locale
from app.writes import compare_and_set, constant, insert_row


class OutOfStock(Conflict):
    code = "out_of_stock"
    title = lazy_gettext("Out of stock")
    field = "quantity"


class ProductNotFound(NotFound):
    code = "product_not_found"
    title = lazy_gettext("Product not found")


def no_such_product(product_id) -> ProductNotFound:
    """The one refusal for an unknown (or, to shoppers, hidden) product id."""
    return ProductNotFound(gettext("There is no product #%(id)s.", id=product_id))


def take(product_id, quantity) -> Update:
    """Take ``quantity`` off the product's stock only where the stock covers it; returns
    ``(id, stock)`` of the row it changed, none when it does not. The row lock orders
    concurrent writers and the condition is re-checked on the newest row, so a shopper is
    refused only when the stock truly cannot cover them. Either argument may be a column
    of another statement (checkout takes every line of an order in one statement)."""
    return compare_and_set(Product, (Product.id == product_id, Product.stock >= quantity),
                           {"stock": Product.stock - quantity}
                           ).returning(Product.id, Product.stock)


def give(product_id, quantity) -> Update:
    """Add ``quantity`` to the product's stock; returns ``(id, stock)``."""
    return compare_and_set(Product, (Product.id == product_id,),
                           {"stock": Product.stock + quantity}
                           ).returning(Product.id, Product.stock)


def movement(product_id, delta, kind: str, *, created_at, reason: str = "", order_id=None,
             actor_id=None, import_id=None) -> Insert:
    """The movement row of a stock change of ``delta``."""
    return insert_row(StockMovement, {
        "product_id": product_id, "delta": delta, "kind": constant(kind), "reason": reason,
        "order_id": order_id, "actor_id": actor_id, "import_id": import_id,
        "created_at": created_at})


def change_stock(session, product_id: int, delta: int, kind: str, *, reason: str = "",
                 order_id: int | None = None, actor_id: int | None = None,
                 import_id: str | None = None) -> int:
    """Add ``delta`` (negative to take) to a product's stock and write its movement row;
    returns the stock left. Raises ``OutOfStock`` (nothing written) or ``ProductNotFound``.
    """
    changed = session.execute(
        take(product_id, -delta) if delta < 0 else give(product_id, delta)).one_or_none()
    if changed is None:
        raise stock_refusal(session, product_id)
    session.execute(movement(product_id, delta, kind, reason=reason, order_id=order_id,
                             actor_id=actor_id, import_id=import_id, created_at=utcnow()))
    return changed.stock


def stock_refusal(session, product_id: int) -> DomainError:
    """Why a compare-and-set on the stock matched no row, read from the newest row."""
    row = session.execute(select(Product.name, Product.name_en, Product.stock)
                          .where(Product.id == product_id)).first()
    if row is None:
        return no_such_product(product_id)
    name = in_locale(row.name, row.name_en)
    if row.stock == 0:
        return OutOfStock(gettext("%(name)s is sold out.", name=name))
    return OutOfStock(only_left(name, row.stock))


def only_left(name: str, stock: int, asked: int | None = None, held: int = 0) -> str:
    """The refusal when the stock left (``stock`` > 0) cannot serve a line: the one sentence
    the cart, checkout and the stock's compare-and-set say it with."""
    if asked is not None:
        return gettext("Only %(stock)s of %(name)s left; you asked for %(asked)s.",
                       stock=format_number(stock), name=name, asked=format_number(asked))
    if held:
        return gettext("Only %(stock)s of %(name)s left and you already have %(held)s in "
                       "your cart.", stock=format_number(stock), name=name,
                       held=format_number(held))
    return gettext("Only %(stock)s of %(name)s left.", stock=format_number(stock), name=name)
