"""First-come claims: every refusal changes nothing, and rushes are exact on PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.coupons import claims
from app.coupons.admin import set_coupon_status
from app.coupons.claims import SOLD_OUT_HERE, claim_coupon
from app.coupons.models import Coupon, UserCoupon
from app.coupons.rules import CouponAlreadyClaimed, CouponNotClaimable, CouponSoldOut
from app.db import transaction, utcnow
from app.extensions import db
from tests.helpers import outcome_counts, run_concurrently, statements


def _remaining(coupon_id: int) -> int:
    return db.session.scalar(select(Coupon.remaining).where(Coupon.id == coupon_id))


def _claims(coupon_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(UserCoupon).where(UserCoupon.coupon_id == coupon_id)
    )


def test_a_claim_takes_one_copy_and_is_valid_for_valid_days(ctx, make_user, make_coupon):
    user = make_user()
    coupon = make_coupon(quantity=5, valid_days=3)
    before = utcnow()

    user_coupon = claim_coupon(user.id, coupon.id)

    assert (user_coupon.user_id, user_coupon.coupon_id) == (user.id, coupon.id)
    assert before <= user_coupon.claimed_at <= utcnow()
    assert user_coupon.expires_at == user_coupon.claimed_at + timedelta(days=3)
    assert user_coupon.used_order_id is None
    db.session.rollback()
    row = db.session.get(Coupon, coupon.id)
    assert (row.remaining, row.quantity, row.version) == (4, 5, coupon.version + 1)
    assert _claims(coupon.id) == 1


def test_the_last_copy_can_be_claimed(ctx, make_user, make_coupon):
    coupon = make_coupon(quantity=3, remaining=1)
    claim_coupon(make_user().id, coupon.id)
    assert _remaining(coupon.id) == 0


def test_open_ended_windows_are_claimable(ctx, make_user, make_coupon):
    coupon = make_coupon(starts_at=None, ends_at=None)
    claim_coupon(make_user().id, coupon.id)
    assert _remaining(coupon.id) == 9


HOUR = timedelta(hours=1)


@pytest.mark.parametrize("coupon_fields, prior_claim, code", [
    (None, False, "coupon_not_found"),
    ({"status": "paused"}, False, "coupon_not_claimable"),
    ({"starts_at": "+1h", "ends_at": "+2h"}, False, "coupon_not_claimable"),
    ({"starts_at": "-2h", "ends_at": "-1h"}, False, "coupon_not_claimable"),
    ({"quantity": 5, "remaining": 0}, False, "coupon_sold_out"),
    ({"quantity": 5}, True, "coupon_already_claimed"),
    # Claimed already and sold out since: the shopper's own copy answers first.
    ({"quantity": 1, "remaining": 0}, True, "coupon_already_claimed"),
    ({"quantity": 1, "remaining": 0, "status": "paused"}, False, "coupon_not_claimable"),
], ids=["not-found", "paused", "before-window", "after-window", "sold-out",
        "already-claimed", "sold-out-after-own-claim", "sold-out-and-paused"])
def test_refused_claims_change_nothing(ctx, make_user, make_coupon, make_user_coupon,
                                       db_snapshot, coupon_fields, prior_claim, code):
    user = make_user()
    now = utcnow()
    shift = {"+1h": now + HOUR, "+2h": now + 2 * HOUR, "-1h": now - HOUR, "-2h": now - 2 * HOUR}
    if coupon_fields is None:
        coupon_id = make_coupon().id + 1000
    else:
        fields = {k: shift.get(v, v) if isinstance(v, str) else v
                  for k, v in coupon_fields.items()}
        coupon = make_coupon(**fields)
        coupon_id = coupon.id
        if prior_claim:
            make_user_coupon(user, coupon)
    before = db_snapshot()

    with pytest.raises(Exception) as caught:
        claim_coupon(user.id, coupon_id)

    assert getattr(caught.value, "code", None) == code, caught.value
    assert db_snapshot() == before


def test_errors_say_why(ctx, make_user, make_coupon, make_user_coupon):
    user = make_user()
    paused = make_coupon(name="Winter", status="paused")
    later = make_coupon(name="Spring", starts_at=utcnow() + HOUR)
    over = make_coupon(name="Autumn", ends_at=utcnow() - HOUR)
    gone = make_coupon(name="Summer", remaining=0)
    mine = make_coupon(name="Mine")
    make_user_coupon(user, mine)
    details = {}
    for coupon in (paused, later, over, gone, mine):
        try:
            claim_coupon(user.id, coupon.id)
        except Exception as error:  # noqa: BLE001 - collecting the messages
            details[coupon.name] = error.detail
    assert details == {
        "Winter": "Winter is paused and cannot be claimed right now.",
        "Spring": "Spring cannot be claimed yet.",
        "Autumn": "The claim period for Autumn has ended.",
        "Summer": "Summer is sold out.",
        "Mine": "You have already claimed Mine.",
    }


@pytest.fixture
def trusted(monkeypatch):
    """trusted(seconds): how long this process's sold-out entries answer without a read
    (a long default, so that a slow machine cannot make these tests read the row again)."""

    def trust(seconds: float) -> None:
        # raising=False: these tests also run against code from before the setting existed.
        monkeypatch.setattr(claims, "SOLD_OUT_TRUSTED_SECONDS", seconds, raising=False)

    trust(60)
    return trust


def _sold_out_by_a_rush(make_user, make_coupon, **fields):
    """A coupon whose one copy went to the returned holder, and a late claim that found it
    sold out, so this process now remembers it."""
    coupon = make_coupon(name="Last call", quantity=1, **fields)
    holder = make_user()
    claim_coupon(holder.id, coupon.id)
    with pytest.raises(CouponSoldOut):
        claim_coupon(make_user().id, coupon.id)  # reads the row, finds 0, remembers it
    return coupon, holder


def test_once_found_sold_out_a_coupon_is_refused_without_the_database(ctx, make_user,
                                                                      make_coupon, trusted):
    coupon, _ = _sold_out_by_a_rush(make_user, make_coupon)
    late = [make_user().id for _ in range(2)]
    with statements(db.engine, "coupons") as seen:
        for user_id in late:
            with pytest.raises(CouponSoldOut, match="Last call is sold out"):
                claim_coupon(user_id, coupon.id)
    assert seen == []
    assert (_remaining(coupon.id), _claims(coupon.id)) == (0, 1)


def test_a_holder_of_a_sold_out_coupon_hears_already_claimed(ctx, make_user, make_coupon,
                                                             trusted):
    coupon, holder = _sold_out_by_a_rush(make_user, make_coupon)
    with statements(db.engine, "coupons") as seen, \
            pytest.raises(CouponAlreadyClaimed, match="You have already claimed Last call."):
        claim_coupon(holder.id, coupon.id)
    assert seen == []  # the holders are final once it is sold out: remembered with it
    assert (_remaining(coupon.id), _claims(coupon.id)) == (0, 1)


def test_a_sold_out_coupon_paused_here_answers_not_claimable(ctx, make_user, make_coupon,
                                                             trusted, db_snapshot):
    coupon, holder = _sold_out_by_a_rush(make_user, make_coupon)
    set_coupon_status(coupon.id, "paused")
    newcomer = make_user()
    before = db_snapshot()
    for user_id in (newcomer.id, holder.id):
        with pytest.raises(CouponNotClaimable, match="Last call is paused"):
            claim_coupon(user_id, coupon.id)
    assert db_snapshot() == before

    set_coupon_status(coupon.id, "active")
    with pytest.raises(CouponSoldOut):
        claim_coupon(make_user().id, coupon.id)


def test_a_pause_in_another_process_is_heard_once_the_trusted_second_is_over(
        ctx, make_user, make_coupon, trusted):
    coupon, _ = _sold_out_by_a_rush(make_user, make_coupon)
    with transaction() as uow:  # as an admin's request served by another process
        uow.session.get(Coupon, coupon.id).status = "paused"
    late = make_user().id
    with pytest.raises(CouponSoldOut):  # still inside the second this process trusts
        claim_coupon(late, coupon.id)
    trusted(0)
    with pytest.raises(CouponNotClaimable, match="Last call is paused"):
        claim_coupon(late, coupon.id)


def test_a_remembered_coupon_past_its_window_answers_not_claimable(ctx, make_user, make_coupon,
                                                                   trusted, monkeypatch):
    ends_at = utcnow() + HOUR
    coupon, holder = _sold_out_by_a_rush(make_user, make_coupon, ends_at=ends_at)
    monkeypatch.setattr(claims, "utcnow", lambda: ends_at)
    with statements(db.engine, "coupons") as seen:
        for user_id in (make_user().id, holder.id):
            with pytest.raises(CouponNotClaimable, match="claim period for Last call has ended"):
                claim_coupon(user_id, coupon.id)
    assert seen == []


def test_a_coupon_with_too_many_holders_to_keep_asks_for_the_callers_claim(
        app, ctx, make_user, make_coupon, trusted, monkeypatch):
    monkeypatch.setattr(claims, "HOLDERS_KEPT_MAX", 0, raising=False)
    coupon, holder = _sold_out_by_a_rush(make_user, make_coupon)
    with pytest.raises(CouponAlreadyClaimed):
        claim_coupon(holder.id, coupon.id)
    with pytest.raises(CouponSoldOut):
        claim_coupon(make_user().id, coupon.id)
    assert coupon.id not in app.extensions.get(SOLD_OUT_HERE, {})


def test_a_coupon_with_copies_left_is_never_remembered_sold_out(app, ctx, make_user,
                                                               make_coupon):
    coupon = make_coupon(quantity=3)
    for _ in range(3):
        claim_coupon(make_user().id, coupon.id)
    assert coupon.id not in app.extensions.get(SOLD_OUT_HERE, {})  # nobody was refused yet


def test_a_small_rush_is_exact_on_any_database(app, ctx, make_user, make_coupon):
    coupon = make_coupon(quantity=3)
    users = [make_user() for _ in range(8)]
    outcomes = run_concurrently(app, claim_coupon, [(u.id, coupon.id) for u in users])
    assert outcome_counts(outcomes) == {"ok": 3, "coupon_sold_out": 5}
    assert _remaining(coupon.id) == 0
    assert _claims(coupon.id) == 3

    # Everyone again: the three holders hear so, whatever the others taught the process.
    again = run_concurrently(app, claim_coupon, [(u.id, coupon.id) for u in users])
    holders = {o.user_id for o in outcomes if isinstance(o, UserCoupon)}
    assert {u.id: o.code for u, o in zip(users, again)} == {
        u.id: "coupon_already_claimed" if u.id in holders else "coupon_sold_out"
        for u in users}


@pytest.mark.postgres
def test_coupon_rush_30_copies_300_shoppers(app, ctx, make_user, make_coupon):
    coupon = make_coupon(quantity=30)
    users = [make_user() for _ in range(300)]

    outcomes = run_concurrently(app, claim_coupon, [(u.id, coupon.id) for u in users],
                                workers=300)

    assert outcome_counts(outcomes) == {"ok": 30, "coupon_sold_out": 270}
    assert _remaining(coupon.id) == 0
    assert _claims(coupon.id) == 30
    winners = {o.user_id for o in outcomes if isinstance(o, UserCoupon)}
    assert len(winners) == 30
    assert set(db.session.scalars(
        select(UserCoupon.user_id).where(UserCoupon.coupon_id == coupon.id))) == winners


@pytest.mark.postgres
def test_no_false_sold_out_when_copies_cover_everyone(app, ctx, make_user, make_coupon):
    coupon = make_coupon(quantity=120)
    users = [make_user() for _ in range(100)]
    outcomes = run_concurrently(app, claim_coupon, [(u.id, coupon.id) for u in users])
    assert outcome_counts(outcomes) == {"ok": 100}
    assert _remaining(coupon.id) == 20


@pytest.mark.postgres
def test_one_shopper_claiming_10_times_at_once_gets_one(app, ctx, make_user, make_coupon):
    user = make_user()
    coupon = make_coupon(quantity=30)

    outcomes = run_concurrently(app, claim_coupon, [(user.id, coupon.id)] * 10)

    assert outcome_counts(outcomes) == {"ok": 1, "coupon_already_claimed": 9}
    assert _remaining(coupon.id) == 29
    assert _claims(coupon.id) == 1


@pytest.mark.postgres
def test_pausing_during_a_rush_refuses_with_the_true_reason(app, ctx, make_user, make_coupon):
    """Claims and a pause race: each claim either got a copy or hears "not claimable"."""
    from app.coupons.admin import set_coupon_status

    coupon = make_coupon(quantity=50)
    users = [make_user() for _ in range(40)]

    def act(kind, user_id):
        return set_coupon_status(coupon.id, "paused") if kind == "pause" else claim_coupon(
            user_id, coupon.id)

    outcomes = run_concurrently(app, act, [("pause", None)] + [("claim", u.id) for u in users])

    counts = outcome_counts(outcomes[1:])
    assert set(counts) <= {"ok", "coupon_not_claimable"}
    assert sum(counts.values()) == 40
    assert _claims(coupon.id) == counts["ok"]
    assert _remaining(coupon.id) == 50 - counts["ok"]
