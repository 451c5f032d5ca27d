"""A shopper claims a coupon in Chromium, sees it under "My coupons", and cannot claim twice."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.db import utcnow
from tests.conftest import PASSWORD
from tests.e2e.checks import assert_page_ok, assert_pages_ok

pytestmark = pytest.mark.e2e


def test_claim_a_coupon_and_not_twice(page, base_url, make_user, make_coupon):
    user = make_user()
    make_coupon(name="Welcome 3000", discount_value=3000, quantity=20, valid_days=7)

    # Anonymous: the Claim button leads to the login page, then back to the coupons.
    page.goto(f"{base_url}/coupons")
    card = page.get_by_test_id("claimable-coupons").locator(".card", has_text="Welcome 3000")
    expect(card.get_by_test_id("remaining")).to_have_text("20")
    card.get_by_role("button", name="Claim").click()
    expect(page).to_have_url(re.compile(r"/login\?next=/coupons$"))
    expect(page.get_by_role("alert")).to_contain_text("Please log in to claim coupons.")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/coupons")

    # A second tab, opened before the claim, still shows the Claim button.
    other_tab = page.context.new_page()
    other_tab.goto(f"{base_url}/coupons")

    card.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("alert")).to_contain_text("Welcome 3000 is yours. Use it by")
    expect(card.get_by_test_id("remaining")).to_have_text("19")
    expect(card).to_contain_text("Claimed")
    mine = page.get_by_test_id("my-coupons")
    expect(mine.get_by_role("row", name=re.compile("Welcome 3000"))).to_contain_text("Available")

    other_tab.get_by_role("button", name="Claim").click()
    expect(other_tab.get_by_role("alert")).to_contain_text("You have already claimed Welcome 3000.")
    expect(other_tab.get_by_test_id("claimable-coupons").get_by_test_id("remaining")).to_have_text("19")
    expect(other_tab.get_by_test_id("my-coupons").get_by_role("row")).to_have_count(2)  # header + 1


def test_the_coupons_page_passes_the_page_checks(shop_page, words, base_url, app, make_user,
                                                 make_coupon, make_user_coupon):
    """Claimable coupons and My coupons in every status, in Korean on a phone and in English
    on a desktop: names and amounts in the page's language, nothing wider than the screen,
    no console error or CSP violation, no serious axe finding, tap targets of 44 px."""
    page, w, language = shop_page, words, words.locale
    shopper = make_user()
    now = utcnow()
    percent = make_coupon(name="가을 맞이 10% 할인", name_en="Autumn 10% off",
                          discount_type="percent", discount_value=10, max_discount=5_000,
                          min_order_amount=28_700, quantity=50, valid_days=1)
    make_coupon(name="매진 쿠폰", name_en="Sold-out coupon", quantity=5, remaining=0)
    for name, name_en, state in [("사용한 쿠폰", "Used coupon", "used"),
                                 ("일시 중지 쿠폰", None, "paused"),
                                 ("만료된 쿠폰", "Expired coupon", "expired")]:
        coupon = make_coupon(name=name, name_en=name_en,
                             status="paused" if state == "paused" else "active")
        make_user_coupon(shopper, coupon, used=state == "used",
                         expires_at=now - timedelta(days=1) if state == "expired" else None)

    page.goto(f"{base_url}/coupons")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_test_id("my-coupons")).to_contain_text(
        w("Log in to claim coupons and see yours."))
    assert_page_ok(page, "coupons-anonymous")

    page.goto(f"{base_url}/login?next=/coupons")
    page.get_by_label(w("Email")).fill(shopper.email)
    page.get_by_label(w("Password")).fill(PASSWORD)
    page.get_by_test_id("login-form").get_by_role("button", name=w("Log in")).click()
    expect(page).to_have_url(f"{base_url}/coupons")

    card = page.get_by_test_id(f"coupon-{percent.id}")
    shown = "가을 맞이 10% 할인" if language == "ko" else "Autumn 10% off"
    expect(card.get_by_role("heading")).to_have_text(shown)
    minimum = "28,700원" if language == "ko" else "₩28,700"
    expect(card).to_contain_text(w("On orders of %(amount)s or more", amount=minimum))
    card.get_by_role("button", name=w("Claim")).click()
    expect(page.get_by_role("alert")).to_contain_text(shown)
    expect(card).to_contain_text(w("Claimed"))

    mine = page.get_by_test_id("my-coupons")
    for name, status in [(shown, "Available"), ("Used coupon", "Used"),
                         ("일시 중지 쿠폰", "Paused"), ("Expired coupon", "Expired")]:
        if language == "ko":
            name = {"Used coupon": "사용한 쿠폰", "Expired coupon": "만료된 쿠폰"}.get(name, name)
        expect(mine.get_by_role("row", name=re.compile(re.escape(name)))).to_contain_text(
            w(status))
    small = page.evaluate("""() => [...document.querySelectorAll('main button, main a.btn')]
      .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
      .map((el) => el.outerHTML.slice(0, 80))""")
    assert small == []
    assert_page_ok(page, "coupons-mine")
    assert_pages_ok(page)
