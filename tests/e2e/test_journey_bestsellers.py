"""In Chromium: the home page's best sellers follow the orders, including one paid in the browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.mark.slow
def test_home_page_best_sellers_follow_the_orders(page, app, base_url, make_user, make_product,
                                                  shopper, buy, cancel, monkeypatch):
    # Recompute on every request here; the 60-second rule is tested in the integration tests.
    monkeypatch.setitem(app.config, "BEST_SELLERS_TTL", 0)
    kettle = make_product(name="Copper kettle", price=39_000, stock=50)
    mug = make_product(name="Ceramic mug", price=8_000, stock=50)
    tea = make_product(name="Green tea", price=6_000, stock=50)
    old = make_product(name="Old favourite", price=1_000, stock=50)
    returned = make_product(name="Returned lamp", price=20_000, stock=50)
    buy(shopper, {kettle: 4}, days_ago=1)
    buy(shopper, {mug: 2, tea: 2})
    buy(shopper, {old: 9}, days_ago=4)
    cancel(shopper, buy(shopper, {returned: 5}))

    page.goto(base_url)
    section = page.get_by_test_id("best-sellers")
    expect(section.get_by_test_id("best-seller-name")).to_have_text(
        ["Copper kettle", "Ceramic mug", "Green tea"])
    expect(section.get_by_test_id("units-sold")).to_have_text(["4 sold", "2 sold", "2 sold"])

    # A shopper buys three teas in the browser: tea moves to the top.
    user = make_user(balance=100_000)
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base_url}/products/{tea.id}")
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_test_id("go-to-checkout").click()
    page.get_by_role("button", name="Pay with points").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))

    page.goto(base_url)
    expect(section.get_by_test_id("best-seller-name")).to_have_text(
        ["Green tea", "Copper kettle", "Ceramic mug"])
    expect(section.get_by_test_id("units-sold")).to_have_text(["5 sold", "4 sold", "2 sold"])

    section.get_by_role("link", name="See the ranking").click()
    expect(page).to_have_url(f"{base_url}/best-sellers")
    expect(page.get_by_test_id("best-seller-name")).to_have_text(
        ["Green tea", "Copper kettle", "Ceramic mug"])
