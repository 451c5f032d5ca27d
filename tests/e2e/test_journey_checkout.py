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
    expect(page.get_by_role("alert")).to_contain_text("is paid: ₩15,000 in points")
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


def _log_in(page, base_url, user):
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-balance")).to_be_visible()


def test_on_a_phone_the_cart_is_stacked_and_its_total_stays_in_reach(page, app, base_url,
                                                                     make_user, make_product):
    from app.cart.models import CartItem
    from app.db import transaction

    page.set_viewport_size({"width": 390, "height": 640})
    user = make_user(balance=500_000)
    teas = [make_product(name=f"Boseong first-flush green tea gift box No. {n} (large)",
                         price=129_000, stock=20) for n in range(5)]
    with app.app_context(), transaction() as uow:
        uow.session.add_all(CartItem(user_id=user.id, product_id=tea.id, quantity=1)
                            for tea in teas)
    _log_in(page, base_url, user)
    # The cart and its count stay in the header, outside the collapsed menu.
    expect(page.get_by_role("link", name="Cart, 5 items")).to_be_visible()

    page.goto(f"{base_url}/cart")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    lines = page.get_by_test_id("cart-line")
    expect(lines).to_have_count(5)
    first = lines.first
    controls = [first.get_by_test_id("decrease"), first.get_by_label(re.compile("^Quantity of")),
                first.get_by_test_id("increase"), first.get_by_role("button", name="Update"),
                first.get_by_role("button", name=re.compile("^Remove"))]
    for part in [*controls, first.get_by_test_id("line-total")]:
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert all(control.bounding_box()["height"] >= 44 for control in controls)

    # Five lines are taller than the screen: the subtotal and Check out wait at its bottom.
    bar = page.get_by_test_id("cart-bar")
    box = bar.bounding_box()
    assert box is not None and abs(box["y"] + box["height"] - 640) <= 1
    expect(bar.get_by_test_id("go-to-checkout")).to_be_in_viewport()

    # The stepper works without typing: + posts one more.
    first.get_by_test_id("increase").click()
    expect(page.get_by_role("alert")).to_contain_text("Quantity updated.")
    expect(page.get_by_test_id("cart-line").first.get_by_label(re.compile("^Quantity of"))
           ).to_have_value("2")
    expect(page.get_by_test_id("subtotal")).to_have_text("₩774,000")

    # At the end of the page the bar sits below the last line instead of covering it.
    # "instant": Bootstrap makes scrolling smooth, and a box read mid-animation is anywhere.
    page.evaluate("window.scrollTo({top: document.body.scrollHeight, behavior: 'instant'})")
    last = page.get_by_test_id("cart-line").last.bounding_box()
    assert last is not None and last["y"] + last["height"] <= bar.bounding_box()["y"]

    page.get_by_test_id("go-to-checkout").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    pay = page.get_by_test_id("pay")
    expect(pay).to_be_in_viewport()
    expect(page.get_by_test_id("total")).to_have_text("₩774,000")
