"""In Chromium: claim a coupon, fill the cart, pay with it, cancel and get the points back."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_claim_buy_with_coupon_and_cancel(page, base_url, make_user, make_product, make_coupon):
    user = make_user(balance=50_000)
    mug = make_product(name="Ceramic mug", price=8_000, stock=5)
    tea = make_product(name="Green tea", price=6_000, stock=10)
    lamp = make_product(name="Paper lamp", price=20_000, stock=0)
    make_coupon(name="Spring 5000", discount_value=5_000, min_order_amount=10_000, quantity=5)

    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-balance")).to_contain_text("₩50,000")

    # Claim the coupon on the coupons page.
    page.goto(f"{base_url}/coupons")
    card = page.get_by_test_id("claimable-coupons").locator(".card", has_text="Spring 5000")
    card.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("alert")).to_contain_text("Spring 5000 is yours")

    # A sold-out product offers no usable button.
    page.goto(f"{base_url}/products/{lamp.id}")
    expect(page.get_by_test_id("add-to-cart-disabled")).to_be_disabled()
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)

    # Two products into the cart.
    page.goto(f"{base_url}/products/{mug.id}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{base_url}/cart")
    page.goto(f"{base_url}/products/{tea.id}")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    expect(page.get_by_test_id("subtotal")).to_have_text("₩20,000")

    # Checkout with the coupon.
    page.get_by_test_id("go-to-checkout").click()
    expect(page).to_have_url(f"{base_url}/checkout")
    picker = page.get_by_label("Coupon")
    picker.select_option(picker.locator("option", has_text="Spring 5000").get_attribute("value"))
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("discount")).to_have_text("−₩5,000")
    expect(page.get_by_test_id("total")).to_have_text("₩15,000")
    expect(page.get_by_test_id("balance-after")).to_have_text("₩35,000")
    page.get_by_role("button", name="Pay with points").click()

    # The order page shows the discount and the new balance.
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    expect(page.get_by_role("alert")).to_contain_text("is paid: 15,000 won in points")
    expect(page.get_by_test_id("discount")).to_have_text("−₩5,000")
    expect(page.get_by_test_id("total")).to_have_text("₩15,000")
    expect(page.get_by_test_id("payment-balance-after")).to_have_text("₩35,000")
    expect(page.get_by_test_id("nav-balance")).to_contain_text("₩35,000")
    expect(page.get_by_test_id("order-lines")).to_contain_text("Ceramic mug")
    expect(page.get_by_test_id("order-lines")).to_contain_text("Green tea")

    # Cancelling restores the balance.
    page.get_by_role("button", name="Cancel order and refund points").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")
    expect(page.get_by_test_id("refund-balance-after")).to_have_text("₩50,000")
    expect(page.get_by_test_id("nav-balance")).to_contain_text("₩50,000")
    expect(page.get_by_role("button", name="Cancel order and refund points")).to_have_count(0)

    # The coupon is available again and the stock is back.
    page.goto(f"{base_url}/coupons")
    expect(page.get_by_test_id("my-coupons").get_by_role("row", name=re.compile("Spring 5000"))
           ).to_contain_text("Available")
    page.goto(f"{base_url}/products/{mug.id}")
    expect(page.get_by_test_id("stock")).to_contain_text("Only 5 left")
