"""Reading coupons for checkout: which of the shopper's coupons it can offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from app.coupons.models import UserCoupon
from app.coupons.usage import coupon_discount
from app.db import utcnow
from app.extensions import db
from app.formatting import format_won_text


@dataclass(frozen=True)
class CouponChoice:
    """One of the shopper's claimed coupons as checkout offers it."""

    id: int
    name: str
    discount: int
    expires_at: datetime
    problem: str | None  # why it cannot be used on this subtotal, or None


def coupon_choices(user_id: int, subtotal: int, now: datetime | None = None
                   ) -> list[CouponChoice]:
    """The shopper's unused, unexpired coupons, soonest expiry first, each with its discount
    on ``subtotal`` or the reason it does not apply (paused by the shop, minimum not met),
    as My coupons shows them.
    """
    now = now or utcnow()
    rows = db.session.scalars(
        select(UserCoupon)
        .where(UserCoupon.user_id == user_id, UserCoupon.used_order_id.is_(None),
               UserCoupon.expires_at > now)
        .order_by(UserCoupon.expires_at, UserCoupon.id)
    ).all()
    choices = []
    for row in rows:
        coupon = row.coupon
        problem = None
        if coupon.status != "active":
            problem = gettext("paused by the shop")
        elif subtotal < coupon.min_order_amount:
            problem = gettext("needs an order of %(minimum)s",
                              minimum=format_won_text(coupon.min_order_amount))
        choices.append(CouponChoice(id=row.id, name=coupon.display_name,
                                    discount=0 if problem else coupon_discount(coupon, subtotal),
                                    expires_at=row.expires_at, problem=problem))
    return choices
