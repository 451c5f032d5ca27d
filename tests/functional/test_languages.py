"""Which language a page speaks, and finding products by their Korean or English name.

A page follows (h2's tests cover the saved preference and the API) the ``lang`` cookie the
header's switcher sets, then ``Accept-Language``, then the shop default; ``<html lang>``
and the copy agree. The demo shop is Korean-first, with English translations.
"""

from __future__ import annotations

import re

import pytest

from app.catalog.models import Product
from app.catalog.choices import ListChoices
from app.catalog.services import list_products
from app.coupons.models import Coupon
from app.db import transaction
from app.extensions import db
from app.i18n import LOCALE_COOKIE
from app.shop import demo

KO = {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
_NAV_LINK = re.compile(r'<a class="nav-link[^"]*" href="/products">\s*([^<]+?)\s*</a>')


def _lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:300]
    return match.group(1)


def _products_nav(response) -> str:
    """The header's link to the product list, as the shopper reads it."""
    match = _NAV_LINK.search(response.get_data(as_text=True))
    assert match, "no header link to /products"
    return match.group(1)


@pytest.fixture
def bilingual_mug(app, make_product):
    """A product with a Korean name and an English translation."""
    product = make_product(name="세라믹 머그컵", price=19_000, stock=5,
                           description="강진 청자 유약을 입혔어요.")
    _translate(app, product.id, "Ceramic mug", "A celadon-glazed mug.")
    return product


def _translate(app, product_id: int, name_en: str, description_en: str | None = None):
    with app.app_context(), transaction() as uow:
        product = uow.session.get(Product, product_id)
        product.name_en, product.description_en = name_en, description_en


@pytest.mark.parametrize("path", ["/", "/products"])
def test_accept_language_picks_the_pages_language_and_copy(client, bilingual_mug, path):
    korean = client.get(path, headers=KO)
    english = client.get(path, headers=EN)

    assert korean.status_code == english.status_code == 200
    assert (_lang(korean), _lang(english)) == ("ko", "en")
    assert (_products_nav(korean), _products_nav(english)) == ("상품", "Products")
    korean_html, english_html = korean.get_data(as_text=True), english.get_data(as_text=True)
    assert "세라믹 머그컵" in korean_html and "Ceramic mug" not in korean_html
    assert "Ceramic mug" in english_html and "세라믹 머그컵" not in english_html


def test_the_product_page_speaks_the_shoppers_language(client, bilingual_mug):
    korean = client.get(f"/products/{bilingual_mug.id}", headers=KO).get_data(as_text=True)
    english = client.get(f"/products/{bilingual_mug.id}", headers=EN).get_data(as_text=True)

    assert "강진 청자 유약을 입혔어요." in korean and "A celadon-glazed mug." not in korean
    assert "A celadon-glazed mug." in english and "강진 청자 유약을 입혔어요." not in english


def test_an_english_page_falls_back_to_the_korean_name(client, make_product):
    make_product(name="조미김 선물세트")

    english = client.get("/products", headers=EN)

    assert _lang(english) == "en"
    assert "조미김 선물세트" in english.get_data(as_text=True)


@pytest.mark.parametrize(("cookie", "header", "expected"), [
    ("ko", EN, "ko"),
    ("en", KO, "en"),
    ("fr", KO, "ko"),  # an unknown cookie value is ignored
])
def test_the_lang_cookie_beats_accept_language(client, cookie, header, expected):
    client.set_cookie(LOCALE_COOKIE, cookie)

    assert _lang(client.get("/products", headers=header)) == expected


@pytest.mark.parametrize("default", ["ko", "en"])
def test_without_any_preference_the_shop_default_speaks(app, client, monkeypatch, default):
    monkeypatch.setitem(app.config, "SHOP_LOCALE", default)

    response = client.get("/products")

    assert _lang(response) == default
    assert _products_nav(response) == {"ko": "상품", "en": "Products"}[default]


@pytest.mark.parametrize("page", ["/products?q=%EB%A8%B8%EA%B7%B8&page=1", "/coupons", "/"])
def test_the_switcher_keeps_the_shopper_on_the_same_page(client, bilingual_mug, page):
    response = client.post("/language", data={"locale": "en", "next": page}, headers=KO)

    assert response.status_code == 302
    assert response.headers["Location"] == page
    again = client.get(page, headers=KO)
    assert _lang(again) == "en"

    back = client.post("/language", data={"locale": "ko", "next": page})

    assert back.headers["Location"] == page
    assert _lang(client.get(page, headers=EN)) == "ko"


def test_the_switcher_offers_the_other_language_and_returns_with_the_query(client):
    html = client.get("/products?q=mug&page=2", headers=KO).get_data(as_text=True)

    assert re.search(r'name="next" value="/products\?q=mug&amp;page=2"', html)
    assert re.search(r'<button[^>]*name="locale" value="en"[^>]*>English</button>', html)
    assert 'value="ko"' not in html


# --- search: the Korean or the English name ----------------------------------------------


def _found(app, q: str) -> list[str]:
    with app.app_context():
        names = [product.name
                 for product in list_products(ListChoices(q=q), per_page=100).items]
        db.session.remove()
        return names


@pytest.fixture
def demo_shop(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("q", "expected"), [
    ("커피", {"드립 커피 원두 200g (에티오피아 예가체프)", "콜드브루 커피 보틀 1L",
             "디카페인 콜롬비아 원두 200g", "드립백 커피 20개입"}),
    # The crock's description speaks of 김치, the spoon set's of 김해: a search reads those too.
    ("김", {"조미김 선물세트 16봉", "옹기 발효 항아리 5L", "스테인리스 수저 세트"}),
    ("머그", {"세라믹 머그컵 (청자 유약)"}),
    ("coffee", {"드립 커피 원두 200g (에티오피아 예가체프)", "콜드브루 커피 보틀 1L",
                "디카페인 콜롬비아 원두 200g", "드립백 커피 20개입"}),
    ("Mug", {"세라믹 머그컵 (청자 유약)"}),
    ("LAVER", {"조미김 선물세트 16봉"}),
])
def test_search_finds_demo_products_by_their_korean_or_english_name(app, demo_shop, q,
                                                                     expected):
    assert set(_found(app, q)) == expected


def test_a_korean_search_lists_korean_names_and_an_english_one_english_names(
        client, demo_shop):
    korean = client.get("/products?q=머그", headers=KO).get_data(as_text=True)
    english = client.get("/products?q=mug", headers=EN).get_data(as_text=True)

    assert "세라믹 머그컵 (청자 유약)" in korean
    assert "Ceramic mug, celadon glaze" in english and "세라믹 머그컵" not in english


@pytest.mark.parametrize(("q", "headers"), [("커피", EN), ("coffee", KO)])
def test_the_api_searches_both_names_whatever_language_it_answers_in(client, demo_shop, q,
                                                                      headers):
    response = client.get("/api/v1/products", query_string={"q": q}, headers=headers)

    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 4


def test_english_names_match_metacharacters_literally(app, make_product):
    percent = make_product(name="면 티셔츠")
    _translate(app, percent.id, "100% cotton_tee")
    plain = make_product(name="면 반팔")
    _translate(app, plain.id, "1000 cotton tee")

    assert _found(app, "100%") == ["면 티셔츠"]
    assert _found(app, "n_t") == ["면 티셔츠"]
    assert _found(app, "%") == ["면 티셔츠"]
    assert _found(app, "COTTON") == ["면 반팔", "면 티셔츠"]


def test_a_hidden_product_stays_hidden_whatever_the_language(app, make_product):
    hidden = make_product(name="비공개 머그", is_active=False)
    _translate(app, hidden.id, "Hidden mug")

    assert _found(app, "머그") == [] and _found(app, "mug") == []


# --- the demo shop is Korean-first ------------------------------------------------------


def test_the_demo_shop_is_korean_with_english_translations(app, demo_shop):
    with app.app_context():
        products = db.session.scalars(db.select(Product).order_by(Product.id)).all()
        coupons = db.session.scalars(db.select(Coupon)).all()
        rows = [(p.name, p.name_en, p.description, p.description_en) for p in products]
        coupon_rows = [(c.name, c.name_en) for c in coupons]
        db.session.remove()

    hangul = re.compile("[가-힣]")
    assert len(rows) == len(demo.PRODUCTS) == 61 and len(coupon_rows) == 4
    for name, name_en, description, description_en in rows:
        assert hangul.search(name) and hangul.search(description), name
        assert name_en and description_en and not hangul.search(name_en + description_en), name
    for name, name_en in coupon_rows:
        assert hangul.search(name) and name_en and not hangul.search(name_en), name
    assert [name for name, *_ in rows] == [product.name for product in demo.PRODUCTS]


def test_a_missing_product_is_explained_in_the_shoppers_language(client):
    korean = client.get("/products/999999", headers=KO)
    english = client.get("/products/999999", headers=EN)

    assert korean.status_code == english.status_code == 404
    assert "상품 #999999은(는) 없어요." in korean.get_data(as_text=True)
    assert "There is no product #999999." in english.get_data(as_text=True)
