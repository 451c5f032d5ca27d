"""reserve_coupon, mark_coupon_used and release_coupon: the steps checkout and cancel call."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.coupons.models import UserCoupon
from app.coupons.rules import CouponNotFound, CouponNotUsable
from app.coupons.usage import mark_coupon_used, release_coupon, reserve_coupon
from app.db import transaction, utcnow
from app.extensions import db
from app.orders.models import Order
from tests.helpers import outcome_counts, run_concurrently


def _order(user) -> int:
    with transaction() as uow:
        order = Order(user_id=user.id, status="paid", subtotal=0, discount=0, total=0)
        uow.session.add(order)
        uow.session.flush()
    return order.id


def _use(user_coupon_id: int, order_id: int) -> None:
    with transaction() as uow:
        mark_coupon_used(uow.session, user_coupon_id, order_id, utcnow())


def test_reserve_returns_my_coupon_and_its_discount(ctx, make_user, make_coupon,
                                                    make_user_coupon, db_snapshot):
    user = make_user()
    coupon = make_coupon(discount_type="percent", discount_value=10, max_discount=2000,
                         min_order_amount=10_000)
    mine = make_user_coupon(user, coupon)
    before = db_snapshot()

    with transaction() as uow:
        user_coupon, discount = reserve_coupon(uow.session, user.id, mine.id, 15_000, utcnow())
        assert (user_coupon.id, discount) == (mine.id, 1500)
        _, capped = reserve_coupon(uow.session, user.id, mine.id, 50_000, utcnow())
        assert capped == 2000
        _, at_minimum = reserve_coupon(uow.session, user.id, mine.id, 10_000, utcnow())
        assert at_minimum == 1000

    assert db_snapshot() == before  # reserving only reads


@pytest.mark.parametrize("case, error, detail", [
    ("someone-elses", CouponNotFound, None),
    ("unknown", CouponNotFound, None),
    ("huge-id", CouponNotFound, None),
    ("used", CouponNotUsable, "This coupon has already been used."),
    ("expired", CouponNotUsable, "{name} has expired."),
    ("paused", CouponNotUsable, "{name} is paused and cannot be used right now."),
    ("below-minimum", CouponNotUsable,
     "{name} needs an order of at least ₩20,000; this order is ₩19,999."),
])
def test_reserve_refuses_unusable_coupons(ctx, make_user, make_coupon, make_user_coupon,
                                          db_snapshot, case, error, detail):
    user, other = make_user(), make_user()
    coupon = make_coupon(min_order_amount=20_000, status="paused" if case == "paused" else "active")
    owner = other if case == "someone-elses" else user
    claimed = make_user_coupon(
        owner, coupon, used=case == "used",
        expires_at=utcnow() - timedelta(seconds=1) if case == "expired" else None,
    )
    user_coupon_id = {"unknown": claimed.id + 100, "huge-id": 10**20}.get(case, claimed.id)
    subtotal = 19_999 if case == "below-minimum" else 30_000
    before = db_snapshot()

    with pytest.raises(error) as caught:
        with transaction() as uow:
            reserve_coupon(uow.session, user.id, user_coupon_id, subtotal, utcnow())

    if detail:
        assert caught.value.detail == detail.format(name=coupon.name)
    assert db_snapshot() == before


def test_mark_used_then_release_gives_it_back(ctx, make_user, make_coupon, make_user_coupon):
    user = make_user()
    mine = make_user_coupon(user, make_coupon())
    order_id = _order(user)

    _use(mine.id, order_id)
    row = db.session.get(UserCoupon, mine.id)
    assert row.used_order_id == order_id and row.used_at is not None

    with transaction() as uow:
        release_coupon(uow.session, mine.id)
    db.session.rollback()
    row = db.session.get(UserCoupon, mine.id)
    assert (row.used_order_id, row.used_at) == (None, None)
    with transaction() as uow:  # usable again after the release
        _, discount = reserve_coupon(uow.session, user.id, mine.id, 5000, utcnow())
    assert discount == 1000


def test_a_used_coupon_cannot_be_marked_again(ctx, make_user, make_coupon, make_user_coupon,
                                              db_snapshot):
    user = make_user()
    mine = make_user_coupon(user, make_coupon())
    first, second = _order(user), _order(user)
    _use(mine.id, first)
    before = db_snapshot()

    with pytest.raises(CouponNotUsable, match="already been used"):
        _use(mine.id, second)

    assert db_snapshot() == before


def test_one_order_cannot_hold_two_coupons(ctx, make_user, make_coupon, make_user_coupon,
                                           db_snapshot):
    user = make_user()
    a, b = make_user_coupon(user, make_coupon()), make_user_coupon(user, make_coupon())
    order_id = _order(user)
    _use(a.id, order_id)
    before = db_snapshot()

    with pytest.raises(CouponNotUsable, match="already uses a coupon"):
        _use(b.id, order_id)

    assert db_snapshot() == before


def test_ten_concurrent_uses_of_one_coupon_mark_it_once(app, ctx, make_user, make_coupon,
                                                        make_user_coupon):
    user = make_user()
    mine = make_user_coupon(user, make_coupon())
    orders = [_order(user) for _ in range(10)]

    outcomes = run_concurrently(app, _use, [(mine.id, order_id) for order_id in orders])

    assert outcome_counts(outcomes) == {"ok": 1, "coupon_not_usable": 9}
    used_by = db.session.scalar(select(UserCoupon.used_order_id).where(UserCoupon.id == mine.id))
    assert used_by == orders[outcomes.index(None)]
