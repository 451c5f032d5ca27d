"""In Chromium, in Korean on a phone and in English on a desktop: an admin builds a small
category tree (a top category, a subcategory), reorders it, hides one, and shelves a
product in the subcategory from the product form. Every page passes the page checks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.checks import assert_page_ok, assert_pages_ok

pytestmark = pytest.mark.e2e


def _row(page, name: str):
    return page.get_by_test_id("categories").locator("tr[data-category-id]", has_text=name)


def _create(page, words, name: str, name_en: str = "", parent: str | None = None) -> None:
    form = page.get_by_test_id("category-form")
    form.get_by_label(words("Name (Korean)")).fill(name)
    form.get_by_label(words("Name (English, optional)")).fill(name_en)
    if parent:
        form.get_by_label(words("Parent category")).select_option(label=parent)
    form.get_by_role("button", name=words("Create category")).click()
    expect(page.get_by_role("alert")).to_contain_text(
        words("Created the category %(name)s.", name=name))


def test_admin_builds_reorders_and_hides_categories_and_shelves_a_product(
        shop_page, words, base_url, make_user, make_product):
    page, w = shop_page, words
    admin = make_user(is_admin=True, name="Ada Admin", email="ada@storefront.test")
    product = make_product(name="세작 녹차", price=9_000, stock=4)

    page.goto(f"{base_url}/login")
    page.get_by_label(w("Email")).fill(admin.email)
    page.get_by_label(w("Password")).fill(PASSWORD)
    page.get_by_role("button", name=w("Log in")).click()
    page.goto(f"{base_url}/admin")
    page.get_by_test_id("admin-nav").get_by_role("link", name=w("Categories")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(w("Categories"))
    assert_page_ok(page, "categories-empty")

    # Two top categories and a subcategory under the first.
    _create(page, w, "차", "Tea")
    _create(page, w, "다기", "Teaware")
    _create(page, w, "녹차", "Green tea", parent="차")
    rows = page.get_by_test_id("categories").locator("tr[data-category-id]")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("차")
    expect(rows.nth(1)).to_contain_text("녹차")
    expect(rows.nth(2)).to_contain_text("다기")
    expect(_row(page, "녹차").locator("code")).to_have_text("green-tea")

    # Teaware first: one move up.
    _row(page, "다기").get_by_role("button", name=w("Move %(name)s up", name="다기")).click()
    expect(page.get_by_role("alert")).to_contain_text(w("Moved %(name)s.", name="다기"))
    expect(rows.nth(0)).to_contain_text("다기")
    expect(rows.nth(1)).to_contain_text("차")

    # Hide the subcategory.
    _row(page, "녹차").get_by_role("button", name=w("Hide %(name)s", name="녹차")).click()
    expect(page.get_by_role("alert")).to_contain_text(
        w("%(name)s is hidden from the shop.", name="녹차"))
    expect(_row(page, "녹차").get_by_test_id("visibility")).to_have_text(w("Hidden"))
    assert_page_ok(page, "categories-tree")

    # The edit page of a category.
    _row(page, "다기").get_by_role("link", name=w("Edit %(name)s", name="다기")).click()
    expect(page.get_by_label(w("Address name (optional)"))).to_have_value("teaware")
    assert_page_ok(page, "category-edit")

    # Shelve the product in the (hidden) subcategory from the product form.
    page.goto(f"{base_url}/admin/products/{product.id}/edit")
    page.get_by_label(w("Category")).select_option(
        label=w("%(name)s (hidden)", name="차 › 녹차"))
    assert_page_ok(page, "product-form")
    page.get_by_role("button", name=w("Save")).click()
    expect(page.get_by_role("alert")).to_contain_text(w("Saved %(name)s.", name="세작 녹차"))
    expect(page.get_by_test_id("category")).to_contain_text("차 › 녹차")
    assert_page_ok(page, "product-page")

    # The tree counts it, and no longer offers to delete its category.
    page.goto(f"{base_url}/admin/categories")
    expect(_row(page, "녹차").get_by_test_id("product-count")).to_have_text("1")
    expect(_row(page, "녹차").get_by_role("button", name=w("Delete %(name)s", name="녹차"))
           ).to_have_count(0)
    assert_pages_ok(page)
