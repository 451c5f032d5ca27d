from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer,
                        String, Text, func, literal_column, text)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, VersionedMixin, utcnow
from app.extensions import db
from app.i18n import in_locale

_LINE_END = re.compile(r"\r\n?")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


class Product(VersionedMixin, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
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
