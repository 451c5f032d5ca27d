"""Export of paid and cancelled orders to the data platform: a transactional outbox.

The event row is written inside the order's own transaction (by checkout's one statement,
or by ``record_order_event``), so an order is never committed without its event and an
event never exists for a rolled-back order.
After the commit, under RQ the order asks for a drain (one queued job delivers every new
event in batches); inline (no Redis) its event gets one delivery attempt at once. If that
hand-over fails (Redis down, worker gone) the row stays ``pending`` and the relay
(``flask exports relay``) enqueues its delivery once its last enqueue is older than a
threshold; the relay and the admin retry enqueue one ``deliver_export`` job per event.
Delivery is at least once; the event id travels as the ``Idempotency-Key`` so the platform
keeps each event exactly once. Delivery itself lives in ``app.exports.jobs``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Insert, func, or_, select, true, update

from app.coupons.models import UserCoupon
from app.db import iso, retry_on_conflict, transaction, utcnow
from app.errors import Conflict, NotFound
from app.exports.jobs import deliver_export, deliver_job_timeout, request_drain
from app.exports.models import ExportEvent
from app.exports.outcomes import retry_policy, update_pending_events
from app.extensions import db
from app.jobs import enqueue, uses_queue
from app.logs import current_request_id
from app.metrics import RELAY_HANDED_OVER
from app.writes import constant, insert_row

log = logging.getLogger(__name__)

EVENT_KINDS = ("order_paid", "order_cancelled")
STATUSES = ("pending", "delivered", "failed")
FAILED_SHOWN = 100
RELAY_BATCH = 500
# Under RQ, untried events this old (s) mean their drain was lost; asking for another costs
# nothing while one is queued or running, so the relay need not wait long.
RELAY_DRAIN_AFTER = 10


class ExportEventNotFound(NotFound):
    code = "export_event_not_found"
    title = lazy_gettext("Export event not found")


class ExportEventNotRetryable(Conflict):
    code = "export_event_not_retryable"
    title = lazy_gettext("This export event was already delivered")


def order_snapshot(session, order) -> dict:
    """Everything the platform needs about ``order``, as it is now in this transaction,
    but its id: the event row has it (``order_id``), and ``message()`` adds it at delivery,
    so a checkout can build the snapshot before its INSERT."""
    coupon = None
    if order.user_coupon_id is not None:
        user_coupon = session.get(UserCoupon, order.user_coupon_id)
        coupon = {"id": user_coupon.coupon_id, "name": user_coupon.coupon.name,
                  "user_coupon_id": user_coupon.id}
    return {
        "user_id": order.user_id,
        "status": order.status,
        "lines": [{"product_id": line.product_id, "name": line.name,
                   "unit_price": line.unit_price, "quantity": line.quantity}
                  for line in order.lines],
        "subtotal": order.subtotal,
        "discount": order.discount,
        "total": order.total,
        "coupon": coupon,
        "created_at": iso(order.created_at),
        "cancelled_at": iso(order.cancelled_at),
    }


def record_order_event(uow, order, kind: str) -> int:
    """Write the outbox row for ``order`` (``order_paid`` or ``order_cancelled``); returns its id.

    Call inside the order's transaction. The payload is a complete snapshot, so later edits
    to products or coupons never change what was exported; ``message()`` adds the event's
    id, kind, time and order id to it. Delivery is handed over after the commit
    (``deliver_after_commit``) and never raises into the caller. Checkout uses the three
    steps itself (``order_snapshot``, ``event_row``, ``deliver_after_commit``): it builds
    the snapshot before the order has an id.
    """
    event_id = write_event(uow.session, order.id, kind, order_snapshot(uow.session, order),
                           utcnow())
    deliver_after_commit(uow, event_id)
    return event_id


def event_row(order_id, kind: str, payload, now, request_id=None) -> Insert:
    """The pending outbox row of an order's event; returns its ``id``. ``order_id``,
    ``payload``, ``now`` and ``request_id`` may be values or SQL (checkout composes it into
    its write); ``request_id`` defaults to this request's."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown export event kind {kind!r}")
    # enqueued_at = commit time: the after-commit hook hands the event over at once, and the
    # relay looks for rows whose last hand-over is too old, so a failed hook costs no extra
    # write here.
    # status and attempts: the table's defaults, pending and 0.
    return insert_row(ExportEvent, {
        "order_id": order_id, "kind": constant(kind), "payload": payload, "created_at": now,
        "enqueued_at": now,
        "request_id": current_request_id() if request_id is None else request_id}
    ).returning(ExportEvent.id)


def write_event(session, order_id: int, kind: str, payload: dict, now) -> int:
    """Insert a pending outbox row (``event_row``) in the caller's transaction; its id."""
    return session.execute(event_row(order_id, kind, payload, now)).scalar_one()


def deliver_after_commit(uow, event_id: int) -> None:
    uow.after_commit(lambda: hand_over_delivery(event_id))


def hand_over_delivery(event_id: int) -> None:
    """Under RQ ask for a drain, which delivers this event with every other new one; inline,
    make this event's first attempt now."""
    if uses_queue():
        request_drain()
    else:
        enqueue_delivery(event_id)


def enqueue_delivery(event_id: int) -> bool:
    """Hand one event to its own delivery job; log and return False instead of raising."""
    try:
        enqueue(deliver_export, event_id, retry=retry_policy(),
                job_timeout=deliver_job_timeout())
    except Exception:  # noqa: BLE001 - the order is committed; the relay will pick this up
        log.warning("export event %s not enqueued; left pending for the relay", event_id,
                    exc_info=True)
        return False
    return True


def relay_pending(older_than: float) -> tuple[int, int]:
    """Hand over again the pending events whose last hand-over is older than ``older_than`` s.

    Returns ``(enqueued, not_enqueued)``. Under RQ, events not tried yet only need a drain:
    one is asked for when any of them is older than ``min(older_than, RELAY_DRAIN_AFTER)``
    (a drain lost with a killed worker, or Redis was down), which costs nothing while a
    drain is queued or running. Every other event older than ``older_than`` (its RQ retries
    were lost; or inline mode, where each enqueue is one attempt) gets a job of its own and
    is re-stamped, but only once it really was handed over, so when Redis is still down the
    next pass finds it again. Two relays running at once may both enqueue an event:
    harmless, since delivery marks it with a compare-and-set and the platform deduplicates
    by the idempotency key.
    """
    drained = 0
    if uses_queue():
        drained = _untried_count(utcnow() - timedelta(seconds=min(older_than,
                                                                  RELAY_DRAIN_AFTER)))
        if drained and not request_drain(now=True):
            return 0, drained
    enqueued, not_enqueued = _relay_one_by_one(older_than, tried_only=uses_queue())
    return drained + enqueued, not_enqueued


def _untried_count(cutoff) -> int:
    count = db.session.scalar(
        select(func.count()).select_from(ExportEvent)
        .where(ExportEvent.status == "pending", ExportEvent.attempts == 0,
               or_(ExportEvent.enqueued_at.is_(None), ExportEvent.enqueued_at < cutoff)))
    db.session.rollback()
    return count


def _relay_one_by_one(older_than: float, *, tried_only: bool) -> tuple[int, int]:
    enqueued = not_enqueued = 0
    cutoff = utcnow() - timedelta(seconds=older_than)
    after_id = 0
    while True:
        ids = db.session.scalars(
            select(ExportEvent.id)
            .where(ExportEvent.status == "pending", ExportEvent.id > after_id,
                   ExportEvent.attempts > 0 if tried_only else true(),
                   or_(ExportEvent.enqueued_at.is_(None), ExportEvent.enqueued_at < cutoff))
            .order_by(ExportEvent.id).limit(RELAY_BATCH)
        ).all()
        db.session.rollback()  # no transaction held open while jobs run inline
        if not ids:
            return enqueued, not_enqueued
        handed = [event_id for event_id in ids if enqueue_delivery(event_id)]
        RELAY_HANDED_OVER.labels("enqueued").inc(len(handed))
        RELAY_HANDED_OVER.labels("not_enqueued").inc(len(ids) - len(handed))
        update_pending_events(handed, enqueued_at=utcnow())
        enqueued += len(handed)
        not_enqueued += len(ids) - len(handed)
        if len(handed) < len(ids):
            return enqueued, not_enqueued  # the queue is down: the next pass retries them
        after_id = ids[-1]


def retry_event(event_id: int) -> ExportEvent:
    """Give a failed (or stuck pending) event a fresh set of attempts and enqueue it now.

    A delivered event is never sent again (409): the platform already has it.
    """
    event = _reset_for_retry(event_id)
    enqueue_delivery(event_id)
    return event


@retry_on_conflict(attempts=5)
def _reset_for_retry(event_id: int) -> ExportEvent:
    with transaction() as uow:
        event = uow.session.execute(
            update(ExportEvent)
            .where(ExportEvent.id == event_id, ExportEvent.status.in_(("pending", "failed")))
            .values(status="pending", attempts=0, enqueued_at=utcnow())
            .returning(ExportEvent)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if event is None:
            if uow.session.get(ExportEvent, event_id) is None:
                raise ExportEventNotFound(gettext("There is no export event #%(id)s.",
                                                  id=event_id))
            raise ExportEventNotRetryable(gettext("Export event #%(id)s was already delivered.",
                                                  id=event_id))
    return event


def outbox_state() -> tuple[dict[str, int], datetime | None]:
    """Outbox counts by status, and when the oldest pending event was written (``None``
    when nothing is pending)."""
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(db.session.execute(
        select(ExportEvent.status, func.count()).group_by(ExportEvent.status)
    ).all())
    oldest_pending = db.session.scalar(
        select(func.min(ExportEvent.created_at)).where(ExportEvent.status == "pending"))
    return counts, oldest_pending


def export_summary() -> dict:
    """``outbox_state()``, and the most recent failed events with their errors."""
    counts, oldest_pending = outbox_state()
    failed = db.session.scalars(
        select(ExportEvent).where(ExportEvent.status == "failed")
        .order_by(ExportEvent.id.desc()).limit(FAILED_SHOWN)
    ).all()
    return {"counts": counts, "oldest_pending": oldest_pending, "failed": list(failed)}
