"""The shared cache (Redis in production) as something a request can always do without.

Everything the shop keeps in the cache can be read again from the database: token owners
and best sellers. So when Redis is unreachable, ``FailSafeRedisCache`` answers
every read as a miss and every write as "not stored" instead of raising, and the caller
falls back to the database. To keep a dead Redis cheap, the client gives up quickly (the
short timeouts in ``CACHE_OPTIONS``, app/config.py), and after a failure this process
leaves Redis alone for ``RETRY_AFTER`` seconds: every call in between is a miss at once, and
the first call after it tries Redis again, so the shop recovers by itself when Redis comes
back. The outage is logged when it starts, then at most every ``LOG_EVERY`` seconds, and
when it ends: not per request.

Callers must therefore read a falsy ``set``/``add`` as "the cache may not have it", never as
"someone else has it", unless ``cache_reachable()`` says Redis answered (see
``app.bestsellers.services`` and ``app.accounts.services.revoke_token``).
"""

from __future__ import annotations

import logging
import threading
import time

from flask_caching.backends.rediscache import RedisCache
from redis import RedisError

from app.extensions import cache

log = logging.getLogger(__name__)

RETRY_AFTER = 1.0
LOG_EVERY = 60.0


class FailSafeRedisCache(RedisCache):
    """Flask-Caching's ``RedisCache`` whose Redis errors are misses (see the module doc).

    Selected with ``CACHE_TYPE = "app.cache.FailSafeRedisCache"``; the ``CACHE_*`` settings
    are those of ``RedisCache`` (``CACHE_OPTIONS`` go to the redis-py client).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._state_lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._logged_at = 0.0

    @property
    def reachable(self) -> bool:
        """False while this process treats Redis as down (since its last failed call)."""
        return self._down_since is None

    def _call(self, miss, operation, *args, **kwargs):
        if self._down_since is not None and time.monotonic() < self._retry_at:
            return miss
        try:
            result = operation(*args, **kwargs)
        except RedisError as error:
            self._failed(error)
            return miss
        if self._down_since is not None:
            self._recovered()
        return result

    def _failed(self, error: RedisError) -> None:
        now = time.monotonic()
        with self._state_lock:
            starting = self._down_since is None
            if starting:
                self._down_since = now
            self._retry_at = now + RETRY_AFTER
            if not starting and now - self._logged_at < LOG_EVERY:
                return
            self._logged_at = now
            down_for = now - self._down_since
        log.warning("Redis cache unreachable%s (%s: %s); reading the database instead, "
                    "retrying every %.0f s", f" for {down_for:.0f} s" if down_for else "",
                    type(error).__name__, error, RETRY_AFTER)

    def _recovered(self) -> None:
        with self._state_lock:
            if self._down_since is None:
                return
            down_for, self._down_since = time.monotonic() - self._down_since, None
        log.warning("Redis cache reachable again after %.1f s", down_for)

    # --- the cache API, each call guarded; the miss value is what "nothing cached" means ---

    def get(self, key):
        return self._call(None, super().get, key)

    def get_many(self, *keys):
        return self._call([None] * len(keys), super().get_many, *keys)

    def has(self, key):
        return self._call(False, super().has, key)

    def set(self, key, value, timeout=None):
        return self._call(False, super().set, key, value, timeout)

    def set_many(self, mapping, timeout=None):
        return self._call([], super().set_many, mapping, timeout)

    def add(self, key, value, timeout=None):
        return self._call(False, self._add, key, value, timeout)

    def _add(self, key, value, timeout):
        # One SET NX EX, unlike cachelib's SETNX then EXPIRE: a process dying between those
        # two left a key (a lock, a token's owner) that never expired.
        timeout = self._normalize_timeout(timeout)
        return bool(self._write_client.set(
            name=f"{self._get_prefix()}{key}", value=self.serializer.dumps(value), nx=True,
            ex=timeout if timeout != -1 else None))

    def delete(self, key):
        return self._call(False, super().delete, key)

    def delete_many(self, *keys):
        return self._call([], super().delete_many, *keys)

    def unlink(self, *keys):
        return self._call(0, super().unlink, *keys)

    def inc(self, key, delta=1):
        return self._call(None, super().inc, key, delta)

    def dec(self, key, delta=1):
        return self._call(None, super().dec, key, delta)

    def clear(self):
        return self._call(False, super().clear)


def cache_reachable() -> bool:
    """Whether the app's cache answered its last call (always True for an in-process one)."""
    return getattr(cache.cache, "reachable", True)
