"""What sold: ``product_daily_sales`` kept in step with orders inside the order's own
transaction, and each product's ``recent_units`` (its last 30 shop days) refreshed from it.

``recent_units`` is a ranking, not a ledger: the "recommended" order reads it as an index
order instead of summing every listed product's days per request (docs/BENCHMARKS.md). It
lags the sales by at most ``RECOMMENDED_REFRESH_SECONDS`` (5 minutes by default): the first
"recommended" list after that refreshes it, one process at a time (a ``cache.add`` lock, as
the best sellers do). Checkout never waits for it: the refresh skips rows an order holds
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and catches them next time, and so can never be
part of a deadlock. Without a reachable Redis the lock cannot be taken and the order keeps
its last refresh.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Insert, Update, bindparam, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from app.catalog.models import Product, ProductDailySales
from app.db import transaction, utcnow
from app.extensions import cache
from app.writes import compare_and_set, row_select

log = logging.getLogger(__name__)

# "Recommended" ranks by the units sold on this many shop days, today included.
RECENT_DAYS = 30
REFRESH_LOCK = "catalog:recent-units-refresh"


def shop_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in the shop's time zone."""
    return moment.astimezone(ZoneInfo(current_app.config["SHOP_TIMEZONE"])).date()


def count_sold(product_id, units, day, *, dialect: str) -> Insert:
    """Add ``units`` sold to a product's row for ``day``, creating it: an upsert (of
    ``dialect``'s own). Arguments may be values or columns of another statement."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = row_select(ProductDailySales, {"product_id": product_id, "day": day, "units": units})
    if dialect != "postgresql":
        # SQLite parses "INSERT … SELECT … ON CONFLICT" as a join unless the SELECT has a WHERE.
        rows = rows.where(true())
    statement = insert(ProductDailySales).from_select(["product_id", "day", "units"], rows)
    return statement.on_conflict_do_update(
        index_elements=[ProductDailySales.product_id, ProductDailySales.day],
        set_={"units": ProductDailySales.units + statement.excluded.units})


def uncount_sold(product_id, units, day) -> Update:
    """Take ``units`` back off the row their sale counted them in (a cancellation): a plain
    UPDATE, since an upsert would fail, because SQLite and PostgreSQL both check the
    proposed row (negative units) against ``units >= 0`` before resolving the conflict."""
    return compare_and_set(ProductDailySales, (ProductDailySales.product_id == product_id,
                                               ProductDailySales.day == day),
                           {"units": ProductDailySales.units - units})


def record_units(session, product_id: int, units: int, day: date) -> None:
    """Add ``units`` (negative on cancellation) to a product's sales on ``day``: one statement."""
    dialect = session.get_bind().dialect.name
    session.execute(count_sold(product_id, units, day, dialect=dialect) if units >= 0
                    else uncount_sold(product_id, -units, day))


def recent_units_changes(first_day: date):
    """``(product id, units sold since first_day)`` for each product whose ``recent_units``
    differs, locking those rows that no one else holds (the rest wait for the next refresh)."""
    window = (select(ProductDailySales.product_id,
                     func.sum(ProductDailySales.units).label("units"))
              .where(ProductDailySales.day >= first_day)
              .group_by(ProductDailySales.product_id)
              .subquery("recent"))
    units = func.coalesce(window.c.units, 0)
    return (select(Product.id, units.label("units"))
            .outerjoin(window, window.c.product_id == Product.id)
            .where(or_(window.c.product_id.is_not(None), Product.recent_units > 0),
                   Product.recent_units != units)
            .with_for_update(of=Product, skip_locked=True))


# By primary key on the table, not the mapped class: a ranking is no edit of the product, so
# it leaves the row's version alone (an admin's form open meanwhile saves without a retry).
_SET_RECENT_UNITS = (update(Product.__table__)
                     .where(Product.__table__.c.id == bindparam("product_id"))
                     .values(recent_units=bindparam("units")))


def refresh_recent_units(today: date | None = None) -> int:
    """Bring every product's ``recent_units`` to its units sold in the ``RECENT_DAYS`` shop
    days up to ``today``; returns how many rows changed."""
    first_day = (today or shop_day(utcnow())) - timedelta(days=RECENT_DAYS - 1)
    with transaction() as uow:
        rows = [{"product_id": product_id, "units": units}
                for product_id, units in uow.session.execute(recent_units_changes(first_day))]
        if rows:
            uow.session.execute(_SET_RECENT_UNITS, rows)
    return len(rows)


def keep_recent_units_fresh() -> None:
    """Refresh ``recent_units`` when no process did in the last RECOMMENDED_REFRESH_SECONDS.

    Called by the lists that sort by it; a failed refresh is logged and the list is shown in
    the order of the last one, since a shopper's page must not fail over a ranking."""
    ttl = current_app.config["RECOMMENDED_REFRESH_SECONDS"]
    if not cache.add(REFRESH_LOCK, True, timeout=ttl):
        return
    try:
        refresh_recent_units()
    except DBAPIError:
        log.exception("recent_units refresh failed; the next list retries it")
        cache.delete(REFRESH_LOCK)
