"""Coupons: first-come claims, and the reserve/use/release steps checkout and cancel call.

The contended counter is ``coupons.remaining``. A claim inserts the shopper's row first and
then runs one compare-and-set on the invariant,
``UPDATE coupons SET remaining = remaining - 1 … WHERE remaining > 0 AND <claimable>``, as
its last statement: the hot row is locked only from that UPDATE to COMMIT, and PostgreSQL
re-checks the WHERE clause on the newest row after waiting for the lock, so a shopper is
refused only when no copy is left. Nothing here ever reads ``remaining`` and writes it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.coupons.models import Coupon, UserCoupon
from app.db import retry_on_conflict, transaction, utcnow
from app.errors import DomainError, InvalidInput
from app.extensions import db

CLAIM_ATTEMPTS = 10
DISCOUNT_TYPES = ("fixed", "percent")
STATUSES = ("active", "paused")
MAX_AMOUNT = 100_000_000  # no discount or minimum can exceed the largest possible balance
MAX_QUANTITY = 1_000_000
MAX_VALID_DAYS = 365
NAME_MAX = 120


class CouponNotFound(DomainError):
    code = "coupon_not_found"
    status = 404
    title = "Coupon not found"


class CouponNotClaimable(DomainError):
    code = "coupon_not_claimable"
    status = 422
    title = "Coupon not claimable"


class CouponSoldOut(DomainError):
    code = "coupon_sold_out"
    status = 409
    title = "Coupon sold out"


class CouponAlreadyClaimed(DomainError):
    code = "coupon_already_claimed"
    status = 409
    title = "Coupon already claimed"


class CouponNotUsable(DomainError):
    code = "coupon_not_usable"
    status = 409
    title = "Coupon not usable"
    field = "coupon_id"


# --- rules without a database -----------------------------------------------------------


def coupon_discount(coupon: Coupon, subtotal: int) -> int:
    """The won taken off ``subtotal``: fixed → the value; percent → floor(subtotal × value
    / 100), capped by ``max_discount`` when set. Never more than the subtotal, never negative.
    """
    if coupon.discount_type == "percent":
        discount = subtotal * coupon.discount_value // 100
        if coupon.max_discount is not None:
            discount = min(discount, coupon.max_discount)
    else:
        discount = coupon.discount_value
    return max(0, min(discount, subtotal))


def _claim_window(now: datetime):
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


def _not_claimable_reason(coupon: Coupon, now: datetime) -> str:
    if coupon.status != "active":
        return f"{coupon.name} is paused and cannot be claimed right now."
    if coupon.starts_at is not None and now < coupon.starts_at:
        return f"{coupon.name} cannot be claimed yet."
    return f"The claim period for {coupon.name} has ended."


def user_coupon_status(user_coupon: UserCoupon, now: datetime) -> str:
    """``used`` once an order holds it, else ``expired`` from ``expires_at`` on, else ``available``."""
    if user_coupon.used_order_id is not None:
        return "used"
    if user_coupon.expires_at <= now:
        return "expired"
    return "available"


def _violates(error: IntegrityError, constraint: str, sqlite_columns: str) -> bool:
    """Whether ``error`` is the named unique constraint (PostgreSQL) or those columns (SQLite)."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is not None:
        return name == constraint
    return f"UNIQUE constraint failed: {sqlite_columns}" in str(error.orig)


# --- checkout's steps (inside the caller's transaction) ---------------------------------


def reserve_coupon(session, user_id: int, user_coupon_id: int, subtotal: int, now
                   ) -> tuple[UserCoupon, int]:
    """The shopper's own claimed coupon and its discount on ``subtotal``; reads only.

    Usable means: claimed by ``user_id`` (anyone else's, or an unknown id, is
    ``CouponNotFound`` so ids cannot be probed), not used, ``expires_at > now``, the coupon
    not paused, and ``subtotal >= min_order_amount``; otherwise ``CouponNotUsable``.
    """
    user_coupon = session.scalar(
        select(UserCoupon).where(UserCoupon.id == user_coupon_id, UserCoupon.user_id == user_id)
    )
    if user_coupon is None:
        raise CouponNotFound(f"You have no coupon #{user_coupon_id}.")
    coupon = user_coupon.coupon
    if user_coupon.used_order_id is not None:
        raise CouponNotUsable("This coupon has already been used.")
    if user_coupon.expires_at <= now:
        raise CouponNotUsable(f"{coupon.name} has expired.")
    if coupon.status != "active":
        raise CouponNotUsable(f"{coupon.name} is paused and cannot be used right now.")
    if subtotal < coupon.min_order_amount:
        raise CouponNotUsable(
            f"{coupon.name} needs an order of at least {coupon.min_order_amount:,} won; "
            f"this order is {subtotal:,} won."
        )
    return user_coupon, coupon_discount(coupon, subtotal)


def mark_coupon_used(session, user_coupon_id: int, order_id: int, now) -> None:
    """Tie the claimed coupon to ``order_id``, only if no order holds it yet.

    A compare-and-set on ``used_order_id IS NULL``: of two checkouts racing for one coupon,
    the second waits for the first's row lock, re-checks, and is refused. The unique
    constraint on ``used_order_id`` backs the one-order-one-coupon side.
    """
    try:
        marked = session.execute(
            update(UserCoupon)
            .where(UserCoupon.id == user_coupon_id, UserCoupon.used_order_id.is_(None))
            .values(used_order_id=order_id, used_at=now)
            .returning(UserCoupon.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
    except IntegrityError as error:
        if _violates(error, "uq_user_coupons_used_order_id", "user_coupons.used_order_id"):
            raise CouponNotUsable("This order already uses a coupon.") from None
        raise
    if marked is None:
        raise CouponNotUsable("This coupon has already been used.")


def release_coupon(session, user_coupon_id: int) -> None:
    """Give a cancelled order's coupon back to its shopper (unused again, same expiry)."""
    session.execute(
        update(UserCoupon)
        .where(UserCoupon.id == user_coupon_id)
        .values(used_order_id=None, used_at=None)
        .execution_options(synchronize_session=False)
    )
