"""Delivery of export events: two RQ jobs, importable by a bare ``rq worker``.

- ``drain_exports()`` is the happy path under RQ. After its commit every order asks for a
  drain (``request_drain``); a flag in Redis keeps at most about one drain queued however
  many orders commit. The drain is scheduled ``EXPORT_DRAIN_DELAY`` seconds ahead (1 s by
  default), so during a steady stream of orders each drain gathers a second of them instead
  of a handful: RQ's per-job bookkeeping had cost each order ~2 ms of the worker's CPU
  under load (docs/BENCHMARKS.md). The drain first clears that flag, so an order committed
  while it runs queues the next drain and no event is left behind. Then it reads the pending events no one
  has tried yet (``attempts = 0``) in id order, ``DRAIN_BATCH`` at a time, sends each batch
  with no transaction open, and marks the delivered ones with one UPDATE: two statements
  per batch, where one job per event cost two transactions per event plus RQ's bookkeeping.
  It stops at an empty batch, or after ``DRAIN_SECONDS`` with another drain queued, so a
  long rush never runs one job into RQ's timeout.
- ``deliver_export(event_id)`` is one attempt for one event. Inline mode (no Redis) runs it
  right after the commit; the relay and the admin retry enqueue it; and a drain hands it
  every event the platform refused, with the attempts and backoff that are left.

A failed attempt adds one to ``attempts`` and keeps the error; at ``EXPORT_MAX_ATTEMPTS``
the event is ``failed`` (the admin can retry it). Under RQ a failed ``deliver_export`` with
attempts left raises, so RQ's ``Retry`` schedules the next attempt with backoff. Inline there
is exactly one attempt per enqueue and the checkout never waits on retries: the row stays
``pending`` and the relay tries again on its next pass. Events with ``attempts > 0`` belong
to this per-event path; drains leave them alone.

Delivery is at least once. Two drains running at once (several workers), or a drain and a
relayed job, may both send the same event; the platform keeps it once by its
``Idempotency-Key`` (the event id). Every status change is a compare-and-set on
``status = 'pending'``, so of two writers racing on one event the second changes nothing.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, has_app_context
from rq import Retry, get_current_job
from sqlalchemy import case, select, update

from app.db import retry_on_conflict, transaction, utcnow
from app.exports.models import ExportEvent, message
from app.exports.sink import DeliveryError, send, send_batch
from app.extensions import db
from app.jobs import clear_queued_flag, enqueue, enqueue_unless_queued

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 4
# Seconds between RQ attempts; their sum stays well below the relay's default age so the
# relay does not re-enqueue an event RQ is still retrying.
DEFAULT_RETRY_INTERVALS = (10, 30, 90)

DRAIN_FLAG = "exports:drain-queued"
# A drain waiting behind a busy worker may outlive its flag; that only lets one more drain
# in. A drain lost before it ran (worker killed) holds off new ones this long, at most.
DRAIN_FLAG_TTL = 60
DRAIN_BATCH = 200
DRAIN_SECONDS = 60  # well inside RQ's default job timeout of 180 s


class DeliveryFailed(Exception):
    """Raised inside an RQ job so that RQ schedules the next attempt."""


def max_attempts() -> int:
    return int(current_app.config.get("EXPORT_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def backoff(failures: int) -> int:
    """Seconds to wait before the next attempt, once ``failures`` (≥ 1) attempts failed."""
    intervals = list(current_app.config.get("EXPORT_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS))
    return intervals[min(failures, len(intervals)) - 1]


def retry_policy(failures: int = 0) -> Retry | None:
    """RQ's retry for the attempts left after the next one, each after its backoff."""
    later = range(failures + 1, max_attempts())
    if not later:
        return None
    return Retry(max=len(later), interval=[backoff(n) for n in later])


def request_drain() -> bool:
    """Make sure a drain is queued (RQ mode); log and return False instead of raising."""
    try:
        enqueue_unless_queued(drain_exports, DRAIN_FLAG, DRAIN_FLAG_TTL,
                              delay=current_app.config.get("EXPORT_DRAIN_DELAY", 0))
    except Exception:  # noqa: BLE001 - orders are committed; the next drain or relay finds them
        log.warning("export drain not queued; pending events wait for the next drain or "
                    "the relay", exc_info=True)
        return False
    return True


def drain_exports() -> int:
    """Deliver every pending event not tried yet; returns how many were delivered."""
    return _in_app(_drain)


def deliver_export(event_id: int) -> str:
    """Deliver one export event (one attempt); returns the event's status afterwards."""
    return _in_app(_deliver, event_id)


_worker_app = None


def _in_app(func, *args):
    """Inside ``flask exports worker`` (or inline) the caller's app is used; under a bare
    ``rq worker`` the job builds the app through the factory, once per process."""
    if has_app_context():
        return func(*args)
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return func(*args)


def _drain() -> int:
    clear_queued_flag(DRAIN_FLAG)
    started = time.monotonic()
    delivered = after_id = 0
    while batch := _untried_events(after_id):
        delivered += _deliver_batch(batch)
        after_id = batch[-1].id
        if time.monotonic() - started > DRAIN_SECONDS:
            request_drain()
            break
    return delivered


def _untried_events(after_id: int) -> list:
    rows = db.session.execute(
        select(ExportEvent.id, ExportEvent.kind, ExportEvent.created_at, ExportEvent.order_id,
               ExportEvent.payload)
        .where(ExportEvent.status == "pending", ExportEvent.attempts == 0,
               ExportEvent.id > after_id)
        .order_by(ExportEvent.id).limit(DRAIN_BATCH)
    ).all()
    db.session.rollback()  # no transaction held open across the sends
    return rows


def _deliver_batch(batch) -> int:
    failures = send_batch([(e.id, message(e.id, e.kind, e.created_at, e.order_id, e.payload))
                           for e in batch])
    delivered = [e.id for e in batch if e.id not in failures]
    _record_deliveries(delivered)
    for event_id, error in failures.items():
        _hand_over_failure(event_id, error)
    return len(delivered)


def _hand_over_failure(event_id: int, error: DeliveryError) -> None:
    """Record the drain's failed attempt; the per-event path makes the ones left."""
    status, attempts = _record_failure(event_id, str(error))
    log.warning("export event %s attempt %s failed: %s", event_id, attempts, error)
    if status == "pending":
        enqueue(deliver_export, event_id, retry=retry_policy(attempts),
                delay=backoff(attempts))


def _deliver(event_id: int) -> str:
    event = db.session.execute(
        select(ExportEvent.status, ExportEvent.kind, ExportEvent.created_at,
               ExportEvent.order_id, ExportEvent.payload).where(ExportEvent.id == event_id)
    ).one_or_none()
    db.session.rollback()  # no transaction held open across the HTTP call
    if event is None:
        log.warning("export event %s does not exist", event_id)
        return "missing"
    if event.status != "pending":
        return event.status
    try:
        send(event_id, message(event_id, event.kind, event.created_at, event.order_id,
                               event.payload))
    except DeliveryError as exc:
        status, attempts = _record_failure(event_id, str(exc))
        log.warning("export event %s attempt %s failed: %s", event_id, attempts, exc)
        if status == "pending" and get_current_job() is not None:
            raise DeliveryFailed(f"event {event_id}: {exc}") from exc
        return status
    _record_deliveries([event_id])
    return "delivered"


def _record_deliveries(event_ids: list[int]) -> None:
    update_pending_events(event_ids, status="delivered", delivered_at=utcnow())


@retry_on_conflict(attempts=5)
def update_pending_events(event_ids: list[int], **values) -> None:
    """Set ``values`` on those of ``event_ids`` still pending, in one statement: a
    compare-and-set, so an event someone else settled meanwhile is left as it is."""
    if not event_ids:
        return
    with transaction() as uow:
        uow.session.execute(
            update(ExportEvent)
            .where(ExportEvent.id.in_(event_ids), ExportEvent.status == "pending")
            .values(**values)
            .execution_options(synchronize_session=False)
        )


@retry_on_conflict(attempts=5)
def _record_failure(event_id: int, error: str) -> tuple[str, int]:
    with transaction() as uow:
        row = uow.session.execute(
            update(ExportEvent)
            .where(ExportEvent.id == event_id, ExportEvent.status == "pending")
            .values(attempts=ExportEvent.attempts + 1,
                    last_error=error[:2000],
                    status=case((ExportEvent.attempts + 1 >= max_attempts(), "failed"),
                                else_="pending"))
            .returning(ExportEvent.status, ExportEvent.attempts)
            .execution_options(synchronize_session=False)
        ).one_or_none()
    if row is None:  # someone else settled it meanwhile
        return "settled", 0
    return row.status, row.attempts
