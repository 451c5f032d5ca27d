"""Coupon rules without a database: discounts, statuses, the claim window, field validation."""

from datetime import UTC, datetime, timedelta

import pytest

from app.coupons.models import Coupon, UserCoupon
from app.coupons.services import (coupon_discount, is_claimable, user_coupon_status,
                                  validate_coupon_fields)
from app.errors import InvalidInput

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def fixed(value, **fields):
    return Coupon(discount_type="fixed", discount_value=value, max_discount=None, **fields)


def percent(value, max_discount=None):
    return Coupon(discount_type="percent", discount_value=value, max_discount=max_discount)


@pytest.mark.parametrize("coupon, subtotal, expected", [
    (fixed(3000), 10_000, 3000),
    (fixed(3000), 3000, 3000),
    (fixed(3000), 2999, 2999),          # never more than the subtotal
    (fixed(3000), 0, 0),
    (percent(10), 10_000, 1000),
    (percent(10), 9_999, 999),          # floor, not round
    (percent(15), 1, 0),
    (percent(100), 12_345, 12_345),
    (percent(10, max_discount=500), 10_000, 500),   # capped
    (percent(10, max_discount=5000), 10_000, 1000),  # cap above the discount changes nothing
    (percent(50, max_discount=None), 7, 3),
])
def test_discount(coupon, subtotal, expected):
    assert coupon_discount(coupon, subtotal) == expected


def _user_coupon(expires_at, used_order_id=None):
    return UserCoupon(expires_at=expires_at, used_order_id=used_order_id)


@pytest.mark.parametrize("user_coupon, status", [
    (_user_coupon(NOW + timedelta(seconds=1)), "available"),
    (_user_coupon(NOW), "expired"),  # expires_at is the first moment it no longer works
    (_user_coupon(NOW - timedelta(days=1)), "expired"),
    (_user_coupon(NOW + timedelta(days=1), used_order_id=7), "used"),
    (_user_coupon(NOW - timedelta(days=1), used_order_id=7), "used"),  # used wins over expired
])
def test_user_coupon_status(user_coupon, status):
    assert user_coupon_status(user_coupon, NOW) == status


HOUR = timedelta(hours=1)


@pytest.mark.parametrize("fields, claimable", [
    ({"status": "active", "starts_at": None, "ends_at": None}, True),
    ({"status": "active", "starts_at": NOW, "ends_at": NOW + HOUR}, True),
    ({"status": "active", "starts_at": NOW + HOUR, "ends_at": None}, False),
    ({"status": "active", "starts_at": None, "ends_at": NOW}, False),  # ends_at is exclusive
    ({"status": "paused", "starts_at": None, "ends_at": None}, False),
])
def test_claim_window(fields, claimable):
    assert is_claimable(Coupon(**fields), NOW) is claimable


VALID = {"name": "Welcome", "discount_type": "fixed", "discount_value": 3000, "quantity": 100}


def test_valid_fields_are_normalised_with_defaults():
    assert validate_coupon_fields(**{**VALID, "name": "  Welcome  "}) == {
        "name": "Welcome", "discount_type": "fixed", "discount_value": 3000,
        "max_discount": None, "min_order_amount": 0, "quantity": 100, "remaining": 100,
        "starts_at": None, "ends_at": None, "valid_days": 7,
    }


def test_percent_with_a_cap_and_a_window_is_valid():
    fields = validate_coupon_fields(
        name="Ten", discount_type="percent", discount_value=100, max_discount=1,
        min_order_amount=100_000_000, quantity=1_000_000, starts_at=NOW, ends_at=NOW + HOUR,
        valid_days=365,
    )
    assert (fields["discount_value"], fields["max_discount"], fields["quantity"]) == (100, 1, 1_000_000)


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"name": None}, "name"),
    ({"name": 5}, "name"),
    ({"discount_type": "bogo"}, "discount_type"),
    ({"discount_type": None}, "discount_type"),
    ({"discount_value": 0}, "discount_value"),
    ({"discount_value": -1}, "discount_value"),
    ({"discount_value": 1.5}, "discount_value"),
    ({"discount_value": "1000"}, "discount_value"),
    ({"discount_value": True}, "discount_value"),
    ({"discount_value": 10**20}, "discount_value"),
    ({"discount_type": "percent", "discount_value": 101}, "discount_value"),
    ({"discount_type": "percent", "discount_value": 10, "max_discount": 0}, "max_discount"),
    ({"discount_type": "percent", "discount_value": 10, "max_discount": 2.5}, "max_discount"),
    ({"max_discount": 500}, "max_discount"),  # a cap only makes sense for percent
    ({"min_order_amount": -1}, "min_order_amount"),
    ({"min_order_amount": None}, "min_order_amount"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 1_000_001}, "quantity"),
    ({"quantity": "10"}, "quantity"),
    ({"starts_at": NOW, "ends_at": NOW}, "ends_at"),
    ({"starts_at": NOW + HOUR, "ends_at": NOW}, "ends_at"),
    ({"starts_at": datetime(2026, 11, 25)}, "starts_at"),  # naive: which time zone?
    ({"ends_at": "2026-11-25T00:00:00+00:00"}, "ends_at"),
    ({"valid_days": 0}, "valid_days"),
    ({"valid_days": 366}, "valid_days"),
    ({"valid_days": None}, "valid_days"),
])
def test_bad_fields_are_refused_naming_the_field(changes, field):
    with pytest.raises(InvalidInput) as caught:
        validate_coupon_fields(**{**VALID, **changes})
    assert caught.value.field == field
    assert caught.value.code == "invalid_input"
