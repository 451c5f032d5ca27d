from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (BigInteger, CheckConstraint, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.wallet.models import LedgerEntry


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        # A replayed Idempotency-Key (or a double-submitted checkout form) finds this row.
        UniqueConstraint("user_id", "idempotency_key"),
        CheckConstraint("status IN ('paid', 'cancelled')", name="status_known"),
        CheckConstraint("subtotal >= 0 AND discount >= 0 AND total >= 0", name="amounts_not_negative"),
        CheckConstraint("total = subtotal - discount", name="total_is_subtotal_less_discount"),
        Index("ix_orders_user_id_id", "user_id", "id"),
        Index("ix_orders_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="paid")
    subtotal: Mapped[int] = mapped_column(BigInteger, nullable=False)
    discount: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    total: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # use_alter: orders and user_coupons point at each other; this FK is added after both exist.
    user_coupon_id: Mapped[int | None] = mapped_column(ForeignKey("user_coupons.id", use_alter=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", lazy="selectin",
                                                  order_by="OrderLine.id")
    payment: Mapped[Payment | None] = relationship(back_populates="order", lazy="selectin",
                                                   uselist=False)
    # Its payment and, once cancelled, its refund (loaded on first use).
    ledger_entries: Mapped[list[LedgerEntry]] = relationship(order_by="LedgerEntry.id")


class OrderLine(db.Model):
    """A product bought, at the price and name it had when the order was placed."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), nullable=False, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    unit_price: Mapped[int] = mapped_column(BigInteger, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)

    order: Mapped[Order] = relationship(back_populates="lines")


class Payment(db.Model):
    """The points payment of an order; ``refunded_at`` is set when the order is cancelled."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), nullable=False, unique=True)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False, default="points")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="payment")
