"""What an attempt to deliver an export event writes, and how many attempts it gets.

Every status change is a compare-and-set on ``status = 'pending'``, so of two writers racing
on one event (a drain and a relayed job, two drains) the second changes nothing. A failed
attempt adds one to ``attempts``, keeps the error and stamps ``enqueued_at`` (the relay
leaves an event alone while its retries are still due); at ``EXPORT_MAX_ATTEMPTS`` the event
is ``failed`` and shows on the admin Exports page.
"""

from __future__ import annotations

from flask import current_app
from rq import Retry
from sqlalchemy import case

from app.db import retry_on_conflict, transaction, utcnow
from app.exports.models import ExportEvent
from app.metrics import EXPORT_DELIVERIES
from app.writes import compare_and_set

DEFAULT_MAX_ATTEMPTS = 4
# Seconds between RQ attempts; each failed attempt stamps enqueued_at, and the longest of
# these stays well below the relay's default age, so the relay does not re-enqueue an event
# RQ is still retrying.
DEFAULT_RETRY_INTERVALS = (10, 30, 90)


def setting(name: str, default):
    """An export setting from the app's config, of ``default``'s type."""
    return type(default)(current_app.config.get(name, default))


def max_attempts() -> int:
    return setting("EXPORT_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)


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

def record_deliveries(event_ids: list[int]) -> None:
    delivered = update_pending_events(event_ids, status="delivered", delivered_at=utcnow())
    EXPORT_DELIVERIES.labels("delivered").inc(delivered)


@retry_on_conflict(attempts=5)
def update_pending_events(event_ids: list[int], **values) -> int:
    """Set ``values`` on those of ``event_ids`` still pending, in one statement: a
    compare-and-set, so an event someone else settled meanwhile is left as it is. Returns
    how many it changed."""
    if not event_ids:
        return 0
    with transaction() as uow:
        return uow.session.execute(compare_and_set(
            ExportEvent, [ExportEvent.id.in_(event_ids), ExportEvent.status == "pending"],
            values)).rowcount


@retry_on_conflict(attempts=5)
def record_failures(event_ids: list[int], error: str) -> list:
    """Count a failed attempt of each of ``event_ids`` still pending; ``failed`` at the
    last one. Returns ``(id, status, attempts, order_id, request_id)`` rows, without the
    events settled meanwhile."""
    with transaction() as uow:
        rows = uow.session.execute(compare_and_set(
            ExportEvent, [ExportEvent.id.in_(event_ids), ExportEvent.status == "pending"], {
                "attempts": ExportEvent.attempts + 1,
                "last_error": error[:2000],
                # The attempt just made: the relay leaves the event to its retries.
                "enqueued_at": utcnow(),
                "status": case((ExportEvent.attempts + 1 >= max_attempts(), "failed"),
                               else_="pending"),
            }).returning(ExportEvent.id, ExportEvent.status, ExportEvent.attempts,
                         ExportEvent.order_id, ExportEvent.request_id)
        ).all()
    for row in rows:
        EXPORT_DELIVERIES.labels("failed" if row.status == "failed" else "attempt_failed").inc()
    return rows


def event_fields(event) -> dict:
    """What an export event's log lines carry: its id, its order's and the id of the request
    that wrote it (``extra=`` of a log call)."""
    return {"event_id": event.id, "order_id": event.order_id, "request_id": event.request_id}
