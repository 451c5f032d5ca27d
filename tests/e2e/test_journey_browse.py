"""Browsing in Chromium: from the home page to a search, to one product."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def shelves(make_product):
    """A few products; two of them match "mug", one of those sold out."""
    return {
        "mug": make_product(name="Blue Ceramic Mug", price=12_900, stock=25,
                            description="Holds 350 ml.\n\nDishwasher safe."),
        "sold_out_mug": make_product(name="Enamel Camping Mug", price=8_500, stock=0),
        "kettle": make_product(name="Stovetop Kettle", price=39_000, stock=3),
        "towel": make_product(name="Linen Tea Towel", price=9_900, stock=40),
    }


def test_browse_search_and_open_a_product(page: Page, base_url, shelves):
    page.goto(f"{base_url}/")
    page.get_by_role("navigation").get_by_role("link", name="Products").click()
    expect(page).to_have_url(f"{base_url}/products")
    expect(page.get_by_test_id("product-card")).to_have_count(4)

    page.get_by_label("Search products by name").fill("MUG")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/products\?q=MUG$"))
    cards = page.get_by_test_id("product-card")
    expect(cards).to_have_count(2)
    for name in ("Blue Ceramic Mug", "Enamel Camping Mug"):
        expect(cards.get_by_role("link", name=name)).to_be_visible()
    expect(cards.filter(has_text="Enamel Camping Mug").get_by_test_id("sold-out")).to_have_text(
        "Sold out")
    expect(page.get_by_label("Search products by name")).to_have_value("MUG")

    page.get_by_role("link", name="Blue Ceramic Mug").click()

    expect(page).to_have_url(f"{base_url}/products/{shelves['mug'].id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Blue Ceramic Mug")
    expect(page.get_by_test_id("price")).to_have_text("₩12,900")
    expect(page.get_by_test_id("stock")).to_have_text("25 in stock")
    expect(page.get_by_test_id("description")).to_have_text(["Holds 350 ml.", "Dishwasher safe."])
    expect(page.get_by_test_id("sold-out")).to_have_count(0)


def test_a_sold_out_product_says_so(page: Page, base_url, shelves):
    page.goto(f"{base_url}/products?q=camping")
    page.get_by_role("link", name="Enamel Camping Mug").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enamel Camping Mug")
    expect(page.get_by_test_id("sold-out")).to_have_text("Sold out")
    expect(page.get_by_role("status")).to_contain_text("This product is sold out.")


def test_a_search_with_no_match_offers_the_way_back(page: Page, base_url, shelves):
    page.goto(f"{base_url}/products")
    page.get_by_label("Search products by name").fill("100% wool")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_test_id("no-results")).to_contain_text("No products match “100% wool”.")
    page.get_by_role("link", name="Show all products").click()
    expect(page.get_by_test_id("product-card")).to_have_count(4)


def test_an_unknown_product_is_the_shops_404_page(page: Page, base_url, shelves):
    response = page.goto(f"{base_url}/products/999999")
    assert response is not None and response.status == 404
    expect(page.get_by_role("link", name="Browse products")).to_be_visible()
    page.get_by_role("link", name="Browse products").click()
    expect(page.get_by_test_id("product-card")).to_have_count(4)
