from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, VersionedMixin, utcnow
from app.extensions import db
from app.idempotency import IDEMPOTENCY_KEY_MAX

# What top-ups may lift a balance to. Refunds may pass it: a shop always gives a shopper's
# money back, so the database holds no CHECK for it (migration 0004).
MAX_BALANCE = 100_000_000


class Wallet(VersionedMixin, db.Model):
    """A shopper's points balance (integer won). One per user, created at sign-up."""

    __tablename__ = "wallets"
    __table_args__ = (
        # The last line of defence: no code path may leave a balance negative.
        CheckConstraint("balance >= 0", name="balance_not_negative"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LedgerEntry(db.Model):
    """Every balance change, with the signed amount and the balance it left.

    ``kind`` is ``charge`` (top-up, +), ``payment`` (order, -) or ``refund`` (cancel, +);
    a wallet's balance always equals the sum of its entries' amounts. A top-up sent with an
    ``idempotency_key`` keeps it, unique per user, so a retry finds this row instead of
    charging again.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('charge', 'payment', 'refund')", name="kind_known"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        Index("ix_ledger_entries_user_id_id", "user_id", "id"),
        UniqueConstraint("user_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wallets.user_id", ondelete="CASCADE"),
                                         nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    balance_after: Mapped[int] = mapped_column(BigInteger, nullable=False)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(IDEMPOTENCY_KEY_MAX))
