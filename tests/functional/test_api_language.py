"""The API's language: ``title``/``detail`` of every problem and the product and coupon names
follow ``Accept-Language`` (the shop's ``SHOP_LOCALE`` without one); the ``code``, the
status and the field names never change with it."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import update

from app.catalog.models import Product
from app.db import transaction
from tests.helpers import assert_problem

KO = {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


@contextmanager
def shop_locale(app, locale: str):
    """The session app with another ``SHOP_LOCALE`` for the block (the suite runs in English)."""
    before = app.config["SHOP_LOCALE"]
    app.config["SHOP_LOCALE"] = locale
    try:
        yield
    finally:
        app.config["SHOP_LOCALE"] = before


def _in_both(client, send, expected_status: int, code: str) -> tuple[dict, dict]:
    """The same refusal asked for in Korean and in English: same status, code and fields."""
    korean = assert_problem(send({**KO}), expected_status, code)
    english = assert_problem(send({**EN}), expected_status, code)
    assert set(korean) == set(english)
    assert korean["type"] == english["type"]
    return korean, english


def test_insufficient_points_is_korean_for_a_korean_client(client, make_user, make_product,
                                                           bearer, db_snapshot):
    shopper = make_user(balance=1_000)
    product = make_product(price=3_000)
    headers = bearer(shopper)
    before = db_snapshot()

    korean, english = _in_both(client, lambda language: client.post(
        "/api/v1/orders", json={"items": [{"product_id": product.id, "quantity": 1}]},
        headers={**headers, **language}), 409, "insufficient_points")

    assert korean["title"] == "포인트가 부족해요"
    assert korean["detail"] == "포인트가 부족해요. 결제 금액은 3,000원인데 잔액은 1,000원이에요."
    assert english["title"] == "Not enough points"
    assert english["detail"] == "This costs ₩3,000 but your balance is ₩1,000."
    assert db_snapshot() == before


def test_an_invalid_top_up_amount_is_korean_for_a_korean_client(client, make_user, bearer,
                                                                 db_snapshot):
    headers = bearer(make_user())
    before = db_snapshot()

    korean, english = _in_both(client, lambda language: client.post(
        "/api/v1/wallet/charges", json={"amount": 0}, headers={**headers, **language}),
        422, "invalid_amount")

    assert korean["title"] == "잘못된 금액"
    assert korean["detail"] == "1원부터 1,000,000원까지 정수로 입력하세요."
    assert english["detail"] == "Enter a whole amount from ₩1 to ₩1,000,000."
    assert db_snapshot() == before


def test_an_unknown_product_is_korean_for_a_korean_client(client):
    korean, english = _in_both(client, lambda language: client.get(
        "/api/v1/products/999", headers=language), 404, "product_not_found")

    assert korean["title"] == "상품을 찾을 수 없어요"
    assert "999" in korean["detail"] and korean["detail"] != english["detail"]
    assert english["title"] == "Product not found"


@pytest.mark.parametrize(("path", "method", "status", "code", "korean_title"), [
    ("/api/v1/nowhere", "get", 404, "not_found", "찾을 수 없어요"),
    ("/api/v1/tokens", "put", 405, "method_not_allowed", "허용되지 않는 메서드"),
    ("/api/v1/wallet", "get", 401, "unauthenticated", "로그인이 필요해요"),
])
def test_the_apis_own_refusals_are_korean_too(client, path, method, status, code,
                                              korean_title):
    korean, english = _in_both(client, lambda language: getattr(client, method)(
        path, headers=language), status, code)
    assert korean["title"] == korean_title
    assert english["title"] != korean_title
    assert all(ord(ch) < 0x3000 for ch in english["title"] + english["detail"])


def test_without_accept_language_the_shop_default_speaks(app, client, make_user, bearer):
    shopper = make_user()
    with shop_locale(app, "ko"):
        body = assert_problem(client.post("/api/v1/wallet/charges", json={"amount": -5},
                                          headers=bearer(shopper)), 422, "invalid_amount")
    assert body["detail"] == "1원부터 1,000,000원까지 정수로 입력하세요."
    with shop_locale(app, "en"):
        body = assert_problem(client.post("/api/v1/wallet/charges", json={"amount": -5},
                                          headers=bearer(shopper)), 422, "invalid_amount")
    assert body["detail"] == "Enter a whole amount from ₩1 to ₩1,000,000."


def test_the_api_ignores_the_pages_language_cookie(app, client, make_user, bearer):
    """A browser's ``lang`` cookie is the page switcher's; an API client says Accept-Language."""
    shopper = make_user()
    client.set_cookie("lang", "ko")
    body = assert_problem(client.post("/api/v1/wallet/charges", json={"amount": 0},
                                      headers={**bearer(shopper), **EN}), 422, "invalid_amount")
    assert body["detail"] == "Enter a whole amount from ₩1 to ₩1,000,000."


def _translate_product(app, product_id: int, name_en: str | None, description_en: str | None):
    with app.app_context(), transaction() as uow:
        uow.session.execute(update(Product).where(Product.id == product_id)
                            .values(name_en=name_en, description_en=description_en))


def test_products_are_named_in_the_clients_language(app, client, make_product):
    mug = make_product(name="머그컵", description="도자기 머그컵이에요.")
    _translate_product(app, mug.id, "Mug", "A stoneware mug.")
    laver = make_product(name="김")  # no English: English readers see the Korean

    korean = client.get(f"/api/v1/products/{mug.id}", headers=KO).json
    english = client.get(f"/api/v1/products/{mug.id}", headers=EN).json
    assert (korean["name"], korean["description"]) == ("머그컵", "도자기 머그컵이에요.")
    assert (english["name"], english["description"]) == ("Mug", "A stoneware mug.")
    assert set(korean) == set(english)

    listed = {item["id"]: item["name"]
              for item in client.get("/api/v1/products", headers=EN).json["items"]}
    assert listed == {mug.id: "Mug", laver.id: "김"}
    listed = {item["id"]: item["name"]
              for item in client.get("/api/v1/products", headers=KO).json["items"]}
    assert listed == {mug.id: "머그컵", laver.id: "김"}


def test_best_sellers_are_named_in_the_clients_language(app, client, make_user, make_product,
                                                        bearer):
    shopper = make_user(balance=10_000)
    mug = make_product(name="머그컵")
    _translate_product(app, mug.id, "Mug", None)
    paid = client.post("/api/v1/orders", json={"items": [{"product_id": mug.id, "quantity": 1}]},
                       headers=bearer(shopper))
    assert paid.status_code == 201

    korean = client.get("/api/v1/products/best-sellers", headers=KO).json["items"]
    english = client.get("/api/v1/products/best-sellers", headers=EN).json["items"]
    assert [item["name"] for item in korean] == ["머그컵"]
    assert [item["name"] for item in english] == ["Mug"]
    assert set(korean[0]) == set(english[0])


def test_coupons_are_named_in_the_clients_language(app, client, make_user, make_coupon, bearer):
    shopper = make_user()
    welcome = make_coupon(name="신규 가입 쿠폰", name_en="Welcome coupon")
    korean_only = make_coupon(name="단골 쿠폰")
    headers = bearer(shopper)
    assert client.post(f"/api/v1/coupons/{welcome.id}/claims", headers=headers).status_code == 201

    def names(path, language):
        return {item.get("coupon_id", item["id"]): item["name"]
                for item in client.get(path, headers={**headers, **language}).json["items"]}

    assert names("/api/v1/coupons", EN) == {welcome.id: "Welcome coupon",
                                            korean_only.id: "단골 쿠폰"}
    assert names("/api/v1/coupons", KO) == {welcome.id: "신규 가입 쿠폰",
                                            korean_only.id: "단골 쿠폰"}
    assert names("/api/v1/me/coupons", EN) == {welcome.id: "Welcome coupon"}
    assert names("/api/v1/me/coupons", KO) == {welcome.id: "신규 가입 쿠폰"}

    # A refusal names the coupon in the client's language too, with the same code.
    korean, english = _in_both(client, lambda language: client.post(
        f"/api/v1/coupons/{welcome.id}/claims", headers={**headers, **language}),
        409, "coupon_already_claimed")
    assert korean["detail"] == "이미 받은 쿠폰이에요: 신규 가입 쿠폰"
    assert english["detail"] == "You have already claimed Welcome coupon."


def test_the_openapi_document_offers_accept_language_on_every_operation(client):
    document = client.get("/api/v1/openapi.json").json
    operations = [operation for operations in document["paths"].values()
                  for operation in operations.values()]
    assert operations
    for operation in operations:
        header = [parameter for parameter in operation["parameters"]
                  if parameter["in"] == "header" and parameter["name"] == "Accept-Language"]
        assert len(header) == 1, operation["operationId"]
        assert header[0]["required"] is False
        assert {"ko", "en"} <= set(header[0]["schema"]["enum"])
