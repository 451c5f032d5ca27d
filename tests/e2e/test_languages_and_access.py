"""Issue 15's acceptance journeys, each in Korean on a 390×844 phone and in English on a
1280×800 desktop, on the Korean-first demo shop. Every page they reach must pass
tests/e2e/checks.py (no sideways scroll, no console error, no CSP violation, no serious or
critical axe violation); a screenshot of each is kept under test-results/.

Buttons and labels are found by the words the shopper reads, in the journey's language
(``words``, from the app's own catalog), or by data-testid.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.catalog.models import Product
from app.coupons.models import Coupon
from app.extensions import db
from app.shop import demo
from tests.e2e.checks import assert_page_ok, assert_pages_ok
from tests.helpers import bearer_header

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def demo_shop(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def _id_of(app, model, name: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(model.id).where(model.name == name))
        db.session.remove()
    assert found is not None, name
    return found


def _in(words, korean: str, english: str) -> str:
    return korean if words.locale == "ko" else english


def _demo_order(client, app) -> int:
    """The demo shopper buys two mugs through the API: an order for the admin to find."""
    token = client.post("/api/v1/tokens", json={"email": demo.SHOPPER_EMAIL,
                                                "password": demo.SHOPPER_PASSWORD})
    mug = _id_of(app, Product, "세라믹 머그컵 (청자 유약)")
    order = client.post("/api/v1/orders", json={"items": [{"product_id": mug, "quantity": 2}]},
                        headers=bearer_header(token.get_json()["token"]))
    assert order.status_code == 201, order.get_data(as_text=True)
    return order.get_json()["id"]


def _log_in(page: Page, words, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    assert_page_ok(page, "login")
    page.get_by_label(words("Email")).fill(email)
    page.get_by_label(words("Password")).fill(password)
    page.get_by_role("button", name=words("Log in"), exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_shopper_signs_up_tops_up_claims_buys_and_cancels(shop_page, words, base_url, app,
                                                          demo_shop):
    page, w = shop_page, words
    beans = demo.PRODUCTS[10]
    welcome = demo.COUPONS[0]
    page.goto(f"{base_url}/")
    assert_page_ok(page, "home")

    page.goto(f"{base_url}/signup")
    assert_page_ok(page, "signup")
    page.get_by_label(w("Name")).fill(_in(w, "김민지", "Minji Kim"))
    page.get_by_label(w("Email")).fill(f"minji-{w.locale}@example.com")
    page.get_by_label(w("Password"), exact=True).fill("long-enough-pw")
    page.get_by_label(w("Repeat password")).fill("long-enough-pw")
    page.get_by_role("button", name=w("Create account")).click()
    expect(page).to_have_url(f"{base_url}/wallet")
    expect(page.locator("html")).to_have_attribute("lang", w.locale)
    assert_page_ok(page, "wallet-new")

    page.get_by_label(w("Amount (won)")).fill("50000")
    page.get_by_role("button", name=w("Top up"), exact=True).click()
    expect(page.get_by_test_id("balance")).to_have_text("₩50,000")
    assert_page_ok(page, "wallet-topped-up")

    page.goto(f"{base_url}/coupons")
    assert_page_ok(page, "coupons")
    card = page.get_by_test_id(f"coupon-{_id_of(app, Coupon, welcome.name)}")
    expect(card).to_contain_text(_in(w, welcome.name, welcome.name_en))
    card.get_by_role("button", name=w("Claim")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_page_ok(page, "coupon-claimed")

    page.goto(f"{base_url}/products?q={_in(w, '커피', 'coffee')}")
    assert_page_ok(page, "search")
    page.get_by_role("link", name=_in(w, beans.name, beans.name_en)).first.click()
    expect(page).to_have_url(re.compile(r"/products/\d+$"))
    assert_page_ok(page, "product")
    page.get_by_label(w("Quantity")).fill("2")
    page.get_by_role("button", name=w("Add to cart")).click()
    expect(page).to_have_url(f"{base_url}/cart")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(page.get_by_test_id("subtotal")).to_have_text("₩27,000")
    assert_page_ok(page, "cart")

    page.get_by_test_id("go-to-checkout").click()
    expect(page).to_have_url(f"{base_url}/checkout")
    assert_page_ok(page, "checkout")
    picker = page.get_by_label(w("Coupon"))
    picker.select_option(picker.locator(
        "option", has_text=_in(w, welcome.name, welcome.name_en)).get_attribute("value"))
    page.get_by_role("button", name=w("Apply")).click()
    expect(page.get_by_test_id("total")).to_have_text("₩24,000")
    assert_page_ok(page, "checkout-with-coupon")
    page.get_by_test_id("pay").click()

    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    expect(page.get_by_test_id("total")).to_have_text("₩24,000")
    expect(page.get_by_test_id("nav-balance")).to_contain_text("₩26,000")
    assert_page_ok(page, "order-paid")
    page.get_by_test_id("cancel-order").click()
    expect(page.get_by_test_id("order-status")).to_have_text(w("Cancelled"))
    expect(page.get_by_test_id("nav-balance")).to_contain_text("₩50,000")
    assert_page_ok(page, "order-cancelled")

    page.goto(f"{base_url}/orders")
    expect(page.get_by_role("link", name=re.compile(r"#\d+"))).to_have_count(1)
    assert_page_ok(page, "orders")
    assert_pages_ok(page)


def test_admin_creates_a_bilingual_product_receives_stock_and_sees_the_order(
        shop_page, words, base_url, app, client, demo_shop):
    page, w = shop_page, words
    order_id = _demo_order(client, app)
    _log_in(page, w, base_url, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)

    page.goto(f"{base_url}/admin")
    assert_page_ok(page, "admin-dashboard")
    page.goto(f"{base_url}/admin/products")
    assert_page_ok(page, "admin-inventory")
    page.get_by_role("link", name=w("New product")).click()
    expect(page).to_have_url(f"{base_url}/admin/products/new")
    assert_page_ok(page, "admin-new-product")
    form = page.get_by_test_id("product-form")
    form.get_by_label(w("Name (Korean)")).fill("수제 다관 600ml")
    form.get_by_label(w("Name (English, optional)")).fill("Hand-thrown teapot, 600 ml")
    form.get_by_label(w("Price (won)")).fill("42000")
    form.get_by_label(w("Initial stock")).fill("6")
    form.get_by_label(w("Description (Korean)")).fill("물레로 빚은 600ml 다관이에요.")
    form.get_by_label(w("Description (English, optional)")).fill("A 600 ml stoneware teapot.")
    form.get_by_role("button", name=w("Create product")).click()
    expect(page).to_have_url(re.compile(r"/admin/products/\d+$"))
    expect(page.get_by_test_id("stock")).to_have_text("6")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        _in(w, "수제 다관 600ml", "Hand-thrown teapot, 600 ml"))
    assert_page_ok(page, "admin-product")

    adjust = page.get_by_test_id("adjust-form")
    adjust.get_by_label(w("Kind")).select_option("receipt")
    adjust.get_by_label(w("Change")).fill("5")
    adjust.get_by_label(w("Reason")).fill(_in(w, "거래처 입고", "Delivery from the potter"))
    adjust.get_by_role("button", name=w("Apply")).click()
    expect(page.get_by_test_id("stock")).to_have_text("11")
    expect(page.get_by_test_id("movements").locator("tbody tr")).to_have_count(2)
    assert_page_ok(page, "admin-stock-received")

    page.goto(f"{base_url}/admin/orders")
    assert_page_ok(page, "admin-orders")
    page.get_by_role("link", name=f"#{order_id}", exact=True).first.click()
    expect(page).to_have_url(f"{base_url}/admin/orders/{order_id}")
    expect(page.get_by_text(demo.SHOPPER_EMAIL).first).to_be_visible()
    assert_page_ok(page, "admin-order")

    for path, name in [("/admin/coupons", "admin-coupons"), ("/admin/exports", "admin-exports"),
                       ("/admin/stock-import", "admin-stock-import")]:
        page.goto(f"{base_url}{path}")
        assert_page_ok(page, name)
    assert_pages_ok(page)


def test_every_page_kind_passes_the_checks(shop_page, words, base_url, app, client,
                                           demo_shop):
    page, w = shop_page, words
    _demo_order(client, app)  # so best sellers and the home page list something
    mug = _id_of(app, Product, "세라믹 머그컵 (청자 유약)")

    for path, name in [("/", "home"), ("/products", "products"),
                       (f"/products/{mug}", "product"), ("/best-sellers", "best-sellers"),
                       ("/coupons", "coupons"), ("/login", "login"), ("/signup", "signup")]:
        page.goto(f"{base_url}{path}")
        expect(page.locator("html")).to_have_attribute("lang", w.locale)
        assert_page_ok(page, name)
    page.goto(f"{base_url}/products/999999")
    assert_page_ok(page, "not-found", status=404)

    _log_in(page, w, base_url, demo.SHOPPER_EMAIL, demo.SHOPPER_PASSWORD)
    for path, name in [("/wallet", "wallet"), ("/coupons", "coupons-signed-in"),
                       ("/cart", "cart-empty"), ("/orders", "orders")]:
        page.goto(f"{base_url}{path}")
        assert_page_ok(page, name)
    assert_pages_ok(page)
