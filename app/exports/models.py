from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, iso, utcnow
from app.extensions import db


class ExportEvent(db.Model):
    """Transactional outbox row: written in the order's own transaction, delivered later."""

    __tablename__ = "export_events"
    __table_args__ = (
        CheckConstraint("kind IN ('order_paid', 'order_cancelled')", name="kind_known"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_known"),
        Index("ix_export_events_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    # The database's defaults, not Python's: the outbox row checkout composes into its one
    # statement leaves both out (app/orders/one_statement.py: its length is budgeted).
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The request that wrote the event, for the delivery's log lines (app/logs.py).
    request_id: Mapped[str | None] = mapped_column(String(128))

    def message(self) -> dict:
        """What the platform receives for this event."""
        return message(self.id, self.kind, self.created_at, self.order_id, self.payload)


def message(event_id: int, kind: str, occurred_at: datetime, order_id: int,
            payload: dict) -> dict:
    """The event's identity and its order's id, then the order snapshot in ``payload``.

    Put together at delivery, not stored: the ids are known only once the INSERTs ran,
    and writing them back would cost every checkout another statement.
    """
    return {"event_id": event_id, "kind": kind, "occurred_at": iso(occurred_at),
            "order_id": order_id, **payload}
