"""The shopper's cart: lines kept in the database, checked against the catalog as it is now.

A cart holds no stock: adding a product only checks that the stock left could serve the
line today. Checkout (``app.orders.checkout.place_order``) is where stock is taken, so the
cart never needs a lock and two shoppers can hold the last unit in their carts at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_number, gettext, lazy_gettext
from sqlalchemy import Delete, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.cart.models import CartItem
from app.catalog.models import Product
from app.catalog.stock import OutOfStock, ProductNotFound, only_left
from app.db import is_id, retry_on_conflict, transaction
from app.errors import InvalidInput, NotFound
from app.extensions import db

MIN_QUANTITY = 1
MAX_QUANTITY = 10_000
CART_ATTEMPTS = 3


class CartLineNotFound(NotFound):
    code = "cart_line_not_found"
    title = lazy_gettext("Not in your cart")


def quantity_message() -> str:
    return gettext("Enter a whole number from %(min)s to %(max)s.", min=MIN_QUANTITY,
                   max=format_number(MAX_QUANTITY))


def check_quantity(quantity) -> int:
    """A quantity is a whole number from 1 to 10,000 (a bool or float is not)."""
    if type(quantity) is not int or not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise InvalidInput(quantity_message(), field="quantity")
    return quantity


def _buyable_product(session, product_id) -> Product:
    """The product, if it exists and is on sale; hidden products are as good as missing."""
    if type(product_id) is not int:
        raise InvalidInput(gettext("Choose a product."), field="product_id")
    product = session.get(Product, product_id) if is_id(product_id) else None
    if product is None or not product.is_active:
        raise ProductNotFound(gettext("That product is not available."))
    return product


def _check_stock_covers(product: Product, quantity: int) -> None:
    if product.stock <= 0:
        raise OutOfStock(gettext("%(name)s is sold out.", name=product.display_name))
    if quantity > product.stock:
        raise OutOfStock(only_left(product.display_name, product.stock, asked=quantity))


def _upsert_line(session, user_id: int, product_id: int, quantity: int) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(CartItem).values(user_id=user_id, product_id=product_id,
                                        quantity=quantity)
    session.execute(statement.on_conflict_do_update(
        index_elements=[CartItem.user_id, CartItem.product_id],
        set_={"quantity": statement.excluded.quantity},
    ))


@retry_on_conflict(attempts=CART_ATTEMPTS)
def add_to_cart(user_id: int, product_id: int, quantity) -> tuple[str, int]:
    """Add ``quantity`` of a product to the cart; returns its shown name and the line's
    quantity.

    The line's total (what was there plus what is added) must stay within 1..10,000 and
    within the stock left; a hidden or unknown product is ``ProductNotFound``, a sold-out
    one ``OutOfStock``. Nothing changes when refused.
    """
    quantity = check_quantity(quantity)
    with transaction() as uow:
        session = uow.session
        product = _buyable_product(session, product_id)
        held = session.scalar(select(CartItem.quantity).where(
            CartItem.user_id == user_id, CartItem.product_id == product_id)) or 0
        total = held + quantity
        if total > MAX_QUANTITY:
            raise InvalidInput(gettext(
                "A cart line holds at most %(max)s; you already have %(held)s of %(name)s.",
                max=format_number(MAX_QUANTITY), held=format_number(held),
                name=product.display_name), field="quantity")
        if product.stock <= 0:
            raise OutOfStock(gettext("%(name)s is sold out.", name=product.display_name))
        if total > product.stock:
            raise OutOfStock(only_left(product.display_name, product.stock, held=held))
        # An upsert, so a double-clicked "Add" never trips the (user, product) unique rule.
        _upsert_line(session, user_id, product_id, total)
    return product.display_name, total


@retry_on_conflict(attempts=CART_ATTEMPTS)
def set_cart_quantity(user_id: int, product_id: int, quantity) -> None:
    """Set a cart line's quantity (1..10,000, within the stock left)."""
    quantity = check_quantity(quantity)
    if not is_id(product_id):
        raise CartLineNotFound(gettext("That product is not in your cart."))
    with transaction() as uow:
        session = uow.session
        line = session.scalar(select(CartItem).where(
            CartItem.user_id == user_id, CartItem.product_id == product_id))
        if line is None:
            raise CartLineNotFound(gettext("That product is not in your cart."))
        product = _buyable_product(session, product_id)
        _check_stock_covers(product, quantity)
        line.quantity = quantity


def remove_ordered(user_id, product_ids) -> Delete:
    """Take the ordered products' lines out of the shopper's cart; returns their ``id``.
    ``product_ids`` is a list, or a SELECT of them (checkout composes this)."""
    return (delete(CartItem)
            .where(CartItem.user_id == user_id, CartItem.product_id.in_(product_ids))
            .returning(CartItem.id))


@retry_on_conflict(attempts=CART_ATTEMPTS)
def remove_from_cart(user_id: int, product_id: int) -> None:
    """Remove a product from the cart; removing what is not there is not an error."""
    if not is_id(product_id):
        return
    with transaction() as uow:
        uow.session.execute(delete(CartItem).where(CartItem.user_id == user_id,
                                                   CartItem.product_id == product_id))


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def line_total(self) -> int:
        return self.product.price * self.quantity

    @property
    def problem(self) -> str | None:
        """Why this line cannot be bought as it is, or None."""
        if not self.product.is_active:
            return gettext("No longer available: please remove it.")
        if self.product.stock <= 0:
            return gettext("Sold out.")
        if self.quantity > self.product.stock:
            return gettext("Only %(stock)s left.", stock=format_number(self.product.stock))
        return None


@dataclass(frozen=True)
class Cart:
    lines: list[CartLine]

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and all(line.problem is None for line in self.lines)

    @property
    def items(self) -> list[tuple[int, int]]:
        """The lines as ``place_order`` takes them."""
        return [(line.product.id, line.quantity) for line in self.lines]


def products_in_cart(user_id):
    """How many products (lines) the cart holds, as a scalar subquery: the header's badge
    composes it into the query it runs anyway, for the balance."""
    return (select(func.count()).select_from(CartItem).where(CartItem.user_id == user_id)
            .scalar_subquery())


def cart_for(user_id: int) -> Cart:
    """The shopper's cart with current prices and stock, in the order lines were added."""
    rows = db.session.scalars(
        select(CartItem).where(CartItem.user_id == user_id).order_by(CartItem.id)
    ).all()
    return Cart([CartLine(product=row.product, quantity=row.quantity) for row in rows])
