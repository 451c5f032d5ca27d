"""In Chromium, on a phone in Korean and a desktop in English: a shopper opens a category,
sorts and filters it, pages on, and the choices survive; every page passes the page checks."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import assert_page_ok, assert_pages_ok

pytestmark = pytest.mark.e2e

# Name, price, stock, in Mugs (else in Kitchen itself); oldest first.
SHELF = [("Celadon Bowl", 24_000, 3, False), ("Blue Mug", 9_000, 5, True),
         ("Sold-out Mug", 7_000, 0, True), ("Red Mug", 12_000, 8, True),
         ("Tea Cup", 6_000, 2, True), ("Rice Bowl", 15_000, 1, False),
         ("Espresso Cup", 5_000, 4, True), ("Gold Mug", 40_000, 2, True)]


@pytest.fixture
def kitchen(app, monkeypatch, category_row, make_product, shelve):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    top = category_row("주방", name_en="Kitchen", slug="kitchen", position=1)
    mugs = category_row("머그", name_en="Mugs", slug="mugs", parent=top)
    category_row("정원", name_en="Garden", slug="garden", position=2)
    for name, price, stock, in_mugs in SHELF:
        shelve(make_product(name=name, price=price, stock=stock).id, mugs if in_mugs else top)


def card_names(page):
    return page.get_by_test_id("product-card").get_by_role("link")


def test_sort_and_filters_change_the_list_and_survive_paging(shop_page, base_url, words,
                                                             kitchen):
    page = shop_page
    page.goto(f"{base_url}/categories/kitchen")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "주방" if words.locale == "ko" else "Kitchen")
    expect(page.get_by_test_id("subcategories").get_by_role("link")).to_have_count(1)
    expect(card_names(page)).to_have_count(3)
    assert_page_ok(page, "category")

    # Phones fold the form; wide screens show it (its summary hidden).
    choices = page.get_by_test_id("list-choices")
    summary = choices.locator("summary")
    if summary.is_visible():
        summary.click()
    page.get_by_label(words("Sort by")).select_option("price_asc")
    page.get_by_label(words("Price from (won)")).fill("6000")
    page.get_by_label(words("Price to (won)")).fill("30000")
    page.get_by_label(words("In stock only")).check()
    assert_page_ok(page, "category-choosing")
    choices.get_by_role("button", name=words("Apply")).click()

    expect(page).to_have_url(re.compile(
        r"/categories/kitchen\?sort=price_asc&min_price=6000&max_price=30000&in_stock=1$"))
    expect(card_names(page)).to_have_text(["Tea Cup", "Blue Mug", "Red Mug"])
    expect(page.get_by_test_id("result-count")).to_contain_text("5")
    assert_page_ok(page, "category-filtered")

    page.get_by_role("navigation", name=words("Pages")).get_by_role("link", name="2").click()

    expect(page).to_have_url(re.compile(r"[?&]page=2(&|$)"))
    expect(card_names(page)).to_have_text(["Rice Bowl", "Celadon Bowl"])
    expect(page.get_by_label(words("Sort by"))).to_have_value("price_asc")
    expect(page.get_by_label(words("Price from (won)"))).to_have_value("6000")
    expect(page.get_by_label(words("Price to (won)"))).to_have_value("30000")
    expect(page.get_by_label(words("In stock only"))).to_be_checked()
    assert_page_ok(page, "category-page-2")

    # A filter that leaves nothing suggests the category pages.
    page.goto(f"{base_url}/categories/kitchen?min_price=90000")
    expect(page.get_by_test_id("no-results")).to_be_visible()
    expect(page.get_by_test_id("category-suggestions").get_by_role("link")).to_have_count(2)
    assert_page_ok(page, "category-empty")

    page.get_by_test_id("category-suggestions").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/categories/kitchen$"))
    page.get_by_test_id("product-card").get_by_role("link").first.click()
    expect(page.get_by_test_id("breadcrumbs").get_by_role("link")).to_have_count(3)
    assert_page_ok(page, "product-with-breadcrumbs")

    page.goto(f"{base_url}/categories")
    expect(page.get_by_test_id("category-tree").get_by_role("link")).to_have_count(3)
    assert_page_ok(page, "category-tree")
    assert_pages_ok(page)
