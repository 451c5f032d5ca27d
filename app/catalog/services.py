"""Catalog reads: the product list (search, category, sort and filters), and one product.

Shoppers only ever see active products; a hidden product is as absent as an unknown one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.catalog.choices import ListChoices
from app.catalog.models import Category, Product
from app.catalog.sales import RECENT_DAYS, keep_recent_units_fresh
from app.catalog.search import matching_every_word
from app.catalog.stock import no_such_product
from app.db import is_id
from app.extensions import db

MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100
RECOMMENDED_DAYS = RECENT_DAYS
DEFAULT_CHOICES = ListChoices()
# Product ids are 32-bit on PostgreSQL: a larger number from a URL must be "not found", not
# an out-of-range error from the driver.


# What a product card or page shows besides the product: its images and its category with
# that category's parent, joined to the product's own query. With a LIMIT the ORM pages the
# products first and joins the images to that page. Every statement costs the page a round
# trip and the database a parse: a product page is one statement, a list two (rows, count).
_WITH_PICTURES_AND_SHELF = (joinedload(Product.images),
                            joinedload(Product.category).joinedload(Category.parent))


def list_products(choices: ListChoices = DEFAULT_CHOICES, page: int = 1, per_page: int = 12,
                  *, category_ids: list[int] | None = None):
    """A page of active products as ``choices`` ask (app/catalog/choices.py), from the
    categories ``category_ids`` when given (a category page: the category and its shown
    subcategories).

    - ``q``: every word must occur, in any order and any case, in the Korean or English name
      or description (app/catalog/search.py), so a shopper finds a product in either language
      whichever language the page speaks. Plain text: ``%``, ``_``, ``\\`` match themselves.
    - ``min_price``/``max_price``: won, inclusive; ``in_stock``: stock above 0.
    - ``sort``: ``recommended`` (units sold in the last ``RECOMMENDED_DAYS`` shop days, most
      first, as of the last refresh: app/catalog/sales.py), ``newest``, ``price_asc``,
      ``price_desc``. Every order ends with the product id, which is unique, so pages never
      overlap or skip a product; equal sales or prices show the newest first.

    ``page`` is clamped to 1..MAX_PAGE and ``per_page`` to 1..MAX_PER_PAGE, so any number a
    URL carries gives a page, never a database error; a page past the last is empty. The
    page's images and categories are loaded with it (two more queries, whatever its size).
    Returns a Flask-SQLAlchemy ``Pagination``.
    """
    query = (select(Product).where(Product.is_active.is_(True), *matching_every_word(choices.q))
             # Each card shows its product's main image: one query for the page's images.
             .options(*_WITH_PICTURES_AND_SHELF))
    if category_ids is not None:
        query = query.where(Product.category_id.in_(category_ids))
    if choices.min_price is not None:
        query = query.where(Product.price >= choices.min_price)
    if choices.max_price is not None:
        query = query.where(Product.price <= choices.max_price)
    if choices.in_stock:
        query = query.where(Product.stock > 0)
    if choices.sort == "recommended":
        keep_recent_units_fresh()
    query = query.order_by(*_order(choices.sort))
    page = min(max(page, 1), MAX_PAGE)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    return db.paginate(query, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE,
                       error_out=False)


def _order(sort: str) -> tuple:
    if sort == "price_asc":
        return Product.price.asc(), Product.id.desc()
    if sort == "price_desc":
        return Product.price.desc(), Product.id.desc()
    if sort == "recommended":
        return Product.recent_units.desc(), Product.id.desc()
    return (Product.id.desc(),)


def get_product(product_id: int) -> Product:
    """The active product ``product_id``, with its images and its category's trail;
    ``ProductNotFound`` when unknown or hidden."""
    product = (db.session.get(Product, product_id, options=_WITH_PICTURES_AND_SHELF)
               if is_id(product_id) else None)
    if product is None or not product.is_active:
        raise no_such_product(product_id)
    return product
