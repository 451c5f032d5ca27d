"""Orders' input rules and refusals: what a checkout or cancellation may be asked."""

from __future__ import annotations

from flask_babel import format_number, gettext, lazy_gettext

from app.cart.services import MAX_QUANTITY, MIN_QUANTITY
from app.catalog.stock import ProductNotFound
from app.db import is_id
from app.errors import Conflict, InvalidInput, NotFound

ORDER_ATTEMPTS = 10
MAX_LINES = 100


class OrderNotFound(NotFound):
    code = "order_not_found"
    title = lazy_gettext("Order not found")


class OrderTotalChanged(Conflict):
    code = "order_total_changed"
    title = lazy_gettext("The total has changed")


class OrderNotCancellable(Conflict):
    code = "order_not_cancellable"
    title = lazy_gettext("Order cannot be cancelled")


def product_not_available(product_id: int) -> str:
    return gettext("Product #%(id)s is not available.", id=product_id)


def no_such_order(order_id: int) -> str:
    return gettext("You have no order #%(id)s.", id=order_id)


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
        raise InvalidInput(gettext("Your cart is empty: add a product first."))
    if len(items) > MAX_LINES:
        raise InvalidInput(gettext("An order has at most %(max)s lines.", max=MAX_LINES),
                           field="items")
    merged: dict[int, int] = {}
    for item in items:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise InvalidInput(gettext("Each line is a product and a quantity."))
        product_id, quantity = item
        if type(product_id) is not int or product_id < 1:
            raise InvalidInput(gettext("A product id is a positive whole number."),
                               field="product_id")
        if not is_id(product_id):
            raise ProductNotFound(product_not_available(product_id))
        if type(quantity) is not int or not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
            raise InvalidInput(gettext("A quantity is a whole number from %(min)s to %(max)s.",
                                       min=MIN_QUANTITY, max=format_number(MAX_QUANTITY)),
                               field="quantity")
        merged[product_id] = merged.get(product_id, 0) + quantity
    return sorted(merged.items())
