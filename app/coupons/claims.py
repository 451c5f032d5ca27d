"""First-come coupon claims, and what a shopper sees of coupons to claim and claimed.

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
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.coupons.models import Coupon, UserCoupon
from app.coupons.rules import (CouponAlreadyClaimed, CouponNotClaimable, CouponNotFound,
                               CouponSoldOut, claim_period_ended, claim_window, is_claimable,
                               no_such_coupon, not_claimable_reason, sold_out,
                               user_coupon_status, violates_unique)
from app.db import is_id, retry_on_conflict, transaction, utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import in_locale
from app.metrics import COUPON_CLAIMS, count_outcomes
from app.writes import compare_and_set

CLAIM_ATTEMPTS = 10


def _why_not_claimed(session, coupon_id: int, now: datetime) -> DomainError:
    """After the compare-and-set matched no row: the true reason, read from the newest row.

    The caller's own row went in just before, so they held no copy: sold out is the answer
    unless the coupon stopped being claimable meanwhile.
    """
    coupon = session.scalar(
        select(Coupon).where(Coupon.id == coupon_id).execution_options(populate_existing=True)
    )
    if coupon is None:
        return CouponNotFound(no_such_coupon(coupon_id))
    if not is_claimable(coupon, now):
        return CouponNotClaimable(not_claimable_reason(coupon, now))
    return CouponSoldOut(sold_out(coupon.display_name))


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
    name_en: str | None  # each refusal names the coupon in its own request's language
    ends_at: datetime | None
    holders: frozenset[int]
    confirmed_at: float  # time.monotonic() of the read that last found it claimable


def _sold_out_here() -> dict[int, _SoldOut]:
    return current_app.extensions.get(SOLD_OUT_HERE, {})


def _already_claimed(name: str) -> CouponAlreadyClaimed:
    return CouponAlreadyClaimed(gettext("You have already claimed %(coupon)s.", coupon=name))


def _refusal(known: _SoldOut, user_id: int, now: datetime) -> DomainError:
    name = in_locale(known.name, known.name_en)
    if known.ends_at is not None and known.ends_at <= now:
        return CouponNotClaimable(claim_period_ended(name))
    if user_id in known.holders:
        return _already_claimed(name)
    return CouponSoldOut(sold_out(name))


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
        return _already_claimed(coupon.display_name) if held else CouponSoldOut(
            sold_out(coupon.display_name))
    seen = _sold_out_here()
    earlier = seen.get(coupon.id)
    holders = earlier.holders if earlier is not None else frozenset(session.scalars(
        select(UserCoupon.user_id).where(UserCoupon.coupon_id == coupon.id)))
    known = _SoldOut(coupon.name, coupon.name_en, coupon.ends_at, holders, time.monotonic())
    # A new dict, not an update in place: threads read the old one meanwhile; entries past
    # their second go, so memory holds only the coupons being rushed right now.
    current_app.extensions[SOLD_OUT_HERE] = {
        **{coupon_id: entry for coupon_id, entry in seen.items()
           if known.confirmed_at - entry.confirmed_at <= SOLD_OUT_TRUSTED_SECONDS},
        coupon.id: known,
    }
    return _refusal(known, user_id, now)


@count_outcomes(COUPON_CLAIMS, lambda _claimed: "claimed")
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
            raise CouponNotFound(no_such_coupon(coupon_id))
        if not is_claimable(coupon, now):
            raise CouponNotClaimable(not_claimable_reason(coupon, now))
        # remaining only ever falls, so a committed 0 is final: refuse without touching the
        # hot row, which keeps a rush's late arrivals off its lock.
        if coupon.remaining <= 0:
            raise _refuse_sold_out(session, coupon, user_id, now)
        name = coupon.display_name  # a failed flush expires the loaded coupon
        user_coupon = UserCoupon(user_id=user_id, coupon_id=coupon_id, claimed_at=now,
                                 expires_at=now + timedelta(days=coupon.valid_days))
        session.add(user_coupon)
        try:
            session.flush()
        except IntegrityError as error:
            if violates_unique(error, "uq_user_coupons_user_id_coupon_id",
                         "user_coupons.user_id, user_coupons.coupon_id"):
                raise _already_claimed(name) from None
            raise
        taken = session.execute(
            compare_and_set(Coupon, (Coupon.id == coupon_id, Coupon.remaining > 0,
                                     claim_window(now)),
                            {"remaining": Coupon.remaining - 1}).returning(Coupon.remaining)
        ).scalar_one_or_none()
        if taken is None:
            raise _why_not_claimed(session, coupon_id, now)
    return user_coupon


def forget_sold_out(coupon_id: int) -> None:
    """Drop what this process remembers of ``coupon_id`` sold out (its status changed)."""
    current_app.extensions[SOLD_OUT_HERE] = {
        known_id: known for known_id, known in _sold_out_here().items() if known_id != coupon_id}


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
        select(Coupon).where(claim_window(now)).order_by(Coupon.id)
    ))


def my_coupons(user_id: int, now: datetime) -> list[OwnedCoupon]:
    """Every coupon ``user_id`` has claimed, newest claim first, each with its status."""
    rows = db.session.scalars(
        select(UserCoupon).where(UserCoupon.user_id == user_id)
        .order_by(UserCoupon.claimed_at.desc(), UserCoupon.id.desc())
    )
    return [OwnedCoupon(row, user_coupon_status(row, now)) for row in rows]
