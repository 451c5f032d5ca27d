"""Coupons: first-come claims, and the reserve/use/release steps checkout and cancel call.

The contended counter is ``coupons.remaining``. A claim inserts the shopper's row first and
then runs one compare-and-set on the invariant,
``UPDATE coupons SET remaining = remaining - 1 … WHERE remaining > 0 AND <claimable>``, as
its last statement: the hot row is locked only from that UPDATE to COMMIT, and PostgreSQL
re-checks the WHERE clause on the newest row after waiting for the lock, so a shopper is
refused only when no copy is left. Nothing here ever reads ``remaining`` and writes it back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.coupons.models import Coupon, UserCoupon
from app.db import is_id, retry_on_conflict, transaction, utcnow
from app.errors import DomainError, InvalidInput
from app.extensions import db

CLAIM_ATTEMPTS = 10
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
    user_coupon = None
    if is_id(user_coupon_id):
        user_coupon = session.scalar(
            select(UserCoupon).where(UserCoupon.id == user_coupon_id,
                                     UserCoupon.user_id == user_id)
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


# --- claims -----------------------------------------------------------------------------


def _why_not_claimed(session, coupon_id: int, now: datetime) -> DomainError:
    """After the compare-and-set matched no row: the true reason, read from the newest row.

    The caller's own row went in just before, so they held no copy: sold out is the answer
    unless the coupon stopped being claimable meanwhile.
    """
    coupon = session.scalar(
        select(Coupon).where(Coupon.id == coupon_id).execution_options(populate_existing=True)
    )
    if coupon is None:
        return CouponNotFound(f"There is no coupon #{coupon_id}.")
    if not is_claimable(coupon, now):
        return CouponNotClaimable(_not_claimable_reason(coupon, now))
    return CouponSoldOut(f"{coupon.name} is sold out.")


# A coupon's quantity is fixed at creation and ``remaining`` only ever falls, and a claim row
# commits only with its decrement: once a claim has read ``remaining`` at 0, the coupon's
# holders are final too. So each process keeps what it saw of a sold-out coupon (name, end
# of the claim window, holders) and answers the rest of a rush with no database statement:
# in bench/run.py's coupon-rush 1,900 of 2,000 shoppers arrive after the last copy went.
# The order of answers is the same as the database path's: not claimable (the window has
# ended), already claimed (the caller is a holder), then sold out. Only ``status`` can still
# change (an admin pauses the coupon), so an entry answers for SOLD_OUT_TRUSTED_SECONDS
# after the read that found the coupon claimable; then one claim reads the row again. So a
# pause is heard by every process within that second (the pausing one forgets at once).
# Only emptying the tables under a running process makes an entry wrong, since ids then
# start again at 1: the tests do that, and forget the entries.
SOLD_OUT_TRUSTED_SECONDS = 1.0
HOLDERS_KEPT_MAX = 10_000  # larger coupons ask the database for the caller's own claim
SOLD_OUT_HERE = "storefront_sold_out_coupons"  # app.extensions: coupon id → _SoldOut


@dataclass(frozen=True)
class _SoldOut:
    name: str
    ends_at: datetime | None
    holders: frozenset[int]
    confirmed_at: float  # time.monotonic() of the read that last found it claimable


def _sold_out_here() -> dict[int, _SoldOut]:
    return current_app.extensions.get(SOLD_OUT_HERE, {})


def _already_claimed(name: str) -> CouponAlreadyClaimed:
    return CouponAlreadyClaimed(f"You have already claimed {name}.")


def _refusal(known: _SoldOut, user_id: int, now: datetime) -> DomainError:
    if known.ends_at is not None and known.ends_at <= now:
        return CouponNotClaimable(f"The claim period for {known.name} has ended.")
    if user_id in known.holders:
        return _already_claimed(known.name)
    return CouponSoldOut(f"{known.name} is sold out.")


def _known_refusal(user_id: int, coupon_id) -> DomainError | None:
    """The refusal for a coupon this process has just seen sold out, or None: ask the database."""
    known = _sold_out_here().get(coupon_id) if is_id(coupon_id) else None
    if known is None or time.monotonic() - known.confirmed_at > SOLD_OUT_TRUSTED_SECONDS:
        return None
    return _refusal(known, user_id, utcnow())


def _refuse_sold_out(session, coupon: Coupon, user_id: int, now: datetime) -> DomainError:
    """``coupon`` is claimable at ``now`` and has no copy left: the caller's own copy answers
    first (``CouponAlreadyClaimed``), else ``CouponSoldOut``. Remembered, see above."""
    if coupon.quantity > HOLDERS_KEPT_MAX:
        held = session.scalar(select(UserCoupon.id).where(
            UserCoupon.user_id == user_id, UserCoupon.coupon_id == coupon.id))
        return _already_claimed(coupon.name) if held else CouponSoldOut(
            f"{coupon.name} is sold out.")
    seen = _sold_out_here()
    earlier = seen.get(coupon.id)
    holders = earlier.holders if earlier is not None else frozenset(session.scalars(
        select(UserCoupon.user_id).where(UserCoupon.coupon_id == coupon.id)))
    known = _SoldOut(coupon.name, coupon.ends_at, holders, time.monotonic())
    # A new dict, not an update in place: threads read the old one meanwhile; entries past
    # their second go, so memory holds only the coupons being rushed right now.
    current_app.extensions[SOLD_OUT_HERE] = {
        **{coupon_id: entry for coupon_id, entry in seen.items()
           if known.confirmed_at - entry.confirmed_at <= SOLD_OUT_TRUSTED_SECONDS},
        coupon.id: known,
    }
    return _refusal(known, user_id, now)


@retry_on_conflict(attempts=CLAIM_ATTEMPTS)
def claim_coupon(user_id: int, coupon_id: int) -> UserCoupon:
    """Give ``user_id`` one copy of coupon ``coupon_id``, first come first served.

    Refused, in this order, with ``CouponNotFound``, ``CouponNotClaimable`` (paused or
    outside ``starts_at <= now < ends_at``), ``CouponAlreadyClaimed`` (one per shopper,
    backed by the unique constraint) or ``CouponSoldOut`` (no copy left). The copy is valid
    for ``valid_days`` from the claim. The shopper's row is inserted first and the decrement
    of ``remaining`` is the last statement before COMMIT, so the hot row's lock is held as
    briefly as possible; a refused decrement rolls the insert back.
    """
    refusal = _known_refusal(user_id, coupon_id)
    if refusal is not None:
        raise refusal
    with transaction() as uow:
        session = uow.session
        now = utcnow()
        coupon = session.get(Coupon, coupon_id) if is_id(coupon_id) else None
        if coupon is None:
            raise CouponNotFound(f"There is no coupon #{coupon_id}.")
        if not is_claimable(coupon, now):
            raise CouponNotClaimable(_not_claimable_reason(coupon, now))
        # remaining only ever falls, so a committed 0 is final: refuse without touching the
        # hot row, which keeps a rush's late arrivals off its lock.
        if coupon.remaining <= 0:
            raise _refuse_sold_out(session, coupon, user_id, now)
        name = coupon.name  # a failed flush expires the loaded coupon
        user_coupon = UserCoupon(user_id=user_id, coupon_id=coupon_id, claimed_at=now,
                                 expires_at=now + timedelta(days=coupon.valid_days))
        session.add(user_coupon)
        try:
            session.flush()
        except IntegrityError as error:
            if _violates(error, "uq_user_coupons_user_id_coupon_id",
                         "user_coupons.user_id, user_coupons.coupon_id"):
                raise _already_claimed(name) from None
            raise
        taken = session.execute(
            update(Coupon)
            .where(Coupon.id == coupon_id, Coupon.remaining > 0, _claim_window(now))
            .values(remaining=Coupon.remaining - 1, version=Coupon.version + 1)
            .returning(Coupon.remaining)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if taken is None:
            raise _why_not_claimed(session, coupon_id, now)
    return user_coupon


# --- reads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnedCoupon:
    """A shopper's claimed coupon with its status at the time it was read."""

    user_coupon: UserCoupon
    status: str

    @property
    def coupon(self) -> Coupon:
        return self.user_coupon.coupon


def list_claimable_coupons(now: datetime) -> list[Coupon]:
    """Active coupons inside their claim window (sold-out ones too, showing 0 left)."""
    return list(db.session.scalars(
        select(Coupon).where(_claim_window(now)).order_by(Coupon.id)
    ))


def my_coupons(user_id: int, now: datetime) -> list[OwnedCoupon]:
    """Every coupon ``user_id`` has claimed, newest claim first, each with its status."""
    rows = db.session.scalars(
        select(UserCoupon).where(UserCoupon.user_id == user_id)
        .order_by(UserCoupon.claimed_at.desc(), UserCoupon.id.desc())
    )
    return [OwnedCoupon(row, user_coupon_status(row, now)) for row in rows]


# --- admin ------------------------------------------------------------------------------


def _whole(value, field: str, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise InvalidInput(f"{what} must be a whole number from {low:,} to {high:,}.", field=field)
    return value


def _moment(value, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput("Give a date and time with a UTC offset.", field=field)
    # Compared before converting: near year 1 or 9999 the conversion itself overflows.
    if not EARLIEST <= value <= LATEST:
        end = "start" if field == "starts_at" else "end"
        raise InvalidInput(f"The claim window's {end} ({field}) must be from "
                           f"{EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} (UTC).", field=field)
    return value.astimezone(UTC)


def validate_coupon_fields(*, name, discount_type, discount_value, max_discount=None,
                           min_order_amount=0, quantity, starts_at=None, ends_at=None,
                           valid_days=7) -> dict:
    """The checked, normalised columns of a new coupon, or ``InvalidInput`` naming the field.

    Rules: a name of 1–120 characters; ``fixed`` or ``percent``; a positive value, at most
    100 for percent; ``max_discount`` only for percent; a minimum order of 0 or more, and
    for a fixed discount 0 or at least the discount; 1 to 1,000,000 copies; ``starts_at``
    and ``ends_at`` from 2000-01-01 to 2200-01-01 UTC, the start before the end when both
    are set; valid 1–365 days.
    """
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= NAME_MAX:
        raise InvalidInput(f"Give the coupon a name of 1 to {NAME_MAX} characters.", field="name")
    if discount_type not in DISCOUNT_TYPES:
        raise InvalidInput("The discount type is 'fixed' or 'percent'.", field="discount_type")
    if discount_type == "percent":
        _whole(discount_value, "discount_value", 1, 100, "A percent discount")
        if max_discount is not None:
            _whole(max_discount, "max_discount", 1, MAX_AMOUNT, "The maximum discount")
    else:
        _whole(discount_value, "discount_value", 1, MAX_AMOUNT, "A fixed discount")
        if max_discount is not None:
            raise InvalidInput("Only a percent discount can have a maximum.", field="max_discount")
    _whole(min_order_amount, "min_order_amount", 0, MAX_AMOUNT, "The minimum order")
    # A minimum below the discount lets every order in between be paid with nothing: that is
    # a mistake. No minimum at all (0) is a deliberate "off any order", kept as it was.
    if discount_type == "fixed" and 0 < min_order_amount < discount_value:
        raise InvalidInput(
            f"A fixed discount of {discount_value:,} won is more than the minimum order of "
            f"{min_order_amount:,} won, so some orders would be free: lower the discount or "
            f"raise the minimum to at least {discount_value:,} won.", field="discount_value")
    _whole(quantity, "quantity", 1, MAX_QUANTITY, "The quantity")
    starts_at = _moment(starts_at, "starts_at")
    ends_at = _moment(ends_at, "ends_at")
    if starts_at is not None and ends_at is not None and starts_at >= ends_at:
        raise InvalidInput("The claim window must start before it ends.", field="ends_at")
    _whole(valid_days, "valid_days", 1, MAX_VALID_DAYS, "The validity")
    return {
        "name": name.strip(), "discount_type": discount_type, "discount_value": discount_value,
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
        raise InvalidInput("The status is 'active' or 'paused'.", field="status")
    if not is_id(coupon_id):
        raise CouponNotFound(f"There is no coupon #{coupon_id}.")
    with transaction() as uow:
        updated = uow.session.execute(
            update(Coupon).where(Coupon.id == coupon_id)
            .values(status=status, version=Coupon.version + 1)
            .returning(Coupon.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if updated is None:
            raise CouponNotFound(f"There is no coupon #{coupon_id}.")
        coupon = uow.session.scalar(
            select(Coupon).where(Coupon.id == coupon_id)
            .execution_options(populate_existing=True)
        )
    current_app.extensions[SOLD_OUT_HERE] = {
        known_id: known for known_id, known in _sold_out_here().items() if known_id != coupon_id}
    return coupon
