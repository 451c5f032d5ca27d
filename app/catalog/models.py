from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index,
                        Integer, String, Text, func, literal_column, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, VersionedMixin, utcnow
from app.extensions import db
from app.i18n import in_locale
from app.media.storage import file_url

_LINE_END = re.compile(r"\r\n?")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")

# A product shows at most this many images; the database holds it to that (products.image_count).
MAX_IMAGES_PER_PRODUCT = 8


class ShownCategory:
    """What a shopper reads of a category, for the model and app/catalog/shown.py alike."""

    name: str
    name_en: str | None

    @property
    def display_name(self) -> str:
        return in_locale(self.name, self.name_en)


class ShownImage:
    """A product image's files, for the model and app/catalog/shown.py alike."""

    digest: str
    sizes: list

    @property
    def variants(self) -> list[dict]:
        """Each stored size as ``{"width", "height", "url"}``, smallest first: what the API
        answers and what a page's ``srcset`` lists."""
        return [self._variant(width, height) for width, height in self.sizes]

    @property
    def largest(self) -> dict:
        """The largest stored size, as ``variants`` gives it: an ``<img>``'s ``src``,
        ``width`` and ``height`` (a page needs no other size's URL but in ``srcset``)."""
        return self._variant(*self.sizes[-1])

    def _variant(self, width: int, height: int) -> dict:
        return {"width": width, "height": height, "url": file_url(self.digest, width)}

    @property
    def srcset(self) -> str:
        """Every stored size for an ``<img srcset>``: "url 320w, url 640w, ...", smallest first."""
        return ", ".join(f"{file_url(self.digest, width)} {width}w" for width, _ in self.sizes)


class ShownProduct:
    """What a shopper reads of a product, for the model and app/catalog/shown.py alike:
    its name and description in the page's language, its main image, whether it is sold out."""

    name: str
    name_en: str | None
    description: str
    description_en: str | None
    stock: int
    images: list

    @property
    def main_image(self):
        return self.images[0] if self.images else None

    @property
    def sold_out(self) -> bool:
        return self.stock <= 0

    @property
    def display_name(self) -> str:
        return in_locale(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        return in_locale(self.description, self.description_en)

    @property
    def paragraphs(self) -> list[str]:
        """The shown description's paragraphs: split at blank lines, whichever line ends it has.

        A browser's textarea sends ``\r\n``; the API and the CSV may send ``\n`` or ``\r``.
        """
        text = _LINE_END.sub("\n", self.display_description or "")
        return [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]


class Category(ShownCategory, db.Model):
    """A shelf of the shop: a two-level tree (a top category and its subcategories).

    ``parent_id`` is null for a top category; a subcategory's parent is always a top one
    (app/catalog/categories.py keeps the tree two levels deep). ``position`` orders siblings;
    a hidden category (``is_visible`` false) and its subcategories are absent from the shop,
    while their products stay reachable by search and by link.
    """

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_categories_parent_id_position", "parent_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(60))
    slug: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_visible: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    parent: Mapped[Category | None] = relationship(remote_side=[id], lazy="joined")


class Product(ShownProduct, VersionedMixin, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint(f"image_count BETWEEN 0 AND {MAX_IMAGES_PER_PRODUCT}",
                        name="image_count_in_range"),
        # A category page sorted by price or by newness reads one of these in order.
        Index("ix_products_category_id_price", "category_id", "price"),
        Index("ix_products_category_id_id", "category_id", "id"),
        Index("ix_products_price", "price"),
        CheckConstraint("recent_units >= 0", name="recent_units_not_negative"),
        # "Recommended" lists read these in order: the whole shop, or a category's shelf.
        Index("ix_products_recent_units_id", "recent_units", "id"),
        Index("ix_products_category_id_recent_units_id", "category_id", "recent_units", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Korean text is required; English is optional, and English pages fall back to Korean.
    name: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    name_en: Mapped[str | None] = mapped_column(String(120))
    description_en: Mapped[str | None] = mapped_column(Text)
    price: Mapped[int] = mapped_column(BigInteger, nullable=False)
    stock: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    # How many product_images rows are this product's: raised by a compare-and-set on
    # "image_count < MAX_IMAGES_PER_PRODUCT", so concurrent uploads cannot pass the limit.
    image_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                             server_default="0")
    # Units sold in the last 30 shop days, as of the last refresh (app/catalog/sales.py): a
    # ranking kept on the row so that "recommended" is an index order, not a sum per product.
    recent_units: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                              server_default="0")

    # Admin pages and exports load these with their products (selectinload); shoppers' pages
    # read plain rows instead (app/catalog/shown.py).
    category: Mapped[Category | None] = relationship()
    # Main image first: the lowest position is the main one.
    images: Mapped[list[ProductImage]] = relationship(
        order_by="(ProductImage.position, ProductImage.id)", viewonly=True)


# What a shopper's search looks in (app/catalog/search.py): both names and both descriptions,
# lower-cased, as one text. Migration 0008 indexes a literal copy of it (a migration must not
# change when this does); tests/integration/test_product_search.py checks the planner still
# matches the two. The separators are SQL literals, not bound parameters, because PostgreSQL
# uses an expression index only for the very expression indexed, constants included.
# Its index lives in the migration only: autogenerate cannot compare expression indexes
# (SQLite cannot reflect them, PostgreSQL reflects them rewritten), so migrations/env.py and
# tests/integration/test_migrations.py leave the names below out, and test_product_search.py
# checks the index instead.
_SPACE = literal_column("' '")
PRODUCT_SEARCHABLE = func.lower(
    Product.name + _SPACE + func.coalesce(Product.name_en, literal_column("''")) + _SPACE
    + Product.description + _SPACE + func.coalesce(Product.description_en, literal_column("''"))
).label("searchable")
INDEXES_ONLY_IN_MIGRATIONS = frozenset({"ix_products_searchable"})


class ProductImage(ShownImage, db.Model):
    """One image of a product, stored as WebP files of a few widths (app/media/).

    ``digest`` names the files (a hash of their content, so the same picture uploaded twice
    is stored once, and a file never changes under its name); ``sizes`` lists the stored
    ``[width, height]`` pairs, smallest first. ``position`` orders a product's images; the
    first is the main one.
    """

    __tablename__ = "product_images"
    __table_args__ = (
        Index("ix_product_images_product_id_position", "product_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    sizes: Mapped[list] = mapped_column(JSON, nullable=False)
    # What the picture shows, for screen readers; empty: pages use the product's name.
    alt: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class StockMovement(db.Model):
    """Every change of a product's stock; a product's stock equals the sum of its deltas.

    ``kind``: ``initial`` (stock given at creation), ``receipt`` (goods received),
    ``correction`` (a recount), ``sale`` (an order), ``cancel`` (an order cancelled).
    """

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("kind IN ('initial', 'receipt', 'correction', 'sale', 'cancel')",
                        name="kind_known"),
        Index("ix_stock_movements_product_id_id", "product_id", "id"),
        # Partial: sales (most rows) carry no import and so cost this index nothing.
        Index("ix_stock_movements_import_id", "import_id",
              postgresql_where=text("import_id IS NOT NULL"),
              sqlite_where=text("import_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    delta: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    import_id: Mapped[str | None] = mapped_column(ForeignKey("stock_imports.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class StockImport(db.Model):
    """One applied stock-receipt CSV, under the id its preview issued.

    The primary key is what makes a preview apply at most once: a second apply of the same
    preview (a double submit, Back and resubmit, a retried request) inserts the same id and
    is refused by the database, whatever ran concurrently. Its movements point back here.
    """

    __tablename__ = "stock_imports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    units: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ProductDailySales(db.Model):
    """Units sold per product per shop-local calendar day (paid minus cancelled).

    Maintained inside the checkout and cancel transactions, so the best-seller ranking reads
    a few thousand rows instead of every order line.
    """

    __tablename__ = "product_daily_sales"
    __table_args__ = (
        CheckConstraint("units >= 0", name="units_not_negative"),
        Index("ix_product_daily_sales_day", "day"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    units: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
