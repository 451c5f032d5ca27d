from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, ForeignKey, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, VersionedMixin, utcnow
from app.extensions import db
from app.i18n import in_locale


class Coupon(VersionedMixin, db.Model):
    """A first-come-first-served coupon: ``quantity`` copies, ``remaining`` still claimable."""

    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        CheckConstraint("remaining <= quantity", name="remaining_within_quantity"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("discount_type IN ('fixed', 'percent')", name="discount_type_known"),
        CheckConstraint("discount_value > 0", name="discount_value_positive"),
        CheckConstraint("discount_type <> 'percent' OR discount_value <= 100",
                        name="percent_at_most_100"),
        CheckConstraint("min_order_amount >= 0", name="min_order_amount_not_negative"),
        CheckConstraint("valid_days >= 1", name="valid_days_positive"),
        CheckConstraint("status IN ('active', 'paused')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Korean name required, English optional (English pages fall back to Korean).
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(120))
    discount_type: Mapped[str] = mapped_column(String(8), nullable=False)
    discount_value: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_discount: Mapped[int | None] = mapped_column(BigInteger)
    min_order_amount: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    remaining: Mapped[int] = mapped_column(Integer, nullable=False)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def display_name(self) -> str:
        return in_locale(self.name, self.name_en)


class UserCoupon(db.Model):
    """A shopper's claimed copy of a coupon. One per shopper per coupon; used at most once."""

    __tablename__ = "user_coupons"
    __table_args__ = (UniqueConstraint("user_id", "coupon_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id"), nullable=False, index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Unique: one order per claimed coupon, enforced by the database.
    used_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    coupon: Mapped[Coupon] = relationship(lazy="joined")
