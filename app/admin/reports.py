"""Read models for the admin pages: daily sales, today's orders, order search, coupon counts.

Days are calendar days in the shop's time zone; a day's bounds are converted to UTC instants
so that every query is a plain range on an indexed ``created_at`` and works the same on
SQLite and PostgreSQL (no database-specific time zone functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import case, func, literal_column, select

from app.accounts.models import User
from app.catalog.models import ProductDailySales
from app.catalog.sales import shop_day
from app.coupons.models import Coupon, UserCoupon
from app.db import is_id, utcnow
from app.extensions import db
from app.exports.models import ExportEvent
from app.orders.models import Order
from app.orders.rules import OrderNotFound

CHART_DAYS = 14
ORDER_STATUSES = ("paid", "cancelled")
# Dates outside these bounds would overflow when turned into UTC instants.
FIRST_FILTER_DAY, LAST_FILTER_DAY = date(2000, 1, 1), date(2999, 12, 31)


def day_start(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in the shop's time zone."""
    zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class DayPoint:
    day: date
    revenue: int
    orders: int
    units: int

    @property
    def start(self) -> datetime:
        """When the day begins, for the date helpers, which show moments in the shop's zone."""
        return day_start(self.day)


def daily_sales(days: int = CHART_DAYS, today: date | None = None) -> list[DayPoint]:
    """Revenue, paid orders and units sold per shop day, oldest first, ``today`` last.

    Revenue counts orders still paid (a cancelled order is no revenue), on the day they were
    placed; units come from ``product_daily_sales``, which cancellation also reduces on the
    order's day, so both series tell the same story.
    """
    today = today or shop_day(utcnow())
    day_list = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    bounds = [day_start(day) for day in day_list] + [day_start(today + timedelta(days=1))]
    # One query: a CASE puts each order in its day's bucket by UTC range.
    bucket = case(*((Order.created_at < bounds[i + 1], literal_column(str(i)))
                    for i in range(days))).label("bucket")
    revenue: dict[int, tuple[int, int]] = {
        index: (total, count) for index, total, count in db.session.execute(
            select(bucket, func.sum(Order.total), func.count())
            .where(Order.status == "paid", Order.created_at >= bounds[0],
                   Order.created_at < bounds[-1])
            .group_by("bucket")
        )
    }
    units = dict(db.session.execute(
        select(ProductDailySales.day, func.sum(ProductDailySales.units))
        .where(ProductDailySales.day >= day_list[0], ProductDailySales.day <= today)
        .group_by(ProductDailySales.day)
    ).all())
    return [DayPoint(day, int(revenue.get(i, (0, 0))[0] or 0), revenue.get(i, (0, 0))[1],
                     int(units.get(day) or 0))
            for i, day in enumerate(day_list)]


@dataclass(frozen=True)
class OrderRow:
    id: int
    created_at: datetime
    status: str
    total: int
    discount: int
    email: str
    user_id: int


def _order_rows(query) -> list[OrderRow]:
    return [OrderRow(*row) for row in db.session.execute(query)]


def _order_select():
    return (select(Order.id, Order.created_at, Order.status, Order.total, Order.discount,
                   User.email, User.id)
            .join(User, User.id == Order.user_id))


def todays_orders(limit: int = 20) -> tuple[list[OrderRow], int, int]:
    """Today's newest orders (shop time), and today's paid order count and revenue."""
    start = day_start(shop_day(utcnow()))
    rows = _order_rows(_order_select().where(Order.created_at >= start)
                       .order_by(Order.id.desc()).limit(limit))
    count, revenue = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Order.total), 0))
        .where(Order.created_at >= start, Order.status == "paid")
    ).one()
    return rows, count, int(revenue)


@dataclass(frozen=True)
class OrderFilter:
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    email: str = ""


def parse_order_filter(args) -> tuple[OrderFilter, list[str]]:
    """The order list's filters from query arguments; unreadable ones are dropped and named.

    A reversed date range is swapped, with a note: what the admin meant is plain.
    """
    errors = []
    status = args.get("status", "").strip()
    if status and status not in ORDER_STATUSES:
        errors.append(gettext("Unknown status '%(status)s'.", status=status))
        status = ""
    dates = {}
    for name in ("date_from", "date_to"):
        raw = args.get(name, "").strip()
        dates[name] = None
        if raw:
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                errors.append(gettext("'%(value)s' is not a date (YYYY-MM-DD).", value=raw))
                continue
            if FIRST_FILTER_DAY <= day <= LAST_FILTER_DAY:
                dates[name] = day
            else:
                errors.append(gettext("%(value)s is out of range.", value=raw))
    date_from, date_to = dates["date_from"], dates["date_to"]
    if date_from and date_to and date_from > date_to:
        # Typed the wrong way round, the range would match nothing and look like no sales.
        date_from, date_to = date_to, date_from
        errors.append(gettext("'From' was after 'To'; showing %(start)s to %(end)s.",
                              start=date_from.isoformat(), end=date_to.isoformat()))
    email = args.get("email", "").strip()[:254]
    return OrderFilter(status, date_from, date_to, email), errors


def order_page(filters: OrderFilter, page: int = 1, per_page: int = 25):
    """Orders matching the filters, newest first: (rows, total count)."""
    conditions = []
    if filters.status:
        conditions.append(Order.status == filters.status)
    if filters.date_from:
        conditions.append(Order.created_at >= day_start(filters.date_from))
    if filters.date_to:
        conditions.append(Order.created_at < day_start(filters.date_to + timedelta(days=1)))
    if filters.email:
        escaped = (filters.email.lower().replace("\\", "\\\\").replace("%", "\\%")
                   .replace("_", "\\_"))
        conditions.append(User.email.like(f"%{escaped}%", escape="\\"))
    total = db.session.scalar(select(func.count()).select_from(Order)
                              .join(User, User.id == Order.user_id).where(*conditions))
    rows = _order_rows(_order_select().where(*conditions).order_by(Order.id.desc())
                       .limit(per_page).offset((page - 1) * per_page))
    return rows, total


@dataclass(frozen=True)
class CouponRow:
    coupon: Coupon
    claimed: int
    used: int


def coupon_rows() -> list[CouponRow]:
    """Every coupon, newest first, with how many copies were claimed and used."""
    claimed = func.count(UserCoupon.id)
    used = func.count(UserCoupon.used_order_id)
    counts = {coupon_id: (c, u) for coupon_id, c, u in db.session.execute(
        select(UserCoupon.coupon_id, claimed, used).group_by(UserCoupon.coupon_id))}
    coupons = db.session.scalars(select(Coupon).order_by(Coupon.id.desc()))
    return [CouponRow(coupon, *counts.get(coupon.id, (0, 0))) for coupon in coupons]


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    shopper: User
    coupon: Coupon | None
    events: list[ExportEvent]


def order_detail(order_id: int) -> OrderDetail:
    """Any shopper's order with its shopper, coupon and export events, or ``OrderNotFound``."""
    order = db.session.get(Order, order_id) if is_id(order_id) else None
    if order is None:
        raise OrderNotFound(gettext("There is no order #%(id)s.", id=order_id))
    coupon = None
    if order.user_coupon_id is not None:
        coupon = db.session.get(UserCoupon, order.user_coupon_id).coupon
    events = list(db.session.scalars(
        select(ExportEvent).where(ExportEvent.order_id == order_id).order_by(ExportEvent.id)))
    return OrderDetail(order, db.session.get(User, order.user_id), coupon, events)
