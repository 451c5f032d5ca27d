"""The one place that hands work to the background.

With ``REDIS_URL`` the work goes on the RQ queue named ``RQ_QUEUE_NAME`` and an
``rq worker`` (``flask exports worker``) runs it. Without it (the embedded default) the work
runs inline, right now, in this process. Callers enqueue only after their commit, so a job
never sees data that might still roll back.

``enqueue_unless_queued`` lets many callers ask for the same piece of work and get one job:
a flag in the queue's Redis (``SET … NX EX``, holding the job's due time) says a job is
already waiting, and the job clears it (``wait_until_due``) when it starts, so work asked
for after that start gets a job of its own. ``Lease`` keeps two such jobs from running at
once, and ``release_dead_scheduler_lock`` lets a restarted worker schedule at once.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
import uuid
from datetime import timedelta

from flask import current_app
from redis import RedisError


# Checkout enqueues after its commit: when Redis is unreachable we want to hear so at once,
# not after the OS's connect timeout.
REDIS_CONNECT_TIMEOUT = 0.5
REDIS_SOCKET_TIMEOUT = 2.0
# After the queue's Redis failed a request, this process leaves it alone this long: a dead or
# hung Redis then costs one checkout a timeout each second, not every checkout (the relay
# hands over what waits meanwhile).
QUEUE_RETRY_AFTER = 1.0
# Per Redis URL: until when this process leaves that Redis alone.
_queue_down_until: dict[str, float] = {}


class QueueUnreachable(Exception):
    """The queue's Redis failed within the last ``QUEUE_RETRY_AFTER`` seconds."""


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


def enqueue(func, *args, retry=None, delay: float = 0, job_timeout: float | None = None):
    """Run ``func(*args)`` in the background: on the RQ queue, or inline without Redis.

    RQ mode: returns the job; a Redis error propagates so the caller can decide (the
    export path logs it and leaves its outbox row for the relay). A ``delay`` puts the job
    in RQ's scheduled registry, which only a worker started with its scheduler moves on.
    ``job_timeout`` (s) is how long RQ lets the job run before it kills it.
    Inline mode: the call runs now (errors propagate) and returns ``None``; ``retry``,
    ``delay`` and ``job_timeout`` are RQ's business, unused here.
    """
    if uses_queue():
        options = {"retry": retry, "job_timeout": _whole_seconds(job_timeout)}
        if delay:
            return get_queue().enqueue_in(timedelta(seconds=delay), func, *args, **options)
        return get_queue().enqueue(func, *args, **options)
    # A fresh app context, as a worker would have: its own database session, so the job
    # neither sees nor expires the caller's objects.
    with current_app.app_context():
        func(*args)
    return None


def _whole_seconds(seconds: float | None) -> int | None:
    return None if seconds is None else max(1, math.ceil(seconds))


# Per process: until when the job each flag stands for is known to be still waiting (its due
# time less DUE_MARGIN), so that requests before then need not ask Redis again.
_waiting_until: dict[str, float] = {}
# How far the clocks of the app servers and of the worker running the job may disagree.
DUE_MARGIN = 0.25


def enqueue_unless_queued(func, flag: str, ttl: int, *, delay: float = 0,
                          job_timeout: float | None = None):
    """RQ mode only: enqueue ``func()`` unless a job that ``flag`` marks is still waiting.

    Returns the job, or ``None`` when one was already queued. The flag expires after
    ``ttl`` seconds, so a job lost with its flag still set blocks new ones only that long.
    The flag holds the job's due time, ``delay`` seconds from now: the job goes on the queue
    at once (not through RQ's scheduler, whose lock a crashed worker holds for a minute and
    more) and waits for that time itself (``wait_until_due``), so every request in between
    finds the flag set and the job gathers that much work. This process remembers the due
    time: until shortly before it (``DUE_MARGIN``) a request here is answered without asking
    Redis. A Redis error propagates, as in ``enqueue``; for ``QUEUE_RETRY_AFTER`` seconds
    after one, this raises ``QueueUnreachable`` without asking Redis.
    """
    key, now = _flag_key(flag), time.time()
    if now < _waiting_until.get(key, 0):
        return None
    url = current_app.config["REDIS_URL"]
    if now < _queue_down_until.get(url, 0):
        raise QueueUnreachable("the queue's Redis failed less than "
                               f"{QUEUE_RETRY_AFTER:g} s ago")
    connection, due = redis_connection(), now + delay
    try:
        with connection.pipeline() as pipe:  # MULTI: set the flag if absent, and read it
            won, value = pipe.set(key, repr(due), nx=True, ex=ttl).get(key).execute()
    except RedisError:
        _queue_down_until[url] = time.time() + QUEUE_RETRY_AFTER
        raise
    if not won:
        _waiting_until[key] = _float(value) - DUE_MARGIN
        return None
    try:
        job = get_queue(connection).enqueue(func, job_timeout=_whole_seconds(job_timeout))
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


def wait_until_due(flag: str, longest: float) -> None:
    """Called by the job ``flag`` stands for when it starts: sleep until the due time the
    flag holds (at most ``longest`` s), then clear the flag, so that work asked for from
    now on gets a job of its own."""
    key = _flag_key(flag)
    wait = _float(redis_connection().get(key)) - time.time()
    if wait > 0:
        time.sleep(min(wait, longest))
    _waiting_until.pop(key, None)
    redis_connection().delete(key)


def _flag_key(flag: str) -> str:
    # Named after the queue: shops or test runs sharing one Redis keep separate keys.
    return f"{current_app.config['RQ_QUEUE_NAME']}:{flag}"


# KEYS: lease, again-marker. ARGV: token, ttl (ms). 1: the lease is ours now; otherwise
# another holder has it, and the marker tells it to go round once more for us: 2 when this
# call set the marker, 0 when it was set already.
_TAKE_OR_MARK = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('get', KEYS[1]) == ARGV[1] then return 1 end
if redis.call('set', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return 2 end
return 0
"""
# KEYS: lease. ARGV: token, ttl (ms). 1: still ours (taken again if it had lapsed unheld).
_KEEP = """
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] or not holder then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1
end
return 0
"""
# KEYS: lease, again-marker. ARGV: token. 1: released; 0: someone asked meanwhile (marker
# consumed, lease kept: go round again); -1: the lease was no longer ours.
_RELEASE_UNLESS_MARKED = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('del', KEYS[2]) == 1 then return 0 end
redis.call('del', KEYS[1])
return 1
"""
# KEYS: lease. ARGV: token.
_DROP = """
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
"""


class Lease:
    """At most one holder of ``name`` at a time across processes, for work that must not
    run twice at once (two export drains would send every event twice).

    The lease lapses ``ttl`` seconds after its last ``keep()``, so a holder killed with
    ``kill -9`` blocks the next one only that long. A job that finds it held leaves a
    marker instead of waiting, and the holder's ``release()`` answers False while a marker
    is there: the holder goes round once more, so the work asked for is never dropped.
    """

    def __init__(self, name: str, ttl: float):
        self._keys = [_flag_key(name), _flag_key(f"{name}:again")]
        self._ttl_ms = str(int(ttl * 1000))
        self._token = uuid.uuid4().hex

    def take(self) -> str:
        """``"taken"``: the lease is ours. Otherwise its holder will go round again:
        ``"marked"`` when this call asked it to, ``"asked"`` when someone had already.
        The holder may be dead: whoever marked should look again after ``ttl``."""
        outcome = self._run(_TAKE_OR_MARK, self._keys, self._token, self._ttl_ms)
        return {1: "taken", 2: "marked", 0: "asked"}[outcome]

    def keep(self) -> bool:
        """Extend the lease; False when another holder took it after it lapsed."""
        return bool(self._run(_KEEP, self._keys[:1], self._token, self._ttl_ms))

    def release(self) -> bool:
        """Let go, unless someone asked meanwhile: then keep it and answer False."""
        return self._run(_RELEASE_UNLESS_MARKED, self._keys, self._token) != 0

    def drop(self) -> None:
        """Let go whatever was asked meanwhile (the caller queues what is left itself);
        nothing happens when the lease is no longer ours."""
        self._run(_DROP, self._keys[:1], self._token)

    @staticmethod
    def _run(script: str, keys: list[str], *args):
        return redis_connection().register_script(script)(keys=keys, args=list(args))


# A live RQ scheduler records a heartbeat every second; one silent this long is dead.
SCHEDULER_SILENT_AFTER = 3


def release_dead_scheduler_lock(connection) -> bool:
    """Free the queue's RQ scheduler lock when the scheduler holding it is dead.

    RQ keeps a dead scheduler's lock for a minute and looks for a free one only at its
    maintenance pass (every 10 minutes by default), so after a ``kill -9`` the restarted
    worker's scheduler would not start, and no retry would run, for that long. The holder
    is watched for up to ``SCHEDULER_SILENT_AFTER`` seconds: a heartbeat in that time means
    it lives; none, or no record of it, means it is dead, and the lock is deleted if that
    holder still has it. A scheduler wrongly thought dead loses nothing: its next heartbeat
    finds the lock taken and it stops scheduling, so one scheduler still runs.
    """
    from rq.scripts import release_lock

    lock = _scheduler_lock_key()
    holder = connection.get(lock)
    if holder is None:
        return False
    first = _scheduler_heartbeat(connection, holder)
    deadline = time.monotonic() + SCHEDULER_SILENT_AFTER
    while first is not None and time.monotonic() < deadline:
        time.sleep(0.25)
        if connection.get(lock) != holder:
            return False  # released or taken over meanwhile
        if _scheduler_heartbeat(connection, holder) != first:
            return False
    return release_lock(connection, lock, holder.decode())


def _scheduler_lock_key() -> str:
    from rq.scheduler import RQScheduler

    return RQScheduler.get_locking_key(current_app.config["RQ_QUEUE_NAME"])


def _scheduler_heartbeat(connection, name: bytes):
    from rq.scheduler import SCHEDULER_KEY_TEMPLATE

    return connection.hget(SCHEDULER_KEY_TEMPLATE % name.decode(), "last_heartbeat")
