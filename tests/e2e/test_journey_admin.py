"""In Chromium: an admin stocks a product and a coupon, a shopper buys and claims them, and
the admin sees the order, the sales chart (screenshot kept) and the stock movement."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def _log_in(page, base_url, user):
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Welcome back")


@pytest.mark.slow
def test_admin_stocks_shopper_buys_admin_sees_it(page, browser, base_url, make_user,
                                                 output_path):
    admin = make_user(is_admin=True, name="Ada Admin", email="ada@storefront.test")
    shopper = make_user(balance=50_000, name="Kim", email="kim@storefront.test")

    # The admin creates a product…
    _log_in(page, base_url, admin)
    page.get_by_role("link", name="Admin").click()
    expect(page).to_have_url(f"{base_url}/admin")
    page.get_by_test_id("admin-nav").get_by_role("link", name="Inventory").click()
    page.get_by_role("link", name="New product").click()
    page.get_by_label("Name (Korean)").fill("Hand-thrown teapot")
    page.get_by_label("Price (won)").fill("12000")
    page.get_by_label("Initial stock").fill("6")
    page.get_by_label("Description (Korean)").fill("Stoneware, 600 ml.")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("alert")).to_contain_text("Created Hand-thrown teapot with 6 in stock.")
    expect(page.get_by_test_id("stock")).to_have_text("6")
    product_url = page.url
    product_id = int(product_url.rsplit("/", 1)[1])

    # …and a coupon.
    page.get_by_test_id("admin-nav").get_by_role("link", name="Coupons").click()
    form = page.get_by_test_id("coupon-form")
    form.get_by_label("Name (Korean)").fill("Teapot ₩2,000 off")
    form.get_by_label("Discount type").select_option("fixed")
    form.get_by_label("Discount value").fill("2000")
    form.get_by_label("Minimum order (won)").fill("10000")
    form.get_by_label("Copies").fill("3")
    form.get_by_label("Days valid after claiming").fill("7")
    form.get_by_role("button", name="Create coupon").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Created coupon Teapot ₩2,000 off (3 copies).")

    # A shopper, in their own browser, finds both, claims the coupon and buys two teapots.
    shop = browser.new_context()
    try:
        buyer = shop.new_page()
        _log_in(buyer, base_url, shopper)
        buyer.goto(f"{base_url}/products")
        buyer.get_by_role("link", name="Hand-thrown teapot").first.click()
        expect(buyer).to_have_url(f"{base_url}/products/{product_id}")
        buyer.goto(f"{base_url}/coupons")
        card = buyer.get_by_test_id("claimable-coupons").locator(
            ".card", has_text="Teapot ₩2,000 off")
        card.get_by_role("button", name="Claim").click()
        expect(buyer.get_by_role("alert")).to_contain_text("is yours")
        buyer.goto(f"{base_url}/products/{product_id}")
        buyer.get_by_label("Quantity").fill("2")
        buyer.get_by_role("button", name="Add to cart").click()
        expect(buyer.get_by_test_id("subtotal")).to_have_text("₩24,000")
        buyer.get_by_test_id("go-to-checkout").click()
        picker = buyer.get_by_label("Coupon")
        picker.select_option(picker.locator("option", has_text="Teapot").get_attribute("value"))
        buyer.get_by_role("button", name="Apply").click()
        expect(buyer.get_by_test_id("total")).to_have_text("₩22,000")
        buyer.get_by_role("button", name="Pay with points").click()
        expect(buyer).to_have_url(re.compile(r"/orders/\d+$"))
        order_id = int(buyer.url.rsplit("/", 1)[1])
    finally:
        shop.close()

    # The admin sees the order on the dashboard, and the chart.
    page.get_by_test_id("admin-nav").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("today-count")).to_have_text("1")
    expect(page.get_by_test_id("today-revenue")).to_have_text("₩22,000")
    chart = page.get_by_test_id("sales-chart")
    expect(chart.locator("rect")).to_have_count(14)
    expect(chart.locator('rect[data-revenue="22000"]')).to_have_count(1)
    expect(chart.locator('circle[data-units="2"]')).to_have_count(1)
    expect(page.get_by_test_id("admin-best-sellers")).to_contain_text("Hand-thrown teapot")
    artifacts = Path(output_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=artifacts / "admin-dashboard.png", full_page=True)
    chart.screenshot(path=artifacts / "sales-chart.png")
    assert (artifacts / "sales-chart.png").stat().st_size > 1_000

    page.get_by_test_id("today-orders").get_by_role("link", name=f"#{order_id}").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("order-lines")).to_contain_text("Hand-thrown teapot")
    expect(page.get_by_text("kim@storefront.test")).to_be_visible()

    # The coupon's counts, and the product's stock movement.
    page.get_by_test_id("admin-nav").get_by_role("link", name="Coupons").click()
    row = page.get_by_test_id("coupons").locator("tr", has_text="Teapot ₩2,000 off")
    expect(row.get_by_test_id("claimed")).to_have_text("1")
    expect(row.get_by_test_id("used")).to_have_text("1")
    expect(row).to_contain_text("2 / 3")

    page.goto(product_url)
    expect(page.get_by_test_id("stock")).to_have_text("4")
    movements = page.get_by_test_id("movements").locator("tbody tr")
    expect(movements).to_have_count(2)
    expect(movements.nth(0)).to_contain_text("Sale")
    expect(movements.nth(0)).to_contain_text("\u22122")  # a true minus sign
    expect(movements.nth(0)).to_contain_text("kim@storefront.test")
    expect(movements.nth(0).get_by_role("link", name=f"#{order_id}")).to_be_visible()
    expect(movements.nth(1)).to_contain_text("Initial stock")
    expect(movements.nth(1)).to_contain_text("ada@storefront.test")

    # A receipt through the adjustment form lands in the ledger too.
    adjust = page.get_by_test_id("adjust-form")
    adjust.get_by_label("Kind").select_option("receipt")
    adjust.get_by_label("Change").fill("10")
    adjust.get_by_label("Reason").fill("kiln batch 7")
    adjust.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_contain_text("Stock is now 14.")
    expect(movements.nth(0)).to_contain_text("kiln batch 7")
