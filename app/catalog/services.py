"""Catalog reads: the product list with search, and one product.

Shoppers only ever see active products; a hidden product is as absent as an unknown one.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import Product
from app.catalog.search import matching_every_word
from app.catalog.stock import ProductNotFound
from app.db import is_id
from app.extensions import db

MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100
# Product ids are 32-bit on PostgreSQL: a larger number from a URL must be "not found", not
# an out-of-range error from the driver.


def list_products(q: str | None = None, page: int = 1, per_page: int = 12):
    """Active products, newest first, containing every word of ``q`` (in any order,
    case-insensitive) somewhere in their Korean or English name or description, so a shopper
    finds a product in either language whichever language the page speaks.

    ``q`` is plain text: ``%``, ``_``, ``\\`` and quotes match themselves; a blank ``q``
    lists everything. Newest first
    (by id, which is also unique, so pages never overlap or skip a product) puts new
    arrivals on the first page. ``page`` is clamped to 1..MAX_PAGE and ``per_page`` to
    1..MAX_PER_PAGE, so any number a URL carries gives a page, never a database error; a
    page past the last is empty. Returns a Flask-SQLAlchemy ``Pagination``.
    """
    query = select(Product).where(Product.is_active.is_(True))
    query = query.where(*matching_every_word(q))
    query = query.order_by(Product.id.desc())
    # Each card shows its product's main image: one query for the page's images, not one each.
    query = query.options(selectinload(Product.images))
    page = min(max(page, 1), MAX_PAGE)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    return db.paginate(query, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE,
                       error_out=False)


def get_product(product_id: int) -> Product:
    """The active product ``product_id``; ``ProductNotFound`` when unknown or hidden."""
    product = db.session.get(Product, product_id) if is_id(product_id) else None
    if product is None or not product.is_active:
        raise ProductNotFound(gettext("There is no product #%(id)s.", id=product_id))
    return product
