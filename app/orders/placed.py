"""What checkout answers: plain values, not ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.orders.models import Order
from app.orders.queries import balance_after


@dataclass(frozen=True)
class PlacedLine:
    product_id: int
    name: str
    unit_price: int
    quantity: int


@dataclass(frozen=True)
class PlacedOrder:
    """What checkout answers: the order as it was written (or as a replayed idempotency key
    finds it now) and the balance its payment left. Plain values, not ORM rows: checkout
    writes with single statements and reads nothing back."""

    id: int
    user_id: int
    status: str
    subtotal: int
    discount: int
    total: int
    user_coupon_id: int | None
    lines: tuple[PlacedLine, ...]
    created_at: datetime
    cancelled_at: datetime | None
    balance: int | None = None

    @classmethod
    def of(cls, order: Order) -> PlacedOrder:
        return cls(id=order.id, user_id=order.user_id, status=order.status,
                   subtotal=order.subtotal, discount=order.discount, total=order.total,
                   user_coupon_id=order.user_coupon_id, created_at=order.created_at,
                   cancelled_at=order.cancelled_at,
                   lines=tuple(PlacedLine(line.product_id, line.name, line.unit_price,
                                          line.quantity) for line in order.lines),
                   balance=balance_after(order, "payment"))
