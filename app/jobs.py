"""The one place that hands work to the background.

With ``REDIS_URL`` the work goes on the RQ queue named ``RQ_QUEUE_NAME`` and an
``rq worker`` (``flask exports worker``) runs it. Without it (the embedded default) the work
runs inline, right now, in this process. Callers enqueue only after their commit, so a job
never sees data that might still roll back.
"""

from __future__ import annotations

import functools

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


def get_queue(connection=None):
    """The app's RQ queue (only meaningful when ``REDIS_URL`` is set)."""
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE_NAME"],
                 connection=connection or redis_connection())


def enqueue(func, *args, retry=None):
    """Run ``func(*args)`` in the background: on the RQ queue, or inline without Redis.

    RQ mode: returns the job; a Redis error propagates so the caller can decide (the
    export path logs it and leaves its outbox row for the relay). Inline mode: the call runs
    now (errors propagate) and returns ``None``; ``retry`` is RQ's business, unused here.
    """
    if current_app.config.get("REDIS_URL"):
        return get_queue().enqueue(func, *args, retry=retry)
    # A fresh app context, as a worker would have: its own database session, so the job
    # neither sees nor expires the caller's objects.
    with current_app.app_context():
        func(*args)
    return None
