"""Export of paid and cancelled orders to the data platform: a transactional outbox.

``record_order_event`` writes the event row inside the order's own transaction, so an order
is never committed without its event and an event never exists for a rolled-back order.
After the commit the delivery is enqueued; if that fails (Redis down, worker gone) the row
stays ``pending`` and ``flask exports relay`` enqueues it again later. Delivery itself lives
in ``app.exports.jobs``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from app.db import utcnow
from app.exports.models import ExportEvent

log = logging.getLogger(__name__)

EVENT_KINDS = ("order_paid", "order_cancelled")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def order_snapshot(session, order) -> dict:
    """Everything the platform needs about ``order``, as it is now in this transaction."""
    from app.coupons.models import UserCoupon

    coupon = None
    if order.user_coupon_id is not None:
        user_coupon = session.get(UserCoupon, order.user_coupon_id)
        coupon = {"id": user_coupon.coupon_id, "name": user_coupon.coupon.name,
                  "user_coupon_id": user_coupon.id}
    return {
        "order_id": order.id,
        "user_id": order.user_id,
        "status": order.status,
        "lines": [{"product_id": line.product_id, "name": line.name,
                   "unit_price": line.unit_price, "quantity": line.quantity}
                  for line in order.lines],
        "subtotal": order.subtotal,
        "discount": order.discount,
        "total": order.total,
        "coupon": coupon,
        "created_at": _iso(order.created_at),
        "cancelled_at": _iso(order.cancelled_at),
    }


def record_order_event(uow, order, kind: str) -> ExportEvent:
    """Add the outbox row for ``order`` (``order_paid`` or ``order_cancelled``).

    Call inside the order's transaction once its lines and payment are flushed. The payload
    is a complete snapshot, so later edits to products or coupons never change what was
    exported. Delivery is enqueued after the commit and never raises into the caller.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown export event kind {kind!r}")
    session = uow.session
    now = utcnow()
    payload = order_snapshot(session, order)
    # enqueued_at = commit time: the after-commit hook enqueues at once, and the relay looks
    # for rows whose last enqueue is too old, so a failed hook costs no extra write here.
    event = ExportEvent(order_id=order.id, kind=kind, payload=payload, status="pending",
                        attempts=0, created_at=now, enqueued_at=now)
    session.add(event)
    session.flush()
    event.payload = {"event_id": event.id, "kind": kind, "occurred_at": now.isoformat(),
                     **payload}
    event_id = event.id
    uow.after_commit(lambda: enqueue_delivery(event_id))
    return event


def enqueue_delivery(event_id: int) -> bool:
    """Hand one event to the background; log and return False instead of raising."""
    from app.exports.jobs import deliver_export, retry_policy
    from app.jobs import enqueue

    try:
        enqueue(deliver_export, event_id, retry=retry_policy())
    except Exception:  # noqa: BLE001 - the order is committed; the relay will pick this up
        log.warning("export event %s not enqueued; left pending for the relay", event_id,
                    exc_info=True)
        return False
    return True
