"""Coupon rules that run no query: the coupon errors and the sentences that explain them (in
the request's language, naming the coupon as that language shows it), when a coupon can be
claimed (in Python and as SQL), a claimed copy's status, and which unique constraint refused
a write."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext, lazy_gettext
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError

from app.coupons.models import Coupon, UserCoupon
from app.errors import Conflict, InvalidInput, NotFound


class CouponNotFound(NotFound):
    code = "coupon_not_found"
    title = lazy_gettext("Coupon not found")


class CouponNotClaimable(InvalidInput):
    code = "coupon_not_claimable"
    title = lazy_gettext("Coupon not claimable")


class CouponSoldOut(Conflict):
    code = "coupon_sold_out"
    title = lazy_gettext("Coupon sold out")


class CouponAlreadyClaimed(Conflict):
    code = "coupon_already_claimed"
    title = lazy_gettext("Coupon already claimed")


class CouponNotUsable(Conflict):
    code = "coupon_not_usable"
    title = lazy_gettext("Coupon not usable")
    field = "coupon_id"


def claim_window(now: datetime):
    """SQL for "claimable at ``now``": active, ``starts_at <= now < ends_at`` (open ends allowed)."""
    return and_(
        Coupon.status == "active",
        or_(Coupon.starts_at.is_(None), Coupon.starts_at <= now),
        or_(Coupon.ends_at.is_(None), Coupon.ends_at > now),
    )


def is_claimable(coupon: Coupon, now: datetime) -> bool:
    return (coupon.status == "active"
            and (coupon.starts_at is None or coupon.starts_at <= now)
            and (coupon.ends_at is None or coupon.ends_at > now))


def not_claimable_reason(coupon: Coupon, now: datetime) -> str:
    if coupon.status != "active":
        return gettext("%(coupon)s is paused and cannot be claimed right now.",
                       coupon=coupon.display_name)
    if coupon.starts_at is not None and now < coupon.starts_at:
        return gettext("%(coupon)s cannot be claimed yet.", coupon=coupon.display_name)
    return claim_period_ended(coupon.display_name)


def claim_period_ended(coupon_name: str) -> str:
    return gettext("The claim period for %(coupon)s has ended.", coupon=coupon_name)


def sold_out(coupon_name: str) -> str:
    return gettext("%(coupon)s is sold out.", coupon=coupon_name)


def no_such_coupon(coupon_id) -> str:
    return gettext("There is no coupon #%(id)s.", id=coupon_id)


def user_coupon_status(user_coupon: UserCoupon, now: datetime) -> str:
    """``used`` once an order holds it, else ``expired`` from ``expires_at`` on, else
    ``paused`` while the shop has paused the coupon (it cannot be used then, and can again
    if it resumes before the copy expires), else ``available``."""
    if user_coupon.used_order_id is not None:
        return "used"
    if user_coupon.expires_at <= now:
        return "expired"
    if user_coupon.coupon.status != "active":
        return "paused"
    return "available"


def violates_unique(error: IntegrityError, constraint: str, sqlite_columns: str) -> bool:
    """Whether ``error`` is the named unique constraint (PostgreSQL) or those columns (SQLite)."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is not None:
        return name == constraint
    return f"UNIQUE constraint failed: {sqlite_columns}" in str(error.orig)
