"""The admin in Korean and English: bilingual product and coupon text, search in either
language, translated pages and messages, and numbers written the shop's one way."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.catalog.models import Product
from app.coupons.models import Coupon
from app.extensions import db
from tests.helpers import field_errors, post_form

KO = {"Accept-Language": "ko"}


def _product(app, product_id: int) -> tuple:
    with app.app_context():
        p = db.session.get(Product, product_id)
        return p.name, p.name_en, p.description, p.description_en


def test_a_product_is_created_and_edited_in_korean_and_english(admin_client, app):
    response = post_form(admin_client, "/admin/products/new", {
        "name": " 제주 녹차 ", "description": "첫물 녹차.", "name_en": " Jeju green tea ",
        "description_en": "First flush.", "price": "12900", "stock": "3", "is_active": "y"})
    assert response.status_code == 302
    product_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert _product(app, product_id) == ("제주 녹차", "Jeju green tea", "첫물 녹차.", "First flush.")
    # Shoppers read their language; with the English cleared, English pages show the Korean.
    assert "Jeju green tea" in admin_client.get(f"/products/{product_id}").get_data(as_text=True)
    response = post_form(admin_client, f"/admin/products/{product_id}/edit", {
        "name": "제주 녹차", "description": "첫물 녹차.", "name_en": "  ", "description_en": "",
        "price": "12900", "is_active": "y"})
    assert response.status_code == 302
    assert _product(app, product_id) == ("제주 녹차", None, "첫물 녹차.", None)
    assert "제주 녹차" in admin_client.get(f"/products/{product_id}").get_data(as_text=True)


def test_the_edit_form_shows_both_languages(admin_client, app, make_product):
    product = make_product(name="보리차", description="고소해요.")
    with app.app_context():
        db.session.get(Product, product.id).name_en = "Barley tea"
        db.session.commit()
    html = admin_client.get(f"/admin/products/{product.id}/edit").get_data(as_text=True)
    assert re.search(r'id="name"[^>]*value="보리차"', html)
    assert re.search(r'id="name_en"[^>]*value="Barley tea"', html)
    assert '<label class="form-label" for="name_en">Name (English, optional)</label>' in html


@pytest.mark.parametrize("data, field, message", [
    ({"name": "", "name_en": "Green tea"}, "name", "Enter the product's name."),
    ({"name": "녹차", "name_en": "x" * 121}, "name_en", "At most 120 characters."),
    ({"name": "녹차", "description_en": "x" * 5_001}, "description_en",
     "At most 5000 characters."),
])
def test_the_english_text_has_the_korean_limits(admin_client, db_snapshot, data, field,
                                                message):
    before = db_snapshot()
    response = post_form(admin_client, "/admin/products/new",
                         {"price": "100", "stock": "1", **data})
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True), field)[0]
    assert db_snapshot() == before


@pytest.mark.parametrize("q", ["녹차", "GREEN", "green tea", "Jeju"])
def test_inventory_search_matches_the_korean_or_the_english_name(admin_client, app,
                                                                 make_product, q):
    tea = make_product(name="제주 녹차")
    make_product(name="머그컵")
    with app.app_context():
        db.session.get(Product, tea.id).name_en = "Jeju green tea"
        db.session.commit()
    html = admin_client.get("/admin/products", query_string={"q": q}).get_data(as_text=True)
    assert re.findall(r'href="/admin/products/(\d+)">', html) == [str(tea.id)]


def test_a_coupon_has_a_korean_and_an_optional_english_name(admin_client, app):
    base = {"discount_type": "fixed", "discount_value": "2000", "min_order_amount": "10000",
            "quantity": "5", "valid_days": "7"}
    assert post_form(admin_client, "/admin/coupons",
                     {**base, "name": "첫 구매 쿠폰", "name_en": "First order"}).status_code == 302
    assert post_form(admin_client, "/admin/coupons",
                     {**base, "name": "단골 쿠폰", "name_en": ""}).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Coupon.name, Coupon.name_en).order_by(Coupon.id)
                                  ).all() == [("첫 구매 쿠폰", "First order"), ("단골 쿠폰", None)]
    html = admin_client.get("/admin/coupons").get_data(as_text=True)
    assert "첫 구매 쿠폰" in html and "First order" in html


def test_korean_admin_pages_speak_korean(admin_client, app, make_user, make_product):
    from app.orders.checkout import place_order

    shopper = make_user(balance=100_000, email="kim@example.com")
    tea = make_product(name="제주 녹차", price=12_900, stock=5)
    with app.app_context():
        order, _ = place_order(shopper.id, [(tea.id, 2)])
    html = admin_client.get("/admin", headers=KO).get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert ">대시보드</h1>" in html and ">재고 관리</a>" in html
    today = html.split('data-testid="today-orders"', 1)[1].split("</table>", 1)[0]
    assert 'data-status="paid">결제 완료</span>' in today
    # Today's orders: the time of day alone, on one line.
    assert re.search(r'<td [^>]*class="text-nowrap"><time datetime="[^"]+" title="[^"]+">'
                     r'\d\d:\d\d</time>', today)
    assert 'data-testid="today-revenue">₩25,800<' in html

    page = admin_client.get(f"/admin/products/{tea.id}", headers=KO).get_data(as_text=True)
    movements = page.split('data-testid="movements"', 1)[1].split("</table>", 1)[0]
    assert 'data-delta="-2">\u22122</td>' in movements and 'data-delta="5">+5</td>' in movements
    assert ">판매</span>" in movements and ">초기 재고</span>" in movements

    response = post_form(admin_client, f"/admin/products/{tea.id}/stock",
                         {"kind": "correction", "delta": "-9", "reason": "재고 조사"},
                         token_from=f"/admin/products/{tea.id}", headers=KO)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "delta") == [
        "재고는 0 아래로 내려갈 수 없어요 (현재 재고 3개)."]

    response = post_form(admin_client, f"/admin/orders/{order.id}/cancel", {},
                         token_from=f"/admin/orders/{order.id}", headers=KO)
    shown = admin_client.get(response.headers["Location"], headers=KO).get_data(as_text=True)
    assert f"주문 #{order.id}을(를) 취소하고 25,800원을 환불했어요." in shown
    assert 'data-testid="order-status">취소됨</span>' in shown


def test_english_admin_pages_write_signed_units_with_a_true_minus(admin_client, app,
                                                                  make_user, make_product):
    from app.orders.checkout import place_order

    shopper = make_user(balance=100_000)
    tea = make_product(name="Tea", price=1_000, stock=5)
    with app.app_context():
        place_order(shopper.id, [(tea.id, 3)])
    page = admin_client.get(f"/admin/products/{tea.id}").get_data(as_text=True)
    movements = page.split('data-testid="movements"', 1)[1].split("</table>", 1)[0]
    assert ">\u22123</td>" in movements and ">-3<" not in movements
    assert ">Sale</span>" in movements and ">Initial stock</span>" in movements
    orders = admin_client.get("/admin/orders").get_data(as_text=True)
    assert 'data-status="paid">Paid</span>' in orders


def test_the_coupon_api_takes_and_answers_both_names(client, make_user, bearer):
    admin = bearer(make_user(is_admin=True))
    body = {"name": "첫 구매 쿠폰", "name_en": "First order", "discount_type": "fixed",
            "discount_value": 2000, "quantity": 5}
    created = client.post("/api/v1/admin/coupons", json=body, headers=admin)
    assert created.status_code == 201
    # The admin answer is the stored text, whatever language the request asks for.
    assert (created.get_json()["name"], created.get_json()["name_en"]) == (
        "첫 구매 쿠폰", "First order")
    shopper = bearer(make_user())
    names = {lang: [c["name"] for c in client.get(
        "/api/v1/coupons", headers={**shopper, "Accept-Language": lang}).get_json()["items"]]
        for lang in ("ko", "en")}
    assert names == {"ko": ["첫 구매 쿠폰"], "en": ["First order"]}
    refused = client.post("/api/v1/admin/coupons", json={**body, "name_en": "x" * 121},
                          headers=admin)
    assert refused.status_code == 422 and refused.get_json()["code"] == "invalid_input"


def test_an_admin_api_refusal_in_korean_keeps_its_code(client, make_user, bearer, make_product):
    product = make_product(stock=5)
    headers = {**bearer(make_user(is_admin=True)), "Accept-Language": "ko"}
    response = client.patch(f"/api/v1/admin/products/{product.id}", headers=headers,
                            json={"stock_delta": -6, "reason": "재고 조사"})
    assert response.status_code == 409
    body = response.get_json()
    assert (body["code"], body["detail"]) == (
        "out_of_stock", "재고는 0 아래로 내려갈 수 없어요 (현재 재고 5개).")


def test_the_initial_stock_reason_reads_in_the_pages_language(admin_client, app):
    response = post_form(admin_client, "/admin/products/new",
                         {"name": "보리차", "price": "4500", "stock": "3", "is_active": "y"})
    page = admin_client.get(response.headers["Location"], headers=KO).get_data(as_text=True)
    movements = page.split('data-testid="movements"', 1)[1].split("</table>", 1)[0]
    assert movements.count("초기 재고") == 2 and "Initial stock" not in movements
