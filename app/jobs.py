"""The one place that hands work to the background.

With ``REDIS_URL`` the work goes on the RQ queue named ``RQ_QUEUE_NAME`` and an
``rq worker`` (``flask exports worker``) runs it. Without it (the embedded default) the work
runs inline, right now, in this process. Callers enqueue only after their commit, so a job
never sees data that might still roll back.

``enqueue_unless_queued`` lets many callers ask for the same piece of work and get one job:
a flag in the queue's Redis (``SET … NX EX``) says a job is already waiting, and the job
clears it (``clear_queued_flag``) when it starts, so work asked for after that start gets a
job of its own.
"""

from __future__ import annotations

import contextlib
import functools
from datetime import timedelta

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


def enqueue_unless_queued(func, flag: str, ttl: int, *, delay: float = 0):
    """RQ mode only: enqueue ``func()`` unless a job that ``flag`` marks is still waiting.

    Returns the job, or ``None`` when one was already queued. The flag expires after
    ``ttl`` seconds, so a job lost with its flag still set blocks new ones only that long.
    A ``delay`` schedules the job that far ahead (as ``enqueue`` does): every request in
    between finds the flag set, so the job gathers that much work. A Redis error
    propagates, as in ``enqueue``.
    """
    connection, key = redis_connection(), _flag_key(flag)
    if not connection.set(key, 1, nx=True, ex=ttl):
        return None
    try:
        queue = get_queue(connection)
        if delay:
            return queue.enqueue_in(timedelta(seconds=delay), func)
        return queue.enqueue(func)
    except Exception:
        # Without a job behind it the flag would hold off every request until it expires.
        with contextlib.suppress(Exception):
            connection.delete(key)
        raise


def clear_queued_flag(flag: str) -> None:
    """Called by the job when it starts: the next request for its work queues a new job."""
    redis_connection().delete(_flag_key(flag))


def _flag_key(flag: str) -> str:
    # Named after the queue: shops or test runs sharing one Redis keep separate flags.
    return f"{current_app.config['RQ_QUEUE_NAME']}:{flag}"
