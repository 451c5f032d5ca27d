"""Coupon rules without a database: discounts, statuses, the claim window, field validation."""

from datetime import UTC, datetime, timedelta

import pytest

from app.coupons.admin import validate_coupon_fields
from app.coupons.models import Coupon, UserCoupon
from app.coupons.rules import is_claimable, user_coupon_status
from app.coupons.usage import coupon_discount
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


def _user_coupon(expires_at, used_order_id=None, coupon_status="active"):
    return UserCoupon(expires_at=expires_at, used_order_id=used_order_id,
                      coupon=Coupon(status=coupon_status))


@pytest.mark.parametrize("user_coupon, status", [
    (_user_coupon(NOW + timedelta(seconds=1)), "available"),
    (_user_coupon(NOW), "expired"),  # expires_at is the first moment it no longer works
    (_user_coupon(NOW - timedelta(days=1)), "expired"),
    (_user_coupon(NOW + timedelta(days=1), used_order_id=7), "used"),
    (_user_coupon(NOW - timedelta(days=1), used_order_id=7), "used"),  # used wins over expired
    # The shop paused the coupon: unusable until it resumes; used and expired say more.
    (_user_coupon(NOW + timedelta(days=1), coupon_status="paused"), "paused"),
    (_user_coupon(NOW, coupon_status="paused"), "expired"),
    (_user_coupon(NOW + timedelta(days=1), used_order_id=7, coupon_status="paused"), "used"),
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


@pytest.fixture
def words(app):
    """The refusals are sentences in the request's language (English here): a request
    context, no database."""
    with app.test_request_context():
        yield


def test_valid_fields_are_normalised_with_defaults():
    assert validate_coupon_fields(**{**VALID, "name": "  Welcome  "}) == {
        "name": "Welcome", "name_en": None, "discount_type": "fixed", "discount_value": 3000,
        "max_discount": None, "min_order_amount": 0, "quantity": 100, "remaining": 100,
        "starts_at": None, "ends_at": None, "valid_days": 7,
    }


@pytest.mark.parametrize("name_en, stored", [(None, None), ("", None), ("  ", None),
                                             (" Welcome ", "Welcome"), ("x" * 120, "x" * 120)])
def test_the_english_name_is_optional_and_trimmed(name_en, stored):
    fields = validate_coupon_fields(**{**VALID, "name": "환영 쿠폰", "name_en": name_en})
    assert (fields["name"], fields["name_en"]) == ("환영 쿠폰", stored)


@pytest.mark.parametrize("name_en", ["x" * 121, 5, ["Welcome"], "Wel\x00come"])
def test_a_bad_english_name_is_refused_naming_its_field(words, name_en):
    with pytest.raises(InvalidInput) as caught:
        validate_coupon_fields(**{**VALID, "name_en": name_en})
    assert caught.value.field == "name_en"


@pytest.mark.parametrize("starts_at, ends_at", [
    (datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)),
    (datetime.fromisoformat("2000-01-01T09:00:00+09:00"), None),
])
def test_a_window_at_the_edges_of_the_sane_range_is_valid(starts_at, ends_at):
    fields = validate_coupon_fields(**VALID, starts_at=starts_at, ends_at=ends_at)
    assert (fields["starts_at"], fields["ends_at"]) == (starts_at, ends_at)


@pytest.mark.parametrize("value, minimum", [(3000, 3000), (3000, 0), (3000, 50_000)])
def test_a_fixed_discount_up_to_its_minimum_or_without_one_is_valid(value, minimum):
    fields = validate_coupon_fields(**{**VALID, "discount_value": value,
                                       "min_order_amount": minimum})
    assert (fields["discount_value"], fields["min_order_amount"]) == (value, minimum)


def test_a_fixed_discount_above_its_minimum_says_why(words):
    with pytest.raises(InvalidInput) as caught:
        validate_coupon_fields(**{**VALID, "discount_value": 50_000, "min_order_amount": 1_000})
    assert caught.value.detail == (
        "A fixed discount of ₩50,000 is more than the minimum order of ₩1,000, so some "
        "orders would be free: lower the discount or raise the minimum to at least ₩50,000.")


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
    # Outside 2000-01-01..2200-01-01 UTC; near year 1 or 9999 converting to UTC overflows.
    ({"ends_at": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)}, "ends_at"),
    ({"ends_at": datetime.fromisoformat("9999-12-31T23:59:59-23:59")}, "ends_at"),
    ({"starts_at": datetime.fromisoformat("0001-01-01T00:00:00+23:59")}, "starts_at"),
    ({"starts_at": datetime(1999, 12, 31, 23, 59, tzinfo=UTC)}, "starts_at"),
    ({"ends_at": datetime(2200, 1, 1, 0, 0, 1, tzinfo=UTC)}, "ends_at"),
    # A fixed discount above the minimum order would make the orders in between free.
    ({"discount_value": 50_000, "min_order_amount": 1_000}, "discount_value"),
    ({"discount_value": 3_001, "min_order_amount": 3_000}, "discount_value"),
])
def test_bad_fields_are_refused_naming_the_field(words, changes, field):
    with pytest.raises(InvalidInput) as caught:
        validate_coupon_fields(**{**VALID, **changes})
    assert caught.value.field == field
    assert caught.value.code == "invalid_input"
