"""One pass of a drain: the untried pending events, POSTed in parallel, outcomes written as
they come.

A pass reads the pending events no one has tried yet (``attempts = 0``) in id order and POSTs
them from ``EXPORT_SENDERS`` threads (8), each POST with its connect and read timeouts.
Outcomes are written every ``TICK_SECONDS``, a slice at a time (one UPDATE for the delivered
ones, one per distinct error for the refused ones), so progress is recorded as it is made,
and a platform that answers in 1 s still moves 8 events a second. The pass renews the
drain's lease at each tick and stops when the lease is lost or the deadline passes.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from sqlalchemy import select

from app.exports.models import ExportEvent, message
from app.exports.outcomes import event_fields, record_deliveries, setting
from app.exports.sink import DeliveryError, Platform, append_jsonl, encode, platform
from app.extensions import db
from app.jobs import Lease

log = logging.getLogger(__name__)

DRAIN_PAGE = 200  # events read per SELECT, and the most outcomes written per UPDATE
TICK_SECONDS = 1.0  # how often a drain writes its outcomes and renews its lease
DEFAULT_SENDERS = 8


def drain_pass(lease: Lease, deadline: float, hand_over_failures) -> tuple[int, bool]:
    """Send the untried pending events until none is left, the deadline passes or the
    lease is lost. Returns how many were delivered, and whether time ran out first.
    ``hand_over_failures(event_ids, error)`` records the refused ones and queues their
    retries (the caller's: this module knows no job)."""
    target = platform()
    senders = setting("EXPORT_SENDERS", DEFAULT_SENDERS)
    outcomes = _Outcomes(lease, hand_over_failures)
    out_of_time = False
    with ThreadPoolExecutor(max_workers=senders, thread_name_prefix="export-send") as pool:
        in_flight: dict = {}
        for event in untried_events():
            # Checked before a send but after the first, so every drain moves one event on.
            out_of_time = bool(in_flight or outcomes.taken) and time.monotonic() >= deadline
            if out_of_time or outcomes.lease_lost:
                break
            body = encode(message(event.id, event.kind, event.created_at, event.order_id,
                                  event.payload))
            if target is None:
                append_jsonl([body])
                outcomes.add(event, None)
            else:
                while len(in_flight) >= senders:
                    outcomes.collect(in_flight)
                in_flight[pool.submit(_attempt, target, event.id, body)] = event
            outcomes.tick()
        while in_flight:
            outcomes.collect(in_flight)
    outcomes.write()
    return outcomes.delivered, out_of_time

def untried_events():
    """Pending events nobody has tried yet, in id order, a page per SELECT."""
    after_id = 0
    while True:
        page = db.session.execute(
            select(ExportEvent.id, ExportEvent.kind, ExportEvent.created_at,
                   ExportEvent.order_id, ExportEvent.payload, ExportEvent.request_id)
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

    def __init__(self, lease: Lease, hand_over_failures):
        self.lease, self.lease_lost = lease, False
        self._hand_over_failures = hand_over_failures
        self.taken = self.delivered = 0  # outcomes taken; deliveries written
        self._delivered: list[int] = []
        self._refused: dict[str, list[int]] = defaultdict(list)
        self._pending = 0
        self._next_tick = time.monotonic() + TICK_SECONDS

    def add(self, event, error: str | None) -> None:
        self.taken += 1
        if error is None:
            self._delivered.append(event.id)
            log.info("export event delivered", extra=event_fields(event))
        else:
            self._refused[error].append(event.id)
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
        record_deliveries(delivered)
        self.delivered += len(delivered)
        for error, event_ids in refused.items():
            self._hand_over_failures(event_ids, error)
