"""What shop admins change in the catalog: products (create, edit, hide) and their stock.

Every stock change goes through ``change_stock`` (a compare-and-set on ``stock + delta >= 0``
plus a ``stock_movements`` row in the same transaction), so a product's stock always equals
the sum of its movements and no adjustment can take it below zero, however many run at once.
The validators are the same rules for the pages, the API and the CSV import.

A product's text is Korean (``name``, ``description``; the name required) with optional
English beside it (``name_en``, ``description_en``): the same limits, and empty English is
stored as NULL so that English pages fall back to the Korean.
"""

from __future__ import annotations

from flask_babel import format_number, gettext
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from app.catalog.models import Category, Product
from app.catalog.stock import OutOfStock, change_stock, no_such_product
from app.db import is_id, retry_on_conflict, transaction
from app.errors import InvalidInput
from app.formatting import MINUS, format_won_text

NAME_MAX = 120
DESCRIPTION_MAX = 5000
REASON_MAX = 200
PRICE_MAX = 100_000_000  # the most a wallet can hold: dearer products could never be bought
STOCK_MAX = 1_000_000
DELTA_MAX = 1_000_000
ADJUSTMENT_KINDS = ("receipt", "correction")
EDITABLE_FIELDS = ("name", "name_en", "price", "description", "description_en", "is_active",
                   "category_id")
# An edit is a version-checked ORM write, and every sale or adjustment committed between its
# read and its write bumps the version. Five attempts were not always enough against 20
# concurrent adjustments on a loaded machine (tests/integration/test_inventory_concurrency.py).
WRITE_ATTEMPTS = 10


# --- validation: the same rules for the pages, the API and the CSV import ---------------


def check_text(value, field: str, limit: int) -> str:
    """Text of at most ``limit`` characters once trimmed, without NUL (PostgreSQL stores none,
    and no admin means to type one)."""
    if not isinstance(value, str):
        raise InvalidInput(gettext("This field is text."), field=field)
    value = value.strip()
    if "\x00" in value:
        raise InvalidInput(gettext("The text contains a NUL character."), field=field)
    if len(value) > limit:
        raise InvalidInput(gettext("At most %(limit)s characters.", limit=format_number(limit)),
                           field=field)
    return value


def check_name(value) -> str:
    """The Korean name: required."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(gettext("Enter the product's name."), field="name")
    return check_text(value, "name", NAME_MAX)


def check_name_en(value) -> str | None:
    """The English name: optional; empty is NULL (English pages then show the Korean)."""
    return None if value is None else check_text(value, "name_en", NAME_MAX) or None


def check_price(value) -> int:
    if type(value) is not int or not 0 <= value <= PRICE_MAX:
        raise InvalidInput(gettext("A price is a whole number of won from %(low)s to %(high)s.",
                                   low=format_won_text(0), high=format_won_text(PRICE_MAX)),
                           field="price")
    return value


def check_stock(value) -> int:
    if type(value) is not int or not 0 <= value <= STOCK_MAX:
        raise InvalidInput(gettext("Initial stock is a whole number from 0 to %(max)s.",
                                   max=format_number(STOCK_MAX)), field="stock")
    return value


def check_description(value) -> str:
    """The Korean description: may be empty."""
    return "" if value is None else check_text(value, "description", DESCRIPTION_MAX)


def check_description_en(value) -> str | None:
    """The English description: optional; empty is NULL."""
    return None if value is None else check_text(value, "description_en", DESCRIPTION_MAX) or None


def check_is_active(value) -> bool:
    if type(value) is not bool:
        raise InvalidInput(gettext("'is_active' is true or false."), field="is_active")
    return value


def _unknown_category():
    return InvalidInput(gettext("Choose a category from the list, or none."),
                        field="category_id")


def check_category_id(session, value) -> int | None:
    """None (not shelved) or the id of a category that exists, read in ``session``'s
    transaction; a category deleted after this check makes the write's foreign key refuse
    it, which ``_flush_category`` answers the same way."""
    if value is None:
        return None
    if not is_id(value) or session.get(Category, value) is None:
        raise _unknown_category()
    return value


def _flush_category(session) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise _unknown_category() from None


def check_reason(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(gettext("Say why the stock changes (e.g. 'delivery 4711', "
                                   "'recount')."), field="reason")
    return check_text(value, "reason", REASON_MAX)


def check_adjustment(delta, kind) -> tuple[int, str]:
    """A receipt adds goods; a correction (a recount) may go either way; never zero."""
    if kind not in ADJUSTMENT_KINDS:
        raise InvalidInput(gettext("An adjustment is a receipt or a correction."), field="kind")
    if type(delta) is not int or delta == 0 or abs(delta) > DELTA_MAX:
        limit = format_number(DELTA_MAX)
        low = MINUS + limit
        raise InvalidInput(gettext("The change is a whole number from %(low)s to %(high)s, "
                                   "not 0.", low=low, high=limit), field="delta")
    if kind == "receipt" and delta < 0:
        raise InvalidInput(gettext("A receipt adds stock; record a loss as a correction."),
                           field="delta")
    return delta, kind


_CHECKS = {"name": check_name, "name_en": check_name_en, "price": check_price,
           "description": check_description, "description_en": check_description_en,
           "is_active": check_is_active}


def _clean_fields(fields: dict) -> dict:
    """The checked fields; ``category_id`` passes as given: it is checked against the
    categories inside the transaction that writes it."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(gettext("These fields cannot be changed here: %(fields)s.",
                                   fields=", ".join(unknown)))
    return {name: _CHECKS[name](value) if name in _CHECKS else value
            for name, value in fields.items()}


def check_product_id(product_id) -> int:
    if not is_id(product_id):
        raise no_such_product(product_id)
    return product_id


def apply_stock_change(session, product_id: int, delta: int, kind: str, reason: str,
                       actor_id: int | None, import_id: str | None = None) -> int:
    """``change_stock`` with an admin's words for its refusals."""
    try:
        return change_stock(session, product_id, delta, kind, reason=reason, actor_id=actor_id,
                            import_id=import_id)
    except DataError:
        # PostgreSQL's 32-bit stock column overflowed: bad input, not a server fault.
        raise InvalidInput(gettext("That would take the stock beyond what can be stored."),
                           field="delta") from None
    except OutOfStock:
        # An admin broke the floor rule; the shopper's "Only 5 of … left" would not say so.
        stock = session.scalar(select(Product.stock).where(Product.id == product_id))
        raise OutOfStock(gettext("Stock cannot go below 0 (%(stock)s in stock).",
                                 stock=format_number(stock)), field="delta") from None


# --- services ---------------------------------------------------------------------------


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def create_product(name, price, stock, description="", is_active=True,
                   actor_id: int | None = None, *, name_en=None,
                   description_en=None, category_id=None) -> Product:
    """A new product; its initial stock is an ``initial`` movement so stock = Σ movements.

    ``name``/``description`` are the Korean text, ``name_en``/``description_en`` the optional
    English (empty → none); ``category_id`` its shelf (None: none yet)."""
    name, price, stock = check_name(name), check_price(price), check_stock(stock)
    description, is_active = check_description(description), check_is_active(is_active)
    name_en, description_en = check_name_en(name_en), check_description_en(description_en)
    with transaction() as uow:
        product = Product(name=name, name_en=name_en, price=price, stock=0,
                          description=description, description_en=description_en,
                          is_active=is_active,
                          category_id=check_category_id(uow.session, category_id))
        uow.session.add(product)
        _flush_category(uow.session)
        if stock:
            # Stored as written here, in every language; the admin's product page shows it
            # translated (templates/admin/product.html).
            change_stock(uow.session, product.id, stock, "initial", reason="Initial stock",
                         actor_id=actor_id)
            # change_stock wrote behind the ORM's back: reload stock and version.
            uow.session.refresh(product)
    return product


def _update_fields(session, product_id: int, fields: dict) -> Product:
    product = session.get(Product, check_product_id(product_id))
    if product is None:
        raise no_such_product(product_id)
    if "category_id" in fields:
        fields = {**fields, "category_id": check_category_id(session, fields["category_id"])}
    for name, value in fields.items():
        setattr(product, name, value)
    _flush_category(session)
    return product


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def update_product(product_id: int, **fields) -> Product:
    """Change the Korean or English name or description, the price, the visibility
    (``is_active``) or the category (``category_id``).

    An ORM write on the versioned row: a sale or adjustment committed since the row was read
    makes the flush fail with ``StaleDataError``, and the whole unit of work is retried on
    the fresh row, so the edit never overwrites the stock someone else just changed.
    """
    fields = _clean_fields(fields)
    if not fields:
        raise InvalidInput(gettext("Nothing to change."))
    with transaction() as uow:
        product = _update_fields(uow.session, product_id, fields)
    return product


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def adjust_stock(product_id: int, delta, kind: str, reason, actor_id: int | None) -> int:
    """Receive goods (``receipt``, delta > 0) or correct a count (``correction``, ±delta).

    A reason is required. The stock never goes below zero: ``OutOfStock`` ("Stock cannot go
    below 0") and nothing is written. Returns the stock after the change.
    """
    product_id = check_product_id(product_id)
    delta, kind = check_adjustment(delta, kind)
    reason = check_reason(reason)
    with transaction() as uow:
        return apply_stock_change(uow.session, product_id, delta, kind, reason, actor_id)


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def patch_product(product_id: int, fields: dict, stock_delta=None, reason=None,
                  actor_id: int | None = None) -> Product:
    """Field changes and a stock change in one transaction: both happen, or neither.

    A positive ``stock_delta`` is recorded as a ``receipt``, a negative one as a
    ``correction``; either needs a reason.
    """
    product_id = check_product_id(product_id)
    fields = _clean_fields(fields)
    if stock_delta is not None:
        positive = type(stock_delta) is int and stock_delta > 0
        stock_delta, kind = check_adjustment(stock_delta, "receipt" if positive else "correction")
        reason = check_reason(reason)
    elif reason is not None:
        raise InvalidInput(gettext("A reason goes with a stock_delta."), field="reason")
    if not fields and stock_delta is None:
        raise InvalidInput(gettext("Nothing to change."))
    with transaction() as uow:
        product = _update_fields(uow.session, product_id, fields) if fields else None
        if stock_delta is not None:
            apply_stock_change(uow.session, product_id, stock_delta, kind, reason, actor_id)
        # change_stock wrote behind the ORM's back: read the row as it is now.
        if product is None:
            product = uow.session.get(Product, product_id, populate_existing=True)
        else:
            uow.session.refresh(product)
    return product

