"""Keeps ``product_daily_sales`` in step with orders, inside the order's own transaction."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.bestsellers.models import ProductDailySales


def shop_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in the shop's time zone."""
    return moment.astimezone(ZoneInfo(current_app.config["SHOP_TIMEZONE"])).date()


def record_units(session, product_id: int, units: int, day: date) -> None:
    """Add ``units`` (negative on cancellation) to a product's sales on ``day``: one statement.

    A sale upserts. A cancellation only ever subtracts from the row its own sale created, so
    it is a plain UPDATE: an upsert would fail, because SQLite and PostgreSQL both check the
    proposed row (negative units) against ``units >= 0`` before resolving the conflict.
    """
    if units < 0:
        session.execute(
            update(ProductDailySales)
            .where(ProductDailySales.product_id == product_id, ProductDailySales.day == day)
            .values(units=ProductDailySales.units + units)
            .execution_options(synchronize_session=False)
        )
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ProductDailySales).values(product_id=product_id, day=day, units=units)
    session.execute(statement.on_conflict_do_update(
        index_elements=[ProductDailySales.product_id, ProductDailySales.day],
        set_={"units": ProductDailySales.units + statement.excluded.units},
    ))
