"""Catalog reads: the product list (search, category, sort and filters), and one product.

Shoppers only ever see active products; a hidden product is as absent as an unknown one.
"""

from __future__ import annotations

import functools

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, bindparam, func, select

from app.catalog.choices import ListChoices
from app.catalog.models import Category, Product, ProductImage
from app.catalog.sales import RECENT_DAYS, keep_recent_units_fresh
from app.catalog.search import matching_words, word_patterns
from app.catalog.shown import ProductView, category_from, products_from
from app.catalog.stock import no_such_product
from app.db import is_id
from app.extensions import db

MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100
RECOMMENDED_DAYS = RECENT_DAYS
DEFAULT_CHOICES = ListChoices()

# Plain columns, not ORM entities (app/catalog/shown.py says why).
_products = Product.__table__
_images = ProductImage.__table__
_category = Category.__table__.alias("category")
_parent = Category.__table__.alias("parent")
# What a product card or the API's list shows of a product; its images come joined to it.
_LISTED = (_products.c.id, _products.c.name, _products.c.name_en, _products.c.price,
           _products.c.stock, _products.c.category_id)
_IMAGE = (_images.c.id.label("image_id"), _images.c.digest, _images.c.sizes, _images.c.alt)


def _category_columns(category, prefix: str) -> tuple:
    return tuple(category.c[name].label(prefix + name) for name in
                 ("id", "name", "name_en", "slug", "is_visible", "parent_id"))


@functools.cache
def _list_statements(sort: str, words: int, in_categories: bool, min_price: bool,
                     max_price: bool, in_stock: bool) -> tuple[Select, Select]:
    """A list's two statements, its page of products joined to their images and its count,
    for lists of one shape (sort and which filters), with the values as parameters.

    Built once per shape (4 sorts × 0-8 words × 4 filters on or off: at most 576): building
    these statements cost a list more than the database spent running them."""
    conditions = [_products.c.is_active.is_(True), *matching_words(words)]
    if in_categories:
        conditions.append(_products.c.category_id.in_(bindparam("category_ids", expanding=True)))
    if min_price:
        conditions.append(_products.c.price >= bindparam("min_price"))
    if max_price:
        conditions.append(_products.c.price <= bindparam("max_price"))
    if in_stock:
        conditions.append(_products.c.stock > 0)
    # The page is cut from the products first, then joined to their images.
    page = (select(*_LISTED, _products.c.recent_units).where(*conditions)
            .order_by(*_order(sort, _products.c))
            .limit(bindparam("limit")).offset(bindparam("offset")).subquery())
    rows = (select(*(page.c[column.name] for column in _LISTED), *_IMAGE)
            .outerjoin(_images, _images.c.product_id == page.c.id)
            .order_by(*_order(sort, page.c), _images.c.position, _images.c.id))
    return rows, select(func.count()).select_from(_products).where(*conditions)


class ProductPage(Pagination):
    """A page of ``ProductView`` with Flask-SQLAlchemy's paging (``pages``, ``iter_pages``,
    ...): two statements, the page's products joined to their images, and their count.
    Subclassed the way Flask-SQLAlchemy's own ``SelectPagination`` is: the two queries are
    this class's; the page arithmetic is Pagination's."""

    def _query_items(self) -> list[ProductView]:
        rows, _ = self._query_args["statements"]
        return products_from(db.session.execute(rows, {
            **self._query_args["params"], "limit": self.per_page,
            "offset": self._query_offset}))

    def _query_count(self) -> int:
        _, count = self._query_args["statements"]
        return db.session.scalar(count, self._query_args["params"])


def list_products(choices: ListChoices = DEFAULT_CHOICES, page: int = 1, per_page: int = 12,
                  *, category_ids: list[int] | None = None) -> ProductPage:
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
    URL carries gives a page, never a database error; a page past the last is empty.
    Returns a ``ProductPage`` of ``ProductView`` (app/catalog/shown.py), each with its
    images and its ``category_id`` (app/catalog/shelves.py knows which are shown).
    """
    patterns = word_patterns(choices.q)
    params = {**patterns, "category_ids": category_ids, "min_price": choices.min_price,
              "max_price": choices.max_price}
    statements = _list_statements(
        choices.sort, len(patterns), category_ids is not None,
        choices.min_price is not None, choices.max_price is not None, choices.in_stock)
    if choices.sort == "recommended":
        keep_recent_units_fresh()
    return ProductPage(min(max(page, 1), MAX_PAGE), min(max(per_page, 1), MAX_PER_PAGE),
                       max_per_page=MAX_PER_PAGE, error_out=False, statements=statements,
                       params=params)


def _order(sort: str, columns) -> tuple:
    """The list's order over ``columns`` (the products table's, or a page cut from it)."""
    if sort == "price_asc":
        return columns.price.asc(), columns.id.desc()
    if sort == "price_desc":
        return columns.price.desc(), columns.id.desc()
    if sort == "recommended":
        return columns.recent_units.desc(), columns.id.desc()
    return (columns.id.desc(),)


# One statement: the product joined to its category, that one's parent, and its images (a
# row per image). Built once, like the lists'.
_PRODUCT_PAGE = (
    select(*_LISTED, _products.c.is_active, _products.c.description, _products.c.description_en,
           *_IMAGE, *_category_columns(_category, "shelf_"), *_category_columns(_parent, "top_"))
    .select_from(_products.outerjoin(_category, _category.c.id == _products.c.category_id)
                 .outerjoin(_parent, _parent.c.id == _category.c.parent_id)
                 .outerjoin(_images, _images.c.product_id == _products.c.id))
    .where(_products.c.id == bindparam("product_id"))
    .order_by(_images.c.position, _images.c.id))


def get_product(product_id: int) -> ProductView:
    """The active product ``product_id``, with its images and its category's trail;
    ``ProductNotFound`` when unknown or hidden."""
    # Product ids are 32-bit on PostgreSQL: a larger number from a URL must be "not found",
    # not an out-of-range error from the driver.
    rows = (db.session.execute(_PRODUCT_PAGE, {"product_id": product_id}).all()
            if is_id(product_id) else [])
    if not rows or not rows[0].is_active:
        raise no_such_product(product_id)
    first = rows[0]
    product = products_from(rows)[0]
    product.is_active = first.is_active
    product.description, product.description_en = first.description, first.description_en
    product.category = category_from(first, "shelf_")
    if product.category is not None:
        product.category.parent = category_from(first, "top_")
    return product
