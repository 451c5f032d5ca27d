"""A shopper claims a coupon in Chromium, sees it under "My coupons", and cannot claim twice."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

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
