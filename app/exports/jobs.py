"""Delivery of export events: two RQ jobs, importable by a bare ``rq worker``.

- ``drain_exports()`` is the happy path under RQ. After its commit every order asks for a
  drain (``request_drain``); a flag in Redis keeps at most about one drain queued however
  many orders commit. The drain goes on the queue at once and waits until
  ``EXPORT_DRAIN_DELAY`` seconds (1 s by default) after the first order asked, so during a
  steady stream of orders each drain gathers a second of them instead of a handful: RQ's
  per-job bookkeeping had cost each order ~2 ms of the worker's CPU under load
  (docs/BENCHMARKS.md). It never waits for RQ's scheduler, whose lock a killed worker
  holds for a minute or more. The drain then clears that flag, so an order committed
  while it runs queues the next drain and no event is left behind.
- One drain runs at a time (a ``Lease`` in Redis, renewed every second, so a killed drain
  blocks the next for ``DRAIN_LEASE_TTL`` s at most); a drain asked for meanwhile leaves a
  marker and the running one goes round once more. Two drains at once would send every
  event twice.
- A drain sends the untried events in parallel and writes their outcomes as they come
  (``app.exports.sending``). After ``EXPORT_DRAIN_SECONDS`` (30) it stops taking new events,
  writes what it has and queues the next drain, far inside its explicit RQ job timeout.
- ``deliver_export(event_id)`` is one attempt for one event. Inline mode (no Redis) runs it
  right after the commit; the relay and the admin retry enqueue it; and a drain hands it
  every event the platform refused, with the attempts and backoff that are left.

What an attempt writes is ``app.exports.outcomes``'. Under RQ a failed ``deliver_export`` with
attempts left raises, so RQ's ``Retry`` schedules the next attempt with backoff. Inline there
is exactly one attempt per enqueue and the checkout never waits on retries: the row stays
``pending`` and the relay tries again on its next pass. Events with ``attempts > 0`` belong
to this per-event path; drains leave them alone.

Delivery is at least once. A drain killed between a POST and the write of its outcome, or a
drain and a relayed job, may both send the same event; the platform keeps it once by its
``Idempotency-Key`` (the event id).
"""

from __future__ import annotations

import logging
import math
import time

from flask import has_app_context
from redis import RedisError
from rq import get_current_job
from sqlalchemy import select
from structlog.contextvars import bound_contextvars

from app.exports.models import ExportEvent, message
from app.exports.outcomes import (backoff, event_fields, record_deliveries, record_failures,
                                  retry_policy, setting)
from app.exports.sending import drain_pass
from app.exports.sink import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DeliveryError, send
from app.extensions import db
from app.jobs import (Lease, QueueUnreachable, enqueue, enqueue_unless_queued,
                      wait_until_due)

log = logging.getLogger(__name__)

DRAIN_FLAG = "exports:drain-queued"
# A drain waiting behind a busy worker may outlive its flag; that only lets one more drain
# in. A drain lost before it ran (worker killed) holds off new ones this long, at most.
DRAIN_FLAG_TTL = 60
DRAIN_LEASE = "exports:drain-running"
DRAIN_LEASE_TTL = 10  # renewed every TICK_SECONDS by the running drain
DEFAULT_DRAIN_SECONDS = 30
# What a job may take beyond its own budget before RQ kills it: database writes, Redis.
JOB_TIMEOUT_MARGIN = 30


class DeliveryFailed(Exception):
    """Raised inside an RQ job so that RQ schedules the next attempt."""


def _send_seconds() -> float:
    """The longest one POST may take: its connect and read timeouts."""
    return (setting("EXPORT_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)
            + setting("EXPORT_READ_TIMEOUT", DEFAULT_READ_TIMEOUT))


def drain_job_timeout() -> float:
    """RQ's limit for a drain: its wait, its budget, the POSTs in flight when the budget
    ends, and a margin. The budget, not this, is what normally ends a long drain."""
    return (setting("EXPORT_DRAIN_DELAY", 0.0) + setting("EXPORT_DRAIN_SECONDS",
                                                              float(DEFAULT_DRAIN_SECONDS))
            + _send_seconds() + JOB_TIMEOUT_MARGIN)


def deliver_job_timeout() -> float:
    return _send_seconds() + JOB_TIMEOUT_MARGIN


def request_drain(*, now: bool = False) -> bool:
    """Make sure a drain is queued (RQ mode); log and return False instead of raising.

    ``now``: no gathering delay (a drain that ran out of time hands on the rest).
    """
    delay = 0 if now else setting("EXPORT_DRAIN_DELAY", 0.0)
    try:
        enqueue_unless_queued(drain_exports, DRAIN_FLAG, DRAIN_FLAG_TTL, delay=delay,
                              job_timeout=drain_job_timeout())
    except Exception as error:  # noqa: BLE001 - orders are committed; the relay finds them
        _warn_not_queued(error)
        return False
    return True


_warned_at = -math.inf
WARN_EVERY = 60.0


def _warn_not_queued(error: Exception) -> None:
    """Log a drain that could not be queued: a Redis outage once a minute and without a
    traceback (every checkout meets it), anything else every time, with its traceback."""
    global _warned_at
    outage = isinstance(error, RedisError | QueueUnreachable)
    if outage and time.monotonic() - _warned_at < WARN_EVERY:
        return
    if outage:
        _warned_at = time.monotonic()
    log.warning("export drain not queued (%s: %s); pending events wait for the next drain "
                "or the relay", type(error).__name__, error, exc_info=not outage)


def start_drain() -> None:
    """Queue a drain whatever the flag says: a worker starting after a crash cannot know
    whether the drain the flag stands for died with the old worker. An extra drain costs
    one SELECT, or nothing while another holds the lease."""
    enqueue(drain_exports, job_timeout=drain_job_timeout())


def drain_exports() -> int:
    """Deliver the pending events not tried yet; returns how many were delivered."""
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
    wait_until_due(DRAIN_FLAG, longest=setting("EXPORT_DRAIN_DELAY", 0.0))
    lease = Lease(DRAIN_LEASE, DRAIN_LEASE_TTL)
    taken = lease.take()
    if taken != "taken":
        # The drain running now goes round once more for the events behind this one. If it
        # was killed, its lease lapses: one look after that makes sure they are not left.
        if taken == "marked":
            enqueue(drain_exports, delay=DRAIN_LEASE_TTL, job_timeout=drain_job_timeout())
        return 0
    deadline = time.monotonic() + setting("EXPORT_DRAIN_SECONDS", float(DEFAULT_DRAIN_SECONDS))
    delivered = 0
    try:
        while True:
            sent, out_of_time = drain_pass(lease, deadline, _hand_over_failures)
            delivered += sent
            if out_of_time:
                break
            if lease.release():
                return delivered
    finally:
        lease.drop()  # after an error or the budget; a no-op once released
    log.info("export drain out of time after %s deliveries; queuing the next", delivered)
    request_drain(now=True)
    return delivered


def _hand_over_failures(event_ids: list[int], error: str) -> None:
    """Record the drain's failed attempts; the per-event path makes the ones left."""
    for event in record_failures(event_ids, error):
        log.warning("export event %s attempt %s failed: %s", event.id, event.attempts, error,
                    extra=event_fields(event))
        if event.status != "pending":
            continue
        try:
            enqueue(deliver_export, event.id, retry=retry_policy(event.attempts),
                    delay=backoff(event.attempts), job_timeout=deliver_job_timeout())
        except Exception:  # noqa: BLE001 - its enqueued_at is fresh: the relay retries it later
            log.warning("export event %s retry not queued", event.id, exc_info=True,
                        extra=event_fields(event))


def _deliver(event_id: int) -> str:
    event = db.session.execute(
        select(ExportEvent.id, ExportEvent.status, ExportEvent.kind, ExportEvent.created_at,
               ExportEvent.order_id, ExportEvent.payload, ExportEvent.request_id)
        .where(ExportEvent.id == event_id)
    ).one_or_none()
    db.session.rollback()  # no transaction held open across the HTTP call
    if event is None:
        log.warning("export event %s does not exist", event_id)
        return "missing"
    if event.status != "pending":
        return event.status
    # Every line logged about this attempt carries the event's order and request ids.
    with bound_contextvars(**event_fields(event)):
        return _attempt(event)


def _attempt(event) -> str:
    event_id = event.id
    try:
        send(event_id, message(event_id, event.kind, event.created_at, event.order_id,
                               event.payload))
    except DeliveryError as exc:
        rows = record_failures([event_id], str(exc))
        # No row: someone else settled it meanwhile.
        status, attempts = (rows[0].status, rows[0].attempts) if rows else ("settled", 0)
        log.warning("export event %s attempt %s failed: %s", event_id, attempts, exc)
        if status == "pending" and get_current_job() is not None:
            raise DeliveryFailed(f"event {event_id}: {exc}") from exc
        return status
    record_deliveries([event_id])
    log.info("export event delivered")
    return "delivered"


