"""Keeps ``product_daily_sales`` in step with orders, inside the order's own transaction."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Insert, ScalarSelect, Update, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.catalog.models import Product, ProductDailySales
from app.writes import compare_and_set, row_select


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


def units_sold_since(first_day: date) -> ScalarSelect:
    """A product's units sold from ``first_day`` (a shop day) on, 0 when none: a scalar
    subquery correlated to ``Product.id``, for ordering a product list by what sells.

    Correlated rather than one GROUP BY over the window joined back: a category page or a
    search narrows the products first, and each of those then costs one range read of the
    primary key (product_id, day), so the page does not aggregate the whole shop's sales.
    """
    return (select(func.coalesce(func.sum(ProductDailySales.units), 0))
            .where(ProductDailySales.product_id == Product.id,
                   ProductDailySales.day >= first_day)
            .correlate(Product)
            .scalar_subquery())
