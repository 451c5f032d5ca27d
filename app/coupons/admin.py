"""Coupons as shop admins make them: the rules for a new coupon, creating one, and pausing
or resuming it."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import format_number, gettext, lazy_gettext
from sqlalchemy import select

from app.coupons.claims import forget_sold_out
from app.coupons.models import Coupon
from app.coupons.rules import CouponNotFound
from app.db import is_id, retry_on_conflict, transaction
from app.errors import InvalidInput
from app.formatting import format_won_text
from app.writes import compare_and_set

DISCOUNT_TYPES = ("fixed", "percent")
STATUSES = ("active", "paused")
MAX_AMOUNT = 100_000_000  # no discount or minimum can exceed the largest possible balance
MAX_QUANTITY = 1_000_000
MAX_VALID_DAYS = 365
NAME_MAX = 120
# A claim window outside these is a typing mistake, and dates near year 1 or 9999 cannot
# even be shown in another time zone.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _whole(value, field: str, low: int, high: int, what) -> int:
    """``what`` is the refusal, a lazy translation with ``%(low)s`` and ``%(high)s``."""
    if type(value) is not int or not low <= value <= high:
        raise InvalidInput(str(what) % {"low": format_number(low), "high": format_number(high)},
                           field=field)
    return value


def _name(value, field: str, *, required: bool) -> str | None:
    """A coupon name of at most 120 characters once trimmed, without NUL; the English one
    may be left out (``None`` or empty → none: English pages show the Korean)."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or "\x00" in value or len(value.strip()) > NAME_MAX or (
            required and not value.strip()):
        raise InvalidInput(gettext("Give the coupon a name of 1 to %(max)s characters.",
                                   max=NAME_MAX), field=field)
    return value.strip() or None


def _moment(value, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(gettext("Give a date and time with a UTC offset."), field=field)
    # Compared before converting: near year 1 or 9999 the conversion itself overflows.
    if not EARLIEST <= value <= LATEST:
        if field == "starts_at":
            message = gettext("The claim window's start (starts_at) must be from %(low)s to "
                              "%(high)s (UTC).", low="2000-01-01", high="2200-01-01")
        else:
            message = gettext("The claim window's end (ends_at) must be from %(low)s to "
                              "%(high)s (UTC).", low="2000-01-01", high="2200-01-01")
        raise InvalidInput(message, field=field)
    return value.astimezone(UTC)


def validate_coupon_fields(*, name, discount_type, discount_value, max_discount=None,
                           min_order_amount=0, quantity, starts_at=None, ends_at=None,
                           valid_days=7, name_en=None) -> dict:
    """The checked, normalised columns of a new coupon, or ``InvalidInput`` naming the field.

    Rules: a Korean name of 1–120 characters (an English one optional, the same length);
    ``fixed`` or ``percent``; a positive value, at most
    100 for percent; ``max_discount`` only for percent; a minimum order of 0 or more, and
    for a fixed discount 0 or at least the discount; 1 to 1,000,000 copies; ``starts_at``
    and ``ends_at`` from 2000-01-01 to 2200-01-01 UTC, the start before the end when both
    are set; valid 1–365 days.
    """
    name = _name(name, "name", required=True)
    name_en = _name(name_en, "name_en", required=False)
    if discount_type not in DISCOUNT_TYPES:
        raise InvalidInput(gettext("The discount type is 'fixed' or 'percent'."),
                           field="discount_type")
    if discount_type == "percent":
        _whole(discount_value, "discount_value", 1, 100, lazy_gettext(
            "A percent discount must be a whole number from %(low)s to %(high)s."))
        if max_discount is not None:
            _whole(max_discount, "max_discount", 1, MAX_AMOUNT, lazy_gettext(
                "The maximum discount must be a whole number from %(low)s to %(high)s."))
    else:
        _whole(discount_value, "discount_value", 1, MAX_AMOUNT, lazy_gettext(
            "A fixed discount must be a whole number from %(low)s to %(high)s."))
        if max_discount is not None:
            raise InvalidInput(gettext("Only a percent discount can have a maximum."),
                               field="max_discount")
    _whole(min_order_amount, "min_order_amount", 0, MAX_AMOUNT,
           lazy_gettext("The minimum order must be a whole number from %(low)s to %(high)s."))
    # A minimum below the discount lets every order in between be paid with nothing: that is
    # a mistake. No minimum at all (0) is a deliberate "off any order", kept as it was.
    if discount_type == "fixed" and 0 < min_order_amount < discount_value:
        raise InvalidInput(gettext(
            "A fixed discount of %(discount)s is more than the minimum order of %(minimum)s, "
            "so some orders would be free: lower the discount or raise the minimum to at "
            "least %(discount)s.", discount=format_won_text(discount_value),
            minimum=format_won_text(min_order_amount)), field="discount_value")
    _whole(quantity, "quantity", 1, MAX_QUANTITY,
           lazy_gettext("The quantity must be a whole number from %(low)s to %(high)s."))
    starts_at = _moment(starts_at, "starts_at")
    ends_at = _moment(ends_at, "ends_at")
    if starts_at is not None and ends_at is not None and starts_at >= ends_at:
        raise InvalidInput(gettext("The claim window must start before it ends."),
                           field="ends_at")
    _whole(valid_days, "valid_days", 1, MAX_VALID_DAYS,
           lazy_gettext("The validity must be a whole number from %(low)s to %(high)s."))
    return {
        "name": name, "name_en": name_en, "discount_type": discount_type,
        "discount_value": discount_value,
        "max_discount": max_discount, "min_order_amount": min_order_amount,
        "quantity": quantity, "remaining": quantity, "starts_at": starts_at,
        "ends_at": ends_at, "valid_days": valid_days,
    }


@retry_on_conflict(attempts=3)
def create_coupon(**fields) -> Coupon:
    """Create an active coupon with all ``quantity`` copies left (see ``validate_coupon_fields``)."""
    columns = validate_coupon_fields(**fields)
    with transaction() as uow:
        coupon = Coupon(status="active", **columns)
        uow.session.add(coupon)
        uow.session.flush()
    return coupon


@retry_on_conflict(attempts=3)
def set_coupon_status(coupon_id: int, status) -> Coupon:
    """Pause or re-activate a coupon. Paused coupons can be neither claimed nor used.

    Written as one UPDATE that bumps ``version``, so it never conflicts with a rush of
    claims, and claims decided after it see the new status (where a process remembers the
    coupon sold out, within SOLD_OUT_TRUSTED_SECONDS: until then they hear "sold out").
    """
    if status not in STATUSES:
        raise InvalidInput(gettext("The status is 'active' or 'paused'."), field="status")
    if not is_id(coupon_id):
        raise CouponNotFound(gettext("There is no coupon #%(id)s.", id=coupon_id))
    with transaction() as uow:
        updated = uow.session.execute(
            compare_and_set(Coupon, (Coupon.id == coupon_id,), {"status": status})
            .returning(Coupon.id)
        ).scalar_one_or_none()
        if updated is None:
            raise CouponNotFound(gettext("There is no coupon #%(id)s.", id=coupon_id))
        coupon = uow.session.scalar(
            select(Coupon).where(Coupon.id == coupon_id)
            .execution_options(populate_existing=True)
        )
    forget_sold_out(coupon_id)
    return coupon
