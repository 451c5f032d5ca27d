"""Money and moments as each language writes them (app/formatting.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from app.formatting import format_local_date, format_local_time, format_won, format_won_text

LARGEST_BALANCE = 9_223_372_036_854_775_807  # a BIGINT column's largest value


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("locale, value, shown", [
    ("ko", 12_900, "₩12,900"), ("en", 12_900, "₩12,900"),
    ("ko", 0, "₩0"),
    ("ko", -171_700, "\u2212₩171,700"), ("en", -171_700, "\u2212₩171,700"),
    ("ko", LARGEST_BALANCE, "₩9,223,372,036,854,775,807"),
    ("en", -LARGEST_BALANCE, "\u2212₩9,223,372,036,854,775,807"),
])
def test_an_amount_on_its_own(in_request, locale, value, shown):
    with force_locale(locale):
        assert format_won(value) == shown


@pytest.mark.parametrize("locale, value, shown", [
    ("ko", 28_700, "28,700원"), ("en", 28_700, "₩28,700"),
    ("ko", -3_000, "\u22123,000원"), ("en", -3_000, "\u2212₩3,000"),
    ("ko", LARGEST_BALANCE, "9,223,372,036,854,775,807원"),
])
def test_an_amount_inside_a_sentence(in_request, locale, value, shown):
    with force_locale(locale):
        assert format_won_text(value) == shown


@pytest.mark.parametrize("locale, value, time, date", [
    # 05:05 UTC is 14:05 in Seoul, the shop's time zone.
    ("ko", datetime(2026, 12, 2, 5, 5, tzinfo=UTC), "2026년 12월 2일 (수) 14:05", "2026년 12월 2일 (수)"),
    ("en", datetime(2026, 12, 2, 5, 5, tzinfo=UTC), "Wed, Dec 2, 2026, 14:05", "Wed, Dec 2, 2026"),
    # 20:00 UTC is already the next day in Seoul.
    ("ko", datetime(2026, 12, 1, 20, 0, tzinfo=UTC), "2026년 12월 2일 (수) 05:00", "2026년 12월 2일 (수)"),
    # Moments that overflow when converted show in their own zone, named, and never raise.
    ("en", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "Fri, Dec 31, 9999, 23:59 UTC",
     "Fri, Dec 31, 9999 UTC"),
    ("ko", datetime.fromisoformat("0001-01-01T00:00:00+23:59"), "1년 1월 1일 (월) 00:00 UTC+23:59",
     "1년 1월 1일 (월) UTC+23:59"),
    ("en", datetime.fromisoformat("9999-12-31T23:59:59-23:59"),
     "Fri, Dec 31, 9999, 23:59 UTC-23:59", "Fri, Dec 31, 9999 UTC-23:59"),
])
def test_moments_in_the_shops_time_zone(in_request, locale, value, time, date):
    with force_locale(locale):
        assert format_local_time(value) == time
        assert format_local_date(value) == date


def test_no_moment_shows_nothing(in_request):
    assert format_local_time(None) == "" and format_local_date(None) == ""
