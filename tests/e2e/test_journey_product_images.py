"""In Chromium, in Korean on a phone and in English on a desktop: an admin uploads two
images on the product page and makes the second the main one; a shopper then sees that
image, loaded, on the product list and on the product page, with the other one below."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.checks import assert_page_ok, assert_pages_ok
from tests.image_files import jpeg, png

pytestmark = pytest.mark.e2e

LOADED = "img => img.complete && img.naturalWidth > 0"


def _log_in(page: Page, base_url: str, email: str, w) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label(w("Email")).fill(email)
    page.get_by_label(w("Password")).fill(PASSWORD)
    page.get_by_test_id("login-form").get_by_role("button", name=w("Log in")).click()
    expect(page.get_by_role("alert")).to_be_visible()


def _upload(page: Page, w, path, alt: str) -> None:
    form = page.get_by_test_id("image-form")
    form.get_by_label(w("Image (JPEG, PNG or WebP, at most 10 MB)")).set_input_files(path)
    form.get_by_label(w("What it shows (optional; read aloud to blind shoppers)")).fill(alt)
    form.get_by_role("button", name=w("Upload image")).click()
    expect(page.get_by_role("alert")).to_contain_text(w("Image added."))


def _assert_loaded(image: Locator, digest: str) -> None:
    image.scroll_into_view_if_needed()
    image.page.wait_for_function(LOADED, arg=image.element_handle())
    assert digest in image.evaluate("img => img.currentSrc")
    assert image.evaluate("img => img.naturalWidth") > 0


def test_admin_uploads_and_picks_the_main_image_shopper_sees_it(
        shop_page, shop_look, open_checked_page, words, base_url, make_user, make_product,
        tmp_path):
    page, w = shop_page, words
    admin = make_user(is_admin=True, name="Ada Admin")
    product = make_product(name="청자 찻잔", price=18_000, stock=4)
    side, top = tmp_path / "side.jpg", tmp_path / "top.png"
    side.write_bytes(jpeg(1600, 1200))
    top.write_bytes(png(900, 900))
    top_digest = hashlib.sha256(top.read_bytes()).hexdigest()
    side_digest = hashlib.sha256(side.read_bytes()).hexdigest()

    _log_in(page, base_url, admin.email, w)
    page.goto(f"{base_url}/admin/products/{product.id}")
    expect(page.get_by_test_id("admin-image")).to_have_count(0)
    _upload(page, w, side, "찻잔 옆모습")
    _upload(page, w, top, "찻잔 윗모습")
    cards = page.get_by_test_id("admin-image")
    expect(cards).to_have_count(2)
    expect(cards.first.get_by_test_id("main-image")).to_be_visible()
    cards.nth(1).get_by_role("button", name=w("Make main")).click()
    expect(page.get_by_role("alert")).to_contain_text(w("This is now the main image."))
    expect(cards.first.get_by_test_id("main-image")).to_be_visible()
    _assert_loaded(cards.first.locator("img"), top_digest)
    assert_page_ok(page, "admin-product-images")

    shopper = open_checked_page(shop_look)
    shopper.goto(f"{base_url}/products")
    card = shopper.get_by_test_id("product-card").filter(has_text="청자 찻잔")
    picture = card.get_by_role("img", name="찻잔 윗모습")
    _assert_loaded(picture, top_digest)
    assert picture.get_attribute("loading") == "lazy"
    assert picture.get_attribute("width") and picture.get_attribute("height")
    assert_page_ok(shopper, "product-list-with-image")

    card.get_by_role("link", name="청자 찻잔").click()
    expect(shopper).to_have_url(f"{base_url}/products/{product.id}")
    _assert_loaded(shopper.get_by_test_id("product-picture").locator("img"), top_digest)
    _assert_loaded(shopper.get_by_test_id("product-gallery").get_by_role("img"), side_digest)
    assert_page_ok(shopper, "product-page-with-images")
    assert_pages_ok(page)
    assert_pages_ok(shopper)
