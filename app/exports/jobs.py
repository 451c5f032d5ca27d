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
- A drain reads the pending events no one has tried yet (``attempts = 0``) in id order and
  POSTs them from ``EXPORT_SENDERS`` threads (8), each POST with its connect and read
  timeouts. Outcomes are written every second, a slice at a time (one UPDATE for the
  delivered ones, one per distinct error for the refused ones), so progress is recorded
  as it is made, and a platform that answers in 1 s still moves 8 events a second. After
  ``EXPORT_DRAIN_SECONDS`` (30) the drain stops taking new events, writes what it has and
  queues the next drain, far inside its explicit RQ job timeout.
- ``deliver_export(event_id)`` is one attempt for one event. Inline mode (no Redis) runs it
  right after the commit; the relay and the admin retry enqueue it; and a drain hands it
  every event the platform refused, with the attempts and backoff that are left.

A failed attempt adds one to ``attempts``, keeps the error and stamps ``enqueued_at`` (the
relay leaves an event alone while its retries are still due); at ``EXPORT_MAX_ATTEMPTS``
the event is ``failed`` (the admin can retry it). Under RQ a failed ``deliver_export`` with
attempts left raises, so RQ's ``Retry`` schedules the next attempt with backoff. Inline there
is exactly one attempt per enqueue and the checkout never waits on retries: the row stays
``pending`` and the relay tries again on its next pass. Events with ``attempts > 0`` belong
to this per-event path; drains leave them alone.

Delivery is at least once. A drain killed between a POST and the write of its outcome, or a
drain and a relayed job, may both send the same event; the platform keeps it once by its
``Idempotency-Key`` (the event id). Every status change is a compare-and-set on
``status = 'pending'``, so of two writers racing on one event the second changes nothing.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from flask import current_app, has_app_context
from redis import RedisError
from rq import Retry, get_current_job
from sqlalchemy import case, select, update

from app.db import retry_on_conflict, transaction, utcnow
from app.exports.models import ExportEvent, message
from app.exports.sink import (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DeliveryError,
                              Platform, append_jsonl, encode, platform, send)
from app.extensions import db
from app.jobs import (Lease, QueueUnreachable, enqueue, enqueue_unless_queued,
                      wait_until_due)

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 4
# Seconds between RQ attempts; each failed attempt stamps enqueued_at, and the longest of
# these stays well below the relay's default age, so the relay does not re-enqueue an event
# RQ is still retrying.
DEFAULT_RETRY_INTERVALS = (10, 30, 90)

DRAIN_FLAG = "exports:drain-queued"
# A drain waiting behind a busy worker may outlive its flag; that only lets one more drain
# in. A drain lost before it ran (worker killed) holds off new ones this long, at most.
DRAIN_FLAG_TTL = 60
DRAIN_LEASE = "exports:drain-running"
DRAIN_LEASE_TTL = 10  # renewed every TICK_SECONDS by the running drain
DRAIN_PAGE = 200  # events read per SELECT, and the most outcomes written per UPDATE
TICK_SECONDS = 1.0  # how often a drain writes its outcomes and renews its lease
DEFAULT_DRAIN_SECONDS = 30
DEFAULT_SENDERS = 8
# What a job may take beyond its own budget before RQ kills it: database writes, Redis.
JOB_TIMEOUT_MARGIN = 30


class DeliveryFailed(Exception):
    """Raised inside an RQ job so that RQ schedules the next attempt."""


def _setting(name: str, default):
    return type(default)(current_app.config.get(name, default))


def max_attempts() -> int:
    return _setting("EXPORT_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)


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


def _send_seconds() -> float:
    """The longest one POST may take: its connect and read timeouts."""
    return (_setting("EXPORT_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)
            + _setting("EXPORT_READ_TIMEOUT", DEFAULT_READ_TIMEOUT))


def drain_job_timeout() -> float:
    """RQ's limit for a drain: its wait, its budget, the POSTs in flight when the budget
    ends, and a margin. The budget, not this, is what normally ends a long drain."""
    return (_setting("EXPORT_DRAIN_DELAY", 0.0) + _setting("EXPORT_DRAIN_SECONDS",
                                                              float(DEFAULT_DRAIN_SECONDS))
            + _send_seconds() + JOB_TIMEOUT_MARGIN)


def deliver_job_timeout() -> float:
    return _send_seconds() + JOB_TIMEOUT_MARGIN


def request_drain(*, now: bool = False) -> bool:
    """Make sure a drain is queued (RQ mode); log and return False instead of raising.

    ``now``: no gathering delay (a drain that ran out of time hands on the rest).
    """
    delay = 0 if now else _setting("EXPORT_DRAIN_DELAY", 0.0)
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
    wait_until_due(DRAIN_FLAG, longest=_setting("EXPORT_DRAIN_DELAY", 0.0))
    lease = Lease(DRAIN_LEASE, DRAIN_LEASE_TTL)
    taken = lease.take()
    if taken != "taken":
        # The drain running now goes round once more for the events behind this one. If it
        # was killed, its lease lapses: one look after that makes sure they are not left.
        if taken == "marked":
            enqueue(drain_exports, delay=DRAIN_LEASE_TTL, job_timeout=drain_job_timeout())
        return 0
    deadline = time.monotonic() + _setting("EXPORT_DRAIN_SECONDS", float(DEFAULT_DRAIN_SECONDS))
    delivered = 0
    try:
        while True:
            sent, out_of_time = _drain_pass(lease, deadline)
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


def _drain_pass(lease: Lease, deadline: float) -> tuple[int, bool]:
    """Send the untried pending events until none is left, the deadline passes or the
    lease is lost. Returns how many were delivered, and whether time ran out first."""
    target = platform()
    senders = _setting("EXPORT_SENDERS", DEFAULT_SENDERS)
    outcomes = _Outcomes(lease)
    out_of_time = False
    with ThreadPoolExecutor(max_workers=senders, thread_name_prefix="export-send") as pool:
        in_flight: dict = {}
        for event in _untried_events():
            # Checked before a send but after the first, so every drain moves one event on.
            out_of_time = bool(in_flight or outcomes.taken) and time.monotonic() >= deadline
            if out_of_time or outcomes.lease_lost:
                break
            body = encode(message(event.id, event.kind, event.created_at, event.order_id,
                                  event.payload))
            if target is None:
                append_jsonl([body])
                outcomes.add(event.id, None)
            else:
                while len(in_flight) >= senders:
                    outcomes.collect(in_flight)
                in_flight[pool.submit(_attempt, target, event.id, body)] = event.id
            outcomes.tick()
        while in_flight:
            outcomes.collect(in_flight)
    outcomes.write()
    return outcomes.delivered, out_of_time


def _untried_events():
    """Pending events nobody has tried yet, in id order, a page per SELECT."""
    after_id = 0
    while True:
        page = db.session.execute(
            select(ExportEvent.id, ExportEvent.kind, ExportEvent.created_at,
                   ExportEvent.order_id, ExportEvent.payload)
            .where(ExportEvent.status == "pending", ExportEvent.attempts == 0,
                   ExportEvent.id > after_id)
            .order_by(ExportEvent.id).limit(DRAIN_PAGE)
        ).all()
        db.session.rollback()  # no transaction held open across the sends
        if not page:
            return
        yield from page
        after_id = page[-1].id


def _attempt(target: Platform, event_id: int, body: bytes) -> str | None:
    """One POST, in a sender thread; the error message, or None when delivered."""
    try:
        target.post(event_id, body)
    except DeliveryError as exc:
        return str(exc)
    return None


class _Outcomes:
    """A drain's outcomes not yet written: written every ``TICK_SECONDS`` (renewing the
    lease then too) or every ``DRAIN_PAGE`` outcomes, whichever comes first."""

    def __init__(self, lease: Lease):
        self.lease, self.lease_lost = lease, False
        self.taken = self.delivered = 0  # outcomes taken; deliveries written
        self._delivered: list[int] = []
        self._refused: dict[str, list[int]] = defaultdict(list)
        self._pending = 0
        self._next_tick = time.monotonic() + TICK_SECONDS

    def add(self, event_id: int, error: str | None) -> None:
        self.taken += 1
        if error is None:
            self._delivered.append(event_id)
        else:
            self._refused[error].append(event_id)
        self._pending += 1
        if self._pending >= DRAIN_PAGE:
            self.write()

    def collect(self, in_flight: dict) -> None:
        """Wait for a send to finish (or for the next tick) and take what finished."""
        done, _ = wait(in_flight, timeout=max(0.0, self._next_tick - time.monotonic()),
                       return_when=FIRST_COMPLETED)
        for future in done:
            self.add(in_flight.pop(future), future.result())
        self.tick()

    def tick(self) -> None:
        if time.monotonic() >= self._next_tick:
            self.write()
            self.lease_lost = not self.lease.keep()
            self._next_tick = time.monotonic() + TICK_SECONDS

    def write(self) -> None:
        delivered, refused = self._delivered, self._refused
        self._delivered, self._refused, self._pending = [], defaultdict(list), 0
        _record_deliveries(delivered)
        self.delivered += len(delivered)
        for error, event_ids in refused.items():
            _hand_over_failures(event_ids, error)


def _hand_over_failures(event_ids: list[int], error: str) -> None:
    """Record the drain's failed attempts; the per-event path makes the ones left."""
    for event_id, status, attempts in _record_failures(event_ids, error):
        log.warning("export event %s attempt %s failed: %s", event_id, attempts, error)
        if status != "pending":
            continue
        try:
            enqueue(deliver_export, event_id, retry=retry_policy(attempts),
                    delay=backoff(attempts), job_timeout=deliver_job_timeout())
        except Exception:  # noqa: BLE001 - its enqueued_at is fresh: the relay retries it later
            log.warning("export event %s retry not queued", event_id, exc_info=True)


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
        rows = _record_failures([event_id], str(exc))
        # No row: someone else settled it meanwhile.
        status, attempts = (rows[0].status, rows[0].attempts) if rows else ("settled", 0)
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
def _record_failures(event_ids: list[int], error: str) -> list:
    """Count a failed attempt of each of ``event_ids`` still pending; ``failed`` at the
    last one. Returns ``(id, status, attempts)`` rows, without the events settled meanwhile."""
    with transaction() as uow:
        return uow.session.execute(
            update(ExportEvent)
            .where(ExportEvent.id.in_(event_ids), ExportEvent.status == "pending")
            .values(attempts=ExportEvent.attempts + 1,
                    last_error=error[:2000],
                    # The attempt just made: the relay leaves the event to its retries.
                    enqueued_at=utcnow(),
                    status=case((ExportEvent.attempts + 1 >= max_attempts(), "failed"),
                                else_="pending"))
            .returning(ExportEvent.id, ExportEvent.status, ExportEvent.attempts)
            .execution_options(synchronize_session=False)
        ).all()
