"""create_coupon and set_coupon_status on the database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.coupons.admin import create_coupon, set_coupon_status
from app.coupons.claims import claim_coupon, list_claimable_coupons, my_coupons
from app.coupons.models import Coupon
from app.coupons.rules import CouponNotClaimable, CouponNotFound
from app.db import utcnow
from app.errors import InvalidInput
from app.extensions import db


def test_create_coupon_starts_active_with_every_copy_left(ctx):
    coupon = create_coupon(name="Launch", discount_type="percent", discount_value=15,
                           max_discount=3000, min_order_amount=10_000, quantity=500,
                           starts_at=datetime(2026, 1, 1, tzinfo=UTC),
                           ends_at=datetime(2027, 1, 1, tzinfo=UTC), valid_days=14)
    db.session.rollback()
    row = db.session.get(Coupon, coupon.id)
    assert (row.name, row.discount_type, row.discount_value, row.max_discount,
            row.min_order_amount, row.quantity, row.remaining, row.valid_days, row.status) == (
        "Launch", "percent", 15, 3000, 10_000, 500, 500, 14, "active")
    assert row.ends_at == datetime(2027, 1, 1, tzinfo=UTC)


def test_invalid_coupon_is_not_created(ctx, db_snapshot):
    before = db_snapshot()
    with pytest.raises(InvalidInput):
        create_coupon(name="Bad", discount_type="percent", discount_value=150, quantity=5)
    assert db_snapshot() == before
    assert before["coupons"] == []


def test_pausing_stops_claims_and_reactivating_allows_them(ctx, make_user, make_coupon,
                                                           db_snapshot):
    user = make_user()
    coupon = make_coupon()

    assert set_coupon_status(coupon.id, "paused").status == "paused"
    assert list_claimable_coupons(utcnow()) == []
    before = db_snapshot()
    with pytest.raises(CouponNotClaimable):
        claim_coupon(user.id, coupon.id)
    assert db_snapshot() == before

    assert set_coupon_status(coupon.id, "active").status == "active"
    claim_coupon(user.id, coupon.id)
    assert [owned.status for owned in my_coupons(user.id, utcnow())] == ["available"]


@pytest.mark.parametrize("status", ["deleted", "", None, 1, "ACTIVE"])
def test_unknown_status_is_refused(ctx, make_coupon, db_snapshot, status):
    coupon = make_coupon()
    before = db_snapshot()
    with pytest.raises(InvalidInput):
        set_coupon_status(coupon.id, status)
    assert db_snapshot() == before


def test_status_of_an_unknown_coupon(ctx, db_snapshot):
    before = db_snapshot()
    with pytest.raises(CouponNotFound):
        set_coupon_status(12345, "paused")
    assert db_snapshot() == before


def test_claimable_list_and_my_coupons(ctx, make_user, make_coupon, make_user_coupon):
    now = utcnow()
    user = make_user()
    open_ = make_coupon(name="Open")
    sold_out = make_coupon(name="Sold out", remaining=0)
    make_coupon(name="Paused", status="paused")
    make_coupon(name="Later", starts_at=now + timedelta(hours=1))
    make_coupon(name="Over", ends_at=now)
    assert [c.name for c in list_claimable_coupons(now)] == ["Open", "Sold out"]

    available = make_user_coupon(user, open_)
    used = make_user_coupon(user, sold_out, used=True)
    expired = make_user_coupon(user, make_coupon(name="Old"), expires_at=now)
    db.session.rollback()  # end the read above: its snapshot predates the claims
    statuses = {o.user_coupon.id: o.status for o in my_coupons(user.id, now)}
    assert statuses == {available.id: "available", used.id: "used", expired.id: "expired"}
    assert my_coupons(make_user().id, now) == []
    assert db.session.scalar(select(Coupon.remaining).where(Coupon.id == open_.id)) == 10
