"""Best sellers: the top products of the last three shop days, served from the cache.

The ranking: units sold in paid, not-cancelled orders on the last ``WINDOW_DAYS`` calendar
days in the shop's time zone (today and the two days before), most units first, ties by
product id ascending, products with no units (or hidden from the shop) left out, at most
``LIMIT`` of them. It reads ``product_daily_sales``, which checkout adds to and cancellation
subtracts from in their own transactions, so the query scans a few rows per product and day
instead of every order line.

The cache keeps both names of each product (``name``, Korean, and ``name_en``) so that one
entry serves every language; ``best_sellers()`` answers each request in its own.

Freshness: stale-while-revalidate with ``BEST_SELLERS_TTL`` seconds (60 by default), and
each process reuses the entry it read for ``BEST_SELLERS_LOCAL_TTL`` (1 s). The
entry remembers when it was computed and lives in the cache far longer than the TTL. A
request that finds it older than the TTL tries to take a short lock with ``cache.add``
(atomic ``SET NX`` on Redis); the one that gets it recomputes and stores the new value,
every other request keeps serving the previous value meanwhile, so an expiry under load
costs one query, not one per worker. Orders do not invalidate the entry: during a rush that
would recompute on nearly every request, and a ranking over three days does not need to be
more current than a minute. Only a cold cache (first request, or after a flush) computes
without the lock, because there is nothing older to serve.

Redis unreachable (app/cache.py): the shared entry reads as missing and the lock cannot be
taken, so each process serves the entry it kept, and one request per process at a time
recomputes from the database when that goes stale (or on every request with no entry kept).
Nothing waits for Redis, and the shared entry is used again once Redis answers.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.catalog.models import ProductDailySales
from app.catalog.sales import shop_day
from app.cache import cache_reachable
from app.catalog.models import Product
from app.db import utcnow
from app.extensions import cache, db
from app.i18n import in_locale

WINDOW_DAYS = 3
LIMIT = 5
CACHE_KEY = "bestsellers:v1"
LOCK_KEY = "bestsellers:v1:lock"
# Long enough for any recomputation; short enough that a crashed worker's lock soon clears.
LOCK_SECONDS = 30
# The entry outlives its TTL by this factor so that there is always something to serve.
KEEP_FACTOR = 60


# SimpleCache's add() is a check-then-set; this makes it atomic among one process's threads.
# (RedisCache's add() is SET NX, atomic across processes.)
_add_lock = threading.Lock()
# Who recomputes in this process while the shared lock cannot be taken (Redis unreachable).
_refresh_here = threading.Lock()


def _clock() -> float:
    return time.time()


def compute_best_sellers(today: date | None = None) -> list[dict]:
    """The ranking straight from the database (no cache): a list of product dicts, with both
    names."""
    today = today or shop_day(utcnow())
    first_day = today - timedelta(days=WINDOW_DAYS - 1)
    units = func.sum(ProductDailySales.units).label("units_sold")
    ranked = (
        select(ProductDailySales.product_id, units)
        .where(ProductDailySales.day >= first_day, ProductDailySales.day <= today)
        .group_by(ProductDailySales.product_id)
        .having(func.sum(ProductDailySales.units) > 0)
        .subquery()
    )
    rows = db.session.execute(
        select(Product.id, Product.name, Product.name_en, Product.price, Product.stock,
               ranked.c.units_sold)
        .join(ranked, ranked.c.product_id == Product.id)
        .where(Product.is_active.is_(True))
        .order_by(ranked.c.units_sold.desc(), Product.id.asc())
        .limit(LIMIT)
    ).all()
    return [{"id": row.id, "name": row.name, "name_en": row.name_en, "price": row.price,
             "stock": row.stock, "units_sold": int(row.units_sold)} for row in rows]


def _shared_entry(now: float) -> dict | None:
    """The cache entry, read at most once per ``BEST_SELLERS_LOCAL_TTL`` seconds per process.

    Every worker keeps the entry it last read for a second (by default): without that, each
    request paid a Redis round trip and an unpickle for the same five rows, which took the
    route from ~hello-world speed to two thirds of it (docs/BENCHMARKS.md). The ranking a
    shopper sees is then at most ``BEST_SELLERS_TTL`` + that second old.
    """
    local_ttl = current_app.config["BEST_SELLERS_LOCAL_TTL"]
    kept = current_app.extensions.get("best_sellers_entry")
    if kept is not None and now - kept[0] < local_ttl:
        return kept[1]
    entry = cache.get(CACHE_KEY)
    if entry is not None:
        _keep(now, entry)
        return entry
    # A cold or unreachable cache: what this process kept is still a previous value to serve
    # while one request recomputes.
    return kept[1] if kept is not None else None


def _keep(now: float, entry: dict) -> None:
    if current_app.config["BEST_SELLERS_LOCAL_TTL"] > 0:
        current_app.extensions["best_sellers_entry"] = (now, entry)


def best_sellers() -> list[dict]:
    """The ranking as the shop shows it, cached and refreshed by the rule in this module's
    doc: each product's ``name`` in the request's language (English falls back to Korean)."""
    return [_shown(item) for item in _ranking()]


def _shown(item: dict) -> dict:
    # An entry cached before ``name_en`` was kept has none: Korean until its refresh.
    shown = {key: value for key, value in item.items() if key != "name_en"}
    shown["name"] = in_locale(item["name"], item.get("name_en"))
    return shown


def _ranking() -> list[dict]:
    ttl = current_app.config["BEST_SELLERS_TTL"]
    now = _clock()
    entry = _shared_entry(now)
    if entry is not None and now - entry["computed_at"] < ttl:
        return entry["items"]
    if entry is None:
        return _recompute(now, ttl)
    release = _refresh_lock()
    if release is None:
        return entry["items"]  # another worker is recomputing; the previous value will do
    try:
        return _recompute(now, ttl)
    finally:
        release()


def _refresh_lock():
    """The function that releases the right to recompute, or None when another has it.

    Across processes the right is the cache's ``add`` lock. An unreachable cache refuses
    that ``add`` with nobody holding the lock, so this process's own lock decides instead:
    serving the stale entry until Redis came back would freeze the ranking.
    """
    with _add_lock:
        if cache.add(LOCK_KEY, 1, timeout=LOCK_SECONDS):
            return lambda: cache.delete(LOCK_KEY)
    if not cache_reachable() and _refresh_here.acquire(blocking=False):
        return _refresh_here.release
    return None


def _recompute(now: float, ttl: int) -> list[dict]:
    items = compute_best_sellers()
    fresh = {"items": items, "computed_at": now}
    cache.set(CACHE_KEY, fresh, timeout=max(ttl, 1) * KEEP_FACTOR)
    _keep(now, fresh)
    return items
