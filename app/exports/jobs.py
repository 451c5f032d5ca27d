"""The delivery job: ``deliver_export(event_id)``, importable by ``rq worker``.

Each call is one attempt. Success marks the event ``delivered``. A failure adds one to
``attempts`` and keeps the error; at ``EXPORT_MAX_ATTEMPTS`` the event is ``failed`` (the
admin can retry it). Under RQ a failure with attempts left raises, so RQ's ``Retry``
schedules the next attempt with backoff. Inline (no Redis) there is exactly one attempt per
enqueue and the checkout never waits on retries: the row stays ``pending`` and the relay
tries again on its next pass.

Both status changes are compare-and-sets on ``status = 'pending'``: when the relay and a
retry race on the same event, the second writer changes nothing.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from rq import Retry, get_current_job
from sqlalchemy import case, select, update

from app.db import retry_on_conflict, transaction, utcnow
from app.exports.models import ExportEvent, message
from app.exports.sink import DeliveryError, send
from app.extensions import db

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 4
# Seconds between RQ attempts; their sum stays well below the relay's default age so the
# relay does not re-enqueue an event RQ is still retrying.
DEFAULT_RETRY_INTERVALS = (10, 30, 90)


class DeliveryFailed(Exception):
    """Raised inside an RQ job so that RQ schedules the next attempt."""


def max_attempts() -> int:
    return int(current_app.config.get("EXPORT_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def retry_policy():
    """RQ's retry for one delivery: the attempts left after the first, with backoff."""
    intervals = list(current_app.config.get("EXPORT_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS))
    return Retry(max=max_attempts() - 1, interval=intervals)


_worker_app = None


def deliver_export(event_id: int) -> str:
    """Deliver one export event (one attempt); returns the event's status afterwards.

    Inside ``flask exports worker`` (or inline) the caller's app is used; under a bare
    ``rq worker`` the job builds the app through the factory, once per process.
    """
    if has_app_context():
        return _deliver(event_id)
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return _deliver(event_id)


def _deliver(event_id: int) -> str:
    event = db.session.execute(
        select(ExportEvent.status, ExportEvent.kind, ExportEvent.created_at,
               ExportEvent.payload).where(ExportEvent.id == event_id)
    ).one_or_none()
    db.session.rollback()  # no transaction held open across the HTTP call
    if event is None:
        log.warning("export event %s does not exist", event_id)
        return "missing"
    if event.status != "pending":
        return event.status
    try:
        send(event_id, message(event_id, event.kind, event.created_at, event.payload))
    except DeliveryError as exc:
        status, attempts = _record_failure(event_id, str(exc))
        log.warning("export event %s attempt %s failed: %s", event_id, attempts, exc)
        if status == "pending" and get_current_job() is not None:
            raise DeliveryFailed(f"event {event_id}: {exc}") from exc
        return status
    return _record_delivery(event_id)


@retry_on_conflict(attempts=5)
def _record_delivery(event_id: int) -> str:
    with transaction() as uow:
        uow.session.execute(
            update(ExportEvent)
            .where(ExportEvent.id == event_id, ExportEvent.status == "pending")
            .values(status="delivered", delivered_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return "delivered"


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
