"""The coupon steps checkout and cancel compose, inside the caller's transaction: the
discount, reserving the shopper's copy, marking it used, and releasing it.

Claims are ``app.coupons.claims``; creating and pausing coupons ``app.coupons.admin``.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import Update, select
from sqlalchemy.exc import IntegrityError

from app.coupons.models import Coupon, UserCoupon
from app.coupons.rules import CouponNotFound, CouponNotUsable, violates_unique
from app.db import is_id
from app.formatting import format_won_text
from app.writes import compare_and_set


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


# --- checkout's steps (inside the caller's transaction) ---------------------------------


def reserve_coupon(session, user_id: int, user_coupon_id: int, subtotal: int, now
                   ) -> tuple[UserCoupon, int]:
    """The shopper's own claimed coupon and its discount on ``subtotal``; reads only.

    Usable means: claimed by ``user_id`` (anyone else's, or an unknown id, is
    ``CouponNotFound`` so ids cannot be probed), not used, ``expires_at > now``, the coupon
    not paused, and ``subtotal >= min_order_amount``; otherwise ``CouponNotUsable``.
    """
    user_coupon = None
    if is_id(user_coupon_id):
        user_coupon = session.scalar(
            select(UserCoupon).where(UserCoupon.id == user_coupon_id,
                                     UserCoupon.user_id == user_id)
        )
    if user_coupon is None:
        raise CouponNotFound(gettext("You have no coupon #%(id)s.", id=user_coupon_id))
    coupon = user_coupon.coupon
    if user_coupon.used_order_id is not None:
        raise CouponNotUsable(_already_used())
    if user_coupon.expires_at <= now:
        raise CouponNotUsable(gettext("%(coupon)s has expired.", coupon=coupon.display_name))
    if coupon.status != "active":
        raise CouponNotUsable(gettext("%(coupon)s is paused and cannot be used right now.",
                                      coupon=coupon.display_name))
    if subtotal < coupon.min_order_amount:
        raise CouponNotUsable(gettext(
            "%(coupon)s needs an order of at least %(minimum)s; this order is %(subtotal)s.",
            coupon=coupon.display_name, minimum=format_won_text(coupon.min_order_amount),
            subtotal=format_won_text(subtotal)))
    return user_coupon, coupon_discount(coupon, subtotal)


def mark_used(user_coupon_id, order_id, now) -> Update:
    """Tie the claimed coupon to ``order_id`` only if no order holds it yet; returns its
    ``id``, or no row. A compare-and-set on ``used_order_id IS NULL``: of two checkouts
    racing for one coupon, the second waits for the first's row lock, re-checks, and is
    refused. The unique constraint on ``used_order_id`` backs the one-order-one-coupon side.
    Arguments may be values or SQL (checkout composes it)."""
    return compare_and_set(UserCoupon, (UserCoupon.id == user_coupon_id,
                                        UserCoupon.used_order_id.is_(None)),
                           {"used_order_id": order_id, "used_at": now}
                           ).returning(UserCoupon.id)


def release(user_coupon_id) -> Update:
    """Give a cancelled order's coupon back to its shopper (unused again, same expiry)."""
    return compare_and_set(UserCoupon, (UserCoupon.id == user_coupon_id,),
                           {"used_order_id": None, "used_at": None})


def mark_coupon_used(session, user_coupon_id: int, order_id: int, now) -> None:
    """Run ``mark_used`` inside the caller's transaction; ``CouponNotUsable`` if refused."""
    try:
        marked = session.execute(mark_used(user_coupon_id, order_id, now)).scalar_one_or_none()
    except IntegrityError as error:
        if violates_unique(error, "uq_user_coupons_used_order_id", "user_coupons.used_order_id"):
            raise CouponNotUsable(gettext("This order already uses a coupon.")) from None
        raise
    if marked is None:
        raise CouponNotUsable(_already_used())


def _already_used() -> str:
    return gettext("This coupon has already been used.")


def release_coupon(session, user_coupon_id: int) -> None:
    """Run ``release`` inside the caller's transaction."""
    session.execute(release(user_coupon_id))
