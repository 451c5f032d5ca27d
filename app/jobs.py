"""The one place that hands work to the background.

With ``REDIS_URL`` the work goes on the RQ queue named ``RQ_QUEUE_NAME`` and an
``rq worker`` (``flask exports worker``) runs it. Without it (the embedded default) the work
runs inline, right now, in this process. Callers enqueue only after their commit, so a job
never sees data that might still roll back.

``enqueue_unless_queued`` lets many callers ask for the same piece of work and get one job:
a flag in the queue's Redis (``SET … NX EX``, holding the job's due time) says a job is
already waiting, and the job clears it (``clear_queued_flag``) when it starts, so work asked
for after that start gets a job of its own.
"""

from __future__ import annotations

import contextlib
import functools
import time
from datetime import UTC, datetime, timedelta

from flask import current_app


# Checkout enqueues after its commit: when Redis is unreachable we want to hear so at once,
# not after the OS's connect timeout.
REDIS_CONNECT_TIMEOUT = 0.5
REDIS_SOCKET_TIMEOUT = 2.0


def redis_connection(url: str | None = None):
    """The Redis client for the queue (short timeouts), one per URL and process."""
    return _client(url or current_app.config["REDIS_URL"])


# One client (and its connection pool) per URL: checkout must not open a new TCP connection
# per order. redis-py's pool notices a fork and reconnects in the child.
@functools.cache
def _client(url: str):
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
                          socket_timeout=REDIS_SOCKET_TIMEOUT)


def uses_queue() -> bool:
    """True when background work goes on the RQ queue, False when it runs inline."""
    return bool(current_app.config.get("REDIS_URL"))


def get_queue(connection=None):
    """The app's RQ queue (only meaningful when ``REDIS_URL`` is set)."""
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE_NAME"],
                 connection=connection or redis_connection())


def enqueue(func, *args, retry=None, delay: float = 0):
    """Run ``func(*args)`` in the background: on the RQ queue, or inline without Redis.

    RQ mode: returns the job; a Redis error propagates so the caller can decide (the
    export path logs it and leaves its outbox row for the relay). A ``delay`` puts the job
    in RQ's scheduled registry, which only a worker started with its scheduler moves on.
    Inline mode: the call runs now (errors propagate) and returns ``None``; ``retry`` and
    ``delay`` are RQ's business, unused here.
    """
    if uses_queue():
        if delay:
            return get_queue().enqueue_in(timedelta(seconds=delay), func, *args, retry=retry)
        return get_queue().enqueue(func, *args, retry=retry)
    # A fresh app context, as a worker would have: its own database session, so the job
    # neither sees nor expires the caller's objects.
    with current_app.app_context():
        func(*args)
    return None


# Per process: until when the job each flag stands for is known to be still waiting (its due
# time less DUE_MARGIN), so that requests before then need not ask Redis again.
_waiting_until: dict[str, float] = {}
# How far the clocks of the app servers and of the worker running the job may disagree.
DUE_MARGIN = 0.25


def enqueue_unless_queued(func, flag: str, ttl: int, *, delay: float = 0):
    """RQ mode only: enqueue ``func()`` unless a job that ``flag`` marks is still waiting.

    Returns the job, or ``None`` when one was already queued. The flag expires after
    ``ttl`` seconds, so a job lost with its flag still set blocks new ones only that long.
    A ``delay`` schedules the job that far ahead (as ``enqueue`` does): every request in
    between finds the flag set, so the job gathers that much work. The flag holds the job's
    due time, and this process remembers it: the job cannot start before it, so until
    shortly before it (``DUE_MARGIN``) a request here is answered without asking Redis. A
    Redis error propagates, as in ``enqueue``.
    """
    key, now = _flag_key(flag), time.time()
    if now < _waiting_until.get(key, 0):
        return None
    connection, due = redis_connection(), now + delay
    with connection.pipeline() as pipe:  # MULTI: set the flag if absent, and read it
        won, value = pipe.set(key, repr(due), nx=True, ex=ttl).get(key).execute()
    if not won:
        _waiting_until[key] = _float(value) - DUE_MARGIN
        return None
    try:
        queue = get_queue(connection)
        job = (queue.enqueue_at(datetime.fromtimestamp(due, UTC), func) if delay
               else queue.enqueue(func))
    except Exception:
        # Without a job behind it the flag would hold off every request until it expires.
        with contextlib.suppress(Exception):
            connection.delete(key)
        raise
    _waiting_until[key] = due - DUE_MARGIN
    return job


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0  # gone meanwhile, or a flag without a due time: ask again next time


def clear_queued_flag(flag: str) -> None:
    """Called by the job when it starts: the next request for its work queues a new job."""
    key = _flag_key(flag)
    _waiting_until.pop(key, None)
    redis_connection().delete(key)


def _flag_key(flag: str) -> str:
    # Named after the queue: shops or test runs sharing one Redis keep separate flags.
    return f"{current_app.config['RQ_QUEUE_NAME']}:{flag}"
