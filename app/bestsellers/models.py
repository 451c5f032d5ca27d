from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


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
